"""Turn one input file into staged, validated Parquet ready to merge into the ledger.

The file is streamed in batches, parsed ahead on a background thread: each batch of
text columns is validated by one SQL query (:mod:`integrita.analytics.validation`),
two DuckDB threads at a time; every row goes to a staging Parquet file with its
verdict, and bad rows are then handed to ``on_bad`` with their line and reason.
:func:`ledger_source` gives AMLworld rows their deterministic ids.
"""

from __future__ import annotations

import itertools
import queue
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa

from integrita.analytics.schema import LABEL_SCHEMA
from integrita.analytics.sources import (
    AMLWORLD_COLUMNS,
    BadRow,
    Layout,
    ReadState,
    TextBatch,
    csv_header,
    jsonl_text,
    read_csv_text,
    read_jsonl_text,
    read_parquet_text,
)
from integrita.analytics.validation import AMLWORLD_SQL, CANONICAL_SQL, resolve_currency
from integrita.domain.transaction import LEDGER_COLUMN_NAMES

#: Rows per Arrow batch handed to DuckDB: each of its threads validates a batch at a time, so a
#: parsed 32 MB block is cut into several for both cores to share.
CHUNK_ROWS = 65_536

#: Columns of the staging file: the ledger's, plus provenance and the validation verdict.
STAGED_COLUMNS: tuple[str, ...] = (
    "line",
    "is_laundering",
    *LEDGER_COLUMN_NAMES,
    "reason",
    "raw",
)


@dataclass(slots=True)
class StagedFile:
    """What staging saw: rows read, how many were valid, and where they are."""

    layout: Layout
    path: Path
    rows_read: int = 0
    valid: int = 0
    quarantined: int = 0
    #: Distinct ids that more than one valid row carries (AMLworld: identical lines).
    repeated_ids: int = 0
    bad_reasons: dict[str, int] = field(default_factory=dict)


def _batches(path: Path | bytes, layout: Layout, state: ReadState) -> Iterator[TextBatch]:
    if isinstance(path, bytes):  # JSON lines already in memory (a batch of streamed messages)
        if layout is not Layout.CANONICAL_JSONL:
            raise ValueError(f"layout {layout} is not read from memory")
        return iter([b for b in (jsonl_text(path, 1, state),) if b.table.num_rows])
    if layout is Layout.AMLWORLD_CSV:
        return read_csv_text(path, AMLWORLD_COLUMNS, state)
    if layout is Layout.CANONICAL_CSV:
        return read_csv_text(path, csv_header(path), state)
    if layout is Layout.CANONICAL_PARQUET:
        return read_parquet_text(path, state)
    if layout is Layout.CANONICAL_JSONL:
        return read_jsonl_text(path, state)
    raise ValueError(f"layout {layout} is not a transaction layout")


def _prepare(table: pa.Table, layout: Layout) -> pa.Table:
    """Resolve currencies once per distinct value; give canonical files every optional column."""
    if layout is Layout.AMLWORLD_CSV:
        table = resolve_currency(table, "payment_currency", "paid")
        return resolve_currency(table, "receiving_currency", "recv")
    for name in LEDGER_COLUMN_NAMES:
        if name not in table.column_names:
            table = table.append_column(name, pa.nulls(table.num_rows, pa.string()))
    table = resolve_currency(table, "paid_currency", "paid", codes_only=True)
    return resolve_currency(table, "received_currency", "recv", codes_only=True)


def _stream(
    path: Path | bytes, layout: Layout, state: ReadState, progress: Callable[[int], None] | None
) -> pa.RecordBatchReader:
    """The file's text batches as one Arrow stream that DuckDB consumes batch by batch."""
    batches = _batches(path, layout, state)
    first = next(batches, None)
    if first is None:
        names = AMLWORLD_COLUMNS if layout is Layout.AMLWORLD_CSV else LEDGER_COLUMN_NAMES
        columns = {
            **{c: pa.array([], pa.string()) for c in names},
            "line": pa.array([], pa.int64()),
        }
        empty = _prepare(pa.table(columns), layout)
        return pa.RecordBatchReader.from_batches(empty.schema, iter(()))
    head = _prepare(first.table, layout)
    schema = head.schema

    def prepared() -> Iterator[pa.Table]:
        for text in batches:
            yield _prepare(text.table, layout).select(schema.names).cast(schema)

    def generate() -> Iterator[pa.RecordBatch]:
        for table in itertools.chain([head], _read_ahead(prepared())):
            if progress is not None:
                progress(table.num_rows)
            yield from table.to_batches(max_chunksize=CHUNK_ROWS)

    return pa.RecordBatchReader.from_batches(schema, generate())


def _read_ahead(tables: Iterator[pa.Table], depth: int = 2) -> Iterator[pa.Table]:
    """Yield ``tables``, produced by a background thread up to ``depth`` ahead.

    The CSV parser releases the GIL, so the next block is parsed while DuckDB validates the
    last one. An error in the reader is raised here; stopping early stops the reader.
    """
    ready: queue.Queue[tuple[pa.Table | None, BaseException | None]] = queue.Queue(depth)
    stop = threading.Event()

    def put(item: tuple[pa.Table | None, BaseException | None]) -> bool:
        while not stop.is_set():
            try:
                ready.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def read() -> None:
        try:
            for table in tables:
                if not put((table, None)):
                    return
            put((None, None))
        except BaseException as exc:  # handed to the consumer, which raises it
            put((None, exc))

    reader = threading.Thread(target=read, name="ingest-read-ahead", daemon=True)
    reader.start()
    try:
        while True:
            table, error = ready.get()
            if error is not None:
                raise error
            if table is None:
                return
            yield table
    finally:
        stop.set()
        reader.join()


def stage(
    path: Path | bytes,
    layout: Layout,
    out: Path,
    on_bad: Callable[[list[BadRow]], None],
    progress: Callable[[int], None] | None = None,
) -> StagedFile:
    """Validate ``path`` into the staging file ``out`` in one streaming DuckDB pass; report bad rows.

    ``path`` may also be JSON lines in memory (``Layout.CANONICAL_JSONL``): a streamed batch
    crosses the same boundary as a file, line by line."""
    result = StagedFile(layout, out)
    state = ReadState()
    sql = AMLWORLD_SQL if layout is Layout.AMLWORLD_CSV else CANONICAL_SQL
    columns = ", ".join(STAGED_COLUMNS)
    with duckdb.connect(config={"threads": 2, "preserve_insertion_order": False}) as con:
        con.execute("SET TimeZone = 'UTC'")
        stream = _stream(path, layout, state, progress)
        con.register("batch", stream)
        # Plain and uncompressed: the file is read back once, soon, from the page cache, and
        # dictionaries and compression would cost more CPU than they save.
        con.execute(
            f"COPY (SELECT {columns} FROM ({sql})) TO '{out}' (FORMAT PARQUET, COMPRESSION UNCOMPRESSED, DICTIONARY_SIZE_LIMIT 0)"
        )
        counts = con.execute(
            f"SELECT count(*), count(*) FILTER (WHERE reason IS NULL) FROM read_parquet('{out}')"
        ).fetchone()
        assert counts is not None
        result.rows_read, result.valid = int(counts[0]), int(counts[1])
        result.repeated_ids = _repeated_ids(con, f"read_parquet('{out}')")
        bad = con.execute(
            f"SELECT line, reason, raw FROM read_parquet('{out}') WHERE reason IS NOT NULL ORDER BY line"
        ).fetchall()
    rows = [BadRow(int(line), str(reason), str(raw)) for line, reason, raw in bad]
    for start in range(0, len(rows), 10_000):
        _count_bad(result, rows[start : start + 10_000], on_bad, counted=True)
    _count_bad(result, state.bad_rows, on_bad, counted=False)
    return result


def _repeated_ids(con: duckdb.DuckDBPyConnection, staged: str) -> int:
    """How many ids more than one valid row carries.

    Grouping by a 64-bit hash of the id is cheaper and needs far less memory than grouping
    by the id; equal ids have equal hashes, so only when some hash repeats are the ids
    themselves grouped.
    """
    valid = f"(SELECT txn_id FROM {staged} WHERE reason IS NULL)"
    repeated = "GROUP BY 1 HAVING count(*) > 1"
    found = con.execute(
        f"SELECT count(*) FROM (SELECT hash(txn_id) FROM {valid} {repeated})"
    ).fetchone()
    if not found or int(found[0]) == 0:
        return 0
    exact = con.execute(f"SELECT count(*) FROM (SELECT txn_id FROM {valid} {repeated})").fetchone()
    return int(exact[0]) if exact else 0


def _count_bad(
    result: StagedFile, rows: list[BadRow], on_bad: Callable[[list[BadRow]], None], *, counted: bool
) -> None:
    """Hand bad rows to ``on_bad`` and tally them; parser rejects were not yet counted as read."""
    if not rows:
        return
    if not counted:
        result.rows_read += len(rows)
    result.quarantined += len(rows)
    for row in rows:
        key = _reason_kind(row.reason)
        result.bad_reasons[key] = result.bad_reasons.get(key, 0) + 1
    on_bad(rows)


def _reason_kind(reason: str) -> str:
    """The reason without the offending value, for summary tables."""
    for prefix in (
        "wrong column count",
        "unparseable date",
        "missing account",
        "missing txn_id",
        "non-numeric amount",
        "negative amount",
        "unknown currency",
        "amount too large",
        "unknown kind",
        "unknown channel",
        "unknown counterparty type",
        "not valid JSON",
        "not a JSON object",
    ):
        if reason.startswith(prefix):
            return prefix
    return reason.split(",")[0][:40]


def ledger_source(staged: StagedFile) -> str:
    """SQL yielding the staged file's valid rows in ledger columns (plus ``is_laundering``).

    An AMLworld row's id is a hash of its content and the number 1. Two identical lines
    are two transactions, so where content (hence id) repeats, the n-th occurrence in
    file order gets a hash of the first id and n; re-reading the same file yields the
    same ids. Only repeated contents go through the numbering window.
    """
    cols = ", ".join(c for c in LEDGER_COLUMN_NAMES if c != "txn_id")
    valid = f"(SELECT * FROM read_parquet('{staged.path}') WHERE reason IS NULL)"
    plain = f"SELECT txn_id, {cols}, is_laundering FROM {valid}"
    if staged.layout is not Layout.AMLWORLD_CSV:
        return plain
    if staged.repeated_ids == 0:
        return plain
    rep = f"(SELECT txn_id FROM {valid} GROUP BY txn_id HAVING count(*) > 1)"
    n = "row_number() OVER (PARTITION BY txn_id ORDER BY line)"
    renumbered = f"CASE WHEN {n} = 1 THEN txn_id ELSE 'AW' || substr(md5(txn_id || '#' || CAST({n} AS VARCHAR)), 1, 24) END"
    return (
        f"SELECT txn_id, {cols}, is_laundering FROM {valid} s ANTI JOIN {rep} r USING (txn_id) UNION ALL "
        f"SELECT {renumbered} AS txn_id, {cols}, is_laundering FROM {valid} s SEMI JOIN {rep} r USING (txn_id)"
    )


def laundering_labels(source_sql: str) -> pa.Table:
    """Labels for the rows a source marks as laundering (AMLworld's ``Is Laundering``)."""
    with duckdb.connect(config={"threads": 2}) as con:
        labels = con.execute(
            "SELECT txn_id, true AS is_laundering, CAST(NULL AS VARCHAR) AS typology, "
            f"CAST(NULL AS VARCHAR) AS pattern_id FROM ({source_sql}) WHERE is_laundering"
        ).fetch_arrow_table()
    return labels.cast(LABEL_SCHEMA)


def stage_labels(path: Path, on_bad: Callable[[list[BadRow]], None]) -> tuple[pa.Table, StagedFile]:
    """Read a labels CSV (txn_id, is_laundering, typology, pattern_id); bad rows go to ``on_bad``."""
    result = StagedFile(Layout.LABELS_CSV, path)
    state = ReadState()
    header = csv_header(path)
    tables = [t.table for t in read_csv_text(path, header, state)]
    table = (
        pa.concat_tables(tables)
        if tables
        else pa.table({c: pa.array([], pa.string()) for c in (*header, "line")})
    )
    good: list[dict[str, object]] = []
    bad: list[BadRow] = list(state.bad_rows)
    for row in table.to_pylist():
        txn_id = (row.get("txn_id") or "").strip()
        flag = (row.get("is_laundering") or "").strip().lower()
        raw = ",".join(str(row.get(c) or "") for c in header)
        if not txn_id:
            bad.append(BadRow(int(row["line"]), "missing txn_id", raw))
        elif flag not in {"true", "false", "1", "0"}:
            bad.append(
                BadRow(int(row["line"]), f"is_laundering must be true or false, not {flag!r}", raw)
            )
        else:
            good.append(
                {
                    "txn_id": txn_id,
                    "is_laundering": flag in {"true", "1"},
                    "typology": (row.get("typology") or None),
                    "pattern_id": (row.get("pattern_id") or None),
                }
            )
    result.rows_read = table.num_rows
    result.valid = len(good)
    _count_bad(result, bad[len(state.bad_rows) :], on_bad, counted=True)
    _count_bad(result, bad[: len(state.bad_rows)], on_bad, counted=False)
    return pa.Table.from_pylist(good, schema=LABEL_SCHEMA), result
