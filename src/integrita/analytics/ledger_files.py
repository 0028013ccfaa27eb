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

Retired names stay in the state for the whole grace period, so the state grows with the merges
of the last hour (a stream merging a file a second: thousands of names, about a megabyte of
JSON). A writer therefore keeps the state it last read or wrote (``writer_state``) and parses
the file again only when another writer has replaced it since: parsing it at every append made
the stream consumer's memory climb with the state's size (``docs/benchmarks.md``, "stream").
"""

from __future__ import annotations

import fcntl
import os
import re
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

    def is_hidden(self, name: str) -> bool:
        """Whether a file (by its name under the root) is not part of the ledger (a lookup, not
        a set of every hidden name built for it)."""
        return name in self.retired or name in self.pending


#: the state file as a writer last read or wrote it, per ledger root: (the file's identity, the
#: state); only used and changed under the writer lock (``writer_state``)
_WRITER_STATES: dict[Path, tuple[tuple[int, int, int, int], LedgerState]] = {}

#: ``write_state`` writes the generation first, so a few bytes say which generation a file holds
_GENERATION = re.compile(rb'^\{"generation":(\d+),')


def read_state(root: Path) -> LedgerState:
    path = root / STATE_FILE
    try:
        raw = orjson.loads(path.read_bytes())
    except FileNotFoundError:
        return LedgerState()
    return LedgerState(int(raw["generation"]), list(raw["pending"]), dict(raw["retired"]))


def _identity(root: Path) -> tuple[int, int, int, int] | None:
    """The state file's inode, size, modification time and generation (None when it is missing
    or not written by ``write_state``); a replaced file differs in all of them but by chance."""
    try:
        with (root / STATE_FILE).open("rb") as file:
            stat = os.fstat(file.fileno())
            found = _GENERATION.match(file.read(40))
    except FileNotFoundError:
        return None
    if found is None:
        return None
    return (stat.st_ino, stat.st_size, stat.st_mtime_ns, int(found.group(1)))


def writer_state(root: Path) -> LedgerState:
    """The state for a writer holding the writer lock: the one this process last read or wrote
    while the file is still that one, else read afresh. A writer that changes it in place must
    ``write_state`` it or ``forget_writer_state`` (an error half-way)."""
    identity = _identity(root)
    cached = _WRITER_STATES.get(root)
    if identity is not None and cached is not None and cached[0] == identity:
        return cached[1]
    state = read_state(root)
    if identity is not None and state.generation == identity[3]:
        _WRITER_STATES[root] = (identity, state)
    else:
        _WRITER_STATES.pop(root, None)
    return state


def forget_writer_state(root: Path) -> None:
    """Drop the kept state (it was changed and not written): the next writer reads the file."""
    _WRITER_STATES.pop(root, None)


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
    _WRITER_STATES.pop(root, None)
    tmp.replace(root / STATE_FILE)
    fsync_path(root)
    identity = _identity(root)
    if identity is not None and identity[3] == state.generation:
        _WRITER_STATES[root] = (identity, state)


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
            return [f for f in found if not before.is_hidden(relative(root, f))]
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
