"""``integrita risk`` (ratings, events, configuration, self-assessment) and ``integrita report reviews``."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import typer
from rich.table import Table

from integrita.cli.common import console, context, handle_errors, progress_bar, report_group
from integrita.cli.identity import batch_job, needs, signed_in, system_actor
from integrita.demo import risk as demo
from integrita.domain.permissions import Permission
from integrita.errors import InputError
from integrita.services.risk import assessment, documents, events, product_reviews, rating

risk_app = typer.Typer(
    help="Money-laundering risk: customer ratings and the self-assessment.", no_args_is_help=True
)
assess_app = typer.Typer(
    help="The annual money-laundering risk self-assessment.", no_args_is_help=True
)
config_app = typer.Typer(help="The versioned rating configuration.", no_args_is_help=True)


@risk_app.command("rate")
@handle_errors
@batch_job
def rate(
    all_: bool = typer.Option(False, "--all", help="Rate the whole book."),
    incremental: bool = typer.Option(
        False, "--incremental", help="Re-rate customers with new events, alerts or no rating."
    ),
    due: bool = typer.Option(
        False, "--due", help="Re-rate customers whose periodic review is due."
    ),
    customer: list[str] = typer.Option([], "--customer", "-c", help="Rate these customers."),
) -> None:
    """Rate customers and print the distribution by band."""
    chosen = [
        m
        for m, on in (
            ("all", all_),
            ("incremental", incremental),
            ("due", due),
            ("customers", bool(customer)),
        )
        if on
    ]
    if len(chosen) != 1:
        raise InputError(
            "choose exactly one of --all, --incremental, --due, --customer", field="mode"
        )
    ctx = context()
    plan = rating.plan(ctx, chosen[0], customer)
    with progress_bar(f"rating ({plan.mode})", total=plan.total) as advance:
        summary = rating.execute(ctx, plan, actor=system_actor().username, progress=advance)
    console.print(
        f"run {summary.run_id}: rated {summary.customers:,} customers with configuration "
        f"v{summary.config_version} in {summary.seconds:.1f}s"
    )
    _print_distribution(rating.band_distribution(ctx))


def _print_distribution(distribution: dict[str, int]) -> None:
    total = sum(distribution.values()) or 1
    table = Table("band", "customers", "share", title="customers by risk band (after overrides)")
    for band, n in distribution.items():
        table.add_row(band, f"{n:,}", f"{n / total:.1%}")
    console.print(table)


@risk_app.command("distribution")
@handle_errors
@needs(Permission.RISK_READ)
def distribution() -> None:
    """Customers per band."""
    _print_distribution(rating.band_distribution(context()))


@risk_app.command("due")
@handle_errors
@needs(Permission.RISK_READ)
def due_list(
    on: str = typer.Option("", help="Date (YYYY-MM-DD); today when empty."),
    limit: int = typer.Option(50, help="How many to list."),
) -> None:
    """Customers due for a periodic review or a first rating, earliest first."""
    ctx = context()
    try:
        day = date.fromisoformat(on) if on else None
    except ValueError as exc:
        raise InputError("--on must be YYYY-MM-DD", field="on") from exc
    table = Table("customer", "reason", "band", "due", "overdue")
    for item in rating.due_for_review(ctx, on=day, limit=limit):
        table.add_row(
            item.customer_id,
            item.reason,
            item.band or "-",
            item.due_on.isoformat(),
            "yes" if item.overdue else "",
        )
    console.print(table)


@risk_app.command("show")
@handle_errors
@needs(Permission.RISK_READ)
def show(customer_id: str) -> None:
    """A customer's rating with each factor's contribution."""
    breakdown = rating.rating_breakdown(context(), customer_id)
    if breakdown is None:
        console.print(f"{customer_id} has not been rated yet")
        raise typer.Exit(1)
    console.print(
        f"[bold]{customer_id}[/]: {breakdown.effective_band} (score {breakdown.score:.1f}, computed "
        f"{breakdown.band}); rated {breakdown.rated_at:%Y-%m-%d} by configuration v{breakdown.config_version}; "
        f"review due {breakdown.next_review_due}"
    )
    table = Table("factor", "group", "weight %", "points", "why")
    for line in breakdown.factors:
        table.add_row(
            line.name,
            line.group,
            f"{line.weight:.1f}",
            f"{line.contribution:.2f}",
            line.explanation,
        )
    console.print(table)


@risk_app.command("event")
@handle_errors
@needs(Permission.RISK_EVENT_RECORD)
def event(
    customer_id: str,
    kind: str = typer.Option(..., help="alert | str | large_value | key_data_change"),
    reference: str = typer.Option(
        ..., help="The alert id, STR reference, record id or changed field."
    ),
) -> None:
    """Record a risk event; the customer is re-rated by the next incremental run."""
    ctx = context()
    recorded = events.record(ctx, customer_id, kind, reference, actor=signed_in(ctx).username)
    console.print(
        f"{'recorded' if recorded.new else 'already recorded'}: {kind} {reference} for {customer_id}"
    )


@config_app.command("show")
@handle_errors
@needs(Permission.RISK_READ)
def config_show() -> None:
    """Print the current configuration as JSON."""
    config = rating.configuration(context())
    console.print_json(json.dumps({"version": config.version, **config.body}))


@config_app.command("set")
@handle_errors
@needs(Permission.RISK_RATE)
def config_set(
    path: Path = typer.Argument(..., exists=True, readable=True),
    note: str = typer.Option(..., help="Why the configuration changes."),
) -> None:
    """Store a new configuration version from a JSON file (keys not given keep their defaults)."""
    try:
        body = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise InputError(f"{path} is not valid JSON: {exc}", field="path") from exc
    ctx = context()
    config = rating.set_configuration(ctx, body, note=note, actor=signed_in(ctx).username)
    console.print(f"configuration v{config.version} stored")


@assess_app.command("draft")
@handle_errors
@needs(Permission.ASSESSMENT_DRAFT)
def assess_draft(year: int = typer.Option(..., help="Assessment year.")) -> None:
    """Draft a new self-assessment version for the year from the data."""
    ctx = context()
    summary = demo.draft_self_assessment(ctx, year, actor=signed_in(ctx))
    table = Table(
        "dimension",
        "inherent score",
        "inherent",
        "residual",
        title=f"self-assessment {year} v{summary['version']} (id {summary['id']})",
    )
    for dim, (score, level) in summary["inherent"].items():
        table.add_row(dim, f"{score:.1f}", level, summary["residual"][dim])
    console.print(table)
    console.print(
        f"control effectiveness: {summary['control_effectiveness']} (answer the questionnaire on the page)"
    )


@assess_app.command("compare")
@handle_errors
@needs(Permission.RISK_READ)
def assess_compare(year: int = typer.Option(...)) -> None:
    """Compare the year's self-assessment with the year before."""
    table = Table("dimension", f"{year - 1}", f"{year}", "residual", "change")
    for line in assessment.compare(context(), year):
        prev = (
            f"{line.previous_inherent_score:.1f} {line.previous_inherent_level}"
            if line.previous_inherent_score is not None
            else "-"
        )
        table.add_row(
            line.dimension,
            prev,
            f"{line.inherent_score:.1f} {line.inherent_level}",
            f"{line.previous_residual or '-'} → {line.residual}",
            line.change,
        )
    console.print(table)


@assess_app.command("pdf")
@handle_errors
@needs(Permission.RISK_READ)
def assess_pdf(
    assessment_id: int, out: Path = typer.Option(..., help="Where to write the PDF.")
) -> None:
    """Export a self-assessment as PDF."""
    out.write_bytes(documents.assessment_pdf(context(), assessment_id))
    console.print(f"wrote {out}")


@needs(Permission.PRODUCT_REVIEW_READ)
def report_reviews(year: int = typer.Option(..., "--year", help="Calendar year.")) -> None:
    """AML reviews of new products, businesses and channels, and opinions recorded in the year."""
    figures = product_reviews.figures(context(), year)
    table = Table(
        "figure", "value", title=f"AML reviews of new products, businesses and channels, {year}"
    )
    table.add_row("reviews", f"{figures.reviews:,}")
    for kind, n in sorted(figures.by_kind.items()):
        table.add_row(f"  {kind}", f"{n:,}")
    for status, n in sorted(figures.by_status.items()):
        table.add_row(f"  {status}", f"{n:,}")
    table.add_row("opinions recorded", f"{figures.opinions:,}")
    table.add_row("  requiring a control", f"{figures.opinions_with_required_control:,}")
    table.add_row("  controls resolved", f"{figures.controls_resolved:,}")
    table.add_row("  controls unresolved", f"{figures.controls_unresolved:,}")
    table.add_row("  of which overdue", f"{figures.controls_overdue:,}")
    console.print(table)


def register(app: typer.Typer) -> None:
    risk_app.add_typer(assess_app, name="assess")
    risk_app.add_typer(config_app, name="config")
    app.add_typer(risk_app, name="risk")
    report_group(app).command("reviews")(handle_errors(report_reviews))
