"""Executed transactions streamed from NATS JetStream into the Parquet ledger, exactly once.

A message holds one canonical transaction as a JSON object, or several, one per line (JSON
lines: a payment system that batches sends fewer, larger messages). A durable pull consumer
fetches a batch (at most ``stream_batch`` messages; the server holds back more than
``stream_max_in_flight`` unacknowledged ones: back-pressure); while one batch is stored, the
next is validated and the one after fetched. The batch's lines cross the same strict boundary
as a file (``analytics.staging.stage`` on canonical JSON lines, parsed by Arrow as one block;
nothing reaches the ledger there, so it may run ahead), its valid
rows are appended to the ledger once per ``txn_id`` (a redelivered message is a counted
duplicate, never a second row) with the new files and directories flushed to disk, refused
transactions are republished on the dead-letter subject with their reason, stream sequence and
line, a manifest records the counts (flushed too), and only then is the batch acknowledged. A
consumer killed at any point leaves its batch unacknowledged: JetStream delivers it again and
the ledger's ``txn_id`` key drops what was already stored.

Reconciliation: ``read = stored + duplicates + dead_lettered`` (transactions) per batch and in
total.
"""

from __future__ import annotations

import asyncio
import contextlib
import operator
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import nats
import orjson
from nats.aio.client import Client as NatsClient
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription
from nats.errors import TimeoutError as NatsTimeout
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy, StreamConfig
from nats.js.errors import NotFoundError

from integrita.analytics.ledger import fsync_path
from integrita.analytics.sources import BadRow, Layout, jsonl_line_count
from integrita.analytics.staging import StagedFile, ledger_source, stage
from integrita.services.core.context import Context
from integrita.services.core.event_loop import run_to_completion
from integrita.services.core.ledger import compact_ledger, open_ledger
from integrita.settings import Settings

REASON_HEADER = "Integrita-Reason"
SEQUENCE_HEADER = "Integrita-Stream-Sequence"
LINE_HEADER = "Integrita-Line"


@dataclass(slots=True)
class StreamTotals:
    """What the consumer did: every transaction read is stored, a duplicate or dead-lettered."""

    read: int = 0  # transactions: lines of the messages
    stored: int = 0
    duplicates: int = 0
    dead_lettered: int = 0
    batches: int = 0
    last_sequence: int = 0
    messages: int = 0

    @property
    def balanced(self) -> bool:
        return self.read == self.stored + self.duplicates + self.dead_lettered


@dataclass(frozen=True, slots=True)
class BadLine:
    """A transaction refused at the boundary: which message, which line of it, and why."""

    message: int  # index in the batch
    line: int  # 1-based line within the message
    reason: str


@dataclass(frozen=True, slots=True)
class BatchResult:
    read: int  # transactions (lines) in the batch's messages
    stored: int
    duplicates: int
    bad: list[BadLine]
    partitions: tuple[str, ...] = ()  # ledger partitions that received a file


def manifest_path(settings: Settings) -> Path:
    return settings.resolved_ledger_dir.parent / "stream" / f"{settings.stream_name}.json"


def read_manifest(settings: Settings) -> StreamTotals:
    path = manifest_path(settings)
    if not path.exists():
        return StreamTotals()
    return StreamTotals(**orjson.loads(path.read_bytes()))


def _write_manifest(settings: Settings, totals: StreamTotals) -> None:
    """Replace the manifest atomically and durably (data, then the directory entry)."""
    path = manifest_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(orjson.dumps(asdict(totals)))
    fsync_path(tmp)
    tmp.replace(path)
    fsync_path(path.parent)


def _block(bodies: list[bytes]) -> bytes:
    """The messages as one block of JSON lines (a message holds one or more lines)."""
    if not any(map(_ends_line, bodies)):  # the usual case, without a Python loop per message
        return b"\n".join(bodies) + b"\n"
    return b"\n".join(b[:-1] if b.endswith(b"\n") else b for b in bodies) + b"\n"


_ends_line = operator.methodcaller("endswith", b"\n")


def _message_of(bodies: list[bytes], lines: list[int]) -> list[tuple[int, int]]:
    """For sorted 1-based block lines: (index of the message, 1-based line within it)."""
    found: list[tuple[int, int]] = []
    first = 1  # block line of the current message's first line
    wanted = iter(lines)
    line = next(wanted, None)
    for index, body in enumerate(bodies):
        count = jsonl_line_count(body) or 1  # an empty message is one (blank, bad) line
        while line is not None and line < first + count:
            found.append((index, line - first + 1))
            line = next(wanted, None)
        if line is None:
            break
        first += count
    return found


@dataclass(slots=True)
class ValidatedBatch:
    """A batch's messages checked at the boundary and staged in a work directory of their own:
    nothing of it is in the ledger yet, so it may be validated while the previous batch is
    being stored."""

    bodies: list[bytes]
    work: Path
    staged: StagedFile
    bad: list[BadRow]

    def discard(self) -> None:
        shutil.rmtree(self.work, ignore_errors=True)


def validate_batch(ctx: Context, bodies: list[bytes]) -> ValidatedBatch:
    """Check messages as canonical transactions (``store_batch`` appends the valid ones)."""
    root = ctx.settings.data_dir / "work"
    root.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="stream-", dir=root))
    bad: list[BadRow] = []
    try:
        staged = stage(_block(bodies), Layout.CANONICAL_JSONL, work / "staged.parquet", bad.extend)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return ValidatedBatch(bodies, work, staged, bad)


def store_batch(ctx: Context, batch: ValidatedBatch) -> BatchResult:
    """Append a validated batch's valid transactions to the ledger durably, once per id."""
    staged = batch.staged
    try:
        appended = open_ledger(ctx).append_query(
            ledger_source(staged),
            offered=staged.valid,
            distinct=staged.repeated_ids == 0,
            durable=True,
        )
    finally:
        batch.discard()
    bad = sorted(batch.bad, key=lambda row: row.line)
    where = _message_of(batch.bodies, [row.line for row in bad])
    return BatchResult(
        read=staged.rows_read,
        stored=appended.stored,
        duplicates=staged.valid - appended.stored,
        bad=[BadLine(m, n, row.reason) for (m, n), row in zip(where, bad, strict=True)],
        partitions=appended.partitions,
    )


def append_batch(ctx: Context, bodies: list[bytes]) -> BatchResult:
    """Validate messages as canonical transactions and append the valid ones durably."""
    return store_batch(ctx, validate_batch(ctx, bodies))


async def _ensure_stream(js: JetStreamContext, s: Settings) -> None:
    try:
        await js.stream_info(s.stream_name)
    except NotFoundError:
        await js.add_stream(
            StreamConfig(
                name=s.stream_name, subjects=[s.stream_subject, s.stream_dead_letter_subject]
            )
        )


def _consumer_config(s: Settings, from_seq: int | None) -> ConsumerConfig:
    return ConsumerConfig(
        durable_name=s.stream_consumer,
        filter_subject=s.stream_subject,
        ack_policy=AckPolicy.ALL,
        ack_wait=120,
        max_ack_pending=s.stream_max_in_flight,
        deliver_policy=DeliverPolicy.BY_START_SEQUENCE if from_seq else DeliverPolicy.ALL,
        opt_start_seq=from_seq,
    )


async def _resume_point(js: JetStreamContext, s: Settings) -> int | None:
    """Where to resume after a consumer died holding unacknowledged messages: just after the
    acknowledged floor. JetStream would redeliver them only after ``ack_wait``, and an
    acknowledgement of a later message (AckPolicy.ALL) would acknowledge them unread; the
    ledger's ``txn_id`` key makes the repeat harmless. One consumer process runs at a time."""
    try:
        info = await js.consumer_info(s.stream_name, s.stream_consumer)
    except NotFoundError:
        return None
    if not info.num_ack_pending:
        return None
    floor = info.ack_floor.stream_seq if info.ack_floor is not None else 0
    return int(floor or 0) + 1


async def _dead_letter(js: JetStreamContext, s: Settings, message: Msg, bad: BadLine) -> None:
    """Republish a refused transaction (its line of the message) with the reason and where it
    came from."""
    lines = message.data.split(b"\n")
    await js.publish(
        s.stream_dead_letter_subject,
        lines[bad.line - 1] if bad.line <= len(lines) else message.data,
        headers={
            REASON_HEADER: bad.reason[:500],
            SEQUENCE_HEADER: str(message.metadata.sequence.stream),
            LINE_HEADER: str(bad.line),
        },
    )


class _StreamClient(NatsClient):
    """A NATS client that hands the messages of one inbox to a plain function.

    nats-py builds a ``Msg``, queues it and wakes a task for every message it receives: about
    7 microseconds of CPU per message, measured, more than validating and storing the
    transaction it carries, and spent on the event loop's thread while the previous batch is
    appended on the other (``docs/benchmarks.md``, "stream"). The pull consumer's answers
    (``_Puller``) need none of that: their bodies and reply subjects are kept as they are
    parsed (2.9 microseconds), and a ``Msg`` is built only for the few a batch acknowledges or
    dead-letters. Every other subscription (replies to requests, acknowledgements) goes
    through nats-py as usual.
    """

    def __init__(self) -> None:
        super().__init__()
        self._diverted_sid = -1
        self._diverted_sink: Callable[[bytes, bytes, bytes, bytes | None], None] | None = None

    def divert(
        self, subscription: Subscription, sink: Callable[[bytes, bytes, bytes, bytes | None], None]
    ) -> None:
        """Hand the messages of ``subscription`` to ``sink(subject, reply, data, headers)``
        (JetStream delivers a message under its own subject: the subscription is told by its
        id)."""
        self._diverted_sid, self._diverted_sink = subscription._id, sink

    async def _process_msg(  # nats-py's per-message entry point (nats-py==2.16.0)
        self, sid: int, subject: bytes, reply: bytes, data: bytes, headers: bytes | None
    ) -> None:
        if sid == self._diverted_sid and self._diverted_sink is not None:
            self._diverted_sink(subject, reply, data, headers)
            return
        # nats-py passes None for a message without headers, though it annotates bytes
        await super()._process_msg(sid, subject, reply, data, headers)  # type: ignore[arg-type]


def _status(headers: bytes | None) -> str | None:
    """The status code of a JetStream status message (``NATS/1.0 404 No Messages``), None for
    a message without one."""
    if not headers:
        return None
    first = headers.split(b"\r\n", 1)[0].split()
    return first[1].decode() if len(first) > 1 else None


@dataclass(slots=True)
class Delivery:
    """A batch of messages as fetched: bodies and reply subjects (the reply subject names the
    message's stream sequence and acknowledges it)."""

    client: NatsClient
    bodies: list[bytes]
    replies: list[bytes]

    def message(self, index: int) -> Msg:
        """The ``index``-th message as nats-py's ``Msg`` (to acknowledge or dead-letter it)."""
        return Msg(_client=self.client, reply=self.replies[index].decode(), data=self.bodies[index])


#: A pull request's shortest wait; below it, the messages ready now are taken.
_SHORTEST_WAIT = 0.01


class _Puller:
    """Pull requests for the durable consumer, answered into one inbox.

    nats-py's ``fetch`` spends a task and a timer on every message it hands over; here the
    client hands the inbox's messages straight to ``_on_message`` (``_StreamClient``;
    JetStream's pull protocol: a request on ``$JS.API.CONSUMER.MSG.NEXT.<stream>.<consumer>``
    naming the batch, answered by the messages and, when fewer are available, a status
    message). Each request has its own reply subject, so a late status from an earlier one
    cannot end a later one; late messages are kept, as they are delivered and await their
    acknowledgement like any other.
    """

    def __init__(self, nc: _StreamClient, stream: str, consumer: str) -> None:
        self._nc = nc
        self._next = f"$JS.API.CONSUMER.MSG.NEXT.{stream}.{consumer}"
        self._inbox = nc.new_inbox()
        self._request = 0
        self._request_subject = b""
        self._want = 0
        self._bodies: list[bytes] = []
        self._replies: list[bytes] = []
        self._done = asyncio.Event()

    async def start(self) -> None:
        # no request is out yet, so no message comes before the diversion
        self._nc.divert(await self._nc.subscribe(f"{self._inbox}.*"), self._on_message)

    def _on_message(self, subject: bytes, reply: bytes, data: bytes, headers: bytes | None) -> None:
        if not data:
            status = _status(headers)
            if status is not None:
                # 404 no messages, 408 request expired, 409 limits; 100 is a heartbeat
                if subject == self._request_subject and status != "100":
                    self._done.set()
                return
        self._bodies.append(data)
        self._replies.append(reply)
        if len(self._bodies) >= self._want:
            self._done.set()

    async def _pull(self, want: int, wait: float | None) -> tuple[list[bytes], list[bytes]]:
        """Up to ``want`` messages: those ready now, or (``wait``) the first within that time."""
        self._request += 1
        reply = f"{self._inbox}.{self._request}"
        self._request_subject = reply.encode()
        self._want, self._done = want, asyncio.Event()
        ask: dict[str, object] = {"batch": want}
        if wait is None:
            ask["no_wait"] = True
        else:
            ask["expires"] = int(wait * 1e9)
        await self._nc.publish(self._next, orjson.dumps(ask), reply=reply)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._done.wait(), (wait or 0) + 5)
        got = self._bodies, self._replies
        self._bodies, self._replies = [], []
        return got

    async def fetch(self, want: int, wait: float, linger: float = 0.0) -> Delivery:
        """Up to ``want`` messages: wait ``wait`` seconds for the first, then up to ``linger``
        seconds more for the batch to fill (a busy stream fills it at once; a slow one is
        appended in fewer, larger batches instead of one per trickle: each batch costs a ledger
        file, an index commit and a merge check; the 30-minute soak's 2,000 transactions/s came
        in 7,773 batches without the linger and 1,397 with one second of it)."""
        bodies, replies = await self._pull(want, None)
        if not bodies:
            bodies, replies = await self._pull(1, wait)
        until = asyncio.get_running_loop().time() + linger
        while bodies and len(bodies) < want:
            left = until - asyncio.get_running_loop().time()
            lingering = left >= _SHORTEST_WAIT
            more, more_replies = await self._pull(want - len(bodies), left if lingering else None)
            if not more and not lingering:
                break
            bodies += more
            replies += more_replies
        return Delivery(self._nc, bodies, replies)


def _validating(ctx: Context, delivery: Delivery) -> asyncio.Future[ValidatedBatch]:
    """Validate a delivery's messages on a worker thread."""
    return asyncio.ensure_future(asyncio.to_thread(validate_batch, ctx, delivery.bodies))


def _fetched(fetching: asyncio.Future[Delivery]) -> bool:
    """Whether a fetch has brought messages; an empty or failed one is left for the loop to
    see once the batch being stored is acknowledged."""
    return (
        fetching.done()
        and not fetching.cancelled()
        and fetching.exception() is None
        and bool(fetching.result().bodies)
    )


async def _discard(validating: asyncio.Future[ValidatedBatch]) -> None:
    """Wait for a validation that will not be stored, and drop its work directory."""
    with contextlib.suppress(Exception, asyncio.CancelledError):
        (await validating).discard()


async def consume(
    ctx: Context,
    *,
    from_seq: int | None = None,
    until_idle: bool = False,
    idle_seconds: float = 2.0,
    on_batch: Callable[[StreamTotals], None] | None = None,
) -> StreamTotals:
    """Append streamed transactions to the ledger until stopped (or until the stream has
    been idle for ``idle_seconds`` with ``until_idle``). ``from_seq`` replays from that stream
    sequence (the durable consumer is recreated there; what is stored already is a duplicate)."""
    s = ctx.settings
    totals = read_manifest(s)
    nc = _StreamClient()
    await nc.connect(s.nats_url, connect_timeout=5, max_reconnect_attempts=3)
    try:
        js = nc.jetstream()
        await _ensure_stream(js, s)
        if from_seq is None:
            from_seq = await _resume_point(js, s)
        if from_seq is not None:
            with contextlib.suppress(NotFoundError):
                await js.delete_consumer(s.stream_name, s.stream_consumer)
        try:
            await js.consumer_info(s.stream_name, s.stream_consumer)
        except NotFoundError:
            await js.add_consumer(s.stream_name, _consumer_config(s, from_seq))
        puller = _Puller(nc, s.stream_name, s.stream_consumer)
        await puller.start()
        want, wait = s.stream_batch, idle_seconds if until_idle else 5.0
        linger = s.stream_linger_seconds
        # Three batches move at once: one is stored (appended, its manifest written, then
        # acknowledged), the next is validated meanwhile (nothing of it reaches the ledger
        # before its turn), and the one after is fetched. Batches are still stored and
        # acknowledged one after another, in order; a validated batch not yet stored is
        # discarded when the consumer stops (it was not acknowledged: it comes again).
        fetching = asyncio.ensure_future(puller.fetch(want, wait, linger))
        ready: tuple[Delivery, asyncio.Future[ValidatedBatch]] | None = None
        try:
            while True:
                if ready is None:
                    delivery = await fetching
                    if not delivery.bodies:
                        if until_idle:
                            return totals
                        fetching = asyncio.ensure_future(puller.fetch(want, wait, linger))
                        continue
                    fetching = asyncio.ensure_future(puller.fetch(want, wait, linger))
                    ready = delivery, _validating(ctx, delivery)
                delivery, validating = ready
                validated = await validating  # (a consumer stopped here discards it)
                ready = None
                storing = asyncio.ensure_future(asyncio.to_thread(store_batch, ctx, validated))
                await asyncio.wait({storing, fetching}, return_when=asyncio.FIRST_COMPLETED)
                if _fetched(fetching):
                    following = fetching.result()
                    fetching = asyncio.ensure_future(puller.fetch(want, wait, linger))
                    ready = following, _validating(ctx, following)
                result = await storing
                for bad in result.bad:
                    await _dead_letter(js, s, delivery.message(bad.message), bad)
                last = delivery.message(len(delivery.bodies) - 1)
                totals.messages += len(delivery.bodies)
                totals.read += result.read
                totals.stored += result.stored
                totals.duplicates += result.duplicates
                totals.dead_lettered += len(result.bad)
                totals.batches += 1
                totals.last_sequence = last.metadata.sequence.stream
                await asyncio.to_thread(_write_manifest, s, totals)
                await last.ack_sync()  # acknowledges the whole batch (AckPolicy.ALL)
                if result.partitions:
                    # a file per batch and day: merge a day's small files once there are a few
                    # (after the acknowledgement, which does not wait for it; the next batch is
                    # being validated meanwhile)
                    await asyncio.to_thread(compact_ledger, ctx, partitions=result.partitions)
                if on_batch is not None:
                    on_batch(totals)
        finally:
            fetching.cancel()
            with contextlib.suppress(asyncio.CancelledError, NatsTimeout, TimeoutError):
                await fetching
            if ready is not None:
                await _discard(ready[1])
    finally:
        await nc.close()


@dataclass(frozen=True, slots=True)
class StreamLag:
    """How far the ledger is behind the transaction stream (``integrita ledger stats`` and the
    compliance overview show it)."""

    stream: str
    pending: int  # in the stream, not yet delivered to the consumer
    unacknowledged: int  # delivered, not yet acknowledged (being appended)
    last_sequence: int  # the stream's last sequence

    @property
    def behind(self) -> int:
        """Messages not yet in the ledger."""
        return self.pending + self.unacknowledged

    @property
    def text(self) -> str:
        return (
            f"{self.behind:,} message(s) not yet in the ledger ({self.unacknowledged:,} being "
            f"appended; stream at sequence {self.last_sequence:,})"
        )


async def _lag(s: Settings) -> StreamLag | None:
    nc = await nats.connect(s.nats_url, connect_timeout=1, max_reconnect_attempts=0)
    try:
        js = nc.jetstream()
        stream = await js.stream_info(s.stream_name)
        try:
            info = await js.consumer_info(s.stream_name, s.stream_consumer)
        except NotFoundError:
            return StreamLag(s.stream_name, stream.state.messages, 0, stream.state.last_seq)
        return StreamLag(
            s.stream_name, info.num_pending or 0, info.num_ack_pending or 0, stream.state.last_seq
        )
    finally:
        await nc.close()


def lag(ctx: Context) -> StreamLag | None:
    """How far the ledger consumer is behind the stream; None when NATS or the stream is not
    there (a bank that does not stream)."""
    try:
        return run_to_completion(asyncio.wait_for(_lag(ctx.settings), timeout=3))
    except (OSError, TimeoutError, NotFoundError, nats.errors.Error):
        return None
