"""The evaluation arithmetic on a hand-made case small enough to count on one's fingers."""

from __future__ import annotations

import numpy as np

from integrita.detection.entity_alerts import (
    as_scored,
    group_alerts,
    split_at_budget,
    thirty_day_period,
)
from integrita.detection.matches import Match
from integrita.detection.model import temporal_split
from integrita.detection.quality import (
    ScoredAlert,
    alert_burden,
    budget_for,
    line_for_recall,
    typology_figures,
)

# ten transactions; t1-t3 are a fan-in pattern P1, t4-t5 a cycle pattern P2, the rest clean
POSITIVES = {"t1", "t2", "t3", "t4", "t5"}
TYPOLOGY = {"t1": "fan_in", "t2": "fan_in", "t3": "fan_in", "t4": "cycle", "t5": "cycle"}
PATTERN = {"t1": "P1", "t2": "P1", "t3": "P1", "t4": "P2", "t5": "P2"}
ALL = {f"t{i}" for i in range(1, 11)}


def test_typology_recall_counts_only_laundering_of_that_typology() -> None:
    # fan_in flags one fan-in transaction, both cycle transactions and one clean one
    flagged = {"fan_in": {"t1", "t4", "t5", "t9"}}
    figures = typology_figures(flagged, POSITIVES, TYPOLOGY, ["fan_in", "fan_out"], ALL)
    assert figures["fan_in"]["precision"] == 3 / 4  # other laundering is still a right flag
    assert figures["fan_in"]["recall"] == 1 / 3  # not 3/3: the cycle hops are not fan-in's
    assert figures["fan_in"]["laundering_of_typology"] == 3


def test_every_typology_is_listed_with_zeros_even_when_nothing_fired() -> None:
    figures = typology_figures({}, POSITIVES, TYPOLOGY, ["fan_in", "fan_out"], ALL)
    # fan_out is a detector without a hit; cycle is labelled but no detector covers it here
    assert set(figures) == {"fan_in", "fan_out", "cycle", "overall"}
    assert figures["fan_out"] == {
        "flagged": 0,
        "flagged_laundering": 0,
        "precision": 0.0,
        "laundering_of_typology": 0,
        "recall": 0.0,
    }
    assert figures["cycle"]["recall"] == 0.0 and figures["overall"]["recall"] == 0.0


def test_typology_recall_is_unknown_when_labels_name_no_typology() -> None:
    figures = typology_figures({"cycle": {"t4"}}, POSITIVES, {}, ["cycle"], ALL)
    assert figures["cycle"]["recall"] is None
    assert figures["overall"]["recall"] == 1 / 5


def test_figures_only_count_the_transactions_being_evaluated() -> None:
    test_split = {"t3", "t4", "t9", "t10"}
    figures = typology_figures({"fan_in": {"t1", "t3", "t9"}}, POSITIVES, TYPOLOGY, [], test_split)
    assert figures["fan_in"]["flagged"] == 2  # t1 is outside the split
    assert figures["fan_in"]["recall"] == 1.0  # t3 is the split's only fan-in laundering
    assert figures["overall"]["fn"] == 1  # t4


def _alert(
    entity: str, score: float, txns: set[str], accounts: tuple[str, ...] = ()
) -> ScoredAlert:
    return ScoredAlert(entity, score, frozenset(txns), frozenset(accounts))


def test_alerts_per_true_pattern_and_recall_within_the_budget() -> None:
    alerts = [
        _alert("c1", 0.9, {"t1"}),  # true, pattern P1
        _alert("c2", 0.8, {"t9"}),  # false
        _alert("c3", 0.7, {"t2", "t3"}),  # true, P1 again
        _alert("c4", 0.2, {"t5"}),  # true, P2, but below the budget line
    ]
    burden = alert_burden(alerts, POSITIVES, PATTERN, {}, budget=2)
    assert burden["unit"] == "pattern" and burden["true_cases"] == 2
    assert burden["all"]["alerts_per_true_case"] == 4 / 2
    assert burden["all"]["recall"] == 1.0 and burden["all"]["precision"] == 3 / 4
    assert burden["at_budget"]["alerts"] == 2
    assert burden["at_budget"]["recall"] == 1 / 2  # only P1 among the two best
    assert burden["at_budget"]["precision"] == 1 / 2


def test_without_pattern_ids_the_unit_is_the_laundering_account() -> None:
    accounts = {"t1": ("a", "hub"), "t2": ("b", "hub")}
    alerts = [_alert("c1", 0.5, {"t1"}, ("hub",))]
    burden = alert_burden(alerts, {"t1", "t2"}, {}, accounts)
    assert burden["unit"] == "laundering account" and burden["true_cases"] == 3
    assert burden["all"]["cases_alerted"] == 1
    assert burden["all"]["alerts_per_true_case"] == 1 / 3


def test_a_monthly_budget_is_prorated_to_the_period() -> None:
    assert budget_for(100, 15 * 86400) == 50
    assert budget_for(100, 60 * 86400) == 200


def test_one_alert_per_customer_per_period_carries_all_its_evidence() -> None:
    m1 = Match("fan_in", "m1", {"hub"}, {"t1", "t2"})
    m2 = Match("cycle", "m2", {"hub2"}, {"t4"})
    ts = {"t1": 0, "t2": 100, "t4": 200, "t9": 40 * 86400}
    alerts = group_alerts(
        [m1, m2],
        model_hits=["t9"],
        ts_of=ts,
        accounts_of={"t9": ("x", "y")},
        owner_of={"hub": "C1", "hub2": "C1", "x": "C2"}.get,
        period_of=thirty_day_period,
        score_of={"t1": 0.3, "t2": 0.6, "t4": 0.1, "t9": 0.95},
        universe=set(ts),
    )
    assert [(a.entity, sorted(a.txn_ids), a.best_txn) for a in alerts] == [
        ("C1", ["t1", "t2", "t4"], "t2"),  # two typologies, one customer, one alert
        ("C2", ["t9"], "t9"),  # a model hit; the unowned receiver y is not alerted
    ]
    assert [a.entity for a in as_scored(alerts)] == ["C1@0", "C2@1"]
    assert alerts[0].typologies == ["cycle", "fan_in"]


def test_a_ledger_without_any_registered_owner_alerts_each_account() -> None:
    m = Match("fan_in", "m1", {"hub", "feeder"}, {"t1"}, last_ts=0)
    alerts = group_alerts(
        [m], owner_of={}.get, period_of=thirty_day_period, score_of={}, owners_known=False
    )
    assert [(a.entity, a.owned) for a in alerts] == [
        ("account:feeder", False),
        ("account:hub", False),
    ]
    owned = group_alerts([m], owner_of={"hub": "C1"}.get, period_of=thirty_day_period, score_of={})
    assert [a.entity for a in owned] == ["C1"]  # an owned focal account: only its customer


def test_a_match_at_another_bank_alerts_our_customers_on_the_other_side() -> None:
    # a fan-in hub at another bank, paid by our customer's account a1 and by an outsider
    m = Match("fan_in", "m1", {"hub"}, {"t1", "t2"}, last_ts=0)
    ends = {"t1": ("a1", "hub"), "t2": ("outsider", "hub")}
    alerts = group_alerts(
        [m],
        owner_of={"a1": "C1"}.get,
        period_of=thirty_day_period,
        score_of={},
        accounts_of=ends,
    )
    assert [(a.entity, a.owned, sorted(a.accounts)) for a in alerts] == [("C1", True, ["a1"])]


def test_a_match_with_no_customer_of_ours_on_either_side_raises_no_alert() -> None:
    m = Match("fan_in", "m1", {"hub"}, {"t1"}, last_ts=0)
    alerts = group_alerts(
        [m],
        owner_of={"a9": "C9"}.get,
        period_of=thirty_day_period,
        score_of={},
        accounts_of={"t1": ("outsider", "hub")},
        model_hits=["t1"],
        ts_of={"t1": 0},
    )
    assert alerts == []


def test_the_temporal_split_leaves_an_embargo_after_training_and_validation() -> None:
    ts = np.arange(100) * 86400  # one transaction a day
    tr, va, te = temporal_split(ts, embargo_seconds=7 * 86400)
    assert len(tr) == 60
    assert ts[va].min() - ts[tr].max() > 7 * 86400
    assert ts[te].min() - ts[79] > 7 * 86400  # day 79 ends validation's 20 %


def test_the_alert_line_is_the_highest_score_that_reaches_the_target_share_of_patterns() -> None:
    pattern = {"t1": "P1", "t2": "P2", "t3": "P3", "t4": "P4", "t5": "P5"}
    alerts = [
        _alert("c1", 0.9, {"t1"}),
        _alert("c2", 0.8, {"x1"}),  # false
        _alert("c3", 0.7, {"t2"}),
        _alert("c4", 0.6, {"t3"}),
        _alert("c5", 0.5, {"x2"}),  # false
        _alert("c6", 0.4, {"t4"}),  # the fourth of five patterns: 80 %
        _alert("c7", 0.3, {"t5"}),
    ]
    positives = set(pattern)
    assert line_for_recall(alerts, positives, pattern, {}) == 0.4
    assert line_for_recall(alerts, positives, pattern, {}, target=0.5) == 0.6
    burden = alert_burden(alerts, positives, pattern, {}, line=0.4)
    assert burden["at_line"]["alerts"] == 6 and burden["at_line"]["recall"] == 0.8
    # out of reach: the line stops at the last alert that alerted a new pattern
    assert line_for_recall(alerts[:2], positives, pattern, {}) == 0.9
    assert line_for_recall([], positives, pattern, {}) is None


def test_a_run_raises_only_alerts_at_or_over_the_line_and_within_the_budget() -> None:
    matches = [
        Match("fan_in", f"m{i}", {f"a{i}"}, {f"t{i}"}, last_ts=0, amount_cny_minor=10 ** (4 + i))
        for i in range(4)
    ]
    alerts = group_alerts(
        matches,
        owner_of=lambda a: "C" + a,
        period_of=thirty_day_period,
        score_of={},
    )
    scores = sorted((a.score for a in alerts), reverse=True)
    above, below = split_at_budget(alerts, None, scores[1])
    assert [a.score for a in above] == scores[:2] and len(below) == 2
    above, _ = split_at_budget(alerts, 1, scores[2])
    assert [a.score for a in above] == scores[:1]  # the budget is the tighter line here
