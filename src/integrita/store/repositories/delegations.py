"""Role delegations: who deputises for which role, and when."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from integrita.store.models import RoleDelegation, User


def add(session: Session, **fields: object) -> RoleDelegation:
    row = RoleDelegation(**fields)
    session.add(row)
    session.flush()
    return row


def get(session: Session, delegation_id: int) -> RoleDelegation | None:
    return session.get(RoleDelegation, delegation_id)


def listing(session: Session) -> list[tuple[RoleDelegation, str]]:
    """Every delegation with its deputy's username, newest first."""
    stmt = (
        select(RoleDelegation, User.username)
        .join(User, User.id == RoleDelegation.deputy_user_id)
        .order_by(RoleDelegation.id.desc())
    )
    return [(row, name) for row, name in session.execute(stmt).tuples()]


def roles_held_on(session: Session, user_id: int, day: date) -> set[str]:
    """The roles delegated to ``user_id`` and in force on ``day`` (both ends included)."""
    stmt = select(RoleDelegation.role).where(
        RoleDelegation.deputy_user_id == user_id,
        RoleDelegation.revoked_at.is_(None),
        RoleDelegation.valid_from <= day,
        RoleDelegation.valid_until >= day,
    )
    return set(session.execute(stmt).scalars())
