"""Reports and cases."""

from __future__ import annotations

from flask import jsonify, request

from engine.cases import actions, links, queries, reports
from engine.errors import BadRequest
from engine.people import ratelimit
from web.api.common import actor, after_arg, bp, date_arg, deps, int_arg, json_body, paged, public


@bp.post("/reports")
@public
def create_report():  # type: ignore[no-untyped-def]
    """Report a problem; an ``Idempotency-Key`` header makes retries safe."""
    if actor().id is None:  # an anonymous citizen: the same per-address limit as the citizen page
        ratelimit.hit(deps(), "citizen_report", request.remote_addr or "unknown",
                      deps().settings.public_reports_per_hour)
    report = reports.parse_report(json_body())
    key = request.headers.get("Idempotency-Key")
    if key is not None and not (0 < len(key) <= 100):
        raise BadRequest("Idempotency-Key must have 1–100 characters", fields={"Idempotency-Key": "length"})
    result = reports.report_case(deps(), actor(), report, key)
    body = {"case_no": result.case_no, "status": result.status, "grid_code": result.grid_code,
            "district_code": result.district_code, "tracking_code": result.tracking_code}
    return jsonify(body), 201 if result.created else 200


@bp.get("/cases/<case_no>")
def get_case(case_no: str):  # type: ignore[no-untyped-def]
    return jsonify(queries.get_case(deps(), actor(), case_no))


@bp.get("/cases")
def list_cases():  # type: ignore[no-untyped-def]
    args = request.args
    flt = queries.CaseFilter(status=args.get("status") or None, district_code=args.get("district_code") or None,
                           department_code=args.get("department_code") or None,
                           date_from=date_arg("from"), date_to=date_arg("to"),
                           street_code=args.get("street_code") or None, category_code=args.get("category_code") or None,
                           source=args.get("source") or None, process_key=args.get("process") or None)
    page = int_arg("page", 1, 1, 100000)
    per_page = int_arg("limit", int_arg("per_page", deps().settings.page_size, 1, 200), 1, 200)
    body = queries.list_cases(deps(), actor(), flt, page=page, per_page=per_page, after=after_arg())
    return paged(body, body["next"])


@bp.post("/cases/<case_no>/messages/<name>")
def send_message(case_no: str, name: str):  # type: ignore[no-untyped-def]
    """Send a message the case's process accepts (e.g. ``urge``); who may is in the BPMN."""
    body = request.get_json(silent=True)
    result = actions.send_message(deps(), actor(), case_no, name, body if body is not None else {})
    return jsonify(case_no=result.case_no, status=result.status)


@bp.post("/cases/<case_no>/urge")
def urge(case_no: str):  # type: ignore[no-untyped-def]
    """督办: a shift leader or leader urges the department handling the case."""
    result = actions.send_message(deps(), actor(), case_no, "urge", json_body())
    return jsonify(case_no=result.case_no, status=result.status)


@bp.post("/cases/<case_no>/links")
def start_linked(case_no: str):  # type: ignore[no-untyped-def]
    """Start a case of another process from this one (a city-management case becomes an emergency);
    the two cases are linked both ways. Body: ``process``, ``reason``, optional ``injuries``."""
    body = json_body()
    if not isinstance(body, dict):
        raise BadRequest("the body must be a JSON object: {process, reason, injuries}")
    made = links.start_linked(deps(), actor(), case_no, body.get("process"), body.get("reason"), body.get("injuries"))
    return jsonify(case_no=made.case_no, linked_from=made.linked_from, process_key=made.process_key,
                   status=made.status), 201
