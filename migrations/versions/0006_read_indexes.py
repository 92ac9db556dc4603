"""Read paths at scale: indexes found by the benchmark

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25

Reserved in the chain so that areas developed in parallel keep one linear history; the
owner of this area fills in the operations.
A migration must work with the code of the previous release still running (deploys are
rolling): add before you use, drop only after nothing reads it. Write both directions.
"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
