"""Case work: alerts become cases, analysts investigate and propose, reviewers decide.

Every change runs in one database transaction together with its single audit event; the case
workflow (:data:`integrita.domain.casework.CASE_WORKFLOW`) run by the one engine
(:func:`integrita.services.core.workflow.transition`) decides whether the change is allowed
(permission, state, separation of duties over the case's whole history) and writes that event.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from integrita.domain.casework import (
    CASE_WORKFLOW,
    OPEN_STATES,
    PRIORITY_RANK,
    CaseAction,
    CaseState,
    Decision,
    available_case_actions,
    priority_for,
)
from integrita.domain.permissions import Permission
from integrita.domain.roles import Role
from integrita.errors import InputError, NotFoundError, PermissionDeniedError
from integrita.services.casework.evidence import (
    EvidenceTransaction,
    MoneyFlow,
    collect_ids,
    evidence_transactions,
    money_flow,
)
from integrita.services.casework.str_drafting import create_str
from integrita.services.core import audit
from integrita.services.core import workflow as engine
from integrita.services.core.context import Context
from integrita.services.core.permissions import SYSTEM_ACTOR, HasRoles, as_actor, ensure_permitted
from integrita.store import Session
from integrita.store.models import Alert, AuditEvent, Case, CaseNote, SuspiciousTransactionReport
from integrita.store.repositories import cases as cases_repo
from integrita.store.repositories import customers as customers_repo
from integrita.store.repositories.cases import ALERT_SORTS, CASE_SORTS, NewAlert, PageOf

MAX_PAGE_SIZE = 200
MAX_NOTE_LENGTH = 8000


@dataclass(frozen=True, slots=True)
class OpenResult:
    cases_opened: int
    cases_updated: int
    alerts_attached: int


def _snapshot(case: Case) -> dict[str, object]:
    return {
        "state": case.state,
        "assignee": case.assignee,
        "decision": case.decision,
        "priority": case.priority,
    }


def _attach(session: Session, case: Case, alerts: list[NewAlert]) -> None:
    scores = [a.score for a in alerts if a.score is not None]
    if case.score is not None:
        scores.append(case.score)
    case.score = max(scores) if scores else None
    case.priority = priority_for(case.score)
    case.priority_rank = PRIORITY_RANK[case.priority]
    case.alert_count = (case.alert_count or 0) + len(alerts)
    case.typologies = sorted(set(case.typologies or []) | {t for a in alerts for t in a.typologies})
    cases_repo.attach_alerts(session, [a.id for a in alerts], case.id)


def open_cases_from_alerts(
    ctx: Context,
    *,
    actor: str = SYSTEM_ACTOR.username,
    batch_size: int = 500,
    max_batches: int | None = None,
) -> OpenResult:
    """Gather every new alert into its customer's open case, opening a case where there is none.

    Works through the customers with new alerts ``batch_size`` at a time (each
    batch one transaction), so a large detection run does not hold one huge
    transaction and each case gets one audit event however many alerts join it.
    """
    opened = updated = attached = batches = 0
    while max_batches is None or batches < max_batches:
        batches += 1
        with ctx.db.transaction() as session:
            batch = cases_repo.new_alerts(session, customer_limit=batch_size)
            if not batch:
                break
            by_customer: dict[str, list[NewAlert]] = defaultdict(list)
            for alert in batch:
                by_customer[alert.customer_id].append(alert)
            now = ctx.now()
            existing = cases_repo.open_cases_for(
                session, list(by_customer), [s.value for s in OPEN_STATES]
            )
            for customer_id, alerts in by_customer.items():
                case = existing.get(customer_id)
                if case is None:
                    case = cases_repo.add_case(
                        session,
                        customer_id=customer_id,
                        state=CaseState.OPEN.value,
                        typologies=[],
                        alert_count=0,
                        opened_at=now,
                        updated_at=now,
                    )
                    _attach(session, case, alerts)
                    action, before = "case.opened", None
                    opened += 1
                else:
                    before = {"alert_count": case.alert_count, "score": case.score}
                    _attach(session, case, alerts)
                    case.updated_at = now
                    action = "case.alerts_attached"
                    updated += 1
                attached += len(alerts)
                audit.record(
                    session,
                    at=now,
                    actor=actor,
                    action=action,
                    entity_type="case",
                    entity_id=case.id,
                    before=before,
                    after={
                        "customer_id": customer_id,
                        "alert_ids": [a.id for a in alerts],
                        "alert_count": case.alert_count,
                        "score": case.score,
                        "priority": case.priority,
                    },
                )
    return OpenResult(opened, updated, attached)


def new_alert_count(ctx: Context) -> int:
    """How many alerts wait for a case (the batch job's progress total; no person reads it)."""
    with ctx.db.transaction() as session:
        return cases_repo.alert_queue(
            session,
            status="new",
            customer_id=None,
            source=None,
            min_score=None,
            sort="score",
            page=1,
            size=1,
        ).total


def _load(session: Session, case_id: int, *, for_update: bool = False) -> Case:
    case = cases_repo.get(session, case_id, for_update=for_update)
    if case is None:
        raise NotFoundError(f"no case {case_id}")
    return case


def record_ref(case_id: int) -> engine.RecordRef:
    """The case as the audit trail and the workflow engine name it."""
    return engine.RecordRef("case", case_id)


def transition(
    ctx: Context,
    case_id: int,
    action: CaseAction,
    user: HasRoles,
    *,
    decision: Decision | None = None,
    reason: str | None = None,
    comment: str | None = None,
) -> Case:
    """Apply one workflow step to a case; writes exactly one case audit event."""
    with ctx.db.transaction() as session:
        case = _load(session, case_id, for_update=True)
        return _apply(
            ctx, session, case, action, user, decision=decision, reason=reason, comment=comment
        )


def _apply(
    ctx: Context,
    session: Session,
    case: Case,
    action: CaseAction,
    user: HasRoles,
    *,
    decision: Decision | None = None,
    reason: str | None = None,
    comment: str | None = None,
) -> Case:
    actor = as_actor(user)
    current = Decision(case.decision) if case.decision else None
    proposed = decision if action is CaseAction.PROPOSE else current
    now = ctx.now()
    before = _snapshot(case)
    after = dict(before)
    extra: dict[str, object] = {}
    assignee = case.assignee
    if action in (CaseAction.START, CaseAction.RESUME, CaseAction.PROPOSE) and assignee is None:
        assignee = actor.username
    after["assignee"] = assignee
    if action is CaseAction.PROPOSE and decision is not None:
        after["decision"] = decision.value
        extra["reason"] = (reason or "").strip()
    elif action in (CaseAction.APPROVE, CaseAction.RETURN):
        extra["comment"] = (comment or "").strip() or None
    step = engine.transition(
        session,
        CASE_WORKFLOW,
        record_ref(case.id),
        case.state,
        action.value,
        actor,
        at=now,
        before=before,
        after={**after, **extra},
        facts={"decision": proposed.value if proposed else None, "comment": comment},
    )
    if action is CaseAction.PROPOSE and not (reason and reason.strip()):
        # raised inside the transaction, so the step's audit event is rolled back with it
        raise InputError("a proposal needs the analyst's reason", field="reason")
    target = CaseState(step.target or case.state)
    case.state = target.value
    case.updated_at = now
    case.assignee = assignee
    if action is CaseAction.PROPOSE:
        assert decision is not None
        case.decision = decision.value
        case.proposal_reason = (reason or "").strip()
        case.proposed_by = actor.username
        case.proposed_at = now
        case.reviewed_by = None
    elif action in (CaseAction.APPROVE, CaseAction.RETURN):
        case.reviewed_by = actor.username
        case.reviewed_at = now
        case.review_comment = (comment or "").strip() or None
    if target in (CaseState.CLOSED, CaseState.REPORTED):
        case.closed_at = now
    if action is CaseAction.APPROVE and case.decision == Decision.REPORT.value:
        create_str(ctx, session, case, determined_at=now, actor=actor.username)
    return case


def mark_reported(ctx: Context, session: Session, case_id: int, user: HasRoles) -> None:
    """Called by the STR service when the case's STR reaches the regulator (same transaction)."""
    case = _load(session, case_id, for_update=True)
    if case.state == CaseState.APPROVED.value:
        _apply(ctx, session, case, CaseAction.MARK_REPORTED, user)


def assign(ctx: Context, case_id: int, assignee: str, user: HasRoles) -> Case:
    """Give the case to an analyst (the analyst may take it; reviewers and MLROs may assign)."""
    ensure_permitted(user, Permission.CASE_WORK)
    may_assign_others = {Role.REVIEWER.value, Role.MLRO.value} & set(user.roles)
    if not may_assign_others and assignee != user.username:
        raise PermissionDeniedError("an analyst may only take a case for themselves")
    with ctx.db.transaction() as session:
        case = _load(session, case_id, for_update=True)
        if CaseState(case.state) not in OPEN_STATES:
            raise InputError(f"case {case_id} is {case.state}; only open cases are assigned")
        before = {"assignee": case.assignee}
        case.assignee = assignee
        case.updated_at = ctx.now()
        audit.record(
            session,
            at=ctx.now(),
            actor=user.username,
            action="case.assigned",
            entity_type="case",
            entity_id=case.id,
            before=before,
            after={"assignee": assignee},
        )
        return case


def add_note(ctx: Context, case_id: int, body: str, user: HasRoles) -> CaseNote:
    ensure_permitted(user, Permission.CASE_WORK)
    text = body.strip()
    if not text:
        raise InputError("a note cannot be empty", field="body")
    if len(text) > MAX_NOTE_LENGTH:
        raise InputError(f"a note holds at most {MAX_NOTE_LENGTH} characters", field="body")
    with ctx.db.transaction() as session:
        case = _load(session, case_id)
        note = cases_repo.add_note(
            session, case_id=case.id, author=user.username, body=text, created_at=ctx.now()
        )
        audit.record(
            session,
            at=ctx.now(),
            actor=user.username,
            action="case.note_added",
            entity_type="case",
            entity_id=case.id,
            after={"note_id": note.id, "body": text},
        )
        return note


# -- reading ----------------------------------------------------------------------------------


def _page_args(page: int, size: int) -> tuple[int, int]:
    if page < 1:
        raise InputError("page starts at 1", field="page")
    if not 1 <= size <= MAX_PAGE_SIZE:
        raise InputError(f"page size must be 1-{MAX_PAGE_SIZE}", field="size")
    return page, size


def alert_queue(
    ctx: Context,
    user: HasRoles,
    *,
    status: str | None = None,
    customer_id: str | None = None,
    source: str | None = None,
    min_score: float | None = None,
    sort: str = "score",
    page: int = 1,
    size: int = 50,
    typology: str | None = None,
    raised_from: date | None = None,
    raised_to: date | None = None,
) -> PageOf:
    """Alerts by filter; ``raised_from``/``raised_to`` are the bank's local dates, both included."""
    ensure_permitted(user, Permission.CASE_READ)
    if sort not in ALERT_SORTS:
        raise InputError(f"sort must be one of {', '.join(ALERT_SORTS)}", field="sort")
    if status and status not in ("new", "in_case", "closed"):
        raise InputError("status must be new, in_case or closed", field="status")
    page, size = _page_args(page, size)
    with ctx.db.transaction() as session:
        return cases_repo.alert_queue(
            session,
            status=status or None,
            customer_id=customer_id or None,
            source=source or None,
            min_score=min_score,
            sort=sort,
            page=page,
            size=size,
            typology=typology or None,
            raised_from=_day_start(ctx, raised_from),
            raised_before=_day_start(ctx, raised_to, after=True),
        )


def case_queue(
    ctx: Context,
    user: HasRoles,
    *,
    state: str | None = None,
    priority: str | None = None,
    assignee: str | None = None,
    customer_id: str | None = None,
    sort: str = "priority",
    page: int = 1,
    size: int = 50,
    opened_from: date | None = None,
    opened_to: date | None = None,
) -> PageOf:
    """Cases by filter; ``state="active"`` is every state before reported or closed, and
    ``opened_from``/``opened_to`` are the bank's local dates, both included."""
    ensure_permitted(user, Permission.CASE_READ)
    if sort not in CASE_SORTS:
        raise InputError(f"sort must be one of {', '.join(CASE_SORTS)}", field="sort")
    if state == "active":
        states = active_case_states()
    elif state:
        try:
            states = [CaseState(state).value]
        except ValueError as exc:
            raise InputError(f"unknown case state {state!r}", field="state") from exc
    else:
        states = []
    if priority and priority not in PRIORITY_RANK:
        raise InputError("priority must be high, medium or low", field="priority")
    page, size = _page_args(page, size)
    with ctx.db.transaction() as session:
        return cases_repo.case_queue(
            session,
            states=states,
            priority=priority or None,
            assignee=assignee or None,
            customer_id=customer_id or None,
            sort=sort,
            page=page,
            size=size,
            opened_from=_day_start(ctx, opened_from),
            opened_before=_day_start(ctx, opened_to, after=True),
        )


def _day_start(ctx: Context, day: date | None, *, after: bool = False) -> datetime | None:
    """The instant the bank's local ``day`` begins (or the next day, for an inclusive end)."""
    if day is None:
        return None
    return ctx.local_midnight(day + timedelta(days=1) if after else day)


def active_case_states() -> list[str]:
    """The states of a case still being worked (not yet reported or closed)."""
    return [s.value for s in CaseState if s not in (CaseState.REPORTED, CaseState.CLOSED)]


@dataclass(frozen=True, slots=True)
class CaseFile:
    """Everything the case page shows."""

    case: Case
    alerts: list[Alert]
    notes: list[CaseNote]
    reports: list[SuspiciousTransactionReport]
    timeline: list[AuditEvent]
    actions: list[CaseAction]


def case_file(ctx: Context, case_id: int, user: HasRoles) -> CaseFile:
    ensure_permitted(user, Permission.CASE_READ)
    with ctx.db.transaction() as session:
        case = _load(session, case_id)
        reports = cases_repo.strs_of_case(session, case.id)
        return CaseFile(
            case=case,
            alerts=cases_repo.alerts_of(session, case.id),
            notes=cases_repo.notes_of(session, case.id),
            reports=reports,
            timeline=cases_repo.events_of_case(session, case.id, [r.id for r in reports]),
            actions=available_case_actions(
                CaseState(case.state),
                as_actor(user),
                engine.history(session, record_ref(case.id)),
                decision=Decision(case.decision) if case.decision else None,
            ),
        )


@dataclass(frozen=True, slots=True)
class CaseEvidence:
    transactions: list[EvidenceTransaction]
    own_accounts: set[str]
    flow: MoneyFlow


def case_evidence(ctx: Context, case_file: CaseFile) -> CaseEvidence:
    """The evidence transactions from the ledger and the money-flow subgraph around the customer."""
    with ctx.db.transaction() as session:
        customer = customers_repo.get_customer(session, case_file.case.customer_id)
        own = {a.account_id for a in customer.accounts} if customer is not None else set()
    if not own:
        for alert in case_file.alerts:
            own |= collect_ids(alert.evidence, "accounts")
    transactions = evidence_transactions(ctx, [a.evidence for a in case_file.alerts])
    return CaseEvidence(transactions, own, money_flow(transactions, own))
