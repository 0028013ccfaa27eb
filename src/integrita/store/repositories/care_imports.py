"""Complaint history imports: which external ids and customers exist, and bulk inserts."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from integrita.store.models import Complaint, Customer

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


def insert_complaints(session: Session, rows: Sequence[dict[str, Any]]) -> list[tuple[int, str]]:
    """Insert complaints in one batched statement; returns (id, external id) of each."""
    if not rows:
        return []
    stmt = insert(Complaint).returning(
        Complaint.id, Complaint.external_id, sort_by_parameter_order=True
    )
    return [(int(i), str(e)) for i, e in session.execute(stmt, list(rows)).tuples()]
