"""The 12345 hotline's intake: work orders in, idempotent on the order number (工单编号)."""

from __future__ import annotations

from dataclasses import asdict

from flask import jsonify

from engine.exchange import hotline
from web.api.common import actor, bp, deps, json_body


@bp.post("/hotline/orders")
def hotline_order():  # type: ignore[no-untyped-def]
    """Take a work order: 201 with the new case, 200 with the same case when the order comes again."""
    result = hotline.take_order(deps(), actor(), json_body())
    return jsonify(asdict(result)), 201 if result.created else 200
