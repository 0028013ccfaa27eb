"""Server-side web sessions: the cookie is a random id, the session a row that can be ended.

A signed, self-contained cookie cannot be taken back: signing out only deleted it in the
browser, and a copied cookie kept working for hours. Here the cookie carries 256 random
bits; the database keeps only their SHA-256, so a copy of the database does not let anyone
take over a session. A session ends when the person signs out, when it has been idle for
``session_idle_minutes``, after ``session_hours`` in any case, and when the user is
deactivated. Each session carries its own CSRF token, which every form and htmx request
must send back (:func:`check_csrf`).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from integrita.errors import AuthenticationError, PermissionDeniedError
from integrita.services.core.context import Context
from integrita.services.core.users import UserView, view_of
from integrita.store.repositories import users as users_repo

#: How often the idle clock is written: once a minute, not on every page.
TOUCH_INTERVAL = timedelta(seconds=60)


@dataclass(frozen=True, slots=True)
class SignedInSession:
    user: UserView
    csrf_token: str


def _digest(cookie: str) -> str:
    return hashlib.sha256(cookie.encode()).hexdigest()


def start(ctx: Context, user: UserView) -> tuple[str, SignedInSession]:
    """A new session for a signed-in user; returns the cookie value (shown only to the
    browser) and the session."""
    cookie = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    now = ctx.now()
    expires = now + timedelta(hours=ctx.settings.session_hours)
    with ctx.db.transaction() as session:
        users_repo.add_session(session, _digest(cookie), user.id, csrf, now, expires)
    return cookie, SignedInSession(user, csrf)


def resolve(ctx: Context, cookie: str) -> SignedInSession:
    """The live session a cookie names; :class:`AuthenticationError` when it was revoked,
    has been idle too long, is past its absolute lifetime or its user is deactivated."""
    if not cookie or len(cookie) > 128:
        raise AuthenticationError("invalid session; sign in again")
    now = ctx.now()
    idle = timedelta(minutes=ctx.settings.session_idle_minutes)
    digest = _digest(cookie)
    with ctx.db.transaction() as session:
        found = users_repo.live_session(session, digest)
        if found is None:
            raise AuthenticationError("session ended; sign in again")
        row, user = found
        if now >= row.expires_at or now - row.last_seen_at >= idle:
            users_repo.revoke_session(session, digest, now)
            raise AuthenticationError("session expired; sign in again")
        if now - row.last_seen_at >= TOUCH_INTERVAL:
            users_repo.touch_session(session, digest, now, now - TOUCH_INTERVAL)
        # the roles held today, delegated ones included, as every other entry point sees them
        return SignedInSession(view_of(session, user, ctx.local_date()), row.csrf_token)


def end(ctx: Context, cookie: str) -> bool:
    """Sign out: the session is revoked in the database, so the same cookie stops working."""
    if not cookie or len(cookie) > 128:
        return False
    with ctx.db.transaction() as session:
        return users_repo.revoke_session(session, _digest(cookie), ctx.now())


def check_csrf(expected: str, sent: str | None) -> None:
    """A state-changing request from a browser must send back its session's CSRF token
    (a hidden form field, or the ``X-CSRF-Token`` header htmx adds). Another site can make
    the browser send the cookie, but cannot read the token from our pages."""
    if not sent or not hmac.compare_digest(expected.encode(), sent.encode()):
        raise PermissionDeniedError(
            "the form's security token is missing or stale; reload the page and try again"
        )
