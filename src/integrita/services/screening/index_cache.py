"""The blocking index of the lists in force, built once per process and rebuilt when a list
changes (checked at most every few seconds, so a payment does not wait on the database)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from integrita.detection.screening.index import BlockingIndex
from integrita.domain.screening import ListEntity
from integrita.services.core.context import Context
from integrita.store.repositories import screening as repo

#: How often a process asks the database whether a list changed.
RECHECK_SECONDS = 5.0


@dataclass
class _Cached:
    key: tuple[int, ...]
    index: BlockingIndex
    checked: float


_lock = threading.Lock()
_cache: dict[str, _Cached] = {}


def applied_ids(ctx: Context) -> tuple[int, ...]:
    with ctx.db.transaction() as session:
        return tuple(s.id for s in repo.applied_snapshots(session))


def build(ctx: Context, snapshot_ids: tuple[int, ...]) -> BlockingIndex:
    index = BlockingIndex()
    with ctx.db.transaction() as session:
        sources = {s.id: s.source for s in repo.applied_snapshots(session)}
        for snapshot_id in snapshot_ids:
            payloads = repo.entity_payloads(session, snapshot_id)
            index.add(
                (ListEntity.from_json(p) for p in payloads),
                source=sources.get(snapshot_id, ""),
                snapshot_id=snapshot_id,
            )
    return index.freeze()


def current_index(ctx: Context, *, fresh: bool = False) -> BlockingIndex:
    """The index of every applied snapshot (``fresh`` asks the database now)."""
    url = ctx.db.url
    now = time.monotonic()
    cached = _cache.get(url)
    if cached is not None and not fresh and now - cached.checked < RECHECK_SECONDS:
        return cached.index
    key = applied_ids(ctx)
    with _lock:
        cached = _cache.get(url)
        if cached is not None and cached.key == key:
            cached.checked = now
            return cached.index
        index = build(ctx, key)
        _cache[url] = _Cached(key, index, now)
        return index


def forget(ctx: Context) -> None:
    """Drop the cached index (after an import in this process)."""
    _cache.pop(ctx.db.url, None)
