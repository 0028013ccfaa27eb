"""Service-level clocks for complaints: business time, pauses, due times and breaches.

A clock runs around the clock unless working hours are configured; then it runs
only inside the working hours of working days of the business calendar (so a
weekend or a public holiday does not count). While the complaint waits for the
customer the clock is paused. A deadline is met when the step is done at or
before the due instant; one moment later it is breached.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from integrita.domain.calendar import BusinessCalendar

#: How far ahead the clock looks for working time before giving up (a misconfigured calendar).
_MAX_DAYS = 3700


@dataclass(frozen=True, slots=True)
class WorkingHours:
    """Opening and closing time on each working day of ``calendar``, in ``timezone``."""

    calendar: BusinessCalendar
    opens: time = time(9, 0)
    closes: time = time(17, 0)
    timezone: str = "Asia/Shanghai"

    def __post_init__(self) -> None:
        if self.closes <= self.opens:
            raise ValueError("working hours must close after they open")

    @classmethod
    def parse(cls, spec: str, calendar: BusinessCalendar, timezone: str) -> WorkingHours | None:
        """``"09:00-17:00"`` gives working hours; an empty string means around the clock."""
        spec = spec.strip()
        if not spec:
            return None
        try:
            opens_s, closes_s = spec.split("-")
            return cls(
                calendar, time.fromisoformat(opens_s), time.fromisoformat(closes_s), timezone
            )
        except ValueError as exc:
            raise ValueError(f"working hours must look like 09:00-17:00, not {spec!r}") from exc

    def windows_from(self, start: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Working windows (UTC) that end after ``start``, in order."""
        zone = ZoneInfo(self.timezone)
        day = start.astimezone(zone).date()
        for _ in range(_MAX_DAYS):
            if self.calendar.is_working_day(day):
                open_at = datetime.combine(day, self.opens, zone).astimezone(UTC)
                close_at = datetime.combine(day, self.closes, zone).astimezone(UTC)
                if close_at > start:
                    yield max(open_at, start), close_at
            day += timedelta(days=1)
        raise ValueError(f"no working time within {_MAX_DAYS} days of {start.isoformat()}")


Schedule = WorkingHours | None
Pause = tuple[datetime, datetime | None]


def business_seconds(start: datetime, end: datetime, hours: Schedule) -> float:
    """Clock time between ``start`` and ``end`` (0 when end is not after start)."""
    if end <= start:
        return 0.0
    if hours is None:
        return (end - start).total_seconds()
    total = 0.0
    for window_start, window_end in hours.windows_from(start):
        if window_start >= end:
            break
        total += (min(window_end, end) - window_start).total_seconds()
    return total


def add_business_time(start: datetime, seconds: float, hours: Schedule) -> datetime:
    """The instant when ``seconds`` of clock time have run from ``start``."""
    if hours is None:
        return start + timedelta(seconds=seconds)
    remaining = seconds
    for window_start, window_end in hours.windows_from(start):
        available = (window_end - window_start).total_seconds()
        if remaining <= available:
            return window_start + timedelta(seconds=remaining)
        remaining -= available
    raise AssertionError("unreachable: windows_from raises when it runs out")  # pragma: no cover


def merge_pauses(pauses: Iterable[Pause]) -> list[Pause]:
    """Overlapping or touching pauses become one; an open pause (no end) swallows what follows."""
    ordered = sorted(pauses, key=lambda p: p[0])
    merged: list[Pause] = []
    for start, end in ordered:
        if merged:
            last_start, last_end = merged[-1]
            if last_end is None:
                break
            if start <= last_end:
                merged[-1] = (last_start, None if end is None else max(last_end, end))
                continue
        merged.append((start, end))
    return merged


def elapsed(start: datetime, now: datetime, hours: Schedule, pauses: Sequence[Pause] = ()) -> float:
    """Clock seconds that ran between ``start`` and ``now``, not counting pauses."""
    total = business_seconds(start, now, hours)
    for pause_start, pause_end in merge_pauses(pauses):
        lo = max(pause_start, start)
        hi = now if pause_end is None else min(pause_end, now)
        total -= business_seconds(lo, hi, hours)
    return total


def due_at(
    start: datetime, target: timedelta, hours: Schedule, pauses: Sequence[Pause] = ()
) -> datetime | None:
    """When ``target`` of clock time will have run from ``start``; None while an open pause holds it."""
    remaining = target.total_seconds()
    cursor = start
    for pause_start, pause_end in merge_pauses(pauses):
        if pause_end is not None and pause_end <= cursor:
            continue
        lo = max(pause_start, cursor)
        run = business_seconds(cursor, lo, hours)
        if remaining <= run:
            return add_business_time(cursor, remaining, hours)
        remaining -= run
        if pause_end is None:
            return None
        cursor = pause_end
    return add_business_time(cursor, remaining, hours)


def breached(due: datetime | None, done_at: datetime | None, now: datetime) -> bool:
    """Met when done at or before the due instant; breached one moment later."""
    if due is None:
        return False
    return (done_at if done_at is not None else now) > due


class ClockStatus(StrEnum):
    MET = "met"
    RUNNING = "running"
    DUE_SOON = "due_soon"
    BREACHED = "breached"
    PAUSED = "paused"


@dataclass(frozen=True, slots=True)
class ClockReading:
    """What the complaint page shows for one deadline."""

    status: ClockStatus
    due: datetime | None
    seconds_left: float | None

    @property
    def remaining(self) -> str | None:
        """ "overdue by 2 d 3 h" past the due instant, "5 h 20 min left" before it; None when the
        step is done or the clock is paused."""
        if self.seconds_left is None:
            return None
        if self.seconds_left < 0:
            return f"overdue by {describe_duration(self.seconds_left)}"
        return f"{describe_duration(self.seconds_left)} left"


def describe_duration(seconds: float) -> str:
    """A duration as staff say it: "2 d 3 h", "5 h 20 min", "45 min" (rounded down to minutes)."""
    minutes = int(abs(seconds) // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {mins} min" if mins else f"{hours} h"
    return f"{mins} min"


def read_clock(
    due: datetime | None,
    done_at: datetime | None,
    now: datetime,
    due_soon: timedelta,
    paused: bool = False,
) -> ClockReading:
    if done_at is not None:
        status = ClockStatus.BREACHED if breached(due, done_at, now) else ClockStatus.MET
        return ClockReading(status, due, None)
    if paused or due is None:
        return ClockReading(ClockStatus.PAUSED, due, None)
    left = (due - now).total_seconds()
    if left < 0:
        return ClockReading(ClockStatus.BREACHED, due, left)
    if left <= due_soon.total_seconds():
        return ClockReading(ClockStatus.DUE_SOON, due, left)
    return ClockReading(ClockStatus.RUNNING, due, left)


def percentile(values: Sequence[float], fraction: float) -> float | None:
    """Linear-interpolated percentile (the same rule as PostgreSQL's percentile_cont)."""
    if not values:
        return None
    ordered = sorted(values)
    position = fraction * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)
