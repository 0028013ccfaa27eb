"""A local SMS gateway that honours idempotency keys, for the demo, the tests and the outbox
benchmark: ``python -m integrita.demo.sms_gateway --port 8765 [--delay 0.2] [--log FILE]``.

``POST /sms`` with an ``Idempotency-Key`` header answers ``{"id", "status": "delivered",
"duplicate"}``; ``duplicate`` is true when the key was taken before (the message is not sent
twice). ``GET /stats`` answers the count per key and the first arrival (epoch seconds) of
each. With ``--log`` each arrival is appended to a file as ``key<TAB>epoch`` and flushed
before the answer, so a test can see what arrived even from a gateway it killed. ``--delay``
holds each answer after the arrival is recorded: a dispatcher killed meanwhile has sent a
message whose delivery it never recorded.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any, TextIO

import orjson

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


class SmsGateway:
    """The ASGI application."""

    def __init__(self, *, delay: float = 0.0, log: TextIO | None = None) -> None:
        self.delay = delay
        self.log = log
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
        await self._reply(send, 200, {"id": key, "status": "delivered", "duplicate": seen > 0})


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--delay", type=float, default=0.0)
    parser.add_argument("--log", default=None)
    args = parser.parse_args()
    log = open(args.log, "a", encoding="utf-8") if args.log else None  # noqa: SIM115
    app = SmsGateway(delay=args.delay, log=log)
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
