"""The generic register record as services hand it out, and the one way a record takes a step.

Every register shares these: the view (protected fields withheld), the history read back from
the audit trail, and :func:`take_step` — the workflow engine's check and audit event, then the
record's new state and version, all in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

import orjson

from integrita.domain.registers import RegisterSpec, as_text
from integrita.domain.workflow import Actor, Step
from integrita.services.core import workflow as engine
from integrita.store import Session
from integrita.store.models import GovernanceRecord
from integrita.store.repositories import audit as audit_repo

#: What a protected field shows to everyone (its value is revealed only on an audited request).
WITHHELD = "(withheld)"


@dataclass(frozen=True, slots=True)
class RecordView:
    id: int
    register: str
    reference: str
    state: str
    version: int
    fields: dict[str, str]
    created_at: datetime
    created_by: str
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    at: datetime
    actor: str
    action: str
    state: str | None
    note: str
    changes: dict[str, str]


def view(spec: RegisterSpec, row: GovernanceRecord) -> RecordView:
    shown = {}
    for f in spec.fields:
        value = row.fields.get(f.name)
        shown[f.name] = WITHHELD if f.protected and value else as_text(value)
    return RecordView(
        row.id,
        row.register,
        row.reference,
        row.state,
        row.version,
        shown,
        row.created_at,
        row.created_by,
        row.updated_at,
    )


def record_ref(spec: RegisterSpec, record_id: int) -> engine.RecordRef:
    return engine.RecordRef(spec.entity_type, record_id)


def facts(row: GovernanceRecord, extra: Mapping[str, object] | None = None) -> dict[str, object]:
    """What a guard reads: the record's fields and state, and what the register's rules add."""
    found: dict[str, object] = dict(row.fields)
    found["state"] = row.state
    found.update(extra or {})
    return found


def public_fields(spec: RegisterSpec, values: Mapping[str, object]) -> dict[str, object]:
    """The values an audit event may carry: a protected value is named, never written."""
    return {
        k: (WITHHELD if spec.field(k).protected and v else v)
        for k, v in values.items()
        if k in {f.name for f in spec.fields}
    }


def take_step(
    session: Session,
    spec: RegisterSpec,
    row: GovernanceRecord,
    action: str,
    who: Actor,
    *,
    at: datetime,
    changes: Mapping[str, object] | None = None,
    note: str = "",
    extra_facts: Mapping[str, object] | None = None,
    seen_version: int | None = None,
) -> Step:
    """Check ``action`` through the workflow engine, audit it, then apply it to ``row``.

    ``changes`` are field values the step sets (an amendment, an outcome, a derived date); a
    step that changes a field a person typed makes a new version, so an approval given to the
    old one is refused.
    """
    before_state = row.state
    changed = engine.changed_fields(row.fields, dict(changes or {}))
    after: dict[str, object] = {"reference": row.reference}
    if changed:
        after["changes"] = public_fields(spec, changed)
    if note:
        after["note"] = note
    step = engine.transition(
        session,
        spec.workflow,
        record_ref(spec, row.id),
        before_state,
        action,
        who,
        at=at,
        before={"state": before_state},
        after=after,
        facts=facts(row, extra_facts),
        seen_version=seen_version,
        current_version=row.version,
    )
    if changed:
        merged = dict(row.fields)
        merged.update(changed)
        row.fields = merged
        typed = {f.name for f in spec.input_fields}
        if typed & set(changed) and step.stays:
            row.version += 1
    if step.target:
        row.state = step.target
    row.updated_at = at
    session.flush()
    return step


def history(session: Session, spec: RegisterSpec, record_id: int) -> list[HistoryEntry]:
    """The record's life, read from the audit trail (the same events the engine checks)."""
    entries = []
    for event in audit_repo.events_for(session, spec.entity_type, str(record_id)):
        payload = orjson.loads(event.after) if event.after else {}
        if not isinstance(payload, dict):
            payload = {}
        changes = payload.get("changes")
        entries.append(
            HistoryEntry(
                event.occurred_at,
                event.actor,
                event.action.removeprefix(f"{spec.workflow.name}."),
                str(payload["state"]) if payload.get("state") else None,
                str(payload.get("note") or ""),
                {str(k): as_text(v) for k, v in changes.items()}
                if isinstance(changes, dict)
                else {},
            )
        )
    return entries
