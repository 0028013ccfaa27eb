"""Reading a CSV that a person or a partner system uploaded: strictly, and naming every bad row.

The csv module's strict mode refuses what a lenient reader would guess at: an unclosed quote
would otherwise swallow every following line into one field and import a file that is not what
its author meant. Rows are numbered by the physical line they start on (a quoted field may span
lines), and an import checks every row before it stores any, so the error lists them all.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from integrita.errors import InputError

#: A file with more bad rows than this is reported by its first ones only.
MAX_REPORTED_ROWS = 50


@dataclass
class RowErrors:
    """Collects every row's error so that one answer names them all."""

    problems: list[tuple[int, str, str | None]] = field(default_factory=list)

    def add(self, line: int, message: str, field_name: str | None = None) -> None:
        prefix = f"row {line}: "
        self.problems.append((line, message.removeprefix(prefix), field_name))

    @contextmanager
    def row(self, line: int) -> Iterator[None]:
        """Run one row's checks; an :class:`InputError` is noted for that row, not raised."""
        try:
            yield
        except InputError as exc:
            self.add(line, str(exc), exc.field)

    def raise_if_any(self) -> None:
        if not self.problems:
            return
        shown = sorted(self.problems, key=lambda p: p[0])[:MAX_REPORTED_ROWS]
        lines = "; ".join(f"row {line}: {message}" for line, message, _ in shown)
        more = len(self.problems) - len(shown)
        suffix = f"; and {more} more" if more > 0 else ""
        count = len(self.problems)
        raise InputError(
            f"{count} bad row{'s' if count != 1 else ''}, nothing was imported: {lines}{suffix}",
            field=shown[0][2] or "file",
        )


@dataclass(frozen=True, slots=True)
class CsvFile:
    header: list[str]
    rows: list[tuple[int, dict[str, str]]]


def read_csv(text: str, errors: RowErrors) -> CsvFile:
    """Parse ``text`` (a header row, then records) in strict mode.

    A row with more or fewer cells than the header is noted in ``errors`` and left out; a
    quoting error (an unclosed quote, a stray quote inside a field) ends the parse, because
    nothing after it can be read reliably, and is noted with its line.
    """
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: list[tuple[int, dict[str, str]]] = []
    header: list[str] = []
    start = 1
    try:
        for record in reader:
            if not header:
                header = [h.strip() for h in record]
                start = reader.line_num + 1
                continue
            line, start = start, reader.line_num + 1
            if not any(cell.strip() for cell in record):
                continue
            if len(record) != len(header):
                errors.add(line, f"has {len(record)} cells where the header has {len(header)}")
                continue
            rows.append((line, dict(zip(header, record, strict=True))))
    except csv.Error as exc:
        errors.add(start, f"the CSV cannot be read from here on ({exc})", "file")
    return CsvFile(header, rows)


@dataclass(frozen=True, slots=True)
class CsvRecord:
    """One record of a CSV file: the physical line it starts on, its raw text, and its cells by
    header name — or, when it cannot be used as a row, ``problem`` says why."""

    line: int
    raw: str
    cells: dict[str, str] | None
    problem: str | None = None


@dataclass(frozen=True, slots=True)
class CsvRecords:
    header: list[str]
    records: list[CsvRecord]


def read_csv_records(text: str) -> CsvRecords:
    """Every record of ``text`` with its line and raw text, for imports that quarantine bad rows
    instead of refusing the file.

    A record with the wrong number of cells comes back with its ``problem``; a quoting error
    ends the parse (nothing after it can be read reliably) and the rest of the file comes back
    as one record with its problem, so it is quarantined rather than lost. Blank records are
    skipped (they are not rows).
    """
    lines = io.StringIO(text, newline="").readlines()
    reader = csv.reader(iter(lines), strict=True)
    header: list[str] = []
    records: list[CsvRecord] = []
    start = 1
    try:
        for cells in reader:
            end = reader.line_num
            if not header:
                header = [h.strip() for h in cells]
                start = end + 1
                continue
            line, raw, start = start, "".join(lines[start - 1 : end]), end + 1
            if not any(cell.strip() for cell in cells):
                continue
            if len(cells) != len(header):
                problem = f"has {len(cells)} cells where the header has {len(header)}"
                records.append(CsvRecord(line, raw, None, problem))
                continue
            records.append(CsvRecord(line, raw, dict(zip(header, cells, strict=True))))
    except csv.Error as exc:
        rest = "".join(lines[start - 1 :])
        records.append(CsvRecord(start, rest, None, f"the CSV cannot be read from here on ({exc})"))
    return CsvRecords(header, records)
