"""12345 hotline work orders (工单) in: one order is one report, however often the hotline sends it.

The hotline re-sends an order until it hears back, so the order number (工单编号) is the report's
idempotency key: twenty posts of one order make one case. An order becomes a report like any
other (:func:`engine.cases.reports.report_case`): the process selection table reads its 诉求类型 as
``channel_type``, so consultations, help, complaints and suggestions go to the service-request
process and the rest to the case lifecycle. It is located by its coordinates, or else by the
place names its address mentions (the deepest and longest match). The answer and the closing go
back to the hotline through a webhook subscription, whose events carry the order number as
``external_ref``. An order szcg cannot take — a class it does not handle, a place outside the
city — is refused with a message the hotline can show its caller.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import shapely
from sqlalchemy import select

from engine.cases import reports
from engine.deps import Deps
from engine.errors import Forbidden, Invalid
from engine.people.accounts import Actor
from engine.places.grids import to_wgs84
from engine.standards.catalog import find_category
from engine.store.models import Place

# 诉求类型 as the hotline writes it → the channel_type the selection table reads.
APPEAL_TYPES = {"咨询": "consultation", "求助": "help", "投诉": "complaint", "建议": "suggestion", "举报": "report",
                "consultation": "consultation", "help": "help", "complaint": "complaint",
                "suggestion": "suggestion", "report": "report"}
LEVELS = ("grid", "community", "street", "district")  # deepest first
FIELDS = ("order_no", "called_at", "appeal_type", "content", "address", "category_code", "lon", "lat", "crs",
          "contact_name", "contact_phone")


@dataclass(frozen=True)
class OrderResult:
    order_no: str
    case_no: str
    status: str
    tracking_code: str
    created: bool


def parse_order(body: Any) -> dict[str, Any]:
    """Check an order's fields; every problem is named by its field (nothing is stored)."""
    if not isinstance(body, dict):
        raise Invalid("the order must be a JSON object", fields={"_": "not an object"})
    problems = {key: "unknown field" for key in body if key not in FIELDS}
    order_no = body.get("order_no")
    if not isinstance(order_no, str) or not re.fullmatch(r"[0-9A-Za-z_-]{1,64}", order_no):
        problems["order_no"] = "required: the 工单编号, 1-64 letters, digits, - or _"
    if not isinstance(body.get("appeal_type"), str) or body["appeal_type"] not in APPEAL_TYPES:
        problems["appeal_type"] = f"required: one of {', '.join(APPEAL_TYPES)}"
    for key, limit, required in (("content", 2000, True), ("address", 255, False), ("category_code", 8, True),
                                 ("contact_name", 64, False), ("contact_phone", 32, False)):
        value = body.get(key)
        if (value is None and required) or (value is not None and (not isinstance(value, str) or not value.strip()
                                                                   or len(value) > limit)):
            problems[key] = f"{'required: ' if required else ''}a text of at most {limit} characters"
    try:
        called = datetime.fromisoformat(body["called_at"]) if isinstance(body.get("called_at"), str) else None
    except ValueError:
        called = None
    if called is None:
        problems["called_at"] = "required: the 来电时间, ISO 8601 (2026-03-10T09:30:00+08:00)"
    has_point = body.get("lon") is not None or body.get("lat") is not None
    for key, bound in (("lon", 180), ("lat", 90)) if has_point else ():
        value = body.get(key)
        if isinstance(value, bool) or not isinstance(value, int | float) or not -bound <= value <= bound:
            problems[key] = "a number (WGS84 or crs gcj02), or leave out both lon and lat"
    if body.get("crs") is not None and body["crs"] not in ("wgs84", "gcj02"):
        problems["crs"] = "wgs84 or gcj02"
    if not has_point and not body.get("address"):
        problems["address"] = "required when the order has no coordinates (lon, lat)"
    if problems:
        raise Invalid("the order is not valid", fields=problems)
    return {**body, "called_at": called}


def take_order(deps: Deps, actor: Actor, body: Any) -> OrderResult:
    """Turn a hotline order into a case, once per order number (the same answer to every repeat).

    :raises Forbidden: the caller is not an intake account (operator role).
    :raises Invalid: a malformed order, a class szcg does not handle, or a place it cannot find.
    """
    if not (actor.has_role("operator") or actor.is_admin):
        raise Forbidden("only an intake account (operator role) may send hotline orders")
    order = parse_order(body)
    lon, lat = _where(deps, order)
    report = reports.ReportInput(
        source="hotline", category_code=order["category_code"].strip(),
        description=f"【12345 工单 {order['order_no']}，来电 {order['called_at'].isoformat()}】{order['content'].strip()}",
        lon=lon, lat=lat, address=order.get("address"), reporter_name=order.get("contact_name"),
        reporter_phone=order.get("contact_phone"), channel_type=APPEAL_TYPES[order["appeal_type"]],
        external_ref=order["order_no"])
    _check_class(deps, report.category_code, order["order_no"])
    made = reports.report_case(deps, actor, report, idempotency_key=f"hotline:{order['order_no']}")
    return OrderResult(order["order_no"], made.case_no, made.status, made.tracking_code, made.created)


def _check_class(deps: Deps, category_code: str, order_no: str) -> None:
    with deps.uow() as uow:
        known = find_category(uow.session, deps.settings.classification_standard, category_code)
    if known is None:
        raise Invalid(f"工单 {order_no}：类别 {category_code} 不属于数字城管受理范围，请转其他部门办理 "
                      f"(szcg does not handle class {category_code})", fields={"category_code": "not handled by szcg"})


def _where(deps: Deps, order: dict[str, Any]) -> tuple[float, float]:
    """The order's point in WGS84: its coordinates, or the place its address names."""
    if order.get("lon") is not None:
        return to_wgs84(float(order["lon"]), float(order["lat"]), order.get("crs"))
    return locate_address(deps, str(order["address"]))


def locate_address(deps: Deps, address: str) -> tuple[float, float]:
    """A point inside the place the address names: the deepest match whose parents it names too.

    Grid and community names repeat across districts (网格01), so a match counts the places above
    it that the address also names, then prefers the deeper level and the longer name.

    :raises Invalid: (on ``address``) no place name of the city appears in it.
    """
    with deps.uow() as uow:
        rows = uow.session.execute(select(Place.code, Place.level, Place.name, Place.geometry)
                                   .where(Place.level.in_(LEVELS))).all()
    found = [r for r in rows if r.name and r.name in address]
    if not found:
        raise Invalid("地址中没有本市的区、街道、社区或网格名称，请提供坐标 (no place name found; send lon and lat)",
                      fields={"address": "no known place name"})
    codes = {r.code for r in found}

    def rank(r: Any) -> tuple[int, int, int]:
        parents = sum(1 for n in (6, 9, 12) if n < len(r.code) and r.code[:n] in codes)
        return (-parents, LEVELS.index(r.level), -len(r.name))

    point = shapely.from_wkb(min(found, key=rank).geometry).representative_point()
    return point.x, point.y
