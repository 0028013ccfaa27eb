"""Where one streamed batch's time goes, step by step; prints one line per step.

Drives the stream consumer's path in-process (``stream.append_batch``, the manifest, and the
merge of the touched days, as ``stream consume`` runs them; NATS not involved) on ``--batches``
batches of ``--batch`` transactions (``benchmarks/stream.py``'s), ``--per-message`` a message,
and times each step with the wall clock and the process's CPU (every thread, so run it alone:
the steps run one after another here). cProfile cannot do this: the consumer appends in a
worker thread, and most of the work is in DuckDB, Arrow and SQLite.

Steps: ``_block`` (the messages as one block), ``stage`` (validation), ``Ledger.append_query``
and within it the DuckDB connection and each statement (``q:`` and its first words), the
stored-id index (open, ``catch_up``, ``known``, ``journal``, ``indexed``) and ``_publish``
(the files' and directories' fsyncs); then the manifest and ``compact_ledger``.

Usage: ``PYTHONPATH=src:. python benchmarks/stream_steps.py [--batches 6] [--batch 50000]
[--per-message 1]``.
"""

from __future__ import annotations

import argparse
import functools
import os
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from stream import _rows

INDEX_STEPS = ("__init__", "catch_up", "known", "journal", "indexed")

#: step -> [wall seconds, CPU seconds, calls]
SPENT: defaultdict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0])


def timed(name: str, step: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(step)
    def run(*args: Any, **kwargs: Any) -> Any:
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            return step(*args, **kwargs)
        finally:
            spent = SPENT[name]
            spent[0] += time.perf_counter() - wall
            spent[1] += time.process_time() - cpu
            spent[2] += 1

    return run


class _TimedConnection:
    """A DuckDB connection whose statements are timed, each under its first words."""

    def __init__(self, con: Any) -> None:
        self._con = con

    def __enter__(self) -> _TimedConnection:
        self._con.__enter__()
        return self

    def __exit__(self, *error: object) -> Any:
        return self._con.__exit__(*error)

    def execute(self, sql: str, *args: Any) -> Any:
        return timed("q:" + " ".join(sql.split()[:2])[:30], self._con.execute)(sql, *args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._con, name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=6)
    parser.add_argument("--batch", type=int, default=50_000, help="transactions per batch")
    parser.add_argument("--per-message", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="integrita-stream-steps-") as tmp:
        os.environ["INTEGRITA_DATA_DIR"] = tmp
        from integrita.analytics import ledger, ledger_ids
        from integrita.services.core import ledger as core_ledger
        from integrita.services.core.context import Context
        from integrita.services.ingest import stream
        from integrita.settings import Settings

        connect = ledger.Ledger.connect

        def timed_connect(self: ledger.Ledger, *, view: bool = True) -> Any:
            return _TimedConnection(timed("ledger.connect", connect)(self, view=view))

        patches: list[tuple[object, str, str]] = [
            (ledger.Ledger, "append_query", "append_query"),
            (ledger.Ledger, "_publish", "  _publish (fsync)"),
            *((ledger_ids.TxnIdIndex, step, f"  index.{step}") for step in INDEX_STEPS),
            (stream, "_block", "_block"),
            (stream, "stage", "stage (validate)"),
        ]
        for owner, attribute, label in patches:
            setattr(owner, attribute, timed(label, getattr(owner, attribute)))
        ledger.Ledger.connect = timed_connect  # type: ignore[method-assign]
        append_batch = timed("whole batch: append_batch", stream.append_batch)
        write_manifest = timed("manifest", stream._write_manifest)
        compact_ledger = timed("compact_ledger", core_ledger.compact_ledger)

        ctx = Context.from_settings(Settings())
        rows = _rows(args.batch * args.batches)
        totals = stream.StreamTotals()
        for n in range(args.batches):
            lines = rows[n * args.batch : (n + 1) * args.batch]
            bodies = [
                b"\n".join(lines[i : i + args.per_message])
                for i in range(0, len(lines), args.per_message)
            ]
            result = append_batch(ctx, bodies)
            totals.stored += result.stored
            totals.batches += 1
            write_manifest(ctx.settings, totals)
            if result.partitions:
                compact_ledger(ctx, partitions=result.partitions)
    print(f"{args.batches} batches of {args.batch:,} transactions, {args.per_message} a message")
    print(f"load average {os.getloadavg()}")
    print(f"{'step (per call)':42s} {'wall ms':>9s} {'CPU ms':>9s} {'calls':>6s}")
    for name, (wall, cpu, calls) in SPENT.items():  # in the order the steps first ran
        print(f"{name:42s} {wall / calls * 1e3:9.1f} {cpu / calls * 1e3:9.1f} {int(calls):6d}")


if __name__ == "__main__":
    main()
