"""CSV import into a register, with the ledger's conventions: a column mapping, bad rows
quarantined with their line and reason, and counts that reconcile.

The spreadsheets these registers replace have their own column names; the mapping names the
file's column for each field (a field left out of the mapping is read from the column of its
own name). A row that fails its field checks or its workflow's create step is quarantined, not
lost; the rest is stored in one transaction, and ``read = stored + duplicates + quarantined``
holds or nothing is stored.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass

from integrita.domain.governance import register_named
from integrita.domain.permissions import Permission
from integrita.domain.registers import RegisterSpec, parse_record
from integrita.errors import InputError, IntegritaError, ReconciliationError
from integrita.services.core import audit
from integrita.services.core.context import Context
from integrita.services.core.csv_rows import RowErrors, read_csv
from integrita.services.core.permissions import HasRoles, as_actor, ensure_permitted
from integrita.services.governance.registers import file_in_session
from integrita.store.repositories import governance as repo


@dataclass(frozen=True, slots=True)
class QuarantinedRow:
    line: int
    reason: str


@dataclass(frozen=True, slots=True)
class ImportResult:
    import_id: int
    register: str
    read: int
    stored: int
    duplicates: int
    quarantined: int
    rows: list[QuarantinedRow]
    record_ids: list[int]

    @property
    def reconciles(self) -> bool:
        return self.read == self.stored + self.duplicates + self.quarantined


def parse_pairs(text: str, name: str = "mapping") -> dict[str, str]:
    """``field=column`` pairs separated by commas (a mapping, or a list filter) as a dict."""
    pairs: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        key, sep, value = part.partition("=")
        if not sep or not key.strip():
            raise InputError(f"{name} takes field=value pairs separated by commas", field=name)
        pairs[key.strip()] = value.strip()
    return pairs


def _columns(spec: RegisterSpec, header: list[str], mapping: Mapping[str, str]) -> dict[str, str]:
    """field -> column of the file; unknown fields and missing required columns are refused."""
    known = {f.name for f in spec.input_fields}
    unknown = sorted(set(mapping) - known)
    if unknown:
        raise InputError(
            f"the mapping names unknown fields {unknown} (fields: {', '.join(sorted(known))})",
            field="mapping",
        )
    columns = {f.name: mapping.get(f.name, f.name) for f in spec.input_fields}
    missing = [
        f"{f.name} (column {columns[f.name]!r})"
        for f in spec.input_fields
        if f.required and columns[f.name] not in header
    ]
    if missing:
        raise InputError(f"the file has no column for {', '.join(missing)}", field="mapping")
    return {name: column for name, column in columns.items() if column in header}


def import_csv(
    ctx: Context,
    register: str,
    text: str,
    *,
    actor: HasRoles,
    file_name: str = "upload.csv",
    mapping: Mapping[str, str] | None = None,
    demo: bool = False,
) -> ImportResult:
    """Import ``text`` into ``register``; each row is filed as through the API (its create step
    checked by the workflow engine for the importing person)."""
    spec = register_named(register)
    ensure_permitted(actor, Permission.GOVERNANCE_RECORD)
    who = as_actor(actor)
    unreadable = RowErrors()
    parsed = read_csv(text, unreadable)
    if not parsed.header:
        raise InputError("the file is empty: it needs a header row", field="file")
    columns = _columns(spec, parsed.header, mapping or {})
    at = ctx.now()
    quarantine = [QuarantinedRow(line, message) for line, message, _ in unreadable.problems]
    raw_rows: dict[int, dict[str, str]] = {}
    stored = duplicates = 0
    ids: list[int] = []
    with ctx.db.transaction() as session:
        for line, cells in parsed.rows:
            raw = {name: cells[column] for name, column in columns.items()}
            raw_rows[line] = dict(cells)
            try:
                values = parse_record(spec, raw)
                row, created = file_in_session(ctx, session, spec, values, who, at=at, demo=demo)
            except IntegritaError as exc:
                field = getattr(exc, "field", None)
                quarantine.append(QuarantinedRow(line, f"{field}: {exc}" if field else str(exc)))
                continue
            if created:
                stored += 1
                ids.append(row.id)
            else:
                duplicates += 1
        read = len(parsed.rows) + len(unreadable.problems)
        if read != stored + duplicates + len(quarantine):
            raise ReconciliationError(
                f"read {read} rows but stored {stored}, {duplicates} duplicates and "
                f"{len(quarantine)} quarantined"
            )
        imported = repo.add_import(
            session,
            register=spec.name,
            file_name=file_name[:255],
            file_sha256=hashlib.sha256(text.encode()).hexdigest(),
            rows_read=read,
            stored=stored,
            duplicates=duplicates,
            quarantined=len(quarantine),
            imported_at=at,
            imported_by=who.username,
        )
        repo.add_quarantined(
            session,
            [
                {
                    "import_id": imported.id,
                    "line": q.line,
                    "reason": q.reason,
                    "raw": raw_rows.get(q.line, {}),
                }
                for q in quarantine
            ],
        )
        audit.record(
            session,
            at=at,
            actor=who.username,
            action="governance.imported",
            entity_type="governance_import",
            entity_id=imported.id,
            after={
                "register": spec.name,
                "read": read,
                "stored": stored,
                "duplicates": duplicates,
                "quarantined": len(quarantine),
            },
        )
        return ImportResult(
            imported.id,
            spec.name,
            read,
            stored,
            duplicates,
            len(quarantine),
            sorted(quarantine, key=lambda q: q.line),
            ids,
        )
