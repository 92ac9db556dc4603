"""The data shapes of the OpenAPI document (``components.schemas``), kept beside the routes they describe.

Hand-kept rather than generated: the engine returns plain dicts, so there is no model to generate
from. ``tests/e2e/test_openapi.py`` keeps this honest — every route must be in the document, every
example must validate, and schemathesis checks real responses against these schemas.
"""

from __future__ import annotations

from typing import Any


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(kind: str, **extra: Any) -> dict[str, Any]:
    return {"type": [kind, "null"], **extra}


STR, INT, NUM, BOOL, OBJ = ({"type": t} for t in ("string", "integer", "number", "boolean", "object"))
TIME = nullable("string", format="date-time", description="ISO 8601, Beijing time (+08:00)")
N_STR, N_INT, N_NUM = nullable("string"), nullable("integer"), nullable("number")


def obj(required: tuple[str, ...] = (), **properties: Any) -> dict[str, Any]:
    return {"type": "object", "required": list(required), "properties": properties}


def page_of(item: dict[str, Any], key: str = "items", also: tuple[str, ...] = (), **more: Any) -> dict[str, Any]:
    """A list in the one page shape every list has (``next`` is the cursor to pass as ``after``).

    ``more`` are members beside the list (``also`` names the required ones), in the same object so
    that the ``allOf`` stays one level deep: client generators merge one level, not nested ones.
    """
    return {"allOf": [ref("PageMembers"), obj((key, *also), **{key: {"type": "array", "items": item}}, **more)]}


SCHEMAS: dict[str, Any] = {
    "Error": obj(("error", "message"), error={**STR, "description": "a stable code, e.g. invalid, not_found"},
                 message={**STR, "description": "what went wrong, for people"},
                 fields={"type": "object", "description": "field → problem, for 400 and 422",
                         "additionalProperties": True}),
    "PageMembers": obj(("next", "next_url", "total", "total_exact"),
                       next={**N_STR, "description": "cursor of the next page (pass as `after`); null on the last"},
                       next_url=nullable("string", format="uri"),
                       total={**INT, "minimum": 0},
                       total_exact={**BOOL, "description": "false when the count stopped at 10,000"}),
    "Token": obj(("token", "expires_at", "user"), token=STR, expires_at=STR, user=ref("Me")),
    "Me": obj(("username", "roles", "scopes"), username=STR, display_name=N_STR, roles={"type": "array", "items": STR},
              scopes={"type": "array", "items": obj(("role",), role=STR, district_code=N_STR,
                                                     department_code=N_STR)}),
    "UserSummary": obj(("username",), username=STR, display_name=N_STR, active=BOOL,
                       roles={"type": "array", "items": STR}),
    "Report": {**obj(("source", "category_code", "description", "lon", "lat"),
                     source={"enum": ["inspector", "citizen", "hotline", "video", "leader", "media", "department"]},
                     category_code={**STR, "minLength": 1, "examples": ["20102"]},
                     description={**STR, "minLength": 1, "maxLength": 2000},
                     lon={**NUM, "minimum": -180, "maximum": 180}, lat={**NUM, "minimum": -90, "maximum": 90},
                     crs={"enum": ["wgs84", "gcj02"]}, address={**STR, "maxLength": 255},
                     reporter_name={**STR, "maxLength": 64}, reporter_phone={**STR, "maxLength": 32},
                     component_code=STR, self_handled=BOOL, urgency={"enum": ["normal", "urgent"]},
                     injuries={**INT, "minimum": 0}, process={**STR, "maxLength": 64},
                     channel_type={**STR, "maxLength": 32}),
               "additionalProperties": False,
               "examples": [{"source": "citizen", "category_code": "20102", "description": "小区门口垃圾堆积",
                             "lon": 87.605, "lat": 43.805}]},
    "ReportCreated": obj(("case_no", "status", "tracking_code"), case_no=STR, status=STR, grid_code=STR,
                         district_code=STR, tracking_code=STR),
    "CaseSummary": obj(("case_no", "status"), case_no=STR, status=STR, source=STR, category_code=STR,
                       description=STR, address=N_STR, lon=N_NUM, lat=N_NUM, grid_code=N_STR, district_code=N_STR,
                       department_code=N_STR, urgency=N_STR, reported_at=TIME, closed_at=TIME, deadline_at=TIME,
                       flags={"type": "array", "items": STR}),
    "CaseDetail": {"allOf": [ref("CaseSummary"), obj(("tasks", "timeline"),
                                                     tasks={"type": "array", "items": OBJ},
                                                     timeline={"type": "array", "items": ref("TimelineLine")})]},
    "TimelineLine": obj(("at", "action"), at=TIME, actor=N_STR, role=N_STR, action=STR, stage_from=N_STR,
                        stage_to=N_STR, comment=N_STR, data=nullable("object")),
    "CaseList": page_of(ref("CaseSummary"), also=("page", "per_page"), page=INT, per_page=INT),
    "Task": obj(("id", "case_no", "stage", "name", "lane"), id=STR, case_no=STR, stage=STR, name=STR, form_key=STR,
                lane=STR, district_code=N_STR, department_code=N_STR, grid_code=N_STR, category_code=STR,
                created_at=TIME, due_at=TIME, warn_at=TIME, light=nullable("string", enum=["green", "yellow", "red",
                                                                                           None]),
                limit=nullable("object"), priority=INT),
    "TaskDetail": {"allOf": [ref("Task"), obj(("state", "form"), state=STR, form=OBJ, context=OBJ,
                                              duplicates={"type": "array", "items": OBJ})]},
    "FormData": {"type": "object", "description": "the task's form data: its JSON Schema is `form` of the task",
                 "examples": [{"decision": "file"}]},
    "StepResult": obj(("case_no", "status"), case_no=STR, status=STR),
    "Attachment": obj(("id", "case_no", "kind"), id=INT, case_no=STR, kind=STR, stage=N_STR, content_type=STR,
                      size_bytes=INT, width=INT, height=INT, sha256=STR, uploaded_by=STR, uploaded_at=TIME),
    "Category": obj(("code", "standard"), code=STR, standard=STR, kind=N_STR, major_code=N_STR, major_name=N_STR,
                    minor_code=N_STR, minor_name=N_STR),
    "Department": obj(("code", "name"), code=STR, name=STR, level=STR, district_code=N_STR, active=BOOL,
                      category_codes={"type": "array", "items": STR}),
    "Feature": obj(("type", "geometry", "properties"), type={"const": "Feature"}, id=STR, geometry=OBJ,
                   properties=OBJ),
    "FeatureCollection": {"allOf": [ref("PageMembers"), obj(("type", "features"), type={"const": "FeatureCollection"},
                                                            features={"type": "array", "items": ref("Feature")})]},
    "Component": obj(("code", "category_code", "lon", "lat"), code=STR, category_code=STR, name=N_STR, lon=NUM,
                     lat=NUM, grid_code=N_STR, owner_department_code=N_STR, state=STR, distance_m=NUM),
    "Location": obj(("grid_code", "district_code", "chain"), lon=NUM, lat=NUM, grid_code=STR, district_code=STR,
                    area_class=N_STR, inspector=N_STR, near_boundary=BOOL, chain={"type": "array", "items": OBJ}),
    "Notification": obj(("id", "kind", "message"), id=INT, case_no=N_STR, kind=STR, message=STR, created_at=TIME,
                        read_at=TIME),
    "AuditEvent": obj(("id", "at", "action"), id=INT, at=TIME, actor=N_STR, action=STR, target_type=STR,
                      target=STR, data=nullable("object")),
    "TableVersion": obj(("key", "version", "status"), key=STR, version=INT, status=STR, sha256=STR, note=N_STR),
    "TableUpload": {**obj(("dmn",), dmn={**STR, "description": "the DMN XML text"},
                          examples={"type": "array", "items": OBJ}, note=STR, version=INT),
                    "examples": [{"dmn": "<definitions/>", "examples": []}]},
    "Username": {**obj(("username",), username={**STR, "minLength": 1}, reason=STR),
                 "examples": [{"username": "dispatcher"}]},
    "AnyObject": {"type": "object", "examples": [{}]},
}
