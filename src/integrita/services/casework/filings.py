"""The filing registers a compliance officer opens from the overview: STRs by status (the
pipeline from draft to filed) and large-value records by status, each optionally only those
past their statutory due date (the bank's local date)."""

from __future__ import annotations

from datetime import date

from integrita.domain.casework import LARGE_VALUE_WORKFLOW, StrStatus
from integrita.domain.permissions import Permission
from integrita.errors import InputError
from integrita.services.core.context import Context
from integrita.services.core.permissions import HasRoles, ensure_permitted
from integrita.store.repositories import filings as filings_repo
from integrita.store.repositories.cases import PageOf

MAX_PAGE_SIZE = 200
STR_STATUSES = tuple(s.value for s in StrStatus)
#: STRs still to be handed over: a draft and an approved report both count against the deadline.
OPEN_STR = "open"
#: Large-value records not yet submitted.
OPEN_LARGE_VALUE = "pending"


def _str_statuses(status: str) -> list[str]:
    if not status:
        return []
    if status == OPEN_STR:
        return [StrStatus.DRAFT.value, StrStatus.APPROVED.value]
    try:
        return [StrStatus(status).value]
    except ValueError as exc:
        raise InputError(f"unknown STR status {status!r}", field="status") from exc


def _check_page(page: int, size: int) -> None:
    if page < 1:
        raise InputError("page starts at 1", field="page")
    if not 1 <= size <= MAX_PAGE_SIZE:
        raise InputError(f"page size must be 1-{MAX_PAGE_SIZE}", field="size")


def overdue_before(ctx: Context, overdue: bool) -> date | None:
    """A record is overdue when its due date lies before today's local date."""
    return ctx.local_date() if overdue else None


def str_register(
    ctx: Context,
    user: HasRoles,
    *,
    status: str = "",
    overdue: bool = False,
    page: int = 1,
    size: int = 50,
) -> PageOf:
    """STRs in a status (``open`` = draft or approved), oldest due first."""
    ensure_permitted(user, Permission.STR_READ)
    statuses = _str_statuses(status)
    _check_page(page, size)
    with ctx.db.transaction() as session:
        return filings_repo.str_register(
            session,
            statuses=statuses,
            due_before=overdue_before(ctx, overdue),
            page=page,
            size=size,
        )


def large_value_register(
    ctx: Context,
    user: HasRoles,
    *,
    status: str = "",
    overdue: bool = False,
    page: int = 1,
    size: int = 50,
) -> PageOf:
    """Large-value records in a status (``pending`` or ``submitted``), oldest due first."""
    ensure_permitted(user, Permission.STR_READ)
    if status and status not in LARGE_VALUE_WORKFLOW.states:
        raise InputError(f"unknown large-value status {status!r}", field="status")
    _check_page(page, size)
    with ctx.db.transaction() as session:
        return filings_repo.large_value_register(
            session,
            statuses=[status] if status else [],
            due_before=overdue_before(ctx, overdue),
            page=page,
            size=size,
        )
