"""Engine, sessions and migrations for the operational database.

SQLite by default (one file, nothing to install); PostgreSQL by setting
``INTEGRITA_DATABASE_URL=postgresql+psycopg://...``. Services open a
transaction with :meth:`Database.transaction`; helpers never commit on their own.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson
from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, event, inspect
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker

from integrita.errors import ConfigurationError

MIGRATIONS_DIR = Path(__file__).parent / "migrations"

__all__ = ["Database", "Session"]


def _json_dumps(value: Any) -> str:
    """JSON columns written with orjson (several times faster than the standard library on
    the decision path); values orjson refuses (e.g. integers beyond 64 bits) fall back."""
    try:
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()
    except TypeError:
        return json.dumps(value)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


class Database:
    """One operational database: an engine, a session factory and its migrations."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
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
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
        else:
            kwargs.update(pool_pre_ping=True, pool_size=10, max_overflow=20)
        self.engine: Engine = create_engine(url, **kwargs)
        if self.dialect == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
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
        """One unit of work: commits when the block ends, rolls back on any exception."""
        session = self.session()
        try:
            with session.begin():
                yield session
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
