"""Quarantine and reconciliation of a file import, shared by every import that keeps the good
rows and sets the bad ones aside (the ledger's ingest, the complaint history import).

A run is recorded with its counts; a bad row goes to the quarantine with its file, physical line,
reason and raw text, so nothing is lost; the run closes with the reconciliation
read = stored + duplicates (already present) + quarantined, and a run whose counts do not
balance is marked ``unbalanced`` and refused loudly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from integrita.errors import ReconciliationError
from integrita.logging import get_logger
from integrita.services.core.context import Context
from integrita.store.repositories import ingest as ingest_repo

log = get_logger(__name__)

#: The quarantine keeps this much of a reason (the column's width).
REASON_WIDTH = 255


class RejectedRow(Protocol):
    """A row that could not be stored: where it starts, why, and its raw text."""

    @property
    def line(self) -> int: ...

    @property
    def reason(self) -> str: ...

    @property
    def raw(self) -> str: ...


@dataclass(slots=True)
class Reconciliation:
    """The counts of one file's import."""

    run_id: int
    source_file: str
    layout: str
    rows_read: int
    stored: int
    duplicates: int
    quarantined: int
    labels: int = 0
    reasons: dict[str, int] = field(default_factory=dict)

    @property
    def balanced(self) -> bool:
        return self.rows_read == self.stored + self.duplicates + self.quarantined


def start_run(ctx: Context, source_file: str, file_sha256: str, layout: str) -> int:
    """Record the start of an import run; returns its id (committed at once)."""
    with ctx.db.transaction() as session:
        return int(ingest_repo.start_run(session, source_file, file_sha256, layout).id)


def quarantine(ctx: Context, run_id: int, source_file: str, rows: Sequence[RejectedRow]) -> None:
    """Set bad rows aside, committed as they are found, so nothing is lost if the run stops."""
    if not rows:
        return
    with ctx.db.transaction() as session:
        ingest_repo.add_quarantined(
            session,
            run_id,
            [
                {
                    "source_file": source_file,
                    "line": r.line,
                    "reason": r.reason[:REASON_WIDTH],
                    "raw": r.raw,
                }
                for r in rows
            ],
        )


def close_run(ctx: Context, report: Reconciliation, expected: int) -> Reconciliation:
    """Close the run with its counts; refuse (ReconciliationError) when they do not balance
    or the rows read differ from an independent count of the file's rows (``expected``)."""
    balanced = report.balanced and report.rows_read == expected
    with ctx.db.transaction() as session:
        ingest_repo.finish_run(
            session,
            report.run_id,
            status="balanced" if balanced else "unbalanced",
            rows_read=report.rows_read,
            stored=report.stored,
            duplicates=report.duplicates,
            quarantined=report.quarantined,
            labels=report.labels,
        )
    log.info(
        "import reconciled",
        extra={
            "run_id": report.run_id,
            "file": report.source_file,
            "layout": report.layout,
            "rows_read": report.rows_read,
            "stored": report.stored,
            "duplicates": report.duplicates,
            "quarantined": report.quarantined,
        },
    )
    if not balanced:
        raise ReconciliationError(
            f"{report.source_file}: counts do not balance: file has {expected} rows, read "
            f"{report.rows_read}, stored {report.stored} + duplicates {report.duplicates} + "
            f"quarantined {report.quarantined}"
        )
    return report


def quarantined_rows(ctx: Context, run_id: int) -> list[tuple[int, str]]:
    """(line, reason) of every row a run set aside, in file order."""
    with ctx.db.transaction() as session:
        return [(r.line, r.reason) for r in ingest_repo.quarantined_for_run(session, run_id)]
