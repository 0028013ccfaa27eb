"""Risk events: what makes a customer's rating stale. Other capabilities record them through
:func:`integrita.services.core.risk_events.record_risk_event`; this module adds the entry-point form."""

from __future__ import annotations

from integrita.errors import InputError
from integrita.services.core.context import Context
from integrita.services.core.risk_events import RecordedRiskEvent, record_risk_event
from integrita.store.repositories import risk as repo

__all__ = ["RecordedRiskEvent", "record", "record_risk_event"]


def record(
    ctx: Context, customer_id: str, kind: str, reference: str, *, actor: str
) -> RecordedRiskEvent:
    """Entry-point form: its own transaction, timestamped by the context's clock."""
    with ctx.db.transaction() as session:
        if repo.customer(session, customer_id) is None:
            raise InputError(f"no customer {customer_id!r}", field="customer_id")
        return record_risk_event(session, customer_id, kind, reference, ctx.now(), actor=actor)
