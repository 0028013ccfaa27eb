"""Reading the audit trail: filtered, paged pages for auditors, and a CSV export."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date, datetime

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
    actor: str | None = None,
    action: str | None = None,
    entity_type: str | None = None,
    entity_id: str | None = None,
    since: str | None = None,
    until: str | None = None,
    page: int = 1,
    size: int = 50,
) -> PageOf:
    """Events newest first; ``since``/``until`` are inclusive days, ``action`` a prefix."""
    _require(user)
    if page < 1 or not 1 <= size <= 500:
        raise InputError("page starts at 1 and size is 1-500", field="size")
    with ctx.db.transaction() as session:
        return cases_repo.audit_page(
            session,
            actor=actor or None,
            action=action or None,
            entity_type=entity_type or None,
            entity_id=entity_id or None,
            since=_day(ctx, since, "since"),
            until=_day(ctx, until, "until", end=True),
            page=page,
            size=size,
        )


def export_csv(
    ctx: Context,
    user: UserView,
    *,
    actor: str | None = None,
    action: str | None = None,
    entity_type: str | None = None,
    entity_id: str | None = None,
    since: str | None = None,
    until: str | None = None,
) -> Iterator[str]:
    """The matching events in chain order as CSV, with their hashes so a reader can re-verify."""
    _require(user)
    with ctx.db.transaction() as session:
        rows = cases_repo.audit_page(
            session,
            actor=actor or None,
            action=action or None,
            entity_type=entity_type or None,
            entity_id=entity_id or None,
            since=_day(ctx, since, "since"),
            until=_day(ctx, until, "until", end=True),
            page=1,
            size=None,
        ).rows
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
            for e in rows
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
