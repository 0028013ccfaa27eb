"""Spark reads the ledger's listed files: during a merge's grace period, when the replaced
small files are still on disk beside the merged one, it counts each row once, as DuckDB does."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from integrita.analytics.engine import open_engine
from integrita.analytics.ledger import Ledger
from integrita.analytics.ledger_compaction import CompactionPolicy, compact
from tests.analytics.test_ledger_compaction import _small_batches
from tests.detection.test_engine_parity import SCAN, fx


@pytest.mark.slow
def test_spark_counts_each_row_once_while_merged_away_files_are_still_on_disk(
    spark: Any, tmp_path: Path
) -> None:
    ledger = Ledger(tmp_path / "ledger")
    ids = _small_batches(ledger)
    compact(ledger, policy=CompactionPolicy(min_files=4, grace_seconds=3600))
    assert len(list((tmp_path / "ledger").glob("booking_date=*/*.parquet"))) == 7
    for kind in ("duckdb", "spark"):
        engine = open_engine(kind, ledger, SCAN, fx(), spark=spark)
        try:
            table = engine.query("SELECT txn_id FROM ledger ORDER BY txn_id")
        finally:
            engine.close()
        assert [str(i) for i in table.column(0).to_pylist()] == ids, kind
