"""``integrita care``: complaint imports, the SLA sweep, figures, the monthly report, surveys, demo."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from integrita.cli.common import console, context, handle_errors, progress_bar
from integrita.cli.identity import batch_job, local_command, needs, signed_in, system_actor
from integrita.demo.care import generate_care_year
from integrita.domain.permissions import Permission
from integrita.errors import InputError
from integrita.services.care import complaints, customer_records, history_import, surveys
from integrita.services.care import report as care_report
from integrita.services.care import sla as care_sla
from integrita.services.care.complaint_mapping import load_mapping
from integrita.services.care.complaints import Actor
from integrita.services.core.context import Context

care = typer.Typer(
    help="Customer care: complaints, service-level clocks, surveys, customer records."
)


def _actor(ctx: Context) -> Actor:
    """The signed-in user as the care services name an actor."""
    user = signed_in(ctx)
    return Actor(user.username, frozenset(user.roles))


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc}", field="file") from exc


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1%}"


@care.command("import-complaints")
@handle_errors
@needs(Permission.COMPLAINT_RECEIVE)
def import_complaints(
    path: Path,
    mapping: Annotated[
        str | None,
        typer.Option(
            help="Import another system's export with its history: a shipped mapping (cfpb) or "
            "a TOML mapping file; bad rows are quarantined, counts reconciled, re-import is "
            "idempotent"
        ),
    ] = None,
) -> None:
    """Import complaints from a CSV file: our own layout (all rows or none), or any export
    through a mapping (history kept, bad rows quarantined)."""
    ctx = context()
    if mapping is None:
        ids = complaints.import_complaints_csv(ctx, _read(path), _actor(ctx))
        console.print(f"imported {len(ids)} complaints")
        return
    result = history_import.import_history(
        ctx, _read(path), load_mapping(mapping), _actor(ctx), source_file=str(path)
    )
    for line in result.lines():
        console.print(line, markup=False, highlight=False)


@care.command("import-orders")
@handle_errors
@needs(Permission.CUSTOMER_RECORD_EDIT)
def import_orders(path: Path) -> None:
    """Import orders (with delivery status) from a CSV file."""
    ctx = context()
    n = customer_records.import_orders_csv(ctx, _read(path), _actor(ctx))
    console.print(f"imported {n} orders")


@care.command("import-deliveries")
@handle_errors
@needs(Permission.CUSTOMER_RECORD_EDIT)
def import_deliveries(path: Path) -> None:
    """Update delivery status from a CSV file (order_id, delivery_status, delivered_on)."""
    ctx = context()
    n = customer_records.import_deliveries_csv(ctx, _read(path), _actor(ctx))
    console.print(f"updated {n} deliveries")


@care.command("sweep")
@handle_errors
@batch_job
def sweep() -> None:
    """Flag breached deadlines and escalate them to department heads (run it every few minutes)."""
    result = care_sla.sweep(context(), actor=system_actor().username)
    console.print(
        f"first-response breaches {result.first_response_breaches}, resolution breaches "
        f"{result.resolution_breaches}, escalations {result.escalations}"
    )


@care.command("figures")
@handle_errors
@needs(Permission.CARE_READ)
def figures(month: Annotated[str | None, typer.Option(help="YYYY-MM")] = None) -> None:
    """On-time response, resolution percentiles, reopen and satisfaction rates per department and month."""
    table = Table(
        "Month",
        "Department",
        "Received",
        "Invalid",
        "On time",
        "P50 h",
        "P90 h",
        "Reopen",
        "Satisfied",
    )
    for f in care_sla.figures(context(), month):
        table.add_row(
            f.month,
            f.department or "all",
            str(f.received),
            str(f.invalid),
            _pct(f.on_time_first_response_rate),
            "n/a" if f.resolution_hours_p50 is None else f"{f.resolution_hours_p50:.1f}",
            "n/a" if f.resolution_hours_p90 is None else f"{f.resolution_hours_p90:.1f}",
            _pct(f.reopen_rate),
            _pct(f.satisfaction_rate),
        )
    console.print(table)


@care.command("report")
@handle_errors
@needs(Permission.CARE_READ)
def report(
    month: Annotated[str, typer.Argument(help="YYYY-MM")],
    pdf: Annotated[Path | None, typer.Option(help="Write the PDF here")] = None,
) -> None:
    """The monthly quality report (PDCA); optionally as PDF."""
    ctx = context()
    result = care_report.monthly_report(ctx, month)
    for t in result.targets:
        console.print(f"{t.name}: target {t.target}, actual {t.actual}")
    console.print(f"open complaints of the month: {result.open_count}")
    if pdf is not None:
        pdf.write_bytes(care_report.report_pdf(ctx, result))
        console.print(f"PDF written to {pdf}")


@care.command("survey-import")
@handle_errors
@needs(Permission.SURVEY_RUN)
def survey_import(survey_id: int, path: Path) -> None:
    """Import an external survey agency's results (CSV) into a survey."""
    ctx = context()
    n = surveys.import_agency_csv(ctx, survey_id, _read(path), _actor(ctx))
    console.print(f"imported {n} responses")


@care.command("survey-results")
@handle_errors
@needs(Permission.CARE_READ)
def survey_results(survey_id: int) -> None:
    """Response rate and scores of a survey."""
    r = surveys.results(context(), survey_id)
    console.print(
        f"{r.name}: invited {r.invited}, responded {r.responded}, rate {_pct(r.response_rate)}"
    )
    if r.warning:
        console.print(f"[yellow]warning:[/] {r.warning}")
    for d in r.dimensions:
        score = (
            "n/a"
            if d.estimate is None
            else f"{d.estimate.score:.1f} ({d.estimate.low:.1f}-{d.estimate.high:.1f})"
        )
        console.print(f"  {d.label}: {score}")
    if r.overall:
        console.print(f"overall: {r.overall.score:.1f} ({r.overall.low:.1f}-{r.overall.high:.1f})")


@care.command("demo")
@handle_errors
@local_command
def demo(seed: Annotated[int, typer.Option(help="Random seed")] = 7) -> None:
    """A year of orders, complaints and one survey for the customers in the store."""
    ctx = context()
    with progress_bar("care year: complaints filed", total=None) as advance:
        result = generate_care_year(ctx, seed, progress=advance)
    for line in result.lines():
        console.print(line)


def register(app: typer.Typer) -> None:
    app.add_typer(care, name="care")
