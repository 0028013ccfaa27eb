"""``integrita db`` and ``integrita ledger``: the operational database and the transaction ledger."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path

import typer
from rich.table import Table

from integrita.cli.common import console, context, handle_errors, progress_bar
from integrita.cli.identity import batch_job, local_command
from integrita.services.core.ledger import compact_ledger, open_ledger
from integrita.services.core.ledger import ledger_stats as compute_ledger_stats
from integrita.services.ingest import stream
from integrita.services.ingest.ingest import IngestReport, ProgressFactory, ingest_path

db_app = typer.Typer(help="The operational database.", no_args_is_help=True)
ledger_app = typer.Typer(help="The Parquet transaction ledger.", no_args_is_help=True)


@db_app.command("upgrade")
@handle_errors
@local_command
def db_upgrade() -> None:
    """Apply every pending migration."""
    ctx = context()
    console.print(f"database at revision(s) {', '.join(sorted(ctx.db.current_revisions()))}")


@ledger_app.command("stats")
@handle_errors
@batch_job
def ledger_stats() -> None:
    """Counts, date range and mix of the ledger."""
    ctx = context()
    s = ctx.settings
    stats = compute_ledger_stats(ctx)
    table = Table("figure", "value", title=f"ledger at {s.resolved_ledger_dir}")
    table.add_row("transactions", f"{stats.transactions:,}")
    table.add_row("booking days", f"{stats.partitions:,} ({stats.first_day} .. {stats.last_day})")
    table.add_row("files", f"{stats.files:,} ({stats.bytes_on_disk / 1e6:,.1f} MB)")
    table.add_row("accounts seen", f"{stats.accounts:,}")
    for kind, n in stats.by_kind.items():
        table.add_row(f"kind: {kind}", f"{n:,}")
    for code, n in list(stats.by_currency.items())[:8]:
        table.add_row(f"currency: {code}", f"{n:,}")
    behind = stream.lag(ctx)
    if behind is not None:
        table.add_row(f"stream lag ({behind.stream})", behind.text)
    console.print(table)


@ledger_app.command("compact")
@handle_errors
@batch_job
def ledger_compact(
    min_files: int = typer.Option(
        4, "--min-files", min=2, help="Merge a day's files of one size tier once it has this many."
    ),
) -> None:
    """Merge each booking day's small files into fewer, larger ones (readers keep seeing each
    row once; the files replaced are deleted after a grace period). Safe beside a running
    stream consumer: both take the ledger's writer lock."""
    ctx = context()
    days = len(open_ledger(ctx).partitions())
    with progress_bar("merging small ledger files", days) as advance:
        result = compact_ledger(ctx, min_files=min_files, on_partition=lambda _name: advance(1))
    console.print(
        f"{result.partitions_checked:,} booking days checked: {result.files_merged:,} files "
        f"merged into {result.merges:,} ({result.rows_rewritten:,} rows rewritten); "
        f"{result.retired_files_deleted:,} replaced files past their grace period deleted, "
        f"{result.pending_files_removed:,} unfinished merge(s) cleared"
    )


def _progress_factory(stack: ExitStack) -> ProgressFactory:
    def factory(description: str, total: int) -> Callable[[int], None]:
        return stack.enter_context(progress_bar(description, total))

    return factory


def print_ingest_reports(reports: list[IngestReport]) -> None:
    table = Table(
        "file",
        "layout",
        "read",
        "stored",
        "duplicates",
        "quarantined",
        "labels",
        "balanced",
        title="ingest reconciliation: read = stored + duplicates + quarantined",
    )
    for r in reports:
        table.add_row(
            Path(r.source_file).name,
            r.layout,
            f"{r.rows_read:,}",
            f"{r.stored:,}",
            f"{r.duplicates:,}",
            f"{r.quarantined:,}",
            f"{r.labels:,}",
            "[green]yes[/]" if r.balanced else "[red]NO[/]",
        )
    console.print(table)
    reasons: dict[str, int] = {}
    for r in reports:
        for reason, n in r.reasons.items():
            reasons[reason] = reasons.get(reason, 0) + n
    if reasons:
        quarantine = Table(
            "reason", "rows", title="quarantined rows by reason (see table quarantined_rows)"
        )
        for reason, n in sorted(reasons.items(), key=lambda kv: -kv[1]):
            quarantine.add_row(reason, f"{n:,}")
        console.print(quarantine)


@handle_errors
@batch_job
def ingest(
    path: Path = typer.Argument(
        ...,
        help="A file (canonical CSV/Parquet/JSONL, AMLworld CSV, labels, customers, accounts) or a generated-bank directory.",
    ),
) -> None:
    """Load transactions into the ledger (idempotent on txn_id), reconcile, quarantine bad rows."""
    ctx = context()
    with ExitStack() as stack:
        reports = ingest_path(ctx, path, _progress_factory(stack))
    print_ingest_reports(reports)


def register(app: typer.Typer) -> None:
    app.command("ingest")(ingest)
    app.add_typer(db_app, name="db")
    app.add_typer(ledger_app, name="ledger")
