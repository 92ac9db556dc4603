"""Published evaluations: a period's scorecards frozen with the plan and a hash of the facts

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07

``evaluation_publications`` holds one row per (period, plan) an evaluator published: the plan as
it was (with its version and digest), the scorecards of every object type, the SHA-256 of the
facts and one digest per case, so that recomputing later proves the numbers and a fact changed
since (a case reopened) shows as a named difference. Additive only.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "evaluation_publications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(32), nullable=False),
        sa.Column("plan_key", sa.String(32), nullable=False),
        sa.Column("plan_version", sa.Integer(), nullable=False),
        sa.Column("plan_digest", sa.String(64), nullable=False),
        sa.Column("plan", JSON, nullable=False),
        sa.Column("facts_digest", sa.String(64), nullable=False),
        sa.Column("timeline_digest", sa.String(64), nullable=True),
        sa.Column("case_digests", JSON, nullable=False),
        sa.Column("scorecards", JSON, nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_by", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_evaluation_publications"),
        sa.UniqueConstraint("period", "plan_key", name=op.f("uq_evaluation_publications_period_plan_key")),
    )


def downgrade() -> None:
    op.drop_table("evaluation_publications")
