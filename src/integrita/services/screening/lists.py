"""List imports: each file a versioned snapshot with its diff against the one before.

A file is read completely before anything is stored, so a malformed file changes nothing. A file
that drops more than the configured share of the previous snapshot's entities is stored as
``held``: a truncated download must not silently un-list sanctioned people. A person with the
import permission confirms or rejects it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from integrita.domain.permissions import Permission
from integrita.domain.screening import SOURCES, ListEntity, dropped_share
from integrita.errors import InputError, NotFoundError, StateTransitionError
from integrita.services.core import audit
from integrita.services.core.context import Context
from integrita.services.core.permissions import HasRoles, ensure_permitted
from integrita.services.core.view_objects import view_of
from integrita.services.screening.formats import read_list
from integrita.store import Session
from integrita.store.models import ScreeningSnapshot
from integrita.store.repositories import screening as repo


@dataclass(frozen=True, slots=True)
class SnapshotView:
    id: int
    source: str
    version: int
    file_name: str
    imported_at: datetime
    imported_by: str
    status: str
    entity_count: int
    added: int
    removed: int
    changed: int
    note: str | None


@dataclass(frozen=True, slots=True)
class ListDiff:
    """What a snapshot changed against the one before it."""

    snapshot: SnapshotView
    previous_id: int | None
    added: tuple[str, ...]
    removed: tuple[str, ...]
    changed: tuple[str, ...]

    @property
    def to_screen(self) -> tuple[str, ...]:
        """The entities delta screening looks at: new and changed ones."""
        return self.added + self.changed


def _view(row: ScreeningSnapshot) -> SnapshotView:
    return view_of(SnapshotView, row)


def _diff(old: Mapping[str, str], new: Mapping[str, str]) -> tuple[list[str], list[str], list[str]]:
    added = sorted(set(new) - set(old))
    removed = sorted(set(old) - set(new))
    changed = sorted(k for k in set(new) & set(old) if new[k] != old[k])
    return added, removed, changed


def import_list(
    ctx: Context,
    source: str,
    path: Path,
    *,
    actor: HasRoles,
    mapping: Mapping[str, str] | None = None,
    max_drop_share: float | None = None,
) -> ListDiff:
    """Read ``path`` as ``source`` and store it as the next snapshot (applied or held)."""
    ensure_permitted(actor, Permission.LIST_IMPORT)
    if source not in SOURCES:
        raise InputError(
            f"unknown list source {source!r} (known: {', '.join(SOURCES)})", field="source"
        )
    entities = read_list(source, path, mapping)
    if not entities:
        raise InputError(f"{path.name}: the file holds no entities to screen against", field="file")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    limit = ctx.settings.screening_max_drop_share if max_drop_share is None else max_drop_share
    at = ctx.now()
    with ctx.db.transaction() as session:
        previous = repo.latest_applied(session, source)
        old = repo.entity_hashes(session, previous.id) if previous else {}
        new = {e.entity_id: e.content_hash() for e in entities}
        added, removed, changed = _diff(old, new)
        share = dropped_share(len(old), len(removed))
        held = previous is not None and share > limit
        row = repo.add_snapshot(
            session,
            source=source,
            version=repo.next_version(session, source),
            file_name=path.name,
            file_sha256=digest,
            imported_at=at,
            imported_by=actor.username,
            status="held" if held else "applied",
            entity_count=len(entities),
            added=len(added),
            removed=len(removed),
            changed=len(changed),
            previous_id=previous.id if previous else None,
            note=(
                f"drops {len(removed)} of {len(old)} entities ({share:.1%} > {limit:.0%}): "
                "held for confirmation"
            )
            if held
            else None,
        )
        _store_entities(session, row.id, entities)
        if previous is not None and not held:
            previous.status = "superseded"
        audit.record(
            session,
            at=at,
            actor=actor.username,
            action="screening.list_held" if held else "screening.list_applied",
            entity_type="screening_snapshot",
            entity_id=row.id,
            after={
                "source": source,
                "version": row.version,
                "file": path.name,
                "sha256": digest,
                "entities": len(entities),
                "added": len(added),
                "removed": len(removed),
                "changed": len(changed),
            },
        )
        return ListDiff(_view(row), row.previous_id, tuple(added), tuple(removed), tuple(changed))


def _store_entities(session: Session, snapshot_id: int, entities: list[ListEntity]) -> None:
    repo.add_entities(
        session,
        [
            {
                "snapshot_id": snapshot_id,
                "entity_id": e.entity_id,
                "content_hash": e.content_hash(),
                "schema": e.schema,
                "caption": e.caption[:512],
                "payload": e.to_json(),
            }
            for e in entities
        ],
    )


def decide_held(ctx: Context, snapshot_id: int, apply: bool, *, actor: HasRoles) -> ListDiff:
    """Apply (or reject) a snapshot held for dropping too many entities."""
    ensure_permitted(actor, Permission.LIST_IMPORT)
    at = ctx.now()
    with ctx.db.transaction() as session:
        row = repo.get_snapshot(session, snapshot_id, lock=True)
        if row is None:
            raise NotFoundError(f"no list snapshot {snapshot_id}")
        if row.status != "held":
            raise StateTransitionError(f"snapshot {snapshot_id} is {row.status}, not held")
        current = repo.latest_applied(session, row.source)
        if current is not None and current.id != row.previous_id:
            raise StateTransitionError(
                f"snapshot {snapshot_id} was compared with snapshot {row.previous_id}, but "
                f"{current.id} is in force now; import the file again"
            )
        row.status = "applied" if apply else "rejected"
        if apply and current is not None:
            current.status = "superseded"
        audit.record(
            session,
            at=at,
            actor=actor.username,
            action="screening.list_confirmed" if apply else "screening.list_rejected",
            entity_type="screening_snapshot",
            entity_id=row.id,
            before={"status": "held"},
            after={"status": row.status},
        )
    return diff(ctx, snapshot_id)


def diff(ctx: Context, snapshot_id: int) -> ListDiff:
    """What ``snapshot_id`` added, removed and changed against the snapshot before it."""
    with ctx.db.transaction() as session:
        row = repo.get_snapshot(session, snapshot_id)
        if row is None:
            raise NotFoundError(f"no list snapshot {snapshot_id}")
        old = repo.entity_hashes(session, row.previous_id) if row.previous_id else {}
        added, removed, changed = _diff(old, repo.entity_hashes(session, row.id))
        return ListDiff(_view(row), row.previous_id, tuple(added), tuple(removed), tuple(changed))


def latest(ctx: Context, source: str) -> SnapshotView | None:
    with ctx.db.transaction() as session:
        rows = repo.snapshots(session, source)
        return _view(rows[0]) if rows else None


def status(ctx: Context, source: str | None = None) -> list[SnapshotView]:
    """Every snapshot, newest first per source."""
    with ctx.db.transaction() as session:
        return [_view(r) for r in repo.snapshots(session, source)]


def entities(
    ctx: Context, snapshot_id: int, entity_ids: list[str] | None = None
) -> list[ListEntity]:
    with ctx.db.transaction() as session:
        return [
            ListEntity.from_json(p) for p in repo.entity_payloads(session, snapshot_id, entity_ids)
        ]
