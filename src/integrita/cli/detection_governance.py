"""``integrita detect params ...`` and ``integrita detect budget ...``: governed detection settings."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from integrita.cli.common import console, context, handle_errors, parse_changes, print_diff
from integrita.cli.identity import AS_OPTION, needs, refuse_as, signed_in
from integrita.domain.permissions import Permission
from integrita.services.monitoring import alert_budget, detector_params, params_backtest

params_app = typer.Typer(
    help="Detector parameter sets: show, propose, approve, backtest.", no_args_is_help=True
)
budget_app = typer.Typer(help="The MLRO's alert budget: show, set.", no_args_is_help=True)


@params_app.command("show")
@handle_errors
@needs(Permission.DETECTION_PARAMS_READ)
def params_show(
    detector: Annotated[
        str | None, typer.Argument(help="A detector: list its versions (default: all in force)")
    ] = None,
) -> None:
    """The parameter set in force for every detector, or every version of one detector."""
    ctx = context()
    table = Table("detector", "version", "status", "parameters", "explanation", show_lines=True)
    for v in detector_params.show(ctx, signed_in(ctx), detector):
        table.add_row(v.detector, str(v.version), v.status, json.dumps(v.params), v.explanation)
    console.print(table)


@params_app.command("propose")
@handle_errors
@needs(Permission.DETECTION_PARAMS_PROPOSE)
def params_propose(
    detector: Annotated[str, typer.Argument(help="The detector, e.g. fan_in")],
    set_: Annotated[list[str], typer.Option("--set", help="name=value (JSON value); repeatable.")],
    note: Annotated[str, typer.Option(help="Why.")] = "",
    as_: str | None = AS_OPTION,
) -> None:
    """Propose a new version of a detector's parameters (you are the proposer)."""
    refuse_as(as_)
    ctx = context()
    v = detector_params.propose(ctx, signed_in(ctx), detector, parse_changes(set_), note or None)
    console.print(
        f"proposed {v.detector} version {v.version} based on version {v.base_version}; "
        "needs a business and a technology approval by two other people"
    )
    print_diff("parameter", v)
    console.print(f"explanation with these values: {v.explanation}")


@params_app.command("approve")
@handle_errors
@needs(Permission.DETECTION_PARAMS_ACTIVATE)
def params_approve(
    detector: Annotated[str, typer.Argument(help="The detector")],
    version: Annotated[int, typer.Argument(help="The proposed version")],
    as_: str | None = AS_OPTION,
) -> None:
    """Approve a proposed version on your side; the second side's approval puts it in force."""
    refuse_as(as_)
    ctx = context()
    v = detector_params.approve(ctx, signed_in(ctx), detector, version)
    console.print(
        f"{v.detector} version {v.version} is {v.status} (business: "
        f"{v.business_approved_by or '-'}, technology: {v.technology_approved_by or '-'})"
    )


@params_app.command("backtest")
@handle_errors
@needs(Permission.DETECTION_PARAMS_BACKTEST)
def params_backtest_command(
    detector: Annotated[str, typer.Argument(help="The detector")],
    version: Annotated[int, typer.Argument(help="The version to compare with the one in force")],
    labels: Annotated[
        Path | None, typer.Option(help="Labels (CSV or Parquet); default: those kept at ingest")
    ] = None,
    budget: Annotated[
        int | None, typer.Option(help="Alerts a month (default: the budget in force)")
    ] = None,
) -> None:
    """Alerts and true patterns gained and lost above the budget's line with a proposed version."""
    ctx = context()
    r = params_backtest.backtest(
        ctx, signed_in(ctx), detector, version, labels=labels, budget_per_month=budget
    )
    table = Table(
        "",
        f"in force (v{r.active.version})",
        f"proposed (v{r.proposed.version})",
        title=f"{r.detector}: budget {r.budget} alerts over the ledger ({r.budget_per_month} a "
        f"month); ranked by {r.ranked_by}",
    )
    for label, field in (
        ("alerts", "alerts"),
        ("above the line", "above_line"),
        ("below the line", "below_line"),
        ("true alerts above the line", "true_alerts_above_line"),
        (f"true {r.unit}s alerted above the line", "cases_alerted_above_line"),
    ):
        table.add_row(label, f"{getattr(r.active, field):,}", f"{getattr(r.proposed, field):,}")
    console.print(table)
    console.print(f"true {r.unit}s: {r.true_cases:,}")
    console.print(f"{r.unit}s gained: {', '.join(r.cases_gained) or 'none'}")
    console.print(f"{r.unit}s lost: {', '.join(r.cases_lost) or 'none'}")
    console.print(
        f"alerts gained above the line: {len(r.alerts_gained_above_line):,}; "
        f"lost: {len(r.alerts_lost_above_line):,}"
    )


@budget_app.command("show")
@handle_errors
@needs(Permission.ALERT_BUDGET_READ)
def budget_show() -> None:
    """The alert budget in force."""
    ctx = context()
    b = alert_budget.show(ctx, signed_in(ctx))
    origin = "documented default" if b.is_default else f"version {b.version} set by {b.set_by}"
    console.print(f"{b.alerts_per_month:,} alerts a month ({origin})")


@budget_app.command("set")
@handle_errors
@needs(Permission.ALERT_BUDGET_SET)
def budget_set(
    alerts_per_month: Annotated[int, typer.Argument(help="Alerts the team can work in a month")],
    note: Annotated[str, typer.Option(help="Why.")] = "",
    as_: str | None = AS_OPTION,
) -> None:
    """Set the alert budget (MLRO); the next detection run raises at most its share."""
    refuse_as(as_)
    ctx = context()
    b = alert_budget.set_budget(ctx, signed_in(ctx), alerts_per_month, note or None)
    console.print(f"alert budget version {b.version}: {b.alerts_per_month:,} alerts a month")


def register_governance(detect_app: typer.Typer) -> None:
    detect_app.add_typer(params_app, name="params")
    detect_app.add_typer(budget_app, name="budget")
