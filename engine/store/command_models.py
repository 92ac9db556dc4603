"""Tables of the command room: cameras, video-AI events and the keys analytics platforms use.

``video_events`` keeps every event an analytics platform sent, by its own event id (a retry
returns the first answer), with what became of it: a new report, folded into a recent report of
the same camera and class (a repeat), or dropped below the confidence threshold.
"""

from __future__ import annotations

from sqlalchemy import Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from engine.store.base import Base, IntPK, OptTimestamp, Timestamp

CAMERA_STATES = ("active", "offline", "retired")
VIDEO_OUTCOMES = ("reported", "folded", "dropped")


class Camera(Base):
    """A camera of the video subsystem (视频监控): where it is and where its stream is (szcg only links it)."""

    __tablename__ = "cameras"
    __table_args__ = (Index("ix_cameras_lon_lat", "lon", "lat"),)

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    grid_code: Mapped[str] = mapped_column(String(14), index=True)
    district_code: Mapped[str] = mapped_column(String(6))
    owner: Mapped[str | None] = mapped_column(String(128))
    stream_url: Mapped[str | None] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16), default="active")
    updated_at: Mapped[Timestamp]


class VideoEvent(Base):
    """One event of a video-AI platform and what became of it."""

    __tablename__ = "video_events"
    __table_args__ = (Index("ix_video_events_fold", "camera_code", "class_code", "outcome", "at"),)

    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    camera_code: Mapped[str] = mapped_column(ForeignKey("cameras.code"))
    class_code: Mapped[str] = mapped_column(String(8))
    confidence: Mapped[float] = mapped_column(Float)
    at: Mapped[Timestamp]
    received_at: Mapped[Timestamp]
    outcome: Mapped[str] = mapped_column(String(16))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="SET NULL"), index=True)
    bbox: Mapped[str | None] = mapped_column(String(64))


class VideoKey(Base):
    """An API key of a video-AI platform: it may create video reports and nothing else (SHA-256 stored)."""

    __tablename__ = "video_keys"

    id: Mapped[IntPK]
    name: Mapped[str] = mapped_column(String(64), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[Timestamp]
    revoked_at: Mapped[OptTimestamp]
    events: Mapped[int] = mapped_column(Integer, default=0)


class PatrolPoint(Base):
    """One GPS fix of an inspector on patrol (巡查轨迹). Personal data: kept ``patrol.retention_days``.

    One narrow row per fix, unique by inspector and time, so a re-sent batch stores nothing twice.
    """

    __tablename__ = "patrol_points"
    __table_args__ = (UniqueConstraint("user_id", "at"), Index("ix_patrol_points_at", "at"))

    id: Mapped[IntPK]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    at: Mapped[Timestamp]
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
