"""The tables of the case lifecycle. The schema itself is created only by migrations/.

One row per case in ``cases`` (the summary every read uses) and one in ``workflow_states``
(the SpiffWorkflow state, written only by steps): reads never deserialize a workflow.
``tasks`` is the projection of READY user tasks (the inbox) and ``case_events`` the
append-only audit trail; both are written in the same transaction as the state.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from engine.store.base import Base, IntPK, OptTimestamp, Timestamp


def _where(condition: str) -> dict[str, Any]:
    """A partial index's condition, the same on SQLite and PostgreSQL."""
    return {"sqlite_where": text(condition), "postgresql_where": text(condition)}


class ProcessDefinition(Base):
    """An immutable deployed version of a process: its BPMN files and forms."""

    __tablename__ = "process_definitions"
    __table_args__ = (
        UniqueConstraint("key", "version"),
        UniqueConstraint("key", "sha256"),
    )

    id: Mapped[IntPK]
    key: Mapped[str] = mapped_column(String(64))
    version: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    files: Mapped[dict[str, Any]]
    forms: Mapped[dict[str, Any]]
    deployed_at: Mapped[Timestamp]
    deployed_by: Mapped[str | None] = mapped_column(String(64))


class Place(Base):
    """District, street, community or unit grid; the code's length says which (6/9/12/14)."""

    __tablename__ = "places"
    __table_args__ = (
        Index("ix_places_level_district", "level", "district_code"),
        Index("ix_places_bbox", "level", "minx", "maxx", "miny", "maxy"),
    )

    code: Mapped[str] = mapped_column(String(14), primary_key=True)
    level: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(128))
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("places.code"), index=True)
    district_code: Mapped[str] = mapped_column(String(6))
    geometry: Mapped[bytes] = mapped_column(LargeBinary)
    minx: Mapped[float] = mapped_column(Float)
    miny: Mapped[float] = mapped_column(Float)
    maxx: Mapped[float] = mapped_column(Float)
    maxy: Mapped[float] = mapped_column(Float)
    area_m2: Mapped[float | None] = mapped_column(Float)
    area_class: Mapped[str | None] = mapped_column(String(1))
    inspector_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    beat_code: Mapped[str | None] = mapped_column(String(32), index=True)


class Category(Base):
    """A component or incident class of one classification standard."""

    __tablename__ = "categories"
    __table_args__ = (UniqueConstraint("standard", "code"),)

    id: Mapped[IntPK]
    standard: Mapped[str] = mapped_column(String(24))
    code: Mapped[str] = mapped_column(String(8))
    kind: Mapped[str] = mapped_column(String(16))
    major_code: Mapped[str] = mapped_column(String(4))
    major_name: Mapped[str] = mapped_column(String(64))
    minor_code: Mapped[str] = mapped_column(String(8))
    minor_name: Mapped[str] = mapped_column(String(128))
    note: Mapped[str | None] = mapped_column(Text)


class Department(Base):
    """A professional department (专业部门) that handles cases, at city or district level."""

    __tablename__ = "departments"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    level: Mapped[str] = mapped_column(String(16))
    district_code: Mapped[str | None] = mapped_column(String(6), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    head_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", use_alter=True))


class User(Base):
    __tablename__ = "users"

    id: Mapped[IntPK]
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(128))
    password_hash: Mapped[str] = mapped_column(String(256))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[Timestamp]
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[OptTimestamp]


class UserRole(Base):
    """A role a user holds, optionally limited to a district or a department."""

    __tablename__ = "user_roles"
    __table_args__ = (UniqueConstraint("user_id", "role", "district_code", "department_code"),)

    id: Mapped[IntPK]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(32))
    district_code: Mapped[str | None] = mapped_column(String(6))
    department_code: Mapped[str | None] = mapped_column(ForeignKey("departments.code"))


class ApiToken(Base):
    """A bearer token; only its SHA-256 is stored, so a database leak yields no tokens."""

    __tablename__ = "api_tokens"

    id: Mapped[IntPK]
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[Timestamp]
    expires_at: Mapped[Timestamp]
    revoked_at: Mapped[OptTimestamp]


class Case(Base):
    """The case summary: everything lists, inboxes, maps and evaluation read."""

    __tablename__ = "cases"
    __table_args__ = (
        Index("ix_cases_district_status_reported", "district_code", "status", "reported_at"),
        Index("ix_cases_status_reported", "status", "reported_at"),
        Index("ix_cases_department_status", "department_code", "status"),
        Index("ix_cases_category_reported", "category_code", "reported_at"),
        # Read indexes found by `szcg bench` (migration 0006): the default list order, and one
        # range per time column for the monthly evaluation counts of a district.
        Index("ix_cases_reported", "reported_at", "id"),
        Index("ix_cases_district_reported", "district_code", "reported_at"),
        Index("ix_cases_district_filed", "district_code", "filed_at"),
        Index("ix_cases_district_voided", "district_code", "voided_at", **_where("voided_at IS NOT NULL")),
        Index("ix_cases_district_deadline", "district_code", "deadline_at", "handled_at", "voided_at"),
        Index("ix_cases_district_closed_due", "district_code", "closed_at", "deadline_at", "handled_at"),
        # A handler's own case list counts the department's case ids from the index alone (0008).
        Index("ix_cases_department_id", "department_code", "id"),
        # The case search by process (0009).
        Index("ix_cases_process_reported", "process_key", "reported_at", "id"),
        # The big screen (0015): the open cases' points and overdue list from one partial covering
        # index, and one range per stage time for the month's counts.
        Index("ix_cases_open", "deadline_at", "id", "case_no", "lon", "lat", "deadline_warn_at", "response_level",
              "district_code", "status", "department_code", "category_code",
              **_where("status NOT IN ('closed', 'void')")),
        Index("ix_cases_registered", "registered_at"),
        Index("ix_cases_filed", "filed_at"),
        Index("ix_cases_dispatched", "dispatched_at"),
        Index("ix_cases_handled_department", "handled_at", "department_code", "deadline_at"),
        Index("ix_cases_closed", "closed_at"),
    )

    id: Mapped[IntPK]
    case_no: Mapped[str] = mapped_column(String(32), unique=True)
    tracking_code: Mapped[str] = mapped_column(String(16), unique=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(160), unique=True)
    # The intake system's own number (a 12345 order's 工单编号), sent back in webhook events.
    external_ref: Mapped[str | None] = mapped_column(String(64))
    definition_id: Mapped[int] = mapped_column(ForeignKey("process_definitions.id"))
    process_key: Mapped[str] = mapped_column(String(64), server_default="")
    channel_type: Mapped[str | None] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(String(16))
    standard: Mapped[str] = mapped_column(String(24))
    kind: Mapped[str] = mapped_column(String(16))
    category_code: Mapped[str] = mapped_column(String(8))
    description: Mapped[str] = mapped_column(Text)
    address: Mapped[str | None] = mapped_column(String(255))
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    grid_code: Mapped[str] = mapped_column(String(14), index=True)
    community_code: Mapped[str] = mapped_column(String(12))
    street_code: Mapped[str] = mapped_column(String(9), index=True)
    district_code: Mapped[str] = mapped_column(String(6))
    reporter_name: Mapped[str | None] = mapped_column(String(64))
    reporter_phone: Mapped[str | None] = mapped_column(String(32))
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    status: Mapped[str] = mapped_column(String(24))
    department_code: Mapped[str | None] = mapped_column(String(32))
    urgency: Mapped[str] = mapped_column(String(16), default="normal")
    area_class: Mapped[str | None] = mapped_column(String(1))
    filing_condition: Mapped[str | None] = mapped_column(String(24))
    level: Mapped[str | None] = mapped_column(String(16))
    reported_at: Mapped[Timestamp]
    registered_at: Mapped[OptTimestamp]
    verified_at: Mapped[OptTimestamp]
    filed_at: Mapped[OptTimestamp]
    dispatched_at: Mapped[OptTimestamp]
    handled_at: Mapped[OptTimestamp]
    checked_at: Mapped[OptTimestamp]
    closed_at: Mapped[OptTimestamp]
    voided_at: Mapped[OptTimestamp]
    evaluated_at: Mapped[OptTimestamp]
    deadline_at: Mapped[OptTimestamp]
    deadline_provisional: Mapped[bool] = mapped_column(Boolean, default=False)
    # The case's handling clock (tasks marked caseClock share it): its limit, warning instant,
    # and the suspensions and extensions that moved it.
    deadline_warn_at: Mapped[OptTimestamp]
    clock_limit: Mapped[float | None] = mapped_column(Float)
    clock_unit: Mapped[str | None] = mapped_column(String(24))
    suspended_at: Mapped[OptTimestamp]
    suspended_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    channel: Mapped[str | None] = mapped_column(String(16))
    escalated_at: Mapped[OptTimestamp]
    overdue_count: Mapped[int] = mapped_column(Integer, default=0)
    extension_count: Mapped[int] = mapped_column(Integer, default=0)
    suspension_count: Mapped[int] = mapped_column(Integer, default=0)
    urge_count: Mapped[int] = mapped_column(Integer, default=0)
    return_count: Mapped[int] = mapped_column(Integer, default=0)
    rework_count: Mapped[int] = mapped_column(Integer, default=0)
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    linked_case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", name="fk_cases_linked_case"))
    response_level: Mapped[str | None] = mapped_column(String(8))
    injuries: Mapped[int | None] = mapped_column(Integer)
    satisfaction: Mapped[str | None] = mapped_column(String(24))
    component_code: Mapped[str | None] = mapped_column(String(20), index=True)
    # The head of the case's timeline hash chain (engine/audit/chain.py): the last line's hash and number.
    timeline_head: Mapped[str | None] = mapped_column(String(64))
    timeline_seq: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    updated_at: Mapped[Timestamp]
    row_version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": row_version}


class WorkflowState(Base):
    """The SpiffWorkflow state of one case, serialized with its spec by reference."""

    __tablename__ = "workflow_states"

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True)
    definition_id: Mapped[int] = mapped_column(ForeignKey("process_definitions.id"))
    state: Mapped[str] = mapped_column(Text)
    spiff_version: Mapped[str] = mapped_column(String(16))
    serializer_version: Mapped[str] = mapped_column(String(16))
    updated_at: Mapped[Timestamp]


class Task(Base):
    """A user task of a case: open while READY in the workflow, then completed or cancelled."""

    __tablename__ = "tasks"
    __table_args__ = (
        Index("ix_tasks_case_state", "case_id", "state"),
        # Inboxes read open tasks only: partial indexes over them (migration 0006), for a
        # person's tasks and for the queues of a lane and scope.
        Index("ix_tasks_inbox_assignee", "assignee_id", "created_at", **_where("state = 'open'")),
        Index("ix_tasks_inbox_queue", "lane", "scope", "assignee_id", "department_code", "district_code",
              "created_at", **_where("state = 'open'")),
        # A handler's or inspector's own case list starts from every task they ever had.
        Index("ix_tasks_department_case", "department_code", "case_id"),
        Index("ix_tasks_assignee_case", "assignee_id", "case_id"),
        # The big screen (0015): each open case's worst light and priority, the overdue open tasks.
        Index("ix_tasks_open_case", "case_id", "due_at", "warn_at", "priority", **_where("state = 'open'")),
        Index("ix_tasks_open_due", "due_at", **_where("state = 'open'")),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    bpmn_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(128))
    stage: Mapped[str] = mapped_column(String(32))
    lane: Mapped[str] = mapped_column(String(32))
    scope: Mapped[str] = mapped_column(String(16))
    form_key: Mapped[str] = mapped_column(String(64))
    district_code: Mapped[str | None] = mapped_column(String(6))
    department_code: Mapped[str | None] = mapped_column(String(32))
    grid_code: Mapped[str | None] = mapped_column(String(14))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    state: Mapped[str] = mapped_column(String(16))
    priority: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[Timestamp]
    warn_at: Mapped[OptTimestamp]
    due_at: Mapped[OptTimestamp]
    limit_value: Mapped[float | None] = mapped_column(Float)
    limit_unit: Mapped[str | None] = mapped_column(String(24))
    provisional: Mapped[bool] = mapped_column(Boolean, default=False)
    warned_at: Mapped[OptTimestamp]
    overdue_at: Mapped[OptTimestamp]
    context: Mapped[dict[str, Any] | None] = mapped_column(nullable=True)
    completed_at: Mapped[OptTimestamp]
    completed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The Idempotency-Key the completion was sent with: a retry with it gets the completion back.
    completion_key: Mapped[str | None] = mapped_column(String(100))


class CaseEvent(Base):
    """One line of a case's timeline: who, in which role, did what, when. Never updated.

    ``seq`` numbers the lines of a case from 1 and ``hash`` chains each to the previous one
    (engine/audit/chain.py), so an edited, inserted or deleted line is found by ``szcg audit verify``.
    """

    __tablename__ = "case_events"
    __table_args__ = (
        Index("ix_case_events_case", "case_id", "id"),
        Index("ix_case_events_action_at", "action", "at"),
        Index("ix_case_events_at", "at"),  # the daily digest reads one day's lines
        UniqueConstraint("case_id", "seq"),
    )

    id: Mapped[IntPK]
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column()
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor: Mapped[str] = mapped_column(String(64))
    role: Mapped[str | None] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(32))
    stage_from: Mapped[str | None] = mapped_column(String(32))
    stage_to: Mapped[str | None] = mapped_column(String(32))
    task_id: Mapped[str | None] = mapped_column(String(36))
    comment: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict[str, Any] | None] = mapped_column(nullable=True)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))
