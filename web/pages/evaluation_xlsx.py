"""A scorecard as an Excel workbook (openpyxl): the page's table, every row, numbers as numbers."""

from __future__ import annotations

import io

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from engine.evaluation.indicators import Indicator
from engine.evaluation.scorecards import Scorecard


def scorecard_workbook(card: Scorecard, columns: list[Indicator], title: str) -> bytes:
    """One sheet: rank, code, name, each weighted indicator's value and score, composite, grade;
    a second sheet says which period, plan (version) and facts hash the numbers come from."""
    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    header = [_("Rank"), _("Code"), _("Name")]
    for ind in columns:
        header += [ind.label, f"{ind.label} {_('score')}"]
    header += [_("Composite"), _("Grade")]
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in card.rows:
        line: list[object] = [row.rank, row.code, row.name]
        for ind in columns:
            fig = row.indicators[ind.key]
            line += [fig.value, fig.score]
        line += [row.composite, row.grade]
        sheet.append(line)
    for cell in sheet["C"][1:]:
        cell.data_type = "s"  # a name is never a formula
    sheet.freeze_panes = "D2"
    about = book.create_sheet(_("About"))
    for key, value in ((_("Period"), card.period), (_("Plan"), f"{card.plan} v{card.plan_version}"),
                       (_("Facts SHA-256"), card.facts_digest), (_("Computed at"), card.computed_at)):
        about.append([key, value])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
