"""The filing registers: STRs and large-value records listed by status and due date (filter, page)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from integrita.store.models import LargeValueRecord, SuspiciousTransactionReport
from integrita.store.repositories.cases import PageOf, _page


def str_register(
    session: Session,
    *,
    statuses: list[str],
    due_before: date | None,
    page: int,
    size: int,
) -> PageOf:
    """STRs in the given statuses (all when empty), due before a date if given; oldest due first."""
    conditions: list[Any] = []
    if statuses:
        conditions.append(SuspiciousTransactionReport.status.in_(statuses))
    if due_before is not None:
        conditions.append(SuspiciousTransactionReport.due_on < due_before)
    order = (SuspiciousTransactionReport.due_on.asc(), SuspiciousTransactionReport.id.asc())
    return _page(session, select(SuspiciousTransactionReport), conditions, order, page, size)


def large_value_register(
    session: Session,
    *,
    statuses: list[str],
    due_before: date | None,
    page: int,
    size: int,
) -> PageOf:
    """Large-value records in the given statuses, due before a date if given; oldest due first."""
    conditions: list[Any] = []
    if statuses:
        conditions.append(LargeValueRecord.status.in_(statuses))
    if due_before is not None:
        conditions.append(LargeValueRecord.due_on < due_before)
    order = (LargeValueRecord.due_on.asc(), LargeValueRecord.id.asc())
    return _page(session, select(LargeValueRecord), conditions, order, page, size)
