"""The stored-id index: every ``txn_id`` in the ledger, in a B-tree on disk (SQLite).

Before it, each append anti-joined its batch against the ``txn_id`` column of every Parquet
file, so its cost grew with the ledger and, above all, with the number of files (measured in
``docs/benchmarks.md``, "stream"). A probe here costs a few B-tree pages per id whatever the
ledger's size, and SQLite's page cache is bounded, so a long-running consumer's memory does
not grow with the ledger either.

The Parquet files stay the truth and the index is derived from them. A write-ahead journal
(table ``unindexed``) names each file before it is published; a file leaves the journal in the
same transaction that adds its ids. So a crash anywhere leaves the index short of some
published files, never ahead of them, and the next writer reads those files' ids in
(``catch_up``) before it trusts the index. A bulk append (``integrita ingest``) only journals
its files and checks its batch the old way, so loading millions of rows does not wait for
their ids to enter the B-tree; the next small append catches up. A ledger written before the
index existed is journalled whole when the index is created. Deleting the index file is safe:
it is rebuilt from the files.

Writers hold the ledger's writer lock (``ledger_files.writer_lock``); readers never open this.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType

import orjson

INDEX_FILE = "_txn_ids.sqlite"

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS ids (txn_id TEXT PRIMARY KEY) WITHOUT ROWID",
    "CREATE TABLE IF NOT EXISTS unindexed (name TEXT PRIMARY KEY) WITHOUT ROWID",
    "CREATE TABLE IF NOT EXISTS built (at TEXT NOT NULL)",
)


class TxnIdIndex:
    """The ids stored in one ledger; used under the ledger's writer lock."""

    def __init__(self, root: Path, live: Callable[[], Iterable[str]]) -> None:
        root.mkdir(parents=True, exist_ok=True)
        self._con = sqlite3.connect(root / INDEX_FILE, isolation_level=None)
        # WAL with a sync at each commit: a journal entry is on disk before its file is
        # published, and the index is never ahead of the files after a power loss.
        self._con.execute("PRAGMA journal_mode = WAL")
        self._con.execute("PRAGMA synchronous = FULL")
        self._con.execute("PRAGMA busy_timeout = 60000")
        with self._transaction():
            for statement in _SCHEMA:
                self._con.execute(statement)
            if self._con.execute("SELECT count(*) FROM built").fetchone() == (0,):
                # a new index (or one whose building was cut short): every file is unindexed
                self._journal(live())
                self._con.execute("INSERT INTO built VALUES (datetime('now'))")

    def __enter__(self) -> TxnIdIndex:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._con.close()

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        """``BEGIN IMMEDIATE`` .. ``COMMIT`` (``ROLLBACK`` on an error)."""
        self._con.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._con.execute("ROLLBACK")
            raise
        self._con.execute("COMMIT")

    def _journal(self, names: Iterable[str]) -> None:
        self._con.executemany("INSERT OR IGNORE INTO unindexed VALUES (?)", ((n,) for n in names))

    def journal(self, names: Sequence[str]) -> None:
        """Name files about to be published (durable once this returns)."""
        if names:
            with self._transaction():
                self._journal(names)

    def journalled(self) -> list[str]:
        return [str(r[0]) for r in self._con.execute("SELECT name FROM unindexed ORDER BY name")]

    def catch_up(
        self, is_live: Callable[[str], bool], read_ids: Callable[[list[str]], Iterable[list[str]]]
    ) -> int:
        """Add the ids of every journalled file that is live; forget journalled names that are
        not (never published, or merged away); returns how many files were read."""
        names = self.journalled()
        if not names:
            return 0
        published = [n for n in names if is_live(n)]
        with self._transaction():
            for block in read_ids(published) if published else []:
                self._insert(block)
            self._con.executemany("DELETE FROM unindexed WHERE name = ?", ((n,) for n in names))
        return len(published)

    def known(self, txn_ids: list[str]) -> list[str]:
        """Those of ``txn_ids`` already stored."""
        if not txn_ids:
            return []
        rows = self._con.execute(
            "SELECT txn_id FROM ids WHERE txn_id IN (SELECT value FROM json_each(?))",
            (orjson.dumps(txn_ids).decode(),),
        )
        return [str(r[0]) for r in rows]

    def _insert(self, txn_ids: Iterable[str]) -> None:
        # One statement over a JSON array, not a statement per id: a third of the CPU for a
        # streamed batch of 50,000 ids, and the GIL is released once instead of once per id
        # (the consumer's event loop runs on the other thread; docs/benchmarks.md, "stream").
        ids = txn_ids if isinstance(txn_ids, list) else list(txn_ids)
        if ids:
            self._con.execute(
                "INSERT OR IGNORE INTO ids SELECT value FROM json_each(?)",
                (orjson.dumps(ids).decode(),),
            )

    def indexed(self, txn_ids: Iterable[str], names: Sequence[str]) -> None:
        """Record the ids of published files and take the files off the journal, at once."""
        with self._transaction():
            self._insert(txn_ids)
            self._con.executemany("DELETE FROM unindexed WHERE name = ?", ((n,) for n in names))

    def count(self) -> int:
        row = self._con.execute("SELECT count(*) FROM ids").fetchone()
        return int(row[0]) if row else 0
