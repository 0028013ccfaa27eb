"""Loading customers and accounts from CSV into the operational store (upsert on natural keys)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from integrita.analytics.sources import BadRow, ReadState, csv_header, read_csv_text
from integrita.domain.customer import (
    AccountStatus,
    AccountType,
    CustomerType,
    IdDocumentType,
    OnboardingChannel,
    Segment,
)
from integrita.errors import InputError
from integrita.services.core.context import Context
from integrita.services.core.sanctions import screen_new_or_changed_customers
from integrita.store.repositories import customers as customers_repo

CUSTOMER_COLUMNS = (
    "customer_id",
    "customer_type",
    "name",
    "id_document_type",
    "id_number",
    "birth_or_registration_date",
    "nationality",
    "residence_country",
    "occupation_or_industry",
    "onboarding_channel",
    "legal_representative",
    "pep",
    "segment",
    "onboarded_at",
)
ACCOUNT_COLUMNS = (
    "account_id",
    "bank_id",
    "customer_id",
    "account_type",
    "status",
    "branch",
    "currency",
    "opened_on",
    "closed_on",
)
CHUNK = 5000


class RowError(ValueError):
    """One field of one row is wrong; the message names the field."""


def _text(
    row: dict[str, Any], name: str, *, required: bool = True, max_len: int = 255
) -> str | None:
    value = (row.get(name) or "").strip()
    if not value:
        if required:
            raise RowError(f"missing {name}")
        return None
    if len(value) > max_len:
        raise RowError(f"{name} longer than {max_len} characters")
    return value


def _enum(row: dict[str, Any], name: str, enum: type[StrEnum], default: str | None = None) -> str:
    value = (row.get(name) or "").strip().lower() or default
    if value is None:
        raise RowError(f"missing {name}")
    try:
        return enum(value).value
    except ValueError as exc:
        raise RowError(f"unknown {name} {value!r}") from exc


def _date(row: dict[str, Any], name: str, *, required: bool = False) -> date | None:
    value = (row.get(name) or "").strip()
    if not value:
        if required:
            raise RowError(f"missing {name}")
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise RowError(f"unparseable date {name}={value!r}") from exc


def _timestamp(row: dict[str, Any], name: str) -> datetime | None:
    value = (row.get(name) or "").strip()
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise RowError(f"unparseable date {name}={value!r}") from exc
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _country(row: dict[str, Any], name: str) -> str | None:
    value = (row.get(name) or "").strip().upper()
    if value and (len(value) != 2 or not value.isalpha()):
        raise RowError(f"{name} must be an ISO 3166 alpha-2 code, not {value!r}")
    return value or None


def _bool(row: dict[str, Any], name: str) -> bool:
    value = (row.get(name) or "false").strip().lower()
    if value not in {"true", "false", "1", "0", "yes", "no"}:
        raise RowError(f"{name} must be true or false, not {value!r}")
    return value in {"true", "1", "yes"}


def customer_record(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "customer_id": _text(row, "customer_id", max_len=64),
        "customer_type": _enum(row, "customer_type", CustomerType),
        "name": _text(row, "name"),
        "id_document_type": _enum(row, "id_document_type", IdDocumentType),
        "id_number": _text(row, "id_number", max_len=64),
        "birth_or_registration_date": _date(row, "birth_or_registration_date"),
        "nationality": _country(row, "nationality"),
        "residence_country": _country(row, "residence_country"),
        "occupation_or_industry": _text(row, "occupation_or_industry", required=False, max_len=120),
        "onboarding_channel": _enum(row, "onboarding_channel", OnboardingChannel, "branch"),
        "legal_representative": _text(row, "legal_representative", required=False),
        "pep": _bool(row, "pep"),
        "segment": _enum(row, "segment", Segment, "retail"),
        "onboarded_at": _timestamp(row, "onboarded_at"),
    }


def account_record(row: dict[str, Any]) -> dict[str, Any]:
    currency = (row.get("currency") or "CNY").strip().upper()
    if len(currency) != 3:
        raise RowError(f"unknown currency {currency!r}")
    return {
        "account_id": _text(row, "account_id", max_len=64),
        "bank_id": _text(row, "bank_id", max_len=32),
        "customer_id": _text(row, "customer_id", max_len=64),
        "account_type": _enum(row, "account_type", AccountType),
        "status": _enum(row, "status", AccountStatus, "active"),
        "branch": _text(row, "branch", required=False, max_len=64),
        "currency": currency,
        "opened_on": _date(row, "opened_on", required=True),
        "closed_on": _date(row, "closed_on"),
    }


def _load(
    ctx: Context,
    path: Path,
    required: tuple[str, ...],
    to_record: Callable[[dict[str, Any]], dict[str, Any]],
    write: Callable[[Any, list[dict[str, Any]]], None],
    on_bad: Callable[[list[BadRow]], None],
    known_customers: bool = False,
) -> tuple[int, int]:
    header = csv_header(path)
    missing = [c for c in required if c not in header]
    if missing:
        raise InputError(f"{path}: missing column(s) {', '.join(missing)}", field="header")
    state = ReadState()
    read = stored = 0
    for batch in read_csv_text(path, header, state):
        good: list[tuple[BadRow, dict[str, Any]]] = []
        bad: list[BadRow] = []
        for row in batch.table.to_pylist():
            read += 1
            where = BadRow(int(row["line"]), "", ",".join(str(row.get(c) or "") for c in header))
            try:
                good.append((where, to_record(row)))
            except RowError as exc:
                where.reason = str(exc)
                bad.append(where)
        if known_customers and good:
            with ctx.db.transaction() as session:
                owners = {r["customer_id"] for _, r in good}
                known = {c for c in owners if customers_repo.get_customer(session, c) is not None}
            for where, record in good:
                if record["customer_id"] not in known:
                    where.reason = f"unknown customer {record['customer_id']}"
                    bad.append(where)
            good = [(w, r) for w, r in good if r["customer_id"] in known]
        records = [r for _, r in good]
        for start in range(0, len(records), CHUNK):
            with ctx.db.transaction() as session:
                write(session, records[start : start + CHUNK])
        stored += len(records)
        bad.extend(state.bad_rows)
        read += len(state.bad_rows)
        state.bad_rows = []
        if bad:
            on_bad(bad)
    if state.bad_rows:
        read += len(state.bad_rows)
        on_bad(state.bad_rows)
    return read, stored


def load_customers(
    ctx: Context, path: Path, on_bad: Callable[[list[BadRow]], None]
) -> tuple[int, int]:
    """Upsert customers from CSV; returns (rows read, rows stored). Every customer the file
    adds, or changes in a field screening reads, is then screened against the lists in force
    (matches become alerts in case work)."""
    touched: list[str] = []

    def write(session: Any, rows: list[dict[str, Any]]) -> None:
        touched.extend(customers_repo.new_or_changed(session, rows))
        customers_repo.upsert_customers(session, rows)

    read, stored = _load(
        ctx,
        path,
        ("customer_id", "customer_type", "name", "id_document_type", "id_number"),
        customer_record,
        write,
        on_bad,
    )
    screen_new_or_changed_customers(ctx, touched, trigger="onboarding", by=f"ingest:{path.name}")
    return read, stored


def load_accounts(
    ctx: Context, path: Path, on_bad: Callable[[list[BadRow]], None]
) -> tuple[int, int]:
    """Upsert accounts from CSV (their owners must already be loaded); returns (rows read, rows stored)."""
    return _load(
        ctx,
        path,
        ("account_id", "bank_id", "customer_id", "account_type", "opened_on"),
        account_record,
        customers_repo.upsert_accounts,
        on_bad,
        known_customers=True,
    )
