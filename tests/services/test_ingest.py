from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from integrita.analytics.labels import LabelStore
from integrita.analytics.schema import LEDGER_SCHEMA
from integrita.errors import InputError, ReconciliationError
from integrita.services.core.context import Context
from integrita.services.core.ledger import open_ledger
from integrita.services.ingest import ingest
from integrita.store.repositories import ingest as ingest_repo

AML_HEADER = (
    "Timestamp,From Bank,Account,To Bank,Account,Amount Received,Receiving Currency,"
    "Amount Paid,Payment Currency,Payment Format,Is Laundering"
)
GOOD_AML_ROWS = [
    "2022/09/01 00:20,010,8000EBD30,010,8000EBD30,3697.34,US Dollar,3697.34,US Dollar,Reinvestment,0",
    "2022/09/01 00:21,3208,8000F4580,001,8000F5340,0.01,Yen,0.01,Yen,Cheque,0",
    "2022/09/01 00:22,3209,8000F4670,3209,8000F4670,14675.57,Euro,14675.57,Euro,ACH,1",
    "2022/09/01 00:23,12,8000F5030,12,8000F5030,0.00234567,Bitcoin,0.00234567,Bitcoin,Bitcoin,0",
    "2022/09/02 10:05,1,800AAA001,2,800BBB002,49999.99,Yuan,7000.00,US Dollar,Wire,1",
]


def _write(tmp_path: Path, name: str, lines: list[str]) -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n")
    return path


def _quarantine(ctx: Context, run_id: int) -> list[tuple[int, str]]:
    with ctx.db.transaction() as session:
        return [(q.line, q.reason) for q in ingest_repo.quarantined_for_run(session, run_id)]


def test_amlworld_file_ingests_with_correct_amounts_and_currencies(
    ctx: Context, tmp_path: Path
) -> None:
    path = _write(tmp_path, "HI-Small_Trans.csv", [AML_HEADER, *GOOD_AML_ROWS])
    [report] = ingest.ingest_path(ctx, path)
    assert (report.rows_read, report.stored, report.duplicates, report.quarantined) == (5, 5, 0, 0)
    rows = open_ledger(ctx).read().to_pylist()
    by_account = {(r["from_account"], r["paid_currency"]): r for r in rows}
    usd = by_account[("8000EBD30", "USD")]
    assert usd["amount_paid_minor"] == 369734 and usd["received_currency"] == "USD"
    assert usd["counterparty_type"] == "own_account"
    assert (
        by_account[("8000F4580", "JPY")]["amount_paid_minor"] == 0
    )  # 0.01 yen rounds to 0 (no minor unit)
    assert by_account[("8000F4670", "EUR")]["amount_received_minor"] == 1467557
    assert by_account[("8000F5030", "XBT")]["amount_paid_minor"] == 234567
    cross = by_account[("800AAA001", "USD")]
    assert (cross["amount_received_minor"], cross["received_currency"]) == (4999999, "CNY")
    assert (cross["amount_paid_minor"], cross["paid_currency"]) == (700000, "USD")
    assert str(cross["booked_at"]) == "2022-09-02 10:05:00+00:00"
    assert all(r["txn_id"].startswith("AW") for r in rows)


def test_reingesting_the_same_file_stores_nothing_new(ctx: Context, tmp_path: Path) -> None:
    path = _write(tmp_path, "aml.csv", [AML_HEADER, *GOOD_AML_ROWS])
    first = ingest.ingest_path(ctx, path)[0]
    again = ingest.ingest_path(ctx, path)[0]
    assert first.stored == 5
    assert (again.rows_read, again.stored, again.duplicates) == (5, 0, 5)
    assert open_ledger(ctx).count() == 5


def test_identical_amlworld_lines_are_two_transactions_with_stable_ids(
    ctx: Context, tmp_path: Path
) -> None:
    twice = [AML_HEADER, GOOD_AML_ROWS[0], GOOD_AML_ROWS[0], GOOD_AML_ROWS[1]]
    path = _write(tmp_path, "twice.csv", twice)
    assert ingest.ingest_path(ctx, path)[0].stored == 3
    ids = sorted(r["txn_id"] for r in open_ledger(ctx).read().to_pylist())
    assert len(set(ids)) == 3
    renamed = _write(tmp_path, "copy-of-twice.csv", twice)
    assert ingest.ingest_path(ctx, renamed)[0].stored == 0


def test_labels_are_kept_apart_from_the_ledger(ctx: Context, tmp_path: Path) -> None:
    path = _write(tmp_path, "aml.csv", [AML_HEADER, *GOOD_AML_ROWS])
    report = ingest.ingest_path(ctx, path)[0]
    assert report.labels == 2
    assert "is_laundering" not in open_ledger(ctx).read().column_names
    labelled = set(LabelStore(ctx.settings.labels_dir).read()["txn_id"].to_pylist())
    laundering = {
        r["txn_id"]
        for r in open_ledger(ctx).read().to_pylist()
        if r["from_account"] in {"8000F4670", "800AAA001"}
    }
    assert labelled == laundering


def test_salted_file_quarantines_exactly_the_bad_rows_with_line_numbers(
    ctx: Context, tmp_path: Path
) -> None:
    lines = [
        AML_HEADER,
        GOOD_AML_ROWS[0],  # line 2
        "2022/13/45 99:99,010,A1,011,B1,10.00,US Dollar,10.00,US Dollar,ACH,0",  # 3 unparseable date
        "2022/09/01 00:20,010,A2,011,B2,-5.00,US Dollar,-5.00,US Dollar,ACH,0",  # 4 negative amount
        "2022/09/01 00:20,010,A3,011,B3,ten,US Dollar,ten,US Dollar,ACH,0",  # 5 non-numeric amount
        "2022/09/01 00:20,010,A4,011,B4,10.00,Doubloon,10.00,Doubloon,ACH,0",  # 6 unknown currency
        "2022/09/01 00:20,010,,011,B5,10.00,US Dollar,10.00,US Dollar,ACH,0",  # 7 missing account
        "2022/09/01 00:20,010,A6,011,B6,10.00,US Dollar",  # 8 too few columns
        GOOD_AML_ROWS[1],  # line 9
        "2022/09/01 00:20,010,A7,011,B7,10.00,US Dollar,10.00,US Dollar,ACH,0,extra",  # 10 too many columns
        GOOD_AML_ROWS[2],  # line 11
    ]
    path = _write(tmp_path, "salted.csv", lines)
    report = ingest.ingest_path(ctx, path)[0]
    assert report.rows_read == 10
    assert report.stored == 3 and report.duplicates == 0 and report.quarantined == 7
    assert report.balanced
    quarantined = _quarantine(ctx, report.run_id)
    assert [line for line, _ in quarantined] == [3, 4, 5, 6, 7, 8, 10]
    reasons = dict(quarantined)
    assert reasons[3].startswith("unparseable date")
    assert reasons[4].startswith("negative amount")
    assert reasons[5].startswith("non-numeric amount")
    assert reasons[6] == "unknown currency Doubloon"
    assert reasons[7] == "missing account"
    assert reasons[8] == "wrong column count: 7 of 11"
    assert reasons[10] == "wrong column count: 12 of 11"
    stored_accounts = {r["from_account"] for r in open_ledger(ctx).read().to_pylist()}
    assert stored_accounts == {"8000EBD30", "8000F4580", "8000F4670"}


def _canonical_rows() -> list[dict[str, object]]:
    base = {
        "booked_at": "2025-03-01T09:30:00Z",
        "channel": "mobile",
        "kind": "transfer",
        "from_bank": "B0001",
        "from_account": "A1",
        "to_bank": "B0002",
        "to_account": "X9",
        "amount_paid_minor": "5000000",
        "paid_currency": "CNY",
        "amount_received_minor": "5000000",
        "received_currency": "CNY",
        "payment_format": "CNAPS",
        "counterparty_type": "third_party_personal",
        "cross_border": "false",
        "from_country": "CN",
        "to_country": "CN",
        "purpose": "rent, March",
    }
    return [{"txn_id": f"T{i}", **base} for i in range(3)]


def test_canonical_csv_parquet_and_jsonl_are_idempotent_on_txn_id(
    ctx: Context, tmp_path: Path
) -> None:
    rows = _canonical_rows()
    columns = list(rows[0])
    csv_path = tmp_path / "txns.csv"
    csv_path.write_text(
        ",".join(columns)
        + "\n"
        + "\n".join(",".join(f'"{r[c]}"' for c in columns) for r in rows)
        + "\n"
    )
    jsonl_path = tmp_path / "txns.jsonl"
    jsonl_path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    parquet_path = tmp_path / "txns.parquet"
    typed = [
        {
            **r,
            "booked_at": pa.scalar(1740821400000000, pa.timestamp("us", tz="UTC")).as_py(),
            "amount_paid_minor": 5000000,
            "amount_received_minor": 5000000,
            "cross_border": False,
        }
        for r in rows
    ]
    pq.write_table(pa.Table.from_pylist(typed, schema=LEDGER_SCHEMA), parquet_path)
    first = ingest.ingest_path(ctx, csv_path)[0]
    assert (first.layout, first.stored) == ("canonical_csv", 3)
    for path in (jsonl_path, parquet_path, csv_path):
        report = ingest.ingest_path(ctx, path)[0]
        assert (report.stored, report.duplicates, report.quarantined) == (0, 3, 0), path
    stored = open_ledger(ctx).read().to_pylist()
    assert len(stored) == 3
    assert stored[0]["purpose"] == "rent, March"
    assert stored[0]["amount_paid_minor"] == 5000000


def test_canonical_rows_with_bad_values_are_quarantined(ctx: Context, tmp_path: Path) -> None:
    rows = _canonical_rows()
    rows[0]["amount_paid_minor"] = "12.50"  # minor units must be integers
    rows[1]["kind"] = "teleport"
    rows[2]["paid_currency"] = "ZZZ"
    path = tmp_path / "bad.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n{not json\n")
    report = ingest.ingest_path(ctx, path)[0]
    assert (report.rows_read, report.stored, report.quarantined) == (4, 0, 4)
    reasons = dict(_quarantine(ctx, report.run_id))
    assert reasons[1].startswith("non-numeric amount paid")
    assert reasons[2] == "unknown kind teleport"
    assert reasons[3] == "unknown currency ZZZ"
    assert reasons[4].startswith("not valid JSON")


def test_unbalanced_counts_fail_the_run(
    ctx: Context, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _write(tmp_path, "aml.csv", [AML_HEADER, *GOOD_AML_ROWS])
    monkeypatch.setattr(
        ingest, "count_data_lines", lambda _path: 6
    )  # the file "has" a row the reader lost
    with pytest.raises(ReconciliationError, match="do not balance"):
        ingest.ingest_path(ctx, path)
    with ctx.db.transaction() as session:
        assert ingest_repo.recent_runs(session)[0].status == "unbalanced"


def test_unknown_layout_is_refused_with_a_clear_error(ctx: Context, tmp_path: Path) -> None:
    path = _write(tmp_path, "mystery.csv", ["a,b,c", "1,2,3"])
    with pytest.raises(InputError, match="header matches neither"):
        ingest.ingest_path(ctx, path)


def test_amlworld_fields_padded_with_spaces_are_stored_trimmed_with_a_stable_id(
    ctx: Context, tmp_path: Path
) -> None:
    padded = " 2022/09/01 00:20 , 010 , 8000EBD30 ,010, 8000EBD30 , 3697.345 ,US Dollar, 0.125 ,Euro, Cash , 1 "
    path = _write(tmp_path, "padded.csv", [AML_HEADER, padded, GOOD_AML_ROWS[1]])
    report = ingest.ingest_path(ctx, path)[0]
    assert (report.stored, report.quarantined, report.labels) == (2, 0, 1)
    [row] = [r for r in open_ledger(ctx).read().to_pylist() if r["paid_currency"] == "EUR"]
    assert (row["from_bank"], row["from_account"], row["to_account"]) == (
        "010",
        "8000EBD30",
        "8000EBD30",
    )
    assert (row["payment_format"], row["channel"], row["kind"]) == (
        "Cash",
        "counter",
        "cash_deposit",
    )
    assert row["counterparty_type"] == "own_account"
    assert (row["amount_received_minor"], row["amount_paid_minor"]) == (369734, 12)  # half to even
    assert str(row["booked_at"]) == "2022-09-01 00:20:00+00:00"
    assert (
        ingest.ingest_path(ctx, _write(tmp_path, "again.csv", [AML_HEADER, padded]))[0].stored == 0
    )
