"""Users, roles and API tokens."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from integrita.store.models import ApiToken, User, UserRole


def get_by_username(session: Session, username: str) -> User | None:
    return session.execute(select(User).where(User.username == username)).scalar_one_or_none()


def get(session: Session, user_id: int) -> User | None:
    return session.get(User, user_id)


def create(
    session: Session,
    username: str,
    display_name: str,
    password_hash: str | None,
    roles: Iterable[str],
) -> User:
    user = User(
        username=username,
        display_name=display_name,
        password_hash=password_hash,
        active=True,
        failed_sign_ins=0,
    )
    user.roles = [UserRole(role=r) for r in sorted(set(roles))]
    session.add(user)
    session.flush()
    return user


def set_roles(session: Session, user: User, roles: Iterable[str]) -> None:
    wanted = set(roles)
    user.roles = [r for r in user.roles if r.role in wanted] + [
        UserRole(user_id=user.id, role=r) for r in sorted(wanted - user.role_names)
    ]
    session.flush()


def list_users(session: Session) -> list[User]:
    return list(session.execute(select(User).order_by(User.username)).scalars())


def add_token(session: Session, user: User, name: str, token_hash: str) -> ApiToken:
    token = ApiToken(user_id=user.id, name=name, token_hash=token_hash)
    session.add(token)
    session.flush()
    return token


def user_for_token(session: Session, token_hash: str) -> User | None:
    stmt = (
        select(User)
        .join(ApiToken, ApiToken.user_id == User.id)
        .where(
            ApiToken.token_hash == token_hash, ApiToken.revoked_at.is_(None), User.active.is_(True)
        )
    )
    return session.execute(stmt).scalar_one_or_none()


def revoke_token(session: Session, token_hash: str, at: datetime) -> ApiToken | None:
    """Mark a token revoked; returns it, or None when no live token has this hash."""
    token = session.execute(
        select(ApiToken).where(ApiToken.token_hash == token_hash, ApiToken.revoked_at.is_(None))
    ).scalar_one_or_none()
    if token is not None:
        token.revoked_at = at
        session.flush()
    return token
