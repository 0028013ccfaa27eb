"""Business-day calendars for statutory and service-level deadlines.

Mainland China moves working days onto weekends around Golden Week and Spring
Festival (调休), so a plain "skip Saturdays and Sundays" count is wrong there.
The default calendar uses ``chinesecalendar``'s official holiday and makeup
working-day lists, falls back to the ``holidays`` package for years or countries
it does not cover, and lets an operator add holidays and working days by setting.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache

import holidays as holidays_lib

from integrita.errors import ConfigurationError


@lru_cache(maxsize=64)
def _public_holidays(country: str, year: int) -> frozenset[date]:
    try:
        table = holidays_lib.country_holidays(country, years=year)
    except NotImplementedError as exc:
        raise ConfigurationError(f"no public-holiday calendar for country {country!r}") from exc
    return frozenset(table.keys())


def _china_day(day: date) -> bool | None:
    """True/False when chinesecalendar knows the day is a working day, None outside its range."""
    import chinese_calendar

    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        return None


@dataclass(frozen=True)
class BusinessCalendar:
    """Working days of one jurisdiction, plus configured exceptions."""

    country: str = "CN"
    extra_holidays: frozenset[date] = field(default_factory=frozenset)
    extra_working_days: frozenset[date] = field(default_factory=frozenset)

    @classmethod
    def from_settings(
        cls,
        country: str,
        extra_holidays: Iterable[str] = (),
        extra_working_days: Iterable[str] = (),
    ) -> BusinessCalendar:
        try:
            holidays = frozenset(date.fromisoformat(d) for d in extra_holidays)
            working = frozenset(date.fromisoformat(d) for d in extra_working_days)
        except ValueError as exc:
            raise ConfigurationError(f"calendar dates must be YYYY-MM-DD: {exc}") from exc
        return cls(country.upper(), holidays, working)

    def is_working_day(self, day: date) -> bool:
        if day in self.extra_working_days:
            return True
        if day in self.extra_holidays:
            return False
        if self.country == "CN":
            known = _china_day(day)
            if known is not None:
                return known
        if day.weekday() >= 5:
            return False
        return day not in _public_holidays(self.country, day.year)

    def add_working_days(self, start: date, days: int) -> date:
        """The date ``days`` working days after ``start`` (``start`` itself not counted)."""
        if days < 0:
            raise ValueError("days must not be negative")
        current = start
        remaining = days
        while remaining:
            current += timedelta(days=1)
            if self.is_working_day(current):
                remaining -= 1
        return current

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in (start, end]; negative when end is before start."""
        if end < start:
            return -self.working_days_between(end, start)
        return sum(
            1
            for n in range(1, (end - start).days + 1)
            if self.is_working_day(start + timedelta(days=n))
        )

    def due_date(self, determined_at: datetime | date, working_days: int) -> date:
        """Statutory due date: ``working_days`` working days after the day something was determined."""
        day = determined_at.date() if isinstance(determined_at, datetime) else determined_at
        return self.add_working_days(day, working_days)
