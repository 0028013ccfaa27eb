"""A lean HTTP/1.1 client for one endpoint: POSTs over a pool of keep-alive connections.

The outbox sends thousands of small POSTs a second to one SMS gateway. aiohttp spent about
half a millisecond of the dispatcher's only core on each (request objects, tracing hooks,
cookie jars, a stream reader per response); here a request is one formatted byte string
written to an idle connection, and the answer is parsed by ``httptools`` (the parser uvicorn
uses) straight into status, headers and body. That is all the gateway contract needs.

A connection carries one request at a time (no pipelining), so an answer always belongs to
the request just written. A pooled connection the server closed while it sat idle is skipped,
and a request that fails on a reused connection before any answer arrived is written once more
on a fresh one: the send carries an idempotency key, so a gateway that did get the first copy
drops the second.
"""

from __future__ import annotations

import asyncio
import ssl
from typing import cast
from urllib.parse import urlsplit

import httptools


class HttpError(Exception):
    """The endpoint could not be reached, closed the connection, or sent no valid answer."""


class Answer:
    """Status, headers (names lower-cased) and body of one response."""

    __slots__ = ("body", "headers", "status")

    def __init__(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.status, self.headers, self.body = status, headers, body


class _Connection(asyncio.Protocol):
    """One keep-alive connection; :meth:`exchange` writes a request and awaits its answer."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self.used = False
        self._parser = httptools.HttpResponseParser(self)
        self._waiter: asyncio.Future[Answer] | None = None
        self._headers: dict[str, str] = {}
        self._body: list[bytes] = []
        self._received = False

    # asyncio.Protocol
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass

    def data_received(self, data: bytes) -> None:
        self._received = True
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(HttpError(f"invalid HTTP answer: {exc}"))

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self._fail(HttpError(f"connection closed: {exc!r}" if exc else "connection closed"))

    # httptools callbacks
    def on_header(self, name: bytes, value: bytes) -> None:
        self._headers[name.decode("latin-1").lower()] = value.decode("latin-1")

    def on_body(self, body: bytes) -> None:
        self._body.append(body)

    def on_message_complete(self) -> None:
        answer = Answer(self._parser.get_status_code(), self._headers, b"".join(self._body))
        self._headers, self._body = {}, []
        if not self._parser.should_keep_alive():
            self.close()
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(answer)

    # the client side
    def _fail(self, exc: Exception) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_exception(exc)

    @property
    def answered_nothing(self) -> bool:
        return not self._received

    async def exchange(self, request: bytes) -> Answer:
        assert self.transport is not None
        self._waiter = asyncio.get_running_loop().create_future()
        self._received = False
        self.used = True
        self.transport.write(request)
        try:
            return await self._waiter
        finally:
            self._waiter = None

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()


class Http1Pool:
    """POSTs to one ``http://`` or ``https://`` URL over at most ``connections`` connections."""

    def __init__(self, url: str, *, connections: int = 64, timeout: float = 10.0) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) URL: {url!r}")
        self.url = url
        self.host = parts.hostname
        self.port = parts.port or (443 if parts.scheme == "https" else 80)
        self.ssl = ssl.create_default_context() if parts.scheme == "https" else None
        self.target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        default_port = self.port == (443 if parts.scheme == "https" else 80)
        self.host_header = self.host if default_port else f"{self.host}:{self.port}"
        self.timeout = timeout
        self._idle: list[_Connection] = []
        self._slots = asyncio.Semaphore(max(connections, 1))

    async def _connect(self) -> _Connection:
        loop = asyncio.get_running_loop()
        try:
            _, connection = await loop.create_connection(
                _Connection, self.host, self.port, ssl=self.ssl
            )
        except OSError as exc:
            raise HttpError(f"cannot connect to {self.host}:{self.port}: {exc}") from exc
        return connection

    def _request(self, headers: dict[str, str], body: bytes) -> bytes:
        if any("\r" in f"{n}{v}" or "\n" in f"{n}{v}" for n, v in headers.items()):
            raise HttpError("a header name or value holds a line break")
        lines = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        head = (
            f"POST {self.target} HTTP/1.1\r\nHost: {self.host_header}\r\n{lines}"
            f"Content-Length: {len(body)}\r\n\r\n"
        )
        return head.encode("latin-1") + body

    async def post(self, headers: dict[str, str], body: bytes) -> Answer:
        """The answer to one POST; raises :class:`HttpError` (also on timeout)."""
        request = self._request(headers, body)
        async with self._slots:
            for attempt in (0, 1):
                connection = None
                while self._idle and connection is None:
                    candidate = self._idle.pop()
                    connection = None if candidate.closed else candidate
                reused = connection is not None
                try:
                    async with asyncio.timeout(self.timeout):
                        if connection is None:
                            connection = await self._connect()
                        answer = await connection.exchange(request)
                except TimeoutError as exc:
                    if connection is not None:
                        connection.close()
                    raise HttpError(f"{self.url}: no answer within {self.timeout} s") from exc
                except HttpError:
                    if connection is not None:
                        stale = reused and connection.answered_nothing
                        connection.close()
                        if stale and attempt == 0:
                            continue  # the server had closed the idle connection: once more
                    raise
                except asyncio.CancelledError:
                    if connection is not None:  # its answer, if any, would be read by no one
                        connection.close()
                    raise
                if not connection.closed:
                    self._idle.append(connection)
                return answer
        raise AssertionError("unreachable")  # pragma: no cover

    async def close(self) -> None:
        idle, self._idle = self._idle, []
        for connection in idle:
            connection.close()
