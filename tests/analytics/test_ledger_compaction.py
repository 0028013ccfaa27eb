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
import orjson
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


def _with_retired_names(root: Path, count: int) -> None:
    """A state holding ``count`` merged-away files still in their grace period, as a stream's
    ledger does after an hour of merges (names only: the files are long gone)."""
    state = read_state(root)
    state.retired.update(
        {f"booking_date=2019-01-01/part-{n:012x}-0.parquet": 1e12 for n in range(count)}
    )
    write_state(root, state)
    ledger_files.forget_writer_state(root)  # as if another process had written it


def test_an_append_and_merge_does_not_cost_memory_in_proportion_to_the_retired_files(
    tmp_path: Path,
) -> None:
    """The stream consumer merges after every batch; each merge read the whole state, whose
    retired names grow for an hour of grace, and the consumer's memory climbed with it."""
    import tracemalloc

    root = tmp_path / "ledger"
    ledger = Ledger(root)
    _small_batches(ledger, batches=2)
    _with_retired_names(root, 20_000)
    tracemalloc.start()
    compact(ledger, policy=KEEP_POLICY)  # the first reads it, as any new writer must
    first = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert first > 5 * 2**20  # what every append's merge cost before (the test's yardstick)
    peaks = []
    for b in range(6):  # the stream's next batches of that day: appends, merges among them
        ledger.append_table(_table([_row(f"N{b}", NOON + timedelta(hours=1, minutes=b))]))
        tracemalloc.start()
        result = compact(ledger, policy=KEEP_POLICY)
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
        assert result.partitions_checked == 1
    assert len(read_state(root).retired) == 20_000 + 8  # two merges of four files
    # reading 20,000 names takes about 10 MB at its peak; a merge still writes them (~1 MB)
    assert max(peaks) < 3 * 2**20, peaks
    assert sorted(peaks)[2] < 2**20, peaks  # the batches without a merge write nothing


def test_a_writer_reads_the_state_again_once_another_writer_replaced_it(tmp_path: Path) -> None:
    root = tmp_path / "ledger"
    ledger = Ledger(root)
    _small_batches(ledger, batches=4)
    compact(ledger, policy=KEEP_POLICY)  # this process now keeps the state it wrote
    merged = ledger.files()[0]
    # another process announces a merged file and dies before writing it (its pending name)
    state = read_state(root)
    orphan = merged.parent / "part-mdeadbeef0000-0.parquet"
    shutil.copy(merged, orphan)
    state.pending.append(f"{merged.parent.name}/{orphan.name}")
    state.generation += 1
    (root / ledger_files.STATE_FILE).write_bytes(  # in place: same inode, other generation
        orjson.dumps(
            {"generation": state.generation, "pending": state.pending, "retired": state.retired}
        )
    )
    assert compact(ledger, policy=KEEP_POLICY).pending_files_removed == 1
    assert not orphan.exists()
    assert ledger.count() == 20


def test_a_merge_failing_half_way_leaves_no_kept_state_ahead_of_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "ledger"
    ledger = Ledger(root)
    _small_batches(ledger, batches=3)
    compact(ledger, policy=KEEP_POLICY)
    _small_batches(ledger, batches=1)

    def recover_then_fail(root_: Path, state: LedgerState, *_: Any) -> None:
        state.pending.append("booking_date=2025-03-01/part-never-0.parquet")  # not written
        raise OSError("disk full")

    monkeypatch.setattr(ledger_compaction, "recover", recover_then_fail)
    with pytest.raises(OSError, match="disk full"):
        compact(ledger, policy=KEEP_POLICY)
    assert ledger_files.writer_state(root).pending == read_state(root).pending == []
