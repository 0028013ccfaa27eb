from __future__ import annotations

import math

import pytest

from integrita.domain.survey import (
    Dimension,
    answer_score,
    estimate,
    response_rate_warning,
    score_survey,
    stratified_sample,
)


def _population() -> dict[str, str]:
    pop = {f"R{i:03d}": "retail" for i in range(95)}
    pop |= {f"S{i:03d}": "sme" for i in range(23)}
    pop |= {f"C{i:03d}": "corporate" for i in range(4)}
    return pop


def test_the_sample_is_at_least_ten_percent_in_every_stratum() -> None:
    sample = stratified_sample(_population(), 0.10, seed=7)
    assert {k: len(v) for k, v in sample.items()} == {"corporate": 1, "retail": 10, "sme": 3}
    for stratum, members in sample.items():
        size = sum(1 for s in _population().values() if s == stratum)
        assert len(members) >= 0.10 * size
        assert all(_population()[m] == stratum for m in members)


def test_the_sample_is_reproducible_with_a_seed() -> None:
    assert stratified_sample(_population(), 0.2, 42) == stratified_sample(_population(), 0.2, 42)
    assert stratified_sample(_population(), 0.2, 42) != stratified_sample(_population(), 0.2, 43)


def test_a_sample_below_ten_percent_is_refused() -> None:
    with pytest.raises(ValueError, match="10%"):
        stratified_sample(_population(), 0.05, 1)


def test_answers_map_onto_zero_to_one_hundred() -> None:
    assert [answer_score(a) for a in (1, 2, 3, 4, 5)] == [0, 25, 50, 75, 100]


def test_scores_match_a_hand_computed_example() -> None:
    dims = [Dimension("quality", "Quality", "Product", 3), Dimension("price", "Price", "Price", 1)]
    responses = [{"quality": 5, "price": 3}, {"quality": 4, "price": 1}, {"quality": 3}]
    scores = score_survey(responses, dims)
    # quality: 100, 75, 50 -> mean 75, sd 25, t(2)=4.303, half = 4.303*25/sqrt(3) = 62.108
    q = scores.by_dimension["quality"]
    assert q is not None and q.n == 3
    assert q.score == pytest.approx(75.0)
    assert q.low == pytest.approx(75 - 4.303 * 25 / math.sqrt(3))
    assert q.high == 100.0  # clipped to the scale
    # price: 50, 0 -> mean 25
    assert scores.by_dimension["price"] is not None
    assert scores.by_dimension["price"].score == pytest.approx(25.0)
    # overall per respondent: (3*100+50)/4 = 87.5, (3*75+0)/4 = 56.25, 50 (only quality answered)
    assert scores.overall is not None
    assert scores.overall.score == pytest.approx((87.5 + 56.25 + 50) / 3)


def test_a_single_answer_has_a_degenerate_interval() -> None:
    single = estimate([40.0])
    assert single is not None and (single.low, single.high) == (40.0, 40.0)


def test_the_response_rate_floor_raises_a_warning() -> None:
    assert response_rate_warning(100, 80) is None
    warning = response_rate_warning(100, 79)
    assert warning is not None and "79.0%" in warning and "80%" in warning
