"""Append to and read the hash-chained audit trail."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import orjson
from sqlalchemy import func, insert, select, update
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
    key: bytes | None = None,
) -> str:
    """HMAC-SHA-256 with the audit key (SHA-256 before a key was set up) over the previous
    hash and every field of the event. Without the key, which is kept outside the database,
    nobody can compute the hash of an edited event, so re-hashing the chain is detected."""
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
    if key is not None:
        return hmac.new(key, material.encode(), hashlib.sha256).hexdigest()
    return hashlib.sha256(material.encode()).hexdigest()


def session_key(session: Session) -> bytes | None:
    """The audit key of the database this session belongs to (set by the service context)."""
    key = session.info.get("audit_key")
    return key if isinstance(key, bytes) else None


@dataclass(frozen=True, slots=True)
class NewEvent:
    """One event to append: what happened, to which entity, and its state before and after."""

    occurred_at: datetime
    actor: str
    action: str
    entity_type: str
    entity_id: str
    before: object = None
    after: object = None


def append_events(session: Session, events: Sequence[NewEvent]) -> list[int]:
    """Append events in order inside the caller's transaction; returns their sequence numbers.

    The chain head row is locked once for the whole batch and the events are written in
    one bulk insert, so a detection run that raises thousands of alerts does not pay a
    round trip and a flush per audit event.
    """
    if not events:
        return []
    head = session.execute(
        select(AuditChainHead).where(AuditChainHead.id == 1).with_for_update()
    ).scalar_one_or_none()
    if head is None:
        head = AuditChainHead(id=1, last_seq=0, last_hash=GENESIS_HASH)
        session.add(head)
        session.flush()
    first = head.last_seq + 1
    seq, prev = head.last_seq, head.last_hash
    key = session_key(session)
    rows: list[dict[str, object]] = []
    for e in events:
        seq += 1
        occurred_at = e.occurred_at.astimezone(UTC)
        before_json, after_json = canonical_json(e.before), canonical_json(e.after)
        digest = event_hash(
            prev,
            seq,
            occurred_at,
            e.actor,
            e.action,
            e.entity_type,
            e.entity_id,
            before_json,
            after_json,
            key,
        )
        rows.append(
            {
                "seq": seq,
                "occurred_at": occurred_at,
                "actor": e.actor,
                "action": e.action,
                "entity_type": e.entity_type,
                "entity_id": e.entity_id,
                "before": before_json,
                "after": after_json,
                "prev_hash": prev,
                "hash": digest,
            }
        )
        prev = digest
    session.execute(insert(AuditEvent), rows)
    head.last_seq = seq
    head.last_hash = prev
    session.flush()
    return list(range(first, seq + 1))


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
) -> int:
    """Append one event (a batch of one); returns its sequence number."""
    event = NewEvent(occurred_at, actor, action, entity_type, entity_id, before, after)
    return append_events(session, [event])[0]


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


def verify_chain(session: Session, key: bytes | None) -> tuple[int, ChainBreak | None]:
    """Recompute every hash in order (under ``key``); return (events checked, first break)."""
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
            key,
        )
        if not hmac.compare_digest(recomputed, event.hash):
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


def rehash_chain(session: Session, key: bytes) -> int:
    """Re-anchor a verified chain under ``key``: every event's hash becomes its HMAC, in order,
    and the head follows. Run once, when the key is set up; returns the events re-hashed."""
    prev, last_seq, count = GENESIS_HASH, 0, 0
    for event in iter_events(session):
        digest = event_hash(
            prev,
            event.seq,
            event.occurred_at,
            event.actor,
            event.action,
            event.entity_type,
            event.entity_id,
            event.before,
            event.after,
            key,
        )
        session.execute(
            update(AuditEvent)
            .where(AuditEvent.seq == event.seq)
            .values(prev_hash=prev, hash=digest)
            .execution_options(synchronize_session=False)
        )
        prev, last_seq, count = digest, event.seq, count + 1
    session.execute(
        update(AuditChainHead)
        .where(AuditChainHead.id == 1)
        .values(last_seq=last_seq, last_hash=prev)
        .execution_options(synchronize_session=False)
    )
    return count


def chain_head(session: Session) -> tuple[int, str]:
    """The last sequence number and hash, as the head row records them."""
    head = session.get(AuditChainHead, 1)
    return (0, GENESIS_HASH) if head is None else (head.last_seq, head.last_hash)


def stored_hash(session: Session, seq: int) -> str | None:
    return session.execute(
        select(AuditEvent.hash).where(AuditEvent.seq == seq)
    ).scalar_one_or_none()


def events_for(session: Session, entity_type: str, entity_id: str) -> list[AuditEvent]:
    stmt = select(AuditEvent).where(
        AuditEvent.entity_type == entity_type, AuditEvent.entity_id == entity_id
    )
    return list(session.execute(stmt.order_by(AuditEvent.seq)).scalars())


def count_events(session: Session) -> int:
    return int(session.execute(select(func.count()).select_from(AuditEvent)).scalar_one())
