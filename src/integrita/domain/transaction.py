"""The one canonical transaction schema shared by ingest, the ledger, detection and the real-time engine."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class Channel(StrEnum):
    """Where the customer initiated the transaction."""

    ONLINE = "online"
    MOBILE = "mobile"
    COUNTER = "counter"
    SMART_COUNTER = "smart_counter"
    ATM = "atm"
    API = "api"
    POS = "pos"
    OTHER = "other"


class TransactionKind(StrEnum):
    """What the transaction does economically."""

    TRANSFER = "transfer"
    CASH_DEPOSIT = "cash_deposit"
    CASH_WITHDRAWAL = "cash_withdrawal"
    PURCHASE = "purchase"
    REDEMPTION = "redemption"
    CANCELLATION = "cancellation"
    SALARY = "salary"
    BILL_PAYMENT = "bill_payment"
    CARD_PAYMENT = "card_payment"


CASH_KINDS = frozenset({TransactionKind.CASH_DEPOSIT, TransactionKind.CASH_WITHDRAWAL})


class CounterpartyType(StrEnum):
    """Whose account is on the other side."""

    OWN_ACCOUNT = "own_account"
    THIRD_PARTY_PERSONAL = "third_party_personal"
    THIRD_PARTY_CORPORATE = "third_party_corporate"
    UNKNOWN = "unknown"


class PaymentFormat(StrEnum):
    """Payment instrument, using AMLworld's vocabulary plus domestic ones."""

    ACH = "ACH"
    BITCOIN = "Bitcoin"
    CASH = "Cash"
    CHEQUE = "Cheque"
    CREDIT_CARD = "Credit Card"
    REINVESTMENT = "Reinvestment"
    WIRE = "Wire"
    CNAPS = "CNAPS"
    UNIONPAY = "UnionPay"
    INTERNAL = "Internal"


@dataclass(frozen=True, slots=True)
class LedgerColumn:
    """One column of the canonical schema: name, logical type and meaning."""

    name: str
    logical_type: str  # "string", "timestamp", "int64", "bool"
    required: bool
    meaning: str


LEDGER_COLUMNS: tuple[LedgerColumn, ...] = (
    LedgerColumn(
        "txn_id", "string", True, "Unique, stable transaction id (derived for AMLworld files)"
    ),
    LedgerColumn("booked_at", "timestamp", True, "Booking time, UTC"),
    LedgerColumn("channel", "string", True, "Channel the customer used (Channel)"),
    LedgerColumn("kind", "string", True, "Economic kind (TransactionKind)"),
    LedgerColumn("from_bank", "string", True, "Sending bank id"),
    LedgerColumn("from_account", "string", True, "Sending account"),
    LedgerColumn("to_bank", "string", True, "Receiving bank id"),
    LedgerColumn("to_account", "string", True, "Receiving account"),
    LedgerColumn("amount_paid_minor", "int64", True, "Amount paid, integer minor units"),
    LedgerColumn("paid_currency", "string", True, "ISO 4217 code of the amount paid"),
    LedgerColumn("amount_received_minor", "int64", True, "Amount received, integer minor units"),
    LedgerColumn("received_currency", "string", True, "ISO 4217 code of the amount received"),
    LedgerColumn("payment_format", "string", True, "Instrument (PaymentFormat)"),
    LedgerColumn(
        "counterparty_type", "string", True, "Own account / third-party personal / corporate"
    ),
    LedgerColumn("cross_border", "bool", True, "True when the two countries differ"),
    LedgerColumn("from_country", "string", False, "ISO 3166 alpha-2 country of the sender"),
    LedgerColumn("to_country", "string", False, "ISO 3166 alpha-2 country of the receiver"),
    LedgerColumn("purpose", "string", False, "Free-text purpose"),
)
LEDGER_COLUMN_NAMES: tuple[str, ...] = tuple(c.name for c in LEDGER_COLUMNS)

#: The AMLworld CSV header, in file order (the two "Account" columns are positional).
AMLWORLD_HEADER: tuple[str, ...] = (
    "Timestamp",
    "From Bank",
    "Account",
    "To Bank",
    "Account",
    "Amount Received",
    "Receiving Currency",
    "Amount Paid",
    "Payment Currency",
    "Payment Format",
    "Is Laundering",
)


@dataclass(frozen=True, slots=True)
class Transaction:
    """One ledger row as a Python object (for the real-time engine and tests)."""

    txn_id: str
    booked_at: datetime
    channel: str
    kind: str
    from_bank: str
    from_account: str
    to_bank: str
    to_account: str
    amount_paid_minor: int
    paid_currency: str
    amount_received_minor: int
    received_currency: str
    payment_format: str
    counterparty_type: str
    cross_border: bool
    from_country: str | None = None
    to_country: str | None = None
    purpose: str | None = None
