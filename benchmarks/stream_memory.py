"""Where the stream consumer's memory goes: its append path in-process; prints one JSON object.

Drives ``stream.append_batch`` (and the merge of the touched days that ``stream consume`` runs
after each acknowledgement) for ``--batches`` batches of ``--batch`` messages shaped like the
soak's (``benchmarks/stream.py``'s publisher: one transaction per message, ids in order, each
``--seconds-apart`` seconds of booking time after the last, so the stream moves through the
booking days as the soak's does), in a thread of a worker pool as the consumer does. NATS is
not involved: what grows here grows in the append path.

Every ``--window`` batches it samples the process's RSS, the ledger's live files, the booking
days, and (``--tracemalloc``) the Python heap traced; at the end the top growing allocation
sites between the first and the last sample. Variations: ``--preload-days`` spreads a ledger
of small files over that many earlier days first (the file count without the stream);
``--no-compact`` skips the merges; ``--trim`` calls glibc's ``malloc_trim(0)`` before each
sample (if the RSS then stays flat, the growth was freed memory the allocator kept, not live
objects); run with ``MALLOC_ARENA_MAX=2`` in the environment to see the arenas' share.
``--preload-retired N`` starts, and ``--retire-per-batch N`` grows, the merged-away file names
the ledger's state holds for their grace period (as an hour of a stream's merges does).
``--consume-minutes M`` runs the whole consumer (``stream.consume`` over NATS) instead, fed by
the soak's publisher in another process, sampling every ``--sample-seconds``.

Usage: ``PYTHONPATH=src:. python benchmarks/stream_memory.py [--batches 3000] [--batch 364]
[--seconds-apart 7] [--window 250] [--preload-days 0] [--no-compact] [--trim] [--tracemalloc]
[--preload-retired 0] [--retire-per-batch 0] [--consume-minutes M]``.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import ctypes
import gc
import json
import os
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))
from soak import _rss_mb
from stream import _rows


def _anon_mb() -> float:
    """The process's anonymous resident memory (RSS less mapped files and shared memory)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("RssAnon:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def _malloc_trim() -> None:
    ctypes.CDLL("libc.so.6").malloc_trim(0)


def _publisher(rate: float) -> None:
    """``--publish``: the soak's publisher, in a process of its own, until killed."""
    import asyncio

    from integrita.settings import Settings
    from soak import Publisher

    s = Settings()
    asyncio.run(Publisher(s.nats_url, s.stream_subject, rate).run())


def _consume(args: argparse.Namespace) -> dict[str, Any]:
    """``--consume-minutes``: the consumer itself (``stream.consume``) in this process, fed by
    the soak's publisher in another; samples every ``--sample-seconds``."""
    import asyncio
    import subprocess
    import uuid

    from integrita.analytics.ledger_files import read_state
    from integrita.services.core.context import Context
    from integrita.services.core.ledger import open_ledger
    from integrita.services.ingest import stream
    from integrita.settings import Settings
    from stream import drop_stream, ensure_stream

    tag = uuid.uuid4().hex[:8]
    os.environ.update(
        {
            "INTEGRITA_STREAM_NAME": f"SMEM{tag}",
            "INTEGRITA_STREAM_SUBJECT": f"smem{tag}.executed",
            "INTEGRITA_STREAM_DEAD_LETTER_SUBJECT": f"smem{tag}.dead",
        }
    )
    ctx = Context.from_settings(Settings())
    ledger = open_ledger(ctx)
    asyncio.run(ensure_stream(ctx.settings))
    publisher = subprocess.Popen(
        [sys.executable, __file__, "--publish", str(args.stream_rate)], env=os.environ.copy()
    )
    samples: list[dict[str, Any]] = []
    began = time.perf_counter()
    due = [0.0]

    def on_batch(totals: stream.StreamTotals) -> None:
        elapsed = time.perf_counter() - began
        if elapsed < due[0]:
            return
        due[0] += args.sample_seconds
        if args.trim:
            gc.collect()
            _malloc_trim()
        files = ledger.files()
        sample: dict[str, Any] = {
            "seconds": round(elapsed),
            "batches": totals.batches,
            "stored": totals.stored,
            "rss_mb": round(_rss_mb(os.getpid()) or 0.0, 1),
            "anon_mb": _anon_mb(),
            "files": len(files),
            "days": len({f.parent.name for f in files}),
            "retired": len(read_state(ledger.root).retired),
        }
        samples.append(sample)
        print(json.dumps(sample), file=sys.stderr, flush=True)

    async def run() -> None:
        consuming = asyncio.ensure_future(stream.consume(ctx, on_batch=on_batch))
        await asyncio.sleep(args.consume_minutes * 60)
        consuming.cancel()
        await asyncio.gather(consuming, return_exceptions=True)

    try:
        asyncio.run(run())
    finally:
        publisher.kill()
        publisher.wait()
        asyncio.run(drop_stream(ctx.settings.nats_url, ctx.settings.stream_name))
    return {"samples": samples}


def _retire(root: Path, count: int, tag: int) -> None:
    """Name ``count`` more merged-away files in the state (under the writer lock)."""
    from integrita.analytics import ledger_files

    read = getattr(ledger_files, "writer_state", ledger_files.read_state)  # before the fix: none
    with ledger_files.writer_lock(root):
        state = read(root)
        now = time.time()
        state.retired.update(
            {f"booking_date=2019-01-01/part-{tag:06d}{n:06x}-0.parquet": now for n in range(count)}
        )
        ledger_files.write_state(root, state)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=3000)
    parser.add_argument("--batch", type=int, default=364, help="messages per append (soak: ~364)")
    parser.add_argument("--seconds-apart", type=float, default=7.0)
    parser.add_argument("--window", type=int, default=250)
    parser.add_argument("--preload-days", type=int, default=0)
    parser.add_argument("--no-compact", action="store_true")
    parser.add_argument(
        "--preload-retired",
        type=int,
        default=0,
        help="start with this many merged-away files in the ledger's state (names only)",
    )
    parser.add_argument(
        "--retire-per-batch",
        type=int,
        default=0,
        help="add this many merged-away names to the state per batch (every 50 batches), as "
        "an hour of a stream's merges leaves there, in fewer batches",
    )
    parser.add_argument(
        "--grace-seconds", type=float, help="merged-away files kept this long (default: policy's)"
    )
    parser.add_argument("--trim", action="store_true")
    parser.add_argument("--tracemalloc", action="store_true")
    parser.add_argument("--consume-minutes", type=float, help="run stream.consume this long")
    parser.add_argument("--stream-rate", type=float, default=2000.0)
    parser.add_argument("--sample-seconds", type=float, default=30.0)
    parser.add_argument("--publish", type=float, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.publish:
        _publisher(args.publish)
        return
    if args.consume_minutes:
        with tempfile.TemporaryDirectory(prefix="integrita-stream-mem-") as tmp:
            os.environ["INTEGRITA_DATA_DIR"] = tmp
            report = _consume(args)
        report["settings"] = vars(args)
        report["load_average"] = [round(x, 2) for x in os.getloadavg()]
        print(json.dumps(report))
        return
    if args.tracemalloc:
        tracemalloc.start(1)
    with tempfile.TemporaryDirectory(prefix="integrita-stream-mem-") as tmp:
        os.environ["INTEGRITA_DATA_DIR"] = tmp
        from integrita.analytics.ledger_compaction import CompactionPolicy, compact
        from integrita.analytics.ledger_files import read_state
        from integrita.services.core.context import Context
        from integrita.services.core.ledger import open_ledger
        from integrita.services.ingest.stream import append_batch
        from integrita.settings import Settings

        ctx = Context.from_settings(Settings())
        ledger = open_ledger(ctx)
        policy = (
            CompactionPolicy()
            if args.grace_seconds is None
            else CompactionPolicy(grace_seconds=args.grace_seconds)
        )
        start = 0
        if args.preload_days:
            # a ledger spread over many earlier days, a few small files each (ids of their own)
            import pyarrow as pa

            from integrita.analytics.schema import LEDGER_SCHEMA

            first = datetime(2020, 1, 1, tzinfo=UTC)
            for day in range(args.preload_days):
                for part in range(2):
                    rows = [
                        orjson.loads(r)
                        for r in _rows(50, 10**8 + (day * 2 + part) * 50, args.seconds_apart)
                    ]
                    for n, row in enumerate(rows):
                        row["booked_at"] = first + timedelta(days=day, seconds=n)
                    ledger.append_table(pa.Table.from_pylist(rows, schema=LEDGER_SCHEMA))
        if args.preload_retired:
            from integrita.analytics.ledger_files import write_state

            ledger.root.mkdir(parents=True, exist_ok=True)
            state = read_state(ledger.root)
            now = time.time()
            state.retired.update(
                {
                    f"booking_date=2019-01-01/part-{n:012x}-0.parquet": now
                    for n in range(args.preload_retired)
                }
            )
            write_state(ledger.root, state)
        pool = concurrent.futures.ThreadPoolExecutor()  # asyncio.to_thread's default pool
        samples: list[dict[str, Any]] = []
        snapshots: list[tracemalloc.Snapshot] = []
        began = time.perf_counter()
        for n in range(1, args.batches + 1):
            bodies = _rows(args.batch, start, args.seconds_apart)
            start += args.batch
            result = pool.submit(append_batch, ctx, bodies).result()
            if result.partitions and not args.no_compact:
                pool.submit(compact, ledger, partitions=result.partitions, policy=policy).result()
            if args.retire_per_batch and n % 50 == 0:
                _retire(ledger.root, args.retire_per_batch * 50, n)
            if n % args.window == 0 or n == 1:
                gc.collect()
                if args.trim:
                    _malloc_trim()
                files = ledger.files()
                sample: dict[str, Any] = {
                    "batch": n,
                    "seconds": round(time.perf_counter() - began, 1),
                    "rss_mb": round(_rss_mb(os.getpid()) or 0.0, 1),
                    "anon_mb": _anon_mb(),
                    "files": len(files),
                    "days": len({f.parent.name for f in files}),
                    "retired": len(read_state(ledger.root).retired),
                }
                if args.tracemalloc:
                    snapshot = tracemalloc.take_snapshot()
                    sample["traced_mb"] = round(
                        sum(s.size for s in snapshot.statistics("filename")) / 2**20, 2
                    )
                    snapshots.append(snapshot)
                    sample["traced_peak_mb"] = round(tracemalloc.get_traced_memory()[1] / 2**20, 2)
                    tracemalloc.reset_peak()
                samples.append(sample)
                print(json.dumps(sample), file=sys.stderr, flush=True)
        pool.shutdown()
        report: dict[str, Any] = {
            "benchmark": "stream_memory",
            "settings": {k: v for k, v in vars(args).items() if k not in ("tracemalloc",)}
            | {"malloc_arena_max": os.environ.get("MALLOC_ARENA_MAX")},
            "load_average": [round(x, 2) for x in os.getloadavg()],
            "samples": samples,
        }
        later = [s for s in samples if s["batch"] >= args.window]
        if len(later) >= 2:
            batches = later[-1]["batch"] - later[0]["batch"]
            report["rss_mb_per_1000_batches"] = round(
                (later[-1]["rss_mb"] - later[0]["rss_mb"]) * 1000 / batches, 2
            )
            report["files_per_1000_batches"] = round(
                (later[-1]["files"] - later[0]["files"]) * 1000 / batches, 1
            )
        if len(snapshots) >= 3:
            top = snapshots[-1].compare_to(snapshots[1], "lineno")[:8]
            report["tracemalloc_top_growth"] = [
                {"where": str(s.traceback[0]), "kb": round(s.size_diff / 1024, 1)} for s in top
            ]
        print(json.dumps(report))


if __name__ == "__main__":
    main()
