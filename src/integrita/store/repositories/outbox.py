"""The notification outbox table: enqueue idempotently, claim due rows, record outcomes."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from integrita.store.models import OutboxMessage

_TABLE = cast(Table, OutboxMessage.__table__)
_ENQUEUE_PG = (
    pg_insert(_TABLE)
    .on_conflict_do_nothing(index_elements=["idempotency_key"])
    .returning(_TABLE.c.id)
)
_ENQUEUE_SQLITE = (
    sqlite_insert(_TABLE)
    .on_conflict_do_nothing(index_elements=["idempotency_key"])
    .returning(_TABLE.c.id)
)


def enqueue(session: Session, **fields: Any) -> int:
    """Insert a message unless its idempotency key exists; returns the message id either way."""
    dialect = session.get_bind().dialect.name
    stmt = _ENQUEUE_PG if dialect == "postgresql" else _ENQUEUE_SQLITE
    inserted = session.execute(stmt, fields).scalar_one_or_none()
    if inserted is not None:
        return int(inserted)
    found = session.execute(
        select(OutboxMessage.id).where(OutboxMessage.idempotency_key == fields["idempotency_key"])
    ).scalar_one()
    return int(found)


def claim_due(
    session: Session, now: datetime, claimed_until: datetime, limit: int
) -> list[OutboxMessage]:
    """Pending messages that are due, and sends whose claim lapsed (a dispatcher crashed)."""
    stmt = (
        select(OutboxMessage)
        .where(
            or_(
                (OutboxMessage.status == "pending") & (OutboxMessage.next_attempt_at <= now),
                (OutboxMessage.status == "sending") & (OutboxMessage.claimed_until < now),
            )
        )
        .order_by(OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    rows = list(session.execute(stmt).scalars())
    for row in rows:
        if row.status == "pending":
            row.attempts += 1
        row.status = "sending"
        row.claimed_until = claimed_until
    session.flush()
    return rows


def get(session: Session, message_id: int, *, lock: bool = False) -> OutboxMessage | None:
    stmt = select(OutboxMessage).where(OutboxMessage.id == message_id)
    if lock:
        stmt = stmt.with_for_update()
    return session.execute(stmt).scalar_one_or_none()


def by_key(session: Session, idempotency_key: str) -> OutboxMessage | None:
    return session.execute(
        select(OutboxMessage).where(OutboxMessage.idempotency_key == idempotency_key)
    ).scalar_one_or_none()


def status_counts(session: Session) -> dict[str, int]:
    rows = session.execute(
        select(OutboxMessage.channel, OutboxMessage.status, func.count()).group_by(
            OutboxMessage.channel, OutboxMessage.status
        )
    )
    return {f"{c}:{s}": int(n) for c, s, n in rows}


def all_messages(session: Session) -> list[OutboxMessage]:
    return list(session.execute(select(OutboxMessage).order_by(OutboxMessage.id)).scalars())


def release_claims(session: Session, ids: list[int], values: dict[str, Any]) -> None:
    session.execute(update(OutboxMessage).where(OutboxMessage.id.in_(ids)).values(**values))
