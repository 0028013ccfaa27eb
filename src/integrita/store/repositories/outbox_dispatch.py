"""The outbox queries of a dispatcher: drop what is no longer worth sending, claim due messages
in priority order, record many outcomes at once, and the dead-letter list.

Claiming is one ``UPDATE ... WHERE id IN (SELECT ... ORDER BY priority, id LIMIT n)``. On
PostgreSQL the inner select takes ``FOR UPDATE SKIP LOCKED``, so several dispatchers claim
disjoint messages without waiting on each other; on SQLite the one statement runs under the
database's single write lock, so two dispatchers cannot claim the same row. Either way the claim
is a lease (``claimed_until``): a dispatcher that dies leaves it to lapse, and the message is
claimed again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any, cast

from sqlalchemy import (
    Integer,
    Table,
    and_,
    bindparam,
    case,
    exists,
    func,
    or_,
    select,
    union_all,
    update,
)
from sqlalchemy.orm import Session

from integrita.store.models import Challenge, OutboxMessage

_M = OutboxMessage
_COLUMNS = cast(Table, OutboxMessage.__table__).c


@dataclass(frozen=True, slots=True)
class ClaimedMessage:
    id: int
    idempotency_key: str
    channel: str
    recipient: str
    template: str
    language: str
    params: dict[str, object]
    priority: int
    attempts: int
    created_at: datetime
    challenge_id: str | None


def _open_now(now: datetime) -> Any:
    """Waiting to be sent: pending, or claimed by a dispatcher whose lease lapsed."""
    return or_(_M.status == "pending", and_(_M.status == "sending", _M.claimed_until < now))


def expire_stale(
    session: Session, now: datetime, cutoffs: Mapping[int, datetime], limit: int = 5000
) -> list[tuple[int, dict[str, object], str]]:
    """Mark ``expired`` the waiting messages no longer worth sending; returns (id, params,
    reason) of each so the caller can blank their secrets.

    A message of priority ``p`` created before ``cutoffs[p]`` is past its useful life; a
    one-time code whose challenge is no longer pending (answered, failed, expired, the payment
    rejected) is never sent.
    """
    challenge_closed = exists().where(
        Challenge.id == _M.challenge_id,
        or_(Challenge.status != "pending", Challenge.expires_at <= now),
    )
    too_old = [and_(_M.priority == p, _M.created_at < cut) for p, cut in cutoffs.items()]
    rows = session.execute(
        select(_M.id, _M.params, _M.challenge_id)
        .where(_open_now(now), or_(and_(_M.challenge_id.is_not(None), challenge_closed), *too_old))
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    found: list[tuple[int, dict[str, object], str]] = []
    for message_id, params, challenge_id in rows:
        reason = (
            "its one-time-code challenge is no longer pending"
            if challenge_id is not None
            else "older than its useful life"
        )
        found.append((int(message_id), dict(params), reason))
    return found


def mark_expired(session: Session, expired: Sequence[tuple[int, dict[str, object], str]]) -> None:
    if not expired:
        return
    session.connection().execute(
        update(_M)
        .where(_M.id == bindparam("mid"))
        .values(
            status="expired",
            params=bindparam("new_params", type_=_COLUMNS["params"].type),
            last_error=bindparam("reason"),
            claimed_until=None,
        ),
        [{"mid": i, "new_params": p, "reason": r} for i, p, r in expired],
    )


@lru_cache(maxsize=1)
def _claim_statement() -> Any:
    """The claim, built once with bound ``now``, ``claimed_until`` and ``lim``: constructing
    the statement and its cache key each time cost about as much processor as running it
    (a dispatcher claims several times a second even when messages only trickle in)."""
    now = bindparam("now", type_=_COLUMNS["next_attempt_at"].type)
    table = _COLUMNS["id"].table
    c = table.c
    # Two index-ordered scans (``ix_outbox_messages_due``: status, priority, id) that each stop
    # after ``lim`` rows, rather than one OR over both states, which sorted every due message
    # on every claim and made a claim's cost grow with the backlog (migration 0016 dropped the
    # (status, next_attempt_at) index SQLite preferred, with a sort of the whole backlog).
    waiting = [
        select(c.id, c.priority)
        .where(state)
        .order_by(c.priority, c.id)
        .limit(bindparam("lim", type_=Integer))
        .with_for_update(skip_locked=True)
        .subquery()
        for state in (
            and_(c.status == "pending", c.next_attempt_at <= now),
            and_(c.status == "sending", c.claimed_until < now),
        )
    ]
    both = union_all(*(select(w.c.id, w.c.priority) for w in waiting)).subquery()
    chosen = (
        select(both.c.id)
        .order_by(both.c.priority, both.c.id)
        .limit(bindparam("lim", type_=Integer))
        .scalar_subquery()
    )
    return (
        update(table)
        # no second test of "due" here: the chosen rows are locked (PostgreSQL re-evaluates the
        # inner condition on a row changed meanwhile) or the statement runs under SQLite's one
        # write lock; and an OR over both states here made SQLite scan every waiting message
        .where(c.id.in_(chosen))
        .values(
            status="sending",
            claimed_until=bindparam("claimed_until", type_=c.claimed_until.type),
            attempts=c.attempts + case((c.status == "pending", 1), else_=0),
        )
        .returning(
            c.id,
            c.idempotency_key,
            c.channel,
            c.recipient,
            c.template,
            c.language,
            c.params,
            c.priority,
            c.attempts,
            c.created_at,
            c.challenge_id,
        )
    )


def claim(
    session: Session, now: datetime, claimed_until: datetime, limit: int
) -> list[ClaimedMessage]:
    """Claim up to ``limit`` due messages, lowest priority number first, then oldest; the
    attempt is counted for a pending message (a lapsed claim was attempted already)."""
    result = session.connection().execute(
        _claim_statement(), {"now": now, "claimed_until": claimed_until, "lim": limit}
    )
    claimed = [ClaimedMessage(*row) for row in result.all()]
    claimed.sort(key=lambda m: (m.priority, m.id))
    return claimed


#: Columns a send's outcome does not overwrite: a receipt the gateway called back with (it
#: can arrive before the send's answer is recorded) is newer than the answer's own.
_KEEP = frozenset({"receipt_status", "receipt_at"})


def _kept(column: str, value: Any) -> Any:
    return func.coalesce(_COLUMNS[column], value) if column in _KEEP else value


def record(
    session: Session, status: str, common: Mapping[str, Any], rows: Sequence[Mapping[str, Any]]
) -> int:
    """Set ``status`` and the ``common`` column values on many messages still ``sending``, and
    each row's own values (a dict of columns and ``mid``, the message id), in one statement per
    shape of row. Returns how many messages changed.

    The statement of each shape is built once (see :func:`_claim_statement`); the values every
    row shares are bound with each row's own."""
    if not rows:
        return 0
    by_shape: dict[tuple[str, ...], list[Mapping[str, Any]]] = {}
    for row in rows:
        by_shape.setdefault(tuple(row), []).append(row)
    shared = {f"c_{c}": v for c, v in common.items()}
    changed = 0
    for shape, same in by_shape.items():
        own = tuple(c for c in shape if c != "mid")
        result = session.connection().execute(
            _record_statement(status, tuple(common), own),
            [{"mid": r["mid"], **shared, **{f"v_{c}": r[c] for c in own}} for r in same],
        )
        changed += int(result.rowcount)
    return changed


@lru_cache(maxsize=64)
def _record_statement(status: str, common: tuple[str, ...], own: tuple[str, ...]) -> Any:
    """The outcome's update for one shape: ``status``, the ``common`` columns (bound as
    ``c_<column>``) and each row's ``own`` (``v_<column>``), on a message still sending."""
    return (
        update(_M)
        .where(_M.id == bindparam("mid"), _M.status == "sending")
        .values(
            status=status,
            **{c: _kept(c, bindparam(f"c_{c}", type_=_COLUMNS[c].type)) for c in common},
            **{c: _kept(c, bindparam(f"v_{c}", type_=_COLUMNS[c].type)) for c in own},
        )
    )


def flag_duplicates(session: Session, ids: Sequence[int]) -> None:
    """Mark messages the gateway reported as repeats, whatever their status: a send whose
    lease lapsed before it was recorded may have been recorded by the other send already."""
    if ids:
        session.execute(
            update(_M)
            .where(_M.id.in_(list(ids)))
            .values(duplicate=True)
            .execution_options(synchronize_session=False)
        )


def dead_letters(session: Session, limit: int = 500) -> list[OutboxMessage]:
    return list(
        session.execute(
            select(_M).where(_M.status == "dead").order_by(_M.id.desc()).limit(limit)
        ).scalars()
    )


def dead_letter_count(session: Session) -> int:
    return int(session.execute(select(func.count()).where(_M.status == "dead")).scalar_one())


def replay(session: Session, ids: Sequence[int] | None, now: datetime) -> list[int]:
    """Put dead messages (these ``ids``, or all) back to ``pending``, due now, attempts reset.

    A one-time code is not replayed: its code was blanked when it died, and a customer who
    still needs one asks for a new challenge."""
    stmt = (
        select(_M.id)
        .where(_M.status == "dead", _M.challenge_id.is_(None), _M.template != "payment_otp")
        .with_for_update()
    )
    if ids is not None:
        stmt = stmt.where(_M.id.in_(list(ids)))
    found = [int(i) for i in session.execute(stmt).scalars()]
    if found:
        session.execute(
            update(_M)
            .where(_M.id.in_(found), _M.status == "dead")
            .values(status="pending", attempts=0, next_attempt_at=now, claimed_until=None)
            .execution_options(synchronize_session=False)
        )
    return found


def backlog(session: Session, now: datetime) -> dict[int, int]:
    """Messages waiting to be sent, by priority."""
    rows = session.execute(
        select(_M.priority, func.count()).where(_open_now(now)).group_by(_M.priority)
    )
    return {int(p): int(n) for p, n in rows}


@dataclass(frozen=True, slots=True)
class KnownReceipt:
    """A sent message a receipt may be about, with the receipt recorded so far."""

    id: int
    provider_ref: str | None
    receipt_status: str | None
    receipt_at: datetime | None


def receipts_of(
    session: Session, references: Sequence[str], ids: Sequence[int]
) -> list[KnownReceipt]:
    """Messages sent (or being sent) under one of these gateway ``references`` or ``ids``."""
    rows = session.execute(
        select(_M.id, _M.provider_ref, _M.receipt_status, _M.receipt_at).where(
            or_(_M.provider_ref.in_(list(references)), _M.id.in_(list(ids))),
            _M.status.in_(("delivered", "sending")),
        )
    ).all()
    return [KnownReceipt(int(i), ref, status, at) for i, ref, status, at in rows]


def set_receipts(session: Session, receipts: Mapping[int, tuple[str, datetime]]) -> None:
    """Write (status, time) receipts by message id."""
    if receipts:
        session.connection().execute(
            update(_M)
            .where(_M.id == bindparam("mid"))
            .values(
                receipt_status=bindparam("v_status", type_=_COLUMNS["receipt_status"].type),
                receipt_at=bindparam("v_at", type_=_COLUMNS["receipt_at"].type),
            ),
            [{"mid": m, "v_status": st, "v_at": at} for m, (st, at) in receipts.items()],
        )


def receipt_counts(session: Session) -> dict[str, int]:
    """Delivered messages by their last receipt status (``none``: no receipt)."""
    rows = session.execute(
        select(_M.receipt_status, func.count())
        .where(_M.status == "delivered")
        .group_by(_M.receipt_status)
    )
    return {str(s or "none"): int(n) for s, n in rows}
