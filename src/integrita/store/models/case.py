"""Cases, their notes, and suspicious transaction reports (STR)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from integrita.store.models.alert import Alert
from integrita.store.models.base import Base, UtcDateTime, utcnow


class Case(Base):
    """One investigation per customer; gathers the customer's alerts while it is open."""

    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    customer_id: Mapped[str] = mapped_column(String(64), index=True)
    state: Mapped[str] = mapped_column(String(16), default="open")
    priority: Mapped[str] = mapped_column(String(8), default="medium")
    priority_rank: Mapped[int] = mapped_column(Integer, default=2)
    score: Mapped[float | None] = mapped_column(Float)
    alert_count: Mapped[int] = mapped_column(Integer, default=0)
    typologies: Mapped[list[str]] = mapped_column(JSON, default=list)
    assignee: Mapped[str | None] = mapped_column(String(64), index=True)
    decision: Mapped[str | None] = mapped_column(String(16))
    proposal_reason: Mapped[str | None] = mapped_column(Text)
    proposed_by: Mapped[str | None] = mapped_column(String(64))
    proposed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    reviewed_by: Mapped[str | None] = mapped_column(String(64))
    review_comment: Mapped[str | None] = mapped_column(Text)
    reviewed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    __table_args__ = (
        Index("ix_cases_state_priority", "state", "priority_rank", "opened_at"),
        Index("ix_cases_opened_at", "opened_at"),
    )


class CaseNote(Base):
    __tablename__ = "case_notes"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    author: Mapped[str] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class SuspiciousTransactionReport(Base):
    """A structured STR draft and its life at the regulator: submitted, transferred, filed."""

    __tablename__ = "suspicious_transaction_reports"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    customer_id: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(16), default="draft", index=True)
    #: The day suspicion was determined (the case's approval); the deadline counts from it.
    determined_at: Mapped[datetime] = mapped_column(UtcDateTime)
    due_on: Mapped[date] = mapped_column(Date, index=True)
    #: Reporting entity, subjects, accounts, transactions, indicators, narrative.
    content: Mapped[dict[str, object]] = mapped_column(JSON)
    drafted_by: Mapped[str | None] = mapped_column(String(64))
    #: Counts substantive changes of the text; an approval names the version it read.
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    approved_by: Mapped[str | None] = mapped_column(String(64))
    approved_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    submission_ref: Mapped[str | None] = mapped_column(String(128))
    acknowledged_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    fiu_ref_number: Mapped[str | None] = mapped_column(String(128))
    transferred_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    transferred_to: Mapped[str | None] = mapped_column(String(255))
    filed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    filed_by: Mapped[str | None] = mapped_column(String(255))
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


# The alert queue sorts by score and by time without a status filter; the alerts
# table (shared, defined with detection's models) gets these two indexes from case work.
Index("ix_alerts_score", Alert.score)
Index("ix_alerts_raised_at", Alert.raised_at)
Index("ix_alerts_status_raised_at", Alert.status, Alert.raised_at)
