"""Cost of the graph features on DuckDB: seconds per stage, rows, peak memory.

Usage:
  python benchmarks/graph_features_speed.py --bank-dir DIR [--transactions N]

Reads ``DIR/transactions.parquet`` (a bank written by ``integrita.synthetic``), keeps the first
``N`` transactions by booking time (default all), writes them to a ledger in a temporary
folder and stages :func:`integrita.analytics.graph_features.graph_feature_stages` one by one
on DuckDB (2 threads, 5 GB, as ``detection_speed.py``), dropping each once read, then the model's other features over
the same rows for scale. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ledger_engine import bank_ledger, whole_ledger_engine


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bank-dir", type=Path, required=True)
    parser.add_argument("--transactions", type=int, default=None)
    args = parser.parse_args()

    from integrita.analytics.graph_features import staged_graph_features
    from integrita.detection.features import features_sql

    with tempfile.TemporaryDirectory() as tmp:
        ledger, rows = bank_ledger(args.bank_dir, args.transactions, Path(tmp))
        out: dict[str, object] = {"transactions": rows, "stages": {}}
        eng = whole_ledger_engine(ledger)
        eng.con.execute("SET threads = 2; SET memory_limit = '5GB'")
        stages: dict[str, dict[str, float]] = {}
        started = last = time.perf_counter()

        def timed(name: str) -> None:
            nonlocal last
            rows = eng.query(f"SELECT COUNT(*) AS n FROM {name}").to_pylist()[0]["n"]
            stages[name] = {"seconds": round(time.perf_counter() - last, 1), "rows": rows}
            last = time.perf_counter()

        with staged_graph_features(eng, on_stage=timed):
            out["stages"] = stages
            out["graph_features_seconds"] = round(time.perf_counter() - started, 1)
            t = time.perf_counter()
            eng.stage("all_features", f"SELECT * FROM ({features_sql()}) AS f")
            out["all_model_features_seconds_after_graph"] = round(time.perf_counter() - t, 1)
        out["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
        eng.close()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
