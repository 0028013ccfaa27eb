"""The concurrent dispatcher's polling: a trickle of messages is claimed a few at a time, a
backlog without waiting, and every message is delivered either way."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from integrita.services.core import outbox, outbox_dispatch
from integrita.services.core.context import Context
from integrita.services.core.event_loop import run_to_completion
from integrita.services.core.outbox_adapters import Delivery, OutgoingMessage
from tests.realtime.conftest import enqueue_notices


class _Gateway:
    """Answers at once, as a local gateway does; remembers what it was sent."""

    def __init__(self) -> None:
        self.sent: list[int] = []

    async def send(self, message: OutgoingMessage) -> Delivery:
        self.sent.append(message.message_id)
        return Delivery(f"ref-{message.message_id}")

    async def close(self) -> None:
        return None


def _counted(monkeypatch: pytest.MonkeyPatch, name: str) -> list[int]:
    """Count the calls of ``outbox.<name>`` made by the dispatcher."""
    calls: list[int] = []
    real = getattr(outbox, name)

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(outbox, name, counting)
    return calls


def _trickle(ctx: Context, poll: float, seconds: float = 1.2) -> tuple[int, _Gateway]:
    """One message every 20 ms for ``seconds`` to a following dispatcher; messages enqueued."""
    gateway = _Gateway()
    dispatcher = outbox_dispatch.Dispatcher(ctx, {"sms": gateway}, idle_poll=poll)

    async def feed() -> int:
        running = asyncio.create_task(dispatcher.run(follow=True))
        n, ends = 0, time.monotonic() + seconds
        while time.monotonic() < ends:
            await asyncio.to_thread(enqueue_notices, ctx, [f"trickle-{n}"])
            n += 1
            await asyncio.sleep(0.02)
        await asyncio.sleep(2 * poll + 0.3)  # the last ones claimed and recorded
        dispatcher.stop()
        await running
        return n

    return run_to_completion(feed()), gateway


def test_a_trickle_is_claimed_a_few_messages_at_a_time(
    ctx: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    claims = _counted(monkeypatch, "claim")
    records = _counted(monkeypatch, "record")
    sent, gateway = _trickle(ctx, poll=0.2)
    assert sorted(gateway.sent) == sorted(set(gateway.sent)) and len(gateway.sent) == sent
    assert outbox.status(ctx) == {"sms:delivered": sent}
    # ~1.9 s of following at one claim per 0.2 s at most once the queue is drained, where a
    # claim after every finished send would have made one or two per message
    assert len(claims) <= 14 < sent
    assert len(records) <= len(claims) + 1


def test_a_shorter_poll_claims_more_often(ctx: Context, monkeypatch: pytest.MonkeyPatch) -> None:
    claims = _counted(monkeypatch, "claim")
    sent, gateway = _trickle(ctx, poll=0.01, seconds=0.6)
    assert len(gateway.sent) == sent
    assert len(claims) > 25  # the bound above is a property of the poll, not of the test


def test_a_backlog_is_claimed_without_waiting_for_the_poll(
    ctx: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    enqueue_notices(ctx, [f"backlog-{i}" for i in range(450)])
    claims = _counted(monkeypatch, "claim")
    gateway = _Gateway()
    started = time.monotonic()
    totals = run_to_completion(
        outbox_dispatch.Dispatcher(ctx, {"sms": gateway}, batch=100, idle_poll=5.0).run()
    )
    assert totals.delivered == 450 and len(set(gateway.sent)) == 450
    assert time.monotonic() - started < 5.0  # no claim waited the 5 s poll
    assert len(claims) <= 12  # 64 sends in flight at most: seven full claims and the tail
