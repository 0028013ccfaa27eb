"""The outbox's lean HTTP/1.1 client: keep-alive reuse, a connection the server closed while
idle is replaced without losing the request, ``Connection: close`` and chunked answers, and a
silent server times out."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest

from integrita.services.core.event_loop import run_to_completion
from integrita.services.core.http1 import Http1Pool, HttpError

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


async def _read_request(reader: asyncio.StreamReader) -> bytes:
    head = await reader.readuntil(b"\r\n\r\n")
    length = next(
        int(line.split(b":")[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length")
    )
    return head + await reader.readexactly(length)


def _run(handler: Handler, client: Callable[[str], Awaitable[None]]) -> None:
    async def main() -> None:
        server = await asyncio.start_server(handler, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        try:
            await client(f"http://127.0.0.1:{port}/sms")
        finally:
            server.close()

    run_to_completion(main())


def test_requests_reuse_one_keep_alive_connection() -> None:
    connections: list[int] = []

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(1)
        while True:
            try:
                request = await _read_request(reader)
            except asyncio.IncompleteReadError:
                break
            body = request.split(b"\r\n\r\n", 1)[1]
            writer.write(
                b"HTTP/1.1 200 OK\r\nX-Echo: yes\r\nContent-Length: %d\r\n\r\n%s"
                % (len(body), body)
            )
            await writer.drain()
        writer.close()

    async def client(url: str) -> None:
        pool = Http1Pool(url, connections=1)
        for i in range(5):
            answer = await pool.post({"Idempotency-Key": f"k{i}"}, b'{"n": %d}' % i)
            assert (answer.status, answer.headers["x-echo"], answer.body) == (
                200,
                "yes",
                b'{"n": %d}' % i,
            )
        await pool.close()

    _run(handler, client)
    assert len(connections) == 1


def test_a_connection_closed_by_the_server_after_each_answer_is_not_reused() -> None:
    seen: list[bytes] = []

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        seen.append(await _read_request(reader))
        # chunked, then closed: the answer is complete and the connection must not be reused
        writer.write(
            b"HTTP/1.1 200 OK\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n"
            b"3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"
        )
        await writer.drain()
        writer.close()

    async def client(url: str) -> None:
        pool = Http1Pool(url, connections=1)
        assert (await pool.post({}, b"1")).body == b"abcde"
        assert (await pool.post({}, b"2")).body == b"abcde"
        await pool.close()

    _run(handler, client)
    assert len(seen) == 2


def test_an_idle_connection_the_server_dropped_is_replaced_and_the_request_goes_through() -> None:
    served: list[int] = []

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _read_request(reader)
        served.append(1)
        # keep-alive promised, then the socket is dropped without a word (an idle timeout)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        await writer.drain()
        writer.transport.abort()

    async def client(url: str) -> None:
        pool = Http1Pool(url, connections=1)
        assert (await pool.post({}, b"a")).body == b"ok"
        await asyncio.sleep(0.05)
        assert (await pool.post({}, b"b")).body == b"ok"
        await pool.close()

    _run(handler, client)
    assert len(served) == 2


def test_a_server_that_never_answers_times_out_as_an_http_error() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _read_request(reader)
        await asyncio.sleep(5)

    async def client(url: str) -> None:
        pool = Http1Pool(url, connections=1, timeout=0.2)
        with pytest.raises(HttpError, match="no answer within"):
            await pool.post({}, b"x")
        await pool.close()

    _run(handler, client)


def test_an_unreachable_gateway_is_an_http_error() -> None:
    async def client() -> None:
        pool = Http1Pool("http://127.0.0.1:9/sms", connections=1, timeout=2)
        with pytest.raises(HttpError, match="cannot connect"):
            await pool.post({}, b"x")

    run_to_completion(client())


def test_a_header_with_a_line_break_is_refused_before_anything_is_sent() -> None:
    pool = Http1Pool("http://127.0.0.1:9/sms")
    with pytest.raises(HttpError, match="line break"):
        run_to_completion(pool.post({"Authorization": "Bearer x\r\nX-Injected: 1"}, b""))
