"""Group commit for payment decisions: one transaction per batch of payments.

Under load, payments that arrive while a transaction is being committed wait for the next
one, and that next transaction decides all of them together: the cost of a commit (and of
each query) is shared, while no answer is given before its decision is stored. With one
payment in flight the batch is that payment alone, so a quiet system answers as fast as a
transaction per payment would.

A batch for an event loop runs on that loop. SQLite takes one writer at a time and does its
work on the CPU, so the loop runs the batch between two rounds of network reads. PostgreSQL
spends most of a batch waiting on the network, so the loop runs batches on connections of
its own (:class:`~integrita.store.async_driver.AsyncConnections`), one batch per connection
at a time, and serves requests while they wait; payments that arrive while every connection
is busy form the next batch. Writer threads would do the same waiting, but each round trip
would end in a wait for the interpreter lock held by the loop, and each answer would cross
back to the loop (measured the same hour at 1,000 requests/s: p99 20.3 ms and 0.76 ms of
server CPU per decision on threads in two processes, 11.2 ms and 0.58 ms on the loop's
connections in one; see docs/benchmarks.md). Synchronous callers (:meth:`DecisionWriter.submit`) use writer threads,
several on PostgreSQL; a thread that was idle waits a few milliseconds for more payments, as
the loop does.
"""

from __future__ import annotations

import asyncio
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

from integrita.logging import get_logger
from integrita.services.context import Context
from integrita.services.realtime import decisions
from integrita.services.realtime.payments import PaymentRequest
from integrita.store.async_driver import AsyncConnections

log = get_logger(__name__)

#: A payment, where its answer goes (a thread's or an event loop's future) and that loop.
_Item = tuple[PaymentRequest, Any, asyncio.AbstractEventLoop | None]

#: Writer threads on PostgreSQL: enough for one batch to be decided while another one waits
#: on its round trips and commit, few enough not to fight over the interpreter lock.
POSTGRES_WRITERS = 2
#: Connections of an event loop on PostgreSQL: one batch waits on the database while the
#: next one is decided.
LOOP_CONNECTIONS = 2
#: How long a batch waits for more payments after its first (on the event loop always, on a
#: writer thread when it was idle): at 1,000 payments a second it then holds a few, whose
#: shared commit and queries cost less than the wait (measured: p99 at 1,000 requests/s from
#: 250 ms down to about 22 ms on SQLite).
GATHER_SECONDS = 0.004


def _settle(waiter: Any, outcome: decisions.Outcome | BaseException) -> None:
    if waiter.done():  # an event loop's future is cancelled when its client went away
        return
    if isinstance(outcome, BaseException):
        waiter.set_exception(outcome)
    else:
        waiter.set_result(outcome)


def _settle_all(settled: list[tuple[Any, decisions.Outcome | BaseException]]) -> None:
    for waiter, outcome in settled:
        _settle(waiter, outcome)


def _decide(ctx: Context, requests: list[PaymentRequest]) -> list[Any]:
    """The batch's outcomes in order; a failed transaction gives every payment its error."""
    try:
        return list(decisions.decide_many(ctx, requests))
    except Exception as exc:
        log.warning("decision batch failed", extra={"size": len(requests), "error": str(exc)})
        return [exc] * len(requests)


class _PostgresLoopLane:
    """Batches of one event loop on PostgreSQL, each on a connection of the loop's own."""

    def __init__(
        self,
        ctx: Context,
        loop: asyncio.AbstractEventLoop,
        max_batch: int,
        count: Callable[[int], None],
    ) -> None:
        self.loop = loop
        self._count = count
        self.connections = AsyncConnections(ctx.db, size=LOOP_CONNECTIONS)
        self._ctx = ctx
        self._max_batch = max_batch
        self._pending: list[tuple[PaymentRequest, asyncio.Future[dict[str, Any]]]] = []
        self._running: set[asyncio.Task[None]] = set()
        self._gathering = False

    def add(self, request: PaymentRequest, future: asyncio.Future[dict[str, Any]]) -> None:
        self._pending.append((request, future))
        if not self._gathering and len(self._running) < self.connections.size:
            # a free connection: wait a little for company, as an idle writer thread does
            self._gathering = True
            self.loop.call_later(GATHER_SECONDS, self._start)

    def _start(self) -> None:
        self._gathering = False
        while self._pending and len(self._running) < self.connections.size:
            batch = self._pending[: self._max_batch]
            del self._pending[: self._max_batch]
            task = self.loop.create_task(self._decide(batch))
            self._running.add(task)
            task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._running.discard(task)
        if self._pending and not self._gathering:  # these waited for a connection already
            self._start()

    async def _decide(
        self, batch: list[tuple[PaymentRequest, asyncio.Future[dict[str, Any]]]]
    ) -> None:
        requests = [r for r, _ in batch]
        outcomes: list[Any]
        try:
            outcomes = await decisions.decide_many_on(self._ctx, self.connections, requests)
        except Exception as exc:
            log.warning("decision batch failed", extra={"size": len(batch), "error": str(exc)})
            outcomes = [exc] * len(batch)
        self._count(len(batch))
        _settle_all([(f, o) for (_, f), o in zip(batch, outcomes, strict=True)])


class DecisionWriter:
    """Takes payments from any thread or event loop and decides them in batches."""

    def __init__(self, ctx: Context, *, max_batch: int = 256, threads: int | None = None) -> None:
        self._ctx = ctx
        self._max_batch = max_batch
        self._threads_wanted = threads or (1 if ctx.db.is_sqlite else POSTGRES_WRITERS)
        self._on_loop = ctx.db.is_sqlite
        self._queue: queue.SimpleQueue[_Item | None] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._start_lock = threading.Lock()
        self._loop_batch: list[tuple[PaymentRequest, asyncio.Future[dict[str, Any]]]] = []
        self._lane: _PostgresLoopLane | None = None
        self._count_lock = threading.Lock()
        self.batches = 0
        self.decided = 0

    # -- writer threads ------------------------------------------------------------------------
    def _ensure_started(self) -> None:
        if self._threads:
            return
        with self._start_lock:
            while len(self._threads) < self._threads_wanted:
                thread = threading.Thread(
                    target=self._run, name="integrita-decision-writer", daemon=True
                )
                thread.start()
                self._threads.append(thread)

    def submit(self, request: PaymentRequest) -> Future[dict[str, Any]]:
        """Queue one payment; the future resolves once its decision is committed."""
        self._ensure_started()
        future: Future[dict[str, Any]] = Future()
        self._queue.put((request, future, None))
        return future

    def _take_batch(self, first: _Item, gather: bool) -> tuple[list[_Item], bool]:
        """``first`` and what is queued behind it; ``gather``: wait GATHER_SECONDS for more
        (the thread was idle, so a batch of one would pay a whole transaction alone)."""
        batch = [first]
        deadline = time.monotonic() + GATHER_SECONDS if gather else 0.0
        while len(batch) < self._max_batch:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                wait = deadline - time.monotonic()
                if wait <= 0:
                    break
                try:
                    item = self._queue.get(timeout=wait)
                except queue.Empty:
                    break
            if item is None:
                return batch, True
            batch.append(item)
        return batch, False

    def _count(self, size: int) -> None:
        with self._count_lock:
            self.batches += 1
            self.decided += size

    def _run(self) -> None:
        stopping = False
        while not stopping:
            try:
                first, idle = self._queue.get_nowait(), False
            except queue.Empty:
                first, idle = self._queue.get(), True
            if first is None:
                break
            batch, stopping = self._take_batch(first, gather=idle)
            outcomes = _decide(self._ctx, [r for r, _, _ in batch])
            self._count(len(batch))
            # one wake-up per event loop for the whole batch, not one per payment
            by_loop: dict[asyncio.AbstractEventLoop, list[tuple[Any, Any]]] = {}
            for (_, waiter, loop), outcome in zip(batch, outcomes, strict=True):
                if loop is None:
                    _settle(waiter, outcome)
                else:
                    by_loop.setdefault(loop, []).append((waiter, outcome))
            for loop, settled in by_loop.items():
                _call_soon_threadsafe(loop, _settle_all, settled)

    # -- on the event loop ---------------------------------------------------------------------
    async def decide(self, request: PaymentRequest) -> dict[str, Any]:
        """The committed decision on one payment, awaited by the event loop."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[dict[str, Any]] = loop.create_future()
        if self._on_loop:
            self._loop_batch.append((request, future))
            if len(self._loop_batch) == 1:  # the payments read meanwhile join it
                loop.call_later(GATHER_SECONDS, self._decide_on_loop, loop)
        else:
            self._lane_of(loop).add(request, future)
        return await future

    def _lane_of(self, loop: asyncio.AbstractEventLoop) -> _PostgresLoopLane:
        if self._lane is None or self._lane.loop is not loop:
            # a new loop (a test client's, say): the old loop's connections go with it
            self._lane = _PostgresLoopLane(self._ctx, loop, self._max_batch, self._count)
        return self._lane

    def _decide_on_loop(self, loop: asyncio.AbstractEventLoop) -> None:
        batch = self._loop_batch[: self._max_batch]
        del self._loop_batch[: self._max_batch]
        if self._loop_batch:
            loop.call_soon(self._decide_on_loop, loop)
        outcomes = _decide(self._ctx, [r for r, _ in batch])
        self._count(len(batch))
        _settle_all([(f, o) for (_, f), o in zip(batch, outcomes, strict=True)])

    async def aclose(self) -> None:
        """Close the running loop's database connections (after its last batch)."""
        lane = self._lane
        if lane is not None and lane.loop is asyncio.get_running_loop():
            self._lane = None
            await lane.connections.aclose()

    def close(self, timeout: float = 10.0) -> None:
        """Decide what is queued, then stop the writer threads."""
        threads, self._threads = self._threads, []
        if not threads:
            return
        for _ in threads:  # each thread stops at one of these, after what was queued before
            self._queue.put(None)
        for thread in threads:
            thread.join(timeout)


def _call_soon_threadsafe(
    loop: asyncio.AbstractEventLoop, callback: Callable[..., None], *args: Any
) -> None:
    try:
        loop.call_soon_threadsafe(callback, *args)
    except RuntimeError:  # the loop was closed: nobody is waiting for these answers any more
        log.warning("decided payments for a closed event loop")
