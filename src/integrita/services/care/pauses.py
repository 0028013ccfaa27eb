"""The waiting-for-customer pause: the complaint's clocks stop while the customer is asked for
something, and the deadlines move out by the paused clock time."""

from __future__ import annotations

from datetime import datetime

from integrita.domain.complaint import ComplaintState
from integrita.domain.permissions import Permission
from integrita.domain.sla import add_business_time, business_seconds
from integrita.domain.workflow import Actor
from integrita.errors import InputError, NotFoundError, StateTransitionError
from integrita.services.care import clock as care_clock
from integrita.services.core import audit
from integrita.services.core.context import Context
from integrita.services.core.permissions import ensure_permitted
from integrita.store.models import ComplaintPause
from integrita.store.repositories import care as care_repo


def pause_clock(ctx: Context, complaint_id: int, reason: str, actor: Actor) -> None:
    """Stop the clocks while the complaint waits for the customer."""
    ensure_permitted(actor, Permission.COMPLAINT_CLOCK)
    if not reason.strip():
        raise InputError("say what the customer is asked for", field="reason")
    now = ctx.now()
    with ctx.db.transaction() as session:
        c = care_repo.get_complaint(session, complaint_id, lock=not ctx.db.is_sqlite)
        if c is None:
            raise NotFoundError(f"no complaint {complaint_id}")
        if c.state == ComplaintState.CLOSED.value:
            raise StateTransitionError("a closed complaint has no running clock")
        if c.paused_since is not None:
            raise StateTransitionError("the clock is already paused")
        care_repo.add(session, ComplaintPause(complaint_id=c.id, started_at=now, reason=reason))
        c.paused_since = now
        audit.record(
            session,
            at=now,
            actor=actor.username,
            action="complaint.clock_paused",
            entity_type="complaint",
            entity_id=c.id,
            after={"reason": reason},
        )


def resume_clock(ctx: Context, complaint_id: int, actor: Actor) -> None:
    """Restart the clocks; the deadlines move out by the paused clock time."""
    ensure_permitted(actor, Permission.COMPLAINT_CLOCK)
    now = ctx.now()
    with ctx.db.transaction() as session:
        c = care_repo.get_complaint(session, complaint_id, lock=not ctx.db.is_sqlite)
        if c is None:
            raise NotFoundError(f"no complaint {complaint_id}")
        if c.paused_since is None:
            raise StateTransitionError("the clock is not paused")
        pauses = care_repo.pauses_for(session, c.id)
        for p in pauses:
            if p.ended_at is None:
                p.ended_at = now
        c.paused_since = None
        before = {
            "first_due": _iso(c.first_response_due_at),
            "resolution_due": _iso(c.resolution_due_at),
        }
        first_due, resolution_due = care_clock.deadlines(
            ctx, c.received_at, c.severity, [(p.started_at, p.ended_at) for p in pauses]
        )
        if c.first_response_at is None:
            c.first_response_due_at = first_due
        if c.reopen_count == 0:
            c.resolution_due_at = resolution_due
        elif c.resolution_due_at is not None:
            # A reopened complaint's target runs from the reopening; extend it by this pause.
            c.resolution_due_at = _extend(ctx, c.resolution_due_at, pauses[-1].started_at, now)
        audit.record(
            session,
            at=now,
            actor=actor.username,
            action="complaint.clock_resumed",
            entity_type="complaint",
            entity_id=c.id,
            before=before,
            after={
                "first_due": _iso(c.first_response_due_at),
                "resolution_due": _iso(c.resolution_due_at),
            },
        )


def _extend(ctx: Context, due: datetime, paused_at: datetime, resumed_at: datetime) -> datetime:
    hours = care_clock.schedule(ctx)
    remaining = business_seconds(paused_at, due, hours)
    return add_business_time(resumed_at, remaining, hours)


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()
