"""Graph features on hand-made shapes: each counts what its definition says, only from the past."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from integrita.analytics.engine import ScanRange, open_engine
from integrita.analytics.graph_features import (
    graph_feature_names,
    staged_graph_features,
)
from tests.detection.builder import LedgerBuilder, fx

SCAN = ScanRange(datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))
Rows = dict[str, dict[str, Any]]


def graph_features(b: LedgerBuilder, root: Path, engine: str = "duckdb", spark: Any = None) -> Rows:
    """Every transaction's graph features, by transaction id, on engine ``engine``."""
    eng = open_engine(engine, b.write(root), SCAN, fx(), spark=spark)
    try:
        with staged_graph_features(eng) as table:
            rows = eng.query(f"SELECT * FROM {table}").to_pylist()
    finally:
        eng.close()
    return {r.pop("txn_id"): r for r in rows}


def ring(
    b: LedgerBuilder, name: str, hops: int, *, hours_apart: float = 6, start: float = 0
) -> str:
    """Money around ``hops`` accounts and back, 2 % fee a hop; returns the closing payment."""
    amount, last = 10_000.0, ""
    for i in range(hops):
        last = b.pay(f"{name}{i}", f"{name}{(i + 1) % hops}", amount, hours=start + i * hours_apart)
        amount *= 0.98
    return last


def test_degrees_and_counterparties_count_payments_at_or_before_it_within_the_window(
    tmp_path: Path,
) -> None:
    b = LedgerBuilder()
    b.pay("A", "H", 500, days=-8)  # outside both windows
    b.pay("A", "H", 500, days=-3)
    b.pay("B", "H", 500, days=-2)
    b.pay("A", "H", 500, hours=-2)
    b.pay("C", "H", 500, hours=-1)
    b.pay("H", "D", 500, hours=-0.5)
    last = b.pay("A", "H", 500)
    later = b.pay("E", "H", 500, hours=1)  # after it: never counted
    f = graph_features(b, tmp_path)[last]
    assert (f["dst_in_degree_1d"], f["dst_in_counterparties_1d"]) == (3, 2)  # A, C, A
    assert (f["dst_in_degree_7d"], f["dst_in_counterparties_7d"]) == (5, 3)  # A, B, C
    assert (f["dst_out_degree_7d"], f["dst_out_counterparties_7d"]) == (1, 1)
    assert (f["src_out_degree_7d"], f["src_out_counterparties_7d"]) == (3, 1)
    assert f["src_in_degree_7d"] == 0
    assert graph_features(b, tmp_path / "again")[later]["dst_in_counterparties_7d"] == 4


def test_a_counterparty_leaves_the_window_a_full_window_after_its_last_payment(
    tmp_path: Path,
) -> None:
    b = LedgerBuilder()
    b.pay("A", "H", 500, days=-7)  # exactly seven days before: out of (t - 7 d, t]
    b.pay("B", "H", 500, days=-6.9)
    b.pay("B", "H", 500, days=-1.5)  # B paid again: still in the window
    last = b.pay("C", "H", 500)
    f = graph_features(b, tmp_path)[last]
    assert (f["dst_in_degree_7d"], f["dst_in_counterparties_7d"]) == (3, 2)  # B twice, C
    assert (f["dst_in_degree_1d"], f["dst_in_counterparties_1d"]) == (1, 1)


def test_payments_booked_in_the_same_second_see_only_those_with_a_smaller_id(
    tmp_path: Path,
) -> None:
    b = LedgerBuilder()
    first = b.pay("A", "H", 500, txn_id="X1")
    second = b.pay("B", "H", 500, txn_id="X2")
    rows = graph_features(b, tmp_path)
    assert rows[first]["dst_in_counterparties_1d"] == 1
    assert rows[second]["dst_in_counterparties_1d"] == 2


def test_cycles_of_two_to_six_hops_are_counted_on_the_payment_that_closes_them(
    tmp_path: Path,
) -> None:
    b = LedgerBuilder()
    closing = {hops: ring(b, f"r{hops}-", hops, start=hops * 48) for hops in range(2, 7)}
    rows = graph_features(b, tmp_path)
    for hops, txn in closing.items():
        counts = {k: rows[txn][f"cycle_{k}_hops_7d"] for k in range(2, 7)}
        assert counts == {k: int(k == hops) for k in range(2, 7)}, hops
    others = [r for t, r in rows.items() if t not in closing.values()]
    assert all(r[f"cycle_{k}_hops_7d"] == 0 for r in others for k in range(2, 7))


def test_cycles_spread_over_more_than_the_window_through_a_hub_or_of_unrelated_sizes_are_not_counted(
    tmp_path: Path,
) -> None:
    b = LedgerBuilder()
    slow = ring(b, "slow", 4, hours_apart=60)  # 7.5 days from first to last payment
    hub = ring(b, "hub", 3, start=200)
    for i in range(30):  # hub1 received from 30 others in the days before the ring passed
        b.pay(f"payer{i}", "hub1", 5_000, hours=170 + i)
    b.pay("big0", "big1", 10_000, hours=400)
    b.pay("big1", "big2", 9_800, hours=401)
    grown = b.pay("big2", "big0", 20_000, hours=402)  # twice what went round: not the same money
    rows = graph_features(b, tmp_path)
    for txn in (slow, hub, grown):
        assert all(rows[txn][f"cycle_{k}_hops_7d"] == 0 for k in range(2, 7)), txn


def test_scatter_gather_counts_the_other_intermediaries_a_shared_source_used(
    tmp_path: Path,
) -> None:
    b = LedgerBuilder()
    for i in range(3):
        b.pay("X", f"M{i}", 10_000, hours=i)
    gathers = [b.pay(f"M{i}", "R", 9_500, hours=24 + i) for i in range(3)]
    rows = graph_features(b, tmp_path)
    assert [rows[t]["scatter_gather_7d"] for t in gathers] == [0, 1, 2]


def test_gather_scatter_is_the_smaller_side_of_the_sending_hub(tmp_path: Path) -> None:
    b = LedgerBuilder()
    for i in range(4):
        b.pay(f"S{i}", "H", 3_000, hours=i)
    scatters = [b.pay("H", f"D{i}", 3_500, hours=10 + i) for i in range(3)]
    rows = graph_features(b, tmp_path)
    assert [rows[t]["src_gather_scatter_7d"] for t in scatters] == [1, 2, 3]


def test_pass_through_counts_the_senders_inflows_of_the_last_day_and_their_share_passed_on(
    tmp_path: Path,
) -> None:
    b = LedgerBuilder()
    b.pay("P", "A", 8_000, hours=-25)  # more than a day before
    b.pay("P", "A", 10_000)
    b.pay("Q", "A", 5_000, hours=2)
    out = b.pay("A", "Z", 14_250, hours=5)
    f = graph_features(b, tmp_path)[out]
    assert f["src_pass_through_count_24h"] == 2
    assert abs(f["src_pass_through_ratio_24h"] - 0.95) < 1e-12


def _random_ledger(seed: int) -> LedgerBuilder:
    """Payments among 12 accounts over ten days, many in the same second, with rings."""
    rng = random.Random(seed)
    b = LedgerBuilder()
    for n in range(400):
        hours = rng.choice([0.0, 0.0, rng.randrange(240), rng.random() * 240])
        amount = rng.choice([2_000, 2_000, rng.randrange(500, 20_000)])
        b.pay(f"a{rng.randrange(12)}", f"a{rng.randrange(12)}", amount, hours=hours)
        if n % 40 == 0:
            ring(b, f"ring{n}-", rng.randrange(2, 7), start=rng.random() * 200)
    return b


def test_appending_later_transactions_never_changes_an_earlier_ones_graph_features(
    tmp_path: Path,
) -> None:
    full = _random_ledger(seed=5)
    full.rows.sort(key=lambda r: (r["booked_at"], r["txn_id"]))  # type: ignore[arg-type, return-value]
    after = graph_features(full, tmp_path / "full")
    assert sum(r["cycle_2_hops_7d"] + r["cycle_3_hops_7d"] for r in after.values()) > 0
    for cut in (0.3, 0.65):  # the prefix may end inside a second: later ids are later data
        early = LedgerBuilder(rows=full.rows[: int(len(full.rows) * cut)])
        before = graph_features(early, tmp_path / f"early{cut}")
        assert before == {t: after[t] for t in before}
    assert set(next(iter(after.values()))) == set(graph_feature_names())


def test_each_stage_is_dropped_once_read_and_the_features_after_the_block(tmp_path: Path) -> None:
    b = LedgerBuilder()
    ring(b, "r", 3)
    eng = open_engine("duckdb", b.write(tmp_path), SCAN, fx())

    def held() -> set[str]:
        names = eng.query("SELECT table_name FROM duckdb_tables()").column("table_name")
        return {n for n in names.to_pylist() if n.startswith(("gf_", "graph_"))}

    try:
        with staged_graph_features(eng) as table:
            assert held() == {table}
            assert len(eng.query(f"SELECT * FROM {table}")) == 3
        assert held() == set()
    finally:
        eng.close()
