"""Real-time decisions listed by outcome, review status and time (filter, page)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, load_only

from integrita.store.models import PaymentDecision
from integrita.store.repositories.cases import PageOf, _page

#: What the list shows; the stored event and response stay unread.
_LIST_COLUMNS = (
    PaymentDecision.txn_id,
    PaymentDecision.account_id,
    PaymentDecision.customer_id,
    PaymentDecision.decided_at,
    PaymentDecision.decision,
    PaymentDecision.status,
    PaymentDecision.rule_set_version,
    PaymentDecision.reviewed_by,
)


def _conditions(decision: str | None, status: str | None, since: datetime | None) -> list[Any]:
    conditions: list[Any] = []
    if decision:
        conditions.append(PaymentDecision.decision == decision)
    if status:
        conditions.append(PaymentDecision.status == status)
    if since is not None:
        conditions.append(PaymentDecision.decided_at >= since)
    return conditions


def decisions(
    session: Session,
    *,
    decision: str | None,
    status: str | None,
    since: datetime | None,
    page: int,
    size: int,
) -> PageOf:
    """Decisions by outcome and status, decided at or after ``since``; newest first."""
    stmt = select(PaymentDecision).options(load_only(*_LIST_COLUMNS))
    order = (PaymentDecision.decided_at.desc(), PaymentDecision.txn_id.desc())
    return _page(session, stmt, _conditions(decision, status, since), order, page, size)


def decision_counts(session: Session, *, since: datetime) -> dict[str, int]:
    """Decisions per outcome decided at or after ``since``."""
    rows = session.execute(
        select(PaymentDecision.decision, func.count())
        .where(PaymentDecision.decided_at >= since)
        .group_by(PaymentDecision.decision)
    )
    return {str(d): int(n) for d, n in rows}
