"""Delegation API: an administrator names, lists and revokes deputies for a role."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from integrita.domain.permissions import Permission, roles_for
from integrita.http.deps import get_ctx, require_roles
from integrita.services.core import delegations
from integrita.services.core.context import Context
from integrita.services.core.delegations import DelegationView
from integrita.services.core.users import UserView

router = APIRouter(prefix="/v1/delegations", tags=["users"])

ADMINISTRATORS = tuple(sorted(roles_for(Permission.DELEGATION_ADMIN)))


class DelegationIn(BaseModel):
    role: str
    deputy: str
    valid_from: date
    valid_until: date
    reason: str


@router.get("", response_model=list[DelegationView])
def list_delegations(
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require_roles(*ADMINISTRATORS)),
) -> list[DelegationView]:
    """Every delegation, newest first, with whether it is in force today (bank-local date)."""
    return delegations.list_delegations(ctx, actor=user)


@router.post("", status_code=201, response_model=DelegationView)
def delegate(
    body: DelegationIn,
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require_roles(*ADMINISTRATORS)),
) -> DelegationView:
    """Name a deputy who holds the role from ``valid_from`` to ``valid_until`` (both included)."""
    view = delegations.delegate(
        ctx, body.role, body.deputy, body.valid_from, body.valid_until, body.reason, actor=user
    )
    return view


@router.post("/{delegation_id}/revoke", response_model=DelegationView)
def revoke(
    delegation_id: int,
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require_roles(*ADMINISTRATORS)),
) -> DelegationView:
    """End a delegation now; the deputy loses the role at their next request."""
    return delegations.revoke(ctx, delegation_id, actor=user)
