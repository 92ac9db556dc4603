"""Photos of a case: upload (multipart) and list."""

from __future__ import annotations

from flask import jsonify, request

from engine.cases import attachments
from engine.cases.attachments import MAX_FILES_PER_REQUEST, Upload
from web.api.common import actor, bp, deps, list_json


@bp.post("/cases/<case_no>/attachments")
def add_attachments(case_no: str):  # type: ignore[no-untyped-def]
    """Attach images (multipart field ``file``, repeatable; ``kind`` = before/after/evidence)."""
    limit = deps().settings.upload_max_bytes
    files = [f for f in request.files.getlist("file") if f and f.filename][:MAX_FILES_PER_REQUEST + 1]
    uploads = [Upload(f.read(limit + 1), f.filename) for f in files]
    added = attachments.add_attachments(deps(), actor(), case_no, uploads, request.form.get("kind") or None)
    return jsonify(items=[a.to_dict() for a in added]), 201


@bp.get("/cases/<case_no>/attachments")
def list_attachments(case_no: str):  # type: ignore[no-untyped-def]
    return list_json([a.to_dict() for a in attachments.list_attachments(deps(), actor(), case_no)], "id")
