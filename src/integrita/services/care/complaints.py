"""Complaints: intake (API, form, CSV), routing, the PDCA state machine and the waiting-for-customer pause.

Every step of the life cycle goes through the one workflow engine
(:data:`integrita.domain.complaint.COMPLAINT_WORKFLOW`): roles from the permission table,
separation of duties (the QA verifier is not the rectifier) from the complaint's own audit trail,
and the step's audit event in the same transaction, so the history on the complaint page can
never disagree with the complaint itself.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from integrita.domain import complaint as fsm
from integrita.domain.complaint import COMPLAINT_WORKFLOW, ComplaintAction, ComplaintState, Validity
from integrita.domain.sla import elapsed
from integrita.domain.workflow import Actor as WorkflowActor
from integrita.errors import InputError, NotFoundError, StateTransitionError
from integrita.services.care import clock as care_clock
from integrita.services.care import pauses, routing
from integrita.services.care.complaint_history import HistoryEntry, history_entry
from integrita.services.core import audit
from integrita.services.core import workflow as engine
from integrita.services.core.context import Context
from integrita.services.core.csv_rows import RowErrors, read_csv
from integrita.services.core.permissions import HasRoles, as_actor
from integrita.store import Session
from integrita.store.models import Complaint
from integrita.store.repositories import audit as audit_repo
from integrita.store.repositories import care as care_repo
from integrita.store.repositories import customers as customers_repo

#: Who acts on a complaint: the workflow's actor (care services, pages and the CLI import it here).
Actor = WorkflowActor

#: Departments and routing rules (:mod:`.routing`) and the waiting-for-customer pause
#: (:mod:`.pauses`) have their own modules; these names keep the entry points' imports working.
add_department = routing.add_department
DepartmentView = routing.DepartmentView
list_departments = routing.list_departments
set_routing_rule = routing.set_routing_rule
list_routing_rules = routing.list_routing_rules
route = routing.route
pause_clock = pauses.pause_clock
resume_clock = pauses.resume_clock


@dataclass(frozen=True, slots=True)
class Attachment:
    filename: str
    content: bytes


@dataclass
class ComplaintInput:
    customer_id: str
    channel: str
    category: str
    severity: str
    description: str
    product: str | None = None
    order_id: str | None = None
    attachments: list[Attachment] = field(default_factory=list)
    #: References (file names, URLs) to attachments kept elsewhere, e.g. from a CSV import.
    attachment_refs: list[str] = field(default_factory=list)
    received_at: datetime | None = None


# -- intake ----------------------------------------------------------------------------------------


def _validated(data: ComplaintInput, where: str = "") -> ComplaintInput:
    def bad(message: str, name: str) -> InputError:
        return InputError(f"{where}{name}: {message}", field=name)

    if not data.customer_id.strip():
        raise bad("customer is required", "customer_id")
    if data.channel not in {c.value for c in fsm.Channel}:
        raise bad(f"unknown channel {data.channel!r}", "channel")
    if data.category not in fsm.CATEGORIES:
        raise bad(f"unknown category {data.category!r}", "category")
    if data.severity not in {s.value for s in fsm.Severity}:
        raise bad(f"unknown severity {data.severity!r}", "severity")
    if not data.description.strip():
        raise bad("description is required", "description")
    if not (data.product or data.order_id):
        raise bad("name the product or the order", "product")
    return data


def _store_attachment(ctx: Context, attachment: Attachment) -> dict[str, Any]:
    digest = hashlib.sha256(attachment.content).hexdigest()
    folder = ctx.settings.data_dir / "care" / "attachments"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / digest).write_bytes(attachment.content)
    return {"filename": attachment.filename, "sha256": digest, "size": len(attachment.content)}


def _insert(session: Session, ctx: Context, data: ComplaintInput, actor: Actor) -> Complaint:
    if customers_repo.get_customer(session, data.customer_id) is None:
        raise InputError(f"no customer {data.customer_id!r}", field="customer_id")
    received = data.received_at or ctx.now()
    first_due, resolution_due = care_clock.deadlines(ctx, received, data.severity)
    files = [_store_attachment(ctx, a) for a in data.attachments]
    files += [{"reference": ref} for ref in data.attachment_refs]
    complaint: Complaint = care_repo.add(
        session,
        Complaint(
            customer_id=data.customer_id,
            product=data.product or None,
            order_id=data.order_id or None,
            channel=data.channel,
            category=data.category,
            severity=data.severity,
            description=data.description.strip(),
            attachments=files,
            state=ComplaintState.RECEIVED.value,
            received_at=received,
            received_month=received.astimezone(ctx.zone).strftime("%Y-%m"),
            first_response_due_at=first_due,
            resolution_due_at=resolution_due,
            first_response_breached=False,
            resolution_breached=False,
            qa_failures=0,
            reopen_count=0,
            updated_at=ctx.now(),
        ),
    )
    audit.record(
        session,
        at=ctx.now(),
        actor=actor.username,
        action="complaint.received",
        entity_type="complaint",
        entity_id=complaint.id,
        after={
            "state": complaint.state,
            "customer_id": data.customer_id,
            "channel": data.channel,
            "category": data.category,
            "severity": data.severity,
        },
    )
    return complaint


def file_complaint(ctx: Context, data: ComplaintInput, actor: Actor) -> int:
    """Receive one complaint; starts its clocks. Returns its id."""
    _validated(data)
    with ctx.db.transaction() as session:
        return int(_insert(session, ctx, data, actor).id)


CSV_COLUMNS = (
    "customer_id",
    "product",
    "order_id",
    "channel",
    "category",
    "severity",
    "description",
)


def import_complaints_csv(ctx: Context, text: str, actor: Actor) -> list[int]:
    """Import complaints from CSV (header row; optional attachments ``a;b`` and received_at ISO).

    Every row is checked, and every bad row named with its line, before anything is kept (the
    rows are inserted in one transaction that is rolled back when any row is bad); a file the
    csv module cannot read strictly (an unclosed quote) is refused.
    """
    errors = RowErrors()
    parsed = read_csv(text, errors)
    missing = [c for c in CSV_COLUMNS if c not in parsed.header]
    if missing:
        raise InputError(f"CSV is missing column(s): {', '.join(missing)}", field="file")
    inputs: list[tuple[int, ComplaintInput]] = []
    for line, row in parsed.rows:
        with errors.row(line):
            inputs.append((line, _csv_complaint(row, f"row {line}: ")))
    ids: list[int] = []
    with ctx.db.transaction() as session:
        for line, data in inputs:
            with errors.row(line):
                ids.append(int(_insert(session, ctx, data, actor).id))
        errors.raise_if_any()
    return ids


def _csv_complaint(row: Mapping[str, str], where: str) -> ComplaintInput:
    received = None
    if (row.get("received_at") or "").strip():
        try:
            received = datetime.fromisoformat(row["received_at"].strip())
        except ValueError as exc:
            raise InputError(f"{where}received_at must be ISO 8601", field="received_at") from exc
        if received.tzinfo is None:
            raise InputError(f"{where}received_at needs a time-zone offset", field="received_at")
    refs = [r.strip() for r in (row.get("attachments") or "").split(";") if r.strip()]
    return _validated(
        ComplaintInput(
            customer_id=(row["customer_id"] or "").strip(),
            product=(row["product"] or "").strip() or None,
            order_id=(row["order_id"] or "").strip() or None,
            channel=(row["channel"] or "").strip().lower(),
            category=(row["category"] or "").strip().lower(),
            severity=(row["severity"] or "").strip().lower(),
            description=row["description"] or "",
            attachment_refs=refs,
            received_at=received,
        ),
        where=where,
    )


# -- the state machine -----------------------------------------------------------------------------


def _require(action: ComplaintAction, fields: Mapping[str, Any]) -> None:
    for name in fsm.REQUIRED_FIELDS.get(action, ()):
        value = fields.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            raise InputError(f"{action.value} needs {name}", field=name)


def _snapshot(c: Complaint) -> dict[str, Any]:
    return {
        "state": c.state,
        "validity": c.validity,
        "department_id": c.department_id,
        "qa_failures": c.qa_failures,
        "satisfaction": c.satisfaction,
        "reopen_count": c.reopen_count,
    }


def _pauses(session: Session, complaint_id: int) -> list[tuple[datetime, datetime | None]]:
    return [(p.started_at, p.ended_at) for p in care_repo.pauses_for(session, complaint_id)]


def _first_response(c: Complaint, now: datetime) -> None:
    if c.first_response_at is None:
        c.first_response_at = now
        c.first_response_breached = bool(
            c.first_response_due_at is not None and now > c.first_response_due_at
        )


def transition(
    ctx: Context,
    complaint_id: int,
    action: str,
    actor: Actor,
    fields: Mapping[str, Any] | None = None,
) -> ComplaintState:
    """Take one step of the complaint's life cycle; returns the new state."""
    fields = dict(fields or {})
    try:
        step = ComplaintAction(action)
    except ValueError as exc:
        raise InputError(f"unknown action {action!r}", field="action") from exc
    now = ctx.now()
    with ctx.db.transaction() as session:
        c = care_repo.get_complaint(session, complaint_id, lock=not ctx.db.is_sqlite)
        if c is None:
            raise NotFoundError(f"no complaint {complaint_id}")
        record = engine.RecordRef("complaint", c.id)
        who = as_actor(actor)
        checked = engine.check(session, COMPLAINT_WORKFLOW, record, c.state, step.value, who)
        target = ComplaintState(checked.target or c.state)
        state_before = c.state
        _require(step, fields)
        before = _snapshot(c)
        detail: dict[str, Any] = {}
        if c.paused_since is not None and target in (ComplaintState.CLOSED,):
            raise StateTransitionError("resume the clock before closing the complaint")
        if step is ComplaintAction.JUDGE_VALID:
            c.validity = Validity.VALID.value
            _first_response(c, now)
        elif step is ComplaintAction.JUDGE_INVALID:
            c.validity = Validity.INVALID.value
            c.invalid_reason = str(fields["reason"]).strip()
            _first_response(c, now)
            c.closed_at = now
            detail["reason"] = c.invalid_reason
        elif step is ComplaintAction.MARK_DUPLICATE:
            original_id = _int(fields["duplicate_of"], "duplicate_of")
            original = care_repo.get_complaint(session, original_id)
            if original is None or original_id == c.id:
                raise InputError(f"no other complaint {original_id}", field="duplicate_of")
            if original.state == ComplaintState.CLOSED.value:
                raise InputError(
                    f"complaint {original_id} is closed; only an open complaint can absorb a duplicate",
                    field="duplicate_of",
                )
            c.validity = Validity.DUPLICATE.value
            c.duplicate_of_id = original_id
            c.invalid_reason = f"duplicate of complaint {original_id}"
            _first_response(c, now)
            c.closed_at = now
            detail["duplicate_of"] = original_id
        elif step is ComplaintAction.ASSIGN:
            code = (fields.get("department") or "").strip()
            dept = (
                care_repo.department_by_code(session, code)
                if code
                else route(session, c.category, c.product)
            )
            if dept is None:
                raise InputError(
                    f"no department {code!r}"
                    if code
                    else f"no routing rule for category {c.category!r}; name the department",
                    field="department",
                )
            c.department_id = dept.id
            detail["department"] = dept.code
        elif step is ComplaintAction.RECTIFY:
            for name in ("root_cause", "corrective_action", "preventive_action", "meeting_record"):
                setattr(c, name, str(fields[name]).strip())
                detail[name] = getattr(c, name)
        elif step is ComplaintAction.PASS_VERIFICATION:
            c.qa_note = (fields.get("note") or "").strip() or None
            detail["note"] = c.qa_note
        elif step is ComplaintAction.FAIL_VERIFICATION:
            c.qa_note = str(fields["note"]).strip()
            c.qa_failures += 1
            detail["note"] = c.qa_note
        elif step is ComplaintAction.INFORM_CUSTOMER:
            try:
                score = fsm.check_satisfaction(fields["satisfaction"])
            except ValueError as exc:
                raise InputError(str(exc), field="satisfaction") from exc
            c.outcome = str(fields["outcome"]).strip()
            c.satisfaction = score
            c.resolved_at = now
            c.resolution_seconds = elapsed(
                c.received_at, now, care_clock.schedule(ctx), _pauses(session, c.id)
            )
            c.resolution_breached = bool(
                c.resolution_due_at is not None and now > c.resolution_due_at
            )
            detail.update(outcome=c.outcome, satisfaction=score)
        elif step is ComplaintAction.CLOSE:
            c.closed_at = now
        elif step is ComplaintAction.REOPEN:
            # The customer disputes the outcome: the rating given for it no longer stands (it
            # stays in the audit trail's "before"), and a new one is asked when they are told again.
            c.satisfaction = None
            c.outcome = None
            c.reopen_count += 1
            c.closed_at = None
            c.resolved_at = None
            c.resolution_seconds = None
            c.resolution_breached = False
            _, c.resolution_due_at = care_clock.deadlines(ctx, now, c.severity)
            detail["reason"] = str(fields["reason"]).strip()
        c.state = target.value
        c.updated_at = now
        engine.transition(
            session,
            COMPLAINT_WORKFLOW,
            record,
            state_before,
            step.value,
            who,
            at=now,
            before=before,
            after={**_snapshot(c), **detail},
        )
        return target


def offered_actions(ctx: Context, complaint_id: int, actor: HasRoles) -> list[str]:
    """The steps this person may take on the complaint now, separation of duties included (what
    the complaint page offers; the server checks again when a step is taken)."""
    with ctx.db.transaction() as session:
        c = care_repo.get_complaint(session, complaint_id)
        if c is None:
            raise NotFoundError(f"no complaint {complaint_id}")
        history = engine.history(session, engine.RecordRef("complaint", c.id))
        return COMPLAINT_WORKFLOW.available(c.state, as_actor(actor), history)


def _int(value: Any, name: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise InputError(f"{name} must be a complaint number", field=name) from exc


# -- reading ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ComplaintView:
    complaint: dict[str, Any]
    department: str | None
    pauses: list[dict[str, Any]]
    history: list[HistoryEntry]


def complaint_dict(c: Complaint) -> dict[str, Any]:
    return {
        name: getattr(c, name)
        for name in (
            "id", "customer_id", "product", "order_id", "channel", "category", "severity",
            "description", "attachments", "state", "validity", "invalid_reason",
            "duplicate_of_id", "department_id", "received_at", "first_response_at",
            "first_response_due_at", "resolution_due_at", "resolved_at", "resolution_seconds",
            "paused_since", "first_response_breached", "resolution_breached", "root_cause",
            "corrective_action", "preventive_action", "meeting_record", "qa_note",
            "qa_failures", "outcome", "satisfaction", "reopen_count", "closed_at",
            "external_source", "external_id", "imported_at", "company_response",
            "public_response", "first_response_timely", "disputed",
        )
    }  # fmt: skip


def get_complaint(ctx: Context, complaint_id: int) -> ComplaintView:
    with ctx.db.transaction() as session:
        c = care_repo.get_complaint(session, complaint_id)
        if c is None:
            raise NotFoundError(f"no complaint {complaint_id}")
        dept = care_repo.get_department(session, c.department_id) if c.department_id else None
        events = audit_repo.events_for(session, "complaint", str(complaint_id))
        return ComplaintView(
            complaint=complaint_dict(c),
            department=dept.code if dept else None,
            pauses=[
                {"started_at": p.started_at, "ended_at": p.ended_at, "reason": p.reason}
                for p in care_repo.pauses_for(session, c.id)
            ],
            history=[history_entry(e.occurred_at, e.actor, e.action, e.after) for e in events],
        )


def queue(
    ctx: Context,
    *,
    state: str | None = None,
    department: str | None = None,
    limit: int = 200,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """A complaints queue by state and/or department code, newest first."""
    return queue_page(ctx, state=state, department=department, limit=limit, offset=offset).rows


@dataclass(frozen=True, slots=True)
class QueuePage:
    """One page of a queue, with how many complaints the queue holds in all."""

    rows: list[dict[str, Any]]
    total: int
    offset: int


def queue_page(
    ctx: Context,
    *,
    state: str | None = None,
    department: str | None = None,
    limit: int = 200,
    offset: int = 0,
) -> QueuePage:
    """A page of a complaints queue (newest first) and the queue's total."""
    if state is not None and state not in {s.value for s in ComplaintState}:
        raise InputError(f"unknown state {state!r}", field="state")
    with ctx.db.transaction() as session:
        dept_id = None
        if department:
            dept = care_repo.department_by_code(session, department)
            if dept is None:
                raise InputError(f"no department {department!r}", field="department")
            dept_id = dept.id
        rows = care_repo.queue(
            session, state=state, department_id=dept_id, limit=limit, offset=offset
        )
        total = care_repo.queue_total(session, state=state, department_id=dept_id)
        return QueuePage([complaint_dict(c) for c in rows], total, offset)


def queue_counts(ctx: Context) -> dict[str, dict[str, int]]:
    """Open complaints per state and department code ("-" when not yet assigned)."""
    with ctx.db.transaction() as session:
        depts = {d.id: d.code for d in care_repo.list_departments(session)}
        counts: dict[str, dict[str, int]] = {}
        for state, dept_id, n in care_repo.queue_counts(session):
            counts.setdefault(state, {})[depts.get(dept_id or 0, "-")] = n
        return counts
