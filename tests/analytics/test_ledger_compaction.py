"""Merging a day's small ledger files keeps every row exactly once, for readers during the merge
and after a merge killed at any step."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
from datetime import timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest

from integrita.analytics import ledger_compaction, ledger_files
from integrita.analytics.ledger import Ledger, parquet_list
from integrita.analytics.ledger_compaction import CompactionPolicy, compact
from integrita.analytics.ledger_files import LedgerState, read_state, write_state
from tests.analytics.test_ledger import NOON, _row, _table

NOW_POLICY = CompactionPolicy(min_files=4, grace_seconds=0)
KEEP_POLICY = CompactionPolicy(min_files=4, grace_seconds=3600)


def _ids(ledger: Ledger) -> list[str]:
    return sorted(str(i) for i in ledger.read()["txn_id"].to_pylist())


def _small_batches(ledger: Ledger, batches: int = 6, per_batch: int = 5) -> list[str]:
    """``batches`` appends to one booking day (a file each); returns the ids stored."""
    ids = []
    for b in range(batches):
        rows = [_row(f"T{b:02d}{i:02d}", NOON + timedelta(minutes=b)) for i in range(per_batch)]
        ledger.append_table(_table(rows))
        ids += [str(r["txn_id"]) for r in rows]
    return sorted(ids)


def test_a_days_small_files_are_merged_into_one_holding_each_row_once(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "ledger")
    ids = _small_batches(ledger)
    assert len(ledger.files()) == 6
    result = compact(ledger, policy=KEEP_POLICY)
    assert (result.merges, result.files_merged, result.rows_rewritten) == (1, 6, 30)
    assert len(ledger.files()) == 1
    assert _ids(ledger) == ids
    assert ledger.count() == 30
    assert len(list((tmp_path / "ledger").glob("booking_date=*/*.parquet"))) == 7  # in grace


def test_ids_stay_unique_across_a_merge_whatever_day_they_are_offered_for(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "ledger")
    ids = _small_batches(ledger)
    compact(ledger, policy=NOW_POLICY)
    again = [_row(i, NOON + timedelta(days=9)) for i in ids] + [_row("NEW", NOON)]
    assert ledger.append_table(_table(again)).stored == 1
    assert Ledger(tmp_path / "ledger", index_max_rows=0).append_table(_table(again)).stored == 0
    assert _ids(ledger) == sorted([*ids, "NEW"])


def test_fewer_small_files_than_the_policy_asks_for_are_left_alone(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "ledger")
    _small_batches(ledger, batches=3)
    assert compact(ledger, policy=NOW_POLICY).merges == 0
    assert len(ledger.files()) == 3


def test_a_reader_at_every_step_of_a_merge_sees_each_row_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ledger = Ledger(tmp_path / "ledger")
    ids = _small_batches(ledger)
    seen: list[list[str]] = []

    def reading_after(step: object) -> object:
        def wrapped(*args: object) -> object:
            out = step(*args)  # type: ignore[operator]
            seen.append(_ids(ledger))
            return out

        return wrapped

    monkeypatch.setattr(ledger_compaction, "write_state", reading_after(write_state))
    monkeypatch.setattr(
        ledger_compaction, "fsync_path", reading_after(ledger_compaction.fsync_path)
    )
    compact(ledger, policy=KEEP_POLICY)
    assert len(seen) == 4  # announced, merged file flushed, in place, switched
    assert all(s == ids for s in seen)


def test_a_reader_that_listed_the_files_before_the_switch_still_reads_them(
    tmp_path: Path,
) -> None:
    ledger = Ledger(tmp_path / "ledger")
    ids = _small_batches(ledger)
    listed = ledger.files()
    compact(ledger, policy=KEEP_POLICY)
    with duckdb.connect() as con:
        rows = con.execute(f"SELECT txn_id FROM read_parquet({parquet_list(listed)})").fetchall()
    assert sorted(r[0] for r in rows) == ids


def test_a_listing_raced_by_a_merge_starting_is_taken_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A reader reads the state, a merge announces and writes its file, the reader lists the
    directory: without the second look at the state it would count the merged rows twice."""
    root = tmp_path / "ledger"
    ledger = Ledger(root)
    ids = _small_batches(ledger)
    listing = ledger_files._on_disk
    raced = []

    def merge_starts_meanwhile(where: Path, partitions: Any = None) -> list[Path]:
        if not raced:
            first = listing(where)[0]
            merged = first.parent / "part-mraced-0.parquet"
            write_state(root, LedgerState(pending=[f"{first.parent.name}/{merged.name}"]))
            shutil.copy(first, merged)  # holds rows the small files hold too
            raced.append(merged)
        return listing(where, partitions)

    monkeypatch.setattr(ledger_files, "_on_disk", merge_starts_meanwhile)
    assert _ids(ledger) == ids
    assert raced and raced[0].exists()


def test_retired_files_are_deleted_after_their_grace_period(tmp_path: Path) -> None:
    root = tmp_path / "ledger"
    ledger = Ledger(root)
    ids = _small_batches(ledger)
    compact(ledger, policy=KEEP_POLICY)
    assert compact(ledger, policy=KEEP_POLICY).retired_files_deleted == 0
    assert compact(ledger, policy=NOW_POLICY).retired_files_deleted == 6
    assert read_state(root).retired == {}
    assert len(list(root.glob("booking_date=*/*.parquet"))) == 1
    assert _ids(ledger) == ids


#: Python run in a child process: SIGKILL it at a step of a merge (``sys.argv[1]``): after
#: the merged file is announced, once it is in place but not live, or just after the switch
KILL_AT_MERGE_STEP = textwrap.dedent(
    """
    import os, signal, sys
    from integrita.analytics import ledger_compaction as lc

    step, write_state, fsync_path = sys.argv[1], lc.write_state, lc.fsync_path

    def state_then_maybe_die(root, state):
        write_state(root, state)
        announced = bool(state.pending)
        if (step, announced) in {("announced", True), ("switched", False)}:
            os.kill(os.getpid(), signal.SIGKILL)

    def fsync_then_maybe_die(path):
        fsync_path(path)
        if step == "in-place" and path.is_dir():
            os.kill(os.getpid(), signal.SIGKILL)

    lc.write_state, lc.fsync_path = state_then_maybe_die, fsync_then_maybe_die
    """
)
_KILLED_MERGE = KILL_AT_MERGE_STEP + textwrap.dedent(
    """
    from integrita.analytics.ledger import Ledger

    lc.compact(Ledger(sys.argv[2]), policy=lc.CompactionPolicy(min_files=4, grace_seconds=3600))
    """
)


@pytest.mark.parametrize("step", ["announced", "in-place", "switched"])
def test_a_merge_killed_at_any_step_loses_and_duplicates_nothing(tmp_path: Path, step: str) -> None:
    root = tmp_path / "ledger"
    ledger = Ledger(root)
    ids = _small_batches(ledger)
    killed = subprocess.run(
        [sys.executable, "-c", _KILLED_MERGE, step, str(root)], env=dict(os.environ), check=False
    )
    assert killed.returncode == -signal.SIGKILL
    assert _ids(ledger) == ids
    assert ledger.append_table(_table([_row(i, NOON) for i in ids])).stored == 0
    state = read_state(root)
    assert (len(state.pending), len(state.retired)) == (
        {"announced": (1, 0), "in-place": (1, 0), "switched": (0, 6)}[step]
    )
    compact(ledger, policy=NOW_POLICY)  # clears what the killed merge left, merges if need be
    assert read_state(root).pending == []
    assert len(ledger.files()) == 1
    assert _ids(ledger) == ids
    compact(ledger, policy=NOW_POLICY)  # deletes the files retired by the merge just done
    assert len(list(root.glob("booking_date=*/*.parquet"))) == 1
    assert _ids(ledger) == ids
