"""FastAPI dependencies: the service context, the signed-in user and role checks.

A request is identified by ``Authorization: Bearer <token>`` (systems) or by the
signed session cookie (people using the pages). ``require_roles`` is attached to
every route; a test walks the route table to prove it.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Depends, Request

from integrita.domain.roles import Role
from integrita.errors import AuthenticationError
from integrita.services import auth
from integrita.services.context import Context
from integrita.services.users import UserView

SESSION_COOKIE = "integrita_session"


def get_ctx(request: Request) -> Context:
    ctx = request.app.state.ctx
    assert isinstance(ctx, Context)
    return ctx


def current_user(request: Request, ctx: Context = Depends(get_ctx)) -> UserView:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return auth.user_for_token(ctx, header[7:].strip())
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        return auth.user_for_session(ctx, cookie)
    raise AuthenticationError("sign in or send an API token")


def require_roles(*roles: Role) -> Callable[..., UserView]:
    """A dependency that yields the user when they hold one of ``roles`` (403 otherwise)."""

    def dependency(user: UserView = Depends(current_user)) -> UserView:
        auth.ensure_role(user, roles)
        return user

    dependency.__name__ = f"require_{'_or_'.join(r.value for r in roles)}"
    dependency.allowed_roles = frozenset(roles)  # type: ignore[attr-defined]
    return dependency


#: Any signed-in person or system.
ANY_ROLE: tuple[Role, ...] = tuple(Role)
