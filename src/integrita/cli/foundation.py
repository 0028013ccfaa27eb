"""``integrita db`` and ``integrita ledger``: the operational database and the transaction ledger."""

from __future__ import annotations

import typer
from rich.table import Table

from integrita.cli.common import console, context, handle_errors
from integrita.services.ledger import ledger_stats as compute_ledger_stats

db_app = typer.Typer(help="The operational database.", no_args_is_help=True)
ledger_app = typer.Typer(help="The Parquet transaction ledger.", no_args_is_help=True)


@db_app.command("upgrade")
@handle_errors
def db_upgrade() -> None:
    """Apply every pending migration."""
    ctx = context()
    console.print(f"database at revision(s) {', '.join(sorted(ctx.db.current_revisions()))}")


@ledger_app.command("stats")
@handle_errors
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
    console.print(table)


def register(app: typer.Typer) -> None:
    app.add_typer(db_app, name="db")
    app.add_typer(ledger_app, name="ledger")
