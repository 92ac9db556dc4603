"""Tables of the audit area: the daily digests of the timeline chains."""

from __future__ import annotations

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from engine.store.base import Base, Timestamp


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
