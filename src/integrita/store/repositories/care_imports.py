"""Complaint history imports: which external ids and customers exist, and bulk inserts."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, cast

from sqlalchemy import Table, insert, select
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
    """Insert imported complaints in one executemany (no per-row round trip), then read their
    ids back by external id; returns (id, external id) of each."""
    if not rows:
        return []
    session.execute(insert(cast(Table, Complaint.__table__)), list(rows))
    source = rows[0]["external_source"]
    ids: dict[str, int] = {}
    for chunk in _chunks([str(r["external_id"]) for r in rows]):
        stmt = select(Complaint.external_id, Complaint.id).where(
            Complaint.external_source == source, Complaint.external_id.in_(chunk)
        )
        ids.update((str(e), int(i)) for e, i in session.execute(stmt).tuples())
    return [(ids[str(r["external_id"])], str(r["external_id"])) for r in rows]
