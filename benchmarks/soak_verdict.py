"""The soak benchmark's verdict from its per-minute rows: is memory flat, did a lag grow?

Pure arithmetic on plain dictionaries, so the rule can be tested on a hand-made series
(``tests/benchmarks/test_soak_verdict.py``) and read without the processes it measured.

A row is what ``benchmarks/soak.py`` records each minute::

    {"minute": 3, "rss_mb": {"api": 81.2, ...}, "outbox_waiting": 12,
     "outbox_oldest_age_s": 0.4, "outbox_created": 3100, "stream_lag": 4100,
     "stream_published": 120000, ...}
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

#: the lags judged, each with the per-minute inflow its tolerance is a share of (None: seconds)
LAGS: dict[str, str | None] = {
    "outbox_waiting": "outbox_created",
    "outbox_oldest_age_s": None,
    "stream_lag": "stream_published",
}


def slope(points: Sequence[tuple[float, float]]) -> float | None:
    """Least-squares slope of ``(x, y)`` points; None when fewer than two distinct x."""
    if len({x for x, _ in points}) < 2:
        return None
    mean_x = sum(x for x, _ in points) / len(points)
    mean_y = sum(y for _, y in points) / len(points)
    num = sum((x - mean_x) * (y - mean_y) for x, y in points)
    den = sum((x - mean_x) ** 2 for x, _ in points)
    return num / den


def memory_trend(
    rows: Sequence[Mapping[str, Any]], tolerance_mb_per_min: float, warmup_minutes: int = 1
) -> dict[str, dict[str, Any]]:
    """Per process: the RSS slope in MB/min and whether it is flat (|slope| within tolerance).

    The first ``warmup_minutes`` are left out while later minutes leave at least two points:
    a process fills its caches and connection pools as load arrives, which is not a leak. A
    process seen at fewer than two minutes (it ended, or appeared late) has no slope and is
    not called flat.
    """
    measured = [r for r in rows if r["minute"] > warmup_minutes]
    if len(measured) < 2:
        measured = list(rows)
    series: dict[str, list[tuple[float, float]]] = {}
    for row in measured:
        for process, mb in row["rss_mb"].items():
            series.setdefault(process, []).append((float(row["minute"]), float(mb)))
    trend: dict[str, dict[str, Any]] = {}
    for process, points in series.items():
        mb_per_min = slope(points)
        trend[process] = {
            "mb_per_min": None if mb_per_min is None else round(mb_per_min, 3),
            "first_mb": round(points[0][1], 1),
            "last_mb": round(points[-1][1], 1),
            "flat": mb_per_min is not None and abs(mb_per_min) <= tolerance_mb_per_min,
        }
    return trend


def lag_trend(
    rows: Sequence[Mapping[str, Any]], lag_share: float, age_tolerance_s_per_min: float
) -> dict[str, dict[str, Any]]:
    """Per lag: its slope over the last half of the run and whether it grew.

    A lag grew when that slope exceeds its tolerance: for a count, ``lag_share`` of the mean
    per-minute inflow that feeds it (a backlog rising by 1 % of what arrives each minute
    would outgrow any buffer on a long enough run); for the oldest message's age,
    ``age_tolerance_s_per_min``. The last half (at least two minutes) is judged because the
    first minutes hold the start-up backlog being worked off.
    """
    half = rows[-max(2, math.ceil(len(rows) / 2)) :]
    trend: dict[str, dict[str, Any]] = {}
    for lag, inflow in LAGS.items():
        points = [(float(r["minute"]), float(r[lag])) for r in half if r.get(lag) is not None]
        per_min = slope(points)
        if inflow is None:
            tolerance = age_tolerance_s_per_min
        else:
            arrivals = [float(r[inflow]) for r in rows if r.get(inflow) is not None]
            tolerance = lag_share * (sum(arrivals) / len(arrivals) if arrivals else 0.0)
        trend[lag] = {
            "slope_per_min_last_half": None if per_min is None else round(per_min, 3),
            "tolerance_per_min": round(tolerance, 3),
            "last": points[-1][1] if points else None,
            "grew": per_min is not None and per_min > tolerance,
        }
    return trend


def payment_trend(
    rows: Sequence[Mapping[str, Any]],
    offered_per_s: float,
    keep_up_share: float = 0.98,
    p50_tolerance_ms_per_min: float = 2.0,
) -> dict[str, Any]:
    """Did the payment API keep up with the offered rate, and did its queue grow?

    The load is open loop: payments arrive on schedule whether or not the API has answered the
    earlier ones, so an API short of processor shows first as minutes answered below the offered
    rate and as a median latency that climbs while requests queue (a multi-second p50 is a
    queue, not a slow rule). Kept up: every minute at ``keep_up_share`` of the offered rate or
    more. The queue grew: the p50's slope over the last half of the run (as for the other lags)
    exceeds ``p50_tolerance_ms_per_min``."""
    rates = [float(r["achieved_per_s"]) for r in rows if r.get("achieved_per_s") is not None]
    half = rows[-max(2, math.ceil(len(rows) / 2)) :]
    p50 = [(float(r["minute"]), float(r["p50_ms"])) for r in half if r.get("p50_ms") is not None]
    per_min = slope(p50)
    slowest = min(rates) if rates else None
    return {
        "offered_per_s": offered_per_s,
        "slowest_minute_per_s": slowest,
        "kept_up": slowest is not None and slowest >= keep_up_share * offered_per_s,
        "p50_slope_ms_per_min_last_half": None if per_min is None else round(per_min, 3),
        "p50_tolerance_ms_per_min": p50_tolerance_ms_per_min,
        "queue_grew": per_min is not None and per_min > p50_tolerance_ms_per_min,
    }


def verdict(
    rows: Sequence[Mapping[str, Any]],
    *,
    tolerance_mb_per_min: float = 0.5,
    lag_share: float = 0.01,
    age_tolerance_s_per_min: float = 1.0,
    harness: tuple[str, ...] = (),
    offered_per_s: float | None = None,
) -> dict[str, Any]:
    """Flat memory in every process of integrita and no growing lag: the soak's target; with
    ``offered_per_s``, the payment API keeping up without a growing queue as well.

    The ``harness`` processes (the stand-in SMS gateway, which remembers every idempotency key
    it was sent, and the benchmark's own driver) are reported beside them but not judged.
    """
    memory = memory_trend(rows, tolerance_mb_per_min)
    lags = lag_trend(rows, lag_share, age_tolerance_s_per_min)
    payments = None if offered_per_s is None else payment_trend(rows, offered_per_s)
    payments_ok = payments is None or (payments["kept_up"] and not payments["queue_grew"])
    for process, trend in memory.items():
        trend["judged"] = process.split("/")[0] not in harness
    judged = [m for m in memory.values() if m["judged"]]
    flat = bool(judged) and all(m["flat"] for m in judged)
    grew = [name for name, lag in lags.items() if lag["grew"]]
    return {
        "memory_tolerance_mb_per_min": tolerance_mb_per_min,
        "memory": memory,
        "memory_flat": flat,
        "lags": lags,
        "lags_grew": grew,
        "payments": payments,
        "target_met": flat and not grew and payments_ok,
    }
