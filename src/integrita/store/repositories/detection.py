"""Detection runs, scoring models, owners of accounts and large-value records."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from integrita.errors import DuplicateKeyError
from integrita.store.models import (
    Account,
    AlertBudget,
    Customer,
    DetectionRun,
    DetectorParameterSet,
    LargeValueRecord,
    ScoringModel,
)


def account_owners(session: Session) -> list[tuple[str, str, str]]:
    """(account_id, customer_id, customer_type) for every account of ours."""
    stmt = select(Account.account_id, Account.customer_id, Customer.customer_type).join(
        Customer, Customer.customer_id == Account.customer_id
    )
    return [(a, c, t) for a, c, t in session.execute(stmt).tuples()]


def add_run(session: Session, **fields: Any) -> DetectionRun:
    run = DetectionRun(**fields)
    session.add(run)
    session.flush()
    return run


def get_run(session: Session, run_id: str) -> DetectionRun | None:
    return session.get(DetectionRun, run_id)


def processed_partitions(session: Session) -> dict[str, int]:
    """Partition -> file count as of the latest finished run (what has been processed)."""
    stmt = (
        select(DetectionRun)
        .where(DetectionRun.status == "done")
        .order_by(DetectionRun.finished_at.desc())
        .limit(1)
    )
    last = session.execute(stmt).scalar_one_or_none()
    return dict(last.partitions) if last is not None else {}


def recent_runs(session: Session, limit: int = 10) -> list[DetectionRun]:
    stmt = select(DetectionRun).order_by(DetectionRun.started_at.desc()).limit(limit)
    return list(session.execute(stmt).scalars())


def existing_large_value_keys(session: Session, txn_ids: Sequence[str]) -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for start in range(0, len(txn_ids), 900):
        part = list(txn_ids[start : start + 900])
        stmt = select(LargeValueRecord.txn_id, LargeValueRecord.rule).where(
            LargeValueRecord.txn_id.in_(part)
        )
        found.update((t, r) for t, r in session.execute(stmt).tuples())
    return found


def add_large_value_records(session: Session, rows: Iterable[dict[str, Any]]) -> int:
    records = [LargeValueRecord(**row) for row in rows]
    session.add_all(records)
    session.flush()
    return len(records)


def add_model(session: Session, **fields: Any) -> ScoringModel:
    model = ScoringModel(**fields)
    session.add(model)
    session.flush()
    return model


def activate_model(session: Session, version: str) -> None:
    session.execute(update(ScoringModel).values(active=False))
    session.execute(update(ScoringModel).where(ScoringModel.version == version).values(active=True))


def active_model(session: Session) -> ScoringModel | None:
    stmt = select(ScoringModel).where(ScoringModel.active.is_(True))
    return session.execute(stmt).scalar_one_or_none()


def get_model(session: Session, version: str) -> ScoringModel | None:
    return session.get(ScoringModel, version)


def list_models(session: Session) -> list[ScoringModel]:
    return list(session.execute(select(ScoringModel).order_by(ScoringModel.created_at)).scalars())


# -- detector parameter sets -------------------------------------------------------------------
def active_parameter_sets(session: Session) -> dict[str, DetectorParameterSet]:
    """Detector -> its active parameter set (detectors never governed have none)."""
    stmt = select(DetectorParameterSet).where(DetectorParameterSet.status == "active")
    return {row.detector: row for row in session.execute(stmt).scalars()}


def get_parameter_set(
    session: Session, detector: str, version: int, *, lock: bool = False
) -> DetectorParameterSet | None:
    stmt = select(DetectorParameterSet).where(
        DetectorParameterSet.detector == detector, DetectorParameterSet.version == version
    )
    if lock:
        stmt = stmt.with_for_update()
    return session.execute(stmt).scalar_one_or_none()


def list_parameter_sets(session: Session, detector: str) -> list[DetectorParameterSet]:
    stmt = (
        select(DetectorParameterSet)
        .where(DetectorParameterSet.detector == detector)
        .order_by(DetectorParameterSet.version)
    )
    return list(session.execute(stmt).scalars())


def next_parameter_set_version(session: Session, detector: str) -> int:
    stmt = select(func.max(DetectorParameterSet.version)).where(
        DetectorParameterSet.detector == detector
    )
    return int(session.execute(stmt).scalar_one() or 0) + 1


def add_parameter_set(session: Session, **fields: Any) -> DetectorParameterSet:
    """Raises :class:`DuplicateKeyError` when a concurrent transaction stored this version first."""
    row = DetectorParameterSet(**fields)
    session.add(row)
    try:
        session.flush()
    except IntegrityError as exc:
        raise DuplicateKeyError(
            f"parameter set {row.detector} v{row.version} exists: {exc.orig}"
        ) from exc
    return row


def supersede_active_parameter_set(session: Session, detector: str, except_version: int) -> None:
    session.execute(
        update(DetectorParameterSet)
        .where(
            DetectorParameterSet.detector == detector,
            DetectorParameterSet.status == "active",
            DetectorParameterSet.version != except_version,
        )
        .values(status="superseded")
    )


# -- alert budget ------------------------------------------------------------------------------
def current_alert_budget(session: Session) -> AlertBudget | None:
    stmt = select(AlertBudget).order_by(AlertBudget.version.desc()).limit(1)
    return session.execute(stmt).scalar_one_or_none()


def add_alert_budget(session: Session, **fields: Any) -> AlertBudget:
    row = AlertBudget(**fields)
    session.add(row)
    try:
        session.flush()
    except IntegrityError as exc:
        raise DuplicateKeyError(f"alert budget version {row.version} exists: {exc.orig}") from exc
    return row
