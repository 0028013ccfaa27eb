"""Recording a customer-risk event: what makes a customer's rating stale.

It lives in core because case work (an STR), monitoring (an alert) and the risk capability
itself all record such events inside their own transactions, and capabilities talk to each other
only through core.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from integrita.domain.risk import RiskEventKind
from integrita.errors import InputError
from integrita.services.core import audit
from integrita.store import Session
from integrita.store.repositories import risk as repo


@dataclass(frozen=True, slots=True)
class RecordedRiskEvent:
    id: int
    customer_id: str
    kind: str
    reference: str
    new: bool


def record_risk_event(
    session: Session,
    customer_id: str,
    kind: str,
    reference: str,
    at: datetime,
    *,
    actor: str = "system",
) -> RecordedRiskEvent:
    """Record an alert, STR, large-value record or key-data change inside the caller's transaction.

    The customer is marked for re-rating: the next incremental run (``integrita
    risk rate --incremental``) re-rates every customer with an unprocessed event.
    Recording the same (customer, kind, reference) twice changes nothing.
    """
    try:
        parsed = RiskEventKind(kind)
    except ValueError as exc:
        known = ", ".join(k.value for k in RiskEventKind)
        raise InputError(f"unknown risk event kind {kind!r}; known: {known}", field="kind") from exc
    if not customer_id:
        raise InputError("customer_id is required", field="customer_id")
    if not reference or len(reference) > 128:
        raise InputError("reference must be 1-128 characters", field="reference")
    if at.tzinfo is None:
        raise InputError("occurred_at must be timezone-aware", field="occurred_at")
    existing = repo.find_event(session, customer_id, parsed.value, reference)
    if existing is not None:
        return RecordedRiskEvent(existing.id, customer_id, parsed.value, reference, False)
    event = repo.add_event(
        session,
        customer_id=customer_id,
        kind=parsed.value,
        occurred_at=at,
        reference=reference,
        recorded_at=at,
        run_id=None,
    )
    audit.record(
        session,
        at=at,
        actor=actor,
        action="risk.event_recorded",
        entity_type="customer",
        entity_id=customer_id,
        after={"kind": parsed.value, "reference": reference},
    )
    return RecordedRiskEvent(event.id, customer_id, parsed.value, reference, True)
