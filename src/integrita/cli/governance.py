"""``integrita governance``: import a register's CSV, run the daily staff-trade check, list what
is overdue, print the registers' figures of a year."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import typer
from rich.table import Table

from integrita.cli.common import console, context, handle_errors
from integrita.cli.identity import needs, signed_in
from integrita.domain.permissions import Permission
from integrita.errors import InputError
from integrita.services.governance import figures, imports, trade_check

governance_app = typer.Typer(
    help="Governance and integrity registers: imports, the daily trade check, overdue clocks.",
    no_args_is_help=True,
)


@governance_app.command("import")
@handle_errors
@needs(Permission.GOVERNANCE_RECORD)
def import_file(
    register: str = typer.Argument(..., help="The register, e.g. supplier or employee_trade."),
    path: Path = typer.Argument(..., exists=True, dir_okay=False, help="UTF-8 CSV with a header."),
    map_: list[str] = typer.Option([], "--map", help="field=column (repeatable)."),
) -> None:
    """Import a CSV into a register; bad rows are quarantined with their line and reason."""
    ctx = context()
    text = path.read_text(encoding="utf-8-sig")
    done = imports.import_csv(
        ctx,
        register,
        text,
        actor=signed_in(ctx),
        file_name=path.name,
        mapping={k: v for m in map_ for k, v in imports.parse_pairs(m, "map").items()},
    )
    console.print(
        f"import {done.import_id} into {done.register}: read {done.read} = stored {done.stored} "
        f"+ duplicates {done.duplicates} + quarantined {done.quarantined}"
    )
    for row in done.rows:
        console.print(f"  line {row.line}: {row.reason}")


@governance_app.command("trade-check")
@handle_errors
@needs(Permission.GOVERNANCE_RECORD)
def run_trade_check(
    day: str = typer.Option("", help="Trade date YYYY-MM-DD (the bank's local today if unset)."),
) -> None:
    """Check the day's reported staff trades; breaches raise alerts into case work."""
    ctx = context()
    try:
        on = date.fromisoformat(day) if day else ctx.local_date()
    except ValueError as exc:
        raise InputError("--day must be YYYY-MM-DD", field="day") from exc
    done = trade_check.check_trades(ctx, on, actor=signed_in(ctx))
    console.print(
        f"{on.isoformat()}: {done.checked} trades checked, {done.flagged} flagged, "
        f"alerts {done.alert_ids or 'none'}"
    )


@governance_app.command("overdue")
@handle_errors
@needs(Permission.GOVERNANCE_READ)
def overdue() -> None:
    """Brand-exemption reviews and rectification actions past due (business calendar)."""
    ctx = context()
    user = signed_in(ctx)
    table = Table("register", "record", "due", "working days late", title="overdue")
    for item in figures.overdue_exemptions(ctx, actor=user) + figures.overdue_rectifications(
        ctx, actor=user
    ):
        table.add_row(item.register, item.reference, str(item.due_on), str(item.working_days_late))
    console.print(table)


def register(app: typer.Typer) -> None:
    app.add_typer(governance_app, name="governance")
