"""Executed transactions from a real NATS JetStream server into the ledger: a consumer killed
with SIGKILL and restarted loses nothing and stores nothing twice; bad messages go to the
dead-letter subject with their reason; a replay from sequence 1 stores nothing new."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import pytest

from integrita.services.core.context import Context
from integrita.services.core.event_loop import run_to_completion
from integrita.services.core.ledger import open_ledger
from integrita.services.ingest import stream
from integrita.settings import Settings
from tests.analytics.test_ledger_compaction import KILL_AT_MERGE_STEP
from tests.conftest import require

NATS = ("127.0.0.1", 4222)
TOTAL = 4000
BAD_EVERY = 400  # message i is bad when i % BAD_EVERY == 7: 10 bad messages


def _nats_up() -> bool:
    try:
        with socket.create_connection(NATS, timeout=1):
            return True
    except OSError:
        return False


def _row(i: int) -> bytes:
    row = {
        "txn_id": f"S{i:08d}",
        "booked_at": (datetime(2026, 12, 1, tzinfo=UTC) + timedelta(seconds=i)).isoformat(),
        "channel": "mobile",
        "kind": "transfer",
        "from_bank": "B001",
        "from_account": f"A{i % 500}",
        "to_bank": "B002",
        "to_account": f"Z{i % 777}",
        "amount_paid_minor": 1000 + i,
        "paid_currency": "CNY",
        "amount_received_minor": 1000 + i,
        "received_currency": "CNY",
        "payment_format": "ACH",
        "counterparty_type": "third_party_personal",
        "cross_border": False,
    }
    if i % BAD_EVERY == 7:
        return (
            b"{not json" if (i // BAD_EVERY) % 2 else orjson.dumps({**row, "paid_currency": "XXX"})
        )
    return orjson.dumps(row)


async def _publish(settings: Settings, rows: list[bytes]) -> None:
    import nats

    nc = await nats.connect(settings.nats_url)
    js = nc.jetstream()
    for start in range(0, len(rows), 1000):
        await asyncio.gather(
            *(js.publish(settings.stream_subject, r) for r in rows[start : start + 1000])
        )
    await nc.close()


async def _dead_letters(settings: Settings) -> list[tuple[int, str, int, bytes]]:
    """(stream sequence, reason, line within the message, the refused line) per dead letter."""
    import nats
    from nats.errors import TimeoutError as NatsTimeout

    nc = await nats.connect(settings.nats_url)
    js = nc.jetstream()
    sub = await js.pull_subscribe(settings.stream_dead_letter_subject, stream=settings.stream_name)
    found: list[tuple[int, str, int, bytes]] = []
    while True:
        try:
            messages = await sub.fetch(100, timeout=1)
        except (NatsTimeout, TimeoutError):
            break
        for m in messages:
            headers = m.headers or {}
            found.append(
                (
                    int(headers[stream.SEQUENCE_HEADER]),
                    headers[stream.REASON_HEADER],
                    int(headers[stream.LINE_HEADER]),
                    m.data,
                )
            )
            await m.ack()
    await nc.close()
    return found


async def _drop_stream(settings: Settings) -> None:
    import nats

    nc = await nats.connect(settings.nats_url)
    try:
        await nc.jetstream().delete_stream(settings.stream_name)
    finally:
        await nc.close()


@pytest.fixture
def streamed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Context]:
    require(_nats_up(), "NATS JetStream is not reachable at 127.0.0.1:4222")
    tag = uuid.uuid4().hex[:10]
    env = {
        "INTEGRITA_DATA_DIR": str(tmp_path / "var"),
        "INTEGRITA_DATABASE_URL": f"sqlite:///{tmp_path / 'var' / 'integrita.db'}",
        "INTEGRITA_STREAM_NAME": f"T{tag}",
        "INTEGRITA_STREAM_SUBJECT": f"t{tag}.executed",
        "INTEGRITA_STREAM_DEAD_LETTER_SUBJECT": f"t{tag}.dead",
        "INTEGRITA_STREAM_BATCH": "300",
        "INTEGRITA_LOG_LEVEL": "WARNING",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    ctx = Context.from_settings(Settings())
    run_to_completion(_ensure(ctx.settings))
    yield ctx
    run_to_completion(_drop_stream(ctx.settings))


async def _ensure(settings: Settings) -> None:
    import nats

    nc = await nats.connect(settings.nats_url)
    try:
        await stream._ensure_stream(nc.jetstream(), settings)
    finally:
        await nc.close()


def _consumer(*args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "integrita.cli.main", "stream", "consume", *args],
        env=dict(os.environ),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _ledger_ids(ctx: Context) -> list[str]:
    return [str(t) for t in open_ledger(ctx).read().column("txn_id").to_pylist()]


@pytest.mark.slow
def test_consumer_killed_mid_stream_and_restarted_loses_nothing_and_duplicates_nothing(
    streamed: Context,
) -> None:
    ctx = streamed
    rows = [_row(i) for i in range(TOTAL)]
    bad = {i + 1 for i in range(TOTAL) if i % BAD_EVERY == 7}  # stream sequences
    run_to_completion(_publish(ctx.settings, rows))
    first = _consumer()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and stream.read_manifest(ctx.settings).batches < 2:
        time.sleep(0.02)
    first.send_signal(signal.SIGKILL)
    first.wait()
    before = stream.read_manifest(ctx.settings)
    assert 0 < before.read < TOTAL, "the kill came before or after the whole stream"
    second = _consumer("--until-idle", "--idle", "3")
    assert second.wait(timeout=180) == 0
    ids = _ledger_ids(ctx)
    assert len(ids) == len(set(ids)) == TOTAL - len(bad)  # no loss, no duplicate
    assert set(ids) == {f"S{i:08d}" for i in range(TOTAL) if i + 1 not in bad}
    totals = stream.read_manifest(ctx.settings)
    assert totals.balanced
    assert totals.stored == TOTAL - len(bad)
    assert totals.last_sequence == TOTAL
    dead = run_to_completion(_dead_letters(ctx.settings))
    assert {seq for seq, *_ in dead} == bad
    assert {line for _, _, line, _ in dead} == {1}
    reasons = {reason for _, reason, *_ in dead}
    assert any(r.startswith("not valid JSON") for r in reasons)
    assert "unknown currency XXX" in reasons
    lag = stream.lag(ctx)
    assert lag is not None and lag.pending == lag.unacknowledged == 0


def test_batch_written_but_not_acknowledged_comes_again_as_duplicates(streamed: Context) -> None:
    ctx = streamed
    rows = [_row(i) for i in range(100)]
    run_to_completion(_publish(ctx.settings, rows))
    written = stream.append_batch(ctx, rows[:60])  # a consumer that died before its ack
    assert (written.stored, [b.message for b in written.bad]) == (59, [7])
    totals = run_to_completion(stream.consume(ctx, until_idle=True, idle_seconds=1.0))
    assert (totals.read, totals.stored, totals.duplicates, totals.dead_lettered) == (100, 40, 59, 1)
    assert len(_ledger_ids(ctx)) == 99
    replay = run_to_completion(stream.consume(ctx, from_seq=1, until_idle=True, idle_seconds=1.0))
    assert (replay.read, replay.stored, replay.duplicates) == (200, 40, 158)
    assert replay.dead_lettered == 2 and replay.balanced
    assert len(_ledger_ids(ctx)) == 99


def test_a_message_of_several_transactions_stores_each_and_dead_letters_only_its_bad_lines(
    streamed: Context,
) -> None:
    ctx = streamed
    first = b"\n".join(_row(i) for i in range(10)) + b"\n"  # line 8 (_row(7)): currency XXX
    second = b"\n".join(
        [*(_row(i) for i in range(10, 15)), _row(407), *(_row(i) for i in range(15, 20))]
    )
    run_to_completion(_publish(ctx.settings, [first, second]))
    totals = run_to_completion(stream.consume(ctx, until_idle=True, idle_seconds=1.0))
    assert (totals.messages, totals.read, totals.stored, totals.dead_lettered) == (2, 21, 19, 2)
    assert totals.balanced
    assert sorted(_ledger_ids(ctx)) == [f"S{i:08d}" for i in range(20) if i != 7]
    dead = sorted(run_to_completion(_dead_letters(ctx.settings)))
    assert [(seq, line, body) for seq, _, line, body in dead] == [
        (1, 8, _row(7)),
        (2, 6, _row(407)),
    ]
    assert dead[0][1] == "unknown currency XXX"
    assert dead[1][1].startswith("not valid JSON")
    again = run_to_completion(stream.consume(ctx, from_seq=1, until_idle=True, idle_seconds=1.0))
    assert (again.read, again.stored, again.duplicates) == (42, 19, 19)  # idempotent per txn_id


_CONSUMER_KILLED_MID_MERGE = (
    KILL_AT_MERGE_STEP
    + """
from integrita.services.core.context import Context
from integrita.services.core.event_loop import run_to_completion
from integrita.services.ingest import stream
from integrita.settings import Settings

run_to_completion(stream.consume(Context.from_settings(Settings())))
"""
)


@pytest.mark.slow
@pytest.mark.parametrize("step", ["in-place", "switched"])
def test_consumer_killed_mid_merge_and_restarted_loses_nothing_and_duplicates_nothing(
    streamed: Context, step: str
) -> None:
    """Every batch lands on the same booking day, so the consumer merges the day's files after
    its fourth batch; it is killed with the merged file written but not yet live, or just after
    the switch, and a new consumer finishes the stream."""
    ctx = streamed
    rows = [_row(i) for i in range(TOTAL)]
    bad = {i + 1 for i in range(TOTAL) if i % BAD_EVERY == 7}
    run_to_completion(_publish(ctx.settings, rows))
    killed = subprocess.run(
        [sys.executable, "-c", _CONSUMER_KILLED_MID_MERGE, step],
        env=dict(os.environ),
        timeout=180,
        check=False,
    )
    assert killed.returncode == -signal.SIGKILL
    assert 0 < stream.read_manifest(ctx.settings).read < TOTAL
    second = _consumer("--until-idle", "--idle", "3")
    assert second.wait(timeout=180) == 0
    ids = _ledger_ids(ctx)
    assert len(ids) == len(set(ids)) == TOTAL - len(bad)
    totals = stream.read_manifest(ctx.settings)
    assert totals.balanced and totals.stored == TOTAL - len(bad)
    ledger = open_ledger(ctx)
    assert len(ledger.files()) < totals.batches  # the day's files were merged


def test_a_batch_validated_while_the_previous_failed_to_store_is_dropped_and_comes_again(
    streamed: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The next batch is validated while one is stored; when storing fails, the consumer stops
    with nothing after the failed batch acknowledged or stored, and no work left behind."""
    ctx = streamed
    rows = [_row(i) for i in range(1000)]  # batches of 300: 300, 300, 300, 100
    run_to_completion(_publish(ctx.settings, rows))
    validated: list[int] = []
    validate, store = stream.validate_batch, stream.store_batch

    def counting_validate(ctx_: Context, bodies: list[bytes]) -> stream.ValidatedBatch:
        validated.append(len(bodies))
        return validate(ctx_, bodies)

    def failing_store(ctx_: Context, batch: stream.ValidatedBatch) -> stream.BatchResult:
        if not stream.read_manifest(ctx_.settings).batches:
            return store(ctx_, batch)
        time.sleep(0.5)  # the third batch is fetched and validated meanwhile
        batch.discard()
        raise OSError("disk full")

    monkeypatch.setattr(stream, "validate_batch", counting_validate)
    monkeypatch.setattr(stream, "store_batch", failing_store)
    with pytest.raises(OSError, match="disk full"):
        run_to_completion(stream.consume(ctx, until_idle=True, idle_seconds=1.0))
    assert validated == [300, 300, 300]
    assert list((ctx.settings.data_dir / "work").glob("stream-*")) == []
    first = stream.read_manifest(ctx.settings)
    assert (first.batches, first.read, first.stored, first.last_sequence) == (1, 300, 299, 300)
    assert len(_ledger_ids(ctx)) == 299
    monkeypatch.setattr(stream, "store_batch", store)
    totals = run_to_completion(stream.consume(ctx, until_idle=True, idle_seconds=1.0))
    assert (totals.read, totals.stored, totals.duplicates) == (1000, 997, 0)
    assert totals.balanced and totals.last_sequence == 1000
    ids = _ledger_ids(ctx)
    assert len(ids) == len(set(ids)) == 997


async def _fetch_while_trickling(settings: Settings, linger: float) -> int:
    """Messages in one fetch of up to 100 when 5 are ready and 5 more come 0.2 s later."""
    import nats

    await _publish(settings, [_row(i) for i in range(5)])
    nc = stream._StreamClient()
    await nc.connect(settings.nats_url)
    try:
        js = nc.jetstream()
        await js.add_consumer(settings.stream_name, stream._consumer_config(settings, None))
        puller = stream._Puller(nc, settings.stream_name, settings.stream_consumer)
        await puller.start()

        async def later() -> None:
            await asyncio.sleep(0.2)
            late = await nats.connect(settings.nats_url)
            for i in range(5, 10):
                await late.jetstream().publish(settings.stream_subject, _row(i))
            await late.close()

        trickle = asyncio.ensure_future(later())
        delivery = await puller.fetch(100, 1.0, linger)
        await trickle
        return len(delivery.bodies)
    finally:
        await nc.close()


def test_a_slow_stream_is_appended_in_fewer_larger_batches(streamed: Context) -> None:
    """With a linger the batch waits for the messages that trickle in; without, it takes what is
    ready (each batch costs a ledger file, an index commit and a merge check)."""
    assert run_to_completion(_fetch_while_trickling(streamed.settings, 3.0)) == 10


def test_without_a_linger_a_fetch_takes_what_is_ready(streamed: Context) -> None:
    assert run_to_completion(_fetch_while_trickling(streamed.settings, 0.0)) == 5
