"""The backtest's alerts are a detection run's alerts: grouped per entity and period, ranked by
the calibrated entity score, with pattern recall, precision and alerts per true pattern at the
MLRO's budget — on a hand-made history small enough to count."""

from __future__ import annotations

import numpy as np

from integrita.detection.matches import Match
from integrita.services.monitoring.calibration import calibrate, split_alerts
from integrita.services.monitoring.evaluation import backtest_alerts
from integrita.services.monitoring.scoring import Dataset

DAY = 86400


def _history() -> Dataset:
    """Six customers over 30 days; C1 and C2 launder (patterns P1, P2), the rest are noise.

    C1's and C2's patterns are wide (many accounts) and score high with the model; the noise
    alerts are one-account hits the model scores low."""
    ids = [f"t{i}" for i in range(12)]
    ts = np.array([i * 2 * DAY for i in range(12)], dtype=np.int64)
    y = np.array([i in (0, 1, 2, 3) for i in range(12)])
    matches = [
        Match("cycle", "m1", {"a1", "x1", "x2", "x3"}, {"t0", "t1"}, amount_cny_minor=10**8),
        Match("fan_in", "m2", {"a2", "y1", "y2"}, {"t2", "t3"}, amount_cny_minor=5 * 10**7),
        Match("behaviour_change", "m3", {"a3"}, {"t4"}, amount_cny_minor=10**6),
        Match("behaviour_change", "m4", {"a4"}, {"t5"}, amount_cny_minor=10**6),
        Match("stack", "m5", {"a5"}, {"t6"}, amount_cny_minor=10**6),
        Match("stack", "m6", {"a6"}, {"t7"}, amount_cny_minor=10**6),
    ]
    return Dataset(
        txn_ids=ids,
        ts=ts,
        x=np.zeros((12, 1), dtype=np.float32),
        y=y,
        names=["f"],
        matches=matches,
        typology_of_label={},
        pattern_of_label={"t0": "P1", "t1": "P1", "t2": "P2", "t3": "P2"},
        accounts_of={t: ("s", "r") for t in ids},
    )


OWNERS = {f"a{i}": f"C{i}" for i in range(1, 7)}
SCORES = np.array([0.9, 0.8, 0.7, 0.6, 0.2, 0.1, 0.15, 0.05, 0.0, 0.0, 0.0, 0.0])


def test_the_backtest_reports_pattern_recall_and_precision_at_the_budget() -> None:
    data = _history()
    rows = np.arange(12)
    # the history spans 22 days: 3 alerts a month allow 2 alerts
    result = backtest_alerts(data, rows, SCORES, 0.99, OWNERS, budget_per_month=3)
    assert result["unit"] == "pattern" and result["true_cases"] == 2
    assert result["all"]["alerts"] == 6 and result["all"]["alerts_per_true_case"] == 3.0
    at = result["at_budget"]
    assert at["budget"] == 2 and at["alerts"] == 2
    # the two laundering customers rank first: both patterns alerted, every alert true
    assert at["recall"] == 1.0 and at["precision"] == 1.0 and at["alerts_per_true_case"] == 1.0
    assert result["distinct_scores"] >= 4 and result["alerts_scored_over_0_99"] == 0


def test_calibration_on_labelled_alerts_keeps_the_order_and_spreads_the_scores() -> None:
    data = _history()
    rows = np.arange(12)
    fitted = calibrate(data, rows, SCORES, 0.99, OWNERS, "hand-made")
    assert fitted.slope > 0 and "6 labelled alerts" in fitted.fitted_on
    before = split_alerts(data, rows, SCORES, 0.99, OWNERS)
    after = split_alerts(data, rows, SCORES, 0.99, OWNERS, fitted)
    order = [a.entity for a in sorted(before, key=lambda a: -a.score)]
    assert [a.entity for a in sorted(after, key=lambda a: -a.score)] == order
    assert order[:2] == ["C1", "C2"]
    assert max(a.score for a in after) < 0.999
