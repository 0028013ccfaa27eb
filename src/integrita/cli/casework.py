"""``integrita cases`` and ``integrita report str``: opening cases, deadlines and the year's figures."""

from __future__ import annotations

import json
from datetime import date

import typer
from rich.table import Table

from integrita.cli.common import console, context, handle_errors, progress_bar, report_group
from integrita.cli.identity import batch_job, needs, signed_in, system_actor
from integrita.domain.permissions import Permission
from integrita.errors import InputError
from integrita.services.casework import cases, deadlines, str_reports

cases_app = typer.Typer(
    help="Cases built from alerts, and reporting deadlines.", no_args_is_help=True
)


@cases_app.command("open")
@handle_errors
@batch_job
def cases_open(
    batch_size: int = typer.Option(500, min=1, help="Customers per transaction."),
) -> None:
    """Gather every new alert into its customer's open case, opening cases where needed."""
    ctx = context()
    pending = cases.new_alert_count(ctx)
    with progress_bar("opening cases", total=pending) as advance:
        opened = updated = attached = 0
        while True:
            result = cases.open_cases_from_alerts(
                ctx, actor=system_actor().username, batch_size=batch_size, max_batches=1
            )
            if result.alerts_attached == 0:
                break
            opened += result.cases_opened
            updated += result.cases_updated
            attached += result.alerts_attached
            advance(result.alerts_attached)
    console.print(f"{attached} alerts: {opened} cases opened, {updated} open cases updated")


@cases_app.command("deadlines")
@handle_errors
@needs(Permission.STR_READ)
def cases_deadlines(
    today: str = typer.Option("", help="Count from this day (YYYY-MM-DD) instead of today."),
) -> None:
    """STRs and large-value records that are overdue or due soon, in working days."""
    ctx = context()
    try:
        day = date.fromisoformat(today) if today else None
    except ValueError as exc:
        raise InputError(f"--today must be YYYY-MM-DD, not {today!r}", field="today") from exc
    result = deadlines.deadlines(ctx, signed_in(ctx), today=day)
    table = Table("", "kind", "record", "customer", "status", "due on", "working days left")
    for label, items in (("overdue", result.overdue), ("due soon", result.due_soon)):
        for d in items:
            table.add_row(
                label,
                d.kind,
                str(d.record_id),
                d.customer_id or "",
                d.status,
                d.due_on.isoformat(),
                "–" if d.working_days_left is None else str(d.working_days_left),
            )
    console.print(table)
    console.print(
        f"{len(result.overdue)} overdue, {len(result.due_soon)} due soon (as of {result.today})"
    )
    if result.calendar_warning:
        console.print(f"[yellow]{result.calendar_warning}[/]")


@handle_errors
@needs(Permission.CASE_FIGURES)
def report_str(
    year: int = typer.Option(..., help="Calendar year."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """STRs handed over in a year, of which transferred and filed; the by-date view; reviews."""
    figures = str_reports.year_figures(context(), year)
    if as_json:
        console.print_json(json.dumps(figures.as_dict()))
        return
    table = Table("figure", "count", title=f"Suspicious transaction reports {year}")
    labels = {
        "strs_submitted": "STRs handed over to the regulator",
        "strs_transferred": "  of which transferred to other authorities",
        "strs_filed": "  of which filed as cases by an authority",
        "strs_transferred_in_year": "transferred in the year (by date, any year handed over)",
        "strs_filed_in_year": "filed in the year (by date, any year handed over)",
        "strs_submitted_on_time": "submitted by their deadline",
        "proposals_reviewed": "proposals reviewed (four-eyes)",
        "proposals_approved": "proposals approved",
        "proposals_returned": "proposals returned to the analyst",
        "report_decisions_approved": "approved 'report' decisions",
        "not_suspicious_approved": "approved 'not suspicious' decisions",
    }
    for key, value in figures.as_dict().items():
        if key != "year":
            table.add_row(labels.get(key, key), str(value))
    console.print(table)


def register(app: typer.Typer) -> None:
    app.add_typer(cases_app, name="cases")
    report_group(app).command("str")(report_str)
