"""Customers, their accounts, and the counterparties they pay."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from integrita.store.models.base import Base, UtcDateTime, utcnow


class Customer(Base):
    """A person or an organisation the bank serves."""

    __tablename__ = "customers"

    customer_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    customer_type: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(255))
    id_document_type: Mapped[str] = mapped_column(String(40))
    id_number: Mapped[str] = mapped_column(String(64))
    birth_or_registration_date: Mapped[date | None] = mapped_column(Date)
    nationality: Mapped[str | None] = mapped_column(String(2))
    residence_country: Mapped[str | None] = mapped_column(String(2))
    occupation_or_industry: Mapped[str | None] = mapped_column(String(120))
    onboarding_channel: Mapped[str] = mapped_column(String(20), default="branch")
    legal_representative: Mapped[str | None] = mapped_column(String(255))
    pep: Mapped[bool] = mapped_column(Boolean, default=False)
    segment: Mapped[str] = mapped_column(String(32), default="retail")
    onboarded_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)

    accounts: Mapped[list[Account]] = relationship(back_populates="owner")

    __table_args__ = (Index("ix_customers_id_number", "id_document_type", "id_number"),)


class Account(Base):
    """An account at this bank, owned by one customer."""

    __tablename__ = "accounts"

    account_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    bank_id: Mapped[str] = mapped_column(String(32))
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.customer_id"), index=True)
    account_type: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(32), default="active")
    branch: Mapped[str | None] = mapped_column(String(64))
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    opened_on: Mapped[date] = mapped_column(Date)
    closed_on: Mapped[date | None] = mapped_column(Date)

    owner: Mapped[Customer] = relationship(back_populates="accounts")


class Counterparty(Base):
    """An account at another bank (or outside the book) that customers send money to or receive from."""

    __tablename__ = "counterparties"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    bank_id: Mapped[str] = mapped_column(String(32))
    account: Mapped[str] = mapped_column(String(64))
    name: Mapped[str | None] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(20), default="unknown")
    country: Mapped[str | None] = mapped_column(String(2))
    first_seen: Mapped[datetime | None] = mapped_column(UtcDateTime)

    __table_args__ = (
        UniqueConstraint("bank_id", "account", name="uq_counterparties_bank_account"),
    )
