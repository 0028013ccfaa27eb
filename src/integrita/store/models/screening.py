"""Sanctions and PEP screening: list snapshots and their entities, matches, the good-guy list."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Float, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from integrita.store.models.base import Base, UtcDateTime, utcnow


class ScreeningSnapshot(Base):
    """One imported version of one list; ``held`` when it dropped too many entities."""

    __tablename__ = "screening_snapshots"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(String(32), index=True)
    version: Mapped[int] = mapped_column(Integer)
    file_name: Mapped[str] = mapped_column(String(255))
    file_sha256: Mapped[str] = mapped_column(String(64))
    imported_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    imported_by: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))  # applied | held | superseded | rejected
    entity_count: Mapped[int] = mapped_column(Integer)
    added: Mapped[int] = mapped_column(Integer, default=0)
    removed: Mapped[int] = mapped_column(Integer, default=0)
    changed: Mapped[int] = mapped_column(Integer, default=0)
    previous_id: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (UniqueConstraint("source", "version", name="uq_screening_snapshots_source"),)


class ScreeningEntity(Base):
    """A list entity as one snapshot holds it (names, dates, identifiers as JSON)."""

    __tablename__ = "screening_entities"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    snapshot_id: Mapped[int] = mapped_column(Integer)
    entity_id: Mapped[str] = mapped_column(String(128))
    content_hash: Mapped[str] = mapped_column(String(32))
    schema: Mapped[str] = mapped_column(String(32))
    caption: Mapped[str] = mapped_column(String(512))
    payload: Mapped[dict[str, object]] = mapped_column(JSON)

    __table_args__ = (
        UniqueConstraint("snapshot_id", "entity_id", name="uq_screening_entities_snapshot_id"),
    )


class ScreeningMatch(Base):
    """A subject (customer, counterparty) over the threshold against a list entity."""

    __tablename__ = "screening_matches"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    subject_kind: Mapped[str] = mapped_column(String(16))  # customer | counterparty
    subject_ref: Mapped[str] = mapped_column(String(128), index=True)
    subject: Mapped[dict[str, object]] = mapped_column(JSON)
    subject_hash: Mapped[str] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[str] = mapped_column(String(128))
    entity_hash: Mapped[str] = mapped_column(String(32))
    snapshot_id: Mapped[int] = mapped_column(Integer)
    score: Mapped[float] = mapped_column(Float)
    features: Mapped[list[dict[str, object]]] = mapped_column(JSON)
    trigger: Mapped[str] = mapped_column(
        String(16)
    )  # onboarding | change | batch | delta | payment
    state: Mapped[str] = mapped_column(String(32), default="open")
    version: Mapped[int] = mapped_column(Integer, default=1)
    alert_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    __table_args__ = (
        UniqueConstraint(
            "subject_ref",
            "source",
            "entity_id",
            "subject_hash",
            "entity_hash",
            name="uq_screening_matches_pair",
        ),
        Index("ix_screening_matches_state", "state"),
    )


class GoodGuyEntry(Base):
    """A confirmed false positive: this customer is not this entity, until either changes."""

    __tablename__ = "screening_good_guys"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    customer_id: Mapped[str] = mapped_column(String(128), index=True)
    source: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[str] = mapped_column(String(128))
    customer_hash: Mapped[str] = mapped_column(String(32))
    entity_hash: Mapped[str] = mapped_column(String(32))
    match_id: Mapped[int | None] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(16))  # proposed | active | rejected
    reason: Mapped[str] = mapped_column(Text)
    proposed_by: Mapped[str] = mapped_column(String(64))
    proposed_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
