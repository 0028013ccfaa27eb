"""``integrita demo``: the main job end to end on the embedded defaults.

Generates a synthetic bank, ingests it into the operational store and the
Parquet ledger, and runs each capability on it, printing what a person would
look at and where. Running it again changes nothing: the bank is generated
from a fixed seed and ingest is idempotent.
"""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path

import typer
from rich.table import Table

from integrita.cli.common import console, context, handle_errors, progress_bar
from integrita.cli.foundation import _progress_factory, print_ingest_reports
from integrita.services.context import Context
from integrita.services.ingest import ingest_path
from integrita.services.ledger import ledger_stats
from integrita.synthetic import BankConfig, build_bank, files_to_write, write_bank
from integrita.synthetic.bank import expected_transactions

DEMO_SEED = 7


def _generate(ctx: Context, customers: int, days: int) -> Path:
    out = ctx.settings.data_dir / "synthetic"
    config = BankConfig(customers=customers, days=days, seed=DEMO_SEED)
    config.validate()
    with progress_bar(
        "generating the synthetic bank", total=expected_transactions(config)
    ) as advance:
        bank = build_bank(config, advance)
    with progress_bar("writing its files", total=files_to_write(config)) as advance:
        result = write_bank(bank, out, advance)
    console.print(
        f"synthetic bank: {result.customers:,} customers, {result.accounts:,} accounts, "
        f"{result.transactions:,} transactions ({result.laundering_transactions:,} laundering, "
        f"{sum(result.patterns.values()):,} injected patterns) in {out}"
    )
    return out


def _ledger_summary(ctx: Context) -> None:
    stats = ledger_stats(ctx)
    table = Table("ledger", "value")
    table.add_row("transactions", f"{stats.transactions:,}")
    table.add_row("booking days", f"{stats.partitions} ({stats.first_day} .. {stats.last_day})")
    table.add_row("accounts seen", f"{stats.accounts:,}")
    table.add_row("size on disk", f"{stats.bytes_on_disk / 1e6:,.1f} MB")
    console.print(table)


@handle_errors
def demo(
    customers: int = typer.Option(2_000, help="Customers in the synthetic bank."),
    days: int = typer.Option(90, help="Days of transactions."),
) -> None:
    """Generate a synthetic bank, ingest it, run detection and open cases; print where to look."""
    ctx = context()
    console.rule("[bold]integrita demo")
    console.rule("1. synthetic bank")
    bank_dir = _generate(ctx, customers, days)
    console.rule("2. ingest")
    with ExitStack() as stack:
        reports = ingest_path(ctx, bank_dir, _progress_factory(stack))
    print_ingest_reports(reports)
    _ledger_summary(ctx)
    console.rule("where to look")
    console.print(f"operational database: {ctx.settings.resolved_database_url}")
    console.print(
        f"ledger (Parquet, by booking date): {ctx.settings.resolved_ledger_dir.resolve()}"
    )
    console.print(
        "workbench and API: run [bold].venv/bin/integrita serve[/] and open http://127.0.0.1:8000/"
    )


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)
