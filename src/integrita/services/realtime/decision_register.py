"""The decision register: real-time answers by outcome, review status and recency, for the
people who oversee the channel (the overview's decision and hold figures link here)."""

from __future__ import annotations

from datetime import timedelta

from integrita.detection.realtime import engine
from integrita.domain.permissions import Permission
from integrita.errors import InputError
from integrita.services.core.context import Context
from integrita.services.core.permissions import HasRoles, ensure_permitted
from integrita.store.repositories import decision_register as repo
from integrita.store.repositories.cases import PageOf

#: allow | notify | verify | hold | reject
OUTCOMES = engine.OUTCOMES
#: decided (waiting, for a hold) | released | rejected | executed | cancelled
STATUSES = ("decided", "released", "rejected", "executed", "cancelled")
#: The look-back windows a person may choose (hours): a day and a week.
WINDOWS_HOURS = (24, 168)
MAX_PAGE_SIZE = 200


def decisions(
    ctx: Context,
    user: HasRoles,
    *,
    decision: str = "",
    status: str = "",
    within_hours: int | None = None,
    page: int = 1,
    size: int = 50,
) -> PageOf:
    """Decisions of one outcome and status taken in the last ``within_hours`` hours, newest first."""
    ensure_permitted(user, Permission.PAYMENT_READ)
    if decision and decision not in OUTCOMES:
        raise InputError(f"decision must be one of {', '.join(OUTCOMES)}", field="decision")
    if status and status not in STATUSES:
        raise InputError(f"status must be one of {', '.join(STATUSES)}", field="status")
    if within_hours is not None and within_hours not in WINDOWS_HOURS:
        raise InputError("within_hours must be 24 or 168", field="within_hours")
    if page < 1 or not 1 <= size <= MAX_PAGE_SIZE:
        raise InputError(f"page starts at 1; size is 1-{MAX_PAGE_SIZE}", field="page")
    since = ctx.now() - timedelta(hours=within_hours) if within_hours else None
    with ctx.db.transaction() as session:
        return repo.decisions(
            session,
            decision=decision or None,
            status=status or None,
            since=since,
            page=page,
            size=size,
        )


def outcome_counts(ctx: Context, user: HasRoles, within_hours: int) -> dict[str, int]:
    """Decisions per outcome in the last ``within_hours`` hours, every outcome named (0 if none)."""
    ensure_permitted(user, Permission.PAYMENT_READ)
    since = ctx.now() - timedelta(hours=within_hours)
    with ctx.db.transaction() as session:
        counts = repo.decision_counts(session, since=since)
    return {outcome: counts.get(outcome, 0) for outcome in OUTCOMES}
