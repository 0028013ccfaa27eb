"""Manual overrides of a customer's band: a reason, and a second person's approval (four-eyes)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from integrita.domain.permissions import Permission
from integrita.domain.risk import Band, next_review_due
from integrita.errors import ConflictError, InputError, NotFoundError, StateTransitionError
from integrita.services.core import audit
from integrita.services.core.context import Context
from integrita.services.core.permissions import ensure_permitted
from integrita.services.core.users import UserView
from integrita.services.risk.rating import current_config
from integrita.store.models import RiskOverride
from integrita.store.repositories import risk as repo

MIN_REASON = 10


@dataclass(frozen=True, slots=True)
class OverrideView:
    id: int
    customer_id: str
    from_band: str
    to_band: str
    reason: str
    requested_by: str
    requested_at: datetime
    status: str
    decided_by: str | None
    decided_at: datetime | None
    decision_note: str | None


def _view(row: RiskOverride) -> OverrideView:
    return OverrideView(
        row.id,
        row.customer_id,
        row.from_band,
        row.to_band,
        row.reason,
        row.requested_by,
        row.requested_at,
        row.status,
        row.decided_by,
        row.decided_at,
        row.decision_note,
    )


def request_override(
    ctx: Context, customer_id: str, to_band: str, reason: str, *, actor: UserView
) -> OverrideView:
    """An analyst asks to change the customer's band; nothing changes until someone else approves."""
    ensure_permitted(actor, Permission.RISK_OVERRIDE_REQUEST)
    try:
        band = Band(to_band)
    except ValueError as exc:
        raise InputError(f"unknown band {to_band!r}", field="to_band") from exc
    if len(reason.strip()) < MIN_REASON:
        raise InputError(
            f"a reason of at least {MIN_REASON} characters is required", field="reason"
        )
    at = ctx.now()
    with ctx.db.transaction() as session:
        state = repo.status(session, customer_id)
        if state is None:
            raise StateTransitionError(f"customer {customer_id} has no rating to override yet")
        current = state.override_band or state.band
        if band.value == current:
            raise InputError(f"customer {customer_id} is already {current}", field="to_band")
        if repo.overrides(session, "pending", customer_id):
            raise ConflictError(f"customer {customer_id} already has an override awaiting approval")
        row = repo.add_override(
            session,
            customer_id=customer_id,
            run_id=state.run_id,
            from_band=current,
            to_band=band.value,
            reason=reason.strip(),
            requested_by=actor.username,
            requested_at=at,
            status="pending",
        )
        audit.record(
            session,
            at=at,
            actor=actor.username,
            action="risk.override_requested",
            entity_type="risk_override",
            entity_id=row.id,
            after={
                "customer_id": customer_id,
                "from": current,
                "to": band.value,
                "reason": row.reason,
            },
        )
        return _view(row)


def decide_override(
    ctx: Context, override_id: int, approve: bool, note: str, *, actor: UserView
) -> OverrideView:
    """A reviewer or the MLRO approves or rejects; never the person who asked (server-enforced)."""
    ensure_permitted(actor, Permission.RISK_OVERRIDE_DECIDE)
    at = ctx.now()
    with ctx.db.transaction() as session:
        row = repo.get_override(session, override_id)
        if row is None:
            raise NotFoundError(f"no override {override_id}")
        if row.status != "pending":
            raise StateTransitionError(f"override {override_id} is already {row.status}")
        if row.requested_by == actor.username:
            raise StateTransitionError(
                "four-eyes: the person who requested an override cannot also approve or reject it"
            )
        if not approve and len(note.strip()) < 3:
            raise InputError("say why the override is rejected", field="note")
        row.status = "approved" if approve else "rejected"
        row.decided_by, row.decided_at, row.decision_note = actor.username, at, note.strip() or None
        if approve:
            state = repo.status(session, row.customer_id)
            if state is None:
                raise StateTransitionError(f"customer {row.customer_id} lost its rating")
            config = current_config(session, at, actor.username)
            state.override_id, state.override_band = row.id, row.to_band
            state.next_review_due = next_review_due(
                ctx.calendar, ctx.local_date(at), config.review_months(row.to_band)
            )
        session.flush()
        audit.record(
            session,
            at=at,
            actor=actor.username,
            action="risk.override_approved" if approve else "risk.override_rejected",
            entity_type="risk_override",
            entity_id=row.id,
            before={"status": "pending"},
            after={
                "status": row.status,
                "customer_id": row.customer_id,
                "to": row.to_band,
                "note": row.decision_note,
            },
        )
        return _view(row)


def list_overrides(
    ctx: Context, status: str | None = None, customer_id: str | None = None
) -> list[OverrideView]:
    with ctx.db.transaction() as session:
        return [_view(r) for r in repo.overrides(session, status, customer_id)]
