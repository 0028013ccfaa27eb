"""``integrita generate``: write a synthetic bank with injected laundering typologies."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from integrita.cli.common import console, handle_errors, progress_bar
from integrita.cli.identity import local_command
from integrita.errors import InputError
from integrita.synthetic import BankConfig, build_bank, files_to_write, write_bank
from integrita.synthetic.bank import expected_transactions


def _load_parameters(path: Path) -> dict[str, Any]:
    """A parameters object from JSON: a manifest.json (its ``parameters``) or the object itself."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot read parameters from {path}: {exc}", field="config") from exc
    if not isinstance(data, dict):
        raise InputError(f"{path} must hold a JSON object", field="config")
    parameters = data.get("parameters", data)
    if not isinstance(parameters, dict):
        raise InputError(f"{path}: parameters must be an object", field="config")
    return parameters


@handle_errors
@local_command
def generate(
    customers: int | None = typer.Option(
        None, "--customers", "-n", help="Number of customers [2000]."
    ),
    days: int | None = typer.Option(
        None, "--days", "-d", help="Length of the period in days [90]."
    ),
    seed: int | None = typer.Option(
        None, "--seed", "-s", help="Random seed; the same seed gives the same bytes [0]."
    ),
    out: Path = typer.Option(Path("var/synthetic"), "--out", "-o", help="Directory to write into."),
    start: str | None = typer.Option(None, "--start", help="First day, YYYY-MM-DD [2025-01-01]."),
    transactions: int | None = typer.Option(
        None, "--transactions", help="Exact number of transactions (default: from activity)."
    ),
    canonical_csv: bool = typer.Option(
        False, "--canonical-csv", help="Also write transactions.csv in canonical columns."
    ),
    jsonl: bool = typer.Option(
        False, "--jsonl", help="Also write transactions.jsonl in canonical columns."
    ),
    config_file: Path | None = typer.Option(
        None,
        "--config",
        help="JSON parameters (typology settings etc.), or a manifest.json to regenerate its bank;"
        " options given on the command line win.",
    ),
) -> None:
    """Generate customers, accounts, transactions (Parquet and AMLworld CSV) and labels."""
    parameters = _load_parameters(config_file) if config_file else {}
    given = {
        "customers": customers,
        "days": days,
        "seed": seed,
        "start": start,
        "transactions": transactions,
    }
    parameters.update({key: value for key, value in given.items() if value is not None})
    if canonical_csv:
        parameters["canonical_csv"] = True
    if jsonl:
        parameters["jsonl"] = True
    config = BankConfig.from_dict(parameters)
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
