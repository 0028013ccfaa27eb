"""Delegation API: an administrator names, lists and revokes deputies for a role."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from integrita.domain.permissions import Permission
from integrita.http.deps import get_ctx, require
from integrita.http.fields import BoundedDate, Code, Id, LongText, StrictModel
from integrita.services.core import delegations
from integrita.services.core.context import Context
from integrita.services.core.delegations import DelegationView
from integrita.services.core.users import UserView

router = APIRouter(prefix="/v1/delegations", tags=["users"])


class DelegationIn(StrictModel):
    role: Code
    deputy: Code
    valid_from: BoundedDate
    valid_until: BoundedDate
    reason: LongText


@router.get("", response_model=list[DelegationView])
def list_delegations(
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require(Permission.DELEGATION_ADMIN)),
) -> list[DelegationView]:
    """Every delegation, newest first, with whether it is in force today (bank-local date)."""
    return delegations.list_delegations(ctx, actor=user)


@router.post("", status_code=201, response_model=DelegationView)
def delegate(
    body: DelegationIn,
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require(Permission.DELEGATION_ADMIN)),
) -> DelegationView:
    """Name a deputy who holds the role from ``valid_from`` to ``valid_until`` (both included)."""
    view = delegations.delegate(
        ctx, body.role, body.deputy, body.valid_from, body.valid_until, body.reason, actor=user
    )
    return view


@router.post("/{delegation_id}/revoke", response_model=DelegationView)
def revoke(
    delegation_id: Id,
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require(Permission.DELEGATION_ADMIN)),
) -> DelegationView:
    """End a delegation now; the deputy loses the role at their next request."""
    return delegations.revoke(ctx, delegation_id, actor=user)
