"""Point in time: appending later transactions never changes what is known about earlier ones."""

from __future__ import annotations

import random
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from integrita.analytics.engine import ScanRange, open_engine
from integrita.services.monitoring.point_in_time import cutoff_days
from integrita.services.monitoring.scoring import Dataset, dataset_from_engine
from tests.detection.builder import LedgerBuilder, fx, run
from tests.detection.scenarios import SCENARIOS

NO_LABELS = pa.table(
    {
        "txn_id": pa.array([], pa.string()),
        "is_laundering": pa.array([], pa.bool_()),
        "typology": pa.array([], pa.string()),
        "pattern_id": pa.array([], pa.string()),
    }
)


def _busy_ledger(seed: int, days: int) -> LedgerBuilder:
    """Random payments among 30 accounts, several in the same minute, with every scenario
    injected every few days (so patterns straddle any cut)."""
    rng = random.Random(seed)
    b = LedgerBuilder()
    for day in range(days):
        for _ in range(12):
            hours = rng.choice([1.0, 1.0, 5.5, rng.random() * 23])  # shared minutes
            b.pay(
                f"n{rng.randrange(30)}",
                f"n{rng.randrange(30)}",
                rng.randrange(500, 60_000),
                days=day,
                hours=hours,
            )
        if day % 4 == 1:
            for name in ("fan_in", "fan_out", "cycle", "scatter_gather", "rapid_pass_through"):
                sub = LedgerBuilder(rows=[])
                SCENARIOS[name](sub, True, f"{name}-{day}")
                shift = timedelta(days=day, hours=rng.random() * 12)
                for row in sub.rows:
                    row["txn_id"] = f"P{len(b.rows)}"
                    row["booked_at"] = row["booked_at"] + shift  # type: ignore[operator]
                    b.rows.append(row)
    return b


def _dataset(b: LedgerBuilder, root: Path) -> Dataset:
    ledger = b.write(root)
    scan = ScanRange(datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))
    eng = open_engine("duckdb", ledger, scan, fx())
    try:
        eng.register("owners", b.owners_table())
        return dataset_from_engine(eng, NO_LABELS)
    finally:
        eng.close()


def test_appending_later_transactions_never_changes_earlier_features_memberships_or_scores(
    tmp_path: Path,
) -> None:
    import lightgbm as lgb

    full = _busy_ledger(seed=3, days=16)
    full.rows.sort(key=lambda r: r["booked_at"])  # type: ignore[arg-type, return-value]
    for trial, cut in enumerate((0.4, 0.75)):
        # the prefix ends at some transaction; everything after it is "later data"
        last = full.rows[int(len(full.rows) * cut)]["booked_at"]
        early = LedgerBuilder(rows=[r for r in full.rows if r["booked_at"] <= last])  # type: ignore[operator]
        before = _dataset(early, tmp_path / f"early{trial}")
        after = _dataset(full, tmp_path / f"full{trial}")
        index = {t: i for i, t in enumerate(after.txn_ids)}
        rows = [index[t] for t in before.txn_ids]
        member = [i for i, n in enumerate(before.names) if n.startswith("in_") or n == "patterns"]
        # memberships do fire in the prefix, so their equality below is not vacuous
        assert before.x[:, member].sum() > 0
        np.testing.assert_array_equal(before.x, after.x[rows])
        # a model scores from the features alone, so its scores agree as well
        booster = lgb.train(
            {"objective": "binary", "verbose": -1, "num_threads": 1, "min_data_in_leaf": 5},
            lgb.Dataset(after.x, label=after.x[:, before.names.index("patterns")] > 0),
            num_boost_round=5,
        )
        np.testing.assert_array_equal(booster.predict(before.x), booster.predict(after.x[rows]))


def test_whole_ledger_memberships_would_have_failed_the_property() -> None:
    """The membership a detector run over the whole ledger gives is what the property forbids:
    the first hop of a cycle is marked only once the last hop is booked."""
    b = LedgerBuilder()
    SCENARIOS["cycle"](b, True, "cy")
    with tempfile.TemporaryDirectory() as tmp:
        whole = run(b, Path(tmp) / "a", "cycle")
        first_hop_only = LedgerBuilder(rows=b.rows[:1])
        prefix = run(first_hop_only, Path(tmp) / "b", "cycle")
    assert any(b.rows[0]["txn_id"] in m.txn_ids for m in whole) and not prefix


def test_run_cutoffs_do_not_move_when_the_ledger_grows() -> None:
    assert cutoff_days(10, 20, 7) == [7, 14]
    assert cutoff_days(10, 30, 7)[:2] == [7, 14]


def test_each_daily_run_reads_only_its_detectors_look_back_before_the_cutoff(
    monkeypatch: Any,
) -> None:
    from integrita.detection import matches
    from integrita.detection.catalogue import detectors
    from integrita.services.monitoring import point_in_time

    seen: list[tuple[str, int, int, int]] = []

    def spying(eng: Any, det: Any, params: Any) -> Any:
        lo, hi = eng.query("SELECT MIN(ts), MAX(ts) FROM txn").to_pylist()[0].values()
        if lo is not None:
            seen.append((det.name, lo, hi, int(det.lookback(params).total_seconds())))
        return matches.run_detector(eng, det, params)

    monkeypatch.setattr(point_in_time, "run_detector", spying)
    with tempfile.TemporaryDirectory() as tmp:
        b = _busy_ledger(3, 12)
        ledger = b.write(Path(tmp))
        scan = ScanRange(datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))
        eng = open_engine("duckdb", ledger, scan, fx())
        try:
            eng.register("owners", b.owners_table())
            first, total = eng.query("SELECT MIN(ts), COUNT(*) FROM txn").to_pylist()[0].values()
            point_in_time.flags_as_of(eng, detectors())
            restored = eng.query("SELECT COUNT(*) AS n FROM txn").to_pylist()[0]["n"]
        finally:
            eng.close()
    assert seen
    assert all(hi - lo < lookback for _, lo, hi, lookback in seen)
    short = [s for s in seen if s[3] <= 3 * 86400]
    assert short and max(s[1] for s in short) > first + 7 * 86400  # later runs start later
    assert restored == total  # txn is the whole ledger again afterwards
