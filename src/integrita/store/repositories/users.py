"""Users, roles and API tokens."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from integrita.store.models import ApiToken, User, UserRole, WebSession


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


# -- web sessions and revocation ---------------------------------------------------------------
def add_session(
    session: Session,
    id_hash: str,
    user_id: int,
    csrf_token: str,
    now: datetime,
    expires_at: datetime,
) -> None:
    session.add(
        WebSession(
            id_hash=id_hash,
            user_id=user_id,
            csrf_token=csrf_token,
            created_at=now,
            last_seen_at=now,
            expires_at=expires_at,
        )
    )
    session.flush()


def live_session(session: Session, id_hash: str) -> tuple[WebSession, User] | None:
    """The session and its user, unless the session was revoked or the user deactivated."""
    row = session.execute(
        select(WebSession, User)
        .join(User, User.id == WebSession.user_id)
        .where(
            WebSession.id_hash == id_hash,
            WebSession.revoked_at.is_(None),
            User.active.is_(True),
        )
    ).first()
    return None if row is None else (row[0], row[1])


def touch_session(session: Session, id_hash: str, now: datetime, seen_before: datetime) -> None:
    """Move the idle clock on, at most once per interval (one write a minute, not per page)."""
    session.execute(
        update(WebSession)
        .where(WebSession.id_hash == id_hash, WebSession.last_seen_at < seen_before)
        .values(last_seen_at=now)
        .execution_options(synchronize_session=False)
    )


def revoke_session(session: Session, id_hash: str, now: datetime) -> bool:
    result = session.execute(
        update(WebSession)
        .where(WebSession.id_hash == id_hash, WebSession.revoked_at.is_(None))
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


def revoke_user_sessions(session: Session, user_id: int, now: datetime) -> int:
    result = session.execute(
        update(WebSession)
        .where(WebSession.user_id == user_id, WebSession.revoked_at.is_(None))
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0))


def revoke_tokens(session: Session, user_id: int, name: str | None, now: datetime) -> int:
    """Revoke the user's live API tokens (only those called ``name`` when given)."""
    stmt = update(ApiToken).where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
    if name is not None:
        stmt = stmt.where(ApiToken.name == name)
    result = session.execute(
        stmt.values(revoked_at=now).execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0))


def tokens_of(session: Session, user_id: int | None = None) -> list[tuple[ApiToken, str]]:
    stmt = select(ApiToken, User.username).join(User, User.id == ApiToken.user_id)
    if user_id is not None:
        stmt = stmt.where(ApiToken.user_id == user_id)
    rows = session.execute(stmt.order_by(User.username, ApiToken.id))
    return [(token, username) for token, username in rows]
