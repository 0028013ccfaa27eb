"""Users, roles, passwords (argon2id) and API tokens."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from integrita.domain.roles import Role
from integrita.errors import ConflictError, InputError, NotFoundError
from integrita.services.core import audit
from integrita.services.core.context import Context
from integrita.store import Session
from integrita.store.models import User
from integrita.store.repositories import delegations as delegations_repo
from integrita.store.repositories import users as users_repo

_hasher = PasswordHasher()


@dataclass(frozen=True, slots=True)
class UserView:
    id: int
    username: str
    display_name: str
    roles: frozenset[str]
    active: bool


def view_of(session: Session, user: User, today: date) -> UserView:
    """A user as every check sees them: their own roles plus the roles delegated to them that are
    in force on the bank-local date ``today`` (so a deputy MLRO is an MLRO for the period)."""
    roles = set(user.role_names) | delegations_repo.roles_held_on(session, user.id, today)
    return UserView(user.id, user.username, user.display_name, frozenset(roles), user.active)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def password_matches(password_hash: str | None, password: str) -> bool:
    if not password_hash:
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def hash_token(token: str) -> str:
    """API tokens are long random strings, so a fast hash is enough; only the hash is stored."""
    return hashlib.sha256(token.encode()).hexdigest()


#: API tokens checked lately: (database URL, token hash) -> (monotonic time of the check,
#: user). Read by ``auth.recent_user_for_token``; cleared when roles change here.
CHECKED_TOKENS: dict[tuple[str, str], tuple[float, UserView]] = {}
CHECKED_TOKENS_MAX = 10_000


def _parse_roles(roles: Iterable[str]) -> set[str]:
    parsed: set[str] = set()
    for role in roles:
        try:
            parsed.add(Role(role.strip().lower()).value)
        except ValueError as exc:
            known = ", ".join(r.value for r in Role)
            raise InputError(f"unknown role {role!r}; known roles: {known}", field="roles") from exc
    return parsed


def add_user(
    ctx: Context,
    username: str,
    display_name: str,
    password: str | None,
    roles: Iterable[str],
    *,
    actor: str = "system",
) -> UserView:
    if not username or len(username) > 64:
        raise InputError("username must be 1-64 characters", field="username")
    if password is not None and len(password) < 10:
        raise InputError("password must be at least 10 characters", field="password")
    role_set = _parse_roles(roles)
    with ctx.db.transaction() as session:
        if users_repo.get_by_username(session, username) is not None:
            raise ConflictError(f"user {username!r} already exists")
        user = users_repo.create(
            session, username, display_name, hash_password(password) if password else None, role_set
        )
        audit.record(
            session,
            at=ctx.now(),
            actor=actor,
            action="user.created",
            entity_type="user",
            entity_id=user.id,
            after={"username": username, "roles": sorted(role_set)},
        )
        return UserView(user.id, user.username, user.display_name, frozenset(role_set), True)


def _existing(session: Session, username: str) -> User:
    """The user called ``username``; NotFoundError when there is none."""
    user = users_repo.get_by_username(session, username)
    if user is None:
        raise NotFoundError(f"no user {username!r}")
    return user


def set_roles(
    ctx: Context, username: str, roles: Iterable[str], *, actor: str = "system"
) -> UserView:
    role_set = _parse_roles(roles)
    with ctx.db.transaction() as session:
        user = _existing(session, username)
        before = sorted(user.role_names)
        users_repo.set_roles(session, user, role_set)
        CHECKED_TOKENS.clear()
        audit.record(
            session,
            at=ctx.now(),
            actor=actor,
            action="user.roles_changed",
            entity_type="user",
            entity_id=user.id,
            before={"roles": before},
            after={"roles": sorted(role_set)},
        )
        return view_of(session, user, ctx.local_date())


def revoke_token(ctx: Context, token: str, *, actor: str) -> bool:
    """Revoke an API token (``integrita logout``); it is refused from then on."""
    with ctx.db.transaction() as session:
        revoked = users_repo.revoke_token(session, hash_token(token), ctx.now())
        if revoked is None:
            return False
        audit.record(
            session,
            at=ctx.now(),
            actor=actor,
            action="user.token_revoked",
            entity_type="user",
            entity_id=revoked.user_id,
            after={"token_name": revoked.name},
        )
    CHECKED_TOKENS.clear()
    return True


def issue_token(ctx: Context, username: str, name: str, *, actor: str = "system") -> str:
    """Create an API token for a system acting as ``username``; the clear token is shown once."""
    token = "itg_" + secrets.token_urlsafe(32)
    with ctx.db.transaction() as session:
        user = _existing(session, username)
        users_repo.add_token(session, user, name, hash_token(token))
        audit.record(
            session,
            at=ctx.now(),
            actor=actor,
            action="user.token_issued",
            entity_type="user",
            entity_id=user.id,
            after={"token_name": name},
        )
    return token


def list_users(ctx: Context) -> list[UserView]:
    with ctx.db.transaction() as session:
        today = ctx.local_date()
        return [view_of(session, u, today) for u in users_repo.list_users(session)]


@dataclass(frozen=True, slots=True)
class TokenView:
    id: int
    username: str
    name: str
    created_at: datetime
    revoked_at: datetime | None


def deactivate_user(ctx: Context, username: str, *, actor: str = "system") -> tuple[int, int]:
    """Deactivate a user, end every session they have and revoke all their API tokens at once;
    returns (sessions ended, tokens revoked). The audit trail keeps who they were."""
    now = ctx.now()
    with ctx.db.transaction() as session:
        user = _existing(session, username)
        user.active = False
        ended = users_repo.revoke_user_sessions(session, user.id, now)
        revoked = users_repo.revoke_tokens(session, user.id, None, now)
        CHECKED_TOKENS.clear()
        audit.record(
            session,
            at=now,
            actor=actor,
            action="user.deactivated",
            entity_type="user",
            entity_id=user.id,
            before={"active": True},
            after={"active": False, "sessions_ended": ended, "tokens_revoked": revoked},
        )
    return ended, revoked


def revoke_tokens(
    ctx: Context, username: str, name: str | None = None, *, actor: str = "system"
) -> int:
    """Revoke a user's API tokens (only those called ``name`` when given); returns how many.
    This process forgets them at once; other server processes within
    ``api_token_recheck_seconds``."""
    now = ctx.now()
    with ctx.db.transaction() as session:
        user = _existing(session, username)
        revoked = users_repo.revoke_tokens(session, user.id, name, now)
        CHECKED_TOKENS.clear()
        audit.record(
            session,
            at=now,
            actor=actor,
            action="user.tokens_revoked",
            entity_type="user",
            entity_id=user.id,
            after={"token_name": name, "revoked": revoked},
        )
    return revoked


def list_tokens(ctx: Context, username: str | None = None) -> list[TokenView]:
    with ctx.db.transaction() as session:
        user_id = None
        if username is not None:
            user = _existing(session, username)
            user_id = user.id
        return [
            TokenView(t.id, owner, t.name, t.created_at, t.revoked_at)
            for t, owner in users_repo.tokens_of(session, user_id)
        ]
