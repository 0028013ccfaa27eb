"""One-time-code challenges that hold a payment until the customer answers.

The code is stored only as a salted SHA-256 hash; it reaches the customer through the
outbox (as a ``secret_`` parameter the dispatcher blanks once delivered). A challenge allows
at most ``challenge_max_attempts`` answers, one per ``challenge_min_seconds_between_attempts``,
and expires after ``challenge_ttl_seconds``; a failed or expired challenge rejects the payment.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from integrita.errors import InputError, NotFoundError, StateTransitionError
from integrita.services.core import audit, outbox
from integrita.services.core.context import Context
from integrita.store import Session
from integrita.store.repositories import counters
from integrita.store.repositories import realtime as repo

#: Challenges expired per transaction by the sweep.
EXPIRE_BATCH = 200


def _hash(salt: str, code: str) -> str:
    return hashlib.sha256(f"{salt}:{code}".encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class PlannedChallenge:
    """A challenge and its one-time-code message, not yet written."""

    row: dict[str, object]
    message: dict[str, object]
    challenge_id: str
    expires_at: datetime
    max_attempts: int


def plan(
    txn_id: str,
    thresholds: dict[str, Any],
    now: datetime,
    channel: str,
    recipient: str,
    language: str,
    params: dict[str, object],
) -> PlannedChallenge:
    """A new challenge for ``txn_id`` with a fresh code (only its salted hash is kept) and the
    outbox message that carries the code to the customer."""
    code = f"{secrets.randbelow(10**6):06d}"
    salt = secrets.token_hex(8)
    challenge_id = secrets.token_hex(12)
    ttl = int(thresholds["challenge_ttl_seconds"])
    expires = now + timedelta(seconds=ttl)
    max_attempts = int(thresholds["challenge_max_attempts"])
    row: dict[str, object] = {
        "id": challenge_id,
        "txn_id": txn_id,
        "code_hash": _hash(salt, code),
        "salt": salt,
        "created_at": now,
        "expires_at": expires,
        "attempts": 0,
        "max_attempts": max_attempts,
        "last_attempt_at": None,
        "status": "pending",
    }
    message = outbox.message(
        channel,
        recipient,
        "payment_otp",
        language,
        {**params, "secret_code": code, "minutes": max(ttl // 60, 1)},
        f"payment:{txn_id}:payment_otp",
        at=now,
        priority=outbox.Priority.ONE_TIME_CODE,
        challenge_id=challenge_id,
    )
    return PlannedChallenge(row, message, challenge_id, expires, max_attempts)


@dataclass(frozen=True, slots=True)
class AnswerResult:
    challenge_id: str
    txn_id: str
    status: str  # passed | pending | failed | expired
    payment_status: str  # released | decided | rejected
    attempts_left: int


def answer(ctx: Context, challenge_id: str, code: str, *, actor: str) -> AnswerResult:
    """Check a code: the right one releases the payment; the last wrong one or expiry rejects it.

    The attempt is counted first, by one conditional UPDATE (see
    :mod:`integrita.store.repositories.counters`), and only a counted attempt is compared
    with the code: however many answers arrive at once, at most ``max_attempts`` are checked.
    """
    from integrita.services.realtime.payments import release_or_reject

    if not code or len(code) > 12:
        raise InputError("code must be 1-12 characters", field="code")
    now = ctx.now()
    with ctx.db.transaction() as session:
        gap = _min_gap(session, now)
        counted = counters.claim_challenge_attempt(
            session, challenge_id, now, now - timedelta(seconds=gap)
        )
        row = repo.get_challenge(session, challenge_id, fresh=True)
        if row is None:
            raise NotFoundError(f"no challenge {challenge_id}")
        if not counted:
            if row.status != "pending":
                raise StateTransitionError(f"challenge {challenge_id} is already {row.status}")
            if now >= row.expires_at and counters.settle_challenge(session, row.id, "expired"):
                payment = release_or_reject(
                    session, row.txn_id, False, actor=actor, at=now, reason="challenge expired"
                )
                return AnswerResult(row.id, row.txn_id, "expired", payment, 0)
            if row.attempts >= row.max_attempts:
                raise StateTransitionError(f"challenge {challenge_id} has no attempts left")
            raise StateTransitionError(
                f"answers to challenge {challenge_id} are limited to one per {gap:g} s; try again"
            )
        left = row.max_attempts - row.attempts
        if hmac.compare_digest(row.code_hash, _hash(row.salt, code.strip())):
            if not counters.settle_challenge(session, row.id, "passed"):
                raise StateTransitionError(f"challenge {challenge_id} was settled meanwhile")
            payment = release_or_reject(
                session, row.txn_id, True, actor=actor, at=now, reason="one-time code confirmed"
            )
            return AnswerResult(row.id, row.txn_id, "passed", payment, left)
        if left <= 0:
            if not counters.settle_challenge(session, row.id, "failed"):
                raise StateTransitionError(f"challenge {challenge_id} was settled meanwhile")
            payment = release_or_reject(
                session, row.txn_id, False, actor=actor, at=now, reason="too many wrong codes"
            )
            return AnswerResult(row.id, row.txn_id, "failed", payment, 0)
        audit.record(
            session,
            at=now,
            actor=actor,
            action="challenge.wrong_code",
            entity_type="challenge",
            entity_id=row.id,
            after={"attempts": row.attempts},
        )
        return AnswerResult(row.id, row.txn_id, "pending", "decided", left)


def _min_gap(session: Session, now: datetime) -> float:
    from integrita.services.realtime.rulesets import active_in

    _, thresholds = active_in(session, now)
    return float(thresholds["challenge_min_seconds_between_attempts"])


def expire_due(ctx: Context, *, actor: str = "system") -> int:
    """Reject payments whose challenge expired unanswered; returns how many."""
    from integrita.services.realtime.payments import release_or_reject

    now = ctx.now()
    expired = 0
    while True:  # short transactions: on SQLite each holds the write lock briefly
        with ctx.db.transaction() as session:
            rows = repo.expired_pending_challenges(session, now, limit=EXPIRE_BATCH)
            for row in rows:
                # An answer may settle the challenge between the read and here: skip it then.
                if counters.settle_challenge(session, row.id, "expired"):
                    release_or_reject(
                        session, row.txn_id, False, actor=actor, at=now, reason="challenge expired"
                    )
                    expired += 1
        if len(rows) < EXPIRE_BATCH:
            return expired
