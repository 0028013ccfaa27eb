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
import orjson
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.json as pajson
import pyarrow.parquet as pq

from integrita.domain.transaction import AMLWORLD_HEADER, LEDGER_COLUMN_NAMES, LEDGER_COLUMNS

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
#: Arrow parses JSON in blocks of this size, several at once on a large input.
JSON_BLOCK_SIZE = 4 << 20


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


#: Ledger columns whose JSON value must be a string: read as text, never type-inferred (a
#: timestamp inferred by Arrow would lose the offset the producer wrote).
_JSON_TEXT_COLUMNS = pa.schema(
    [
        pa.field(c.name, pa.string())
        for c in LEDGER_COLUMNS
        if c.logical_type in {"string", "timestamp"}
    ]
)
#: Types Arrow may infer for the other ledger columns whose text equals Python's ``str`` (bools
#: lowercased), so both parsing paths hand validation the same strings.
_JSON_EXACT_TYPES = (pa.string(), pa.int64(), pa.bool_(), pa.null())


def read_jsonl_text(
    path: Path, state: ReadState, block_size: int = BLOCK_SIZE
) -> Iterator[TextBatch]:
    """Stream JSON lines in blocks of whole lines; a line that is not a JSON object goes to
    ``state.bad_rows``."""
    line = 1
    rest = b""
    with path.open("rb") as handle:
        while chunk := handle.read(block_size):
            data = rest + chunk
            cut = data.rfind(b"\n") + 1
            block, rest = data[:cut], data[cut:]
            if block:
                batch = jsonl_text(block, line, state)
                line += block.count(b"\n")
                if batch.table.num_rows:
                    yield batch
    if rest:
        batch = jsonl_text(rest, line, state)
        if batch.table.num_rows:
            yield batch


def jsonl_line_count(block: bytes) -> int:
    """Lines in a block of JSON lines (a last line without a newline counts)."""
    return block.count(b"\n") + (0 if not block or block.endswith(b"\n") else 1)


def jsonl_text(block: bytes, first_line: int, state: ReadState) -> TextBatch:
    """One block of JSON lines as text columns, numbered from ``first_line``: the one JSON reader
    of files and of streamed messages.

    Arrow parses the whole block at once. Where it cannot (a line that is not a JSON object, a
    blank line, a value of an unexpected type), the lines are taken one by one: the bad ones go
    to ``state.bad_rows`` with the parser's reason, the good ones through Arrow again, or,
    should Arrow still refuse them, converted in Python to the same text.
    """
    expected = jsonl_line_count(block)
    table = _arrow_text(block, expected)
    if table is not None:
        lines = np.arange(first_line, first_line + expected, dtype=np.int64)
        return TextBatch(table.append_column("line", pa.array(lines, pa.int64())))
    raw_lines = block.split(b"\n")[:expected]
    numbers: list[int] = []
    good: list[bytes] = []
    objects: list[dict[str, object]] = []
    for offset, raw in enumerate(raw_lines):
        obj = _json_object(raw, first_line + offset, state)
        if obj is not None:
            numbers.append(first_line + offset)
            good.append(raw)
            objects.append(obj)
    table = _arrow_text(b"\n".join(good) + b"\n", len(good)) if good else None
    if table is None:
        table = pa.Table.from_pylist([_as_text(o) for o in objects], schema=_JSON_TEXT_SCHEMA)
    return TextBatch(table.append_column("line", pa.array(numbers, pa.int64())))


_JSON_TEXT_SCHEMA = pa.schema([pa.field(c, pa.string()) for c in LEDGER_COLUMN_NAMES])


def _arrow_text(block: bytes, expected: int) -> pa.Table | None:
    """The ledger columns of ``expected`` JSON objects, one per line, as text; None when Arrow
    cannot say the same as Python would (bad or blank lines, floats, nested values)."""
    try:
        parsed = pajson.read_json(
            pa.BufferReader(block),
            read_options=pajson.ReadOptions(use_threads=True, block_size=JSON_BLOCK_SIZE),
            parse_options=pajson.ParseOptions(
                explicit_schema=_JSON_TEXT_COLUMNS, unexpected_field_behavior="infer"
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    if parsed.num_rows != expected:
        return None
    columns: list[pa.ChunkedArray] = []
    for name in LEDGER_COLUMN_NAMES:
        if name not in parsed.column_names:
            columns.append(pa.chunked_array([pa.nulls(expected, pa.string())]))
            continue
        column = parsed[name]
        if column.type not in _JSON_EXACT_TYPES:
            return None
        columns.append(column.cast(pa.string()))
    return pa.Table.from_arrays(columns, schema=_JSON_TEXT_SCHEMA)


def _json_object(raw: bytes, number: int, state: ReadState) -> dict[str, object] | None:
    """The line's JSON object, or None with the reason in ``state.bad_rows``."""
    text = raw.decode("utf-8", errors="replace").strip()
    try:
        obj = orjson.loads(text)
    except orjson.JSONDecodeError:
        try:  # the standard library names the fault in words a reviewer reads
            obj = json.loads(text)
        except json.JSONDecodeError as exc:
            state.bad_rows.append(BadRow(number, f"not valid JSON: {exc.msg}", text[:2000]))
            return None
    if not isinstance(obj, dict):
        state.bad_rows.append(BadRow(number, "not a JSON object", text[:2000]))
        return None
    return obj


def _as_text(obj: dict[str, object]) -> dict[str, str | None]:
    """A JSON object's ledger columns as text: booleans as ``true``/``false``, the rest ``str``."""
    record: dict[str, str | None] = {}
    for name in LEDGER_COLUMN_NAMES:
        value = obj.get(name)
        if value is None:
            record[name] = None
        elif isinstance(value, bool):
            record[name] = str(value).lower()
        else:
            record[name] = str(value)
    return record


def count_jsonl_lines(path: Path) -> int:
    with path.open("rb") as handle:
        return sum(1 for _ in handle)
