"""DuckDB and Spark run the same definitions over the same files and return the same evidence.

The ledger, the run on each engine and the comparison live here; the test that runs the
detectors is ``test_spark_cluster.py``: every detector on a two-worker standalone cluster (executors in other
JVMs, the harder case) against DuckDB. A local-mode run of the same comparison doubled the
suite's Spark time without testing anything the cluster run does not. The graph features' comparison runs here,
in local mode on the session's Spark.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from integrita.analytics.engine import ScanRange, open_engine
from integrita.analytics.ledger import Ledger
from integrita.detection.catalogue import detectors
from integrita.detection.large_value import LargeValueThresholds, large_value_sql
from integrita.detection.matches import run_detector
from tests.detection.builder import LedgerBuilder, fx
from tests.detection.scenarios import SCENARIOS
from tests.detection.test_graph_features import graph_features, ring

Results = tuple[list[tuple[object, ...]], list[tuple[object, ...]]]


def _everything(engine: Any) -> Results:
    rows: list[tuple[object, ...]] = []
    for det in detectors():
        rows.extend(run_detector(engine, det, det.params()))
    large = engine.query(large_value_sql(LargeValueThresholds(), 0)).to_pylist()
    return sorted(rows), sorted(tuple(r.values()) for r in large)


def parity_ledger(root: Path) -> tuple[Ledger, LedgerBuilder]:
    """A ledger on which every detector fires once and misses once, plus large-value rows."""
    b = LedgerBuilder()
    for name, scenario in SCENARIOS.items():
        scenario(b, True, f"{name}-hit")
        scenario(b, False, f"{name}-miss")
    b.own("lv-acc", "P1", "individual")
    b.pay("CASH", "lv-acc", 50_000, kind="cash_deposit")
    b.pay("lv-acc", "abroad", 30_000, currency="USD", cross_border=True, to_country="US")
    return b.write(root), b


SCAN = ScanRange(datetime(2020, 1, 1, tzinfo=UTC), datetime(2030, 1, 1, tzinfo=UTC))


def everything_on(kind: str, ledger: Ledger, b: LedgerBuilder, spark: Any = None) -> Results:
    """Every detector's evidence and the large-value rows, on engine ``kind``."""
    engine = open_engine(kind, ledger, SCAN, fx(), spark=spark)
    try:
        engine.register("owners", b.owners_table())
        return _everything(engine)
    finally:
        engine.close()


def assert_identical(duck: Results, other: Results) -> None:
    """Every detector fired on its pattern, and the other engine returned the very same rows."""
    duck_rows, duck_large = duck
    spark_rows, spark_large = other
    fired = {r[0] for r in duck_rows}
    assert fired == set(SCENARIOS)  # the ledger triggers every detector
    for name in SCENARIOS:  # each pattern is found by its own detector
        assert any(r[0] == name and f"{name}-hit" in str(r[2]) for r in duck_rows), name
    assert duck_rows == spark_rows
    assert len(duck_large) == 3 and duck_large == spark_large  # incl. the structuring near miss


def graph_feature_ledger() -> LedgerBuilder:
    """Every graph feature non-zero somewhere: the detectors' scenarios (fans, scatter-gather,
    pass-through...), payments booked in the same second and cycles of every length."""
    b = LedgerBuilder()
    for name, scenario in SCENARIOS.items():
        scenario(b, True, f"{name}-hit")
    for i in range(3):
        b.pay(f"tie{i}", "tie-hub", 2_000, txn_id=f"TIE{i}")
    for hops in range(2, 7):
        ring(b, f"ring{hops}-", hops, start=240 + 48 * hops)
    return b


@pytest.mark.spark
@pytest.mark.slow
def test_graph_features_are_identical_on_duckdb_and_spark(spark: Any, tmp_path: Path) -> None:
    b = graph_feature_ledger()
    duck = graph_features(b, tmp_path / "duck")
    on_spark = graph_features(b, tmp_path / "spark", "spark", spark)
    fired = {n for row in duck.values() for n, v in row.items() if v}
    assert fired == set(next(iter(duck.values())))  # no feature is zero everywhere
    assert duck == on_spark
