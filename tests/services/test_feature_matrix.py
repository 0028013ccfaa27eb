"""The feature matrix filled batch by batch holds the numbers the whole-table conversion held."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from integrita.services.monitoring.feature_matrix import batch_matrix, feature_rows

NAMES = ["amount_cny", "src_out_count_1d", "flag"]


def _whole_table_matrix(table: pa.Table, names: list[str]) -> np.ndarray[Any, Any]:
    """The conversion scoring used before: every column to float64, stacked, then float32."""
    return np.column_stack(
        [np.asarray(pc.fill_null(table[n], 0).cast(pa.float64())) for n in names]
    ).astype(np.float32)


def _features(rows: int) -> pa.Table:
    rng = np.random.default_rng(3)
    big = rng.integers(2**25, 2**53, rows)  # beyond float32: its rounding must agree
    amounts = pa.array([None if i % 7 == 0 else float(v) / 3 for i, v in enumerate(big)])
    return pa.table(
        {
            "txn_id": [f"T{i}" for i in range(rows)],
            "amount_cny": amounts,
            "src_out_count_1d": pa.array(big, pa.int64()),
            "flag": pa.array([None if i % 5 == 0 else i % 2 for i in range(rows)], pa.int32()),
        }
    )


def test_a_batch_converts_like_the_whole_table_did() -> None:
    table = _features(1000)
    got = batch_matrix(table, NAMES)
    assert got.dtype == np.float32 and got.flags.c_contiguous
    np.testing.assert_array_equal(got, _whole_table_matrix(table, NAMES))
    assert got[0, 0] == 0.0  # a null is 0


@pytest.mark.parametrize("announced", [None, 1000, 1200, 700])
def test_batches_fill_the_same_matrix_whatever_the_rows_announced(announced: int | None) -> None:
    table = _features(1000)
    found = feature_rows(table.to_batches(max_chunksize=128), NAMES, ["txn_id"], announced)
    np.testing.assert_array_equal(found.x, _whole_table_matrix(table, NAMES))
    assert found.x.shape == (1000, 3)
    assert found.keys.column_names == ["txn_id"]
    assert found.keys["txn_id"].to_pylist() == table["txn_id"].to_pylist()


def test_no_batches_give_an_empty_matrix() -> None:
    found = feature_rows([], NAMES, ["txn_id"], 10)
    assert found.x.shape == (0, 3)
    assert found.keys.num_rows == 0
