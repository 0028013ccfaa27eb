"""The cost of a streamed ledger append as the ledger grows; prints one JSON object.

Starts from a ledger of ``--preload`` rows in ``--preload-files`` Parquet files written
directly (as by the code before the stored-id index, so the first append builds the index from
them: ``index_build``), then appends ``--batches`` batches of ``--batch`` new rows the way the
stream consumer does (a staged Parquet file, ``append_query`` with ``durable=True``, then the
merge of the touched days' small files). Each batch books ``--seconds-apart`` x ``--batch``
seconds of transactions, so a stream of batches moves through the booking days like the soak's.

Reported per window of ``--window`` batches: CPU and wall seconds per
append (median), the ledger's files and the process's RSS. Flat means the k-th batch costs what
the first did. ``--old-anti-join`` checks each batch against every stored id instead (the code
before the index: ``index_max_rows=0``) for the comparison.

Usage: ``PYTHONPATH=src:. python benchmarks/ledger_append.py [--preload 4000000]
[--preload-files 2000] [--batches 1000] [--batch 2000]``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import duckdb

from integrita.analytics.ledger import Ledger
from integrita.analytics.ledger_compaction import compact
from integrita.analytics.schema import LEDGER_SCHEMA

sys.path.insert(0, str(Path(__file__).resolve().parent))
from soak import _rss_mb

_COLUMNS = """'T' || lpad(CAST(i AS VARCHAR), 10, '0') AS txn_id,
  TIMESTAMPTZ '2026-01-01 00:00:00+00' + to_seconds(i * {apart}) AS booked_at,
  'mobile' AS channel, 'transfer' AS kind, 'B001' AS from_bank, 'A' || (i % 20000) AS from_account,
  'B002' AS to_bank, 'Z' || ((i * 7) % 50000) AS to_account, 1000 + i % 100000 AS amount_paid_minor,
  'CNY' AS paid_currency, 1000 + i % 100000 AS amount_received_minor,
  'CNY' AS received_currency, 'ACH' AS payment_format,
  'third_party_personal' AS counterparty_type, false AS cross_border,
  NULL::VARCHAR AS from_country, NULL::VARCHAR AS to_country, NULL::VARCHAR AS purpose"""


def rows_sql(first: int, last: int, apart: int) -> str:
    """Canonical transactions with the ids ``first`` .. ``last - 1``, ``apart`` seconds apart."""
    names = ", ".join(f.name for f in LEDGER_SCHEMA)
    return f"SELECT {names} FROM (SELECT {_COLUMNS.format(apart=apart)} FROM range({first}, {last}) t(i))"


def preload(root: Path, rows: int, files: int, apart: int) -> None:
    """``rows`` transactions in ``files`` files, written straight into the partitions."""
    with duckdb.connect() as con:
        con.execute("SET TimeZone = 'UTC'")
        step = max(rows // files, 1)
        for f in range(files):
            first = f * step
            day = con.execute(
                f"SELECT CAST(TIMESTAMPTZ '2026-01-01 00:00:00+00' + to_seconds({first} * {apart}) AS DATE)"
            ).fetchone()
            assert day is not None
            directory = root / f"booking_date={day[0]}"
            directory.mkdir(parents=True, exist_ok=True)
            con.execute(
                f"COPY ({rows_sql(first, first + step, apart)}) TO '{directory}/part-pre{f}-0.parquet' "
                "(FORMAT PARQUET, COMPRESSION ZSTD)"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preload", type=int, default=0)
    parser.add_argument("--preload-files", type=int, default=1)
    parser.add_argument("--batches", type=int, default=1000)
    parser.add_argument("--batch", type=int, default=2000)
    parser.add_argument("--window", type=int, default=100)
    parser.add_argument("--seconds-apart", type=int, default=7)
    parser.add_argument("--old-anti-join", action="store_true")
    parser.add_argument("--no-compaction", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="integrita-ledger-append-") as tmp:
        root = Path(tmp) / "ledger"
        started = time.perf_counter()
        if args.preload:
            preload(root, args.preload, args.preload_files, args.seconds_apart)
        preload_seconds = time.perf_counter() - started
        ledger = Ledger(root, index_max_rows=0 if args.old_anti_join else 250_000)
        staged = Path(tmp) / "batch.parquet"
        costs: list[tuple[float, float]] = []
        windows = []
        index_build: dict[str, float] = {}
        merges = 0
        for k in range(args.batches):
            first = args.preload + k * args.batch
            with duckdb.connect() as con:
                con.execute(
                    f"COPY ({rows_sql(first, first + args.batch, args.seconds_apart)}) TO '{staged}'"
                )
            wall, cpu = time.perf_counter(), time.process_time()
            result = ledger.append_query(
                f"SELECT * FROM read_parquet('{staged}')",
                offered=args.batch,
                distinct=True,
                durable=True,
            )
            if not args.no_compaction:
                merges += compact(ledger, partitions=result.partitions).merges
            cost = (time.perf_counter() - wall, time.process_time() - cpu)
            assert result.stored == args.batch, result
            if k == 0 and args.preload:
                index_build = {"wall_s": round(cost[0], 2), "cpu_s": round(cost[1], 2)}
                continue
            costs.append(cost)
            if (k + 1) % args.window == 0:
                recent = costs[-args.window :]
                windows.append(
                    {
                        "batches": f"{k + 2 - len(recent)}-{k + 1}",
                        "ledger_rows": first + args.batch,
                        "files": len(ledger.files()),
                        "median_wall_ms": round(statistics.median(c[0] for c in recent) * 1e3, 1),
                        "median_cpu_ms": round(statistics.median(c[1] for c in recent) * 1e3, 1),
                        "rss_mb": _rss_mb(os.getpid()),
                    }
                )
                print(json.dumps(windows[-1]), file=sys.stderr, flush=True)
        stored = ledger.count()
    print(
        json.dumps(
            {
                "preload_rows": args.preload,
                "preload_files": args.preload_files,
                "preload_seconds": round(preload_seconds, 1),
                "batches": args.batches,
                "batch_rows": args.batch,
                "check": "anti-join against every stored id"
                if args.old_anti_join
                else "stored-id index",
                "compaction": not args.no_compaction,
                "merges": merges,
                "index_build": index_build,
                "windows": windows,
                "first_vs_last_cpu_ratio": round(
                    windows[-1]["median_cpu_ms"] / windows[0]["median_cpu_ms"], 2
                ),
                "rows_in_ledger": stored,
                "expected_rows": args.preload + args.batches * args.batch,
                "load_average": [round(x, 2) for x in os.getloadavg()],
            }
        )
    )


if __name__ == "__main__":
    main()
