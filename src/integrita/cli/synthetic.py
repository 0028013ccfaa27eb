"""``integrita generate``: write a synthetic bank with injected laundering typologies."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import typer
from rich.table import Table

from integrita.cli.common import console, handle_errors, progress_bar
from integrita.errors import InputError
from integrita.synthetic import BankConfig, build_bank, files_to_write, write_bank
from integrita.synthetic.bank import expected_transactions


@handle_errors
def generate(
    customers: int = typer.Option(2_000, "--customers", "-n", help="Number of customers."),
    days: int = typer.Option(90, "--days", "-d", help="Length of the period in days."),
    seed: int = typer.Option(
        0, "--seed", "-s", help="Random seed; the same seed gives the same bytes."
    ),
    out: Path = typer.Option(Path("var/synthetic"), "--out", "-o", help="Directory to write into."),
    start: str = typer.Option("2025-01-01", "--start", help="First day, YYYY-MM-DD."),
    transactions: int | None = typer.Option(
        None, "--transactions", help="Exact number of transactions (default: from activity)."
    ),
    canonical_csv: bool = typer.Option(
        False, "--canonical-csv", help="Also write transactions.csv in canonical columns."
    ),
    jsonl: bool = typer.Option(
        False, "--jsonl", help="Also write transactions.jsonl in canonical columns."
    ),
) -> None:
    """Generate customers, accounts, transactions (Parquet and AMLworld CSV) and labels."""
    try:
        first_day = date.fromisoformat(start)
    except ValueError as exc:
        raise InputError(f"--start must be YYYY-MM-DD, got {start!r}", field="start") from exc
    config = BankConfig(
        customers=customers,
        days=days,
        seed=seed,
        start=first_day,
        transactions=transactions,
        canonical_csv=canonical_csv,
        jsonl=jsonl,
    )
    config.validate()
    planned = expected_transactions(config)
    with progress_bar("generating transactions", total=planned) as advance:
        made = 0

        def step(rows: int) -> None:
            # The volume is random around the plan; keep the bar within its total.
            nonlocal made
            advance(max(0, min(rows, planned - made)))
            made += rows

        bank = build_bank(config, step)
        advance(max(0, planned - made))
    with progress_bar("writing files", total=files_to_write(config)) as advance:
        result = write_bank(bank, out, advance)
    table = Table("figure", "value", title=f"synthetic bank in {out}")
    table.add_row("customers", f"{result.customers:,}")
    table.add_row("accounts", f"{result.accounts:,}")
    table.add_row("transactions", f"{result.transactions:,}")
    table.add_row("laundering transactions", f"{result.laundering_transactions:,}")
    for typology, count in result.patterns.items():
        table.add_row(f"patterns: {typology}", f"{count:,}")
    console.print(table)


def register(app: typer.Typer) -> None:
    app.command("generate")(generate)
