"""The longest-silence features: every payment of a woken account's burst shows the silence it
broke, for a week; a busy account's payments show short ones; a first payment shows none."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa

from integrita.analytics.graph_features import staged_graph_features
from integrita.detection.features import features_sql
from integrita.services.monitoring.scoring import MEMBERSHIP_SCHEMA
from tests.detection.builder import LedgerBuilder
from tests.detection.test_feature_rewrite import SCAN, fx

DAY = 86400.0


def _features(b: LedgerBuilder, root: Path) -> dict[str, dict[str, float]]:
    from integrita.analytics.engine import open_engine

    eng = open_engine("duckdb", b.write(root), SCAN, fx())
    try:
        eng.register("membership", pa.Table.from_pylist([], schema=MEMBERSHIP_SCHEMA))
        with staged_graph_features(eng):
            rows = eng.query(f"SELECT * FROM ({features_sql()}) AS f").to_pylist()
    finally:
        eng.close()
    return {r["txn_id"]: r for r in rows}


def test_a_woken_accounts_burst_shows_the_silence_it_broke(tmp_path: Path) -> None:
    b = LedgerBuilder()
    first = b.pay("sleeper", "shop", 300, days=0)  # the sleeper's last payment for 40 days
    for day in range(0, 50, 2):  # a busy pair paying every other day
        b.pay("busy", "shop", 80, days=day, hours=3)
    wake = b.pay("boss", "sleeper", 48_000, days=40)  # the silence ends
    out1 = b.pay("sleeper", "mule1", 24_000, days=40, hours=5)
    out2 = b.pay("sleeper", "mule2", 23_000, days=42)
    late = b.pay("sleeper", "mule3", 500, days=48)  # more than a week after the wake-up
    f = _features(b, tmp_path)

    # no payment before the sleeper's first: no silence known
    assert f[first]["src_longest_silence_7d"] == -1
    # the wake-up payment broke 40 days of silence, and so did every payment of the burst
    # within the week, though each came hours or days after the one before it
    assert f[wake]["dst_longest_silence_7d"] == 40 * DAY
    assert f[out1]["src_longest_silence_7d"] == 40 * DAY
    assert f[out2]["src_longest_silence_7d"] == 40 * DAY
    # the gap features see only the time since the last outflow: the burst's second one
    # resets it, so it cannot tell a woken account from a busy one
    assert f[out2]["src_gap_seconds"] == 2 * DAY - 5 * 3600
    # a week on, the wake-up has left the window: the longest gap in it is the burst's own
    assert f[late]["src_longest_silence_7d"] == 6 * DAY
    # a busy account's silences are its usual two days
    busy = [r for r in f.values() if r["from_account"] == "busy"]
    assert {r["src_longest_silence_7d"] for r in busy[1:]} == {2 * DAY}
