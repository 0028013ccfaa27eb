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
from integrita.cli.detection import _steps, print_summary
from integrita.cli.foundation import _progress_factory, print_ingest_reports
from integrita.cli.identity import local_command
from integrita.cli.realtime import demo_over_http
from integrita.demo import care as care_demo
from integrita.demo import casework as casework_demo
from integrita.demo import governance as governance_demo
from integrita.demo import history
from integrita.demo import risk as risk_demo
from integrita.demo import screening as screening_demo
from integrita.detection.catalogue import detectors
from integrita.services.care import sla as care_sla
from integrita.services.core.context import Context
from integrita.services.core.ledger import ledger_stats
from integrita.services.ingest.ingest import ingest_path
from integrita.services.monitoring.detection import run_detection
from integrita.services.monitoring.scoring import models_dir, train_model
from integrita.synthetic import build_bank, files_to_write, write_bank
from integrita.synthetic.bank import expected_transactions

DEMO_SEED = 7


def _generate(ctx: Context, customers: int, days: int) -> Path:
    out = ctx.settings.data_dir / "synthetic"
    config = history.bank_config(ctx, customers=customers, days=days, seed=DEMO_SEED)
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


def _mix_table(title: str, counts: dict[str, int]) -> Table:
    table = Table(title, "count", "share")
    total = sum(counts.values()) or 1
    for key, n in counts.items():
        table.add_row(key, f"{n:,}", f"{n / total:.1%}")
    return table


def _detection(ctx: Context) -> None:
    if not any(models_dir(ctx).glob("*/model.txt")):
        with _steps(
            "training the scoring model on the labelled ledger", len(detectors()) + 1
        ) as report:
            card = train_model(ctx, progress=report)
        test = card.get("metrics", {}).get("test", {})
        console.print(f"scoring model {card['version']} trained; test-split metrics: {test}")
    with _steps("detecting", len(detectors()) + 2) as report:
        summary = run_detection(ctx, "duckdb", report)
    print_summary(summary)


def _realtime(ctx: Context, payments: int) -> None:
    mix = demo_over_http(ctx, payments)
    console.print(_mix_table("real-time decision", mix))


def _casework(ctx: Context) -> None:
    people = casework_demo.create_demo_users(ctx)
    table = Table("user", "password", "roles", title="workbench users (passwords shown once)")
    for username, password, roles in people:
        table.add_row(username, password, ", ".join(roles))
    console.print(table)
    console.print(
        "the command line acts as a signed-in person: [bold]integrita login --username mlro[/] "
        "(or set INTEGRITA_TOKEN to an API token); batch jobs run as the system actor"
    )
    opened = casework_demo.open_cases_from_alerts(ctx)
    console.print(f"cases opened from new alerts: {opened:,}")
    if history.schema_for_history(ctx):
        filed = history.submit_past_large_value(ctx)
        console.print(
            f"large-value records submitted on their due dates during the period: {filed:,} "
            "(those due today or later stay in the backlog)"
        )
    else:
        console.print(
            "large-value records of the period stay pending: the goAML schema is needed to submit them"
        )
    if ctx.settings.goaml_schema_path is None:
        console.print(
            "goAML export: set INTEGRITA_GOAML_SCHEMA_PATH to your FIU's goAML XSD "
            "(e.g. ../shared/reference/goaml/5.0.1/goAMLSchema.xsd) to validate and export STRs"
        )


def _risk(ctx: Context) -> None:
    with progress_bar("rating every customer", total=None) as advance:
        bands = risk_demo.rate_all(ctx, advance)
    console.print(_mix_table("risk band", bands))
    year = ctx.local_date().year
    assessment = risk_demo.draft_self_assessment(ctx, year)
    table = Table(
        "dimension",
        "inherent score",
        "inherent",
        "residual",
        title=f"self-assessment {year} (draft)",
    )
    for dimension, (score, level) in assessment["inherent"].items():
        table.add_row(
            dimension, f"{score:.1f}", str(level), str(assessment["residual"].get(dimension, ""))
        )
    console.print(table)
    console.print(f"control effectiveness: {assessment['control_effectiveness']}")
    reviews = risk_demo.review_figures(ctx, year)
    console.print(
        f"AML reviews of new products and channels in {year}: {reviews['reviews']:,} reviews, "
        f"{reviews['opinions']:,} opinions recorded"
    )


def _screening(ctx: Context) -> None:
    from integrita.services.screening import points

    with progress_bar("screening the book", total=points.book_size(ctx) + 9) as advance:
        diff, summary = screening_demo.run(ctx, advance)
    console.print(
        f"list {diff.snapshot.source} v{diff.snapshot.version}: {diff.snapshot.entity_count} entities; "
        f"screened {summary.screened:,} customers in {summary.seconds:.1f}s: "
        f"{summary.matches} matches, {summary.alerts} alerts in case work"
    )
    console.print("review them side by side at http://127.0.0.1:8000/screening/matches")


def _care(ctx: Context) -> None:
    existing = care_sla.overall(ctx)
    if existing.received:
        console.print(
            f"complaints already on file ({existing.received:,}); on-time first response "
            f"{existing.on_time_first_response_rate or 0:.1%}, satisfaction {existing.satisfaction_rate or 0:.1%}"
        )
        return
    with progress_bar("a year of complaints, orders and a survey", total=None) as advance:
        figures = care_demo.generate_care_year(ctx, seed=DEMO_SEED, progress=advance)
    for line in figures.lines():
        console.print(line)


def _annual_pack(ctx: Context) -> None:
    """The demo ends where the year ends: the annual disclosure pack, read as the demo MLRO."""
    from integrita.cli.reporting import write_annual_pack
    from integrita.domain.workflow import Actor

    # the demo year is the synthetic bank's: the year of its last booking day (today's year
    # before anything is ingested)
    last_day = ledger_stats(ctx).last_day
    year = last_day.year if last_day is not None else ctx.local_date().year
    write_annual_pack(ctx, year, Actor("mlro", frozenset({"mlro"})))
    console.print(
        f"publish it with [bold]integrita report annual --year {year} --publish[/] "
        "(signed in as the MLRO); open it at http://127.0.0.1:8000/reports/annual"
    )


@handle_errors
@local_command
def demo(
    customers: int = typer.Option(2_000, help="Customers in the synthetic bank."),
    days: int = typer.Option(90, help="Days of transactions."),
    payments: int = typer.Option(500, help="Synthetic payments sent through the real-time API."),
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
    console.rule("3. batch AML monitoring")
    _detection(ctx)
    console.rule("4. real-time funds protection")
    _realtime(ctx, payments)
    console.rule("5. case work")
    _casework(ctx)
    console.rule("6. money-laundering risk")
    _risk(ctx)
    console.rule("7. customer care")
    _care(ctx)
    console.rule("8. sanctions and PEP screening")
    _screening(ctx)
    console.rule("9. governance and integrity registers")
    for line in governance_demo.seed(ctx):
        console.print(line)
    console.rule("where to look")
    console.print(f"operational database: {ctx.settings.resolved_database_url}")
    console.print(
        f"ledger (Parquet, by booking date): {ctx.settings.resolved_ledger_dir.resolve()}"
    )
    console.print(f"reports and exports: {ctx.settings.reports_dir.resolve()}")
    console.print(
        "workbench and API: run [bold].venv/bin/integrita serve[/] and open http://127.0.0.1:8000/ "
        "(API reference at /docs); sign in with a user printed above"
    )
    console.rule("10. annual disclosure pack")
    _annual_pack(ctx)


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)
