"""Staging streams a file through DuckDB in small batches, parsed ahead in a background thread."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from integrita.analytics import sources, staging
from integrita.analytics.sources import BadRow, Layout

AML_HEADER = (
    "Timestamp,From Bank,Account,To Bank,Account,Amount Received,Receiving Currency,"
    "Amount Paid,Payment Currency,Payment Format,Is Laundering"
)


def _aml_line(i: int) -> str:
    return f"2022/09/01 00:{i % 60:02d},010,A{i},011,B{i},{i}.25,US Dollar,{i}.25,US Dollar,ACH,0"


def _tables(n: int) -> Iterator[pa.Table]:
    for i in range(n):
        yield pa.table({"i": [i]})


def test_read_ahead_yields_every_table_in_order() -> None:
    got = [t["i"][0].as_py() for t in staging._read_ahead(_tables(50), depth=2)]
    assert got == list(range(50))


def test_an_error_while_reading_ahead_is_raised_to_the_consumer() -> None:
    def failing() -> Iterator[pa.Table]:
        yield pa.table({"i": [0]})
        raise OSError("disk went away")

    reader = staging._read_ahead(failing())
    assert next(reader)["i"][0].as_py() == 0
    with pytest.raises(OSError, match="disk went away"):
        next(reader)


def test_stopping_early_stops_the_reader() -> None:
    produced: list[int] = []

    def endless() -> Iterator[pa.Table]:
        i = 0
        while True:
            produced.append(i)
            yield pa.table({"i": [i]})
            i += 1

    reader = staging._read_ahead(endless(), depth=2)
    next(reader)
    reader.close()
    assert not any(t.name == "ingest-read-ahead" for t in threading.enumerate())
    assert len(produced) <= 5


def test_bad_rows_keep_their_line_numbers_across_blocks_and_batches(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sources, "BLOCK_SIZE", 2048)  # ~25 lines per parsed block
    monkeypatch.setattr(staging, "CHUNK_ROWS", 7)  # several DuckDB batches per block
    lines = [AML_HEADER]
    expected_bad: dict[int, str] = {}
    for i in range(2, 402):
        if i % 37 == 0:
            lines.append(f"2022/09/01 00:00,010,A{i},011,B{i},1.00,US Dollar")  # short row
            expected_bad[i] = "wrong column count: 7 of 11"
        elif i % 41 == 0:
            lines.append(_aml_line(i).replace(",ACH,0", ",ACH,7"))
            expected_bad[i] = "Is Laundering must be 0 or 1, not 7"
        else:
            lines.append(_aml_line(i))
    path = tmp_path / "aml.csv"
    path.write_text("\n".join(lines) + "\n")
    bad: list[BadRow] = []
    progress: list[int] = []
    staged = staging.stage(
        path, Layout.AMLWORLD_CSV, tmp_path / "staged.parquet", bad.extend, progress.append
    )
    assert {b.line: b.reason for b in bad} == expected_bad
    assert (staged.rows_read, staged.quarantined) == (400, len(expected_bad))
    assert len(progress) > 1 and sum(progress) == 400 - sum(
        1 for r in expected_bad.values() if r.startswith("wrong column count")
    )
    with duckdb.connect() as con:
        rows = con.execute(
            f"SELECT line, from_account FROM read_parquet('{staged.path}') WHERE reason IS NULL"
        ).fetchall()
    assert all(account == f"A{line}" for line, account in rows)
    assert len(rows) == staged.valid == 400 - len(expected_bad)


def test_repeated_ids_count_each_repeated_content_once(tmp_path: Path) -> None:
    lines = [AML_HEADER, *(_aml_line(i) for i in range(2, 12))]
    lines += [_aml_line(3), _aml_line(3), _aml_line(5)]
    path = tmp_path / "aml.csv"
    path.write_text("\n".join(lines) + "\n")
    staged = staging.stage(path, Layout.AMLWORLD_CSV, tmp_path / "staged.parquet", lambda _: None)
    assert staged.repeated_ids == 2
    unique = tmp_path / "unique.csv"
    unique.write_text("\n".join(lines[:11]) + "\n")
    assert (
        staging.stage(
            unique, Layout.AMLWORLD_CSV, tmp_path / "u.parquet", lambda _: None
        ).repeated_ids
        == 0
    )
