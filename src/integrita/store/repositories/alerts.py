"""Alerts and large-value records."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from integrita.store.models import Alert


def existing_dedup_keys(session: Session, keys: Sequence[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(keys), 900):
        part = list(keys[start : start + 900])
        found.update(
            session.execute(select(Alert.dedup_key).where(Alert.dedup_key.in_(part))).scalars()
        )
    return found


def add_many(session: Session, rows: Sequence[dict[str, Any]]) -> list[int]:
    """Insert alerts in bulk; returns their ids in the order of ``rows``."""
    if not rows:
        return []
    stmt = insert(Alert).returning(Alert.id, sort_by_parameter_order=True)
    return [int(i) for i in session.execute(stmt, list(rows)).scalars()]


def get(session: Session, alert_id: int) -> Alert | None:
    return session.get(Alert, alert_id)


def for_customer(session: Session, customer_id: str) -> list[Alert]:
    stmt = select(Alert).where(Alert.customer_id == customer_id).order_by(Alert.raised_at)
    return list(session.execute(stmt).scalars())


def count(session: Session, status: str | None = None) -> int:
    stmt = select(func.count()).select_from(Alert)
    if status is not None:
        stmt = stmt.where(Alert.status == status)
    return int(session.execute(stmt).scalar_one())


def open_alerts_of(session: Session, customer_ids: Sequence[str], source: str) -> list[Alert]:
    """Alerts of ``source`` not yet taken into a case (status ``new``) of these customers."""
    found: list[Alert] = []
    ids = sorted(set(customer_ids))
    for start in range(0, len(ids), 900):
        stmt = select(Alert).where(
            Alert.customer_id.in_(ids[start : start + 900]),
            Alert.source == source,
            Alert.status == "new",
        )
        found.extend(session.execute(stmt).scalars())
    return found
