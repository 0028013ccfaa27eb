"""Manual overrides of a customer's band: a reason, and a second person's approval.

Both steps go through the one workflow engine (:data:`integrita.domain.risk.OVERRIDE_WORKFLOW`):
the requester never decides; lowering a customer with a filed STR below "high" needs the MLRO;
and the next review of the overridden customer comes no later than the policy's review interval
for the band they end up in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from integrita.domain.casework import SUBMITTED_STATUSES
from integrita.domain.risk import (
    NEW,
    OVERRIDE_WORKFLOW,
    Band,
    OverrideState,
    lowers_below_high,
    next_review_due,
)
from integrita.errors import ConflictError, InputError, NotFoundError, StateTransitionError
from integrita.services.core import workflow as engine
from integrita.services.core.context import Context
from integrita.services.core.permissions import HasRoles, as_actor
from integrita.services.core.view_objects import view_of
from integrita.services.risk.configuration import current_config
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
    return view_of(OverrideView, row)


def _record(override_id: int) -> engine.RecordRef:
    return engine.RecordRef("risk_override", override_id)


def request_override(
    ctx: Context, customer_id: str, to_band: str, reason: str, *, actor: HasRoles
) -> OverrideView:
    """An analyst asks to change the customer's band; nothing changes until someone else approves."""
    who = as_actor(actor)
    OVERRIDE_WORKFLOW.check(NEW, "request", who)
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
        if repo.overrides(session, OverrideState.PENDING, customer_id):
            raise ConflictError(f"customer {customer_id} already has an override awaiting approval")
        row = repo.add_override(
            session,
            customer_id=customer_id,
            run_id=state.run_id,
            from_band=current,
            to_band=band.value,
            reason=reason.strip(),
            requested_by=who.username,
            requested_at=at,
            status=OverrideState.PENDING.value,
        )
        engine.transition(
            session,
            OVERRIDE_WORKFLOW,
            _record(row.id),
            NEW,
            "request",
            who,
            at=at,
            after={
                "customer_id": customer_id,
                "from": current,
                "to": band.value,
                "reason": row.reason,
            },
        )
        return _view(row)


def decide_override(
    ctx: Context,
    override_id: int,
    approve: bool,
    note: str,
    *,
    actor: HasRoles,
    next_review_on: date | None = None,
) -> OverrideView:
    """A reviewer or the MLRO approves or rejects; never the person who asked.

    ``next_review_on`` (a bank-local date) brings the customer's next review forward; it may not
    lie beyond the policy's review interval for the new band, which is the default.
    """
    who = as_actor(actor)
    action = "approve" if approve else "reject"
    at = ctx.now()
    with ctx.db.transaction() as session:
        row = repo.get_override(session, override_id)
        if row is None:
            raise NotFoundError(f"no override {override_id}")
        config = current_config(session, at, who.username)
        latest = next_review_due(ctx.calendar, ctx.local_date(), config.review_months(row.to_band))
        facts = {
            "customer_id": row.customer_id,
            "to_band": row.to_band,
            "str_subject": repo.has_str_in(session, row.customer_id, SUBMITTED_STATUSES),
            "lowers_below_high": lowers_below_high(row.from_band, row.to_band),
            "next_review_on": next_review_on,
            "latest_review_on": latest,
        }
        step = engine.check(
            session, OVERRIDE_WORKFLOW, _record(row.id), row.status, action, who, facts=facts
        )
        if not approve and len(note.strip()) < 3:
            raise InputError("say why the override is rejected", field="note")
        before = row.status
        row.status = str(step.target)
        row.decided_by, row.decided_at, row.decision_note = who.username, at, note.strip() or None
        review_on = next_review_on or latest
        if approve:
            state = repo.status(session, row.customer_id)
            if state is None:
                raise StateTransitionError(f"customer {row.customer_id} lost its rating")
            state.override_id, state.override_band = row.id, row.to_band
            state.next_review_due = review_on
        session.flush()
        engine.transition(
            session,
            OVERRIDE_WORKFLOW,
            _record(row.id),
            before,
            action,
            who,
            at=at,
            facts=facts,
            before={"status": before},
            after={
                "customer_id": row.customer_id,
                "to": row.to_band,
                "note": row.decision_note,
                **({"next_review_on": review_on.isoformat()} if approve else {}),
            },
        )
        return _view(row)


def list_overrides(
    ctx: Context, status: str | None = None, customer_id: str | None = None
) -> list[OverrideView]:
    with ctx.db.transaction() as session:
        return [_view(r) for r in repo.overrides(session, status, customer_id)]
