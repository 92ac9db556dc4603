"""The tables of places, things and people beyond the lifecycle (issue 3).

``components`` is the registry of 部件 (one row per 16-digit identifier, a WGS84 point);
``filing_conditions`` the 立案条件 of each minor class with its time limit; the
department ↔ class responsibilities; a revision counter per kind of reference data, so a
process can tell with one primary-key read that its in-memory grid index is stale; and
``admin_events``, the audit trail of administrators' changes (who, when, what).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from engine.store.base import Base, IntPK, Timestamp


class Component(Base):
    """A 部件: a fixed public facility with its identifier, class, point, owner and state."""

    __tablename__ = "components"
    __table_args__ = (
        Index("ix_components_category_lon_lat", "category_code", "lon", "lat"),
        Index("ix_components_lon_lat", "lon", "lat"),
    )

    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    standard: Mapped[str] = mapped_column(String(24))
    category_code: Mapped[str] = mapped_column(String(8))
    name: Mapped[str | None] = mapped_column(String(128))
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    grid_code: Mapped[str | None] = mapped_column(String(14), index=True)
    district_code: Mapped[str] = mapped_column(String(6))
    owner_department_code: Mapped[str | None] = mapped_column(ForeignKey("departments.code"), index=True)
    state: Mapped[str] = mapped_column(String(16), default="good")
    updated_at: Mapped[Timestamp]


class FilingCondition(Base):
    """One 立案条件 of a minor class: when a report becomes a case and how long handling may take.

    ``code`` is ``<category_code>-<n>``, n counting the class's rows in the source table from 1.
    ``time_limit``/``unit`` are the first (or only) limit; multi-part rows keep every part in
    ``phases`` — ``sequential`` phases run one after another (私搭乱建: 停工, 处罚, 拆除), the
    others are alternatives by sub-type (建筑垃圾 4 工作时 / 渣土 2 工作日).
    """

    __tablename__ = "filing_conditions"

    code: Mapped[str] = mapped_column(String(24), primary_key=True)
    standard: Mapped[str] = mapped_column(String(24))
    category_code: Mapped[str] = mapped_column(String(8), index=True)
    position: Mapped[int] = mapped_column(Integer)
    condition: Mapped[str] = mapped_column(Text)
    time_limit: Mapped[float | None] = mapped_column(Float)
    unit: Mapped[str | None] = mapped_column(String(24))
    phases: Mapped[list[Any]]
    sequential: Mapped[bool] = mapped_column(Boolean, default=False)
    urgency: Mapped[str] = mapped_column(String(16))
    time_limit_text: Mapped[str] = mapped_column(String(128))
    unit_text: Mapped[str] = mapped_column(String(64))
    closing_condition: Mapped[str | None] = mapped_column(Text)
    responsible_example: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(Text)
    reconstructed: Mapped[bool] = mapped_column(Boolean, default=False)


class DepartmentResponsibility(Base):
    """A class a department is responsible for handling (部门职责)."""

    __tablename__ = "department_responsibilities"

    department_code: Mapped[str] = mapped_column(ForeignKey("departments.code", ondelete="CASCADE"),
                                                 primary_key=True)
    category_code: Mapped[str] = mapped_column(String(8), primary_key=True, index=True)


class Revision(Base):
    """A counter bumped by every change of one kind of reference data (``places``)."""

    __tablename__ = "revisions"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[int] = mapped_column(Integer, default=0)


class AdminEvent(Base):
    """One administrator's change: who, when, what, to which object. Never updated."""

    __tablename__ = "admin_events"
    __table_args__ = (Index("ix_admin_events_target", "target_type", "target"),)

    id: Mapped[IntPK]
    at: Mapped[Timestamp] = mapped_column(index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(48))
    target_type: Mapped[str] = mapped_column(String(24))
    target: Mapped[str] = mapped_column(String(64))
    data: Mapped[dict[str, Any] | None] = mapped_column(nullable=True)
