"""Append to and read the hash-chained audit trail."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import orjson
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from integrita.store.models import AuditChainHead, AuditEvent

GENESIS_HASH = "0" * 64


def canonical_json(value: object) -> str | None:
    """Stable JSON (sorted keys) so the same content always hashes the same."""
    if value is None:
        return None
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS, default=str).decode()


def event_hash(
    prev_hash: str,
    seq: int,
    occurred_at: datetime,
    actor: str,
    action: str,
    entity_type: str,
    entity_id: str,
    before: str | None,
    after: str | None,
) -> str:
    """SHA-256 over the previous hash and every field of the event."""
    material = "\x1f".join(
        [
            prev_hash,
            str(seq),
            occurred_at.isoformat(timespec="microseconds"),
            actor,
            action,
            entity_type,
            entity_id,
            before if before is not None else "\x00",
            after if after is not None else "\x00",
        ]
    )
    return hashlib.sha256(material.encode()).hexdigest()


def append_event(
    session: Session,
    *,
    occurred_at: datetime,
    actor: str,
    action: str,
    entity_type: str,
    entity_id: str,
    before: object = None,
    after: object = None,
) -> AuditEvent:
    """Append one event inside the caller's transaction; the chain head row is locked meanwhile."""
    head = session.execute(
        select(AuditChainHead).where(AuditChainHead.id == 1).with_for_update()
    ).scalar_one_or_none()
    if head is None:
        head = AuditChainHead(id=1, last_seq=0, last_hash=GENESIS_HASH)
        session.add(head)
        session.flush()
    seq = head.last_seq + 1
    occurred_at = occurred_at.astimezone(UTC)
    before_json, after_json = canonical_json(before), canonical_json(after)
    digest = event_hash(
        head.last_hash,
        seq,
        occurred_at,
        actor,
        action,
        entity_type,
        entity_id,
        before_json,
        after_json,
    )
    event = AuditEvent(
        seq=seq,
        occurred_at=occurred_at,
        actor=actor,
        action=action,
        entity_type=entity_type,
        entity_id=entity_id,
        before=before_json,
        after=after_json,
        prev_hash=head.last_hash,
        hash=digest,
    )
    session.add(event)
    head.last_seq = seq
    head.last_hash = digest
    session.flush()
    return event


@dataclass(frozen=True, slots=True)
class ChainBreak:
    """The first event whose stored hashes do not match a recomputation."""

    seq: int
    reason: str


def iter_events(session: Session, *, batch: int = 5000) -> Iterator[AuditEvent]:
    last = 0
    while True:
        rows = (
            session.execute(
                select(AuditEvent)
                .where(AuditEvent.seq > last)
                .order_by(AuditEvent.seq)
                .limit(batch)
            )
            .scalars()
            .all()
        )
        if not rows:
            return
        yield from rows
        last = rows[-1].seq
        session.expunge_all()


def verify_chain(session: Session) -> tuple[int, ChainBreak | None]:
    """Recompute every hash in order; return (events checked, first break or None)."""
    expected_prev = GENESIS_HASH
    expected_seq = 1
    checked = 0
    for event in iter_events(session):
        if event.seq != expected_seq:
            return checked, ChainBreak(
                expected_seq, f"event {expected_seq} is missing (next stored is {event.seq})"
            )
        if event.prev_hash != expected_prev:
            return checked, ChainBreak(
                event.seq, "previous-hash link does not match the event before it"
            )
        recomputed = event_hash(
            event.prev_hash,
            event.seq,
            event.occurred_at,
            event.actor,
            event.action,
            event.entity_type,
            event.entity_id,
            event.before,
            event.after,
        )
        if recomputed != event.hash:
            return checked, ChainBreak(
                event.seq, "content does not match its stored hash (edited after writing)"
            )
        expected_prev = event.hash
        expected_seq += 1
        checked += 1
    head = session.get(AuditChainHead, 1)
    if head is not None and (head.last_seq != checked or head.last_hash != expected_prev):
        return checked, ChainBreak(
            checked + 1, "events after this one were deleted (chain head is further on)"
        )
    return checked, None


def events_for(session: Session, entity_type: str, entity_id: str) -> list[AuditEvent]:
    stmt = select(AuditEvent).where(
        AuditEvent.entity_type == entity_type, AuditEvent.entity_id == entity_id
    )
    return list(session.execute(stmt.order_by(AuditEvent.seq)).scalars())


def count_events(session: Session) -> int:
    return int(session.execute(select(func.count()).select_from(AuditEvent)).scalar_one())
