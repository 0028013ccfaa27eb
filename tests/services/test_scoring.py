"""The learned model: trained with the temporal split, versioned with a card, scoring alerts; evaluation report."""

from __future__ import annotations

import logging
import random
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv
import pytest

from integrita.detection.catalogue import detectors
from integrita.services.core.context import Context
from integrita.services.monitoring import evaluation, scoring
from integrita.services.monitoring.detection import run_detection
from tests.detection.builder import LedgerBuilder
from tests.detection.scenarios import SCENARIOS
from tests.services.test_detection import _append, _customers


def _labelled_bank(ctx: Context, tmp_path: Path) -> Path:
    """Background payments with cycles and pass-throughs spread over 60 days, labelled."""
    rng = random.Random(7)
    b = LedgerBuilder()
    bad: set[str] = set()
    for day in range(40):
        for _ in range(8):
            b.pay(
                f"n{rng.randrange(40)}",
                f"n{rng.randrange(40)}",
                rng.randrange(50, 5_000),
                days=day,
                hours=rng.random() * 20,
            )
        if day % 5 == 0:
            before = len(b.rows)
            for name in ("cycle", "rapid_pass_through"):
                at = b.rows[-1]["booked_at"]
                sub = LedgerBuilder(rows=[])
                SCENARIOS[name](sub, True, f"{name}-{day}")
                base = sub.rows[0]["booked_at"]
                for row in sub.rows:
                    row["txn_id"] = f"P{len(b.rows)}"
                    row["booked_at"] = at + (row["booked_at"] - base)  # type: ignore[operator]
                    b.rows.append(row)
            bad |= {str(r["txn_id"]) for r in b.rows[before:]}
    # the bank's own customers: the cycles' first accounts and the background's accounts
    owned = {f"cycle-{d}-a": (f"C{d}", "individual") for d in range(0, 40, 5)}
    _customers(ctx, {**owned, **{f"n{i}": (f"N{i}", "individual") for i in range(40)}})
    _append(ctx, b)
    labels = tmp_path / "labels.csv"
    ids = [str(r["txn_id"]) for r in b.rows]
    pacsv.write_csv(
        pa.table(
            {
                "txn_id": ids,
                "is_laundering": [i in bad for i in ids],
                "typology": [None] * len(ids),
                "pattern_id": [None] * len(ids),
            }
        ),
        labels,
    )
    return labels


def test_model_is_trained_with_a_temporal_split_and_a_model_card(
    ctx: Context, tmp_path: Path
) -> None:
    labels = _labelled_bank(ctx, tmp_path)
    card = scoring.train_model(ctx, labels)
    folder = Path(scoring.list_models(ctx)[0]["path"])
    assert (folder / "model.txt").exists() and (folder / "model_card.md").exists()
    # a week after training and after validation is left out (the embargo)
    assert card["data"]["embargo_seconds"] == 7 * 86400
    assert (
        card["data"]["train"] + card["data"]["validation"] + card["data"]["test"]
        < card["data"]["transactions"]
    )
    assert card["data"]["train"] == int(card["data"]["transactions"] * 0.6)
    assert set(card["metrics"]) == {"validation", "test"}
    assert "in_cycle" in card["features"]
    assert scoring.list_models(ctx)[0]["active"] is True

    summary = run_detection(ctx)
    assert summary.scored_with == card["version"]
    from sqlalchemy import select

    from integrita.store.models import Alert

    with ctx.db.transaction() as session:
        alerts = list(session.execute(select(Alert)).scalars())
    assert alerts and all(a.score is not None and 0 <= a.score <= 1 for a in alerts)
    explanation = alerts[0].explanation
    assert explanation is not None and "entity_score" in explanation[0]
    # the entity score's calibration was fitted on the validation split when training
    assert card["entity_calibration"]["fitted_on"].endswith("(validation split)")
    assert explanation[0]["calibration"] == card["entity_calibration"]
    model_part = next(i for i, e in enumerate(explanation) if "txn_id" in e)
    assert all("feature" in e and "why" in e for e in explanation[1:model_part])
    assert all("feature" in e for e in explanation[model_part + 1 :])

    # the model's reasons (SHAP contributions) of the transaction each alert shows
    def reasons(ex: list[dict[str, Any]]) -> list[dict[str, Any]]:
        shown = next((i for i, e in enumerate(ex) if "txn_id" in e), len(ex))
        return ex[shown + 1 :]

    assert any(e["contribution"] > 0 for a in alerts for e in reasons(a.explanation or []))

    report = evaluation.evaluate(ctx, labels)
    # every typology is listed; the labels name none, so no typology's recall is claimed
    assert set(report.typologies) == {d.name for d in detectors()} | {"overall"}
    assert report.typologies["cycle"]["recall"] is None
    # without pattern ids the alert burden is counted per laundering account, and says so
    assert report.alerts["unit"] == "laundering account"
    assert report.split["test_transactions"] == card["data"]["test"]
    assert (report.folder / "precision_recall.png").stat().st_size > 1000
    assert (report.folder / "confusion.png").exists()
    assert "Detection evaluation" in (report.folder / "evaluation.html").read_text()


def test_a_model_of_other_features_is_set_aside_and_said_so(
    ctx: Context, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """After an upgrade that adds features, the model trained before cannot score the new
    matrix: alerts are still raised, unscored by it, and the log says why."""
    labels = _labelled_bank(ctx, tmp_path)
    scoring.train_model(ctx, labels)
    model = Path(scoring.list_models(ctx)[0]["path"]) / "model.txt"
    text = model.read_text()
    assert "feature_names=amount_cny " in text
    model.write_text(text.replace("feature_names=amount_cny ", "feature_names=amount_then ", 1))
    # the CLI's configure_logging stops integrita's logs at its own logger (other tests call
    # it), so the capture is attached there
    logger = logging.getLogger("integrita")
    logger.addHandler(caplog.handler)
    try:
        with caplog.at_level(logging.WARNING, logger="integrita"):
            summary = run_detection(ctx)
    finally:
        logger.removeHandler(caplog.handler)
    assert summary.scored_with is None
    assert summary.alerts_raised > 0
    assert any("trained on other features" in r.getMessage() for r in caplog.records)
