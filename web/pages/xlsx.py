"""The case search as an Excel workbook (openpyxl): the columns an office files in its reports."""

from __future__ import annotations

import io
from typing import Any

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from web.pages import labels
from web.pages.formatting import beijing
from web.pages.names import diagram_label, process_label


def workbook_of(items: list[dict[str, Any]]) -> bytes:
    """One sheet, one row per case, headers in the reader's language, times in Beijing time."""

    book = Workbook()
    sheet = book.active
    sheet.title = _("Cases")
    columns = [
        (_("Case number"), lambda i: i["case_no"]),
        (_("Process"), lambda i: process_label(i.get("process_key"))),
        (_("Status"), lambda i: diagram_label(labels.STAGES, i["status"])),
        (_("Source"), lambda i: labels.label(labels.SOURCES, i["source"])),
        (_("Class"), lambda i: i.get("category_name") or i["category_code"]),
        (_("Class code"), lambda i: i["category_code"]),
        (_("District"), lambda i: i.get("district_name") or i["district_code"]),
        (_("Street"), lambda i: i.get("street_name") or i["street_code"]),
        (_("Grid"), lambda i: i["grid_code"]),
        (_("Address"), lambda i: i.get("address") or ""),
        (_("Description"), lambda i: i["description"]),
        (_("Department"), lambda i: i.get("department_name") or i.get("department_code") or ""),
        (_("Reported at"), lambda i: beijing(i["reported_at"])),
        (_("Deadline"), lambda i: beijing(i["deadline_at"])),
        (_("Closed at"), lambda i: beijing(i["closed_at"])),
        (_("Overdue"), lambda i: _("Yes") if i.get("overdue") else ""),
    ]
    sheet.append([title for title, _get in columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row, item in enumerate(items, start=2):
        for col, (_title, get) in enumerate(columns, start=1):
            value = get(item)
            cell = sheet.cell(row=row, column=col, value="" if value is None else str(value))
            cell.data_type = "s"  # never a formula: a description starting with "=" stays text
    sheet.freeze_panes = "A2"
    for letter, width in zip("ABCDEFGHIJKLMNO", (18, 10, 10, 16, 9, 12, 16, 16, 24, 40, 24, 17, 17, 17, 8),
                             strict=True):
        sheet.column_dimensions[letter].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()

