"""Ingest runs and quarantined rows."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from integrita.store.models import IngestRun, QuarantinedRow


def start_run(session: Session, source_file: str, file_sha256: str, layout: str) -> IngestRun:
    run = IngestRun(
        source_file=source_file,
        file_sha256=file_sha256,
        layout=layout,
        started_at=datetime.now(UTC),
        rows_read=0,
        stored=0,
        duplicates=0,
        quarantined=0,
        labels=0,
        status="running",
    )
    session.add(run)
    session.flush()
    return run


def finish_run(session: Session, run_id: int, *, status: str, **counts: int) -> None:
    run = session.get(IngestRun, run_id)
    if run is None:
        raise LookupError(f"ingest run {run_id} not found")
    for name, value in counts.items():
        setattr(run, name, value)
    run.status = status
    run.finished_at = datetime.now(UTC)


def add_quarantined(session: Session, run_id: int, rows: Sequence[dict[str, Any]]) -> None:
    """Store bad rows with file, line, reason and raw text (bulk insert)."""
    if rows:
        session.execute(insert(QuarantinedRow), [{"run_id": run_id, **r} for r in rows])


def quarantined_for_run(session: Session, run_id: int) -> list[QuarantinedRow]:
    stmt = (
        select(QuarantinedRow).where(QuarantinedRow.run_id == run_id).order_by(QuarantinedRow.line)
    )
    return list(session.execute(stmt).scalars())


def recent_runs(session: Session, limit: int = 20) -> list[IngestRun]:
    return list(
        session.execute(select(IngestRun).order_by(IngestRun.id.desc()).limit(limit)).scalars()
    )
