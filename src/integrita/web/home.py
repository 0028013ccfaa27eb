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
from integrita.services.core import auth, sessions
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
    """Check the password; on success start a server-side session and set its cookie."""
    try:
        user = auth.sign_in(ctx, username, password, source="web")
    except AuthenticationError as exc:
        return page(
            request, "signin.html", None, status_code=401, next=_safe_next(next), error=str(exc)
        )
    previous = request.cookies.get(SESSION_COOKIE)
    if previous:  # a new session id at every sign-in; the one the browser had ends
        sessions.end(ctx, previous)
    cookie, _ = sessions.start(ctx, user)
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        cookie,
        httponly=True,
        samesite="strict",
        secure=secure_cookies(ctx),
        max_age=int(ctx.settings.session_hours * 3600),
    )
    return response


def secure_cookies(ctx: Context) -> bool:
    """Cookies are sent only over https when people reach integrita over https."""
    return (ctx.settings.public_url or "").lower().startswith("https://")


@router.post("/signout")
def signout(request: Request, ctx: Context = Depends(get_ctx)) -> Response:
    """End the session in the database (the same cookie stops working at once) and forget
    the cookie; open to everyone."""
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        sessions.end(ctx, cookie)
    response = RedirectResponse("/signin", status_code=303)
    response.delete_cookie(SESSION_COOKIE, httponly=True, samesite="strict")
    return response


@router.get("/", response_class=HTMLResponse)
def home(request: Request, user: UserView = Depends(require(Permission.SIGNED_IN))) -> Response:
    """The start page lists what the signed-in person can open."""
    return page(request, "home.html", user, items=nav_for(user))
