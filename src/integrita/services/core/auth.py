"""Sign-in, sessions, API tokens and role checks.

Failed sign-ins are counted per user and audited; after ``sign_in_max_failures``
the account is locked for ``sign_in_lock_minutes`` (rate limiting against
password guessing). Web sessions live in :mod:`integrita.services.core.sessions`; API
tokens are looked up by their SHA-256 hash. Permissions are checked through
:func:`integrita.services.core.permissions.ensure_permitted`.
"""

from __future__ import annotations

import secrets
import time
from datetime import timedelta

from integrita.errors import AuthenticationError
from integrita.services.core import audit
from integrita.services.core.context import Context
from integrita.services.core.users import (
    CHECKED_TOKENS,
    CHECKED_TOKENS_MAX,
    UserView,
    hash_password,
    hash_token,
    password_matches,
    view_of,
)
from integrita.store import Session
from integrita.store.models import User
from integrita.store.repositories import counters
from integrita.store.repositories import users as users_repo


def _view(ctx: Context, session: Session, user: User) -> UserView:
    """The signed-in user with the roles they hold today, delegated roles included."""
    return view_of(session, user, ctx.local_date())


#: The message for every refused sign-in: an unknown user, a wrong password and a locked
#: account look the same, so the answer does not tell which usernames exist.
REFUSED = "sign-in refused: wrong username or password, or the account is locked"

_dummy_hash: list[str] = []


def _dummy_password_hash() -> str:
    """An argon2 hash of a random password, made once: an unknown user's password is checked
    against it so that the refusal takes as long as a real user's."""
    if not _dummy_hash:
        _dummy_hash.append(hash_password(secrets.token_urlsafe(16)))
    return _dummy_hash[0]


def sign_in(ctx: Context, username: str, password: str, *, source: str = "web") -> UserView:
    """Check a password; count, audit and lock on failure. Raises :class:`AuthenticationError`.

    Every path hashes the password once (an unknown or inactive user against a dummy hash,
    a locked user against their own, result ignored) and every refusal has the same message,
    so neither the time taken nor the answer reveals whether a username exists. The failure
    count is one conditional UPDATE, so concurrent guesses cannot slip past the limit.
    """
    now = ctx.now()
    with ctx.db.transaction() as session:
        user = users_repo.get_by_username(session, username)
        known = user is not None and user.active
        matches = password_matches(
            user.password_hash if known and user is not None else _dummy_password_hash(),
            password,
        )
        if user is None or not user.active:
            audit.record(
                session,
                at=now,
                actor=username[:64] or "?",
                action="auth.sign_in_failed",
                entity_type="user",
                entity_id=username[:64] or "?",
                after={"reason": "unknown or inactive user", "source": source},
            )
        elif user.locked_until is not None and user.locked_until > now:
            audit.record(
                session,
                at=now,
                actor=username,
                action="auth.sign_in_refused_locked",
                entity_type="user",
                entity_id=user.id,
                after={"locked_until": user.locked_until.isoformat(), "source": source},
            )
        elif not matches:
            lock_until = now + timedelta(minutes=ctx.settings.sign_in_lock_minutes)
            locked = counters.count_failed_sign_in(
                session, user.id, now, ctx.settings.sign_in_max_failures, lock_until
            )
            after: dict[str, object] = {"reason": "wrong password", "source": source}
            if locked:
                after["locked_until"] = lock_until.isoformat()
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
            counters.reset_failed_sign_ins(session, user.id)
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
    raise AuthenticationError(REFUSED)


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
