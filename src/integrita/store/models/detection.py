"""Batch detection runs and the registry of trained scoring models."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from integrita.store.models.base import Base, GovernedVersionColumns, UtcDateTime, utcnow


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
    #: The alerts this run could raise: the MLRO's monthly budget's share of its period.
    alert_budget: Mapped[int | None] = mapped_column(Integer)
    alerts_below_line: Mapped[int] = mapped_column(Integer, default=0)
    #: The entity alerts left below the budget's line: entity, period, score, typologies.
    below_line: Mapped[list[dict[str, object]] | None] = mapped_column(JSON)
    #: Alerts about an account whose owner the bank did not register.
    alerts_without_owner: Mapped[int] = mapped_column(Integer, default=0)
    #: Detector -> the parameter-set version the run used.
    parameter_versions: Mapped[dict[str, int] | None] = mapped_column(JSON)


class ScoringModel(Base):
    """A trained alert-scoring model: its file, model card and whether it scores new alerts."""

    __tablename__ = "scoring_models"

    version: Mapped[str] = mapped_column(String(64), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    path: Mapped[str] = mapped_column(String(500))
    card: Mapped[dict[str, object]] = mapped_column(JSON)
    active: Mapped[bool] = mapped_column(Boolean, default=False)


class DetectorParameterSet(GovernedVersionColumns, Base):
    """One version of a detector's parameters; in force only after business + technology approval."""

    __tablename__ = "detector_parameter_sets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    detector: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)
    params: Mapped[dict[str, object]] = mapped_column(JSON)

    __table_args__ = (
        UniqueConstraint("detector", "version", name="uq_detector_parameter_sets_version"),
    )


class AlertBudget(Base):
    """The MLRO's alert budget: alerts a month the team can work; the latest version is in force."""

    __tablename__ = "alert_budgets"

    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    alerts_per_month: Mapped[int] = mapped_column(Integer)
    set_by: Mapped[str] = mapped_column(String(64))
    set_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    note: Mapped[str | None] = mapped_column(Text)
