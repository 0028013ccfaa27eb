"""Jinja2 rendering shared by every page, and the navigation each capability adds to."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypedDict, TypeVar
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from integrita.domain.casework import score_text
from integrita.domain.permissions import Permission, roles_for
from integrita.domain.roles import Role
from integrita.errors import IntegritaError
from integrita.services.core.users import UserView

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).resolve().parent / "templates"))
#: Alert and case scores with the precision that tells strong alerts apart (``{{ a.score|score }}``).
TEMPLATES.env.filters["score"] = score_text


@dataclass(frozen=True, slots=True)
class NavItem:
    label: str
    path: str
    roles: frozenset[Role]


#: Capabilities append their pages here (label, path, roles that see the link).
NAV: list[NavItem] = []


def add_nav(label: str, path: str, permission: Permission) -> None:
    """A link shown to the holders of ``permission`` (the page itself checks it again)."""
    if not any(item.path == path for item in NAV):
        NAV.append(NavItem(label, path, roles_for(permission)))


def nav_for(user: UserView | None) -> list[NavItem]:
    if user is None:
        return []
    return [item for item in NAV if {r.value for r in item.roles} & set(user.roles)]


def page(
    request: Request, template: str, user: UserView | None, status_code: int = 200, **context: Any
) -> HTMLResponse:
    """Render a page inside the base layout with the user's navigation."""
    return TEMPLATES.TemplateResponse(
        request,
        template,
        {
            "user": user,
            "nav": nav_for(user),
            "csrf_token": getattr(request.state, "csrf_token", ""),
            **context,
        },
        status_code=status_code,
    )


def redirect_back(
    path: str, error: IntegritaError | None = None, notice: str | None = None
) -> Response:
    """Post/redirect/get: a refused step comes back to ``path`` as a message naming the field,
    a step taken as its notice."""
    sep = "&" if "?" in path else "?"
    if error is not None:
        field = getattr(error, "field", None)
        text = f"{field}: {error}" if field else str(error)
        return RedirectResponse(f"{path}{sep}error={quote(text)}", status_code=303)
    suffix = f"{sep}notice={quote(notice)}" if notice else ""
    return RedirectResponse(f"{path}{suffix}", status_code=303)


T = TypeVar("T")


def redirect_after(
    path: str,
    step: Callable[[], T],
    notice: str | Callable[[T], str] | None = None,
    *,
    then: Callable[[T], str] | None = None,
) -> Response:
    """Take ``step`` and go to ``then(result)`` (default: back to ``path``) with ``notice`` (a
    text, one made from the result, or none), or come back to ``path`` with the refusal's
    message."""
    try:
        done = step()
    except IntegritaError as exc:
        return redirect_back(path, exc)
    text = notice(done) if callable(notice) else notice
    return redirect_back(then(done) if then else path, notice=text)


class Messages(TypedDict):
    error: str | None
    notice: str | None


def messages(request: Request) -> Messages:
    """The ``error`` and ``notice`` a redirect back (:func:`redirect_back`) carried to the page."""
    return {
        "error": request.query_params.get("error"),
        "notice": request.query_params.get("notice"),
    }
