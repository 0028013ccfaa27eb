"""Batch detection runs and the registry of trained scoring models."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from integrita.store.models.base import Base, UtcDateTime, utcnow


class DetectionRun(Base):
    """One detection run: what it scanned, what it found, and which ledger partitions it processed."""

    __tablename__ = "detection_runs"

    run_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    engine: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="running")  # running | done | failed
    started_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    new_from: Mapped[datetime | None] = mapped_column(UtcDateTime)
    scan_from: Mapped[datetime | None] = mapped_column(UtcDateTime)
    scan_to: Mapped[datetime | None] = mapped_column(UtcDateTime)
    #: Partition name -> number of files seen, so the next run knows what is new.
    partitions: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    matches: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    alerts_raised: Mapped[int] = mapped_column(Integer, default=0)
    alerts_duplicate: Mapped[int] = mapped_column(Integer, default=0)
    large_value_records: Mapped[int] = mapped_column(Integer, default=0)
    model_version: Mapped[str | None] = mapped_column(String(64))
    error: Mapped[str | None] = mapped_column(String(2000))


class ScoringModel(Base):
    """A trained alert-scoring model: its file, model card and whether it scores new alerts."""

    __tablename__ = "scoring_models"

    version: Mapped[str] = mapped_column(String(64), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    path: Mapped[str] = mapped_column(String(500))
    card: Mapped[dict[str, object]] = mapped_column(JSON)
    active: Mapped[bool] = mapped_column(Boolean, default=False)
