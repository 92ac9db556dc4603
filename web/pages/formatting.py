"""How pages show times: Beijing time as offices read it, and the time left of a limit."""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _

from engine.time.clock import to_beijing


def beijing(value: datetime | str | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A time in Beijing time, as offices read it."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    shown = to_beijing(value)
    return shown.strftime(fmt) if shown else ""


def time_left(seconds: int | None) -> str:
    """'2 d 3 h left' / 'overdue by 40 min'; empty without a limit."""
    if seconds is None:
        return _("no limit")
    span = abs(seconds)
    days, hours, minutes = span // 86400, span % 86400 // 3600, span % 3600 // 60
    if days:
        text = _("%(d)d d %(h)d h", d=days, h=hours)
    elif hours:
        text = _("%(h)d h %(m)d min", h=hours, m=minutes)
    else:
        text = _("%(m)d min", m=max(minutes, 1))
    return _("%(t)s left", t=text) if seconds >= 0 else _("overdue by %(t)s", t=text)
