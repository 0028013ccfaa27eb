"""Fetching a handful of ledger transactions by id, fast enough for a web page.

Opening a fresh DuckDB database and defining the whole-ledger view costs tens of
milliseconds and reads every file's footer; a case page needs a few dozen rows.
So each thread keeps one DuckDB connection, and the caller may narrow the files
to the booking days the evidence covers (partition pruning by directory name).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from datetime import date
from typing import Any

import duckdb

from integrita.analytics.ledger import Ledger
from integrita.analytics.schema import LEDGER_SCHEMA

_local = threading.local()


def _connection(memory_limit: str, threads: int) -> duckdb.DuckDBPyConnection:
    con: duckdb.DuckDBPyConnection | None = getattr(_local, "con", None)
    if con is None:
        con = duckdb.connect(config={"memory_limit": memory_limit, "threads": threads})
        _local.con = con
    return con


def _files(ledger: Ledger, first_day: date | None, last_day: date | None) -> list[str]:
    """The ledger's files of the booking days between the optional bounds (``Ledger.files``:
    a merge of small files never shows both the merged file and the files it replaced)."""

    def wanted(partition: str) -> bool:
        day = date.fromisoformat(partition.split("=", 1)[1])
        return not ((first_day and day < first_day) or (last_day and day > last_day))

    return [str(f) for f in ledger.files(wanted)]


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def transactions_by_id(
    ledger: Ledger,
    txn_ids: Iterable[str],
    *,
    first_day: date | None = None,
    last_day: date | None = None,
) -> list[dict[str, Any]]:
    """The ledger rows with these ids (booked between the optional days), in booking order."""
    ids = sorted(set(txn_ids))
    files = _files(ledger, first_day, last_day)
    if not ids or not files:
        return []
    con = _connection(ledger.memory_limit, ledger.threads)
    columns = ", ".join(f.name for f in LEDGER_SCHEMA)
    # Literals rather than bound Python lists: binding a list makes DuckDB probe for optional
    # Python packages on every call, which costs more than the query itself.
    file_list = ", ".join(_quote(f) for f in files)
    id_list = ", ".join(_quote(i) for i in ids)
    table = con.execute(
        f"SELECT {columns} FROM read_parquet([{file_list}], hive_partitioning = false, "
        f"union_by_name = true) WHERE txn_id IN ({id_list}) ORDER BY booked_at, txn_id"
    ).fetch_arrow_table()
    rows: list[dict[str, Any]] = table.to_pylist()
    return rows
