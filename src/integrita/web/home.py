"""Sign-in, sign-out and the start page."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlparse

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from integrita.domain.permissions import Permission
from integrita.errors import AuthenticationError
from integrita.http.deps import SESSION_COOKIE, get_ctx, require
from integrita.http.fields import Note
from integrita.services.core import auth
from integrita.services.core.context import Context
from integrita.services.core.users import UserView
from integrita.web.render import nav_for, page

router = APIRouter(include_in_schema=False)


def _safe_next(target: str | None) -> str:
    """Only same-site relative paths are followed after sign-in (no open redirect)."""
    if (
        not target
        or not target.startswith("/")
        or target.startswith("//")
        or urlparse(target).netloc
    ):
        return "/"
    return target


@router.get("/signin", response_class=HTMLResponse)
def signin_form(request: Request, next: str | None = None) -> Response:
    """The sign-in page; open to everyone."""
    return page(request, "signin.html", None, next=_safe_next(next), error=None)


@router.post("/signin", response_class=HTMLResponse)
def signin_submit(
    request: Request,
    username: Annotated[Note, Form()],
    password: Annotated[Note, Form()],
    next: Annotated[Note, Form()] = "/",
    ctx: Context = Depends(get_ctx),
) -> Response:
    """Check the password; on success set the signed session cookie."""
    try:
        user = auth.sign_in(ctx, username, password, source="web")
    except AuthenticationError as exc:
        return page(
            request, "signin.html", None, status_code=401, next=_safe_next(next), error=str(exc)
        )
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        auth.issue_session(ctx, user),
        httponly=True,
        samesite="strict",
        max_age=int(ctx.settings.session_hours * 3600),
    )
    return response


@router.post("/signout")
def signout() -> Response:
    """Forget the session cookie; open to everyone."""
    response = RedirectResponse("/signin", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/", response_class=HTMLResponse)
def home(request: Request, user: UserView = Depends(require(Permission.SIGNED_IN))) -> Response:
    """The start page lists what the signed-in person can open."""
    return page(request, "home.html", user, items=nav_for(user))
