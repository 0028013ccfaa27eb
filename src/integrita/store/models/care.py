"""Customer care: departments, complaints and their clocks, orders, customer notes, surveys."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from integrita.store.models.base import Base, UtcDateTime, utcnow


class Department(Base):
    """A department complaints are routed to; its head receives escalations."""

    __tablename__ = "care_departments"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    head_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class RoutingRule(Base):
    """Complaints of ``category`` (and ``product``, when set) go to ``department_id``."""

    __tablename__ = "care_routing_rules"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    category: Mapped[str] = mapped_column(String(40))
    product: Mapped[str | None] = mapped_column(String(120))
    department_id: Mapped[int] = mapped_column(ForeignKey("care_departments.id"))

    __table_args__ = (UniqueConstraint("category", "product", name="uq_care_routing_rule"),)


_FIRST_OPEN = "first_response_at IS NULL AND state <> 'closed'"
_RESOLUTION_OPEN = "resolved_at IS NULL AND state <> 'closed'"


class Complaint(Base):
    __tablename__ = "care_complaints"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.customer_id"), index=True)
    product: Mapped[str | None] = mapped_column(String(120))
    order_id: Mapped[str | None] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(20))
    category: Mapped[str] = mapped_column(String(40))
    severity: Mapped[str] = mapped_column(String(16))
    description: Mapped[str] = mapped_column(Text)
    attachments: Mapped[list[Any]] = mapped_column(JSON, default=list)
    state: Mapped[str] = mapped_column(String(24))
    validity: Mapped[str | None] = mapped_column(String(16))
    invalid_reason: Mapped[str | None] = mapped_column(Text)
    duplicate_of_id: Mapped[int | None] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite")
    )
    department_id: Mapped[int | None] = mapped_column(ForeignKey("care_departments.id"), index=True)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)
    #: "YYYY-MM" of receipt, so monthly figures group the same way on every backend.
    received_month: Mapped[str] = mapped_column(String(7))
    first_response_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    first_response_due_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    resolution_due_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    #: Clock seconds from receipt to the customer being informed, pauses excluded.
    resolution_seconds: Mapped[float | None] = mapped_column(Float)
    paused_since: Mapped[datetime | None] = mapped_column(UtcDateTime)
    first_response_breached: Mapped[bool] = mapped_column(Boolean, default=False)
    resolution_breached: Mapped[bool] = mapped_column(Boolean, default=False)
    root_cause: Mapped[str | None] = mapped_column(Text)
    corrective_action: Mapped[str | None] = mapped_column(Text)
    preventive_action: Mapped[str | None] = mapped_column(Text)
    meeting_record: Mapped[str | None] = mapped_column(Text)
    qa_note: Mapped[str | None] = mapped_column(Text)
    qa_failures: Mapped[int] = mapped_column(Integer, default=0)
    outcome: Mapped[str | None] = mapped_column(Text)
    satisfaction: Mapped[int | None] = mapped_column(Integer)
    reopen_count: Mapped[int] = mapped_column(Integer, default=0)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    #: Where an imported complaint came from and its id there; (source, id) is unique, so a
    #: re-import of the same export stores nothing new.
    external_source: Mapped[str | None] = mapped_column(String(40))
    external_id: Mapped[str | None] = mapped_column(String(64))
    #: When the complaint came in by a historical import (None for complaints filed here):
    #: deadlines that passed before this instant are history, never escalated by the sweep.
    imported_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    #: The company's response as the source system recorded it ("Closed with explanation").
    company_response: Mapped[str | None] = mapped_column(String(120))
    public_response: Mapped[str | None] = mapped_column(Text)
    #: The source system's own verdict on the first response, when it kept no response instant.
    first_response_timely: Mapped[bool | None] = mapped_column(Boolean)
    #: The customer disputed the outcome (in the source system).
    disputed: Mapped[bool | None] = mapped_column(Boolean)

    __table_args__ = (
        Index("ix_care_complaints_state", "state", "department_id"),
        Index("uq_care_complaints_external", "external_source", "external_id", unique=True),
        Index("ix_care_complaints_month", "received_month", "department_id"),
        # The sweep looks only at deadlines still running: partial indexes keep that cheap.
        Index(
            "ix_care_complaints_first_due_open",
            "first_response_due_at",
            sqlite_where=text(_FIRST_OPEN),
            postgresql_where=text(_FIRST_OPEN),
        ),
        Index(
            "ix_care_complaints_resolution_due_open",
            "resolution_due_at",
            sqlite_where=text(_RESOLUTION_OPEN),
            postgresql_where=text(_RESOLUTION_OPEN),
        ),
    )


class ComplaintPause(Base):
    """The clock stands still from ``started_at`` until ``ended_at`` (waiting for the customer)."""

    __tablename__ = "care_complaint_pauses"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("care_complaints.id"), index=True)
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    reason: Mapped[str] = mapped_column(Text)


class Escalation(Base):
    """A breached deadline escalated to the responsible department's head (once per kind)."""

    __tablename__ = "care_escalations"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    #: No foreign keys on this table: the sweep writes escalations in bulk, straight from
    #: ``care_complaints`` in the same statement (complaints are never deleted).
    complaint_id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
    kind: Mapped[str] = mapped_column(String(20))
    #: How often the complaint had been reopened (a reopened complaint can breach again).
    round: Mapped[int] = mapped_column(Integer, default=0)
    #: Department and head at the moment of escalation (a snapshot, so no foreign keys: the
    #: sweep inserts these in bulk).
    department_id: Mapped[int | None] = mapped_column(Integer)
    head_user_id: Mapped[int | None] = mapped_column(Integer)
    escalated_at: Mapped[datetime] = mapped_column(UtcDateTime)

    __table_args__ = (UniqueConstraint("complaint_id", "kind", "round", name="uq_care_escalation"),)


class CustomerOrder(Base):
    __tablename__ = "care_orders"

    order_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.customer_id"), index=True)
    product: Mapped[str] = mapped_column(String(120))
    ordered_on: Mapped[date] = mapped_column(Date)
    quantity: Mapped[int] = mapped_column(Integer)
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    delivery_status: Mapped[str] = mapped_column(String(20), default="pending")
    delivered_on: Mapped[date | None] = mapped_column(Date)


class CustomerNote(Base):
    """A dated, authored entry on a customer record: a special requirement, a demand change
    or a quality objection."""

    __tablename__ = "care_customer_notes"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.customer_id"), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    text: Mapped[str] = mapped_column(Text)
    noted_on: Mapped[date] = mapped_column(Date)
    author: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Survey(Base):
    __tablename__ = "care_surveys"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200))
    #: [{key, label, group, weight}]
    dimensions: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    sample_fraction: Mapped[float] = mapped_column(Float)
    seed: Mapped[int] = mapped_column(BigInteger)
    #: internal (invitations through the outbox) or agency (results imported from CSV)
    mode: Mapped[str] = mapped_column(String(16))
    population: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_by: Mapped[str] = mapped_column(String(64))


class SurveyInvitation(Base):
    """A sampled customer; ``responded_at`` is set when their answers arrive."""

    __tablename__ = "care_survey_invitations"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("care_surveys.id"), index=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.customer_id"))
    stratum: Mapped[str] = mapped_column(String(40))
    invited_at: Mapped[datetime] = mapped_column(UtcDateTime)
    reminders: Mapped[int] = mapped_column(Integer, default=0)
    responded_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    __table_args__ = (
        UniqueConstraint("survey_id", "customer_id", name="uq_care_survey_invitation"),
    )


class SurveyMessage(Base):
    """An invitation or reminder: ``enqueued`` in the notification outbox, or ``no_contact``."""

    __tablename__ = "care_survey_messages"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("care_surveys.id"), index=True)
    customer_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    template: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(8))
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    idempotency_key: Mapped[str] = mapped_column(String(128), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="queued")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class SurveyAnswer(Base):
    __tablename__ = "care_survey_answers"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("care_surveys.id"), index=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.customer_id"), index=True)
    dimension: Mapped[str] = mapped_column(String(40))
    answer: Mapped[int] = mapped_column(Integer)
    answered_on: Mapped[date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(16))

    __table_args__ = (
        UniqueConstraint("survey_id", "customer_id", "dimension", name="uq_care_survey_answer"),
    )
