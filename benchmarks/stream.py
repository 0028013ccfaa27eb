"""Streamed transactions into the ledger; prints one JSON object.

Publishes ``--count`` canonical transactions to a fresh JetStream stream on the local NATS
server (127.0.0.1:4222), then runs the ledger consumer (``integrita stream consume``'s
``stream.consume``, in this process) until the stream is drained: transactions/s from the
consumer's start to its last acknowledged batch (the idle wait at the end is not counted).
``--per-message N`` publishes N transactions per message as JSON lines (a payment system that
batches); ``--batch`` counts messages per ledger append. The consumer stores a batch while it
validates the next and fetches the one after, so ``seconds_validating`` (in the worker threads)
overlaps ``seconds_storing``, and ``seconds_not_storing`` is the time the ledger waited for
something else (the first fetch and validation, the manifests, the acknowledgements, merges). ``consumer_cpu_seconds`` (every thread
of the process, including the idle wait at the end) depends far less on other work on the
machine than the wall-clock figures.

Usage: ``PYTHONPATH=src:. python benchmarks/stream.py [--count 300000] [--batch 50000]
[--per-message 1] [--in-flight 2]``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import orjson

if TYPE_CHECKING:
    from nats.js import JetStreamContext

    from integrita.settings import Settings


def _rows(n: int, start: int = 0, apart: float = 7) -> list[bytes]:
    """``n`` canonical transactions with the ids ``start`` .. ``start + n - 1``, booked
    ``apart`` seconds apart."""
    base = datetime(2026, 11, 1, tzinfo=UTC)
    return [
        orjson.dumps(
            {
                "txn_id": f"B{i:09d}",
                "booked_at": (base + timedelta(seconds=i * apart)).isoformat(),
                "channel": "mobile",
                "kind": "transfer",
                "from_bank": "B001",
                "from_account": f"A{i % 20000}",
                "to_bank": "B002",
                "to_account": f"Z{(i * 7) % 50000}",
                "amount_paid_minor": 1000 + i % 100000,
                "paid_currency": "CNY",
                "amount_received_minor": 1000 + i % 100000,
                "received_currency": "CNY",
                "payment_format": "ACH",
                "counterparty_type": "third_party_personal",
                "cross_border": False,
            }
        )
        for i in range(start, start + n)
    ]


async def publish_rows(js: JetStreamContext, subject: str, rows: list[bytes]) -> None:
    """Publish ``rows`` and wait for the stream's acknowledgement of each, 5,000 in flight."""
    for start in range(0, len(rows), 5000):
        await asyncio.gather(
            *(js.publish(subject, r, timeout=60) for r in rows[start : start + 5000])
        )


async def _publish(url: str, subject: str, rows: list[bytes]) -> float:
    import nats

    nc = await nats.connect(url)
    started = time.perf_counter()
    await publish_rows(nc.jetstream(), subject, rows)
    elapsed = time.perf_counter() - started
    await nc.close()
    return elapsed


async def drop_stream(url: str, name: str) -> None:
    import nats

    nc = await nats.connect(url)
    try:
        await nc.jetstream().delete_stream(name)
    finally:
        await nc.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=300_000)
    parser.add_argument("--batch", type=int, default=50_000)
    parser.add_argument("--per-message", type=int, default=1)
    parser.add_argument(
        "--in-flight", type=int, default=2, help="unacknowledged messages allowed, in batches"
    )
    args = parser.parse_args()
    tag = uuid.uuid4().hex[:8]
    with tempfile.TemporaryDirectory(prefix="integrita-stream-bench-") as tmp:
        os.environ.update(
            {
                "INTEGRITA_DATA_DIR": tmp,
                "INTEGRITA_STREAM_NAME": f"BENCH{tag}",
                "INTEGRITA_STREAM_SUBJECT": f"bench{tag}.executed",
                "INTEGRITA_STREAM_DEAD_LETTER_SUBJECT": f"bench{tag}.dead",
                "INTEGRITA_STREAM_BATCH": str(args.batch),
                "INTEGRITA_STREAM_MAX_IN_FLIGHT": str(args.batch * args.in_flight),
            }
        )
        from integrita.services.core.context import Context
        from integrita.services.core.ledger import open_ledger
        from integrita.services.ingest import stream
        from integrita.settings import Settings

        ctx = Context.from_settings(Settings())
        s = ctx.settings
        lines = _rows(args.count)
        rows = [
            b"\n".join(lines[i : i + args.per_message])
            for i in range(0, len(lines), args.per_message)
        ]
        try:
            asyncio.run(ensure_stream(s))
            published = asyncio.run(_publish(s.nats_url, s.stream_subject, rows))
            marks: list[float] = []
            spent = {"validating": 0.0, "storing": 0.0}

            def timed(name: str, step: Callable[[Context, Any], Any]) -> Callable[..., Any]:
                def run(ctx_: Context, batch: Any) -> Any:
                    t0 = time.perf_counter()
                    try:
                        return step(ctx_, batch)
                    finally:
                        spent[name] += time.perf_counter() - t0

                return run

            stream.validate_batch = timed("validating", stream.validate_batch)
            stream.store_batch = timed("storing", stream.store_batch)
            started = time.perf_counter()
            cpu_started = time.process_time()
            totals = asyncio.run(
                stream.consume(
                    ctx,
                    until_idle=True,
                    idle_seconds=2.0,
                    on_batch=lambda _t: marks.append(time.perf_counter()),
                )
            )
            elapsed = marks[-1] - started
            cpu = time.process_time() - cpu_started
            stored = open_ledger(ctx).count()
        finally:
            asyncio.run(drop_stream(s.nats_url, s.stream_name))
    print(
        json.dumps(
            {
                "transactions": args.count,
                "batch": args.batch,
                "per_message": args.per_message,
                "messages": totals.messages,
                "publish_seconds": round(published, 2),
                "consume_seconds": round(elapsed, 2),
                "transactions_per_second_into_ledger": round(totals.stored / elapsed, 1),
                "seconds_validating": round(spent["validating"], 2),
                "seconds_storing": round(spent["storing"], 2),
                "seconds_not_storing": round(elapsed - spent["storing"], 2),
                "consumer_cpu_seconds": round(cpu, 2),
                "cpu_microseconds_per_transaction": round(cpu / max(totals.read, 1) * 1e6, 1),
                "stored": totals.stored,
                "in_ledger": stored,
                "duplicates": totals.duplicates,
                "dead_lettered": totals.dead_lettered,
                "batches": totals.batches,
                "load_average": os.getloadavg(),
            }
        )
    )


async def ensure_stream(settings: Settings) -> None:
    """Create the stream of ``settings`` (with its subjects) when it is missing."""
    import nats

    from integrita.services.ingest import stream

    nc = await nats.connect(settings.nats_url)
    try:
        await stream._ensure_stream(nc.jetstream(), settings)
    finally:
        await nc.close()


if __name__ == "__main__":
    main()
