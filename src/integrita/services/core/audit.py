"""The audit trail as a service: record inside the caller's transaction, verify the chain
(under the audit key, against the checkpoints kept outside the database)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from integrita.services.core.context import Context
from integrita.store import Session
from integrita.store.repositories import audit as audit_repo
from integrita.store.repositories.audit import NewEvent

__all__ = ["NewEvent", "VerificationResult", "record", "record_many", "verify"]


def record(
    session: Session,
    *,
    at: datetime,
    actor: str,
    action: str,
    entity_type: str,
    entity_id: str | int,
    before: object = None,
    after: object = None,
) -> int:
    """Write one audit event in the same transaction as the change it describes; returns its sequence number."""
    return audit_repo.append_event(
        session,
        occurred_at=at,
        actor=actor,
        action=action,
        entity_type=entity_type,
        entity_id=str(entity_id),
        before=before,
        after=after,
    )


def record_many(session: Session, events: Sequence[NewEvent]) -> list[int]:
    """Write several audit events in order, in one bulk insert; returns their sequence numbers."""
    return audit_repo.append_events(session, events)


@dataclass(frozen=True, slots=True)
class VerificationResult:
    events_checked: int
    broken_at: int | None
    reason: str | None
    anchored: bool = False
    checkpoints_checked: int = 0

    @property
    def intact(self) -> bool:
        return self.broken_at is None


def verify(ctx: Context) -> VerificationResult:
    """Recompute the whole chain under the audit key and check every checkpoint against it;
    name the first broken event, if any."""
    from integrita.services.core import audit_anchor

    key = ctx.db.audit_key
    with ctx.db.transaction() as session:
        checked, broken = audit_repo.verify_chain(session, key)
    if broken is not None:
        return VerificationResult(checked, broken.seq, broken.reason, key is not None)
    points, problem = audit_anchor.check_checkpoints(ctx, checked)
    if problem is not None:
        return VerificationResult(checked, problem.seq, problem.reason, key is not None, points)
    return VerificationResult(checked, None, None, key is not None, points)
