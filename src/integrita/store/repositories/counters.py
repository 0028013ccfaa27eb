"""Counters that must not lose a step under concurrency, each one conditional UPDATE.

A read-then-write counter (read ``attempts``, add one in Python, write it back) loses
increments when two requests read the same value: on SQLite the read happens before the
write lock is taken, so 40 concurrent wrong one-time codes were 25 evaluated answers instead
of 5. Here the database does the arithmetic and checks the limit in the same statement; on
SQLite the statement takes the write lock, on PostgreSQL it waits for the row lock and
re-checks the condition, so at most ``max_attempts`` increments ever succeed.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import case, or_, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session

from integrita.store.models import Challenge, User


def _changed(result: object) -> int:
    assert isinstance(result, CursorResult)
    return int(result.rowcount)


def claim_challenge_attempt(
    session: Session, challenge_id: str, now: datetime, answered_before: datetime
) -> bool:
    """Count one answer to a pending, unexpired challenge that has attempts left and was
    last answered no later than ``answered_before`` (the rate limit). False when refused."""
    result = session.execute(
        update(Challenge)
        .where(
            Challenge.id == challenge_id,
            Challenge.status == "pending",
            Challenge.attempts < Challenge.max_attempts,
            Challenge.expires_at > now,
            or_(Challenge.last_attempt_at.is_(None), Challenge.last_attempt_at <= answered_before),
        )
        .values(attempts=Challenge.attempts + 1, last_attempt_at=now)
        .execution_options(synchronize_session=False)
    )
    return _changed(result) == 1


def settle_challenge(session: Session, challenge_id: str, status: str) -> bool:
    """Move a pending challenge to ``status`` (passed, failed, expired); False if another
    request settled it first."""
    result = session.execute(
        update(Challenge)
        .where(Challenge.id == challenge_id, Challenge.status == "pending")
        .values(status=status)
        .execution_options(synchronize_session=False)
    )
    return _changed(result) == 1


def count_failed_sign_in(
    session: Session, user_id: int, now: datetime, max_failures: int, locked_until: datetime
) -> bool:
    """Add one failed sign-in; the failure that reaches ``max_failures`` locks the account
    until ``locked_until`` and starts the count again. Returns True when this one locked it.
    Failures while the account is locked are not counted (they are refused unchecked)."""
    reaches = User.failed_sign_ins + 1 >= max_failures
    result = session.execute(
        update(User)
        .where(User.id == user_id, or_(User.locked_until.is_(None), User.locked_until <= now))
        .values(
            failed_sign_ins=case((reaches, 0), else_=User.failed_sign_ins + 1),
            locked_until=case((reaches, locked_until), else_=User.locked_until),
        )
        .returning(User.locked_until)
        .execution_options(synchronize_session=False)
    )
    row = result.first()
    return row is not None and row[0] is not None and row[0] > now


def reset_failed_sign_ins(session: Session, user_id: int) -> None:
    session.execute(
        update(User)
        .where(User.id == user_id)
        .values(failed_sign_ins=0, locked_until=None)
        .execution_options(synchronize_session=False)
    )
