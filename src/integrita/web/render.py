"""Jinja2 rendering shared by every page, and the navigation each capability adds to."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from integrita.domain.permissions import Permission, roles_for
from integrita.domain.roles import Role
from integrita.services.core.users import UserView

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).resolve().parent / "templates"))


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
