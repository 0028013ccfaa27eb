"""Account-opening checks: an account opened on someone's behalf stays pending until a
verification task is completed with a recorded outcome.

- A representative opens a personal account for someone: phone verification of the
  representative's identity.
- Someone other than the legal representative opens a corporate settlement account:
  verification with the legal representative.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from integrita.domain.customer import AccountStatus, AccountType
from integrita.domain.permissions import Permission
from integrita.errors import InputError, NotFoundError, StateTransitionError
from integrita.services.core import audit
from integrita.services.core.context import Context
from integrita.services.core.permissions import HasRoles, ensure_permitted
from integrita.services.core.sanctions import screen_new_or_changed_customers
from integrita.services.core.view_objects import view_of
from integrita.store import Session
from integrita.store.models import Account, AccountOpeningTask
from integrita.store.repositories import customers as customers_repo
from integrita.store.repositories import realtime as repo

OPENERS = ("holder", "representative", "legal_representative", "authorised_agent")
OUTCOMES = ("confirmed", "refused")
PERSONAL_TYPES = frozenset({AccountType.PERSONAL.value, AccountType.PERSONAL_SAVINGS.value})


@dataclass(frozen=True, slots=True)
class OpeningTaskView:
    id: int
    account_id: str
    kind: str
    subject: str
    status: str
    outcome: str | None
    completed_by: str | None
    completed_at: datetime | None


def _view(task: AccountOpeningTask) -> OpeningTaskView:
    return view_of(OpeningTaskView, task)


def _change_status(
    session: Session,
    account: Account,
    status: AccountStatus,
    action: str,
    actor: str,
    at: datetime,
    **facts: object,
) -> None:
    """Set the account's status and write the audit event of the change in the same session."""
    before = account.status
    account.status = status.value
    audit.record(
        session,
        at=at,
        actor=actor,
        action=action,
        entity_type="account",
        entity_id=account.account_id,
        before={"status": before},
        after={"status": account.status, **facts},
    )


def required_task(account_type: str, opened_by: str) -> str | None:
    """Which verification the practice asks for, if any."""
    if account_type in PERSONAL_TYPES and opened_by == "representative":
        return "representative_phone_verification"
    if (
        account_type == AccountType.CORPORATE_SETTLEMENT.value
        and opened_by != "legal_representative"
    ):
        return "legal_representative_verification"
    return None


def record_opening(
    ctx: Context, account_id: str, opened_by: str, opener_name: str, *, user: HasRoles
) -> list[OpeningTaskView]:
    """Record who opened ``account_id``; creates the verification task and keeps it pending.

    The account's owner is screened against the sanctions and PEP lists as the account opens
    (a new customer, or one whose record changed since its last screening, meets the lists
    before the account is used); a match becomes an alert in case work."""
    ensure_permitted(user, Permission.ACCOUNT_OPENING)
    if opened_by not in OPENERS:
        raise InputError(f"opened_by must be one of {', '.join(OPENERS)}", field="opened_by")
    if not opener_name.strip():
        raise InputError("opener_name is required", field="opener_name")
    tasks, owner = _record_opening(ctx, account_id, opened_by, opener_name, actor=user.username)
    screen_new_or_changed_customers(ctx, [owner], trigger="account_opening", by=user.username)
    return tasks


def _record_opening(
    ctx: Context, account_id: str, opened_by: str, opener_name: str, *, actor: str
) -> tuple[list[OpeningTaskView], str]:
    now = ctx.now()
    with ctx.db.transaction() as session:
        account = customers_repo.get_account(session, account_id)
        if account is None:
            raise NotFoundError(f"account {account_id} does not exist")
        owner = account.customer_id
        kind = required_task(account.account_type, opened_by)
        if kind is None or any(t.kind == kind for t in repo.opening_tasks(session, account_id)):
            return [_view(t) for t in repo.opening_tasks(session, account_id)], owner
        subject = (
            f"representative {opener_name}"
            if kind == "representative_phone_verification"
            else f"legal representative {account.owner.legal_representative or '(not on file)'}"
        )
        task = repo.add_opening_task(
            session,
            account_id=account_id,
            kind=kind,
            subject=subject,
            status="open",
            created_at=now,
            blocking=True,
        )
        _change_status(
            session,
            account,
            AccountStatus.PENDING_VERIFICATION,
            "account_opening.task_created",
            actor,
            now,
            task=kind,
            opened_by=opened_by,
        )
        session.flush()
        return [_view(task)], owner


def complete_task(
    ctx: Context, task_id: int, outcome: str, notes: str, *, user: HasRoles
) -> OpeningTaskView:
    """Record the verification's outcome; the account becomes active when every task is confirmed."""
    ensure_permitted(user, Permission.ACCOUNT_OPENING)
    actor = user.username
    if outcome not in OUTCOMES:
        raise InputError(f"outcome must be one of {', '.join(OUTCOMES)}", field="outcome")
    if not notes.strip():
        raise InputError("notes must say how the verification was done", field="notes")
    now = ctx.now()
    with ctx.db.transaction() as session:
        task = repo.get_opening_task(session, task_id)
        if task is None:
            raise NotFoundError(f"account-opening task {task_id} does not exist")
        if task.status != "open":
            raise StateTransitionError(f"task {task_id} is already {task.status}")
        task.status, task.outcome, task.notes = "completed", outcome, notes
        task.completed_by, task.completed_at = actor, now
        audit.record(
            session,
            at=now,
            actor=actor,
            action=f"account_opening.task_{outcome}",
            entity_type="account_opening_task",
            entity_id=task_id,
            after={"account_id": task.account_id, "outcome": outcome},
        )
        tasks = repo.opening_tasks(session, task.account_id)
        if all(t.status == "completed" and t.outcome == "confirmed" for t in tasks):
            account = customers_repo.get_account(session, task.account_id)
            if account is None:
                raise NotFoundError(f"account {task.account_id} does not exist")
            _change_status(session, account, AccountStatus.ACTIVE, "account.activated", actor, now)
        session.flush()
        return _view(task)


def activate(ctx: Context, account_id: str, *, user: HasRoles) -> str:
    """Activate an account; refused while a verification task is open or was refused."""
    ensure_permitted(user, Permission.ACCOUNT_OPENING)
    actor = user.username
    now = ctx.now()
    with ctx.db.transaction() as session:
        account = customers_repo.get_account(session, account_id)
        if account is None:
            raise NotFoundError(f"account {account_id} does not exist")
        for task in repo.opening_tasks(session, account_id):
            if task.status != "completed":
                raise StateTransitionError(
                    f"account {account_id} cannot become active: task {task.id} ({task.kind}) is open"
                )
            if task.outcome != "confirmed":
                raise StateTransitionError(
                    f"account {account_id} cannot become active: task {task.id} was {task.outcome}"
                )
        if account.status == AccountStatus.ACTIVE.value:
            return account.status
        _change_status(session, account, AccountStatus.ACTIVE, "account.activated", actor, now)
        return account.status


def tasks_for(ctx: Context, account_id: str) -> list[OpeningTaskView]:
    with ctx.db.transaction() as session:
        return [_view(t) for t in repo.opening_tasks(session, account_id)]
