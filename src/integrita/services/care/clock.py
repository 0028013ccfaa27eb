"""The complaint clocks as configured: working hours (or around the clock) and targets."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from integrita.domain.sla import Pause, Schedule, WorkingHours, due_at
from integrita.errors import ConfigurationError
from integrita.services.core.context import Context


def schedule(ctx: Context) -> Schedule:
    """Working hours on the business calendar, or None when the clocks run around the clock."""
    try:
        return WorkingHours.parse(
            ctx.settings.care_working_hours, ctx.calendar, ctx.settings.care_timezone
        )
    except ValueError as exc:
        raise ConfigurationError(f"care_working_hours: {exc}") from exc


def first_response_target(ctx: Context) -> timedelta:
    return timedelta(hours=ctx.settings.care_first_response_hours)


def resolution_target(ctx: Context, severity: str) -> timedelta:
    hours = ctx.settings.care_resolution_hours.get(severity)
    if hours is None:
        raise ConfigurationError(f"care_resolution_hours has no target for severity {severity!r}")
    return timedelta(hours=hours)


def deadlines(
    ctx: Context, received_at: datetime, severity: str, pauses: Sequence[Pause] = ()
) -> tuple[datetime | None, datetime | None]:
    """(first-response due, resolution due); None while an open pause holds the clock."""
    hours = schedule(ctx)
    return (
        due_at(received_at, first_response_target(ctx), hours, pauses),
        due_at(received_at, resolution_target(ctx, severity), hours, pauses),
    )
