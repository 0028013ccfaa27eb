"""``integrita detect``, ``integrita model`` and ``integrita evaluate``: batch AML monitoring."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from integrita.cli.common import console, context, handle_errors, progress_bar
from integrita.cli.detection_governance import register_governance
from integrita.cli.identity import batch_job, local_command
from integrita.detection.catalogue import detectors
from integrita.errors import InputError
from integrita.services.monitoring import evaluation, scoring
from integrita.services.monitoring.detection import DetectionSummary, run_detection

detect_app = typer.Typer(help="Batch AML monitoring over the ledger.", no_args_is_help=True)
model_app = typer.Typer(help="The learned alert-scoring model.", no_args_is_help=True)


@contextmanager
def _steps(description: str, total: int) -> Iterator[Callable[[str, int, int], None]]:
    """A progress callback (step, done, total) that drives a Rich progress bar."""
    with progress_bar(description, total=total) as advance:
        seen = {"done": 0}

        def report(_step: str, done: int, _total: int) -> None:
            advance(done - seen["done"])
            seen["done"] = done

        yield report


def print_summary(summary: DetectionSummary) -> None:
    """The per-typology table the CLI and the demo show after a run."""
    if summary.nothing_new:
        console.print("no new ledger partitions since the last run: nothing to do")
        return
    table = Table(
        "typology",
        "matches",
        "transactions",
        "accounts",
        "alerts",
        title=f"detection run {summary.run_id} on {summary.engine} "
        f"({summary.new_partitions} new partition(s), {summary.seconds:.1f} s)",
    )
    for t in summary.typologies:
        table.add_row(
            t.title, f"{t.matches:,}", f"{t.transactions:,}", f"{t.accounts:,}", f"{t.alerts:,}"
        )
    console.print(table)
    console.print(
        f"alerts raised: {summary.alerts_raised:,} (already raised before: {summary.alerts_duplicate:,}; "
        f"open alerts given more evidence: {summary.alerts_updated:,}); "
        f"large-value records: {summary.large_value_records:,}; "
        f"scored with: {summary.scored_with or 'no model (run integrita model train)'}"
    )
    console.print(
        f"alert budget: {summary.alert_budget} for this run's period "
        f"({summary.budget_per_month} a month); below the line: {summary.alerts_below_line:,}; "
        "parameter versions: "
        + ", ".join(f"{k} v{v}" for k, v in sorted(summary.parameter_versions.items()))
    )
    for warning in summary.warnings:
        console.print(f"[yellow]warning:[/yellow] {warning}")


@detect_app.command("run")
@handle_errors
@batch_job
def detect_run(
    engine: Annotated[str, typer.Option(help="duckdb (default) or spark")] = "duckdb",
    full: Annotated[bool, typer.Option(help="Re-process the whole ledger")] = False,
    only: Annotated[list[str] | None, typer.Option(help="Run only these typologies")] = None,
    master: Annotated[
        str | None,
        typer.Option(help="Spark master for --engine spark, e.g. spark://host:7077 [settings]"),
    ] = None,
) -> None:
    """Run every detector over new ledger partitions; raise one alert per customer and month,
    highest entity scores first, within the MLRO's alert budget."""
    ctx = context()
    if master is not None and engine != "spark":
        raise InputError("--master needs --engine spark", field="master")
    total = len(detectors(only)) + 2
    with _steps("detecting", total) as report:
        summary = run_detection(ctx, engine, report, only=only, full=full, spark_master=master)
    print_summary(summary)


@detect_app.command("typologies")
@handle_errors
@local_command
def detect_typologies() -> None:
    """List the typologies with the explanation an analyst reads and their parameters."""
    table = Table("typology", "why it alerts", "parameters", show_lines=True)
    for d in detectors():
        table.add_row(d.title, d.explain(), repr(d.default_params))
    console.print(table)


@model_app.command("train")
@handle_errors
@batch_job
def model_train(
    labels: Annotated[
        Path | None,
        typer.Option(help="Labels file (CSV or Parquet); default: the labels kept at ingest"),
    ] = None,
) -> None:
    """Train the scoring model with the temporal split, write its model card and activate it."""
    ctx = context()
    with _steps("training", len(detectors()) + 1) as report:
        card = scoring.train_model(ctx, labels, progress=report)
    _print_card(card)


def _print_card(card: dict[str, object]) -> None:
    table = Table("split", "precision", "recall", "F1", title=f"model {card['version']}")
    metrics = card["metrics"]
    assert isinstance(metrics, dict)
    for split, m in metrics.items():
        table.add_row(split, f"{m['precision']:.3f}", f"{m['recall']:.3f}", f"{m['f1']:.3f}")
    console.print(table)
    console.print(f"data: {json.dumps(card['data'])}")


@model_app.command("evaluate")
@handle_errors
@batch_job
def model_evaluate(
    version: Annotated[
        str | None, typer.Option(help="Model version; default: the active one")
    ] = None,
    labels: Annotated[Path | None, typer.Option(help="Labels file (CSV or Parquet)")] = None,
) -> None:
    """Test a registered model on the last 20 % of the current ledger."""
    result = scoring.evaluate_model(context(), version, labels)
    m = result["test"]
    console.print(
        f"model {result['version']} on {result['rows']:,} test transactions: precision "
        f"{m['precision']:.3f}, recall {m['recall']:.3f}, F1 {m['f1']:.3f}"
    )


@model_app.command("show")
@handle_errors
@batch_job
def model_show(
    version: Annotated[str | None, typer.Option(help="Show this version's card")] = None,
) -> None:
    """List the registered models, or print one model card."""
    models = scoring.list_models(context())
    if version:
        chosen = [m for m in models if m["version"] == version]
        if not chosen:
            from integrita.errors import NotFoundError

            raise NotFoundError(f"no scoring model {version}")
        _print_card(chosen[0]["card"])
        return
    table = Table("version", "active", "test F1", "path")
    for m in models:
        test = m["card"]["metrics"]["test"]
        table.add_row(m["version"], "yes" if m["active"] else "", f"{test['f1']:.3f}", m["path"])
    console.print(table)


@handle_errors
@batch_job
def evaluate_command(
    labels: Annotated[Path, typer.Option(help="Labels kept apart at ingest (CSV or Parquet)")],
    budget: Annotated[
        int | None,
        typer.Option(help="Alerts a month (default: the MLRO's budget in force)", min=1),
    ] = None,
) -> None:
    """Per-typology precision and recall, model minority-class F1, alerts per true case and
    the figures within the alert budget — all on the test split; charts."""
    ctx = context()
    with _steps("evaluating", len(detectors()) + 2) as report:
        result = evaluation.evaluate(ctx, labels, budget_per_month=budget, progress=report)
    table = Table(
        "typology", "precision", "recall (same typology)", "flagged", title="rules, test split"
    )
    for name, m in result.typologies.items():
        recall = "n/a" if m["recall"] is None else f"{m['recall']:.3f}"
        table.add_row(name, f"{m['precision']:.3f}", recall, f"{m['flagged']:,}")
    console.print(table)
    m = result.model
    console.print(
        f"model ({m['source']}), minority class on the test split: precision {m['precision']:.3f}, "
        f"recall {m['recall']:.3f}, F1 {m['f1']:.3f}"
    )
    a = result.alerts
    per_case = a["all"]["alerts_per_true_case"]
    console.print(
        f"{a['all']['alerts']:,} entity alerts for {a['true_cases']:,} true cases "
        f"(per {a['unit']}: {'n/a' if per_case is None else f'{per_case:.2f}'}; "
        f"{a['all']['recall']:.1%} alerted)"
    )
    if "at_budget" in a:
        b = a["at_budget"]
        console.print(
            f"within the budget ({a['budget_per_month']} a month = {b['budget']} alerts): precision "
            f"{b['precision']:.3f}, {b['recall']:.1%} of true cases alerted"
        )
    if "at_line" in a:
        line = a["at_line"]
        console.print(
            f"at the alert line chosen on validation (score {line['line']:.4f}): "
            f"{line['alerts']:,} alerts, precision {line['precision']:.3f}, "
            f"{line['recall']:.1%} of true cases alerted"
        )
    calibration = a.get("calibration", {})
    console.print(
        f"entity score: {a['distinct_scores']:,} distinct scores, "
        f"{a['alerts_scored_over_0_99']:,} at 0.99 or more; calibration "
        f"{calibration.get('fitted_on', 'default')}"
    )
    if a["alerts_without_owner"]:
        console.print(
            f"[yellow]warning:[/yellow] {a['alerts_without_owner']:,} alerts name an account "
            "without a registered owner"
        )
    console.print(f"report: {result.folder / 'evaluation.html'}")


def register(app: typer.Typer) -> None:
    register_governance(detect_app)
    app.add_typer(detect_app, name="detect")
    app.add_typer(model_app, name="model")
    app.command("evaluate")(evaluate_command)
