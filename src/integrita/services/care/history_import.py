"""Complaint history from another system: mapped, measured, reconciled, idempotent.

The historical-import step. A complaint handled elsewhere arrives in its real final state — the
first response, the company's response, the closing time, the timely and disputed flags as the
source recorded them — instead of walking the life cycle again: replaying steps would stamp
today's time and today's officer on work done years ago. So the step is one audited event per
stored batch (``care.complaints_imported`` on the import run), written in the same transaction as
the complaints, naming each of them with the source's id, the final state, the recorded times
and verdicts (one event per batch rather than per complaint keeps the import above 5,000
complaints/s; the complaint page shows the import from the complaint's own fields). It needs its
own permission (``complaint.import_history``), since it sets final states directly.

Its clocks are measured as ours would have measured them: the first-response and resolution
deadlines from the receipt under the configured working hours, breaches against the recorded
times (or the source's own timely verdict when it kept no response time), resolution clock time
from receipt to closing. ``imported_at`` marks the complaint, so deadlines that passed before the
import are history and the SLA sweep never escalates them.

Bad rows are quarantined with their physical line and reason (the rest is stored), and the run
reconciles: rows read = imported + already present + quarantined. The external id (source + id)
is unique, so importing the same export again stores nothing new and says so.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from integrita.domain.complaint import ComplaintState, Severity, Validity
from integrita.domain.permissions import Permission
from integrita.domain.sla import Schedule, due_at, elapsed
from integrita.errors import InputError
from integrita.services.care import clock as care_clock
from integrita.services.care import routing
from integrita.services.care.complaint_mapping import ComplaintMapping, HistoricalComplaint
from integrita.services.core import audit, quarantine
from integrita.services.core.context import Context
from integrita.services.core.csv_rows import CsvRecord, read_csv_records
from integrita.services.core.permissions import HasRoles, ensure_permitted
from integrita.services.core.quarantine import Reconciliation
from integrita.store import Session
from integrita.store.repositories import care_imports as imports_repo

#: Complaints stored per transaction (and per audit batch).
BATCH = 5000
#: How many quarantined rows the answer lists (all of them are in the quarantine).
SHOWN_PROBLEMS = 20


@dataclass(frozen=True, slots=True)
class Rejected:
    line: int
    reason: str
    raw: str


@dataclass(frozen=True, slots=True)
class HistoryImport:
    """What one import did, reconciled."""

    mapping: str
    reconciliation: Reconciliation
    imported_ids: list[int]
    problems: list[tuple[int, str]]

    def lines(self) -> list[str]:
        r = self.reconciliation
        out = [
            f"{r.source_file} through mapping {self.mapping!r} (run {r.run_id}): read {r.rows_read} "
            f"= imported {r.stored} + already present {r.duplicates} + quarantined {r.quarantined}"
        ]
        if r.stored == 0 and r.duplicates:
            out.append("nothing new: every good row was already imported")
        out += [f"  line {line}: {reason}" for line, reason in self.problems]
        if r.quarantined > len(self.problems):
            out.append(f"  ... and {r.quarantined - len(self.problems)} more in the quarantine")
        return out


def import_history(
    ctx: Context,
    text: str,
    mapping: ComplaintMapping,
    actor: HasRoles,
    source_file: str = "upload",
) -> HistoryImport:
    """Import an export's complaints through ``mapping``; bad rows quarantined, counts reconciled."""
    ensure_permitted(actor, Permission.COMPLAINT_IMPORT_HISTORY)
    parsed = read_csv_records(text)
    missing = [c for c in mapping.required_columns() if c not in parsed.header]
    if missing:
        raise InputError(
            f"the file lacks column(s) the mapping {mapping.name!r} reads: {', '.join(missing)}",
            field="file",
        )
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    run_id = quarantine.start_run(ctx, source_file, digest, f"complaints:{mapping.source}")
    rejected: list[Rejected] = []
    # Rows whose id is stored already need no conversion: a re-import costs a lookup per row.
    with ctx.db.transaction() as session:
        stored_before = imports_repo.existing_external_ids(
            session,
            mapping.source,
            [i for r in parsed.records if r.cells and (i := mapping.external_id_of(r.cells))],
        )
    records = [
        r
        for r in parsed.records
        if not (r.cells and mapping.external_id_of(r.cells) in stored_before)
    ]
    good = _convert(ctx, mapping, records, rejected)
    fresh, duplicates = _new_ones(ctx, mapping.source, good, rejected)
    duplicates += len(parsed.records) - len(records)
    quarantine.quarantine(ctx, run_id, source_file, sorted(rejected, key=lambda r: r.line))
    ids = _store(ctx, mapping.source, fresh, actor.username, run_id)
    report = Reconciliation(
        run_id,
        source_file,
        f"complaints:{mapping.source}",
        rows_read=len(parsed.records),
        stored=len(ids),
        duplicates=duplicates,
        quarantined=len(rejected),
        reasons=dict(Counter(r.reason.split(":")[0] for r in rejected)),
    )
    quarantine.close_run(ctx, report, expected=len(parsed.records))
    problems = [(r.line, r.reason) for r in sorted(rejected, key=lambda r: r.line)]
    return HistoryImport(mapping.name, report, ids, problems[:SHOWN_PROBLEMS])


def _convert(
    ctx: Context,
    mapping: ComplaintMapping,
    records: list[CsvRecord],
    rejected: list[Rejected],
) -> list[tuple[CsvRecord, HistoricalComplaint]]:
    now = ctx.now()
    good: list[tuple[CsvRecord, HistoricalComplaint]] = []
    for record in records:
        if record.cells is None:
            rejected.append(Rejected(record.line, record.problem or "unreadable", record.raw))
            continue
        try:
            complaint = mapping.convert(record.cells, ctx.zone)
            late = [
                name
                for name in ("received_at", "first_response_at", "closed_at")
                if (moment := getattr(complaint, name)) is not None and moment > now
            ]
            if late:
                raise InputError(f"{late[0]} is in the future", field=late[0])
        except InputError as exc:
            rejected.append(Rejected(record.line, str(exc), record.raw))
            continue
        good.append((record, complaint))
    return good


def _new_ones(
    ctx: Context,
    source: str,
    good: list[tuple[CsvRecord, HistoricalComplaint]],
    rejected: list[Rejected],
) -> tuple[list[HistoricalComplaint], int]:
    """The complaints not stored yet; a repeated id (stored before, or earlier in the same file)
    counts as already present; a complaint of an unknown customer is quarantined."""
    ids = [c.external_id for _, c in good]
    with ctx.db.transaction() as session:
        present = imports_repo.existing_external_ids(session, source, ids)
        customers = imports_repo.existing_customers(session, [c.customer_id for _, c in good])
    fresh: list[HistoricalComplaint] = []
    duplicates = 0
    for record, complaint in good:
        if complaint.external_id in present:
            duplicates += 1
            continue
        if complaint.customer_id not in customers:
            reason = f"customer_id: no customer {complaint.customer_id!r} (register it first)"
            rejected.append(Rejected(record.line, reason, record.raw))
            continue
        present.add(complaint.external_id)
        fresh.append(complaint)
    return fresh, duplicates


@dataclass(frozen=True, slots=True)
class _Clocks:
    """The configured clocks, read once per import rather than once per complaint."""

    hours: Schedule
    first_response: timedelta
    resolution: dict[str, timedelta]

    @classmethod
    def of(cls, ctx: Context) -> _Clocks:
        return cls(
            care_clock.schedule(ctx),
            care_clock.first_response_target(ctx),
            {s.value: care_clock.resolution_target(ctx, s.value) for s in Severity},
        )


def _store(
    ctx: Context, source: str, fresh: list[HistoricalComplaint], actor: str, run_id: int
) -> list[int]:
    """Store the complaints in batches; each batch's audit event names every complaint in it
    (our id, the source's id, final state, recorded times and verdicts), in the same transaction."""
    now = ctx.now()
    clocks = _Clocks.of(ctx)
    zone = ctx.zone
    ids: list[int] = []
    departments: dict[tuple[str, str | None], int | None] = {}
    for start in range(0, len(fresh), BATCH):
        batch = fresh[start : start + BATCH]
        with ctx.db.transaction() as session:
            rows = [_row(session, source, c, clocks, zone, now, departments) for c in batch]
            stored = imports_repo.insert_complaints(session, rows)
            audit.record(
                session,
                at=now,
                actor=actor,
                action="care.complaints_imported",
                entity_type="ingest_run",
                entity_id=run_id,
                after={
                    "source": source,
                    "batch": start // BATCH + 1,
                    "complaints": [
                        _event(complaint_id, row)
                        for (complaint_id, _), row in zip(stored, rows, strict=True)
                    ],
                },
            )
            ids += [complaint_id for complaint_id, _ in stored]
    return ids


def _row(
    session: Session,
    source: str,
    c: HistoricalComplaint,
    clocks: _Clocks,
    zone: ZoneInfo,
    now: datetime,
    departments: dict[tuple[str, str | None], int | None],
) -> dict[str, Any]:
    hours = clocks.hours
    first_due = due_at(c.received_at, clocks.first_response, hours)
    resolution_due = due_at(c.received_at, clocks.resolution[c.severity], hours)
    first = c.first_response_at
    closed = c.state is ComplaintState.CLOSED
    resolved = c.closed_at if closed else None
    if (c.category, c.product) not in departments:
        dept = routing.route(session, c.category, c.product)
        departments[(c.category, c.product)] = None if dept is None else dept.id
    return {
        "customer_id": c.customer_id,
        "product": c.product,
        "order_id": c.order_id,
        "channel": c.channel,
        "category": c.category,
        "severity": c.severity,
        "description": c.description,
        "attachments": [],
        "state": c.state.value,
        "validity": None if c.state is ComplaintState.RECEIVED else Validity.VALID.value,
        "department_id": departments[(c.category, c.product)],
        "received_at": c.received_at,
        "received_month": _month(c.received_at, zone),
        "first_response_at": first,
        "first_response_due_at": first_due,
        "resolution_due_at": resolution_due,
        "resolved_at": resolved,
        "resolution_seconds": None if resolved is None else elapsed(c.received_at, resolved, hours),
        "first_response_breached": (
            first > first_due if first is not None and first_due is not None else c.timely is False
        ),
        "resolution_breached": bool(
            resolved is not None and resolution_due is not None and resolved > resolution_due
        ),
        "qa_failures": 0,
        "outcome": c.company_response,
        "reopen_count": 0,
        "closed_at": c.closed_at if closed else None,
        "updated_at": now,
        "external_source": source,
        "external_id": c.external_id,
        "imported_at": now,
        "company_response": c.company_response,
        "public_response": c.public_response,
        "first_response_timely": c.timely,
        "disputed": c.disputed,
    }


def _event(complaint_id: int, row: dict[str, Any]) -> list[Any]:
    """One imported complaint as the audit trail keeps it: [our id, the source's id, final state,
    received, first response, closed, timely, disputed]."""
    return [
        complaint_id,
        row["external_id"],
        row["state"],
        row["received_at"].isoformat(),
        _iso(row["first_response_at"]),
        _iso(row["closed_at"]),
        row["first_response_timely"],
        row["disputed"],
    ]


def _month(moment: datetime, zone: ZoneInfo) -> str:
    local = moment.astimezone(zone)
    return f"{local.year:04d}-{local.month:02d}"


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()
