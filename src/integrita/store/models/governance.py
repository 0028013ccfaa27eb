"""The governance and integrity registers: one table of records (typed by their register's
fields, held as JSON), the CSV imports and their quarantined rows."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from integrita.store.models.base import Base, UtcDateTime, utcnow


class GovernanceRecord(Base):
    """One record of one register; its state moves only through the register's workflow."""

    __tablename__ = "governance_records"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    register: Mapped[str] = mapped_column(String(40))
    #: The natural key as text, and its digest (what the uniqueness is checked on).
    reference: Mapped[str] = mapped_column(Text)
    reference_hash: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(32))
    version: Mapped[int] = mapped_column(Integer, default=1)
    fields: Mapped[dict[str, object]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    demo: Mapped[bool] = mapped_column(Boolean, default=False)

    __table_args__ = (
        UniqueConstraint("register", "reference_hash", name="uq_governance_records_register"),
        Index("ix_governance_records_register_state", "register", "state"),
    )


class GovernanceImport(Base):
    """One CSV file imported into a register, with its reconciliation."""

    __tablename__ = "governance_imports"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    register: Mapped[str] = mapped_column(String(40), index=True)
    file_name: Mapped[str] = mapped_column(String(255))
    file_sha256: Mapped[str] = mapped_column(String(64))
    rows_read: Mapped[int] = mapped_column(Integer)
    stored: Mapped[int] = mapped_column(Integer)
    duplicates: Mapped[int] = mapped_column(Integer)
    quarantined: Mapped[int] = mapped_column(Integer)
    imported_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    imported_by: Mapped[str] = mapped_column(String(64))


class GovernanceQuarantinedRow(Base):
    """A CSV row an import refused: its line, why, and the row as it was read."""

    __tablename__ = "governance_quarantine"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    import_id: Mapped[int] = mapped_column(Integer, index=True)
    line: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text)
    raw: Mapped[dict[str, object]] = mapped_column(JSON)
