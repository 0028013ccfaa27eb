"""The concurrent outbox dispatcher: many sends in flight per channel, within its concurrency
and rate limits, one-time codes first.

One event loop claims small batches (lowest priority number first) whenever the sends in
flight fall below half the capacity, so a code enqueued behind a backlog of notices waits for
at most one batch, not for the backlog. A claim that found fewer messages than it asked for
drained the queue: the next one waits ``idle_poll`` (``outbox_poll_seconds``, 0.2 s), so a
trickle of messages is claimed a few at a time rather than in a transaction or two each;
without ``follow`` the dispatcher then stops once its sends are done. Outcomes are recorded
in batches, one transaction each: when nothing is in flight, when a batch has gathered, or
when the oldest unrecorded outcome is ``idle_poll`` old. Database work runs on one worker thread,
so the loop keeps sending while it commits. Every second, messages no longer worth sending
are dropped (:func:`outbox.expire_stale`).

Several dispatchers (processes or hosts) may run against one database: claims are disjoint
(``SKIP LOCKED`` on PostgreSQL, the single writer on SQLite) and leased.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from typing import TypeVar

from integrita.errors import InputError
from integrita.services.core import outbox
from integrita.services.core.context import Context
from integrita.services.core.outbox import DispatchResult, SendOutcome
from integrita.services.core.outbox_adapters import AsyncChannelAdapter, DeliveryError
from integrita.store.repositories.outbox_dispatch import ClaimedMessage

T = TypeVar("T")
log = logging.getLogger(__name__)
#: Seconds between sweeps for stale messages while busy (always before an idle poll).
EXPIRE_EVERY = 1.0


class RateLimit:
    """A token bucket: at most ``per_second`` sends a second on average, bursts of one
    second's worth; ``0`` means no limit."""

    def __init__(self, per_second: float) -> None:
        self.per_second = per_second
        self._tokens = max(per_second, 1.0)
        self._at = time.monotonic()

    async def acquire(self) -> None:
        if self.per_second <= 0:
            return
        while True:
            now = time.monotonic()
            self._tokens = min(
                max(self.per_second, 1.0), self._tokens + (now - self._at) * self.per_second
            )
            self._at = now
            if self._tokens >= 1:
                self._tokens -= 1
                return
            await asyncio.sleep((1 - self._tokens) / self.per_second)


@dataclass(frozen=True, slots=True)
class ChannelLimits:
    concurrency: int
    per_second: float


def limits_from_settings(ctx: Context) -> dict[str, ChannelLimits]:
    s = ctx.settings
    return {
        "sms": ChannelLimits(s.outbox_sms_concurrency, s.outbox_sms_rate_per_second),
        "email": ChannelLimits(s.outbox_email_concurrency, s.outbox_email_rate_per_second),
    }


@dataclass(slots=True)
class DispatchTotals:
    claimed: int = 0
    delivered: int = 0
    retried: int = 0
    dead: int = 0
    expired: int = 0
    duplicates: int = 0

    def add(self, result: DispatchResult) -> None:
        self.claimed += result.claimed
        self.delivered += result.delivered
        self.retried += result.retried
        self.dead += result.dead
        self.expired += result.expired
        self.duplicates += result.duplicates


class Dispatcher:
    """Runs until idle (or, with ``follow``, until :meth:`stop`)."""

    def __init__(
        self,
        ctx: Context,
        adapters: Mapping[str, AsyncChannelAdapter],
        *,
        limits: Mapping[str, ChannelLimits] | None = None,
        batch: int = 200,
        idle_poll: float | None = None,
        on_progress: Callable[[DispatchTotals], None] | None = None,
    ) -> None:
        self.ctx = ctx
        self.adapters = adapters
        self.limits = dict(limits or limits_from_settings(ctx))
        self.capacity = max(
            sum(self.limits[c].concurrency for c in adapters if c in self.limits), 1
        )
        self.batch = batch
        self.idle_poll = ctx.settings.outbox_poll_seconds if idle_poll is None else idle_poll
        self.totals = DispatchTotals()
        self._on_progress = on_progress
        self._semaphores = {c: asyncio.Semaphore(lim.concurrency) for c, lim in self.limits.items()}
        self._rates = {c: RateLimit(lim.per_second) for c, lim in self.limits.items()}
        self._done: list[SendOutcome] = []
        self._first_done_at = 0.0  # when the oldest unrecorded outcome arrived
        self._stopping = False
        # one thread for the database: a SQLite connection is used by one thread at a time
        self._db = ThreadPoolExecutor(max_workers=1, thread_name_prefix="outbox-db")

    def stop(self) -> None:
        self._stopping = True

    async def _in_db(self, work: Callable[[], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._db, work)

    async def _send(self, claimed: ClaimedMessage) -> None:
        adapter = self.adapters.get(claimed.channel)
        try:
            if adapter is None:
                raise DeliveryError(f"no adapter configured for channel {claimed.channel!r}")
            message = outbox.outgoing(claimed)
            async with self._semaphores.setdefault(claimed.channel, asyncio.Semaphore(1)):
                await self._rates.setdefault(claimed.channel, RateLimit(0)).acquire()
                delivery = await adapter.send(message)
            self._finished(SendOutcome(claimed, delivery))
        except (DeliveryError, InputError) as exc:
            self._finished(SendOutcome(claimed, None, str(exc)))
        except Exception as exc:  # a fault of ours must not strand the message in "sending"
            log.exception("sending outbox message %s failed", claimed.id)
            self._finished(SendOutcome(claimed, None, f"{type(exc).__name__}: {exc}"))

    def _finished(self, outcome: SendOutcome) -> None:
        if not self._done:
            self._first_done_at = time.monotonic()
        self._done.append(outcome)

    def _flush_due(self, now: float, sending: bool) -> bool:
        """Record now: nothing is in flight, a batch has gathered, or the oldest outcome waited
        ``idle_poll`` (a delivered message stays ``sending`` under its lease until recorded)."""
        return bool(self._done) and (
            not sending
            or len(self._done) >= self.batch
            or now - self._first_done_at >= self.idle_poll
        )

    async def _flush(self) -> None:
        if not self._done:
            return
        done, self._done = self._done, []
        self.totals.add(await self._in_db(lambda: outbox.record(self.ctx, done)))
        if self._on_progress is not None:
            self._on_progress(self.totals)

    async def run(self, *, follow: bool = False) -> DispatchTotals:
        in_flight: set[asyncio.Task[None]] = set()
        last_sweep = 0.0
        next_claim = 0.0  # the last claim drained the queue: none before this (monotonic)
        try:
            while True:
                if self._flush_due(time.monotonic(), bool(in_flight)):
                    await self._flush()
                if time.monotonic() - last_sweep >= EXPIRE_EVERY:
                    self.totals.expired += await self._in_db(lambda: outbox.expire_stale(self.ctx))
                    last_sweep = time.monotonic()
                room = self.capacity - len(in_flight)
                claimed: list[ClaimedMessage] = []
                may_claim = time.monotonic() >= next_claim
                if not self._stopping and room * 2 >= self.capacity and may_claim:
                    want = min(room, self.batch)
                    claimed = await self._in_db(partial(outbox.claim, self.ctx, want))
                    if len(claimed) < want:
                        next_claim = time.monotonic() + self.idle_poll
                for message in claimed:
                    in_flight.add(asyncio.create_task(self._send(message)))
                if not in_flight:  # the queue was found drained
                    if self._stopping or not follow:
                        return self.totals
                    await asyncio.sleep(max(next_claim - time.monotonic(), 0.001))
                    continue
                finished, in_flight = await asyncio.wait(
                    in_flight, timeout=self.idle_poll / 5, return_when=asyncio.FIRST_COMPLETED
                )
                for task in finished:
                    task.result()
        finally:
            if in_flight:
                await asyncio.gather(*in_flight, return_exceptions=True)
            await self._flush()
            self._db.shutdown(wait=True)


async def dispatch(
    ctx: Context,
    adapters: Mapping[str, AsyncChannelAdapter],
    *,
    follow: bool = False,
    batch: int = 200,
    on_progress: Callable[[DispatchTotals], None] | None = None,
) -> DispatchTotals:
    """Deliver due messages concurrently until none is left (or forever with ``follow``); the
    adapters are closed at the end."""
    try:
        dispatcher = Dispatcher(ctx, adapters, batch=batch, on_progress=on_progress)
        return await dispatcher.run(follow=follow)
    finally:
        for adapter in adapters.values():
            await adapter.close()
