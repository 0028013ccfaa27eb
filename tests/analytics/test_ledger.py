"""The Parquet ledger stores each txn_id once, under the UTC day it was booked."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from integrita.analytics.ledger import Ledger
from integrita.analytics.schema import LEDGER_SCHEMA


def _row(txn_id: str, booked_at: datetime, amount: int = 100) -> dict[str, object]:
    return {
        "txn_id": txn_id,
        "booked_at": booked_at,
        "channel": "online",
        "kind": "transfer",
        "from_bank": "B1",
        "from_account": "A1",
        "to_bank": "B2",
        "to_account": "A2",
        "amount_paid_minor": amount,
        "paid_currency": "CNY",
        "amount_received_minor": amount,
        "received_currency": "CNY",
        "payment_format": "Wire",
        "counterparty_type": "unknown",
        "cross_border": False,
    }


def _table(rows: list[dict[str, object]]) -> pa.Table:
    return pa.Table.from_pylist(rows, schema=LEDGER_SCHEMA)


NOON = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def test_appending_the_same_rows_twice_stores_them_once(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "ledger")
    rows = [_row("T1", NOON), _row("T2", NOON)]
    assert ledger.append_table(_table(rows)).stored == 2
    again = ledger.append_table(_table([*rows, _row("T3", NOON)]))
    assert (again.offered, again.stored, again.duplicates) == (3, 1, 2)
    assert sorted(ledger.read()["txn_id"].to_pylist()) == ["T1", "T2", "T3"]


def test_an_id_repeated_within_a_batch_keeps_its_earliest_booking(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "ledger")
    rows = [_row("T1", NOON, 300), _row("T1", NOON - timedelta(hours=1), 100), _row("T2", NOON)]
    assert ledger.append_table(_table(rows)).stored == 2
    stored = {r["txn_id"]: r["amount_paid_minor"] for r in ledger.read().to_pylist()}
    assert stored == {"T1": 100, "T2": 100}


def test_a_batch_said_to_be_distinct_still_skips_stored_ids(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "ledger")
    ledger.append_table(_table([_row("T1", NOON)]))
    staged = tmp_path / "incoming.parquet"
    pq.write_table(_table([_row("T1", NOON), _row("T2", NOON)]), staged)
    result = ledger.append_query(f"SELECT * FROM read_parquet('{staged}')", distinct=True)
    assert (result.offered, result.stored) == (2, 1)
    assert ledger.count() == 2


def test_rows_are_partitioned_by_their_utc_booking_day(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "ledger")
    last_moment = datetime(2025, 3, 1, 23, 59, 59, 999999, tzinfo=UTC)
    rows = [
        _row("late", last_moment),
        _row("midnight", last_moment + timedelta(microseconds=1)),
        _row("before-1970", datetime(1969, 12, 31, 23, 0, tzinfo=UTC)),
    ]
    ledger.append_table(_table(rows))
    days = {p.isoformat() for p in ledger.partitions()}
    assert days == {"2025-03-01", "2025-03-02", "1969-12-31"}
    with ledger.connect() as con:
        rows_by_day = con.execute(
            "SELECT txn_id, CAST(booking_date AS VARCHAR) FROM ledger"
        ).fetchall()
    by_day = dict(rows_by_day)
    assert by_day == {"late": "2025-03-01", "midnight": "2025-03-02", "before-1970": "1969-12-31"}
