"""``integrita ingest``: files into the ledger and the operational store, reconciled.

Every run is recorded with its counts. Rows that cannot be stored go to the
quarantine with file, line and reason, committed as they are found, so nothing
is lost even if the run stops. The run ends with a reconciliation against an
independent count of the file's rows: read = stored + duplicates + quarantined.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import pyarrow.parquet as pq

from integrita.analytics.labels import LabelStore
from integrita.analytics.sources import (
    BadRow,
    Layout,
    LayoutError,
    count_data_lines,
    count_jsonl_lines,
    detect_layout,
)
from integrita.analytics.staging import laundering_labels, ledger_source, stage, stage_labels
from integrita.errors import InputError
from integrita.services.core import quarantine
from integrita.services.core.context import Context
from integrita.services.core.ledger import open_ledger
from integrita.services.core.quarantine import Reconciliation
from integrita.services.ingest.reference_data import load_accounts, load_customers

ProgressFactory = Callable[[str, int], Callable[[int], None]]

#: Files of a generated bank directory, in the order they are loaded.
DIRECTORY_ORDER: tuple[tuple[str, ...], ...] = (
    ("customers.csv",),
    ("accounts.csv",),
    ("transactions.parquet", "transactions.csv", "transactions.jsonl", "transactions_amlworld.csv"),
    ("labels.csv",),
)


#: The reconciliation of one file (one shape for every import that quarantines; see core).
IngestReport = Reconciliation


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(8 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _quarantine_writer(ctx: Context, run_id: int, source: str) -> Callable[[list[BadRow]], None]:
    def write(rows: list[BadRow]) -> None:
        quarantine.quarantine(ctx, run_id, source, rows)

    return write


def _expected_rows(path: Path, layout: Layout) -> int:
    if layout is Layout.CANONICAL_PARQUET:
        return int(pq.ParquetFile(path).metadata.num_rows)
    if layout is Layout.CANONICAL_JSONL:
        return count_jsonl_lines(path)
    return count_data_lines(path)


_close_run = quarantine.close_run


def ingest_file(ctx: Context, path: Path, progress: ProgressFactory | None = None) -> IngestReport:
    """Ingest one file of transactions, labels, customers or accounts."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path} does not exist or is not a file", field="path")
    name = path.name.lower()
    if name.startswith("customers") and name.endswith(".csv"):
        return _reference(ctx, path, "customers", load_customers)
    if name.startswith("accounts") and name.endswith(".csv"):
        return _reference(ctx, path, "accounts", load_accounts)
    try:
        layout = detect_layout(path)
    except LayoutError as exc:
        raise InputError(str(exc), field="path") from exc
    run_id = quarantine.start_run(ctx, str(path), file_sha256(path), layout.value)
    on_bad = _quarantine_writer(ctx, run_id, str(path))
    expected = _expected_rows(path, layout)
    if layout is Layout.LABELS_CSV:
        table, staged = stage_labels(path, on_bad)
        new = LabelStore(ctx.settings.labels_dir).append(table)
        report = IngestReport(
            run_id,
            str(path),
            layout.value,
            staged.rows_read,
            new,
            staged.valid - new,
            staged.quarantined,
            labels=new,
            reasons=staged.bad_reasons,
        )
        return _close_run(ctx, report, expected)
    work = Path(tempfile.mkdtemp(prefix="ingest-", dir=_work_root(ctx)))
    try:
        advance = progress(f"reading {path.name}", expected) if progress else None
        staged = stage(path, layout, work / "staged.parquet", on_bad, advance)
        source = ledger_source(staged)
        appended = open_ledger(ctx).append_query(
            source, offered=staged.valid, distinct=staged.repeated_ids == 0
        )
        labels = LabelStore(ctx.settings.labels_dir).append(laundering_labels(source))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    report = IngestReport(
        run_id,
        str(path),
        layout.value,
        staged.rows_read,
        appended.stored,
        staged.valid - appended.stored,
        staged.quarantined,
        labels=labels,
        reasons=staged.bad_reasons,
    )
    return _close_run(ctx, report, expected)


def _work_root(ctx: Context) -> Path:
    root = ctx.settings.data_dir / ".work"
    root.mkdir(parents=True, exist_ok=True)
    return root


def _reference(
    ctx: Context,
    path: Path,
    kind: str,
    loader: Callable[[Context, Path, Callable[[list[BadRow]], None]], tuple[int, int]],
) -> IngestReport:
    run_id = quarantine.start_run(ctx, str(path), file_sha256(path), kind)
    quarantined: list[int] = [0]
    writer = _quarantine_writer(ctx, run_id, str(path))

    def on_bad(rows: list[BadRow]) -> None:
        quarantined[0] += len(rows)
        writer(rows)

    read, stored = loader(ctx, path, on_bad)
    report = IngestReport(run_id, str(path), kind, read, stored, 0, quarantined[0])
    return _close_run(ctx, report, count_data_lines(path))


def ingest_path(
    ctx: Context, path: Path, progress: ProgressFactory | None = None
) -> list[IngestReport]:
    """Ingest a file, or a generated-bank directory (customers, accounts, transactions, labels)."""
    path = Path(path)
    if path.is_file():
        return [ingest_file(ctx, path, progress)]
    if not path.is_dir():
        raise InputError(f"{path} does not exist", field="path")
    reports: list[IngestReport] = []
    for choices in DIRECTORY_ORDER:
        for name in choices:
            candidate = path / name
            if candidate.exists():
                reports.append(ingest_file(ctx, candidate, progress))
                break
    if not reports:
        raise InputError(
            f"{path} holds none of: {', '.join(n for c in DIRECTORY_ORDER for n in c)}",
            field="path",
        )
    return reports
