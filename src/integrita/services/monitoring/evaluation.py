"""How well detection works, measured against labels kept apart from the ledger.

Everything is measured on one test split — the last 20 % of the ledger by time, after a
week-long embargo (see :func:`integrita.detection.model.temporal_split`) — with point-in-time
features: the model's minority-class precision, recall and F1; each typology's precision and
its recall on laundering of the same typology (every typology listed, zeros shown); entity
alerts (one per customer or unowned account per 30 days) per true pattern, or per laundering
account when the labels carry no pattern ids, with the unit named; and precision and pattern
recall within the MLRO's alert budget. The arithmetic is :mod:`integrita.detection.quality`,
shared with ``benchmarks/detection_quality.py``. The report is written as JSON, PNG charts
(precision-recall curve, confusion matrix) and one HTML page.
"""

from __future__ import annotations

import base64
import html
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from integrita.detection import model as ml
from integrita.detection.catalogue import detectors
from integrita.detection.entity_alerts import DEFAULT_BUDGET_PER_MONTH, as_scored
from integrita.detection.entity_score import Calibration
from integrita.detection.features import LONGEST_WINDOW_SECONDS
from integrita.detection.quality import alert_burden, budget_for, prf, typology_figures
from integrita.services.core.context import Context
from integrita.services.monitoring.alert_budget import budget_in_force
from integrita.services.monitoring.calibration import calibrate, split_alerts
from integrita.services.monitoring.scoring import Dataset, build_dataset
from integrita.store.repositories import detection as repo

__all__ = ["DEFAULT_BUDGET_PER_MONTH", "EvaluationReport", "Measured", "evaluate", "measure"]


@dataclass
class EvaluationReport:
    typologies: dict[str, dict[str, Any]]
    rules_alone: dict[str, float]
    model: dict[str, Any]
    alerts: dict[str, Any]
    split: dict[str, Any]
    folder: Path
    files: list[Path] = field(default_factory=list)


def held_out(data: Dataset) -> tuple[np.ndarray[Any, Any], set[str]]:
    """The test split's row indices and transaction ids (the one split every figure uses)."""
    _, _, te = ml.temporal_split(data.ts, embargo_seconds=LONGEST_WINDOW_SECONDS)
    return te, {data.txn_ids[i] for i in te}


def rule_figures(
    data: Dataset, universe: set[str]
) -> tuple[dict[str, dict[str, Any]], dict[str, float]]:
    """Per-typology figures and the rules alone (a transaction flagged when it is evidence)."""
    flagged: dict[str, set[str]] = {}
    for m in data.matches:
        flagged.setdefault(m.typology, set()).update(m.txn_ids)
    positives = {t for t, flag in zip(data.txn_ids, data.y, strict=True) if flag}
    figures = typology_figures(
        flagged, positives, data.typology_of_label, [d.name for d in detectors()], universe
    )
    overall = figures["overall"]
    rules = prf(int(overall["tp"]), int(overall["fp"]), int(overall["fn"]))
    return figures, rules


def backtest_alerts(
    data: Dataset,
    te: np.ndarray[Any, Any],
    score: np.ndarray[Any, Any],
    threshold: float,
    owners: dict[str, str],
    budget_per_month: int,
    calibration: Calibration = Calibration(),
) -> dict[str, Any]:
    """Entity alerts over the test split — grouped and scored as a detection run does — their
    burden, and the figures within the budget (pattern recall and precision at the budget)."""
    alerts = split_alerts(data, te, score, threshold, owners, calibration)
    positives = {data.txn_ids[i] for i in te if data.y[i]}
    seconds = float(data.ts[te].max() - data.ts[te].min()) if len(te) else 0.0
    budget = budget_for(budget_per_month, max(seconds, 86400.0))
    burden = alert_burden(
        as_scored(alerts),
        positives,
        data.pattern_of_label,
        data.accounts_of,
        budget=budget,
        line=calibration.alert_line,
    )
    scores = [a.score for a in alerts]
    return {
        **burden,
        "budget_per_month": budget_per_month,
        "test_days": round(seconds / 86400, 1),
        "alerts_without_owner": sum(1 for a in alerts if not a.owned),
        "distinct_scores": len({round(s, 6) for s in scores}),
        "alerts_scored_over_0_99": sum(1 for s in scores if s >= 0.99),
        "calibration": calibration.as_dict(),
    }


def _fit_or_load(ctx: Context, data: Dataset) -> tuple[Any, float, str, dict[str, Any]]:
    with ctx.db.transaction() as session:
        active = repo.active_model(session)
        model_path = active.path if active else None
        model_threshold = float(active.card["threshold"]) if active else None  # type: ignore[arg-type]
    if model_path is not None and model_threshold is not None:
        import lightgbm as lgb

        booster = lgb.Booster(model_file=str(Path(model_path) / "model.txt"))
        if booster.feature_name() == data.names:
            return booster, model_threshold, f"active model {Path(model_path).name}", {}
    trained = ml.train(data.x, data.y, data.ts, data.names, embargo_seconds=LONGEST_WINDOW_SECONDS)
    return trained.booster, trained.threshold, "trained for this report", trained.chosen


def _charts(
    folder: Path, y: np.ndarray[Any, Any], score: np.ndarray[Any, Any], threshold: float
) -> list[Path]:
    from sklearn.metrics import confusion_matrix, precision_recall_curve

    from integrita.services.core import charts

    precision, recall = ([], [])
    if np.any(y):
        p, r, _ = precision_recall_curve(y, score)
        precision, recall = list(p), list(r)
    curve = charts.curve_chart(
        recall,
        precision,
        title="Scoring model: precision-recall (test split)",
        x_title="Recall",
        y_title="Precision",
    )
    matrix = confusion_matrix(y, score >= threshold, labels=[False, True])
    confusion = charts.matrix_chart(
        ["clean", "laundering"],
        ["predicted clean", "predicted laundering"],
        matrix.tolist(),
        title="Confusion matrix (test split)",
    )
    files = []
    for name, spec in (("precision_recall.png", curve), ("confusion.png", confusion)):
        path = folder / name
        path.write_bytes(charts.to_png(spec))
        files.append(path)
    return files


def _table(title: str, rows: dict[str, dict[str, Any]]) -> str:
    def cell(v: Any) -> str:
        return "n/a" if v is None else f"{v:.3f}" if isinstance(v, float) else str(v)

    body = "".join(
        f"<tr><td>{html.escape(k)}</td><td>{cell(v['precision'])}</td><td>{cell(v['recall'])}</td>"
        f"<td>{v['flagged']}</td><td>{v['flagged_laundering']}</td>"
        f"<td>{cell(v['laundering_of_typology'])}</td></tr>"
        for k, v in rows.items()
    )
    return (
        f"<h2>{html.escape(title)}</h2><table><tr><th>typology</th><th>precision</th>"
        "<th>recall (same typology)</th><th>flagged</th><th>flagged laundering</th>"
        f"<th>laundering of the typology</th></tr>{body}</table>"
    )


@dataclass
class Measured:
    """Every figure of one evaluation, and the test split's scores for the charts."""

    payload: dict[str, Any]
    te: np.ndarray[Any, Any]
    score: np.ndarray[Any, Any]
    threshold: float


def measure(ctx: Context, data: Dataset, *, budget_per_month: int) -> Measured:
    """The figures of :func:`evaluate` (and of the benchmark) for a built dataset."""
    te, universe = held_out(data)
    figures, rules = rule_figures(data, universe)
    booster, threshold, source, chosen = _fit_or_load(ctx, data)
    score = np.asarray(booster.predict(data.x[te]))
    model_metrics: dict[str, Any] = {
        "source": source,
        "threshold": threshold,
        **ml.binary_metrics(data.y[te], score >= threshold),
        "hyper_parameters": chosen,
    }
    with ctx.db.transaction() as session:
        owners = {a: c for a, c, _ in repo.account_owners(session)}
    _, va, _ = ml.temporal_split(data.ts, embargo_seconds=LONGEST_WINDOW_SECONDS)
    calibration = calibrate(data, va, np.asarray(booster.predict(data.x[va])), threshold, owners)
    alerts = backtest_alerts(data, te, score, threshold, owners, budget_per_month, calibration)
    split = {
        "split": "temporal 60/20/20, embargo before validation and test",
        "embargo_days": LONGEST_WINDOW_SECONDS / 86400,
        "test_transactions": len(te),
        "test_laundering": int(data.y[te].sum()),
    }
    payload = {
        "split": split,
        "model_minority_class": model_metrics,
        "rules_alone": rules,
        "typologies": figures,
        "alerts": alerts,
    }
    return Measured(payload, te, score, threshold)


def evaluate(
    ctx: Context,
    labels: Path,
    *,
    budget_per_month: int | None = None,
    progress: Any = None,
) -> EvaluationReport:
    """Measure the rules, the model and the alerts against ``labels`` and write the report.

    The figures at the budget use ``budget_per_month``, by default the MLRO's budget in force —
    the recall a run can be expected to reach with the budget it will be given."""
    if budget_per_month is None:
        with ctx.db.transaction() as session:
            budget_per_month = budget_in_force(session).alerts_per_month
    data = build_dataset(ctx, labels, progress=progress)
    measured = measure(ctx, data, budget_per_month=budget_per_month)
    payload = measured.payload
    te, score, threshold = measured.te, measured.score, measured.threshold
    model_metrics, alerts, split = (
        payload["model_minority_class"],
        payload["alerts"],
        payload["split"],
    )
    source = model_metrics["source"]
    folder = (
        ctx.settings.reports_dir / f"detection-evaluation-{ctx.now().strftime('%Y%m%dT%H%M%S')}"
    )
    folder.mkdir(parents=True, exist_ok=True)
    report = EvaluationReport(
        payload["typologies"], payload["rules_alone"], model_metrics, alerts, split, folder
    )
    report.files = _charts(folder, data.y[te], score, threshold)
    (folder / "evaluation.json").write_text(json.dumps(payload, indent=2), encoding="utf-8")
    images = "".join(
        f'<img alt="{p.stem}" src="data:image/png;base64,{base64.b64encode(p.read_bytes()).decode()}">'
        for p in report.files
    )
    per_case = alerts["all"]["alerts_per_true_case"]
    budgeted = alerts.get("at_budget", {})
    page = (
        "<!doctype html><html><head><meta charset='utf-8'><title>Detection evaluation</title>"
        "<style>body{font-family:sans-serif;margin:2em}td,th{padding:4px 10px;border-bottom:1px solid #ddd}</style>"
        "</head><body><h1>Detection evaluation</h1>"
        f"<p>Test split: {len(te):,} transactions after a {split['embargo_days']:g}-day embargo. "
        f"Model ({html.escape(source)}), minority class: precision "
        f"{model_metrics['precision']:.3f}, recall {model_metrics['recall']:.3f}, F1 {model_metrics['f1']:.3f}.</p>"
        f"<p>{alerts['all']['alerts']:,} entity alerts for {alerts['true_cases']:,} true cases "
        f"(unit: {html.escape(alerts['unit'])}): "
        f"{'n/a' if per_case is None else f'{per_case:.2f}'} alerts per true {html.escape(alerts['unit'])}, "
        f"{alerts['all']['recall']:.1%} of them alerted. Within the budget of "
        f"{budget_per_month} alerts a month ({budgeted.get('budget', 0)} alerts): precision "
        f"{budgeted.get('precision', 0.0):.3f}, {budgeted.get('recall', 0.0):.1%} of cases alerted.</p>"
        f"{images}{_table('Rules per typology, test split', payload['typologies'])}"
        "</body></html>"
    )
    (folder / "evaluation.html").write_text(page, encoding="utf-8")
    report.files += [folder / "evaluation.json", folder / "evaluation.html"]
    return report
