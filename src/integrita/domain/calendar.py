"""Business-day calendars for statutory and service-level deadlines.

Mainland China moves working days onto weekends around Golden Week and Spring
Festival (调休), so a plain "skip Saturdays and Sundays" count is wrong there, and
the make-up days of a year are only published by the State Council late in the
year before. The default calendar therefore knows exactly the years for which it
has the official list: ``chinesecalendar``'s years plus any year the operator
loaded (``integrita calendar load``). It refuses to compute a statutory date in
any other year rather than guess, because a guessed deadline that treats a
make-up Saturday as a day off is silently a day late.

Working days are held as one sorted array per calendar (built once, then
cached), so a due date or a count of working days is index arithmetic, not a
walk from day to day: the deadline list for 100,000 open records is a few
hundred thousand binary searches.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cached_property, lru_cache

import holidays as holidays_lib

from integrita.errors import ConfigurationError, InputError

#: Years a non-Chinese calendar (computed by the ``holidays`` package) is trusted for.
OTHER_COUNTRY_YEARS = range(2000, 2061)


class CalendarYearUnknownError(InputError):
    """A date was asked for in a year whose official working-day list is not known."""

    def __init__(self, year: int, *, field: str | None = "date") -> None:
        super().__init__(
            f"the business calendar does not know the year {year}: load its official holiday "
            "and make-up working-day list with `integrita calendar load FILE`",
            field=field,
        )
        self.year = year


@dataclass(frozen=True)
class YearList:
    """One year's official list: public holidays and weekend days that are working days."""

    year: int
    holidays: frozenset[date]
    working_days: frozenset[date]

    def is_working_day(self, day: date) -> bool:
        if day in self.working_days:
            return True
        return day.weekday() < 5 and day not in self.holidays


@lru_cache(maxsize=64)
def _public_holidays(country: str, year: int) -> frozenset[date]:
    try:
        table = holidays_lib.country_holidays(country, years=year)
    except NotImplementedError as exc:
        raise ConfigurationError(f"no public-holiday calendar for country {country!r}") from exc
    return frozenset(table.keys())


@lru_cache(maxsize=1)
def _china_lists() -> dict[int, YearList]:
    """chinesecalendar's official lists, one per year it covers."""
    from chinese_calendar import constants

    years = {d.year for d in constants.holidays} | {d.year for d in constants.workdays}
    return {
        y: YearList(
            y,
            frozenset(d for d in constants.holidays if d.year == y),
            frozenset(d for d in constants.workdays if d.year == y),
        )
        for y in range(min(years), max(years) + 1)
    }


@dataclass(frozen=True)
class BusinessCalendar:
    """Working days of one jurisdiction: the official lists of the years it knows, plus
    the operator's configured exceptions."""

    country: str = "CN"
    extra_holidays: frozenset[date] = field(default_factory=frozenset)
    extra_working_days: frozenset[date] = field(default_factory=frozenset)
    #: Years the operator loaded (they override the built-in list of the same year).
    loaded: tuple[YearList, ...] = ()

    @classmethod
    def from_settings(
        cls,
        country: str,
        extra_holidays: Iterable[str] = (),
        extra_working_days: Iterable[str] = (),
        loaded: Iterable[YearList] = (),
    ) -> BusinessCalendar:
        try:
            holidays = frozenset(date.fromisoformat(d) for d in extra_holidays)
            working = frozenset(date.fromisoformat(d) for d in extra_working_days)
        except ValueError as exc:
            raise ConfigurationError(f"calendar dates must be YYYY-MM-DD: {exc}") from exc
        return cls(country.upper(), holidays, working, tuple(sorted(loaded, key=lambda y: y.year)))

    # -- which years are known ----------------------------------------------------------------

    @cached_property
    def _lists(self) -> Mapping[int, YearList]:
        lists: dict[int, YearList] = dict(_china_lists()) if self.country == "CN" else {}
        lists.update({y.year: y for y in self.loaded})
        return lists

    @cached_property
    def known_years(self) -> frozenset[int]:
        """Years this calendar can compute dates in."""
        if self.country == "CN":
            return frozenset(self._lists)
        return frozenset(OTHER_COUNTRY_YEARS) | frozenset(self._lists)

    def knows(self, year: int) -> bool:
        return year in self.known_years

    def require_year(self, year: int, *, field: str | None = "date") -> None:
        if year not in self.known_years:
            raise CalendarYearUnknownError(year, field=field)

    # -- single days ----------------------------------------------------------------------------

    def _official(self, day: date) -> bool:
        if day in self.extra_working_days:
            return True
        if day in self.extra_holidays:
            return False
        listed = self._lists.get(day.year)
        if listed is not None:
            return listed.is_working_day(day)
        return day.weekday() < 5 and day not in _public_holidays(self.country, day.year)

    def is_working_day(self, day: date, *, provisional: bool = False) -> bool:
        """Whether ``day`` is a working day; refused in an unknown year unless ``provisional``.

        ``provisional`` (weekends and the ``holidays`` package's fixed holidays, no
        make-up days) is for uses that are not statutory: synthetic data, and a
        review date years ahead that is brought forward to a weekday.
        """
        if not provisional:
            self.require_year(day.year)
        return self._official(day)

    # -- the working-day index ----------------------------------------------------------------

    @cached_property
    def _index(self) -> list[int]:
        """Ordinals of every working day in the known years, ascending."""
        out: list[int] = []
        for year in sorted(self.known_years):
            first = date(year, 1, 1).toordinal()
            last = date(year, 12, 31).toordinal()
            out.extend(o for o in range(first, last + 1) if self._official(date.fromordinal(o)))
        return out

    def _position(self, day: date) -> int:
        """How many indexed working days fall on or before ``day``."""
        return bisect_right(self._index, day.toordinal())

    def _require_span(self, first: date, last: date, field: str | None) -> None:
        for year in range(first.year, last.year + 1):
            self.require_year(year, field=field)

    def add_working_days(self, start: date, days: int, *, field: str | None = "date") -> date:
        """The date ``days`` working days after ``start`` (``start`` itself not counted)."""
        if days < 0:
            raise ValueError("days must not be negative")
        self.require_year(start.year, field=field)
        if days == 0:
            return start
        target = self._position(start) + days - 1
        if target >= len(self._index):
            raise CalendarYearUnknownError(max(self.known_years) + 1, field=field)
        result = date.fromordinal(self._index[target])
        self._require_span(start, result, field)
        return result

    def working_days_between(self, start: date, end: date, *, field: str | None = "date") -> int:
        """Working days in (start, end]; negative when end is before start."""
        if end < start:
            return -self.working_days_between(end, start, field=field)
        self._require_span(start, end, field)
        return self._position(end) - self._position(start)

    def due_date(self, determined_on: date, working_days: int) -> date:
        """Statutory due date: ``working_days`` working days after the (local) day of determination.

        Takes a date, never an instant: which day something was determined on is the
        bank's local date (``Context.local_date``), not the UTC date.
        """
        if isinstance(determined_on, datetime):
            raise TypeError("due_date takes the bank's local date, not an instant")
        return self.add_working_days(determined_on, working_days)

    def previous_working_day(self, day: date, *, provisional: bool = False) -> date:
        while not self.is_working_day(day, provisional=provisional):
            day -= timedelta(days=1)
        return day
