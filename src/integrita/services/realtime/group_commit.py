"""Group commit for payment decisions: one writer thread, one transaction per batch.

Under load, payments that arrive while a transaction is being committed wait for the next
one, and that next transaction decides all of them together: the cost of a commit (and of
each query) is shared, while no answer is given before its decision is stored. With one
payment in flight the batch is that payment alone, so a quiet system answers as fast as a
transaction per payment would.
"""

from __future__ import annotations

import asyncio
import queue
import threading
from concurrent.futures import Future
from typing import Any

from integrita.errors import IntegritaError
from integrita.logging import get_logger
from integrita.services.context import Context
from integrita.services.realtime import decisions
from integrita.services.realtime.payments import PaymentRequest

log = get_logger(__name__)

_Item = tuple[PaymentRequest, "Future[dict[str, Any]]"]


class DecisionWriter:
    """Takes payments from any thread or event loop and decides them in batches."""

    def __init__(self, ctx: Context, *, max_batch: int = 256) -> None:
        self._ctx = ctx
        self._max_batch = max_batch
        self._queue: queue.SimpleQueue[_Item | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self.batches = 0
        self.decided = 0

    def _ensure_started(self) -> None:
        if self._thread is not None:
            return
        with self._start_lock:
            if self._thread is None:
                thread = threading.Thread(
                    target=self._run, name="integrita-decision-writer", daemon=True
                )
                thread.start()
                self._thread = thread

    def submit(self, request: PaymentRequest) -> Future[dict[str, Any]]:
        """Queue one payment; the future resolves once its decision is committed."""
        self._ensure_started()
        future: Future[dict[str, Any]] = Future()
        self._queue.put((request, future))
        return future

    async def decide(self, request: PaymentRequest) -> dict[str, Any]:
        """The committed decision on one payment, awaited without blocking the event loop."""
        return await asyncio.wrap_future(self.submit(request))

    def _take_batch(self, first: _Item) -> tuple[list[_Item], bool]:
        batch = [first]
        while len(batch) < self._max_batch:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            if item is None:
                return batch, True
            batch.append(item)
        return batch, False

    def _run(self) -> None:
        stopping = False
        while not stopping:
            first = self._queue.get()
            if first is None:
                break
            batch, stopping = self._take_batch(first)
            try:
                outcomes = decisions.decide_many(self._ctx, [r for r, _ in batch])
            except Exception as exc:  # the transaction failed: every payment in it gets the error
                log.warning("decision batch failed", extra={"size": len(batch), "error": str(exc)})
                for _, future in batch:
                    future.set_exception(exc)
                continue
            self.batches += 1
            self.decided += len(batch)
            for (_, future), outcome in zip(batch, outcomes, strict=True):
                if isinstance(outcome, IntegritaError):
                    future.set_exception(outcome)
                else:
                    future.set_result(outcome)

    def close(self, timeout: float = 10.0) -> None:
        """Decide what is queued, then stop the writer thread."""
        thread = self._thread
        if thread is None:
            return
        self._queue.put(None)
        thread.join(timeout)
        self._thread = None
