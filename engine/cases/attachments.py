"""Photos of cases: checked by content, stored by hash, with thumbnails and EXIF evidence.

A photo is accepted only if Pillow decodes it as JPEG, PNG or WebP within the configured size
and a sane pixel count, with nothing hidden before or after the image (``image_checks``: no
polyglots) — the name and the declared type a client sends are never trusted; SVG is not an image
format Pillow decodes, so it is refused like any other file. The
original is kept under ``upload_dir/original/`` named by its SHA-256 (no user-controlled path
ever reaches the file system) and two re-encoded variants without any metadata are made:
``view`` (at most 1600 px) and ``thumb`` (at most 320 px). Pages show the variants; the
original, with the camera's EXIF location kept as evidence, is for staff only.
"""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
import warnings
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import select

from engine.audit import chain
from engine.cases import image_checks, reports, tasks
from engine.config import Settings
from engine.deps import Deps
from engine.errors import Conflict, Forbidden, Invalid, NotFound, TaskNotReady
from engine.people.accounts import Actor
from engine.people.authz import case_clause
from engine.store.models import Case, CaseEvent, Task
from engine.store.ui_models import ATTACHMENT_KINDS, Attachment
from engine.time.clock import isoformat

FORMATS = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png"), "WEBP": ("image/webp", "webp")}
VARIANTS = {"view": 1600, "thumb": 320}
MAX_PIXELS = 60_000_000          # a 60-megapixel photo; beyond that it is a decompression bomb
MAX_FILES_PER_REQUEST = 4
MAX_PER_CASE = 60
STAFF_ONLY_VARIANTS = ("original",)
# The kind a photo taken at a stage is, when the uploader does not say.
AFTER_STAGES = ("handle", "check", "close")


@dataclass(frozen=True)
class Upload:
    """One uploaded file as the web layer received it; ``filename`` is used in messages only."""

    data: bytes
    filename: str | None = None


@dataclass(frozen=True)
class StoredImage:
    sha256: str
    content_type: str
    extension: str
    size_bytes: int
    width: int
    height: int
    exif_lon: float | None
    exif_lat: float | None
    exif_taken_at: str | None


@dataclass(frozen=True)
class AttachmentView:
    id: int
    case_no: str
    kind: str
    stage: str | None
    content_type: str
    size_bytes: int
    width: int
    height: int
    sha256: str
    uploaded_by: str
    uploaded_at: str | None
    exif_lon: float | None
    exif_lat: float | None
    exif_taken_at: str | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def kind_for_stage(stage: str | None) -> str:
    """Photos taken while handling, checking or closing show the result ("after")."""
    return "after" if stage in AFTER_STAGES else "before"


# -- checking and storing files --------------------------------------------------------------

def _bad(message: str, code: str, field: str = "photos") -> Invalid:
    return Invalid(message, fields={field: message}, codes={field: code})


def inspect_image(data: bytes, max_bytes: int) -> tuple[StoredImage, Image.Image]:
    """Decode ``data`` fully and describe it; refuse anything that is not a plain photo.

    :raises Invalid: too large, not an image, an unsupported format, or too many pixels.
    """
    if len(data) > max_bytes:
        raise _bad(f"the file is larger than {max_bytes} bytes", "too_large")
    if not data:
        raise _bad("the file is empty", "not_image")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            probe = Image.open(io.BytesIO(data))
            fmt = probe.format or ""
            if fmt not in FORMATS:
                raise _bad(f"{fmt or 'this'} files are not accepted; send a JPEG, PNG or WebP photo",
                           "unsupported_type")
            if probe.width * probe.height > MAX_PIXELS:
                raise _bad("the image has too many pixels", "too_many_pixels")
            foreign = image_checks.foreign_content(data, fmt)
            if foreign:
                raise _bad(f"{foreign}; send the photo as the camera made it", "polyglot")
            probe.verify()
            image = Image.open(io.BytesIO(data))
            image.load()
    except Invalid:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        # Pillow's own limit (Image.MAX_IMAGE_PIXELS), checked from the header before decoding.
        raise _bad("the image has too many pixels", "too_many_pixels") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise _bad("the file is not a readable image", "not_image") from None
    content_type, extension = FORMATS[fmt]
    lon, lat, taken = _exif_evidence(image)
    info = StoredImage(sha256=hashlib.sha256(data).hexdigest(), content_type=content_type, extension=extension,
                       size_bytes=len(data), width=image.width, height=image.height, exif_lon=lon, exif_lat=lat,
                       exif_taken_at=taken)
    return info, image


def _exif_evidence(image: Image.Image) -> tuple[float | None, float | None, str | None]:
    """The GPS position and time the camera wrote, if any (WGS84 degrees, camera's local time)."""
    try:
        exif = image.getexif()
        gps = exif.get_ifd(0x8825)
        taken = exif.get_ifd(0x8769).get(36867) or exif.get(306)
        lat = _degrees(gps.get(2), gps.get(1), "S")
        lon = _degrees(gps.get(4), gps.get(3), "W")
    except Exception:  # a broken EXIF block must not refuse an otherwise good photo
        return None, None, None
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        lat = lon = None
    return lon, lat, (str(taken)[:32] if taken else None)


def _degrees(value: Any, ref: Any, negative: str) -> float | None:
    if not value or len(value) != 3:
        return None
    d, m, s = (float(x) for x in value)
    result = d + m / 60 + s / 3600
    return -result if str(ref).upper().startswith(negative) else result


def upload_root(settings: Settings) -> Path:
    return settings.path("upload_dir")


def file_path(settings: Settings, sha256: str, variant: str, extension: str = "jpg") -> Path:
    """Where a stored file lives: only hex digests and fixed names ever make up the path."""
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        raise NotFound("no such file")
    if variant not in (*VARIANTS, "original"):
        raise NotFound("no such variant")
    ext = extension if variant == "original" else "jpg"
    return upload_root(settings) / variant / sha256[:2] / f"{sha256}.{ext}"


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".up-")
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.replace(tmp, path)


def _variant_bytes(image: Image.Image, longest: int) -> bytes:
    """A JPEG of at most ``longest`` pixels, turned upright, with no metadata at all."""
    upright = ImageOps.exif_transpose(image)
    if upright.mode not in ("RGB", "L"):
        rgba = upright.convert("RGBA")
        upright = Image.new("RGB", rgba.size, "white")
        upright.paste(rgba, mask=rgba.split()[3])
    upright.thumbnail((longest, longest))
    out = io.BytesIO()
    upright.save(out, "JPEG", quality=85, optimize=True)
    return out.getvalue()


def store_image(settings: Settings, upload: Upload) -> StoredImage:
    """Check one upload and store it with its variants (idempotent: same bytes, same files)."""
    info, image = inspect_image(upload.data, settings.upload_max_bytes)
    original = file_path(settings, info.sha256, "original", info.extension)
    if not original.exists():
        _write_atomic(original, upload.data)
    for variant, longest in VARIANTS.items():
        path = file_path(settings, info.sha256, variant)
        if not path.exists():
            _write_atomic(path, _variant_bytes(image, longest))
    return info


def store_all(settings: Settings, uploads: Iterable[Upload]) -> list[StoredImage]:
    """Check and store every upload before anything else happens, so one bad file changes nothing.

    :raises Invalid: too many files, or any file refused (naming the file).
    """
    items = [u for u in uploads if u.data or u.filename]
    if len(items) > MAX_FILES_PER_REQUEST:
        raise _bad(f"at most {MAX_FILES_PER_REQUEST} photos at a time", "too_many_files")
    return [store_image(settings, u) for u in items]


# -- use cases ---------------------------------------------------------------------------------

def _view(a: Attachment, case_no: str) -> AttachmentView:
    return AttachmentView(id=a.id, case_no=case_no, kind=a.kind, stage=a.stage, content_type=a.content_type,
                          size_bytes=a.size_bytes, width=a.width, height=a.height, sha256=a.sha256,
                          uploaded_by=a.uploaded_by, uploaded_at=isoformat(a.uploaded_at), exif_lon=a.exif_lon,
                          exif_lat=a.exif_lat, exif_taken_at=a.exif_taken_at)


def _record(deps: Deps, actor: Actor, case_no: str, images: list[StoredImage], kind: str, *,
            stage: str | None, task_id: str | None, check_access: bool) -> list[AttachmentView]:
    """Insert attachment rows (one transaction); a photo already on the case is returned as it is."""
    if kind not in ATTACHMENT_KINDS:
        raise _bad(f"kind must be one of {', '.join(ATTACHMENT_KINDS)}", "kind", field="kind")
    with deps.uow(write=True) as uow:
        session = uow.session
        # Locked like every writer of a case: the photo's timeline line extends the case's hash chain.
        case = session.scalar(select(Case).where(Case.case_no == case_no).with_for_update()
                              .execution_options(populate_existing=True))
        if case is None:
            raise NotFound(f"no case '{case_no}'")
        if check_access:
            if session.scalar(select(Case.id).where(Case.id == case.id, case_clause(actor))) is None:
                raise Forbidden("you may not add photos to this case")
            if case.status in ("closed", "void") and not actor.is_admin:
                raise Conflict("the case is finished; photos can no longer be added")
        existing = {(a.sha256, a.kind): a for a in session.scalars(select(Attachment).where(
            Attachment.case_id == case.id))}
        if len({i.sha256 for i in images} - {sha for sha, _ in existing}) + len(existing) > MAX_PER_CASE:
            raise _bad(f"a case holds at most {MAX_PER_CASE} photos", "too_many_files")
        rows: list[Attachment] = []
        lines: list[dict[str, Any]] = []
        for info in images:
            row = existing.get((info.sha256, kind))
            if row is None:
                lines.append({"case_id": case.id, "at": deps.clock.now(), "actor_id": actor.id,
                              "actor": actor.username, "role": None, "action": "photo", "stage_from": case.status,
                              "stage_to": case.status, "task_id": task_id, "comment": None,
                              "data": {"sha256": info.sha256, "kind": kind, "stage": stage}})
                row = Attachment(case_id=case.id, sha256=info.sha256, kind=kind, content_type=info.content_type,
                                 size_bytes=info.size_bytes, width=info.width, height=info.height, stage=stage,
                                 task_id=task_id, exif_lon=info.exif_lon, exif_lat=info.exif_lat,
                                 exif_taken_at=info.exif_taken_at, uploaded_by_id=actor.id,
                                 uploaded_by=actor.username, uploaded_at=deps.clock.now())
                session.add(row)
                existing[(info.sha256, kind)] = row
            rows.append(row)
        if lines:  # the photos enter the tamper-evident timeline by their SHA-256
            chain.extend(case, lines)
            session.add_all([CaseEvent(**line) for line in lines])
        session.flush()
        views = [_view(r, case.case_no) for r in rows]
        uow.commit()
        return views


def add_attachments(deps: Deps, actor: Actor, case_no: str, uploads: list[Upload], kind: str | None = None,
                    *, stage: str | None = None) -> list[AttachmentView]:
    """Attach photos to a case the actor may read (API and case pages).

    :raises Invalid: no file, a refused file, or an unknown kind (nothing is stored in the database).
    :raises Forbidden: the actor may not read the case.
    :raises Conflict: the case is closed or void.
    """
    if kind is not None and kind not in ATTACHMENT_KINDS:
        raise _bad(f"kind must be one of {', '.join(ATTACHMENT_KINDS)}", "kind", field="kind")
    images = store_all(deps.settings, uploads)
    if not images:
        raise _bad("send at least one image file", "required")
    return _record(deps, actor, case_no, images, kind or "evidence", stage=stage, task_id=None, check_access=True)


def list_attachments(deps: Deps, actor: Actor, case_no: str) -> list[AttachmentView]:
    """The photos of a case the actor may read, oldest first."""
    with deps.uow() as uow:
        case_id = uow.session.scalar(select(Case.id).where(Case.case_no == case_no))
        if case_id is None:
            raise NotFound(f"no case '{case_no}'")
        if uow.session.scalar(select(Case.id).where(Case.id == case_id, case_clause(actor))) is None:
            raise Forbidden("you may not read this case")
        rows = uow.session.scalars(select(Attachment).where(Attachment.case_id == case_id).order_by(Attachment.id))
        return [_view(a, case_no) for a in rows]


@dataclass(frozen=True)
class FileRef:
    path: Path
    content_type: str


def attachment_file(deps: Deps, actor: Actor, attachment_id: int, variant: str) -> FileRef:
    """The file of one attachment variant, for an actor who may read its case.

    :raises NotFound: unknown attachment or variant, or the actor may not read the case (not
        Forbidden: a stranger learns nothing about which ids exist).
    """
    with deps.uow() as uow:
        row = uow.session.execute(
            select(Attachment).join(Case, Case.id == Attachment.case_id)
            .where(Attachment.id == attachment_id, case_clause(actor))).scalar_one_or_none()
    if row is None or variant not in (*VARIANTS, "original"):
        raise NotFound("no such photo")
    ext = next((e for t, e in FORMATS.values() if t == row.content_type), "jpg")
    path = file_path(deps.settings, row.sha256, variant, ext)
    return FileRef(path, row.content_type if variant == "original" else "image/jpeg")


def public_attachment_file(deps: Deps, tracking_code: str, attachment_id: int, variant: str) -> FileRef:
    """A metadata-free variant of a photo of the case with this tracking code (citizen pages).

    :raises NotFound: unknown code or photo, or a variant that could carry EXIF (the original).
    """
    if variant not in VARIANTS:
        raise NotFound("no such photo")
    with deps.uow() as uow:
        sha = uow.session.scalar(
            select(Attachment.sha256).join(Case, Case.id == Attachment.case_id)
            .where(Attachment.id == attachment_id, Case.tracking_code == tracking_code.strip().upper(),
                   Attachment.kind.in_(("before", "after"))))
    if sha is None:
        raise NotFound("no such photo")
    return FileRef(file_path(deps.settings, sha, variant), "image/jpeg")



# -- composite use cases the pages call ----------------------------------------------------------

@dataclass(frozen=True)
class TaskDone:
    case_no: str
    status: str
    stage: str
    replayed: bool
    photos: int


def complete_with_photos(deps: Deps, actor: Actor, task_id: str, data: dict[str, Any],
                         photos: list[Upload], *, file_fields: dict[str, list[Upload]] | None = None,
                         kind: str | None = None) -> TaskDone:
    """Complete a task and attach the photos taken for it.

    Photos are checked and stored first, so a bad file refuses the whole submission. A form
    field with a file widget receives the list of its photos' SHA-256 digests (the audit row
    then names the photos). A repeated submission of a task this actor already completed —
    a retry over a bad connection — is answered as done and only adds missing photos.

    :raises Invalid, Forbidden, NotFound: as :func:`engine.cases.tasks.complete_task`.
    :raises TaskNotReady: someone else completed it meanwhile.
    """
    stored = store_all(deps.settings, photos)
    data = dict(data)
    for field, uploads in (file_fields or {}).items():
        images = store_all(deps.settings, uploads)
        data[field] = [i.sha256 for i in images]
        stored += images
    stage, case_no = _task_stage(deps, task_id)
    try:
        done = tasks.complete_task(deps, actor, task_id, data)
        replayed = False
    except TaskNotReady:
        if not _completed_by(deps, task_id, actor):
            raise
        done, replayed = tasks.Completed(case_no, _case_status(deps, case_no)), True
    if stored:
        _record(deps, actor, done.case_no, stored, kind or kind_for_stage(stage), stage=stage, task_id=task_id,
                check_access=False)
    return TaskDone(done.case_no, done.status, stage, replayed, len(stored))


def _task_stage(deps: Deps, task_id: str) -> tuple[str, str]:
    with deps.uow() as uow:
        row = uow.session.execute(select(Task.stage, Case.case_no).join(Case, Case.id == Task.case_id)
                                  .where(Task.id == task_id)).first()
    if row is None:
        raise NotFound(f"no task '{task_id}'")
    return row[0], row[1]


def _completed_by(deps: Deps, task_id: str, actor: Actor) -> bool:
    with deps.uow() as uow:
        task = uow.session.get(Task, task_id)
        return task is not None and task.state == "completed" and actor.id is not None \
            and task.completed_by_id == actor.id


def _case_status(deps: Deps, case_no: str) -> str:
    with deps.uow() as uow:
        return str(uow.session.scalar(select(Case.status).where(Case.case_no == case_no)))


def report_with_photos(deps: Deps, actor: Actor, report: reports.ReportInput, idempotency_key: str | None,
                       photos: list[Upload], *, photo_required: bool = False,
                       after_photos: list[Upload] | None = None) -> reports.ReportResult:
    """Report a problem with its photos ("before"); retries with the same key never make two cases.

    A self-handled report (自处理) also carries the photos taken after fixing it ("after");
    when photos are required, a self-handled report needs both kinds.

    :raises Invalid: a refused photo, or none when one is required (no case is created).
    """
    stored = store_all(deps.settings, photos)
    try:
        stored_after = store_all(deps.settings, after_photos or [])
    except Invalid as exc:  # name the after-photos field, not the before-photos one
        code = (exc.details.get("codes") or {}).get("photos", "")
        raise _bad(exc.message, code, "after_photos") from None
    if photo_required and not stored:
        raise _bad("take at least one photo of the problem", "required")
    if photo_required and report.self_handled and not stored_after:
        raise _bad("a self-handled report needs a photo taken after handling", "required", "after_photos")
    result = reports.report_case(deps, actor, report, idempotency_key)
    if stored:
        _record(deps, actor, result.case_no, stored, "before", stage="report", task_id=None, check_access=False)
    if stored_after:
        _record(deps, actor, result.case_no, stored_after, "after", stage="report", task_id=None,
                check_access=False)
    return result
