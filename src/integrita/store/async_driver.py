"""PostgreSQL connections owned by one event loop, for the payment-decision path.

A payment decision's transaction spends most of its time waiting on PostgreSQL. Run on a
writer thread, every round trip ends with the thread waiting for the interpreter lock while
the event loop parses requests, and every batch's answers cross back to the loop (p99 at
1,000 payments a second: 20.3 ms on writer threads, 11.2 ms on these connections with the
socket wait below; docs/benchmarks.md). Here the loop
itself carries out a unit of work written as steps (see ``driver_sql``) on a connection of
its own, with psycopg's asynchronous connection: while one batch waits, the loop reads more
requests and decides another batch on a second connection.

A unit of work costs two round trips when it writes no outbox message: its reads together,
then its writes together with the COMMIT (a :class:`~.driver_sql.Write` marked ``last``);
the outbox insert, whose ids go into the answers, adds one. The session's path adds a
connection check on checkout and a separate COMMIT.
"""

from __future__ import annotations

import asyncio
import select
from collections import deque
from collections.abc import Callable
from typing import Any

import psycopg
from psycopg.abc import PQGen
from psycopg.waiting import Ready, Wait

from integrita.logging import get_logger
from integrita.store.database import Database
from integrita.store.repositories.driver_sql import (
    InsertReturning,
    Read,
    SqlDialect,
    Steps,
    T,
    duplicate_keys,
)

log = get_logger(__name__)


class _LoopConnection(psycopg.AsyncConnection[Any]):
    """psycopg's asynchronous connection, waiting on the socket only when it must.

    psycopg drives each exchange with the server as a generator that asks to wait until the
    socket is readable or writable; its own asynchronous wait answers every such request with
    a trip round the event loop (an event, a task and a reader or writer registered and
    removed), and a pipelined batch makes a dozen requests. Most are answered at once on
    loopback (the socket is writable; the reply has arrived), so this one first asks the
    kernel without waiting and registers with the loop only when nothing is ready: measured
    at 1,000 payments a second, psycopg's waiting was a quarter of the server's CPU.
    """

    async def wait(self, gen: PQGen[T], interval: float = 0.0) -> T:
        del interval  # psycopg's check for Ctrl-C; the event loop's own signal handling serves
        fileno = self.pgconn.socket
        try:
            wanted = next(gen)
            while True:
                ready = _ready_now(fileno, wanted) or await _ready_later(fileno, wanted)
                wanted = gen.send(ready)
        except StopIteration as done:
            return done.value  # type: ignore[no-any-return]
        except OSError as exc:
            raise psycopg.OperationalError("connection socket closed") from exc


def _ready_now(fileno: int, wanted: Wait) -> Ready:
    readable, writable, _ = select.select(
        (fileno,) if wanted & Wait.R else (), (fileno,) if wanted & Wait.W else (), (), 0
    )
    return Ready((Ready.R if readable else 0) | (Ready.W if writable else 0))


async def _ready_later(fileno: int, wanted: Wait) -> Ready:
    loop = asyncio.get_running_loop()
    ready: asyncio.Future[Ready] = loop.create_future()

    def wake(state: Ready) -> None:
        if not ready.done():
            ready.set_result(state)

    if wanted & Wait.R:
        loop.add_reader(fileno, wake, Ready.R)
    if wanted & Wait.W:
        loop.add_writer(fileno, wake, Ready.W)
    try:
        await ready
    finally:
        if wanted & Wait.R:
            loop.remove_reader(fileno)
        if wanted & Wait.W:
            loop.remove_writer(fileno)
    return _ready_now(fileno, wanted) or ready.result()


class AsyncConnections:
    """At most ``size`` connections of one event loop, opened when first needed; a broken
    one is dropped and replaced by a new one for the next unit of work."""

    def __init__(self, db: Database, size: int = 2) -> None:
        if db.is_sqlite:
            raise ValueError("event-loop connections are for PostgreSQL")
        url = db.engine.url.set(drivername="postgresql")
        self._conninfo = url.render_as_string(hide_password=False)
        self.sql = SqlDialect(db.engine.dialect)
        self.size = size
        self._idle: list[psycopg.AsyncConnection[Any]] = []
        self._opened = 0
        self._waiting: deque[asyncio.Future[psycopg.AsyncConnection[Any] | None]] = deque()

    async def run(self, unit: Callable[[SqlDialect], Steps[T]]) -> T:
        """Carry out one unit of work in a transaction of its own; committed on return,
        rolled back on any error (a unique key stored first by a concurrent transaction
        raises :class:`~integrita.errors.DuplicateKeyError`).

        A connection found broken (the server restarted, or ended the session) is replaced
        and the unit of work runs once more from its first step on the new one, as the
        session's pool checks a connection before lending it. Running it again is safe for
        a unit of work that is idempotent on its keys, as a payment decision is: had the
        lost COMMIT reached the server, the second run reads the stored answer.
        """
        for attempt in (1, 2):
            connection = await self._acquire()
            try:
                result = await _carry_out(connection, unit(self.sql))
            except psycopg.OperationalError:
                broken = await self._after_failure(connection)
                if broken and attempt == 1:
                    log.warning("database connection lost; running the batch again")
                    continue
                raise
            except BaseException:
                await self._after_failure(connection)
                raise
            self._release(connection)
            return result
        raise AssertionError("unreachable")

    async def _acquire(self) -> psycopg.AsyncConnection[Any]:
        while True:
            if self._idle:
                return self._idle.pop()
            if self._opened < self.size:
                self._opened += 1
                try:
                    return await _LoopConnection.connect(self._conninfo)
                except BaseException:
                    self._dropped()
                    raise
            waiter: asyncio.Future[psycopg.AsyncConnection[Any] | None]
            waiter = asyncio.get_running_loop().create_future()
            self._waiting.append(waiter)
            try:
                connection = await waiter
            except asyncio.CancelledError:
                if waiter.done() and not waiter.cancelled() and waiter.result() is not None:
                    self._release(waiter.result())  # handed over as the caller gave up
                raise
            if connection is not None:
                return connection
            # a connection was dropped: its place is free, go round and open one

    def _release(self, connection: psycopg.AsyncConnection[Any] | None) -> None:
        """Lend ``connection`` to the first caller waiting, else keep it idle; ``None``: a
        connection was dropped, so the first caller waiting may open a new one."""
        while self._waiting:
            waiter = self._waiting.popleft()
            if not waiter.done():
                waiter.set_result(connection)
                return
        if connection is not None:
            self._idle.append(connection)

    def _dropped(self) -> None:
        self._opened -= 1
        self._release(None)

    async def _after_failure(self, connection: psycopg.AsyncConnection[Any]) -> bool:
        """Roll back and lend the connection again; whether it was broken (and dropped)."""
        try:
            if not connection.closed:
                await connection.rollback()
                self._release(connection)
                return False
        except psycopg.Error:
            await connection.close()
        self._dropped()  # the next unit of work opens a new one
        return True

    async def aclose(self) -> None:
        """Close the idle connections (call on the loop that opened them)."""
        idle, self._idle = self._idle, []
        for connection in idle:
            await connection.close()
        self._opened -= len(idle)


async def _carry_out(connection: psycopg.AsyncConnection[Any], steps: Steps[T]) -> T:
    answer: Any = None
    committed = False
    while True:
        try:
            step = steps.send(answer)
        except StopIteration as done:
            if not committed:
                await connection.commit()
            return done.value  # type: ignore[no-any-return]
        if committed:
            raise RuntimeError("a unit of work went on after its last step")
        with duplicate_keys(psycopg):
            if isinstance(step, Read):
                answer = await _read(connection, step)
            elif isinstance(step, InsertReturning):
                answer = await _insert_returning(connection, step)
            else:
                async with connection.pipeline():
                    cursor = connection.cursor()
                    for statement, rows in step.writes:
                        if rows:
                            await cursor.executemany(statement.text["postgresql"], rows)
                    if step.last:
                        await cursor.execute("COMMIT")
                committed = step.last
                answer = None


async def _read(connection: psycopg.AsyncConnection[Any], step: Read) -> list[list[Any]]:
    async with connection.pipeline():
        cursors = []
        for statement, params in step.reads:
            cursor = connection.cursor()
            await cursor.execute(statement.text["postgresql"], params)
            cursors.append(cursor)
        return [list(await cursor.fetchall()) for cursor in cursors]


async def _insert_returning(
    connection: psycopg.AsyncConnection[Any], step: InsertReturning
) -> list[Any]:
    if not step.rows:
        return []
    cursor = connection.cursor()
    await cursor.executemany(step.statement.text["postgresql"], step.rows, returning=True)
    out = []
    while True:
        out.append(await cursor.fetchone())
        if not cursor.nextset():
            return out
