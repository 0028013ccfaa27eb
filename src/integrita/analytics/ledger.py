"""The append-only Parquet ledger, partitioned by booking date and keyed by ``txn_id``.

Layout: ``<root>/booking_date=YYYY-MM-DD/part-<batch>-<n>.parquet``. A row, once stored, is
never changed: an append writes new files holding just the rows whose ``txn_id`` is not yet in
the ledger (whatever their booking day) and not repeated in the batch, so appending the same
rows twice stores nothing the second time. Small files of one day are merged now and then
(``ledger_compaction``), which rewrites rows into fewer files without changing them; readers
take the list of files from ``ledger_files.live_files``, never from a bare glob.

An append finds the stored ids in the stored-id index (``ledger_ids``) when its batch is small
(a streamed batch: its cost does not grow with the ledger), and by one anti-join against every
stored id when it is large (a file ingest: the batch costs as much as the scan). Appends and
merges take the ledger's writer lock, one at a time across processes.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from integrita.analytics.ledger_files import (
    PARTITION_KEY,
    fsync_path,
    live_files,
    relative,
    writer_lock,
    writer_state,
)
from integrita.analytics.ledger_ids import TxnIdIndex
from integrita.analytics.schema import LEDGER_SCHEMA, conform

__all__ = ["PARTITION_KEY", "AppendResult", "Ledger", "LedgerStats", "fsync_path"]

#: batches up to this many rows are checked against the stored-id index, larger ones by an
#: anti-join against every stored id (see the module's docstring)
INDEX_MAX_ROWS = 250_000


@dataclass(frozen=True, slots=True)
class AppendResult:
    offered: int
    stored: int
    partitions: tuple[str, ...] = ()  # the partition directories that received a file

    @property
    def duplicates(self) -> int:
        return self.offered - self.stored


@dataclass(frozen=True, slots=True)
class LedgerStats:
    transactions: int
    partitions: int
    files: int
    first_day: date | None
    last_day: date | None
    accounts: int
    by_kind: dict[str, int]
    by_currency: dict[str, int]
    bytes_on_disk: int


def parquet_list(files: list[Path]) -> str:
    """A DuckDB list literal of file paths."""
    return "[" + ", ".join("'" + str(f).replace("'", "''") + "'" for f in files) + "]"


class Ledger:
    """Read and append the Parquet ledger through DuckDB."""

    def __init__(
        self,
        root: Path,
        *,
        memory_limit: str = "1500MB",
        threads: int = 2,
        index_max_rows: int = INDEX_MAX_ROWS,
    ) -> None:
        self.root = Path(root)
        self.memory_limit = memory_limit
        self.threads = threads
        self.index_max_rows = index_max_rows

    # -- connections -------------------------------------------------------------------------
    def connect(self, *, view: bool = True) -> duckdb.DuckDBPyConnection:
        """A DuckDB connection with the ``ledger`` view defined (empty when nothing is stored)."""
        con = duckdb.connect(config={"memory_limit": self.memory_limit, "threads": self.threads})
        tmp = self.root.parent / ".duckdb-tmp"
        tmp.mkdir(parents=True, exist_ok=True)
        con.execute(f"SET temp_directory = '{tmp}'")
        con.execute("SET preserve_insertion_order = false")
        con.execute("SET TimeZone = 'UTC'")
        if view:
            self.define_view(con)
        return con

    def define_view(self, con: duckdb.DuckDBPyConnection, name: str = "ledger") -> None:
        files = self.files()
        if files:
            con.execute(
                f"CREATE OR REPLACE VIEW {name} AS SELECT * EXCLUDE ({PARTITION_KEY}), "
                f"CAST({PARTITION_KEY} AS DATE) AS {PARTITION_KEY} "
                f"FROM read_parquet({parquet_list(files)}, hive_partitioning = true, "
                "union_by_name = true)"
            )
        else:
            con.register("_empty_ledger", pa.Table.from_pylist([], schema=LEDGER_SCHEMA))
            con.execute(
                f"CREATE OR REPLACE VIEW {name} AS SELECT *, CAST(booked_at AS DATE) AS {PARTITION_KEY} "
                "FROM _empty_ledger"
            )

    def files(self, partitions: Callable[[str], bool] | None = None) -> list[Path]:
        """The ledger's Parquet files (merged files replace the ones they hold atomically);
        only those of the partition directories ``partitions`` accepts, when given."""
        return live_files(self.root, partitions)

    def partitions(self) -> list[date]:
        return sorted({date.fromisoformat(f.parent.name.split("=", 1)[1]) for f in self.files()})

    # -- appending ---------------------------------------------------------------------------
    def append_table(self, table: pa.Table) -> AppendResult:
        """Append rows in the canonical schema; rows whose ``txn_id`` is already stored are skipped."""
        staging = self.root.parent / ".staging" / f"{uuid.uuid4().hex}.parquet"
        staging.parent.mkdir(parents=True, exist_ok=True)
        try:
            pq.write_table(conform(table), staging)
            return self.append_parquet(staging)
        finally:
            staging.unlink(missing_ok=True)

    def append_parquet(self, staged: Path | list[Path]) -> AppendResult:
        """Merge staged Parquet file(s) in the canonical schema into the ledger, skipping known ids."""
        paths = [staged] if isinstance(staged, Path) else staged
        if not paths:
            return AppendResult(0, 0)
        columns = ", ".join(f.name for f in LEDGER_SCHEMA)
        sources = "[" + ", ".join(f"'{p}'" for p in paths) + "]"
        return self.append_query(f"SELECT {columns} FROM read_parquet({sources})")

    def append_query(
        self,
        source_sql: str,
        *,
        offered: int | None = None,
        distinct: bool = False,
        durable: bool = False,
    ) -> AppendResult:
        """Append the rows of a query yielding the ledger columns, once per ``txn_id``.

        Rows whose id is already stored are skipped: a batch of at most ``index_max_rows``
        looks its ids up in the stored-id index, a larger one is anti-joined against every
        stored id. Among rows sharing an id within the batch the earliest booking is kept. Only
        the (rare) repeated ids go through a window, so a batch of millions of distinct rows
        streams straight to Parquet. ``distinct`` says the caller has already counted that no
        id repeats within the batch, which spares grouping the batch by id. ``durable`` flushes
        the new files and their directories to disk before returning (a stream acknowledges
        its messages only after that); a batch checked against the index is always flushed,
        since the index must never hold an id whose file could still be lost.
        """
        batch = uuid.uuid4().hex[:12]
        out = (self.root.parent / ".staging" / f"out-{batch}").resolve()
        out.parent.mkdir(parents=True, exist_ok=True)
        columns = ", ".join(f.name for f in LEDGER_SCHEMA)
        with writer_lock(self.root), self.connect(view=False) as con:
            con.execute(f"CREATE TEMP VIEW incoming AS {source_sql}")
            if offered is None:
                counted = con.execute("SELECT count(*) FROM incoming").fetchone()
                offered = int(counted[0]) if counted else 0
            has_repeats = False
            if not distinct:
                con.execute(
                    "CREATE TEMP TABLE repeated AS SELECT txn_id, count(*) AS n FROM incoming GROUP BY txn_id HAVING n > 1"
                )
                repeats = con.execute("SELECT count(*) FROM repeated").fetchone()
                has_repeats = bool(repeats and repeats[0])
            with TxnIdIndex(self.root, self.live_names) as index:
                by_index = offered <= self.index_max_rows
                fresh_ids: set[str] = set()
                if by_index:
                    # files published but not yet indexed (a bulk append, a crash) first
                    index.catch_up(self._is_live, lambda names: self._ids_of(con, names))
                    offered_ids = con.execute("SELECT txn_id FROM incoming").fetchnumpy()["txn_id"]
                    fresh_ids = set(offered_ids.tolist())
                    known = index.known(sorted(fresh_ids))
                    fresh_ids.difference_update(known)
                    con.register("stored_ids", pa.table({"txn_id": pa.array(known, pa.string())}))
                    unseen = "ANTI JOIN stored_ids AS l USING (txn_id)"
                else:
                    stored_files = self.files()
                    unseen = ""
                    if stored_files:
                        con.execute(
                            f"CREATE TEMP VIEW stored_ids AS SELECT txn_id FROM read_parquet({parquet_list(stored_files)})"
                        )
                        unseen = "ANTI JOIN stored_ids AS l USING (txn_id)"
                fresh = f"SELECT {columns} FROM incoming AS i {unseen}"
                if has_repeats:
                    fresh = (
                        f"{fresh} WHERE i.txn_id NOT IN (SELECT txn_id FROM repeated) UNION ALL "
                        f"SELECT {columns} FROM incoming AS i {unseen} WHERE i.txn_id IN (SELECT txn_id FROM repeated) "
                        "QUALIFY row_number() OVER (PARTITION BY i.txn_id ORDER BY i.booked_at) = 1"
                    )
                # The booking day of the UTC instant, by integer arithmetic on its microseconds
                # (a time-zone conversion per row costs more than the rest of the projection).
                day = f"CAST(make_timestamp(epoch_us(booked_at)) AS DATE) AS {PARTITION_KEY}"
                written = con.execute(
                    f"""
                    COPY (SELECT *, {day} FROM ({fresh}))
                    TO '{out}' (FORMAT PARQUET, PARTITION_BY ({PARTITION_KEY}),
                               FILENAME_PATTERN 'part-{batch}-{{i}}', COMPRESSION ZSTD, COMPRESSION_LEVEL 1)
                    """
                ).fetchone()
                stored = int(written[0]) if written else 0
                if not stored:
                    shutil.rmtree(out, ignore_errors=True)
                    return AppendResult(offered, 0)
                names = [relative(out, f) for f in sorted(out.glob(f"{PARTITION_KEY}=*/*.parquet"))]
                index.journal(names)  # before the files are published: see ledger_ids
                self._publish(out, durable=durable or by_index)
                if by_index:
                    index.indexed(fresh_ids, names)
        return AppendResult(offered, stored, tuple(sorted({n.split("/", 1)[0] for n in names})))

    def live_names(self) -> list[str]:
        """The ledger's files by their names under the root (``booking_date=…/part-….parquet``)."""
        return [relative(self.root, f) for f in self.files()]

    def _is_live(self, name: str) -> bool:
        """Whether a file (by its name under the root) is part of the ledger; called under the
        writer lock, so no merge is switching files meanwhile."""
        return (self.root / name).exists() and not writer_state(self.root).is_hidden(name)

    def _ids_of(self, con: duckdb.DuckDBPyConnection, names: list[str]) -> Iterator[list[str]]:
        """The ids stored in these files, a block at a time, each file flushed to disk first
        (the index must not hold ids of a file that a power loss could still take back)."""
        paths = [self.root / n for n in names]
        for path in paths:
            fsync_path(path)
        reader = con.execute(
            f"SELECT txn_id FROM read_parquet({parquet_list(paths)})"
        ).fetch_record_batch(100_000)
        for block in reader:
            yield [str(i) for i in block.column(0).to_pylist()]

    def _publish(self, out: Path, *, durable: bool = False) -> None:
        """Move freshly written partition files into the ledger (new names only)."""
        touched: set[Path] = set()
        for file in sorted(out.glob(f"{PARTITION_KEY}=*/*.parquet")):
            target_dir = self.root / file.parent.name
            target_dir.mkdir(parents=True, exist_ok=True)
            if durable:
                fsync_path(file)
            file.replace(target_dir / file.name)
            touched.add(target_dir)
        if durable:
            for directory in sorted(touched):
                fsync_path(directory)
            fsync_path(self.root)
        shutil.rmtree(out, ignore_errors=True)

    # -- reading -----------------------------------------------------------------------------
    def count(self) -> int:
        with self.connect() as con:
            row = con.execute("SELECT count(*) FROM ledger").fetchone()
        return int(row[0]) if row else 0

    def read(self, where: str = "TRUE") -> pa.Table:
        """The rows matching a SQL condition, in booking order (for tests and small reads)."""
        with self.connect() as con:
            cols = ", ".join(f.name for f in LEDGER_SCHEMA)
            return con.execute(
                f"SELECT {cols} FROM ledger WHERE {where} ORDER BY booked_at, txn_id"
            ).fetch_arrow_table()

    def stats(self) -> LedgerStats:
        with self.connect() as con:
            row = con.execute(
                f"SELECT count(*), min({PARTITION_KEY}), max({PARTITION_KEY}), "
                "(SELECT count(*) FROM (SELECT from_account AS a FROM ledger UNION SELECT to_account FROM ledger)) "
                "FROM ledger"
            ).fetchone()
            by_kind = dict(
                con.execute(
                    "SELECT kind, count(*) FROM ledger GROUP BY 1 ORDER BY 2 DESC"
                ).fetchall()
            )
            by_currency = dict(
                con.execute(
                    "SELECT paid_currency, count(*) FROM ledger GROUP BY 1 ORDER BY 2 DESC"
                ).fetchall()
            )
        assert row is not None
        files = self.files()
        return LedgerStats(
            transactions=int(row[0]),
            partitions=len(self.partitions()),
            files=len(files),
            first_day=row[1],
            last_day=row[2],
            accounts=int(row[3]),
            by_kind={str(k): int(v) for k, v in by_kind.items()},
            by_currency={str(k): int(v) for k, v in by_currency.items()},
            bytes_on_disk=sum(f.stat().st_size for f in files),
        )
