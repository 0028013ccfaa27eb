"""Money-laundering risk management: customer ratings, self-assessments and AML product reviews."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from integrita.store.models.base import Base, UtcDateTime, utcnow


class RiskConfiguration(Base):
    """One version of the rating configuration (weights, bands, country lists, review cycles)."""

    __tablename__ = "risk_configurations"

    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    body: Mapped[dict[str, object]] = mapped_column(JSON)
    note: Mapped[str] = mapped_column(String(255), default="")
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class RiskRatingRun(Base):
    """One rating run (whole book or incremental), the watermark for the next incremental run."""

    __tablename__ = "risk_rating_runs"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))  # full | incremental | single
    config_version: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    customers: Mapped[int] = mapped_column(Integer, default=0)
    actor: Mapped[str] = mapped_column(String(64))


class RiskRating(Base):
    """A computed rating: score, band, each factor's contribution and the configuration version.

    ``contributions`` is a list aligned with the factor order of ``config_version``
    (the configuration body lists the factors), which keeps a million ratings compact.
    """

    __tablename__ = "risk_ratings"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    customer_id: Mapped[str] = mapped_column(String(64))
    run_id: Mapped[int] = mapped_column(Integer)
    rated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    score: Mapped[float] = mapped_column(Float)
    band: Mapped[str] = mapped_column(String(16))
    contributions: Mapped[list[float]] = mapped_column(JSON)
    config_version: Mapped[int] = mapped_column(Integer)
    trigger: Mapped[str] = mapped_column(String(32))  # full | onboarding | event | periodic

    __table_args__ = (Index("ix_risk_ratings_customer_run", "customer_id", "run_id"),)


class CustomerRiskStatus(Base):
    """The customer's current rating and review clock (one row per rated customer)."""

    __tablename__ = "customer_risk_status"

    customer_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    run_id: Mapped[int] = mapped_column(Integer)
    score: Mapped[float] = mapped_column(Float)
    band: Mapped[str] = mapped_column(String(16), index=True)
    config_version: Mapped[int] = mapped_column(Integer)
    rated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    next_review_due: Mapped[date] = mapped_column(Date, index=True)
    override_id: Mapped[int | None] = mapped_column(Integer)
    override_band: Mapped[str | None] = mapped_column(String(16))


class RiskEvent(Base):
    """Something that makes a customer's rating stale: an alert, an STR, a large-value record, a data change."""

    __tablename__ = "risk_events"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    customer_id: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime)
    reference: Mapped[str] = mapped_column(String(128))
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    #: The rating run that took this event into account; NULL while the customer awaits re-rating.
    run_id: Mapped[int | None] = mapped_column(Integer)

    __table_args__ = (
        UniqueConstraint("customer_id", "kind", "reference", name="uq_risk_events_natural"),
        Index("ix_risk_events_pending", "run_id"),
    )


class RiskOverride(Base):
    """A manual change of a customer's band: requested with a reason, approved by a second person."""

    __tablename__ = "risk_overrides"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    customer_id: Mapped[str] = mapped_column(String(64), index=True)
    run_id: Mapped[int] = mapped_column(Integer)
    from_band: Mapped[str] = mapped_column(String(16))
    to_band: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text)
    requested_by: Mapped[str] = mapped_column(String(64))
    requested_at: Mapped[datetime] = mapped_column(UtcDateTime)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending|approved|rejected
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    decision_note: Mapped[str | None] = mapped_column(Text)


class RiskSelfAssessment(Base):
    """One version of the institution's annual money-laundering risk self-assessment."""

    __tablename__ = "risk_self_assessments"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    year: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))  # draft | reviewed | signed | superseded
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    drafted_by: Mapped[str] = mapped_column(String(64))
    drafted_at: Mapped[datetime] = mapped_column(UtcDateTime)
    reviewed_by: Mapped[str | None] = mapped_column(String(64))
    reviewed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    signed_by: Mapped[str | None] = mapped_column(String(64))
    signed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    __table_args__ = (
        UniqueConstraint("year", "version", name="uq_risk_self_assessments_year_version"),
    )


class ProductReview(Base):
    """An AML review of a new product, business or channel before it launches."""

    __tablename__ = "product_reviews"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    reference: Mapped[str] = mapped_column(String(32), unique=True)
    kind: Mapped[str] = mapped_column(String(16))  # product | business | channel
    title: Mapped[str] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(Text)
    target_customers: Mapped[str] = mapped_column(Text)
    channels: Mapped[str] = mapped_column(Text)
    cross_border: Mapped[bool] = mapped_column(Boolean)
    cash: Mapped[bool] = mapped_column(Boolean)
    third_party_payments: Mapped[bool] = mapped_column(Boolean)
    submitted_by: Mapped[str] = mapped_column(String(64))
    submitted_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    status: Mapped[str] = mapped_column(String(32), default="submitted")
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    decision_note: Mapped[str | None] = mapped_column(Text)
    launched_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    demo: Mapped[bool] = mapped_column(Boolean, default=False)


class ProductReviewOpinion(Base):
    """A compliance reviewer's opinion on a product review, possibly requiring a control."""

    __tablename__ = "product_review_opinions"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("product_reviews.id"), index=True)
    reviewer: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    required_control: Mapped[str | None] = mapped_column(Text)
    due_on: Mapped[date | None] = mapped_column(Date)
    resolved: Mapped[bool] = mapped_column(Boolean, default=False)
    resolved_by: Mapped[str | None] = mapped_column(String(64))
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    resolution_note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
