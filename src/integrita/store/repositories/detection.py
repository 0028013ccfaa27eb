"""Detection runs, scoring models, owners of accounts and large-value records."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import select, update
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
from integrita.store.repositories.versions import VersionTable


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


def parameter_sets(detector: str) -> VersionTable[DetectorParameterSet]:
    """Every version of one detector's parameters."""
    return VersionTable(DetectorParameterSet, f"{detector} parameter set", {"detector": detector})


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
