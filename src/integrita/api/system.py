"""Health and identity endpoints."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from integrita.domain.permissions import Permission
from integrita.http.deps import require
from integrita.services.core.users import UserView

router = APIRouter(tags=["system"])


class Health(BaseModel):
    status: str


class Me(BaseModel):
    username: str
    display_name: str
    roles: list[str]


@router.get("/v1/health", response_model=Health)
async def health() -> Health:
    """Liveness probe; the only route that needs no sign-in. Answered on the event loop
    without touching the database, so a busy database never makes it late."""
    return Health(status="ok")


@router.get("/v1/me", response_model=Me)
def me(user: UserView = Depends(require(Permission.SIGNED_IN))) -> Me:
    """Who the caller is and which roles they hold."""
    return Me(username=user.username, display_name=user.display_name, roles=sorted(user.roles))
