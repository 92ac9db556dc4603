"""Published evaluations (综合评价发布): a period's scorecards frozen under one plan.

A publication keeps everything needed to prove its numbers later: the plan as it was (and its
digest), the scorecards of every object type, the SHA-256 of the facts they were computed from
and one digest per case, so a case whose facts changed afterwards (reopened, moved, corrected)
is named — never silently folded into the published figures.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from engine.store.base import Base, IntPK, Timestamp


class EvaluationPublication(Base):
    """One period's evaluation under one plan, as the evaluator published it. Never updated."""

    __tablename__ = "evaluation_publications"
    __table_args__ = (UniqueConstraint("period", "plan_key"),)

    id: Mapped[IntPK]
    period: Mapped[str] = mapped_column(String(32))
    plan_key: Mapped[str] = mapped_column(String(32))
    plan_version: Mapped[int] = mapped_column(Integer)
    plan_digest: Mapped[str] = mapped_column(String(64))
    plan: Mapped[dict[str, Any]]
    facts_digest: Mapped[str] = mapped_column(String(64))
    # the newest sealed daily digest of the case timelines when it was published (engine.audit.digests)
    timeline_digest: Mapped[str | None] = mapped_column(String(64), nullable=True)
    case_digests: Mapped[dict[str, Any]]
    scorecards: Mapped[dict[str, Any]]
    published_at: Mapped[Timestamp]
    published_by: Mapped[str] = mapped_column(String(64))
