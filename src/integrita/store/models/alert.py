"""Alerts raised by batch detection or the real-time engine, and large-value transaction records.

Both are shared by several capabilities: detection writes them, case work
investigates alerts and exports large-value records, risk rating counts them.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, BigInteger, Date, Float, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from integrita.store.models.base import Base, UtcDateTime, utcnow


class Alert(Base):
    """One alert per customer per detection run, carrying every typology and its evidence."""

    __tablename__ = "alerts"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    customer_id: Mapped[str] = mapped_column(String(64), index=True)
    source: Mapped[str] = mapped_column(String(16))  # "detection" | "realtime"
    run_id: Mapped[str | None] = mapped_column(String(64), index=True)
    raised_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    #: Stable key over (customer, typologies, evidence) so a re-run never raises the same alert twice.
    dedup_key: Mapped[str] = mapped_column(String(64))
    typologies: Mapped[list[str]] = mapped_column(JSON)
    evidence: Mapped[dict[str, object]] = mapped_column(JSON)
    score: Mapped[float | None] = mapped_column(Float)
    explanation: Mapped[list[dict[str, object]] | None] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default="new")  # new | in_case | closed
    case_id: Mapped[int | None] = mapped_column(Integer, index=True)

    __table_args__ = (
        UniqueConstraint("dedup_key", name="uq_alerts_dedup_key"),
        Index("ix_alerts_status_score", "status", "score"),
    )


class LargeValueRecord(Base):
    """A PBOC large-value transaction record: reported for its size, not for suspicion."""

    __tablename__ = "large_value_records"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    txn_id: Mapped[str] = mapped_column(String(64))
    rule: Mapped[str] = mapped_column(String(64))
    customer_id: Mapped[str | None] = mapped_column(String(64), index=True)
    account_id: Mapped[str] = mapped_column(String(64))
    booked_at: Mapped[datetime] = mapped_column(UtcDateTime)
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    amount_cny_minor: Mapped[int] = mapped_column(BigInteger)
    due_on: Mapped[date] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(
        String(16), default="pending"
    )  # pending | submitted | acknowledged
    submitted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    submission_ref: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("txn_id", "rule", name="uq_large_value_records_txn_rule"),)
