"""Complaint history imports: which external ids and customers exist, and bulk inserts."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from integrita.store.models import Complaint, Customer
from integrita.store.repositories.driver_sql import Batch, DriverStatement

#: Ids per IN (...) list: well under SQLite's and PostgreSQL's bound-parameter limits.
CHUNK = 900


def _chunks(values: Sequence[str]) -> Iterable[Sequence[str]]:
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


def existing_external_ids(session: Session, source: str, external_ids: Sequence[str]) -> set[str]:
    """The ids among ``external_ids`` already stored for ``source``."""
    found: set[str] = set()
    for chunk in _chunks(sorted(set(external_ids))):
        stmt = select(Complaint.external_id).where(
            Complaint.external_source == source, Complaint.external_id.in_(chunk)
        )
        found.update(str(v) for v in session.execute(stmt).scalars())
    return found


def existing_customers(session: Session, customer_ids: Sequence[str]) -> set[str]:
    found: set[str] = set()
    for chunk in _chunks(sorted(set(customer_ids))):
        stmt = select(Customer.customer_id).where(Customer.customer_id.in_(chunk))
        found.update(str(v) for v in session.execute(stmt).scalars())
    return found


#: Columns an import writes, in the order of the INSERT below.
_COLUMNS = (
    "customer_id", "product", "order_id", "channel", "category", "severity", "description",
    "attachments", "state", "validity", "department_id", "received_at", "received_month",
    "first_response_at", "first_response_due_at", "resolution_due_at", "resolved_at",
    "resolution_seconds", "first_response_breached", "resolution_breached", "qa_failures",
    "outcome", "reopen_count", "closed_at", "updated_at", "external_source", "external_id",
    "imported_at", "company_response", "public_response", "first_response_timely", "disputed",
)  # fmt: skip
_TIMESTAMP_COLUMNS = frozenset(
    {
        "received_at",
        "first_response_at",
        "first_response_due_at",
        "resolution_due_at",
        "resolved_at",
        "closed_at",
        "updated_at",
        "imported_at",
    }
)
_INSERT = DriverStatement(
    f"INSERT INTO care_complaints ({', '.join(_COLUMNS)}) VALUES "
    f"({', '.join('{json}' if c == 'attachments' else '%s' for c in _COLUMNS)})"
)


def insert_complaints(session: Session, rows: Sequence[dict[str, Any]]) -> list[tuple[int, str]]:
    """Insert imported complaints with one executemany on the driver (SQLAlchemy's per-row
    parameter processing would cost more than the database's work), values converted as
    SQLAlchemy converts them for these columns; then read their ids back by external id.
    Returns (id, external id) of each."""
    if not rows:
        return []
    batch = Batch(session)
    stamp = batch.timestamp
    converters: list[Any] = [
        (lambda v: None if v is None else stamp(v))
        if c in _TIMESTAMP_COLUMNS
        else batch.json
        if c == "attachments"
        else None
        for c in _COLUMNS
    ]
    values = [
        [v if convert is None else convert(v) for v, convert in zip(
            (row[c] for c in _COLUMNS), converters, strict=True
        )]
        for row in rows
    ]  # fmt: skip
    batch.write_many(_INSERT, values)
    source = rows[0]["external_source"]
    ids: dict[str, int] = {}
    for chunk in _chunks([str(r["external_id"]) for r in rows]):
        stmt = select(Complaint.external_id, Complaint.id).where(
            Complaint.external_source == source, Complaint.external_id.in_(chunk)
        )
        ids.update((str(e), int(i)) for e, i in session.execute(stmt).tuples())
    return [(ids[str(r["external_id"])], str(r["external_id"])) for r in rows]
