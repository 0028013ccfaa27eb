"""Typology membership as a daily run would have known it: detectors run as of each cutoff.

Run over the whole ledger, a detector marks the first hop of a cycle because of hops that
come days later, and a fan's first payments because of the fifth that completes it. A model
trained on such marks learns from the future and its test figures flatter it. Here the
detectors are run once per cutoff (midnight UTC of each day, or every ``every_days`` days)
over the transactions booked before that cutoff only — each detector over its own
look-back — and a transaction on day *d* is a member of typology *T* when its sender or
receiver was an account of a *T* match found by the latest run at or before *d*. Appending
later transactions cannot change a run whose cutoff precedes them, so it cannot change an
earlier transaction's membership.

Each run reads only its detectors' look-back before the cutoff, never the whole ledger: the
ledger is copied once in booking order, so the engine skips the blocks outside the window
(DuckDB's min/max zone maps) instead of filtering every row every day. Detectors that look
back further than two weeks (dormancy, behaviour change) run weekly, so what they know is up
to a week old.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping
from typing import Any

import pyarrow as pa

from integrita.analytics.engine import QueryEngine
from integrita.detection.matches import build_matches, run_detector
from integrita.detection.registry import Detector

DAY = 86400
#: Detectors looking back further than this run weekly rather than every ``every_days``.
LONG_LOOKBACK_SECONDS = 14 * DAY
WEEKLY = 7
FLAGS_SCHEMA = pa.schema([("account", pa.string()), ("day", pa.int64()), ("typology", pa.string())])
Progress = Callable[[str, int, int], None]


def cutoff_days(first_day: int, last_day: int, every_days: int = 1) -> list[int]:
    """The run days (cutoff at 00:00 UTC) whose knowledge serves ``first_day``..``last_day``.

    Aligned on multiples of ``every_days`` since the epoch, not on the ledger's first day, so
    a ledger that grows keeps the same cutoffs for the days it already had.
    """
    start = first_day - first_day % every_days
    return list(range(start, last_day + 1, every_days))


def flags_as_of(
    eng: QueryEngine,
    chosen: list[Detector],
    params: Mapping[str, dict[str, Any]] | None = None,
    *,
    every_days: int = 1,
    progress: Progress | None = None,
) -> pa.Table:
    """(account, day, typology): ``account`` was in a ``typology`` match known on ``day``.

    ``txn`` is swapped for the rows before each cutoff while the detectors run and restored
    afterwards (DuckDB: temporary tables; the Spark engine caches ``txn`` under the same name).
    """
    bounds = eng.query("SELECT MIN(day) AS lo, MAX(day) AS hi FROM txn").to_pylist()[0]
    if bounds["lo"] is None:
        return pa.Table.from_pylist([], schema=FLAGS_SCHEMA)
    lo, hi = int(bounds["lo"]), int(bounds["hi"])
    days = cutoff_days(lo, hi, every_days)
    if days and days[0] % WEEKLY:  # the weekly runs serve the first days too
        days = sorted({*days, *cutoff_days(lo, hi, WEEKLY)})
    weekly = max(every_days, WEEKLY)
    by_lookback: dict[int, list[tuple[Detector, Any]]] = defaultdict(list)
    for det in chosen:
        p = det.params((params or {}).get(det.name))
        by_lookback[int(det.lookback(p).total_seconds())].append((det, p))
    rows: dict[tuple[str, int, str], None] = {}
    # in booking order: each day's window is then a few contiguous blocks of the copy
    eng.stage("txn_full", "SELECT * FROM txn ORDER BY ts")
    try:
        for n, day in enumerate(days):
            if progress is not None:
                progress(f"point-in-time run {n + 1} of {len(days)}", n, len(days))
            cutoff = day * DAY
            for lookback, group in sorted(by_lookback.items()):
                cadence = weekly if lookback > LONG_LOOKBACK_SECONDS else every_days
                if day % cadence:
                    continue
                eng.stage(
                    "txn",
                    f"SELECT * FROM txn_full WHERE ts >= {cutoff - lookback} AND ts < {cutoff}",
                )
                evidence = [r for det, p in group for r in run_detector(eng, det, p)]
                for match in build_matches(evidence):
                    for account in match.accounts:
                        for known_on in range(day, day + cadence):
                            rows[(account, known_on, match.typology)] = None
    finally:
        eng.stage("txn", "SELECT * FROM txn_full")
        eng.drop("txn_full")
    return pa.Table.from_pylist(
        [{"account": a, "day": d, "typology": t} for a, d, t in rows], schema=FLAGS_SCHEMA
    )


def membership_sql(*, by_day: bool = True) -> str:
    """(txn_id, typology) from the registered ``flags``: sender or receiver flagged that day
    (``by_day``), or flagged at all — what one run knows when it scores its own evidence."""
    day = " AND f.day = t.day" if by_day else ""
    return (
        "SELECT t.txn_id, f.typology FROM txn AS t JOIN flags AS f "
        f"ON f.account = t.from_account{day} "
        "UNION "
        "SELECT t.txn_id, f.typology FROM txn AS t JOIN flags AS f "
        f"ON f.account = t.to_account{day}"
    )
