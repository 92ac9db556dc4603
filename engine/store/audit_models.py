"""Tables of the audit area: the daily digests of the timeline chains, and views of personal data."""

from __future__ import annotations

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from engine.store.base import Base, IntPK, Timestamp


class TimelineDigest(Base):
    """One day's seal over the heads of every case chain that moved that day (Beijing days).

    ``heads_hash`` is the SHA-256 of the day's sorted ``case_id:seq:hash`` lines, and ``digest`` chains it
    to the previous day's digest, so publishing the latest digest vouches for every earlier day too.
    """

    __tablename__ = "timeline_digests"

    day: Mapped[str] = mapped_column(String(10), primary_key=True)  # YYYY-MM-DD, Beijing time
    cases: Mapped[int] = mapped_column(Integer)
    lines: Mapped[int] = mapped_column(Integer)
    heads_hash: Mapped[str] = mapped_column(String(64))
    prev_digest: Mapped[str] = mapped_column(String(64))
    digest: Mapped[str] = mapped_column(String(64))
    sealed_at: Mapped[Timestamp]


class PersonalDataView(Base):
    """One showing of one personal field of a case's reporter: who saw it, when, where, from where.

    Only the fact is stored, never the value: the audit trail must not become a copy of the data.
    """

    __tablename__ = "personal_data_views"
    __table_args__ = (
        Index("ix_personal_data_views_at", "at", "id"),
        Index("ix_personal_data_views_case", "case_id", "at"),
        Index("ix_personal_data_views_viewer", "viewer", "at"),
    )

    id: Mapped[IntPK]
    at: Mapped[Timestamp]
    viewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    viewer: Mapped[str] = mapped_column(String(64))
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    case_no: Mapped[str] = mapped_column(String(32))
    field: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(16))  # page | api | export
    remote_addr: Mapped[str | None] = mapped_column(String(64))
