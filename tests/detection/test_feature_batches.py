"""Scoring's feature matrix, filled from the engine's batches, holds what the whole result held.

Both engines: the features of a tangled ledger read with ``query_batches`` in small batches
(so a matrix spans many of them) against the same query read whole and converted the way
scoring converted before (every column to float64, nulls to 0, stacked, then float32).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from integrita.analytics.engine import open_engine
from integrita.analytics.graph_features import staged_graph_features
from integrita.detection.features import feature_names, features_sql
from integrita.services.monitoring.feature_matrix import feature_rows
from integrita.services.monitoring.scoring import MEMBERSHIP_SCHEMA
from tests.detection.builder import fx
from tests.detection.test_feature_rewrite import SCAN, _memberships, tangled_ledger


def _batched_and_whole(root: Path, engine: str, spark: Any = None) -> tuple[Any, Any, int]:
    b = tangled_ledger(3, days=8)
    eng = open_engine(engine, b.write(root), SCAN, fx(), spark=spark)
    names = feature_names()
    sql = f"SELECT * FROM ({features_sql()}) AS f ORDER BY f.ts, f.txn_id"
    try:
        eng.register("membership", pa.Table.from_pylist(_memberships(b), schema=MEMBERSHIP_SCHEMA))
        with staged_graph_features(eng):
            found = feature_rows(eng.query_batches(sql, 16), names, ["txn_id"], len(b.rows))
            whole = eng.query(sql)
    finally:
        eng.close()
    expected = np.column_stack(
        [np.asarray(pc.fill_null(whole[n], 0).cast(pa.float64())) for n in names]
    ).astype(np.float32)
    assert found.keys["txn_id"].to_pylist() == whole["txn_id"].to_pylist()
    return found.x, expected, len(b.rows)


def test_duckdb_batches_fill_the_matrix_the_whole_result_gave(tmp_path: Path) -> None:
    got, expected, rows = _batched_and_whole(tmp_path, "duckdb")
    assert got.shape == (rows, len(feature_names())) and rows > 16 * 4
    np.testing.assert_array_equal(got, expected)


@pytest.mark.spark
@pytest.mark.slow
def test_spark_batches_fill_the_matrix_the_whole_result_gave(spark: Any, tmp_path: Path) -> None:
    got, expected, rows = _batched_and_whole(tmp_path, "spark", spark)
    assert got.shape == (rows, len(feature_names()))
    np.testing.assert_array_equal(got, expected)
