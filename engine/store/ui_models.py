"""Tables of the people's side: photos attached to cases, and per-address rate counters.

Attachments point at files stored under ``upload_dir`` by the SHA-256 of their content, so no
user-supplied name ever becomes a path, and the same photo sent twice (a retried upload over a
slow connection) is one file and one row. Rate counters live in the database rather than in
process memory so that several web workers agree on how many reports an address has sent.
"""

from __future__ import annotations

from sqlalchemy import Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from engine.store.base import Base, IntPK, Timestamp

ATTACHMENT_KINDS = ("before", "after", "evidence")


class Attachment(Base):
    """A photo of a case: before (the problem), after (the result) or other evidence.

    ``exif_lon``/``exif_lat`` keep where the camera said the photo was taken: evidence for the
    centre, never shown on public pages (the public variants are re-encoded without metadata).
    """

    __tablename__ = "attachments"
    __table_args__ = (
        UniqueConstraint("case_id", "sha256", "kind"),
        Index("ix_attachments_case", "case_id", "id"),
    )

    id: Mapped[IntPK]
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    sha256: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    content_type: Mapped[str] = mapped_column(String(32))
    size_bytes: Mapped[int] = mapped_column(Integer)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    stage: Mapped[str | None] = mapped_column(String(32))
    task_id: Mapped[str | None] = mapped_column(String(36))
    exif_lon: Mapped[float | None] = mapped_column(Float)
    exif_lat: Mapped[float | None] = mapped_column(Float)
    exif_taken_at: Mapped[str | None] = mapped_column(String(32))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    uploaded_by: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[Timestamp]


class RateCounter(Base):
    """How many times one client did one thing in one fixed window (e.g. citizen reports per hour)."""

    __tablename__ = "rate_counters"

    bucket: Mapped[str] = mapped_column(String(160), primary_key=True)
    window_start: Mapped[Timestamp] = mapped_column(primary_key=True, index=True)
    count: Mapped[int] = mapped_column(Integer)
