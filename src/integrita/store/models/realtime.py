"""Real-time funds protection: rule-set versions, payment decisions, rolling account state,
the notification outbox, challenges, executed payments, the internal blocklist, customer
contacts and account-opening verification tasks."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Float,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from integrita.store.models.base import Base, GovernedVersionColumns, UtcDateTime


class RuleSetVersion(GovernedVersionColumns, Base):
    """One version of the real-time thresholds; active only after business + technology approval."""

    __tablename__ = "rule_set_versions"

    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    thresholds: Mapped[dict[str, object]] = mapped_column(JSON)


class PaymentDecision(Base):
    """The answer given to a channel for one payment, stored before it is sent."""

    __tablename__ = "payment_decisions"

    txn_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[str] = mapped_column(String(64), index=True)
    customer_id: Mapped[str | None] = mapped_column(String(64))
    decided_at: Mapped[datetime] = mapped_column(UtcDateTime)
    event_hash: Mapped[str] = mapped_column(String(64))
    event: Mapped[dict[str, object]] = mapped_column(JSON)
    decision: Mapped[str] = mapped_column(String(12))
    response: Mapped[dict[str, object]] = mapped_column(JSON)
    rule_set_version: Mapped[int] = mapped_column(Integer)
    #: decided | released | rejected | executed | cancelled
    status: Mapped[str] = mapped_column(String(12))
    challenge_id: Mapped[str | None] = mapped_column(String(32))
    reviewed_by: Mapped[str | None] = mapped_column(String(64))
    reviewed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    __table_args__ = (Index("ix_payment_decisions_decision_status", "decision", "status"),)


class AccountRealtimeState(Base):
    """Rolling per-account state kept incrementally: recent events and amount statistics."""

    __tablename__ = "account_realtime_state"

    account_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    #: [[epoch seconds, kind, amount in CNY minor units], ...] within the longest window.
    recent: Mapped[list[list[object]]] = mapped_column(JSON)
    history_count: Mapped[int] = mapped_column(Integer, default=0)
    history_mean: Mapped[float] = mapped_column(Float, default=0.0)
    history_m2: Mapped[float] = mapped_column(Float, default=0.0)
    history_max: Mapped[int] = mapped_column(BigInteger, default=0)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class OutboxMessage(Base):
    """A notification written in the same transaction as the change that caused it."""

    __tablename__ = "outbox_messages"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    idempotency_key: Mapped[str] = mapped_column(String(128))
    channel: Mapped[str] = mapped_column(String(16))  # sms | email
    recipient: Mapped[str] = mapped_column(String(255))
    template: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(8))
    params: Mapped[dict[str, object]] = mapped_column(JSON)
    #: pending | sending | delivered | dead | expired (dropped unsent: past its useful life, or
    #: a one-time code whose challenge is no longer pending)
    status: Mapped[str] = mapped_column(String(12), default="pending")
    #: 0 one-time codes, 1 payment notices, 2 bulk (surveys): lower is claimed first
    priority: Mapped[int] = mapped_column(SmallInteger, default=2, server_default="2")
    #: the challenge whose one-time code this message carries: sent only while it is pending
    challenge_id: Mapped[str | None] = mapped_column(String(32))
    #: the gateway said it had already taken this idempotency key (a repeat after a crash)
    duplicate: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    #: the gateway's delivery receipt, where it gives one (e.g. delivered, queued, failed)
    receipt_status: Mapped[str | None] = mapped_column(String(32))
    receipt_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime)
    claimed_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    provider_ref: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    __table_args__ = (
        UniqueConstraint("idempotency_key", name="uq_outbox_messages_idempotency_key"),
        Index("ix_outbox_messages_due", "status", "priority", "id"),
        Index("ix_outbox_messages_provider_ref", "provider_ref"),
    )


class Challenge(Base):
    """A one-time-code verification holding a payment until the customer answers."""

    __tablename__ = "payment_challenges"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    txn_id: Mapped[str] = mapped_column(String(64), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    salt: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=5)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    status: Mapped[str] = mapped_column(String(12))  # pending | passed | failed | expired


class ExecutedPayment(Base):
    """A payment the channel executed, waiting for (or already in) the Parquet ledger."""

    __tablename__ = "executed_payments"

    txn_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    booked_at: Mapped[datetime] = mapped_column(UtcDateTime)
    row: Mapped[dict[str, object]] = mapped_column(JSON)
    flushed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)


class BlockedCounterparty(Base):
    """The internal blocklist: payments to these accounts are held for review."""

    __tablename__ = "blocked_counterparties"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    bank_id: Mapped[str] = mapped_column(String(32))
    account: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(String(255))
    added_by: Mapped[str] = mapped_column(String(64))
    added_at: Mapped[datetime] = mapped_column(UtcDateTime)

    __table_args__ = (
        UniqueConstraint("bank_id", "account", name="uq_blocked_counterparties_bank_account"),
    )


class CustomerContact(Base):
    """Where a customer receives notifications, and in which language."""

    __tablename__ = "customer_contacts"

    customer_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    phone: Mapped[str | None] = mapped_column(String(32))
    email: Mapped[str | None] = mapped_column(String(255))
    language: Mapped[str] = mapped_column(String(8), default="zh")


class AccountOpeningTask(Base):
    """A verification an account must pass before it can become active."""

    __tablename__ = "account_opening_tasks"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    account_id: Mapped[str] = mapped_column(String(64), index=True)
    #: representative_phone_verification | legal_representative_verification
    kind: Mapped[str] = mapped_column(String(48))
    subject: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(12))  # open | completed
    outcome: Mapped[str | None] = mapped_column(String(16))  # confirmed | refused
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    completed_by: Mapped[str | None] = mapped_column(String(64))
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    blocking: Mapped[bool] = mapped_column(Boolean, default=True)
