"""Merging a booking day's small ledger files into one.

A stream appends a file per batch and booking day (about one a second), and a reader opens
every file's footer: thousands of small files make every query slower. Files are grouped by
size tier (a tier spans a factor of ``factor`` in bytes, from ``base_bytes``); a day with
``min_files`` files of one tier has them merged into one file of a higher tier, so a row is
rewritten about once per tier (a few times), not once per merge, and files of ``max_bytes``
or more are left alone. The merged file holds the same rows, ordered by ``txn_id`` (an id
lookup then skips most row groups by their statistics).

The switch is safe for readers (``ledger_files``): the merged file is announced as pending
before it is written, so no reader lists it early; then one atomic state change makes it live
and retires the small files, which stay on disk for ``grace_seconds`` so that a query which
listed them just before the switch still reads them, and are deleted by a later merge. A merge
killed at any step leaves either the small files live or the merged one, never both: its
pending file is deleted by the next merge (``recover``). The stored-id index is untouched (the
ids do not change); if a merged-away file was still waiting to be indexed, the merged one is
journalled in its place.
"""

from __future__ import annotations

import math
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from integrita.analytics.ledger import Ledger, parquet_list
from integrita.analytics.ledger_files import (
    PARTITION_KEY,
    LedgerState,
    forget_writer_state,
    fsync_path,
    relative,
    write_state,
    writer_lock,
    writer_state,
)
from integrita.analytics.ledger_ids import TxnIdIndex
from integrita.analytics.schema import LEDGER_SCHEMA

#: files a merged one replaced stay readable this long (a detection run lists its files once)
GRACE_SECONDS = 3600.0


@dataclass(frozen=True, slots=True)
class CompactionPolicy:
    min_files: int = 4
    factor: int = 4
    base_bytes: int = 256 * 1024
    max_bytes: int = 128 * 1024 * 1024
    grace_seconds: float = GRACE_SECONDS

    def tier(self, size: int) -> int | None:
        """The size tier of a file, None when it is big enough to be left alone."""
        if size >= self.max_bytes:
            return None
        return int(math.log(max(size, self.base_bytes) / self.base_bytes, self.factor))


@dataclass(slots=True)
class CompactionResult:
    partitions_checked: int = 0
    merges: int = 0
    files_merged: int = 0
    rows_rewritten: int = 0
    retired_files_deleted: int = 0
    pending_files_removed: int = 0


def plan(files: list[Path], policy: CompactionPolicy) -> list[list[Path]]:
    """The groups of one partition's files to merge: each tier holding ``min_files`` or more."""
    tiers: dict[int, list[Path]] = {}
    for file in files:
        tier = policy.tier(file.stat().st_size)
        if tier is not None:
            tiers.setdefault(tier, []).append(file)
    return [group for _, group in sorted(tiers.items()) if len(group) >= policy.min_files]


def recover(root: Path, state: LedgerState, grace_seconds: float, result: CompactionResult) -> None:
    """Delete a killed merge's pending file and the retired files past their grace period."""
    now = time.time()
    expired = [name for name, at in state.retired.items() if now - at >= grace_seconds]
    if not state.pending and not expired:
        return
    for name in state.pending:
        (root / name).unlink(missing_ok=True)
        result.pending_files_removed += 1
    for name in expired:
        (root / name).unlink(missing_ok=True)
        del state.retired[name]
        result.retired_files_deleted += 1
    state.pending = []
    write_state(root, state)


def _merge(ledger: Ledger, group: list[Path], state: LedgerState) -> int:
    """Merge one group of a partition's live files; returns the rows rewritten."""
    root = ledger.root
    partition = group[0].parent
    merged = partition / f"part-m{uuid.uuid4().hex[:12]}-0.parquet"
    state.pending.append(relative(root, merged))
    write_state(root, state)  # announced before it exists: no reader lists it early
    olds = [relative(root, f) for f in group]
    with TxnIdIndex(root, ledger.live_names) as index:
        if set(olds) & set(index.journalled()):
            index.journal([relative(root, merged)])
    staging = (root.parent / ".staging" / f"merge-{uuid.uuid4().hex[:12]}.parquet").resolve()
    staging.parent.mkdir(parents=True, exist_ok=True)
    columns = ", ".join(f.name for f in LEDGER_SCHEMA)
    try:
        with ledger.connect(view=False) as con:
            source = f"read_parquet({parquet_list(group)}, hive_partitioning = false, union_by_name = true)"
            expected = con.execute(f"SELECT count(*) FROM {source}").fetchone()
            written = con.execute(
                f"COPY (SELECT {columns} FROM {source} ORDER BY txn_id) TO '{staging}' "
                "(FORMAT PARQUET, COMPRESSION ZSTD, COMPRESSION_LEVEL 1)"
            ).fetchone()
        if expected is None or written is None or expected[0] != written[0]:
            raise RuntimeError(f"merging {partition.name}: {written} rows written of {expected}")
        fsync_path(staging)
        staging.replace(merged)
        fsync_path(partition)
    finally:
        staging.unlink(missing_ok=True)
    # the switch: the merged file live and the small ones retired, in one atomic state change
    state.pending.remove(relative(root, merged))
    now = time.time()
    state.retired.update({name: now for name in olds})
    write_state(root, state)
    return int(written[0])


def compact(
    ledger: Ledger,
    *,
    partitions: Iterable[str] | None = None,
    policy: CompactionPolicy | None = None,
    on_partition: Callable[[str], None] | None = None,
) -> CompactionResult:
    """Merge the small files of these partitions (directory names; all when None)."""
    policy = policy or CompactionPolicy()
    root = ledger.root
    result = CompactionResult()
    if not root.exists():
        return result
    with writer_lock(root):
        # the state this process last wrote, unless another writer replaced it: not parsed
        # again at every append (see ledger_files)
        state = writer_state(root)
        try:
            recover(root, state, policy.grace_seconds, result)
            names = (
                sorted(p.name for p in root.glob(f"{PARTITION_KEY}=*"))
                if partitions is None
                else sorted(set(partitions))
            )
            for name in names:
                files = sorted(
                    f
                    for f in (root / name).glob("*.parquet")
                    if not state.is_hidden(relative(root, f))
                )
                for group in plan(files, policy):
                    result.rows_rewritten += _merge(ledger, group, state)
                    result.merges += 1
                    result.files_merged += len(group)
                result.partitions_checked += 1
                if on_partition is not None:
                    on_partition(name)
        except BaseException:
            forget_writer_state(root)  # it may have been changed in place and not written
            raise
    return result
