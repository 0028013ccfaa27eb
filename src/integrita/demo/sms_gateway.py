"""A local SMS gateway that honours idempotency keys, for the demo, the tests and the outbox
benchmark: ``python -m integrita.demo.sms_gateway --port 8765 [--delay 0.2] [--log FILE]``.

``POST /sms`` with an ``Idempotency-Key`` header answers ``{"id", "status": "delivered",
"duplicate"}``; ``duplicate`` is true when the key was taken before (the message is not sent
twice). ``GET /stats`` answers the count per key and the first arrival (epoch seconds) of
each. With ``--log`` each arrival is appended to a file as ``key<TAB>epoch`` and flushed
before the answer, so a test can see what arrived even from a gateway it killed. ``--delay``
holds each answer after the arrival is recorded: a dispatcher killed meanwhile has sent a
message whose delivery it never recorded.

With ``--receipts-to URL --receipts-token TOKEN`` (integrita's ``/v1/outbox/receipts`` and a
token of a ``notification_gateway`` user) the gateway answers a send ``"status": "accepted"``
and calls back later, in batches, with ``delivered`` and the time, as real SMS gateways do.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Awaitable, Callable, MutableMapping
from datetime import UTC, datetime
from typing import Any, TextIO

import orjson

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


class SmsGateway:
    """The ASGI application."""

    def __init__(
        self,
        *,
        delay: float = 0.0,
        log: TextIO | None = None,
        receipts: ReceiptSender | None = None,
    ) -> None:
        self.delay = delay
        self.log = log
        self.receipts = receipts
        self.counts: dict[str, int] = {}
        self.first_seen: dict[str, float] = {}

    async def _reply(self, send: Send, status: int, body: object) -> None:
        payload = orjson.dumps(body)
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(payload)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": payload})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        more = True
        while more:  # the body is not needed; drain it
            event = await receive()
            more = bool(event.get("more_body"))
        if scope["method"] == "GET" and scope["path"] == "/stats":
            await self._reply(send, 200, {"counts": self.counts, "first_seen": self.first_seen})
            return
        headers = dict(scope["headers"])
        key = headers.get(b"idempotency-key", b"").decode()
        if scope["method"] != "POST" or not key:
            await self._reply(send, 400, {"error": "POST with an Idempotency-Key"})
            return
        now = time.time()
        seen = self.counts.get(key, 0)
        self.counts[key] = seen + 1
        self.first_seen.setdefault(key, now)
        if self.log is not None:
            self.log.write(f"{key}\t{now}\n")
            self.log.flush()
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.receipts is None:
            await self._reply(send, 200, {"id": key, "status": "delivered", "duplicate": seen > 0})
            return
        if not seen:
            self.receipts.later(key)
        await self._reply(send, 200, {"id": key, "status": "accepted", "duplicate": seen > 0})

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            event = await receive()
            if event["type"] == "lifespan.startup":
                if self.receipts is not None:
                    self.receipts.start()
                await send({"type": "lifespan.startup.complete"})
            elif event["type"] == "lifespan.shutdown":
                if self.receipts is not None:
                    await self.receipts.stop()
                await send({"type": "lifespan.shutdown.complete"})
                return


class ReceiptSender:
    """Calls integrita back with ``delivered`` receipts, up to 500 a request, every
    ``interval`` seconds; a refused batch is kept and sent again."""

    def __init__(self, url: str, token: str, *, interval: float = 0.5) -> None:
        self.url, self.token, self.interval = url, token, interval
        self._waiting: list[dict[str, str]] = []
        self._task: asyncio.Task[None] | None = None
        self.sent = 0

    def later(self, key: str) -> None:
        at = datetime.now(UTC).isoformat()
        self._waiting.append({"reference": key, "status": "delivered", "at": at})

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
        await self._flush()

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            await self._flush()

    async def _flush(self) -> None:
        import httpx

        async with httpx.AsyncClient(timeout=30) as client:
            while self._waiting:
                batch = self._waiting[:500]
                try:
                    answer = await client.post(
                        self.url,
                        json={"receipts": batch},
                        headers={"Authorization": f"Bearer {self.token}"},
                    )
                except httpx.HTTPError:
                    return
                if answer.status_code != 200:
                    return
                del self._waiting[: len(batch)]
                self.sent += len(batch)


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--delay", type=float, default=0.0)
    parser.add_argument("--log", default=None)
    parser.add_argument("--receipts-to", default=None, help="integrita's /v1/outbox/receipts")
    parser.add_argument("--receipts-token", default=None)
    args = parser.parse_args()
    log = open(args.log, "a", encoding="utf-8") if args.log else None  # noqa: SIM115
    receipts = None
    if args.receipts_to:
        if not args.receipts_token:
            parser.error("--receipts-to needs --receipts-token")
        receipts = ReceiptSender(args.receipts_to, args.receipts_token)
    app = SmsGateway(delay=args.delay, log=log, receipts=receipts)
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=args.port,
        log_level="warning",
        access_log=False,
        loop="uvloop",
        http="httptools",
        backlog=4096,
    )


if __name__ == "__main__":
    main()
