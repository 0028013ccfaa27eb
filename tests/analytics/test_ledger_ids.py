"""The stored-id index keeps each txn_id once in the whole ledger, whatever its booking day,
and is never ahead of the Parquet files after a crash."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from integrita.analytics.ledger import Ledger
from integrita.analytics.ledger_ids import INDEX_FILE, TxnIdIndex
from tests.analytics.test_ledger import NOON, _row, _table


def _ids(ledger: Ledger) -> list[str]:
    return sorted(str(i) for i in ledger.read()["txn_id"].to_pylist())


@pytest.mark.parametrize("index_max_rows", [1_000, 0], ids=["by-index", "by-anti-join"])
def test_an_id_stored_on_one_day_is_refused_when_offered_again_booked_on_another_day(
    tmp_path: Path, index_max_rows: int
) -> None:
    ledger = Ledger(tmp_path / "ledger", index_max_rows=index_max_rows)
    ledger.append_table(_table([_row("T1", NOON), _row("T2", NOON)]))
    later = NOON + timedelta(days=40)
    again = ledger.append_table(_table([_row("T1", later), _row("T3", later)]))
    assert (again.offered, again.stored) == (2, 1)
    assert _ids(ledger) == ["T1", "T2", "T3"]
    assert {str(d) for d in ledger.partitions()} == {str(NOON.date()), str(later.date())}


def test_rows_stored_by_a_bulk_append_are_known_to_the_next_small_one(tmp_path: Path) -> None:
    root = tmp_path / "ledger"
    Ledger(root, index_max_rows=0).append_table(_table([_row(f"T{i}", NOON) for i in range(50)]))
    small = Ledger(root, index_max_rows=1_000)
    again = small.append_table(_table([_row("T7", NOON + timedelta(days=3)), _row("T99", NOON)]))
    assert again.stored == 1
    with TxnIdIndex(root, small.live_names) as index:
        assert index.journalled() == []  # the bulk append's file was read into the index
        assert index.count() == 51


def test_a_ledger_written_before_the_index_existed_gets_every_stored_id_indexed(
    tmp_path: Path,
) -> None:
    ledger = Ledger(tmp_path / "ledger")
    ledger.append_table(_table([_row("T1", NOON), _row("T2", NOON + timedelta(days=1))]))
    for leftover in (tmp_path / "ledger").glob(f"{INDEX_FILE}*"):
        leftover.unlink()  # as if the ledger had been written by the code before the index
    again = ledger.append_table(_table([_row("T2", NOON), _row("T3", NOON)]))
    assert again.stored == 1
    assert _ids(ledger) == ["T1", "T2", "T3"]


def test_an_append_killed_after_publishing_but_before_indexing_stores_nothing_twice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ledger = Ledger(tmp_path / "ledger")
    ledger.append_table(_table([_row("T1", NOON)]))

    def killed(*_args: object) -> None:
        raise KeyboardInterrupt("killed between the file and its ids")

    with monkeypatch.context() as patched:
        patched.setattr(TxnIdIndex, "indexed", killed)
        with pytest.raises(KeyboardInterrupt):
            ledger.append_table(_table([_row("T2", NOON), _row("T3", NOON)]))
    assert _ids(ledger) == ["T1", "T2", "T3"]  # published, not yet indexed
    again = ledger.append_table(_table([_row("T2", NOON), _row("T3", NOON), _row("T4", NOON)]))
    assert again.stored == 1
    assert _ids(ledger) == ["T1", "T2", "T3", "T4"]


def test_an_append_killed_before_publishing_leaves_no_id_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ledger = Ledger(tmp_path / "ledger")

    def killed(*_args: object, **_kwargs: object) -> None:
        raise KeyboardInterrupt("killed before the files were moved into the ledger")

    with monkeypatch.context() as patched:
        patched.setattr(Ledger, "_publish", killed)
        with pytest.raises(KeyboardInterrupt):
            ledger.append_table(_table([_row("T1", NOON)]))
    assert ledger.count() == 0
    assert ledger.append_table(_table([_row("T1", NOON)])).stored == 1
    assert _ids(ledger) == ["T1"]


def test_a_bulk_append_leaves_the_index_to_the_next_small_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Loading millions of rows twice does not wait for their ids to enter the index."""
    root = tmp_path / "ledger"
    bulk = Ledger(root, index_max_rows=0)
    bulk.append_table(_table([_row(f"T{i}", NOON) for i in range(20)]))
    read: list[list[str]] = []
    catch_up = TxnIdIndex.catch_up

    def counted(self: TxnIdIndex, *args: Any) -> int:
        read.append(self.journalled())
        return catch_up(self, *args)

    monkeypatch.setattr(TxnIdIndex, "catch_up", counted)
    assert bulk.append_table(_table([_row(f"T{i}", NOON) for i in range(25)])).stored == 5
    assert read == []
    assert Ledger(root).append_table(_table([_row("T3", NOON), _row("T99", NOON)])).stored == 1
    assert len(read) == 1 and len(read[0]) == 2  # both bulk files, read in once


def test_ids_with_quotes_backslashes_and_other_scripts_are_indexed_and_known_exactly(
    tmp_path: Path,
) -> None:
    """Ids enter the index as one JSON array: each must come out as the same string."""
    awkward = ['T"1', "T\\2", "T 3\n", "交易-4", "5", "T6\u2028"]
    with TxnIdIndex(tmp_path, list) as index:
        index.indexed(awkward, [])
        index.indexed(awkward[:2], [])  # again: ignored, not a second row
        assert index.count() == len(awkward)
        assert sorted(index.known([*awkward, "T7", "T1"])) == sorted(awkward)
