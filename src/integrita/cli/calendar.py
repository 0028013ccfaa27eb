"""``integrita calendar``: the business calendar's official holiday lists."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import typer

from integrita.cli.common import console, context, handle_errors
from integrita.cli.identity import local_command, needs, signed_in
from integrita.domain.permissions import Permission
from integrita.errors import InputError
from integrita.services.core import calendar_years

calendar_app = typer.Typer(
    help="The business calendar: which years are known, loading a year's official list.",
    no_args_is_help=True,
)


def _ranges(years: list[int]) -> str:
    """2004-2026, 2028 rather than 24 numbers."""
    out: list[str] = []
    for year in years:
        if out and year == int(out[-1].split("-")[-1]) + 1:
            out[-1] = f"{out[-1].split('-')[0]}-{year}"
        else:
            out.append(str(year))
    return ", ".join(out) or "none"


@calendar_app.command("load")
@handle_errors
@needs(Permission.CALENDAR_LOAD)
def calendar_load(
    file: Path = typer.Argument(..., help="A .csv (date,kind[,name]) or .json year list."),
) -> None:
    """Load a year's official public holidays and make-up working days (replaces that year)."""
    ctx = context()
    years = calendar_years.load(ctx, file, actor=signed_in(ctx))
    console.print(f"loaded the official list for {_ranges(years)} from {file.name}")


@calendar_app.command("check")
@handle_errors
@local_command
def calendar_check(
    today: str = typer.Option("", help="Check as of this day (YYYY-MM-DD) instead of today."),
) -> None:
    """Which years the calendar knows and which are missing up to next year (exit 1 if any)."""
    try:
        day = date.fromisoformat(today) if today else None
    except ValueError as exc:
        raise InputError(f"--today must be YYYY-MM-DD, not {today!r}", field="today") from exc
    result = calendar_years.check(context(), day)
    console.print(f"known years: {_ranges(result.known)} (loaded: {_ranges(result.loaded)})")
    if result.missing:
        console.print(f"[bold red]missing:[/] {_ranges(result.missing)}")
    if result.warning:
        console.print(f"[yellow]{result.warning}[/]")
    if result.missing:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.add_typer(calendar_app, name="calendar")
