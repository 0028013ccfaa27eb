"""Engine, sessions and migrations for the operational database.

SQLite by default (one file, nothing to install); PostgreSQL by setting
``INTEGRITA_DATABASE_URL=postgresql+psycopg://...``. Services open a
transaction with :meth:`Database.transaction`; helpers never commit on their own.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson
from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, event, inspect
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DataError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from integrita.errors import ConfigurationError, DatabaseBusyError, InputError

MIGRATIONS_DIR = Path(__file__).parent / "migrations"

__all__ = ["Database", "Session"]


def _json_dumps(value: Any) -> str:
    """JSON columns written with orjson (several times faster than the standard library on
    the decision path); values orjson refuses (e.g. integers beyond 64 bits) fall back."""
    try:
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()
    except TypeError:
        return json.dumps(value)


def _sqlite_pragmas(busy_ms: int) -> Any:
    def configure(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
        cursor.close()

    return configure


def busy_error(exc: BaseException) -> DatabaseBusyError | None:
    """The clear error for SQLite's "database is locked" (another process kept the write
    lock longer than ``busy_timeout``), or None for any other exception."""
    if isinstance(exc, OperationalError | sqlite3.OperationalError) and (
        "database is locked" in str(exc) or "database is busy" in str(exc)
    ):
        return DatabaseBusyError(
            "the database is busy with another writer (an operator job?); nothing was "
            "written, try again in a few seconds"
        )
    return None


class Database:
    """One operational database: an engine, a session factory and its migrations."""

    def __init__(self, url: str, *, echo: bool = False, busy_timeout_seconds: float = 10.0) -> None:
        try:
            parsed = make_url(url)
        except Exception as exc:
            raise ConfigurationError(f"database URL {url!r} is not valid: {exc}") from exc
        self.url = url
        self.dialect = parsed.get_backend_name()
        kwargs: dict[str, Any] = {
            "echo": echo,
            "future": True,
            "json_serializer": _json_dumps,
            "json_deserializer": orjson.loads,
        }
        if self.dialect == "sqlite":
            if parsed.database and parsed.database != ":memory:":
                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            kwargs["connect_args"] = {
                "check_same_thread": False,
                "timeout": busy_timeout_seconds,
            }
        else:
            kwargs.update(pool_pre_ping=True, pool_size=10, max_overflow=20)
        self.engine: Engine = create_engine(url, **kwargs)
        if self.dialect == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas(int(busy_timeout_seconds * 1000)))
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        #: The audit trail's HMAC key, read from outside the database by the service context;
        #: every session carries it to the audit repository (None: plain SHA-256 chain).
        self.audit_key: bytes | None = None

    @property
    def is_sqlite(self) -> bool:
        return self.dialect == "sqlite"

    def session(self) -> Session:
        session = self._sessions()
        session.info["audit_key"] = self.audit_key
        return session

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One unit of work: commits when the block ends, rolls back on any exception.

        A value the database cannot hold (an id beyond a 32-bit INTEGER column, a text longer
        than its VARCHAR, on PostgreSQL; SQLite holds anything) is the client's input out of
        range, not a server error: it is refused as an :class:`InputError` (422). The HTTP
        boundary bounds what it knows; this catches what a column adds. SQLite's "database is
        locked" becomes :class:`DatabaseBusyError` (503, Retry-After).
        """
        session = self.session()
        try:
            with session.begin():
                yield session
        except DataError as exc:
            reason = str(exc.orig).splitlines()[0] if exc.orig is not None else "out of range"
            raise InputError(f"a value does not fit what the database stores: {reason}") from exc
        except (OperationalError, sqlite3.OperationalError) as exc:  # the driver's, unwrapped
            busy = busy_error(exc)
            if busy is None:
                raise
            raise busy from exc
        finally:
            session.close()

    def alembic_config(self) -> Config:
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS_DIR))
        config.set_main_option("sqlalchemy.url", self.url.replace("%", "%%"))
        config.attributes["engine"] = self.engine
        return config

    def upgrade(self, revision: str = "heads") -> None:
        """Bring the schema up to date (every migration branch)."""
        command.upgrade(self.alembic_config(), revision)

    def current_revisions(self) -> set[str]:
        from alembic.runtime.migration import MigrationContext

        with self.engine.connect() as connection:
            return set(MigrationContext.configure(connection).get_current_heads())

    def table_names(self) -> list[str]:
        return sorted(inspect(self.engine).get_table_names())

    def dispose(self) -> None:
        self.engine.dispose()
