"""Loading a year's official holiday and make-up working-day list, and checking which years are known.

The State Council publishes next year's holidays and make-up working days (调休)
late in the year; ``chinesecalendar`` only knows the years published before its
release. An operator loads a later year from a file:

CSV, one row per listed day (a header row is required)::

    date,kind,name
    2027-01-01,holiday,New Year's Day
    2027-02-07,working_day,Spring Festival make-up day

JSON, one object per year (or a list of them)::

    {"year": 2027, "source": "State Council notice 2026/xx",
     "holidays": ["2027-01-01", ...], "working_days": ["2027-02-07", ...]}

Every weekday that is not listed as a holiday is a working day; a weekend day is
a working day only when listed as one. A year must list at least one holiday; a
working day must be a Saturday or Sunday (anything else is already one); a day
cannot be both.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from integrita.domain.calendar import YearList
from integrita.domain.permissions import Permission
from integrita.errors import InputError
from integrita.services.core import audit
from integrita.services.core.context import Context
from integrita.services.core.permissions import HasRoles, ensure_permitted
from integrita.store.models import CalendarYear
from integrita.store.repositories import calendar as calendar_repo

KINDS = ("holiday", "working_day")
#: The deadlines page warns this many days before a year the calendar does not know.
WARN_DAYS_AHEAD = 31


def _day(value: object, where: str) -> date:
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError as exc:
        raise InputError(f"{where}: {value!r} is not a date YYYY-MM-DD", field="date") from exc


def _year_list(year: int, holidays: set[date], working: set[date], where: str) -> YearList:
    if not 1900 <= year <= 2200:
        raise InputError(f"{where}: year {year} is outside 1900-2200", field="year")
    for day in holidays | working:
        if day.year != year:
            raise InputError(f"{where}: {day} is not in {year}", field="date")
    if not holidays:
        raise InputError(
            f"{where}: {year} lists no holiday; is this the whole list?", field="holidays"
        )
    both = holidays & working
    if both:
        raise InputError(
            f"{where}: {min(both)} is listed as a holiday and as a working day", field="date"
        )
    weekdays = sorted(d for d in working if d.weekday() < 5)
    if weekdays:
        raise InputError(
            f"{where}: working day {weekdays[0]} is a weekday already; only weekend make-up days "
            "are listed",
            field="working_days",
        )
    return YearList(year, frozenset(holidays), frozenset(working))


def _from_csv(text: str, where: str) -> list[YearList]:
    reader = csv.DictReader(io.StringIO(text), strict=True)
    if reader.fieldnames is None or not {"date", "kind"} <= set(reader.fieldnames):
        raise InputError(
            f"{where}: the header must name the columns date,kind[,name]", field="file"
        )
    by_year: dict[int, tuple[set[date], set[date]]] = {}
    try:
        for line, row in enumerate(reader, start=2):
            day = _day(row.get("date"), f"{where} line {line}")
            kind = (row.get("kind") or "").strip()
            if kind not in KINDS:
                raise InputError(
                    f"{where} line {line}: kind must be holiday or working_day, not {kind!r}",
                    field="kind",
                )
            holidays, working = by_year.setdefault(day.year, (set(), set()))
            (holidays if kind == "holiday" else working).add(day)
    except csv.Error as exc:
        raise InputError(f"{where}: not valid CSV ({exc})", field="file") from exc
    if not by_year:
        raise InputError(f"{where}: no rows", field="file")
    return [_year_list(y, h, w, where) for y, (h, w) in sorted(by_year.items())]


def _from_json(text: str, where: str) -> tuple[list[YearList], str | None]:
    try:
        data: Any = json.loads(text)
    except ValueError as exc:
        raise InputError(f"{where}: not valid JSON ({exc})", field="file") from exc
    items = data if isinstance(data, list) else [data]
    years: list[YearList] = []
    source: str | None = None
    for n, item in enumerate(items, start=1):
        at = f"{where} entry {n}"
        if not isinstance(item, dict) or not isinstance(item.get("year"), int):
            raise InputError(f"{at}: needs an integer 'year'", field="year")
        lists = []
        for key in ("holidays", "working_days"):
            value = item.get(key, [])
            if not isinstance(value, list):
                raise InputError(f"{at}: {key} must be a list of dates", field=key)
            lists.append({_day(v, at) for v in value})
        years.append(_year_list(item["year"], lists[0], lists[1], at))
        if isinstance(item.get("source"), str):
            source = item["source"]
    return years, source


def parse_file(path: Path) -> tuple[list[YearList], str]:
    """The year lists in ``path`` (CSV or JSON by extension) and where they come from."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read {path}: {exc}", field="file") from exc
    if path.suffix.lower() == ".json":
        years, source = _from_json(text, path.name)
    elif path.suffix.lower() == ".csv":
        years, source = _from_csv(text, path.name), None
    else:
        raise InputError(f"{path.name}: the file must be .csv or .json", field="file")
    if len({y.year for y in years}) != len(years):
        raise InputError(f"{path.name}: a year is listed twice", field="year")
    return years, (source or path.name)[:255]


def load(ctx: Context, path: Path, *, actor: HasRoles) -> list[int]:
    """Store the years in ``path`` (replacing the same years loaded before); one audit event each."""
    ensure_permitted(actor, Permission.CALENDAR_LOAD)
    years, source = parse_file(path)
    country = ctx.settings.calendar_country.upper()
    with ctx.db.transaction() as session:
        for y in years:
            before = calendar_repo.get(session, country, y.year)
            calendar_repo.put(
                session,
                CalendarYear(
                    country=country,
                    year=y.year,
                    holidays=sorted(d.isoformat() for d in y.holidays),
                    working_days=sorted(d.isoformat() for d in y.working_days),
                    source=source,
                    loaded_by=actor.username,
                    loaded_at=ctx.now(),
                ),
            )
            audit.record(
                session,
                at=ctx.now(),
                actor=actor.username,
                action="calendar.load",
                entity_type="calendar_year",
                entity_id=f"{country}-{y.year}",
                before=None if before is None else {"source": before.source},
                after={
                    "source": source,
                    "holidays": len(y.holidays),
                    "working_days": len(y.working_days),
                },
            )
    ctx.reload_calendar()
    return [y.year for y in years]


@dataclass(frozen=True, slots=True)
class CalendarCheck:
    """Which years the calendar knows, and which it lacks from this year up to next year."""

    today: date
    known: list[int]
    loaded: list[int]
    missing: list[int]
    warning: str | None


def year_warning(ctx: Context, today: date) -> str | None:
    """A warning from a month before a year the calendar does not know (or during one)."""
    calendar = ctx.calendar
    if not calendar.knows(today.year):
        return (
            f"The business calendar does not know {today.year}: deadlines cannot be computed. "
            f"Load the official {today.year} holiday list with `integrita calendar load FILE`."
        )
    ahead = today + timedelta(days=WARN_DAYS_AHEAD)
    if ahead.year != today.year and not calendar.knows(ahead.year):
        return (
            f"The business calendar does not know {ahead.year} yet: deadlines that fall in it "
            f"will be refused from {ahead.year}-01-01 (or earlier for deadlines running into it). "
            f"Load the official {ahead.year} holiday list with `integrita calendar load FILE`."
        )
    return None


def check(ctx: Context, today: date | None = None) -> CalendarCheck:
    day = today or ctx.local_date()
    ctx.reload_calendar()
    calendar = ctx.calendar
    return CalendarCheck(
        today=day,
        known=sorted(calendar.known_years),
        loaded=sorted(y.year for y in calendar.loaded),
        missing=[y for y in range(day.year, day.year + 2) if not calendar.knows(y)],
        warning=year_warning(ctx, day),
    )
