"""The command room: cameras, video-AI events, the video platforms' keys, inspectors' patrol tracks

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07

Additive only: new tables, nothing the previous release reads changes.
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cameras",
        sa.Column("code", sa.String(32), primary_key=True),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("grid_code", sa.String(14), nullable=False),
        sa.Column("district_code", sa.String(6), nullable=False),
        sa.Column("owner", sa.String(128), nullable=True),
        sa.Column("stream_url", sa.Text(), nullable=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_cameras_grid_code", "cameras", ["grid_code"])
    op.create_index("ix_cameras_lon_lat", "cameras", ["lon", "lat"])
    op.create_table(
        "video_events",
        sa.Column("event_id", sa.String(64), primary_key=True),
        sa.Column("camera_code", sa.String(32), sa.ForeignKey("cameras.code"), nullable=False),
        sa.Column("class_code", sa.String(8), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("cases.id", ondelete="SET NULL"), nullable=True),
        sa.Column("bbox", sa.String(64), nullable=True),
    )
    op.create_index("ix_video_events_case_id", "video_events", ["case_id"])
    op.create_index("ix_video_events_fold", "video_events", ["camera_code", "class_code", "outcome", "at"])
    op.create_table(
        "video_keys",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(64), nullable=False, unique=True),
        sa.Column("key_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("events", sa.Integer(), nullable=False),
    )


    op.create_table(
        "patrol_points",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.UniqueConstraint("user_id", "at"),
    )
    op.create_index("ix_patrol_points_at", "patrol_points", ["at"])


def downgrade() -> None:
    op.drop_index("ix_patrol_points_at", "patrol_points")
    op.drop_table("patrol_points")
    op.drop_table("video_keys")
    op.drop_index("ix_video_events_fold", "video_events")
    op.drop_index("ix_video_events_case_id", "video_events")
    op.drop_table("video_events")
    op.drop_index("ix_cameras_lon_lat", "cameras")
    op.drop_index("ix_cameras_grid_code", "cameras")
    op.drop_table("cameras")
