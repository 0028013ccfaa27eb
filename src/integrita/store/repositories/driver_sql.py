"""Statements of the decision path on the database driver itself, below SQLAlchemy Core.

A batch of payment decisions runs about ten statements. Through SQLAlchemy Core each one
costs more CPU in the application (parameter processing, an execution context, result
wrapping) than the driver's own work, and on PostgreSQL that overhead is paid per batch by
every payment in it. So these statements are SQL text, written once for both dialects, run
on the connection of the session's own transaction (same transaction, same commit). Values
are converted as SQLAlchemy converts them for the same columns, so rows written here read
back through the models unchanged.

Keys are bound as one parameter, so a look-up is one SQL text whatever the batch size (and
PostgreSQL's prepared statements serve every batch): ``= ANY(%s)`` with a list on
PostgreSQL, ``IN (SELECT value FROM json_each(?))`` with a JSON array on SQLite.

A unit of work that must run on more than one kind of connection (a session's, or an event
loop's own PostgreSQL connection: see ``async_driver``) is written once, as a generator of
*steps*: it yields :class:`Read`, :class:`InsertReturning` or :class:`Write` and is sent each
step's rows back. :meth:`Batch.run` carries the steps out on a session's connection.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

import orjson
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session

from integrita.errors import DuplicateKeyError
from integrita.store.models.base import UtcDateTime

#: The bind conversion of a UTC timestamp column, per dialect (SQLite stores text).
_TIMESTAMPS: dict[str, Callable[[datetime], object]] = {}


def _timestamp_conversion(dialect: Dialect) -> Callable[[datetime], object]:
    found = _TIMESTAMPS.get(dialect.name)
    if found is None:
        column_type = UtcDateTime().dialect_impl(dialect)
        found = column_type.bind_processor(dialect) or (lambda value: value)
        _TIMESTAMPS[dialect.name] = found
    return found


@contextmanager
def duplicate_keys(dbapi: Any) -> Iterator[None]:
    """A unique key stored first by a concurrent transaction, as :class:`DuplicateKeyError`."""
    try:
        yield
    except dbapi.IntegrityError as exc:
        raise DuplicateKeyError(
            f"a concurrent transaction stored one of these keys first: {exc}"
        ) from exc


class DriverStatement:
    """One statement as SQL text for each dialect.

    The template marks a parameter ``%s``, a JSON parameter ``{json}``, after a column "is
    one of the keys bound here" ``{keys}`` (bind :meth:`Batch.keys`) and where PostgreSQL
    locks the rows read ``{for_update}`` (SQLite has one writer at a time anyway).
    """

    def __init__(self, template: str) -> None:
        self.text = {
            "postgresql": template.format(
                json="%s::json", keys="= ANY(%s)", for_update=" FOR UPDATE"
            ),
            "sqlite": template.replace("%s", "?").format(
                json="?", keys="IN (SELECT value FROM json_each(?))", for_update=""
            ),
        }


Params = Sequence[object]


@dataclass(frozen=True, slots=True)
class Read:
    """Several reads; answered with each one's rows (in one round trip on PostgreSQL)."""

    reads: Sequence[tuple[DriverStatement, Params]]


@dataclass(frozen=True, slots=True)
class InsertReturning:
    """An ``INSERT ... RETURNING`` once per row; answered with the returned row of each."""

    statement: DriverStatement
    rows: Sequence[Params]


@dataclass(frozen=True, slots=True)
class Write:
    """Statements each run once per row, sent together; answered with nothing. ``last``: the
    unit of work ends after this step, so a driver may send its COMMIT along."""

    writes: Sequence[tuple[DriverStatement, Sequence[Params]]]
    last: bool = False


Step = Read | InsertReturning | Write
T = TypeVar("T")
#: A unit of work as steps (see the module's docstring), returning a T.
Steps = Generator[Step, Any, T]


class SqlDialect:
    """How values are bound for one dialect: key lists, JSON and UTC timestamps."""

    def __init__(self, dialect: Dialect) -> None:
        self.dialect = dialect.name
        self._json_dumps: Callable[[Any], str] = dialect._json_serializer  # type: ignore[attr-defined]
        self.timestamp = _timestamp_conversion(dialect)

    def keys(self, values: Iterable[str]) -> object:
        listed = list(values)
        return listed if self.dialect == "postgresql" else orjson.dumps(listed).decode()

    def json(self, value: object) -> str:
        return self._json_dumps(value)


class Batch(SqlDialect):
    """The driver connection of a session's transaction, with its dialect's conversions."""

    def __init__(self, session: Session) -> None:
        connection = session.connection()
        super().__init__(connection.dialect)
        self._dbapi: Any = connection.dialect.dbapi
        self._connection: Any = connection.connection

    def run(self, steps: Steps[T]) -> T:
        """Carry out a unit of work's steps on this connection; what it returns."""
        answer: Any = None
        while True:
            try:
                step = steps.send(answer)
            except StopIteration as done:
                return done.value  # type: ignore[no-any-return]
            if isinstance(step, Read):
                answer = self.fetch_together(step.reads)
            elif isinstance(step, InsertReturning):
                answer = self.insert_returning(step.statement, step.rows)
            else:
                with self.sent_together():
                    for statement, rows in step.writes:
                        self.write_many(statement, rows)
                answer = None

    @contextmanager
    def sent_together(self) -> Iterator[None]:
        """The writes made inside go to PostgreSQL together, in one round trip (pipeline
        mode); a unique key stored first by a concurrent transaction raises
        :class:`DuplicateKeyError` when the block ends. Nothing inside may read an answer."""
        if self.dialect != "postgresql":
            yield
            return
        with duplicate_keys(self._dbapi), self._connection.driver_connection.pipeline():
            yield

    def fetch(self, statement: DriverStatement, params: Sequence[object]) -> list[Any]:
        cursor = self._connection.cursor()
        try:
            cursor.execute(statement.text[self.dialect], params)
            return list(cursor.fetchall())
        finally:
            cursor.close()

    def fetch_together(
        self, reads: Sequence[tuple[DriverStatement, Sequence[object]]]
    ) -> list[list[Any]]:
        """Several reads' rows; on PostgreSQL sent together in one round trip (pipeline mode)."""
        if self.dialect != "postgresql":
            return [self.fetch(statement, params) for statement, params in reads]
        connection = self._connection.driver_connection
        with connection.pipeline():
            cursors = []
            for statement, params in reads:
                cursor = connection.cursor()
                cursor.execute(statement.text[self.dialect], params)
                cursors.append(cursor)
            rows = [list(cursor.fetchall()) for cursor in cursors]  # the first one syncs
        for cursor in cursors:
            cursor.close()
        return rows

    def write_many(self, statement: DriverStatement, rows: Sequence[Sequence[object]]) -> None:
        """Run a statement once per row; a unique key stored first by a concurrent transaction
        raises :class:`DuplicateKeyError` (the transaction is then spoilt)."""
        if not rows:
            return
        cursor = self._connection.cursor()
        try:
            with duplicate_keys(self._dbapi):
                cursor.executemany(statement.text[self.dialect], rows)
        finally:
            cursor.close()

    def insert_returning(
        self, statement: DriverStatement, rows: Sequence[Sequence[object]]
    ) -> list[Any]:
        """:meth:`write_many` of an ``INSERT ... RETURNING``; the returned row of each."""
        if not rows:
            return []
        cursor = self._connection.cursor()
        text = statement.text[self.dialect]
        out: list[Any] = []
        try:
            with duplicate_keys(self._dbapi):
                if self.dialect == "postgresql":  # one round trip for all rows (pipeline mode)
                    cursor.executemany(text, rows, returning=True)
                    while True:
                        out.append(cursor.fetchone())
                        if not cursor.nextset():
                            break
                else:  # sqlite3 returns no rows from executemany; in-process calls are cheap
                    for row in rows:
                        cursor.execute(text, row)
                        out.append(cursor.fetchone())
        finally:
            cursor.close()
        return out


def json_value(value: Any) -> Any:
    """A JSON column's value: psycopg parses it already, sqlite3 returns the text."""
    return orjson.loads(value) if isinstance(value, str | bytes) else value
