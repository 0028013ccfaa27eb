"""Reading transaction files as batches of text columns with their physical line numbers.

Every layout is read as strings first, so that one validation step (see
:mod:`integrita.analytics.validation`) decides for each row whether it is stored
or quarantined, and why. Rows with the wrong number of columns never reach that
step: the CSV parser hands them to us with their line number and raw text.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from integrita.domain.transaction import AMLWORLD_HEADER, LEDGER_COLUMN_NAMES

AMLWORLD_COLUMNS: tuple[str, ...] = (
    "timestamp",
    "from_bank",
    "from_account",
    "to_bank",
    "to_account",
    "amount_received",
    "receiving_currency",
    "amount_paid",
    "payment_currency",
    "payment_format",
    "is_laundering",
)
LABEL_COLUMNS: tuple[str, ...] = ("txn_id", "is_laundering", "typology", "pattern_id")
BLOCK_SIZE = 32 << 20


class Layout(StrEnum):
    AMLWORLD_CSV = "amlworld_csv"
    CANONICAL_CSV = "canonical_csv"
    CANONICAL_PARQUET = "canonical_parquet"
    CANONICAL_JSONL = "canonical_jsonl"
    LABELS_CSV = "labels_csv"


class LayoutError(ValueError):
    """The file is not in a layout integrita can ingest (names the reason)."""


@dataclass(slots=True)
class BadRow:
    line: int
    reason: str
    raw: str


@dataclass(slots=True)
class TextBatch:
    """Rows as strings, with ``line`` (1-based physical line, or row number for Parquet)."""

    table: pa.Table


@dataclass(slots=True)
class ReadState:
    """Rows the parser rejected before validation (wrong column count, bad JSON)."""

    bad_rows: list[BadRow] = field(default_factory=list)


def _first_line(path: Path) -> str:
    with path.open("rb") as handle:
        return handle.readline().decode("utf-8-sig", errors="replace").strip("\r\n")


def detect_layout(path: Path) -> Layout:
    """Tell the layout from the file name and header."""
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        names = set(pq.read_schema(path).names)
        missing = {"txn_id", "booked_at"} - names
        if missing:
            raise LayoutError(
                f"{path}: Parquet file lacks canonical column(s) {', '.join(sorted(missing))}"
            )
        return Layout.CANONICAL_PARQUET
    if suffix in {".jsonl", ".ndjson"}:
        return Layout.CANONICAL_JSONL
    if suffix != ".csv":
        raise LayoutError(
            f"{path}: unsupported file type {suffix!r} (expected .csv, .parquet, .jsonl)"
        )
    header = [h.strip() for h in _first_line(path).split(",")]
    if tuple(header) == AMLWORLD_HEADER:
        return Layout.AMLWORLD_CSV
    if tuple(header[:4]) == LABEL_COLUMNS[:4] or (header[:2] == ["txn_id", "is_laundering"]):
        return Layout.LABELS_CSV
    if "txn_id" in header and "booked_at" in header:
        missing_cols = [c for c in LEDGER_COLUMN_NAMES[:15] if c not in header]
        if missing_cols:
            raise LayoutError(f"{path}: canonical CSV lacks column(s) {', '.join(missing_cols)}")
        return Layout.CANONICAL_CSV
    raise LayoutError(
        f"{path}: header matches neither the canonical schema (txn_id, booked_at, ...) "
        f"nor the AMLworld layout ({', '.join(AMLWORLD_HEADER)})"
    )


def count_data_lines(path: Path) -> int:
    """Physical lines after the header, counted independently of the parser (for reconciliation)."""
    lines = 0
    last = b"\n"
    with path.open("rb") as handle:
        while chunk := handle.read(16 << 20):
            lines += chunk.count(b"\n")
            last = chunk[-1:]
    if last != b"\n":
        lines += 1  # final line without a newline
    return max(lines - 1, 0)


def _line_numbers(first_row: int, n: int, skipped: np.ndarray) -> np.ndarray:
    """Physical line numbers of valid rows ``first_row .. first_row+n-1`` (0-based among valid rows).

    ``skipped`` holds, for each line the parser rejected, how many valid rows came before it
    (non-decreasing); a valid row's line is its index + header + rejected lines before it.
    """
    index = np.arange(first_row, first_row + n, dtype=np.int64)
    before = np.searchsorted(skipped, index, side="right")
    return index + 2 + before


def read_csv_text(path: Path, columns: tuple[str, ...], state: ReadState) -> Iterator[TextBatch]:
    """Stream a CSV as string columns; rows with a wrong column count go to ``state.bad_rows``."""
    skipped_after_valid: list[int] = []
    valid_so_far = 0

    def on_invalid(row: pacsv.InvalidRow) -> str:
        line = int(row.number) if row.number is not None else -1
        state.bad_rows.append(
            BadRow(
                line,
                f"wrong column count: {row.actual_columns} of {row.expected_columns}",
                row.text or "",
            )
        )
        # Valid rows before this line = (line - header - rejected lines before it) - 1 ... computed below.
        skipped_after_valid.append(line - 2 - len(skipped_after_valid))
        return "skip"

    reader = pacsv.open_csv(
        path,
        read_options=pacsv.ReadOptions(
            use_threads=False, column_names=list(columns), skip_rows=1, block_size=BLOCK_SIZE
        ),
        parse_options=pacsv.ParseOptions(invalid_row_handler=on_invalid, ignore_empty_lines=False),
        convert_options=pacsv.ConvertOptions(
            column_types={c: pa.string() for c in columns}, strings_can_be_null=False
        ),
    )
    for batch in reader:
        n = batch.num_rows
        lines = _line_numbers(valid_so_far, n, np.asarray(skipped_after_valid, dtype=np.int64))
        valid_so_far += n
        table = pa.Table.from_batches([batch]).append_column("line", pa.array(lines, pa.int64()))
        yield TextBatch(table)


def csv_header(path: Path) -> tuple[str, ...]:
    return tuple(h.strip() for h in _first_line(path).split(","))


def read_parquet_text(
    path: Path, state: ReadState, batch_rows: int = 500_000
) -> Iterator[TextBatch]:
    """Stream a canonical Parquet file, casting every column to text; ``line`` is the 1-based row number."""
    del state  # Parquet rows always have every column
    handle = pq.ParquetFile(path)
    row = 1
    for batch in handle.iter_batches(batch_size=batch_rows):
        table = pa.Table.from_batches([batch])
        cols = {}
        for name in table.column_names:
            col = table[name]
            if pa.types.is_timestamp(col.type):
                col = col.cast(pa.timestamp("us", tz="UTC"))
            cols[name] = col.cast(pa.string())
        text = pa.table(cols)
        text = text.append_column(
            "line", pa.array(np.arange(row, row + text.num_rows, dtype=np.int64))
        )
        row += text.num_rows
        yield TextBatch(text)


def read_jsonl_text(path: Path, state: ReadState, batch_rows: int = 50_000) -> Iterator[TextBatch]:
    """Stream JSON lines; a line that is not a JSON object goes to ``state.bad_rows``."""
    rows: list[dict[str, str | None]] = []
    with path.open("r", encoding="utf-8", errors="replace") as handle:
        for number, text in enumerate(handle, start=1):
            stripped = text.strip()
            try:
                obj = json.loads(stripped)
            except json.JSONDecodeError as exc:
                state.bad_rows.append(BadRow(number, f"not valid JSON: {exc.msg}", stripped[:2000]))
                continue
            if not isinstance(obj, dict):
                state.bad_rows.append(BadRow(number, "not a JSON object", stripped[:2000]))
                continue
            record: dict[str, str | None] = {
                c: (
                    None
                    if obj.get(c) is None
                    else str(obj[c]).lower()
                    if isinstance(obj.get(c), bool)
                    else str(obj[c])
                )
                for c in LEDGER_COLUMN_NAMES
            }
            record["line"] = str(number)
            rows.append(record)
            if len(rows) >= batch_rows:
                yield _jsonl_batch(rows)
                rows = []
    if rows:
        yield _jsonl_batch(rows)


def _jsonl_batch(rows: list[dict[str, str | None]]) -> TextBatch:
    schema = pa.schema(
        [pa.field(c, pa.string()) for c in LEDGER_COLUMN_NAMES] + [pa.field("line", pa.string())]
    )
    table = pa.Table.from_pylist(rows, schema=schema)
    return TextBatch(
        table.set_column(
            table.schema.get_field_index("line"), "line", table["line"].cast(pa.int64())
        )
    )


def count_jsonl_lines(path: Path) -> int:
    with path.open("rb") as handle:
        return sum(1 for _ in handle)
