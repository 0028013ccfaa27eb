"""The model's feature matrix, filled batch by batch from the engine's result.

LightGBM reads one float32 matrix of every transaction's features. Built from a whole Arrow
table (``np.column_stack`` of float64 columns, then a float32 copy) the scoring process held
the table, every float64 column, their stacked copy and the float32 matrix at once: 10.9 GB
for 5,000,000 transactions. Filled from the engine's batches into one preallocated float32
matrix, it holds the matrix, one batch and a copy of the few key columns the caller keeps.

Each value is converted exactly as before (Arrow to float64, nulls to 0, then to float32), so
the model sees the very numbers it saw.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from integrita.analytics.engine import QueryEngine
from integrita.detection.features import feature_names, features_sql


@dataclass(frozen=True, slots=True)
class FeatureRows:
    """Features of transactions: the float32 matrix and, row for row, the kept key columns."""

    x: np.ndarray[Any, Any]
    keys: pa.Table


def batch_matrix(batch: pa.RecordBatch | pa.Table, names: list[str]) -> np.ndarray[Any, Any]:
    """The ``names`` columns of ``batch`` as a float32 matrix (row-major), nulls as 0."""
    out = np.empty((batch.num_rows, len(names)), dtype=np.float32)
    for j, name in enumerate(names):
        out[:, j] = np.asarray(pc.fill_null(batch.column(name), 0).cast(pa.float64()))
    return out


def feature_rows(
    batches: Iterable[pa.RecordBatch],
    names: list[str],
    keep: list[str],
    rows: int | None = None,
) -> FeatureRows:
    """The matrix of ``names`` and the ``keep`` columns of ``batches``, in their order.

    With ``rows`` (the number the batches hold, e.g. the transactions scored) the matrix is
    allocated once and filled in place; without it, or past it, the batches' matrices are
    joined at the end (twice the matrix at that moment). Fewer rows than ``rows`` leave the
    matrix cut to those read.
    """
    parts: list[np.ndarray[Any, Any]] = []
    kept: list[pa.RecordBatch] = []
    x = None if rows is None else np.empty((rows, len(names)), dtype=np.float32)
    filled = 0
    for batch in batches:
        chunk = batch_matrix(batch, names)
        if x is not None and filled + len(chunk) > len(x):
            parts, x = [x[:filled]], None  # more rows than announced: join at the end
        if x is None:
            parts.append(chunk)
        else:
            x[filled : filled + len(chunk)] = chunk
        filled += len(chunk)
        # copies: an array imported from the engine keeps its whole batch alive (DuckDB's
        # Arrow export frees a batch's columns together), so a kept reference to the id
        # column held every feature column of every batch (4 GB more at 5,000,000 rows)
        kept.append(
            pa.record_batch([pa.concat_arrays([batch.column(k)]) for k in keep], names=keep)
        )
        del chunk
    if x is None:
        x = np.concatenate(parts) if parts else np.empty((0, len(names)), dtype=np.float32)
    keys = (
        pa.Table.from_batches(kept)
        if kept
        else pa.table({k: pa.array([], pa.null()) for k in keep})
    )
    return FeatureRows(x[:filled], keys)


def every_transaction(eng: QueryEngine, keep: list[str], order_by: str = "") -> FeatureRows:
    """Every transaction's features (``features_sql`` over the engine's ``txn``, the graph
    features staged by the caller), the matrix allocated once at the transaction count: the
    model's training set, and the speed benchmark's measure of it."""
    rows = eng.query("SELECT COUNT(*) AS n FROM txn").column("n")[0].as_py()
    sql = f"SELECT * FROM ({features_sql()}) AS f" + (f" ORDER BY {order_by}" if order_by else "")
    return feature_rows(eng.query_batches(sql), feature_names(), keep, rows)
