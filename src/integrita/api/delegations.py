"""Delegation API: an administrator names, lists and revokes deputies for a role."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from integrita.domain.permissions import Permission, roles_for
from integrita.http.deps import get_ctx, require_roles
from integrita.services.core import delegations
from integrita.services.core.context import Context
from integrita.services.core.users import UserView

router = APIRouter(prefix="/v1/delegations", tags=["users"])

ADMINISTRATORS = tuple(sorted(roles_for(Permission.DELEGATION_ADMIN)))


class DelegationIn(BaseModel):
    role: str
    deputy: str
    valid_from: date
    valid_until: date
    reason: str


class DelegationOut(BaseModel):
    id: int
    role: str
    deputy: str
    valid_from: date
    valid_until: date
    reason: str
    granted_by: str
    granted_at: datetime
    revoked_by: str | None
    revoked_at: datetime | None
    in_force: bool


def _out(view: delegations.DelegationView) -> DelegationOut:
    return DelegationOut(**asdict(view))


@router.get("", response_model=list[DelegationOut])
def list_delegations(
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require_roles(*ADMINISTRATORS)),
) -> list[DelegationOut]:
    """Every delegation, newest first, with whether it is in force today (bank-local date)."""
    return [_out(v) for v in delegations.list_delegations(ctx, actor=user)]


@router.post("", status_code=201, response_model=DelegationOut)
def delegate(
    body: DelegationIn,
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require_roles(*ADMINISTRATORS)),
) -> DelegationOut:
    """Name a deputy who holds the role from ``valid_from`` to ``valid_until`` (both included)."""
    view = delegations.delegate(
        ctx, body.role, body.deputy, body.valid_from, body.valid_until, body.reason, actor=user
    )
    return _out(view)


@router.post("/{delegation_id}/revoke", response_model=DelegationOut)
def revoke(
    delegation_id: int,
    ctx: Context = Depends(get_ctx),
    user: UserView = Depends(require_roles(*ADMINISTRATORS)),
) -> DelegationOut:
    """End a delegation now; the deputy loses the role at their next request."""
    return _out(delegations.revoke(ctx, delegation_id, actor=user))
