"""Sign-in, sessions, API tokens and role checks.

Failed sign-ins are counted per user and audited; after ``sign_in_max_failures``
the account is locked for ``sign_in_lock_minutes`` (rate limiting against
password guessing). Web sessions are signed, time-limited cookies; API tokens are
looked up by their SHA-256 hash. Every entry point calls :func:`ensure_role`.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterable
from datetime import timedelta
from pathlib import Path
from typing import Protocol

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from integrita.domain.roles import Role
from integrita.errors import AuthenticationError, PermissionDeniedError
from integrita.services.core import audit
from integrita.services.core.context import Context
from integrita.services.core.users import (
    CHECKED_TOKENS,
    CHECKED_TOKENS_MAX,
    UserView,
    hash_token,
    password_matches,
    view_of,
)
from integrita.store import Session
from integrita.store.models import User
from integrita.store.repositories import users as users_repo

SESSION_SALT = "integrita.web.session"


def _view(ctx: Context, session: Session, user: User) -> UserView:
    """The signed-in user with the roles they hold today, delegated roles included."""
    return view_of(session, user, ctx.today())


def sign_in(ctx: Context, username: str, password: str, *, source: str = "web") -> UserView:
    """Check a password; count, audit and lock on failure. Raises :class:`AuthenticationError`."""
    now = ctx.now()
    failure: str | None = None
    with ctx.db.transaction() as session:
        user = users_repo.get_by_username(session, username)
        if user is None or not user.active:
            failure = "unknown or inactive user"
            audit.record(
                session,
                at=now,
                actor=username[:64] or "?",
                action="auth.sign_in_failed",
                entity_type="user",
                entity_id=username[:64] or "?",
                after={"reason": failure, "source": source},
            )
        elif user.locked_until is not None and user.locked_until > now:
            failure = "account locked after repeated failed sign-ins"
            audit.record(
                session,
                at=now,
                actor=username,
                action="auth.sign_in_refused_locked",
                entity_type="user",
                entity_id=user.id,
                after={"locked_until": user.locked_until.isoformat(), "source": source},
            )
        elif not password_matches(user.password_hash, password):
            user.failed_sign_ins += 1
            failure = "wrong password"
            after: dict[str, object] = {
                "reason": failure,
                "failures": user.failed_sign_ins,
                "source": source,
            }
            if user.failed_sign_ins >= ctx.settings.sign_in_max_failures:
                user.locked_until = now + timedelta(minutes=ctx.settings.sign_in_lock_minutes)
                user.failed_sign_ins = 0
                after["locked_until"] = user.locked_until.isoformat()
            audit.record(
                session,
                at=now,
                actor=username,
                action="auth.sign_in_failed",
                entity_type="user",
                entity_id=user.id,
                after=after,
            )
        else:
            user.failed_sign_ins = 0
            user.locked_until = None
            audit.record(
                session,
                at=now,
                actor=username,
                action="auth.signed_in",
                entity_type="user",
                entity_id=user.id,
                after={"source": source},
            )
            return _view(ctx, session, user)
    # The failure is committed (counted and audited) before it is reported.
    raise AuthenticationError(
        f"sign-in refused: {'account locked' if 'locked' in failure else 'wrong username or password'}"
    )


def user_for_token(ctx: Context, token: str) -> UserView:
    """The active user an API token belongs to (and remember the check for a few seconds)."""
    digest = ctx.db.url, hash_token(token)
    with ctx.db.transaction() as session:
        user = users_repo.user_for_token(session, digest[1])
        if user is None:
            CHECKED_TOKENS.pop(digest, None)
            raise AuthenticationError("unknown or revoked API token")
        view = _view(ctx, session, user)
    if len(CHECKED_TOKENS) >= CHECKED_TOKENS_MAX:
        CHECKED_TOKENS.clear()
    CHECKED_TOKENS[digest] = (time.monotonic(), view)
    return view


def recent_user_for_token(ctx: Context, token: str) -> UserView | None:
    """The user of a token checked against the database less than ``api_token_recheck_seconds``
    ago, or None. A payment channel sends thousands of requests a second with one token; one
    database lookup per token every few seconds is enough, so a revoked token, a deactivated
    user or a changed role takes effect within that many seconds (``0`` checks every request).

    When the check is due, only the first caller gets None (and asks the database); requests
    that arrive while it does so keep the known user instead of all asking at once.
    """
    digest = ctx.db.url, hash_token(token)
    seen = CHECKED_TOKENS.get(digest)
    if seen is None:
        return None
    recheck = ctx.settings.api_token_recheck_seconds
    now = time.monotonic()
    if now - seen[0] >= recheck:
        if recheck > 0:  # this caller re-checks; others keep the known user meanwhile
            CHECKED_TOKENS[digest] = (now, seen[1])
        return None
    return seen[1]


def user_by_id(ctx: Context, user_id: int) -> UserView:
    with ctx.db.transaction() as session:
        user = users_repo.get(session, user_id)
        if user is None or not user.active:
            raise AuthenticationError("the session's user no longer exists or is inactive")
        return _view(ctx, session, user)


def _secret_key(ctx: Context) -> str:
    if ctx.settings.secret_key:
        return ctx.settings.secret_key
    path: Path = ctx.settings.data_dir / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def _serializer(ctx: Context) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(_secret_key(ctx), salt=SESSION_SALT)


def issue_session(ctx: Context, user: UserView) -> str:
    """A signed cookie value naming the user; valid for ``session_hours``."""
    return _serializer(ctx).dumps({"uid": user.id, "n": secrets.token_hex(8)})


def user_for_session(ctx: Context, cookie: str) -> UserView:
    try:
        data = _serializer(ctx).loads(cookie, max_age=int(ctx.settings.session_hours * 3600))
    except SignatureExpired as exc:
        raise AuthenticationError("session expired; sign in again") from exc
    except BadSignature as exc:
        raise AuthenticationError("invalid session") from exc
    if not isinstance(data, dict) or not isinstance(data.get("uid"), int):
        raise AuthenticationError("invalid session")
    return user_by_id(ctx, data["uid"])


class HasRoles(Protocol):
    """A signed-in person, an API system or a job: anything that acts with roles."""

    @property
    def username(self) -> str: ...

    @property
    def roles(self) -> frozenset[str]: ...


def ensure_role(user: HasRoles, allowed: Iterable[Role | str], what: str | None = None) -> None:
    """Raise :class:`PermissionDeniedError` unless the actor holds one of the allowed roles.

    Every service and entry point checks roles through this one function, so the rule
    and its message are the same for the API, the pages and the command line.
    """
    wanted = {str(r) for r in allowed}
    if not wanted & set(user.roles):
        needs = ", ".join(sorted(wanted))
        raise PermissionDeniedError(
            f"{user.username}: {what or 'this action'} needs one of the roles: {needs}"
        )
