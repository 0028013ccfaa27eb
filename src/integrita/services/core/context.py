"""What every service needs: settings, the operational database, a clock and the bank's calendar."""

from __future__ import annotations

import time as _time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import cached_property
from zoneinfo import ZoneInfo

from integrita.domain.calendar import BusinessCalendar, YearList
from integrita.services.core import audit_key
from integrita.settings import Settings, get_settings
from integrita.store import Database

#: A process re-reads the loaded calendar years at most this often, so a year loaded by
#: ``integrita calendar load`` in another process is used without a restart.
CALENDAR_RECHECK_SECONDS = 60.0


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class Context:
    """Settings + database + clock, passed to services so tests can swap any of them."""

    settings: Settings
    db: Database
    clock: Callable[[], datetime] = field(default=_utcnow)
    _calendar: BusinessCalendar | None = field(default=None, init=False, repr=False)
    _calendar_read_at: float = field(default=0.0, init=False, repr=False)

    @classmethod
    def from_settings(cls, settings: Settings | None = None, *, migrate: bool = True) -> Context:
        settings = settings or get_settings()
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        db = Database(
            settings.resolved_database_url, busy_timeout_seconds=settings.sqlite_busy_seconds
        )
        if migrate:
            db.upgrade()
        return cls(settings=settings, db=db)

    def __post_init__(self) -> None:
        # The audit key lives outside the database; every session of ``db`` carries it.
        if self.db.audit_key is None:
            key = audit_key.load(self.settings)
            self.db.audit_key = key.secret if key is not None else None

    def now(self) -> datetime:
        """The current instant, in UTC (what is stored)."""
        return self.clock()

    # -- the bank's local time ----------------------------------------------------------------

    @cached_property
    def zone(self) -> ZoneInfo:
        """The bank's time zone (``INTEGRITA_TIMEZONE``)."""
        return ZoneInfo(self.settings.timezone)

    def local_now(self) -> datetime:
        """The current instant on the bank's wall clock (with its offset)."""
        return self.clock().astimezone(self.zone)

    def local_date(self, instant: datetime | None = None) -> date:
        """The bank's local date of ``instant`` (now when omitted).

        Every statutory and reporting date is counted from this: an STR decided on
        Monday 07:30 in Shanghai is decided on Monday, although it is Sunday in UTC.
        """
        moment = self.clock() if instant is None else instant
        if moment.tzinfo is None:
            raise ValueError("local_date needs a timezone-aware instant")
        return moment.astimezone(self.zone).date()

    def local_midnight(self, day: date) -> datetime:
        """The instant (UTC) at which the bank's local ``day`` begins (clamped at the calendar's ends)."""
        try:
            return datetime(day.year, day.month, day.day, tzinfo=self.zone).astimezone(UTC)
        except OverflowError:
            return (
                datetime.min.replace(tzinfo=UTC)
                if day.year == 1
                else datetime.max.replace(tzinfo=UTC)
            )

    def year_bounds(self, year: int) -> tuple[datetime, datetime]:
        """[start, end) instants of the bank's local calendar year ``year``."""
        if not 1 <= year <= 9999:
            from integrita.errors import InputError

            raise InputError(f"year must be between 1 and 9999, not {year}", field="year")
        start = self.local_midnight(date(year, 1, 1))
        if year >= 9999:
            return start, datetime.max.replace(tzinfo=UTC)
        return start, self.local_midnight(date(year + 1, 1, 1))

    # -- the business calendar ------------------------------------------------------------------

    @property
    def calendar(self) -> BusinessCalendar:
        """The business calendar: built-in years plus the years loaded into the database."""
        if (
            self._calendar is None
            or _time.monotonic() - self._calendar_read_at > CALENDAR_RECHECK_SECONDS
        ):
            self.reload_calendar()
        assert self._calendar is not None
        return self._calendar

    def reload_calendar(self) -> BusinessCalendar:
        from integrita.store.repositories import calendar as calendar_repo

        s = self.settings
        country = s.calendar_country.upper()
        with self.db.transaction() as session:
            loaded = [
                YearList(
                    row.year,
                    frozenset(date.fromisoformat(d) for d in row.holidays),
                    frozenset(date.fromisoformat(d) for d in row.working_days),
                )
                for row in calendar_repo.years(session, country)
            ]
        fresh = BusinessCalendar.from_settings(
            country, s.extra_holidays, s.extra_working_days, loaded
        )
        # Keep the built index when nothing changed.
        if self._calendar is None or self._calendar != fresh:
            self._calendar = fresh
        self._calendar_read_at = _time.monotonic()
        return self._calendar
