"""The notification outbox table: enqueue idempotently, claim due rows, record outcomes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import Table, func, select
from sqlalchemy.orm import Session

from integrita.store.models import OutboxMessage
from integrita.store.repositories.driver_sql import (
    Batch,
    DriverStatement,
    InsertReturning,
    SqlDialect,
    Steps,
)

_TABLE = cast(Table, OutboxMessage.__table__)


def enqueue(session: Session, **fields: Any) -> int:
    """Insert a message unless its idempotency key exists; returns the message id either way."""
    return enqueue_many(session, [fields])[fields["idempotency_key"]]


_EXISTING_KEYS = DriverStatement(
    "SELECT idempotency_key, id FROM outbox_messages WHERE idempotency_key {keys}"
)
_INSERT = DriverStatement(
    "INSERT INTO outbox_messages (idempotency_key, channel, recipient, template, language,"
    " params, status, attempts, next_attempt_at, created_at, priority, challenge_id, duplicate)"
    " VALUES (%s, %s, %s, %s, %s, {json}, %s, %s, %s, %s, %s, %s, %s)"
    " RETURNING idempotency_key, id"
)


def enqueue_many(session: Session, rows: Sequence[dict[str, Any]]) -> dict[str, int]:
    """:func:`enqueue` of many messages; message id by idempotency key.

    Keys already stored keep their message; the others are inserted with a plain INSERT on
    the driver (one round trip; see ``driver_sql``). A concurrent transaction that stores one
    of the same keys in between makes this raise :class:`DuplicateKeyError`.
    """
    if not rows:
        return {}
    batch = Batch(session)
    keys = sorted({str(r["idempotency_key"]) for r in rows})
    ids = {str(k): int(i) for k, i in batch.fetch(_EXISTING_KEYS, (batch.keys(keys),))}
    new = [row for row in rows if row["idempotency_key"] not in ids]
    ids.update(batch.run(insert_new_steps(batch, new)))
    return ids


def insert_new_steps(sql: SqlDialect, rows: Sequence[dict[str, Any]]) -> Steps[dict[str, int]]:
    """Insert messages whose idempotency keys nobody stored yet; message id by key.

    For changes that create their messages' keys in the same transaction (a payment
    decision's keys name its txn_id), so no look-up is needed: a concurrent transaction that
    stored one of the keys first makes the insert raise :class:`DuplicateKeyError`.
    """
    new: dict[str, dict[str, Any]] = {}
    for row in rows:
        new.setdefault(str(row["idempotency_key"]), row)
    if not new:
        return {}
    inserted = yield InsertReturning(
        _INSERT,
        [
            (
                row["idempotency_key"],
                row["channel"],
                row["recipient"],
                row["template"],
                row["language"],
                sql.json(row["params"]),
                row["status"],
                row["attempts"],
                sql.timestamp(row["next_attempt_at"]),
                sql.timestamp(row["created_at"]),
                int(row.get("priority", 2)),
                row.get("challenge_id"),
                False,
            )
            for row in new.values()
        ],
    )
    return {str(k): int(i) for k, i in inserted}


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
