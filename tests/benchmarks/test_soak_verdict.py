"""The soak benchmark's verdict on hand-made per-minute series."""

from __future__ import annotations

from typing import Any

import pytest
from benchmarks.soak_verdict import lag_trend, memory_trend, payment_trend, slope, verdict


def _rows(
    api_mb: list[float],
    stream_lag: list[float],
    outbox_waiting: list[float] | None = None,
    oldest_age_s: list[float] | None = None,
) -> list[dict[str, Any]]:
    n = len(api_mb)
    return [
        {
            "minute": m + 1,
            "rss_mb": {"api": api_mb[m], "dispatcher": 60.0},
            "outbox_waiting": (outbox_waiting or [5.0] * n)[m],
            "outbox_oldest_age_s": (oldest_age_s or [0.5] * n)[m],
            "outbox_created": 3000,
            "stream_lag": stream_lag[m],
            "stream_published": 120_000,
        }
        for m in range(n)
    ]


def test_slope_of_a_straight_line_is_its_gradient() -> None:
    assert slope([(1, 10), (2, 12), (3, 14), (4, 16)]) == pytest.approx(2.0)


def test_slope_needs_two_distinct_minutes() -> None:
    assert slope([(3, 10)]) is None
    assert slope([(3, 10), (3, 11)]) is None


def test_memory_rising_two_mb_a_minute_is_not_flat() -> None:
    trend = memory_trend(_rows([80, 82, 84, 86, 88], [0] * 5), tolerance_mb_per_min=0.5)
    assert trend["api"]["mb_per_min"] == pytest.approx(2.0)
    assert not trend["api"]["flat"]
    assert trend["dispatcher"]["flat"]


def test_memory_filling_caches_in_the_first_minute_then_steady_is_flat() -> None:
    trend = memory_trend(_rows([40, 90, 90.2, 89.9, 90.1], [0] * 5), tolerance_mb_per_min=0.5)
    assert trend["api"]["first_mb"] == 90
    assert trend["api"]["flat"]


def test_a_two_minute_run_keeps_its_warm_up_minute_for_a_slope() -> None:
    trend = memory_trend(_rows([80, 81], [0, 0]), tolerance_mb_per_min=0.5)
    assert trend["api"]["mb_per_min"] == pytest.approx(1.0)


def test_stream_backlog_rising_in_the_last_half_is_a_growing_lag() -> None:
    # 1 % of 120,000 published a minute is 1,200; this backlog rises 5,000 a minute
    trend = lag_trend(
        _rows([80] * 6, [0, 3000, 1000, 5000, 10000, 15000]),
        lag_share=0.01,
        age_tolerance_s_per_min=1.0,
    )
    assert trend["stream_lag"]["tolerance_per_min"] == 1200
    assert trend["stream_lag"]["grew"]
    assert not trend["outbox_waiting"]["grew"]


def test_a_backlog_worked_off_after_start_up_did_not_grow() -> None:
    trend = lag_trend(
        _rows([80] * 6, [30000, 12000, 4000, 3500, 4200, 3900]),
        lag_share=0.01,
        age_tolerance_s_per_min=1.0,
    )
    assert not trend["stream_lag"]["grew"]


def test_oldest_waiting_message_getting_older_is_a_growing_lag() -> None:
    trend = lag_trend(
        _rows([80] * 4, [0] * 4, oldest_age_s=[0.5, 0.6, 20.0, 45.0]),
        lag_share=0.01,
        age_tolerance_s_per_min=1.0,
    )
    assert trend["outbox_oldest_age_s"]["grew"]


def test_verdict_meets_the_target_only_with_flat_memory_and_no_growing_lag() -> None:
    steady = verdict(_rows([90, 90.1, 90.0, 90.2], [4000, 3000, 4100, 3900]))
    assert steady["target_met"]
    leaking = verdict(_rows([90, 93, 96, 99], [4000, 3000, 4100, 3900]))
    assert not leaking["target_met"]
    assert not leaking["memory_flat"]
    backlog = verdict(_rows([90] * 4, [4000, 3000, 4100, 3900], outbox_waiting=[5, 9, 400, 900]))
    assert backlog["lags_grew"] == ["outbox_waiting"]
    assert not backlog["target_met"]


def test_a_growing_stand_in_gateway_is_reported_but_not_judged() -> None:
    rows = _rows([90] * 4, [4000, 3000, 4100, 3900])
    for minute, row in enumerate(rows):
        row["rss_mb"]["sms-gateway"] = 30.0 + 5 * minute
    result = verdict(rows, harness=("sms-gateway",))
    assert not result["memory"]["sms-gateway"]["flat"]
    assert not result["memory"]["sms-gateway"]["judged"]
    assert result["target_met"]
    assert not verdict(rows)["target_met"]


def _paced(achieved: list[float], p50: list[float]) -> list[dict[str, Any]]:
    rows = _rows([90.0] * len(achieved), [1000.0] * len(achieved))
    for row, rate, median in zip(rows, achieved, p50, strict=True):
        row["achieved_per_s"], row["p50_ms"] = rate, median
    return rows


def test_an_api_answering_below_the_offered_rate_did_not_keep_up() -> None:
    trend = payment_trend(_paced([500, 499, 471, 498], [20, 22, 21, 20]), offered_per_s=500)
    assert trend["slowest_minute_per_s"] == 471
    assert not trend["kept_up"]
    assert payment_trend(_paced([500, 499, 495, 498], [20] * 4), offered_per_s=500)["kept_up"]


def test_a_median_latency_climbing_in_the_last_half_is_a_growing_queue() -> None:
    climbing = payment_trend(_paced([500] * 6, [20, 21, 20, 60, 250, 900]), offered_per_s=500)
    assert climbing["queue_grew"]
    noisy = payment_trend(_paced([500] * 6, [20, 35, 19, 24, 18, 22]), offered_per_s=500)
    assert not noisy["queue_grew"]


def test_a_payment_api_falling_behind_fails_the_verdict_only_when_judged() -> None:
    rows = _paced([500, 480, 440, 430], [20, 400, 2600, 4700])
    assert verdict(rows)["target_met"]  # memory and lags alone: the old verdict
    judged = verdict(rows, offered_per_s=500)
    assert not judged["payments"]["kept_up"] and judged["payments"]["queue_grew"]
    assert not judged["target_met"]
    assert verdict(_paced([500] * 4, [20] * 4), offered_per_s=500)["target_met"]
