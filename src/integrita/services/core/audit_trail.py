"""Reading the audit trail: filtered, paged pages for auditors, and a CSV export."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date, datetime
from typing import TypedDict, Unpack

from integrita.domain.permissions import Permission
from integrita.errors import InputError
from integrita.services.core.context import Context
from integrita.services.core.permissions import ensure_permitted
from integrita.services.core.users import UserView
from integrita.store.repositories import cases as cases_repo
from integrita.store.repositories.cases import PageOf

CSV_COLUMNS = (
    "seq",
    "occurred_at",
    "actor",
    "action",
    "entity_type",
    "entity_id",
    "before",
    "after",
    "prev_hash",
    "hash",
)


class AuditFilters(TypedDict, total=False):
    """What the auditor filters on; a blank filter matches every event."""

    actor: str | None
    action: str | None  # a prefix: "case." matches every case action
    entity_type: str | None
    entity_id: str | None
    since: str | None  # the bank's local day YYYY-MM-DD, included
    until: str | None  # the bank's local day YYYY-MM-DD, included


def _require(user: UserView) -> None:
    ensure_permitted(user, Permission.AUDIT_READ)


def _day(ctx: Context, value: str | None, field: str, *, end: bool = False) -> datetime | None:
    if not value:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError as exc:
        raise InputError(f"{field} must be a date YYYY-MM-DD, not {value!r}", field=field) from exc
    if end:
        from datetime import timedelta

        if day == date.max:
            return None
        day += timedelta(days=1)
    # A day filter is the bank's local day, from its local midnight.
    return ctx.local_midnight(day)


def events(
    ctx: Context,
    user: UserView,
    *,
    page: int = 1,
    size: int | None = 50,
    **filters: Unpack[AuditFilters],
) -> PageOf:
    """Events newest first, ``size`` to a page; ``size=None``: every matching event, in chain
    order (the CSV export)."""
    _require(user)
    if page < 1 or (size is not None and not 1 <= size <= 500):
        raise InputError("page starts at 1 and size is 1-500", field="size")
    with ctx.db.transaction() as session:
        return cases_repo.audit_page(
            session,
            actor=filters.get("actor") or None,
            action=filters.get("action") or None,
            entity_type=filters.get("entity_type") or None,
            entity_id=filters.get("entity_id") or None,
            since=_day(ctx, filters.get("since"), "since"),
            until=_day(ctx, filters.get("until"), "until", end=True),
            page=page,
            size=size,
        )


def export_csv(ctx: Context, user: UserView, **filters: Unpack[AuditFilters]) -> Iterator[str]:
    """The matching events in chain order as CSV, with their hashes so a reader can re-verify."""
    lines: list[list[object]] = [
        [
            e.seq,
            e.occurred_at.isoformat(),
            e.actor,
            e.action,
            e.entity_type,
            e.entity_id,
            e.before or "",
            e.after or "",
            e.prev_hash,
            e.hash,
        ]
        for e in events(ctx, user, size=None, **filters).rows
    ]
    return _csv_chunks(lines)


def _csv_chunks(lines: list[list[object]]) -> Iterator[str]:
    buffer = io.StringIO()
    csv.writer(buffer).writerow(CSV_COLUMNS)
    yield buffer.getvalue()
    for start in range(0, len(lines), 1000):
        buffer = io.StringIO()
        csv.writer(buffer).writerows(lines[start : start + 1000])
        yield buffer.getvalue()
