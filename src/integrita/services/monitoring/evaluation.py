"""How well detection works, measured against labels kept apart from the ledger.

Per typology and overall: precision, recall and F1 of the rules at transaction and
at account level; the scoring model's minority-class precision, recall and F1 on
the last 20 % of the ledger by time; alerts per true case. The report is written
as JSON, PNG charts (precision-recall curve, confusion matrix) and one HTML page.
"""

from __future__ import annotations

import base64
import html
import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from integrita.detection import model as ml
from integrita.services.core.context import Context
from integrita.services.monitoring.scoring import Dataset, build_dataset
from integrita.store.repositories import alerts as alerts_repo
from integrita.store.repositories import detection as repo


@dataclass
class EvaluationReport:
    transaction_level: dict[str, dict[str, float]]
    account_level: dict[str, dict[str, float]]
    model: dict[str, Any]
    alerts_per_true_case: float | None
    true_cases: int
    folder: Path
    files: list[Path] = field(default_factory=list)


def _prf(tp: int, fp: int, fn: int) -> dict[str, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return {
        "precision": p,
        "recall": r,
        "f1": 2 * p * r / (p + r) if p + r else 0.0,
        "tp": tp,
        "fp": fp,
        "fn": fn,
    }


def rule_metrics(data: Dataset) -> tuple[dict[str, dict[str, float]], dict[str, dict[str, float]]]:
    """Rules alone: a transaction (account) is flagged when it is evidence in some match."""
    positives = {t for t, flag in zip(data.txn_ids, data.y, strict=True) if flag}
    labelled_typologies = set(data.typology_of_label.values())
    accounts_of = data.accounts_of
    true_accounts = {a for t in positives for a in accounts_of.get(t, ())}
    flagged_txn: dict[str, set[str]] = defaultdict(set)
    flagged_acc: dict[str, set[str]] = defaultdict(set)
    for m in data.matches:
        for key in (m.typology, "overall"):
            flagged_txn[key] |= m.txn_ids
            flagged_acc[key] |= m.accounts
    txn_level: dict[str, dict[str, float]] = {}
    acc_level: dict[str, dict[str, float]] = {}
    for key in sorted(flagged_txn, key=lambda k: (k == "overall", k)):
        flagged = flagged_txn[key]
        # recall of a typology is measured on the cases labelled with that typology, when the
        # labels use its name; otherwise on every laundering transaction
        truth = (
            {t for t in positives if data.typology_of_label.get(t) == key}
            if key in labelled_typologies
            else positives
        )
        tp = len(flagged & positives)
        txn_level[key] = _prf(tp, len(flagged) - tp, len(truth - flagged))
        accs = flagged_acc[key]
        tpa = len(accs & true_accounts)
        acc_level[key] = _prf(tpa, len(accs) - tpa, len(true_accounts - accs))
    return txn_level, acc_level


def _charts(
    folder: Path, y: np.ndarray[Any, Any], score: np.ndarray[Any, Any], threshold: float
) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.metrics import confusion_matrix, precision_recall_curve

    files = []
    fig, ax = plt.subplots(figsize=(5, 4))
    if np.any(y):
        precision, recall, _ = precision_recall_curve(y, score)
        ax.plot(recall, precision)
    ax.set_xlabel("recall")
    ax.set_ylabel("precision")
    ax.set_title("Scoring model: precision-recall (test split)")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    path = folder / "precision_recall.png"
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    files.append(path)

    matrix = confusion_matrix(y, score >= threshold, labels=[False, True])
    fig, ax = plt.subplots(figsize=(4, 4))
    ax.imshow(matrix, cmap="Blues")
    for (i, j), v in np.ndenumerate(matrix):
        ax.text(j, i, f"{v:,}", ha="center", va="center")
    ax.set_xticks([0, 1], ["predicted clean", "predicted laundering"])
    ax.set_yticks([0, 1], ["clean", "laundering"])
    ax.set_title("Confusion matrix (test split)")
    path = folder / "confusion.png"
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    files.append(path)
    return files


def _table(title: str, rows: dict[str, dict[str, float]]) -> str:
    body = "".join(
        f"<tr><td>{html.escape(k)}</td><td>{v['precision']:.3f}</td><td>{v['recall']:.3f}</td>"
        f"<td>{v['f1']:.3f}</td><td>{int(v['tp'])}</td><td>{int(v['fp'])}</td><td>{int(v['fn'])}</td></tr>"
        for k, v in rows.items()
    )
    return (
        f"<h2>{html.escape(title)}</h2><table><tr><th>typology</th><th>precision</th>"
        f"<th>recall</th><th>F1</th><th>TP</th><th>FP</th><th>FN</th></tr>{body}</table>"
    )


def evaluate(ctx: Context, labels: Path, *, progress: Any = None) -> EvaluationReport:
    """Measure the rules and the model against ``labels`` and write the report."""
    data = build_dataset(ctx, labels, progress=progress)
    txn_level, acc_level = rule_metrics(data)
    _, _, te = ml.temporal_split(data.ts)
    with ctx.db.transaction() as session:
        active = repo.active_model(session)
        model_path = active.path if active else None
        model_threshold = float(active.card["threshold"]) if active else None  # type: ignore[arg-type]
        alert_count = alerts_repo.count(session)
    if model_path is not None and model_threshold is not None:
        import lightgbm as lgb

        booster = lgb.Booster(model_file=str(Path(model_path) / "model.txt"))
        threshold = model_threshold
        source = f"active model {Path(model_path).name}"
    else:
        trained = ml.train(data.x, data.y, data.ts, data.names)
        booster, threshold, source = trained.booster, trained.threshold, "trained for this report"
    score = np.asarray(booster.predict(data.x[te]))
    model_metrics: dict[str, Any] = {
        "source": source,
        "threshold": threshold,
        **ml.binary_metrics(data.y[te], score >= threshold),
    }
    cases = set(data.pattern_of_label.values()) if data.pattern_of_label else set()
    true_cases = len(cases) or int(np.sum(data.y))
    alerts = alert_count or len(data.matches)
    folder = (
        ctx.settings.reports_dir / f"detection-evaluation-{ctx.now().strftime('%Y%m%dT%H%M%S')}"
    )
    folder.mkdir(parents=True, exist_ok=True)
    report = EvaluationReport(
        txn_level,
        acc_level,
        model_metrics,
        alerts / true_cases if true_cases else None,
        true_cases,
        folder,
    )
    report.files = _charts(folder, data.y[te], score, threshold)
    payload = {
        "transaction_level": txn_level,
        "account_level": acc_level,
        "model_minority_class": model_metrics,
        "alerts_per_true_case": report.alerts_per_true_case,
        "alerts_counted": alerts,
        "true_cases": true_cases,
    }
    (folder / "evaluation.json").write_text(json.dumps(payload, indent=2), encoding="utf-8")
    images = "".join(
        f'<img alt="{p.stem}" src="data:image/png;base64,{base64.b64encode(p.read_bytes()).decode()}">'
        for p in report.files
    )
    page = (
        "<!doctype html><html><head><meta charset='utf-8'><title>Detection evaluation</title>"
        "<style>body{font-family:sans-serif;margin:2em}td,th{padding:4px 10px;border-bottom:1px solid #ddd}</style>"
        "</head><body><h1>Detection evaluation</h1>"
        f"<p>Model ({html.escape(source)}), minority class on the test split: precision "
        f"{model_metrics['precision']:.3f}, recall {model_metrics['recall']:.3f}, F1 {model_metrics['f1']:.3f}. "
        f"Alerts per true case: {report.alerts_per_true_case if report.alerts_per_true_case is not None else 'n/a'}"
        f" ({alerts} alerts, {true_cases} true cases).</p>"
        f"{images}{_table('Rules, transaction level', txn_level)}{_table('Rules, account level', acc_level)}"
        "</body></html>"
    )
    (folder / "evaluation.html").write_text(page, encoding="utf-8")
    report.files += [folder / "evaluation.json", folder / "evaluation.html"]
    return report
