"""JSON lines are read by Arrow a block at a time; a block Arrow cannot read whole is taken line by
line, and both ways hand validation the same text with the same line numbers, so a file and a
streamed batch meet one boundary."""

from __future__ import annotations

from pathlib import Path

import orjson

from integrita.analytics import sources
from integrita.analytics.sources import ReadState
from integrita.domain.transaction import LEDGER_COLUMN_NAMES


def _line(i: int, **changes: object) -> bytes:
    row: dict[str, object] = {
        "txn_id": f"J{i:04d}",
        "booked_at": f"2026-12-01T10:00:{i % 60:02d}+08:00",
        "channel": "mobile",
        "kind": "transfer",
        "from_bank": "B001",
        "from_account": f"A{i}",
        "to_bank": "B002",
        "to_account": f"Z{i}",
        "amount_paid_minor": 1000 + i,
        "paid_currency": "CNY",
        "amount_received_minor": str(1000 + i),
        "received_currency": "CNY",
        "payment_format": "ACH",
        "counterparty_type": "corporate",
        "cross_border": i % 2 == 0,
        "purpose": None,
        "extra": {"ignored": [1, 2]},
    }
    row.update(changes)
    return orjson.dumps(row)


def _read(block: bytes, first_line: int = 1) -> tuple[list[dict[str, object]], ReadState]:
    state = ReadState()
    return sources.jsonl_text(block, first_line, state).table.to_pylist(), state


def test_a_whole_block_is_read_as_text_with_python_spelling_of_numbers_and_booleans() -> None:
    rows, state = _read(b"\n".join(_line(i) for i in range(3)))  # no final newline
    assert state.bad_rows == []
    assert [r["line"] for r in rows] == [1, 2, 3]
    assert rows[0]["amount_paid_minor"] == "1000"
    assert rows[1]["amount_received_minor"] == "1001"
    assert [r["cross_border"] for r in rows] == ["true", "false", "true"]
    assert rows[0]["booked_at"] == "2026-12-01T10:00:00+08:00"  # the offset is kept
    assert rows[0]["purpose"] is None and rows[0]["from_country"] is None
    assert list(rows[0]) == [*LEDGER_COLUMN_NAMES, "line"]


def test_bad_and_blank_lines_are_refused_by_number_and_the_rest_read_as_in_a_whole_block() -> None:
    good = [_line(i) for i in range(4)]
    whole, _ = _read(b"\n".join(good) + b"\n", first_line=10)
    block = b"\n".join([good[0], b"{not json", good[1], b"", good[2], b"[1, 2]", good[3]]) + b"\n"
    rows, state = _read(block, first_line=10)
    assert [(b.line, b.reason.split(":")[0]) for b in state.bad_rows] == [
        (11, "not valid JSON"),
        (13, "not valid JSON"),
        (15, "not a JSON object"),
    ]
    assert [r["line"] for r in rows] == [10, 12, 14, 16]
    assert [{**r, "line": 0} for r in rows] == [{**r, "line": 0} for r in whole]


def test_values_arrow_would_spell_differently_are_converted_as_python_would() -> None:
    rows, state = _read(_line(1, amount_paid_minor=12.5) + b"\n" + _line(2, txn_id=77) + b"\n")
    assert state.bad_rows == []
    assert (rows[0]["amount_paid_minor"], rows[1]["txn_id"]) == ("12.5", "77")


def test_a_file_is_read_in_blocks_of_whole_lines_numbered_across_blocks(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    path.write_bytes(b"\n".join(_line(i) for i in range(50)) + b"\n{oops\n" + _line(50))
    state = ReadState()
    batches = list(sources.read_jsonl_text(path, state, block_size=1000))
    assert len(batches) > 5
    ids = [r["txn_id"] for b in batches for r in b.table.to_pylist()]
    lines = [r["line"] for b in batches for r in b.table.to_pylist()]
    assert ids == [f"J{i:04d}" for i in range(51)]
    assert lines == [*range(1, 51), 52]
    assert [b.line for b in state.bad_rows] == [51]
