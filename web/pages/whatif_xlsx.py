"""What a candidate time-limits table would have done, as an Excel workbook (openpyxl): the summary, the
on-time rates before → after per stage, department and district, and the tasks whose verdict changes —
the numbers the page shows."""

from __future__ import annotations

import io
from typing import Any

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from web.pages import labels
from web.pages.formatting import beijing
from web.pages.names import diagram_label


def _sheet(book: Workbook, title: str, header: list[str], rows: list[list[Any]], first: bool = False) -> None:
    sheet = book.active if first else book.create_sheet()
    sheet.title = title
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(["" if v is None else v for v in row])
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # never a formula
            elif isinstance(cell.value, float):
                cell.number_format = "0.0%"
    sheet.freeze_panes = "A2"
    for n, _h in enumerate(header):
        sheet.column_dimensions[chr(ord("A") + n)].width = 20 if n else 28


def workbook_of(key: str, result: dict[str, Any]) -> bytes:
    """One sheet of the summary, one per dimension, one of the changed tasks (the page's sample)."""
    book = Workbook()
    summary = [[_("Table"), key], [_("Against the active version"), result["against_version"]],
               [_("Period from"), beijing(result["since"])], [_("Period until"), beijing(result["until"])],
               [_("Stage tasks"), result["tasks"]], [_("On time before"), result["on_time_before"]],
               [_("On time after"), result["on_time_after"]], [_("Verdicts that change"), result["changed"]]]
    _sheet(book, _("What-if summary"), [_("Figure"), _("Value")], summary, first=True)
    header = [_("Tasks"), _("On time before"), _("On time after")]
    for dimension, title in (("stage", _("Stage")), ("department", _("Department")), ("district", _("District"))):
        rows = [[diagram_label(labels.STAGES, r["stage"]) if dimension == "stage" else r[dimension], r["tasks"],
                 r["on_time_before"], r["on_time_after"]] for r in result["by_" + dimension]]
        _sheet(book, title, [title, *header], rows)
    changed = [[s["case_no"], diagram_label(labels.STAGES, s["stage"]), beijing(s["completed_at"]),
                beijing(s["due_before"]), beijing(s["due_after"]),
                _("Yes") if s["on_time_before"] else _("No"), _("Yes") if s["on_time_after"] else _("No")]
               for s in result["sample"]]
    _sheet(book, _("Changed verdicts"), [_("Case number"), _("Stage"), _("Completed"), _("Deadline before"),
                                         _("Deadline after"), _("On time before"), _("On time after")], changed)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
