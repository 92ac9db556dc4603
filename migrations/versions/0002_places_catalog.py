"""Places and catalogue: components, filing conditions, department responsibilities

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25

Adds the component registry, the filing conditions (立案条件) per minor class, the
department ↔ class responsibilities, a revision counter per kind of reference data
(``places``: the grid index of every process rebuilds when it moves), the audit of
administrators' changes, and ``cases.component_code`` (the 部件 a report is about).
A migration must work with the code of the previous release still running (deploys are
rolling): add before you use, drop only after nothing reads it. Write both directions.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "components",
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("standard", sa.String(length=24), nullable=False),
        sa.Column("category_code", sa.String(length=8), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=True),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("grid_code", sa.String(length=14), nullable=True),
        sa.Column("district_code", sa.String(length=6), nullable=False),
        sa.Column("owner_department_code", sa.String(length=32), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.ForeignKeyConstraint(["owner_department_code"], ["departments.code"],
                                name=op.f("fk_components_owner_department_code_departments")),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_components")),
    )
    op.create_index("ix_components_category_lon_lat", "components", ["category_code", "lon", "lat"])
    op.create_index("ix_components_lon_lat", "components", ["lon", "lat"])
    op.create_index(op.f("ix_components_grid_code"), "components", ["grid_code"])
    op.create_index(op.f("ix_components_owner_department_code"), "components", ["owner_department_code"])
    op.create_table(
        "filing_conditions",
        sa.Column("code", sa.String(length=24), nullable=False),
        sa.Column("standard", sa.String(length=24), nullable=False),
        sa.Column("category_code", sa.String(length=8), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("condition", sa.Text(), nullable=False),
        sa.Column("time_limit", sa.Float(), nullable=True),
        sa.Column("unit", sa.String(length=24), nullable=True),
        sa.Column("phases", JSON, nullable=False),
        sa.Column("sequential", sa.Boolean(), nullable=False),
        sa.Column("urgency", sa.String(length=16), nullable=False),
        sa.Column("time_limit_text", sa.String(length=128), nullable=False),
        sa.Column("unit_text", sa.String(length=64), nullable=False),
        sa.Column("closing_condition", sa.Text(), nullable=True),
        sa.Column("responsible_example", sa.Text(), nullable=True),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("reconstructed", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_filing_conditions")),
    )
    op.create_index(op.f("ix_filing_conditions_category_code"), "filing_conditions", ["category_code"])
    op.create_table(
        "department_responsibilities",
        sa.Column("department_code", sa.String(length=32), nullable=False),
        sa.Column("category_code", sa.String(length=8), nullable=False),
        sa.ForeignKeyConstraint(["department_code"], ["departments.code"],
                                name=op.f("fk_department_responsibilities_department_code_departments"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("department_code", "category_code", name=op.f("pk_department_responsibilities")),
    )
    op.create_index(op.f("ix_department_responsibilities_category_code"), "department_responsibilities",
                    ["category_code"])
    op.create_table(
        "revisions",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_revisions")),
    )
    op.create_table(
        "admin_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=48), nullable=False),
        sa.Column("target_type", sa.String(length=24), nullable=False),
        sa.Column("target", sa.String(length=64), nullable=False),
        sa.Column("data", JSON, nullable=True),
        sa.ForeignKeyConstraint(["actor_id"], ["users.id"], name=op.f("fk_admin_events_actor_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_admin_events")),
    )
    op.create_index(op.f("ix_admin_events_at"), "admin_events", ["at"])
    op.create_index("ix_admin_events_target", "admin_events", ["target_type", "target"])
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("component_code", sa.String(length=20), nullable=True))
        batch.create_index(batch.f("ix_cases_component_code"), ["component_code"])


def downgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.drop_index(batch.f("ix_cases_component_code"))
        batch.drop_column("component_code")
    op.drop_table("admin_events")
    op.drop_table("revisions")
    op.drop_table("department_responsibilities")
    op.drop_table("filing_conditions")
    op.drop_table("components")
