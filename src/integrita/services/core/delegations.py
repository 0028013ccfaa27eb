"""Delegation: an administrator names a deputy for a role for a period, so a one-person role can
still be exercised when its holder may not act (an MLRO cannot sign the self-assessment they
drafted; their deputy can).

During the period (bank-local dates, both ends included) the deputy holds the role for every
check — the user view that routes, pages, the CLI and services read folds it in
(:func:`integrita.services.core.users.view_of`). Delegating, and revoking, is audited. Separation of duties is
unchanged: a deputy who drafted a record still cannot approve it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from integrita.domain.permissions import Permission
from integrita.domain.roles import Role
from integrita.errors import InputError, NotFoundError, StateTransitionError
from integrita.services.core import audit
from integrita.services.core.context import Context
from integrita.services.core.permissions import HasRoles, ensure_permitted
from integrita.services.core.users import CHECKED_TOKENS
from integrita.store.models import RoleDelegation
from integrita.store.repositories import delegations as repo
from integrita.store.repositories import users as users_repo

MIN_REASON = 5
#: A delegation covers an absence, not a career: at most this many days.
MAX_DAYS = 366


@dataclass(frozen=True, slots=True)
class DelegationView:
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


def _view(row: RoleDelegation, deputy: str, today: date) -> DelegationView:
    return DelegationView(
        row.id,
        row.role,
        deputy,
        row.valid_from,
        row.valid_until,
        row.reason,
        row.granted_by,
        row.granted_at,
        row.revoked_by,
        row.revoked_at,
        row.revoked_at is None and row.valid_from <= today <= row.valid_until,
    )


def delegate(
    ctx: Context,
    role: str,
    deputy: str,
    valid_from: date,
    valid_until: date,
    reason: str,
    *,
    actor: HasRoles,
) -> DelegationView:
    """Name ``deputy`` to hold ``role`` from ``valid_from`` to ``valid_until`` (local dates)."""
    ensure_permitted(actor, Permission.DELEGATION_ADMIN)
    try:
        parsed = Role(role.strip().lower())
    except ValueError as exc:
        known = ", ".join(r.value for r in Role)
        raise InputError(f"unknown role {role!r}; known roles: {known}", field="role") from exc
    if valid_until < valid_from:
        raise InputError("the period ends before it starts", field="valid_until")
    if (valid_until - valid_from).days + 1 > MAX_DAYS:
        raise InputError(f"a delegation lasts at most {MAX_DAYS} days", field="valid_until")
    if valid_until < ctx.local_date():
        raise InputError("the period is already over", field="valid_until")
    if len(reason.strip()) < MIN_REASON:
        raise InputError(f"say why, in at least {MIN_REASON} characters", field="reason")
    if deputy == actor.username:
        raise InputError("an administrator cannot name themselves as a deputy", field="deputy")
    at = ctx.now()
    with ctx.db.transaction() as session:
        user = users_repo.get_by_username(session, deputy)
        if user is None or not user.active:
            raise NotFoundError(f"no active user {deputy!r}")
        if parsed.value in user.role_names:
            raise InputError(f"{deputy} already holds the role {parsed.value}", field="role")
        row = repo.add(
            session,
            role=parsed.value,
            deputy_user_id=user.id,
            valid_from=valid_from,
            valid_until=valid_until,
            reason=reason.strip(),
            granted_by=actor.username,
            granted_at=at,
        )
        audit.record(
            session,
            at=at,
            actor=actor.username,
            action="user.role_delegated",
            entity_type="role_delegation",
            entity_id=row.id,
            after={
                "role": parsed.value,
                "deputy": deputy,
                "from": valid_from.isoformat(),
                "until": valid_until.isoformat(),
                "reason": row.reason,
            },
        )
        CHECKED_TOKENS.clear()
        return _view(row, deputy, ctx.local_date())


def list_delegations(ctx: Context, *, actor: HasRoles) -> list[DelegationView]:
    """Every delegation, newest first, with whether it is in force today."""
    ensure_permitted(actor, Permission.DELEGATION_ADMIN)
    today = ctx.local_date()
    with ctx.db.transaction() as session:
        return [_view(row, name, today) for row, name in repo.listing(session)]


def revoke(ctx: Context, delegation_id: int, *, actor: HasRoles) -> DelegationView:
    """End a delegation now; the deputy stops holding the role at their next check."""
    ensure_permitted(actor, Permission.DELEGATION_ADMIN)
    at = ctx.now()
    with ctx.db.transaction() as session:
        row = repo.get(session, delegation_id)
        if row is None:
            raise NotFoundError(f"no delegation {delegation_id}")
        if row.revoked_at is not None:
            raise StateTransitionError(f"delegation {delegation_id} is already revoked")
        row.revoked_by, row.revoked_at = actor.username, at
        deputy = users_repo.get(session, row.deputy_user_id)
        audit.record(
            session,
            at=at,
            actor=actor.username,
            action="user.delegation_revoked",
            entity_type="role_delegation",
            entity_id=row.id,
            before={"revoked": False},
            after={"revoked": True, "role": row.role},
        )
        CHECKED_TOKENS.clear()
        return _view(row, deputy.username if deputy else "?", ctx.local_date())
