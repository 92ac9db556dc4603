"""The catalogue of evaluation figures: base counts and the indicators made of them.

This is the *meaning* of each figure (its Chinese name and, for a rate, which count is divided by
which) — how counts are taken from the facts is ``engine/evaluation/counts.py`` and how much an
indicator weighs is a plan's business (``workflows/evaluation_plans.yaml``). Rates are percent.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

REGION_TYPES = ("grid", "community", "street", "district", "city")
POSITION_TYPES = ("inspector", "operator", "shift_leader", "dispatcher")
OBJECT_TYPES = (*REGION_TYPES, "department", *POSITION_TYPES)
OBJECT_GROUPS = ("region", "department", *POSITION_TYPES)
_CASE_GROUPS = ("region", "department")


def group_of(object_type: str) -> str:
    """Regions at every level share one set of indicators (and one entry of a plan)."""
    return "region" if object_type in REGION_TYPES else object_type


@dataclass(frozen=True)
class Count:
    key: str
    label: str
    groups: tuple[str, ...]


@dataclass(frozen=True)
class Indicator:
    key: str
    label: str
    groups: tuple[str, ...]
    numerator: str
    denominator: str | None = None  # None: the indicator is the count itself

    @property
    def is_rate(self) -> bool:
        return self.denominator is not None


_COUNTS = [
    Count("reported", "上报数", ("region", "inspector")),
    Count("valid_reported", "有效上报数", ("region", "inspector")),
    Count("public_reported", "监督举报数", _CASE_GROUPS),
    Count("public_verified", "监督举报核实数", _CASE_GROUPS),
    Count("filed", "立案数", _CASE_GROUPS),
    Count("void", "作废数", _CASE_GROUPS),
    Count("to_handle", "应处置数", _CASE_GROUPS),
    Count("handled", "处置数", _CASE_GROUPS),
    Count("handled_on_time", "按期处置数", _CASE_GROUPS),
    Count("handled_late", "超期处置数", _CASE_GROUPS),
    Count("overdue_unhandled", "超期未处置数", _CASE_GROUPS),
    Count("to_close", "应结案数", _CASE_GROUPS),
    Count("closed", "结案数", _CASE_GROUPS),
    Count("closed_on_time", "按期结案数", _CASE_GROUPS),
    Count("closed_late", "超期结案数", _CASE_GROUPS),
    Count("rework", "返工数", _CASE_GROUPS),
    Count("suspended", "挂账数", _CASE_GROUPS),
    Count("extended", "延期数", _CASE_GROUPS),
    Count("returned", "回退数", _CASE_GROUPS),
    Count("self_handled", "自行处置数", _CASE_GROUPS),
    Count("missed", "漏报数", ("inspector",)),
    Count("beat_filed", "责任网格立案数", ("inspector",)),
    Count("to_verify", "应核实数", ("inspector",)),
    Count("verified_on_time", "按时核实数", ("inspector",)),
    Count("to_check", "应核查数", ("inspector",)),
    Count("checked_on_time", "按时核查数", ("inspector",)),
    Count("accepted", "受理数", ("operator",)),
    Count("to_verify_dispatch", "应派发核实数", ("operator",)),
    Count("verify_dispatched_on_time", "按时派发核实数", ("operator",)),
    Count("to_check_dispatch", "应派发核查数", ("operator",)),
    Count("check_dispatched_on_time", "按时派发核查数", ("operator",)),
    Count("file_decisions", "立案数", ("shift_leader",)),
    Count("filed_on_time", "按时立案数", ("shift_leader",)),
    Count("accurate_filed", "准确立案数", ("shift_leader",)),
    Count("close_decisions", "结案数", ("shift_leader",)),
    Count("closed_on_time_task", "按时结案数", ("shift_leader",)),
    Count("dispatched", "派遣数", ("dispatcher",)),
    Count("dispatched_on_time", "按时派遣数", ("dispatcher",)),
    Count("accurate_dispatch", "准确派遣数", ("dispatcher",)),
]
COUNTS = {c.key: c for c in _COUNTS}

_INDICATORS = [
    Indicator("public_report_rate", "监督举报率", _CASE_GROUPS, "public_verified", "filed"),
    Indicator("filed_per_grid", "立案数（每网格）", ("region",), "filed"),
    Indicator("filed", "立案数", _CASE_GROUPS, "filed"),
    Indicator("close_rate", "结案率", _CASE_GROUPS, "closed", "to_close"),
    Indicator("on_time_close_rate", "按期结案率", _CASE_GROUPS, "closed_on_time", "to_close"),
    Indicator("late_close_rate", "超期结案率", _CASE_GROUPS, "closed_late", "to_close"),
    Indicator("handle_rate", "处置率", _CASE_GROUPS, "handled", "to_handle"),
    Indicator("on_time_handle_rate", "按期处置率", _CASE_GROUPS, "handled_on_time", "to_handle"),
    Indicator("late_handle_rate", "超期处置率", _CASE_GROUPS, "handled_late", "to_handle"),
    Indicator("rework_rate", "返工率", _CASE_GROUPS, "rework", "to_close"),
    Indicator("valid_report_rate", "有效上报率", ("inspector",), "valid_reported", "reported"),
    Indicator("missed_rate", "漏报率", ("inspector",), "missed", "beat_filed"),
    Indicator("on_time_verify_rate", "按时核实率", ("inspector",), "verified_on_time", "to_verify"),
    Indicator("on_time_check_rate", "按时核查率", ("inspector",), "checked_on_time", "to_check"),
    Indicator("accepted", "受理数", ("operator",), "accepted"),
    Indicator("on_time_verify_dispatch_rate", "核实按时派发率", ("operator",), "verify_dispatched_on_time",
              "to_verify_dispatch"),
    Indicator("on_time_check_dispatch_rate", "核查按时派发率", ("operator",), "check_dispatched_on_time",
              "to_check_dispatch"),
    Indicator("on_time_file_rate", "按时立案率", ("shift_leader",), "filed_on_time", "file_decisions"),
    Indicator("accurate_file_rate", "准确立案率", ("shift_leader",), "accurate_filed", "file_decisions"),
    Indicator("on_time_close_task_rate", "按时结案率", ("shift_leader",), "closed_on_time_task",
              "close_decisions"),
    Indicator("dispatched", "派遣数", ("dispatcher",), "dispatched"),
    Indicator("on_time_dispatch_rate", "按时派遣率", ("dispatcher",), "dispatched_on_time", "dispatched"),
    Indicator("accurate_dispatch_rate", "准确派遣率", ("dispatcher",), "accurate_dispatch", "dispatched"),
]
INDICATORS = {i.key: i for i in _INDICATORS}


@functools.lru_cache(maxsize=16)
def counts_of(group: str) -> tuple[Count, ...]:
    return tuple(c for c in _COUNTS if group in c.groups)


def indicators_of(group: str) -> list[Indicator]:
    return [i for i in _INDICATORS if group in i.groups]


# Why a case counted (or not) in a figure, as a drill-down shows it.
REASONS = {
    "on_time": "按期（处置不晚于处置时限，含延期、扣除挂账）",
    "late": "超期（处置晚于处置时限）",
    "no_deadline": "按期（无处置时限：自处理或未经处置结案）",
    "open": "期末未结（未到时限）",
    "open_overdue": "期末未结且已超期",
    "reported": "本期上报",
    "filed": "本期立案",
    "voided": "作废",
    "self_handled": "自行处置结案",
    "public_report": "公众举报（监督员漏报）",
    "not_voided": "立案后未作废",
    "not_returned": "派遣后未回退",
    "automatic": "系统在处置完成时自动派发核查",
    "rework": "本期有返工",
    "suspension": "本期有挂账",
    "extension": "本期有延期",
    "return": "本期有回退",
}
