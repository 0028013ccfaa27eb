"""Screening: list snapshots and entities, matches and the good-guy list."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from integrita.store.models import (
    Customer,
    GoodGuyEntry,
    ScreeningEntity,
    ScreeningMatch,
    ScreeningSnapshot,
)

CHUNK = 900

# -- snapshots -------------------------------------------------------------------------------------


def next_version(session: Session, source: str) -> int:
    stmt = select(func.max(ScreeningSnapshot.version)).where(ScreeningSnapshot.source == source)
    return int(session.execute(stmt).scalar_one() or 0) + 1


def latest_applied(session: Session, source: str) -> ScreeningSnapshot | None:
    stmt = (
        select(ScreeningSnapshot)
        .where(ScreeningSnapshot.source == source, ScreeningSnapshot.status == "applied")
        .order_by(ScreeningSnapshot.version.desc())
        .limit(1)
    )
    return session.execute(stmt).scalar_one_or_none()


def applied_snapshots(session: Session) -> list[ScreeningSnapshot]:
    """The snapshot in force for each source."""
    stmt = select(ScreeningSnapshot).where(ScreeningSnapshot.status == "applied")
    return list(session.execute(stmt.order_by(ScreeningSnapshot.source)).scalars())


def snapshots(session: Session, source: str | None = None) -> list[ScreeningSnapshot]:
    stmt = select(ScreeningSnapshot).order_by(
        ScreeningSnapshot.source, ScreeningSnapshot.version.desc()
    )
    if source:
        stmt = stmt.where(ScreeningSnapshot.source == source)
    return list(session.execute(stmt).scalars())


def get_snapshot(
    session: Session, snapshot_id: int, *, lock: bool = False
) -> ScreeningSnapshot | None:
    stmt = select(ScreeningSnapshot).where(ScreeningSnapshot.id == snapshot_id)
    if lock:
        stmt = stmt.with_for_update()
    return session.execute(stmt).scalar_one_or_none()


def add_snapshot(session: Session, **fields: Any) -> ScreeningSnapshot:
    row = ScreeningSnapshot(**fields)
    session.add(row)
    session.flush()
    return row


def add_entities(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    for start in range(0, len(rows), CHUNK):
        session.execute(insert(ScreeningEntity), list(rows[start : start + CHUNK]))


def entity_hashes(session: Session, snapshot_id: int) -> dict[str, str]:
    stmt = select(ScreeningEntity.entity_id, ScreeningEntity.content_hash).where(
        ScreeningEntity.snapshot_id == snapshot_id
    )
    return {e: h for e, h in session.execute(stmt)}


def entity_payloads(
    session: Session, snapshot_id: int, entity_ids: Iterable[str] | None = None
) -> list[dict[str, Any]]:
    base = select(ScreeningEntity.payload).where(ScreeningEntity.snapshot_id == snapshot_id)
    if entity_ids is None:
        return [dict(p) for p in session.execute(base.order_by(ScreeningEntity.id)).scalars()]
    ids = sorted(set(entity_ids))
    found: list[dict[str, Any]] = []
    for start in range(0, len(ids), CHUNK):
        stmt = base.where(ScreeningEntity.entity_id.in_(ids[start : start + CHUNK]))
        found.extend(dict(p) for p in session.execute(stmt).scalars())
    return found


# -- customers as screening subjects ---------------------------------------------------------------

CUSTOMER_FIELDS = (
    Customer.customer_id,
    Customer.customer_type,
    Customer.name,
    Customer.id_document_type,
    Customer.id_number,
    Customer.birth_or_registration_date,
    Customer.nationality,
    Customer.residence_country,
)


def customers(session: Session, customer_ids: Iterable[str]) -> list[Any]:
    ids = sorted(set(customer_ids))
    rows: list[Any] = []
    for start in range(0, len(ids), CHUNK):
        stmt = select(*CUSTOMER_FIELDS).where(Customer.customer_id.in_(ids[start : start + CHUNK]))
        rows.extend(session.execute(stmt))
    return rows


def all_customers(session: Session, batch: int = 5_000) -> Iterator[list[Any]]:
    """The whole book in batches, ordered by customer id."""
    stmt = select(*CUSTOMER_FIELDS).order_by(Customer.customer_id)
    result = session.execute(stmt.execution_options(yield_per=batch))
    for part in result.partitions(batch):
        yield list(part)


def customer_ids(session: Session) -> list[str]:
    return list(session.execute(select(Customer.customer_id)).scalars())


def customer_count(session: Session) -> int:
    return int(session.execute(select(func.count()).select_from(Customer)).scalar_one())


# -- matches ---------------------------------------------------------------------------------------


def known_match_ids(
    session: Session, keys: Sequence[tuple[str, str, str, str, str]]
) -> set[tuple[str, str, str, str, str]]:
    """Which (subject_ref, source, entity_id, subject_hash, entity_hash) already have a match."""
    refs = sorted({k[0] for k in keys})
    found: set[tuple[str, str, str, str, str]] = set()
    for start in range(0, len(refs), CHUNK):
        stmt = select(
            ScreeningMatch.subject_ref,
            ScreeningMatch.source,
            ScreeningMatch.entity_id,
            ScreeningMatch.subject_hash,
            ScreeningMatch.entity_hash,
        ).where(ScreeningMatch.subject_ref.in_(refs[start : start + CHUNK]))
        found.update((r[0], r[1], r[2], r[3], r[4]) for r in session.execute(stmt))
    return found


def add_match(session: Session, **fields: Any) -> ScreeningMatch:
    row = ScreeningMatch(**fields)
    session.add(row)
    session.flush()
    return row


def get_match(session: Session, match_id: int, *, lock: bool = False) -> ScreeningMatch | None:
    stmt = select(ScreeningMatch).where(ScreeningMatch.id == match_id)
    if lock:
        stmt = stmt.with_for_update()
    return session.execute(stmt).scalar_one_or_none()


def matches(
    session: Session, state: str | None = None, subject_ref: str | None = None, limit: int = 200
) -> list[ScreeningMatch]:
    stmt = select(ScreeningMatch).order_by(ScreeningMatch.id.desc()).limit(limit)
    if state:
        stmt = stmt.where(ScreeningMatch.state == state)
    if subject_ref:
        stmt = stmt.where(ScreeningMatch.subject_ref == subject_ref)
    return list(session.execute(stmt).scalars())


# -- good-guy list ---------------------------------------------------------------------------------


def add_good_guy(session: Session, **fields: Any) -> GoodGuyEntry:
    row = GoodGuyEntry(**fields)
    session.add(row)
    session.flush()
    return row


def get_good_guy(session: Session, entry_id: int, *, lock: bool = False) -> GoodGuyEntry | None:
    stmt = select(GoodGuyEntry).where(GoodGuyEntry.id == entry_id)
    if lock:
        stmt = stmt.with_for_update()
    return session.execute(stmt).scalar_one_or_none()


def good_guys(
    session: Session, customer_ids: Iterable[str], state: str = "active"
) -> list[GoodGuyEntry]:
    ids = sorted(set(customer_ids))
    rows: list[GoodGuyEntry] = []
    for start in range(0, len(ids), CHUNK):
        stmt = select(GoodGuyEntry).where(
            GoodGuyEntry.customer_id.in_(ids[start : start + CHUNK]), GoodGuyEntry.state == state
        )
        rows.extend(session.execute(stmt).scalars())
    return rows


def pending_good_guy(
    session: Session, customer_id: str, source: str, entity_id: str
) -> GoodGuyEntry | None:
    stmt = select(GoodGuyEntry).where(
        GoodGuyEntry.customer_id == customer_id,
        GoodGuyEntry.source == source,
        GoodGuyEntry.entity_id == entity_id,
        GoodGuyEntry.state == "proposed",
    )
    return session.execute(stmt.limit(1)).scalar_one_or_none()


def all_good_guys(session: Session, limit: int = 500) -> list[GoodGuyEntry]:
    stmt = select(GoodGuyEntry).order_by(GoodGuyEntry.id.desc()).limit(limit)
    return list(session.execute(stmt).scalars())
