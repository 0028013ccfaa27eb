"""Group commit for payment decisions: one transaction per batch of payments.

Under load, payments that arrive while a transaction is being committed wait for the next
one, and that next transaction decides all of them together: the cost of a commit (and of
each query) is shared, while no answer is given before its decision is stored. A batch
starts a few milliseconds after its first payment, with whatever payments were read
meanwhile.

On SQLite one batch at a time runs in a worker thread. It used to run on the event loop
itself (SQLite works on the CPU, so that saved a thread hop per batch), but when another
process holds SQLite's write lock, say an operator job, the batch waits for it, and on the
loop that wait stalled every request, health checks included, for as long as the lock was
held. In a thread only the payments waiting for their decision wait; a lock held longer
than ``sqlite_busy_seconds`` answers them 503 with Retry-After. PostgreSQL spends most of a batch waiting on the network, so the loop runs batches on
connections of its own (:class:`~integrita.store.async_driver.AsyncConnections`), one batch
per connection at a time, and serves requests while they wait; payments that arrive while
every connection is busy form the next batch. Writer threads would do the same waiting, but
each round trip would end in a wait for the interpreter lock held by the loop, and each
answer would cross back to the loop (measured the same hour at 1,000 requests/s: p99 20.3 ms
and 0.76 ms of server CPU per decision on threads in two processes, 11.2 ms and 0.58 ms on
the loop's connections in one; see docs/benchmarks.md).
"""

from __future__ import annotations

import asyncio
from typing import Any

from integrita.logging import get_logger
from integrita.services.core.context import Context
from integrita.services.realtime import decisions
from integrita.services.realtime.payments import PaymentRequest
from integrita.store.async_driver import AsyncConnections

log = get_logger(__name__)

#: Connections of an event loop on PostgreSQL: one batch waits on the database while the
#: next one is decided.
LOOP_CONNECTIONS = 2
#: How long a batch waits for more payments after its first: at 1,000 payments a second it
#: then holds a few, whose shared commit and queries cost less than the wait (measured: p99
#: at 1,000 requests/s from 250 ms down to about 22 ms on SQLite).
GATHER_SECONDS = 0.004

_Waiting = list[tuple[PaymentRequest, asyncio.Future[dict[str, Any]]]]


def _settle_all(batch: _Waiting, outcomes: list[Any]) -> None:
    for (_, waiter), outcome in zip(batch, outcomes, strict=True):
        if waiter.done():  # cancelled: its client went away
            continue
        if isinstance(outcome, BaseException):
            waiter.set_exception(outcome)
        else:
            waiter.set_result(outcome)


def _failed(batch: _Waiting, exc: Exception) -> list[Any]:
    """A failed transaction gives every payment of its batch the error."""
    log.warning("decision batch failed", extra={"size": len(batch), "error": str(exc)})
    return [exc] * len(batch)


class _Lane:
    """The batches of one event loop: gathered for :data:`GATHER_SECONDS` after their first
    payment, then decided in a worker thread (SQLite, one batch at a time) or on a free
    connection of the loop's own (PostgreSQL), at most ``max_batch`` payments each."""

    def __init__(self, ctx: Context, loop: asyncio.AbstractEventLoop, max_batch: int) -> None:
        self.loop = loop
        self._ctx = ctx
        self._max_batch = max_batch
        self.connections = None if ctx.db.is_sqlite else AsyncConnections(ctx.db, LOOP_CONNECTIONS)
        self._pending: _Waiting = []
        self._running: set[asyncio.Task[None]] = set()
        self._gathering = False
        self.batches = 0
        self.decided = 0

    def add(self, request: PaymentRequest, future: asyncio.Future[dict[str, Any]]) -> None:
        self._pending.append((request, future))
        if not self._gathering and self._has_room():
            self._gathering = True  # the payments read meanwhile join this one
            self.loop.call_later(GATHER_SECONDS, self._start)

    def _has_room(self) -> bool:
        size = 1 if self.connections is None else self.connections.size
        return len(self._running) < size

    def _take(self) -> _Waiting:
        batch = self._pending[: self._max_batch]
        del self._pending[: self._max_batch]
        self.batches += 1
        self.decided += len(batch)
        return batch

    def _start(self) -> None:
        self._gathering = False
        while self._pending and self._has_room():
            task = self.loop.create_task(self._decide(self._take()))
            self._running.add(task)
            task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._running.discard(task)
        if self._pending and not self._gathering:  # these waited for a free slot already
            self._start()

    async def _decide(self, batch: _Waiting) -> None:
        requests = [r for r, _ in batch]
        try:
            if self.connections is None:
                outcomes = await asyncio.to_thread(decisions.decide_many, self._ctx, requests)
            else:
                outcomes = await decisions.decide_many_on(self._ctx, self.connections, requests)
        except Exception as exc:
            outcomes = _failed(batch, exc)
        _settle_all(batch, outcomes)

    async def aclose(self) -> None:
        """Decide what is waiting, let the running batches end, close the connections."""
        while self._pending or self._running:
            self._start()
            if self._running:
                await asyncio.gather(*self._running, return_exceptions=True)
        if self.connections is not None:
            await self.connections.aclose()


class DecisionWriter:
    """Takes payments awaited on an event loop and decides them in batches."""

    def __init__(self, ctx: Context, *, max_batch: int = 256) -> None:
        self._ctx = ctx
        self._max_batch = max_batch
        self._lane: _Lane | None = None
        self._closed_batches = 0
        self._closed_decided = 0

    @property
    def batches(self) -> int:
        """Batches decided so far (one transaction each)."""
        return self._closed_batches + (self._lane.batches if self._lane else 0)

    @property
    def decided(self) -> int:
        """Payments decided so far."""
        return self._closed_decided + (self._lane.decided if self._lane else 0)

    async def decide(self, request: PaymentRequest) -> dict[str, Any]:
        """The committed decision on one payment."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[dict[str, Any]] = loop.create_future()
        self._lane_of(loop).add(request, future)
        return await future

    def _lane_of(self, loop: asyncio.AbstractEventLoop) -> _Lane:
        if self._lane is None or self._lane.loop is not loop:
            # a new loop (a test client's, say): the old loop's connections went with it
            self._retire_lane()
            self._lane = _Lane(self._ctx, loop, self._max_batch)
        return self._lane

    def _retire_lane(self) -> None:
        if self._lane is not None:
            self._closed_batches += self._lane.batches
            self._closed_decided += self._lane.decided
            self._lane = None

    async def aclose(self) -> None:
        """Decide what the running loop has waiting, then close its database connections."""
        lane = self._lane
        if lane is not None and lane.loop is asyncio.get_running_loop():
            await lane.aclose()
            self._retire_lane()
