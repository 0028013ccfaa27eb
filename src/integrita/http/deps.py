"""FastAPI dependencies: the service context, the signed-in user and the permission check.

A request is identified by ``Authorization: Bearer <token>`` (systems) or by the
session cookie (people using the pages); a browser's state-changing request must also send
its session's CSRF token. Every route declares exactly one ``require(Permission.X)``, read from
the one permission table (:mod:`integrita.domain.permissions`); a test walks the route table to
prove it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from integrita.domain.permissions import Permission
from integrita.errors import AuthenticationError
from integrita.services.core import auth, sessions
from integrita.services.core.context import Context
from integrita.services.core.permissions import ensure_permitted
from integrita.services.core.users import UserView

SESSION_COOKIE = "integrita_session"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


# The dependencies are ``async`` so that FastAPI runs them on the event loop instead of
# handing each to a worker thread; what reads the database still runs in the thread pool.
async def get_ctx(request: Request) -> Context:
    ctx = request.app.state.ctx
    assert isinstance(ctx, Context)
    return ctx


async def token_user(ctx: Context, token: str) -> UserView:
    """The user of an API token; the database is asked at most every few seconds per token."""
    known = auth.recent_user_for_token(ctx, token)
    if known is not None:
        return known
    return await run_in_threadpool(auth.user_for_token, ctx, token)


async def current_user(request: Request, ctx: Context = Depends(get_ctx)) -> UserView:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return await token_user(ctx, header[7:].strip())
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        signed_in = await run_in_threadpool(sessions.resolve, ctx, cookie)
        request.state.csrf_token = signed_in.csrf_token
        if request.method not in SAFE_METHODS:
            sessions.check_csrf(signed_in.csrf_token, await sent_csrf_token(request))
        return signed_in.user
    raise AuthenticationError("sign in or send an API token")


async def sent_csrf_token(request: Request) -> str | None:
    """The CSRF token a browser sent: htmx puts it in a header, a plain form in a field."""
    header = request.headers.get(CSRF_HEADER)
    if header:
        return header
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        value = (await request.form()).get(CSRF_FIELD)  # parsed once; the route reuses it
        return value if isinstance(value, str) else None
    return None


_REQUIREMENTS: dict[Permission, Callable[..., Awaitable[UserView]]] = {}


def require(permission: Permission) -> Callable[..., Awaitable[UserView]]:
    """A dependency that yields the user when they hold ``permission`` (403 otherwise).

    One dependency per permission (made once), so a route's permission can be read back from
    its dependency: ``dependency.permission``.
    """
    known = _REQUIREMENTS.get(permission)
    if known is not None:
        return known

    async def dependency(user: UserView = Depends(current_user)) -> UserView:
        ensure_permitted(user, permission)
        return user

    dependency.__name__ = f"require_{permission.value.replace('.', '_')}"
    dependency.permission = permission  # type: ignore[attr-defined]
    _REQUIREMENTS[permission] = dependency
    return dependency
