"""The model's inputs and choices: amount statistics of each end's flows read only earlier
payments, hyper-parameters and entity-score weights are chosen on validation, never on test."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

from integrita.detection import model as ml
from integrita.detection.entity_score import (
    FEATURES,
    EntityEvidence,
    entity_score,
    fit_weights,
)
from tests.detection.builder import LedgerBuilder
from tests.detection.test_point_in_time import _dataset


def test_flow_statistics_describe_what_each_end_moved_before_the_payment(tmp_path: Path) -> None:
    b = LedgerBuilder()
    b.pay("a", "m", 1000, days=0)
    b.pay("b", "m", 3000, days=1)
    onward = b.pay("m", "c", 3800, days=2)
    later = b.pay("m", "d", 500, days=5)
    data = _dataset(b, tmp_path)
    row = {t: data.x[i] for i, t in enumerate(data.txn_ids)}

    def feature(txn: str, name: str) -> float:
        return float(row[txn][data.names.index(name)])

    # m received 1,000 and 3,000 yuan (minor units) in the 3 days before passing 3,800 on
    assert feature(onward, "src_in_amount_mean_3d") == pytest.approx(200_000)
    assert feature(onward, "src_in_amount_max_3d") == pytest.approx(300_000)
    assert feature(onward, "src_in_amount_std_3d") == pytest.approx(100_000)
    assert feature(onward, "src_out_amount_mean_3d") == 0  # nothing sent before it
    assert feature(onward, "src_amount_over_in_mean_7d") == pytest.approx(380_000 / 200_001)
    # c has received nothing before: its own payment is not among what it had
    assert feature(onward, "dst_in_amount_mean_7d") == 0
    # three days on, the inflows have left the 3-day window but not the 7-day one
    assert feature(later, "src_in_amount_mean_3d") == 0
    assert feature(later, "src_in_amount_mean_7d") == pytest.approx(200_000)
    assert feature(later, "src_out_amount_max_7d") == pytest.approx(380_000)


def _labelled(seed: int, n: int = 6000) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 6)).astype(np.float32)
    signal = 1.5 * x[:, 0] + x[:, 1] * x[:, 2]
    y = signal + rng.normal(scale=0.8, size=n) > 3.0
    ts = np.arange(n) * 600
    return x, y, ts


def test_hyper_parameters_are_the_candidate_with_the_best_validation_average_precision() -> None:
    x, y, ts = _labelled(5)
    candidates = ({"num_leaves": 3, "min_data_in_leaf": 400}, {"num_leaves": 15})
    trained = ml.train(x, y, ts, [f"f{i}" for i in range(6)], rounds=60, candidates=candidates)
    tried = trained.chosen["candidates"]
    assert [t["params"] for t in tried] == list(candidates)
    best = max(tried, key=lambda t: t["validation_ap"])
    assert trained.chosen["params"] == best["params"]
    assert trained.chosen["chosen_on"] == "validation average precision"
    # the two candidates do differ on validation, so the choice above is not vacuous
    assert tried[0]["validation_ap"] != tried[1]["validation_ap"]


def _evidence(rng: random.Random, true: bool) -> EntityEvidence:
    return EntityEvidence(
        typologies=1,
        patterns=rng.randint(1, 3),
        accounts=rng.randint(1, 6),
        # in this history large sums are the false alarms (payroll), so money must not count
        amount_cny_minor=rng.randint(10**6, 10**7) if true else rng.randint(10**8, 10**9),
        model_score=rng.uniform(0.05, 0.6),
        model_hits=rng.randint(3, 8) if true else rng.randint(0, 2),
    )


def test_entity_weights_are_fitted_on_labelled_alerts_and_stay_monotone() -> None:
    rng = random.Random(11)
    truth = [rng.random() < 0.3 for _ in range(300)]
    evidence = [_evidence(rng, t) for t in truth]
    fitted = fit_weights(evidence, truth, "hand-made")
    weights = dict(fitted.weights or ())
    assert set(weights) == {f.name for f in FEATURES}
    assert all(w >= 0 for w in weights.values())
    assert weights["model_hits"] > 0
    assert weights["money_moved"] == 0  # fitted negative: left out rather than inverted
    assert "weights fitted on 300 labelled alerts" in fitted.fitted_on
    few = EntityEvidence(1, 1, 2, 10**6, 0.3, model_hits=1)
    many = EntityEvidence(1, 1, 2, 10**6, 0.3, model_hits=6)
    assert entity_score(many, fitted) > entity_score(few, fitted)
    true_scores = [entity_score(e, fitted) for e, t in zip(evidence, truth, strict=True) if t]
    false_scores = [entity_score(e, fitted) for e, t in zip(evidence, truth, strict=True) if not t]
    assert np.mean(true_scores) > np.mean(false_scores) + 0.3
