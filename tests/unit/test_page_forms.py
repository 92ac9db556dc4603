"""One set of rules turns any JSON form into fields, and posted text back into typed task data."""

from __future__ import annotations

from flask import Flask
from werkzeug.datastructures import MultiDict

from engine.errors import Invalid
from web.pages.forms import error_messages, fields_of, parse_submission

FORM = {
    "schema": {
        "type": "object",
        "required": ["kind", "ok"],
        "properties": {
            "kind": {"type": "string", "title": "类型", "x-title-en": "Kind", "enum": ["a", "b"]},
            "ok": {"type": "boolean", "title": "是否", "oneOf": [{"const": True, "title": "是"},
                                                                {"const": False, "title": "否"}]},
            "done": {"type": "boolean", "title": "完成"},
            "count": {"type": "integer", "title": "数量", "minimum": 0},
            "when": {"type": "string", "format": "date-time", "title": "时间"},
            "department_code": {"type": "string", "format": "department_code", "title": "部门"},
            "photos": {"type": "array", "items": {"type": "string", "format": "photo"}, "title": "照片"},
            "note": {"type": "string", "maxLength": 2000, "title": "说明"},
            "name": {"type": "string", "maxLength": 20, "title": "名称"},
        },
    },
    "ui": {"order": ["ok", "kind"], "widgets": {"ok": "radio"}},
}


def test_fields_follow_the_order_and_pick_a_widget_per_schema():
    fields = fields_of(FORM, "zh_CN")
    assert [f.name for f in fields][:2] == ["ok", "kind"]
    widgets = {f.name: f.widget for f in fields}
    assert widgets == {"ok": "radio", "kind": "select", "done": "checkbox", "count": "number", "when": "datetime",
                       "department_code": "department", "photos": "file", "note": "textarea", "name": "text"}
    assert fields[0].choices == [("true", "是"), ("false", "否")] and fields[0].required
    assert fields_of(FORM, "en")[1].label == "Kind"


def test_posted_text_becomes_typed_data_and_empty_text_is_absent():
    posted = MultiDict({"ok": "false", "kind": "b", "count": "3", "when": "2026-03-10T09:30", "note": "  ",
                        "name": "x", "department_code": "water"})
    data, typed = parse_submission(FORM, posted)
    assert data == {"ok": False, "kind": "b", "done": False, "count": 3, "when": "2026-03-10T09:30:00+08:00",
                    "name": "x", "department_code": "water"}
    assert typed["note"] == "" and typed["count"] == "3"
    data, _typed = parse_submission(FORM, MultiDict({"count": "three", "done": "true"}))
    assert data == {"count": "three", "done": True}  # the schema's type check will name it


def test_engine_field_errors_become_messages_in_the_readers_language():
    app = Flask(__name__)
    from flask_babel import Babel

    Babel(app)
    exc = Invalid("bad", fields={"kind": "x", "name": "y", "count": "z", "zzz": "q"},
                  codes={"kind": "enum", "name": "maxLength", "count": "type", "zzz": "unknown"})
    with app.test_request_context():
        messages = error_messages(exc, FORM)
    assert messages == {"kind": "Please choose one of the options.", "name": "At most 20 characters.",
                        "count": "Please enter a number.", "zzz": "This form has no such field."}
