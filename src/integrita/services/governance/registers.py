"""The governance registers' use cases: file a record, take a step, list, read, export.

One set of functions serves every register (:data:`integrita.domain.governance.REGISTERS`):
the register's spec types the fields and names the workflow; its rules
(:mod:`integrita.services.governance.rules`) pick the create step and fill derived fields.
Filing is idempotent on the register's natural key: the same record filed twice is the same
record.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from integrita.domain.governance import REGISTERS, register_named
from integrita.domain.permissions import Permission
from integrita.domain.registers import NEW, RegisterSpec, as_text, parse_record
from integrita.domain.workflow import Actor
from integrita.errors import InputError, NotFoundError
from integrita.services.core import audit
from integrita.services.core import workflow as engine
from integrita.services.core.context import Context
from integrita.services.core.permissions import HasRoles, as_actor, ensure_permitted, permitted
from integrita.services.governance import rules
from integrita.services.governance.records import (
    HistoryEntry,
    RecordView,
    facts,
    history,
    record_ref,
    take_step,
    view,
)
from integrita.store import Session
from integrita.store.models import GovernanceRecord
from integrita.store.repositories import governance as repo


@dataclass(frozen=True, slots=True)
class Filed:
    record: RecordView
    created: bool


def file_in_session(
    ctx: Context,
    session: Session,
    spec: RegisterSpec,
    values: Mapping[str, object],
    who: Actor,
    *,
    at: datetime,
    demo: bool = False,
) -> tuple[GovernanceRecord, bool]:
    """File parsed ``values`` in the caller's transaction; (record, created)."""
    reference = spec.reference(values)
    existing = repo.by_reference(session, spec.name, reference)
    if existing is not None:
        return existing, False
    chosen = rules.creation(ctx, session, spec, values)
    all_values = {**values, **chosen.derived}
    # Checked before the row exists so that a refusal writes nothing.
    spec.workflow.check(NEW, chosen.action, who, facts=dict(all_values))
    row = repo.add_record(
        session,
        register=spec.name,
        reference=reference,
        state=NEW,
        version=1,
        fields={f.name: all_values.get(f.name) for f in spec.fields},
        created_at=at,
        created_by=who.username,
        updated_at=at,
        demo=demo,
    )
    take_step(session, spec, row, chosen.action, who, at=at)
    return row, True


def file_record(
    ctx: Context, register: str, raw: Mapping[str, str], *, actor: HasRoles, demo: bool = False
) -> Filed:
    """File one record given as text values (a form, a JSON body)."""
    spec = register_named(register)
    who = as_actor(actor)
    values = parse_record(spec, raw)
    at = ctx.now()
    with ctx.db.transaction() as session:
        row, created = file_in_session(ctx, session, spec, values, who, at=at, demo=demo)
        return Filed(view(spec, row), created)


def _load(session: Session, spec: RegisterSpec, record_id: int) -> GovernanceRecord:
    row = repo.get_record(session, spec.name, record_id, for_update=True)
    if row is None:
        raise NotFoundError(f"{spec.label} {record_id} not found")
    return row


def act(
    ctx: Context,
    register: str,
    record_id: int,
    action: str,
    *,
    actor: HasRoles,
    changes: Mapping[str, str] | None = None,
    note: str = "",
    seen_version: int | None = None,
) -> RecordView:
    """Take one step of the record's workflow (refused with the reason, changing nothing)."""
    spec = register_named(register)
    who = as_actor(actor)
    parsed = parse_record(spec, changes or {}, partial=True)
    not_settable = sorted(set(parsed) - spec.settable(action))
    if not_settable:
        raise InputError(
            f"'{action}' does not set {', '.join(not_settable)}; amend the record instead",
            field=not_settable[0],
        )
    at = ctx.now()
    with ctx.db.transaction() as session:
        row = _load(session, spec, record_id)
        derived = rules.step_changes(ctx, spec, row, action, ctx.local_date(at))
        take_step(
            session,
            spec,
            row,
            action,
            who,
            at=at,
            changes={**parsed, **derived},
            note=note.strip(),
            extra_facts=rules.step_facts(session, spec, row),
            seen_version=seen_version,
        )
        return view(spec, row)


#: The field naming the person a record is about: they may read their own records.
OWNER_FIELDS = ("employee", "owner")


def _own_only(spec: RegisterSpec, actor: HasRoles) -> str | None:
    """None when ``actor`` reads the whole register; their user name when they may read only
    the records about themselves (an employee's own dealing requests, gifts, declarations);
    refused otherwise."""
    if permitted(actor, spec.read_permission):
        return None
    names = {f.name for f in spec.fields}
    if any(f in names for f in OWNER_FIELDS) and permitted(actor, Permission.GOVERNANCE_DECLARE):
        return actor.username
    ensure_permitted(actor, spec.read_permission)
    return None


def _is_own(row: GovernanceRecord, username: str | None) -> bool:
    return username is None or any(row.fields.get(f) == username for f in OWNER_FIELDS)


def list_records(
    ctx: Context,
    register: str,
    *,
    actor: HasRoles,
    state: str | None = None,
    filters: Mapping[str, str] | None = None,
    limit: int = 500,
) -> list[RecordView]:
    """The register's records, newest first, filtered by state and by field values (a filter
    matches a field that contains its text, case-insensitively)."""
    spec = register_named(register)
    own = _own_only(spec, actor)
    wanted = {k: v.strip().casefold() for k, v in (filters or {}).items() if v.strip()}
    for name in wanted:
        if spec.field(name).protected:
            raise InputError(f"{name} cannot be filtered on", field=name)
    with ctx.db.transaction() as session:
        rows = repo.records(session, spec.name, [state] if state else None)
        found = [
            view(spec, r)
            for r in reversed(rows)
            if _is_own(r, own)
            and all(v in as_text(r.fields.get(k)).casefold() for k, v in wanted.items())
        ]
    return found[:limit]


@dataclass(frozen=True, slots=True)
class RecordPage:
    record: RecordView
    history: list[HistoryEntry]
    actions: list[str]


def get_record(ctx: Context, register: str, record_id: int, *, actor: HasRoles) -> RecordPage:
    """A record, its history and the steps this person may take now."""
    spec = register_named(register)
    own = _own_only(spec, actor)
    who = as_actor(actor)
    with ctx.db.transaction() as session:
        row = repo.get_record(session, spec.name, record_id)
        if row is None or not _is_own(row, own):
            raise NotFoundError(f"{spec.label} {record_id} not found")
        found = engine.history(session, record_ref(spec, row.id))
        extra = rules.step_facts(session, spec, row)
        offered = spec.workflow.available(row.state, who, found, facts=facts(row, extra))
        return RecordPage(view(spec, row), history(session, spec, row.id), offered)


def reveal_protected(
    ctx: Context, register: str, record_id: int, field_name: str, *, actor: HasRoles
) -> str:
    """A protected value (a whistle-blower's identity), shown only to the register's named
    permission; every view writes an audit event, so who looked and when is on record."""
    spec = register_named(register)
    spec_field = spec.field(field_name)
    if not spec_field.protected or spec.protected_reader is None:
        raise InputError(f"{field_name} is not a protected field", field=field_name)
    ensure_permitted(actor, spec.protected_reader)
    at = ctx.now()
    with ctx.db.transaction() as session:
        row = repo.get_record(session, spec.name, record_id)
        if row is None:
            raise NotFoundError(f"{spec.label} {record_id} not found")
        audit.record(
            session,
            at=at,
            actor=actor.username,
            action=f"{spec.workflow.name}.viewed_{field_name}"[:64],
            entity_type=spec.entity_type,
            entity_id=row.id,
            after={"field": field_name},
        )
        return as_text(row.fields.get(field_name))


def export_csv(ctx: Context, register: str, *, actor: HasRoles, state: str | None = None) -> str:
    """The register as CSV: the same columns an import reads, plus reference and state
    (protected fields are left out)."""
    spec = register_named(register)
    records = list_records(ctx, register, actor=actor, state=state, limit=1_000_000)
    names = [f.name for f in spec.fields if not f.protected]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["id", "state", "version", *names])
    for r in reversed(records):
        writer.writerow([r.id, r.state, r.version, *[_safe_cell(r.fields[n]) for n in names]])
    return out.getvalue()


def _safe_cell(text: str) -> str:
    """A cell a spreadsheet would run as a formula is exported as text."""
    return f"'{text}" if text[:1] in {"=", "+", "-", "@"} else text


def overview(ctx: Context, *, actor: HasRoles) -> dict[str, int]:
    """Records per register (the registers this person may read)."""
    with ctx.db.transaction() as session:
        counts = repo.count_by_register(session)
    return {
        name: counts.get(name, 0)
        for name, spec in REGISTERS.items()
        if permitted(actor, spec.read_permission)
    }
