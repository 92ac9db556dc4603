"""Production hardening: scheduler heartbeat, hash-chained timeline, daily digests, personal data views

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07

``heartbeats`` holds the last run of the timer scheduler, which ``/readyz`` checks.
``case_events`` gains ``seq`` (the line's number in its case) and ``hash`` (engine/audit/chain.py:
SHA-256 over the line's canonical content and the previous line's hash); the lines already stored
are chained here, in their id order, so every line carries a hash. ``cases`` keeps the chain's head
(``timeline_head``, ``timeline_seq``) and ``timeline_digests`` the daily seals of the heads.
``personal_data_views`` records every showing of a reporter's name or phone (who, when, which case and
field, page/API/export, from which address), never the value. ``tasks.completion_key`` keeps the
``Idempotency-Key`` a completion was sent with, so a retry gets the completion back instead of a 409.
The new columns are filled before they become NOT NULL; the previous release, which does not write
them, must be stopped before this upgrade (its timeline inserts would fail).
"""

from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from alembic import op

from engine.audit import chain
from engine.store.base import JSONType, UTCDateTime

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

BATCH = 5000
_EVENTS = sa.table("case_events", sa.column("id", sa.Integer), sa.column("case_id", sa.Integer),
                   sa.column("at", UTCDateTime()), sa.column("actor_id", sa.Integer), sa.column("actor", sa.String),
                   sa.column("role", sa.String), sa.column("action", sa.String),
                   sa.column("stage_from", sa.String), sa.column("stage_to", sa.String),
                   sa.column("task_id", sa.String), sa.column("comment", sa.Text), sa.column("data", JSONType),
                   sa.column("seq", sa.Integer), sa.column("hash", sa.String))
_CASES = sa.table("cases", sa.column("id", sa.Integer), sa.column("timeline_head", sa.String),
                  sa.column("timeline_seq", sa.Integer))


def upgrade() -> None:
    op.create_table(
        "heartbeats",
        sa.Column("name", sa.String(32), nullable=False),
        sa.Column("beat_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("host", sa.String(128), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_heartbeats"),
    )
    op.create_table(
        "timeline_digests",
        sa.Column("day", sa.String(10), nullable=False),
        sa.Column("cases", sa.Integer(), nullable=False),
        sa.Column("lines", sa.Integer(), nullable=False),
        sa.Column("heads_hash", sa.String(64), nullable=False),
        sa.Column("prev_digest", sa.String(64), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("sealed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("day", name="pk_timeline_digests"),
    )
    op.create_table(
        "personal_data_views",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("viewer_id", sa.Integer(), nullable=True),
        sa.Column("viewer", sa.String(64), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("case_no", sa.String(32), nullable=False),
        sa.Column("field", sa.String(32), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("remote_addr", sa.String(64), nullable=True),
        sa.ForeignKeyConstraint(["viewer_id"], ["users.id"], name="fk_personal_data_views_viewer_id_users",
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name="fk_personal_data_views_case_id_cases",
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_personal_data_views"),
    )
    op.create_index("ix_personal_data_views_at", "personal_data_views", ["at", "id"])
    op.create_index("ix_personal_data_views_case", "personal_data_views", ["case_id", "at"])
    op.create_index("ix_personal_data_views_viewer", "personal_data_views", ["viewer", "at"])
    # Plain ALTER TABLE on cases, never a batch copy: SQLite runs with foreign keys on, and dropping the
    # old copy of ``cases`` would cascade-delete every task, state and timeline line.
    op.add_column("cases", sa.Column("timeline_head", sa.String(64), nullable=True))
    op.add_column("cases", sa.Column("timeline_seq", sa.Integer(), nullable=False, server_default="0"))
    op.add_column("tasks", sa.Column("completion_key", sa.String(100), nullable=True))
    with op.batch_alter_table("case_events") as batch:
        batch.add_column(sa.Column("seq", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("hash", sa.String(64), nullable=True))
    _chain_existing_lines(op.get_bind())
    with op.batch_alter_table("case_events") as batch:
        batch.alter_column("seq", existing_type=sa.Integer(), nullable=False)
        batch.alter_column("hash", existing_type=sa.String(64), nullable=False)
        batch.create_unique_constraint("uq_case_events_case_id_seq", ["case_id", "seq"])
    op.create_index("ix_case_events_at", "case_events", ["at"])


def _lines(bind: sa.Connection) -> Iterator[dict[str, Any]]:
    last = 0
    while True:
        rows = bind.execute(sa.select(_EVENTS).where(_EVENTS.c.id > last).order_by(_EVENTS.c.id).limit(BATCH)).all()
        if not rows:
            return
        for row in rows:
            yield dict(row._mapping)
        last = rows[-1].id


class _Head:
    def __init__(self, case_id: int) -> None:
        self.id, self.timeline_head, self.timeline_seq = case_id, None, 0


def _chain_existing_lines(bind: sa.Connection) -> None:
    """Number and hash the stored lines of each case in id order, then store each case's head."""
    heads: dict[int, _Head] = {}
    updates: list[dict[str, Any]] = []
    update = sa.update(_EVENTS).where(_EVENTS.c.id == sa.bindparam("p_id")).values(
        seq=sa.bindparam("p_seq"), hash=sa.bindparam("p_hash"))
    for line in _lines(bind):
        head = heads.setdefault(line["case_id"], _Head(line["case_id"]))
        chain.extend(head, [line])
        updates.append({"p_id": line["id"], "p_seq": line["seq"], "p_hash": line["hash"]})
        if len(updates) >= BATCH:
            bind.execute(update, updates)
            updates = []
    if updates:
        bind.execute(update, updates)
    set_head = sa.update(_CASES).where(_CASES.c.id == sa.bindparam("p_id")).values(
        timeline_head=sa.bindparam("p_head"), timeline_seq=sa.bindparam("p_seq"))
    rows = [{"p_id": h.id, "p_head": h.timeline_head, "p_seq": h.timeline_seq} for h in heads.values()]
    for start in range(0, len(rows), BATCH):
        bind.execute(set_head, rows[start:start + BATCH])


def downgrade() -> None:
    op.drop_index("ix_case_events_at", table_name="case_events")
    with op.batch_alter_table("case_events") as batch:
        batch.drop_constraint("uq_case_events_case_id_seq", type_="unique")
        batch.drop_column("hash")
        batch.drop_column("seq")
    op.drop_column("tasks", "completion_key")
    op.drop_column("cases", "timeline_seq")  # plain ALTER TABLE (SQLite 3.35+), as in upgrade()
    op.drop_column("cases", "timeline_head")
    op.drop_table("personal_data_views")
    op.drop_table("timeline_digests")
    op.drop_table("heartbeats")
