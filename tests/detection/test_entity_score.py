"""The entity score on hand-made alerts: monotone in every kind of evidence, separated rather
than piled at 1.00, calibrated by Platt on labelled alerts, and explained feature by feature."""

from __future__ import annotations

import math
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from integrita.detection.entity_alerts import group_alerts, split_at_budget, thirty_day_period
from integrita.detection.entity_score import (
    FEATURES,
    INTERCEPT,
    Calibration,
    EntityEvidence,
    entity_score,
    explain_score,
    fit_calibration,
    fit_weights,
    raw_score,
)
from integrita.detection.matches import Match

BASE = EntityEvidence(
    typologies=1, patterns=1, accounts=2, amount_cny_minor=1_000_000, model_score=0.5
)


def _with(**changes: object) -> EntityEvidence:
    values = {
        "typologies": BASE.typologies,
        "patterns": BASE.patterns,
        "accounts": BASE.accounts,
        "amount_cny_minor": BASE.amount_cny_minor,
        "model_score": BASE.model_score,
    }
    values.update(changes)
    return EntityEvidence(**values)  # type: ignore[arg-type]


def test_more_evidence_of_any_kind_never_lowers_the_score() -> None:
    base = entity_score(BASE)
    assert entity_score(_with(model_score=0.9)) > base
    assert entity_score(_with(typologies=3)) > base
    assert entity_score(_with(patterns=4)) > base
    assert entity_score(_with(accounts=20)) > base
    assert entity_score(_with(amount_cny_minor=500_000_000)) > base
    assert all(f.weight >= 0 for f in FEATURES)


def test_strong_alerts_still_separate_instead_of_all_showing_one() -> None:
    strong = [
        _with(model_score=0.99, typologies=k, accounts=10 * k, patterns=k) for k in range(1, 6)
    ]
    scores = [entity_score(e) for e in strong]
    assert len({round(s, 2) for s in scores}) == len(scores)
    assert sum(1 for s in scores if round(s, 2) >= 1.0) <= 1


def test_platt_calibration_fits_a_rising_curve_on_labelled_alerts() -> None:
    raw = [-3.0, -2.5, -2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0, 3.0]
    truth = [False, False, False, True, False, False, True, True, True, True]
    fitted = fit_calibration(raw, truth, "hand-made")
    assert fitted.slope > 0 and "Platt on 10 labelled alerts" in fitted.fitted_on
    low, high = (1 / (1 + 2.718281828 ** -(fitted.slope * r + fitted.offset)) for r in (-3, 3))
    assert low < 0.2 and high > 0.8
    # one class only: nothing to fit, the documented default stays
    assert fit_calibration(raw, [False] * 10, "none") == Calibration()


def test_the_explanation_lists_every_feature_and_sums_to_the_raw_score() -> None:
    rows = explain_score(BASE)
    head, features = rows[0], rows[1:]
    assert head["entity_score"] == round(entity_score(BASE), 6)
    assert [f["feature"] for f in features] == [f.name for f in FEATURES]
    total = sum(float(f["contribution"]) for f in features)  # type: ignore[arg-type]
    assert abs(INTERCEPT + total - raw_score(BASE)) < 1e-5
    assert all(f["why"] for f in features)


def test_a_budget_keeps_the_highest_scores_and_lists_the_rest_below_the_line() -> None:
    matches = [
        Match("fan_in", "m1", {"a1"}, {"t1"}, last_ts=0, amount_cny_minor=100_000),
        Match("cycle", "m2", {"a2", "x", "y", "z"}, {"t2"}, last_ts=0, amount_cny_minor=10**8),
        Match("fan_out", "m3", {"a3"}, {"t3"}, last_ts=0, amount_cny_minor=200_000),
    ]
    alerts = group_alerts(
        matches,
        owner_of={"a1": "C1", "a2": "C2", "a3": "C3"}.get,
        period_of=thirty_day_period,
        score_of={"t1": 0.2, "t2": 0.9, "t3": 0.6},
    )
    above, below = split_at_budget(alerts, 2)
    assert [a.entity for a in above] == ["C2", "C3"]
    assert [a.entity for a in below] == ["C1"]
    assert above[0].score > above[1].score > below[0].score
    everything, nothing = split_at_budget(alerts, None)
    assert len(everything) == 3 and nothing == []


def test_a_hub_match_reaching_many_customers_gives_each_their_part_without_copying_it() -> None:
    """A match at another bank's hub goes to every customer of ours on the other side; each
    alert carries the customer's own transactions with the hub and is scored on them, and the
    parts together hold no more entries than the match (copies of a busy hub's transactions per
    customer held gigabytes at 5M)."""
    txns = {f"t{i}" for i in range(50)}
    ends = {f"t{i}": (f"a{i}", "hub") for i in range(50)}
    hub = Match("behaviour_change", "m1", {"hub"}, set(txns), last_ts=0, amount_cny_minor=10**6)
    alerts = group_alerts(
        [hub],
        owner_of={f"a{i}": f"C{i}" for i in range(50)}.get,
        period_of=thirty_day_period,
        score_of={"t7": 0.9, "t8": 0.9, "t3": 0.4},
        accounts_of=ends,
        corroborating_score=0.5,
    )
    assert len(alerts) == 50
    by_entity = {a.entity: a for a in alerts}
    assert all(by_entity[f"C{i}"].txn_ids == {f"t{i}"} for i in range(50))
    assert by_entity["C8"].best_txn == "t8" and by_entity["C3"].best_txn == "t3"
    assert by_entity["C1"].best_txn is None
    # scored on the customer's own transactions: a customer the model flags ranks first
    assert by_entity["C7"].score > by_entity["C3"].score
    assert by_entity["C7"].score > by_entity["C1"].score
    assert sum(len(s) for a in alerts for s in a.evidence_sets) == len(txns)


def test_two_customers_at_a_hub_each_see_their_part_and_the_hub_explained() -> None:
    """Another bank's account gathers from five senders, two of them our customers (one with
    two accounts); each customer's alert lists only the transactions of their own accounts, and
    says what the hub is and how much of it the customer is."""
    ends = {
        "t1": ("c1-a", "hub"),
        "t2": ("c1-b", "hub"),
        "t3": ("c2-a", "hub"),
        "t4": ("x1", "hub"),
        "t5": ("x2", "hub"),
        "t6": ("hub", "x3"),
    }
    hub = Match(
        "gather_scatter", "m1", {"hub"}, set(ends), last_ts=5 * 86400, amount_cny_minor=9 * 10**6
    )
    owners = {"c1-a": "C1", "c1-b": "C1", "c2-a": "C2"}
    alerts = group_alerts(
        [hub],
        owner_of=owners.get,
        period_of=thirty_day_period,
        score_of={"t4": 0.99, "t1": 0.3, "t3": 0.2},
        accounts_of=ends,
    )
    c1, c2 = alerts
    assert (c1.entity, c2.entity) == ("C1", "C2")
    assert c1.txn_ids == {"t1", "t2"} and c2.txn_ids == {"t3"}
    # the other sender's transaction scored 0.99 is not this customer's evidence
    assert c1.best_txn == "t1" and c2.best_txn == "t3"
    shown = c1.evidence({"gather_scatter": "money gathered and scattered on"})
    typologies = shown["typologies"]
    assert isinstance(typologies, dict)
    (match,) = typologies["gather_scatter"]["matches"]
    assert typologies["gather_scatter"]["why"] == "money gathered and scattered on"
    assert match["txn_ids"] == ["t1", "t2"] and match["accounts"] == ["hub"]
    assert match["amount_cny_minor"] == 9 * 10**6
    part = match["customer_part"]
    assert part["accounts"] == ["c1-a", "c1-b"] and part["transactions"] == 2
    assert part["of_match_transactions"] == 6 and "2 of its 6 transactions" in part["why"]
    # a customer's own focal match is still carried whole, from the match's own set
    own = Match("fan_in", "m2", {"c2-a"}, {"t7", "t8"}, last_ts=0)
    (whole,) = group_alerts([own], owner_of=owners.get, period_of=thirty_day_period, score_of={})
    assert whole.evidence_sets == [own.txn_ids] and whole.parts == [None]


_EVIDENCE = st.builds(
    EntityEvidence,
    typologies=st.integers(1, 6),
    patterns=st.integers(1, 40),
    accounts=st.integers(1, 500),
    amount_cny_minor=st.integers(0, 10**12),
    model_score=st.floats(0.0, 1.0),
    model_hits=st.integers(0, 200),
)
_MORE = st.tuples(
    st.integers(0, 3),
    st.integers(0, 10),
    st.integers(0, 100),
    st.integers(0, 10**10),
    st.floats(0.0, 1.0),
    st.integers(0, 20),
)


def _fitted() -> Calibration:
    """Weights fitted on a labelled set where wide, model-flagged alerts are the true ones."""
    rng = random.Random(7)
    evidence, truth = [], []
    for _ in range(120):
        e = EntityEvidence(
            typologies=rng.randint(1, 3),
            patterns=rng.randint(1, 5),
            accounts=rng.randint(1, 40),
            amount_cny_minor=rng.randint(10**5, 10**9),
            model_score=rng.random(),
            model_hits=rng.randint(0, 8),
        )
        odds = -4 + 4 * (e.model_score or 0) + 0.4 * e.model_hits + 0.5 * math.log2(e.accounts)
        evidence.append(e)
        truth.append(rng.random() < 1 / (1 + math.exp(-odds)))
    return fit_weights(evidence, truth, "hand-made")


FITTED = _fitted()


@settings(max_examples=300, deadline=None)
@given(_EVIDENCE, _MORE)
def test_property_more_evidence_never_lowers_the_score(
    e: EntityEvidence, more: tuple[int, int, int, int, float, int]
) -> None:
    """Every kind of evidence added at once — typologies, patterns, accounts, money, a higher
    model score, more model hits — never lowers the score, default or fitted."""
    typologies, patterns, accounts, amount, model, hits = more
    stronger = EntityEvidence(
        e.typologies + typologies,
        e.patterns + patterns,
        e.accounts + accounts,
        e.amount_cny_minor + amount,
        min(1.0, (e.model_score or 0.0) + model),
        e.model_hits + hits,
    )
    for calibration in (Calibration(), FITTED):
        assert entity_score(stronger, calibration) >= entity_score(e, calibration)
        assert raw_score(stronger, calibration) >= raw_score(e, calibration)


def _world(n: int, seed: int) -> tuple[list[EntityEvidence], list[float]]:
    """Alerts whose true probability is a known logistic of the score's own features."""
    rng = random.Random(seed)
    evidence, p = [], []
    for _ in range(n):
        e = EntityEvidence(
            typologies=rng.randint(1, 3),
            patterns=rng.randint(1, 4),
            accounts=rng.randint(1, 30),
            amount_cny_minor=rng.randint(10**5, 10**9),
            model_score=rng.betavariate(0.6, 0.6),
            model_hits=rng.randint(0, 6),
        )
        values = {f.name: f.value(e) for f in FEATURES}
        odds = -3.0 + 0.5 * values["model"] + 0.6 * values["model_hits"]
        odds += 0.4 * values["network_reach"]
        evidence.append(e)
        p.append(1 / (1 + math.exp(-odds)))
    return evidence, p


def test_calibration_sanity_fitted_scores_match_the_share_of_true_alerts() -> None:
    """Fitted on 1,000 labelled alerts, the score of 2,000 new alerts from the same world tracks
    how many of them are true: per fifth of the score range the mean score is within 0.1 of
    the true share, and the scores are close to the world's own probabilities."""
    rng = random.Random(11)
    train, p_train = _world(1000, 1)
    fitted = fit_weights(train, [rng.random() < p for p in p_train], "hand-made world")
    assert fitted.weights is not None and "1000 labelled alerts" in fitted.fitted_on
    fresh, p_fresh = _world(2000, 2)
    truth = [rng.random() < p for p in p_fresh]
    scores = [entity_score(e, fitted) for e in fresh]
    for lo in (0.0, 0.2, 0.4, 0.6, 0.8):
        chosen = [(s, t) for s, t in zip(scores, truth, strict=True) if lo <= s < lo + 0.2]
        if len(chosen) >= 50:
            mean = sum(s for s, _ in chosen) / len(chosen)
            share = sum(t for _, t in chosen) / len(chosen)
            assert abs(mean - share) < 0.1, (lo, mean, share, len(chosen))
    gap = sum(abs(s - p) for s, p in zip(scores, p_fresh, strict=True)) / len(fresh)
    assert gap < 0.05
