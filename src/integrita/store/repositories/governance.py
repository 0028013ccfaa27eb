"""The governance registers' records, imports and quarantined rows."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from integrita.store.models import GovernanceImport, GovernanceQuarantinedRow, GovernanceRecord


def reference_hash(reference: str) -> str:
    return hashlib.sha256(reference.encode()).hexdigest()


def add_record(session: Session, **fields: Any) -> GovernanceRecord:
    row = GovernanceRecord(reference_hash=reference_hash(fields["reference"]), **fields)
    session.add(row)
    session.flush()
    return row


def get_record(
    session: Session, register: str, record_id: int, *, for_update: bool = False
) -> GovernanceRecord | None:
    stmt = select(GovernanceRecord).where(
        GovernanceRecord.id == record_id, GovernanceRecord.register == register
    )
    if for_update:
        stmt = stmt.with_for_update()
    return session.execute(stmt).scalar_one_or_none()


def by_reference(session: Session, register: str, reference: str) -> GovernanceRecord | None:
    stmt = select(GovernanceRecord).where(
        GovernanceRecord.register == register,
        GovernanceRecord.reference_hash == reference_hash(reference),
    )
    return session.execute(stmt).scalar_one_or_none()


def records(
    session: Session, register: str, states: Sequence[str] | None = None
) -> list[GovernanceRecord]:
    stmt = select(GovernanceRecord).where(GovernanceRecord.register == register)
    if states:
        stmt = stmt.where(GovernanceRecord.state.in_(list(states)))
    return list(session.execute(stmt.order_by(GovernanceRecord.id)).scalars())


def count_by_register(session: Session) -> dict[str, int]:
    from sqlalchemy import func

    stmt = select(GovernanceRecord.register, func.count()).group_by(GovernanceRecord.register)
    return {str(r): int(n) for r, n in session.execute(stmt)}


def add_import(session: Session, **fields: Any) -> GovernanceImport:
    row = GovernanceImport(**fields)
    session.add(row)
    session.flush()
    return row


def add_quarantined(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    session.add_all([GovernanceQuarantinedRow(**r) for r in rows])
    session.flush()


def quarantined(session: Session, import_id: int) -> list[GovernanceQuarantinedRow]:
    stmt = (
        select(GovernanceQuarantinedRow)
        .where(GovernanceQuarantinedRow.import_id == import_id)
        .order_by(GovernanceQuarantinedRow.line)
    )
    return list(session.execute(stmt).scalars())
