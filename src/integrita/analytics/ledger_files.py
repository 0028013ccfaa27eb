"""Which Parquet files make up the ledger, and the one lock its writers share.

Appending only adds files, so a glob of the partition directories was enough until small files
began to be merged (``ledger_compaction``). A merge writes one file holding the rows of several
and must never let a reader count a row twice or miss one, while readers list the files at
query time. The state file ``<root>/_state.json`` says which files on disk are not (yet, or
any more) part of the ledger:

* ``pending``: a merged file being written; hidden until the merge is switched on;
* ``retired``: files a merged one replaced, kept on disk (hidden) for a grace period so that a
  query that listed them before the switch can still read them; deleted afterwards.

A reader reads the state, lists the files, and reads the state again; if its generation changed
in between (a merge started or was switched on), it lists again. So a listing is always the
files of one generation: the small files or the merged one, never both, never neither. Names
starting with ``_`` are not partitions, so neither DuckDB's glob nor Spark sees them.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import orjson

PARTITION_KEY = "booking_date"
STATE_FILE = "_state.json"
WRITER_LOCK = "_writer.lock"


def fsync_path(path: Path) -> None:
    """Flush a file's data, or a directory's entries, to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@dataclass(slots=True)
class LedgerState:
    """Files on disk that are not part of the ledger; names are relative to the root."""

    generation: int = 0
    pending: list[str] = field(default_factory=list)
    retired: dict[str, float] = field(default_factory=dict)  # name -> when it was retired

    @property
    def hidden(self) -> set[str]:
        return set(self.pending) | set(self.retired)


def read_state(root: Path) -> LedgerState:
    path = root / STATE_FILE
    try:
        raw = orjson.loads(path.read_bytes())
    except FileNotFoundError:
        return LedgerState()
    return LedgerState(int(raw["generation"]), list(raw["pending"]), dict(raw["retired"]))


def write_state(root: Path, state: LedgerState) -> None:
    """Replace the state atomically and durably, one generation on."""
    state.generation += 1
    tmp = root / f"{STATE_FILE}.tmp"
    tmp.write_bytes(
        orjson.dumps(
            {"generation": state.generation, "pending": state.pending, "retired": state.retired}
        )
    )
    fsync_path(tmp)
    tmp.replace(root / STATE_FILE)
    fsync_path(root)


def relative(root: Path, file: Path) -> str:
    return f"{file.parent.name}/{file.name}"


def _on_disk(root: Path, partitions: Callable[[str], bool] | None = None) -> list[Path]:
    if partitions is None:
        return sorted(root.glob(f"{PARTITION_KEY}=*/*.parquet"))
    chosen = sorted(d for d in root.glob(f"{PARTITION_KEY}=*") if partitions(d.name))
    return [f for d in chosen for f in sorted(d.glob("*.parquet"))]


def live_files(root: Path, partitions: Callable[[str], bool] | None = None) -> list[Path]:
    """The ledger's files, all of one generation (see the module's docstring); only those of
    the partition directories ``partitions`` accepts, when given."""
    if not root.exists():
        return []
    while True:
        before = read_state(root)
        found = _on_disk(root, partitions)
        after = read_state(root)
        if after.generation == before.generation:
            hidden = before.hidden
            return [f for f in found if relative(root, f) not in hidden]
        time.sleep(0.001)


@contextmanager
def writer_lock(root: Path) -> Iterator[None]:
    """Hold the ledger's writer lock: one append or merge at a time, across processes (an
    ``integrita ingest`` waits for the stream consumer's batch and the other way round)."""
    root.mkdir(parents=True, exist_ok=True)
    fd = os.open(root / WRITER_LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock
