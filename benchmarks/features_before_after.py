"""The model's feature SQL before and after the speed rewrite: seconds, CPU seconds, equality.

Usage:
  python benchmarks/features_before_after.py --bank-dir DIR [--transactions N]

Reads ``DIR/transactions.parquet`` (a bank written by ``integrita.synthetic``), keeps the first
``N`` transactions by booking time, stages the graph features once on DuckDB (2 threads, 5 GB,
as ``detection_speed.py``), then materialises the reference SQL
(``tests/detection/reference_features.py``, the text the model's figures were measured on)
and :func:`integrita.detection.features.features_sql`, each timed in wall and process CPU
seconds (CPU is less moved by other jobs on a shared machine), and compares every column of
every row (floats within 1e-9 relative). Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from ledger_engine import bank_ledger, whole_ledger_engine

_NOT_COMPARED = ("txn_id", "from_account", "to_account")


def _differences(con: object, columns: list[str]) -> dict[str, int]:
    """Per column, the rows whose values differ beyond 1e-9 relative (0s left out)."""

    def num(side: str, c: str) -> str:
        return f"CAST({side}.{c} AS DOUBLE)"

    checks = ", ".join(
        f"SUM(CASE WHEN a.{c} IS NOT DISTINCT FROM b.{c} THEN 0 "
        f"WHEN abs({num('a', c)} - {num('b', c)}) <= 1e-9 * greatest(abs({num('a', c)}), "
        f"abs({num('b', c)}), 1.0) THEN 0 ELSE 1 END) AS {c}"
        for c in columns
    )
    row = con.execute(  # type: ignore[attr-defined]
        f"SELECT {checks} FROM before_rewrite AS a JOIN after_rewrite AS b USING (txn_id)"
    ).fetchone()
    return {c: int(n) for c, n in zip(columns, row, strict=True) if n}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bank-dir", type=Path, required=True)
    parser.add_argument("--transactions", type=int, default=None)
    args = parser.parse_args()

    from tests.detection.reference_features import reference_features_sql

    from integrita.analytics.graph_features import staged_graph_features
    from integrita.detection.features import features_sql

    with tempfile.TemporaryDirectory() as tmp:
        ledger, rows = bank_ledger(args.bank_dir, args.transactions, Path(tmp))
        out: dict[str, object] = {"transactions": rows}
        eng = whole_ledger_engine(ledger)
        eng.con.execute("SET threads = 2; SET memory_limit = '5GB'")
        with staged_graph_features(eng):
            for name, sql in (
                ("before_rewrite", reference_features_sql()),
                ("after_rewrite", features_sql()),
            ):
                wall, cpu = time.perf_counter(), time.process_time()
                eng.stage(name, f"SELECT * FROM ({sql}) AS f")
                out[name] = {
                    "seconds": round(time.perf_counter() - wall, 1),
                    "cpu_seconds": round(time.process_time() - cpu, 1),
                }
        columns = [r[0] for r in eng.con.execute("DESCRIBE before_rewrite").fetchall()]
        after = [r[0] for r in eng.con.execute("DESCRIBE after_rewrite").fetchall()]
        out["same_columns"] = columns == after
        compared = [c for c in columns if c not in _NOT_COMPARED]
        out["rows"] = eng.con.execute(
            "SELECT (SELECT COUNT(*) FROM before_rewrite), (SELECT COUNT(*) FROM after_rewrite), "
            "(SELECT COUNT(*) FROM before_rewrite JOIN after_rewrite USING (txn_id))"
        ).fetchone()
        out["columns_compared"] = len(compared)
        out["columns_with_differences"] = _differences(eng.con, compared)
        eng.close()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
