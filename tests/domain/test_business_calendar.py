"""The business calendar knows exactly the years it has an official list for, and counts on an index."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from integrita.domain.calendar import BusinessCalendar, CalendarYearUnknownError, YearList

CN = BusinessCalendar.from_settings("CN")
#: The 2027 list as an operator would load it (New Year, one make-up Saturday).
Y2027 = YearList(
    2027,
    frozenset({date(2027, 1, 1), date(2027, 2, 8), date(2027, 2, 9)}),
    frozenset({date(2027, 2, 6)}),
)


def _walk(cal: BusinessCalendar, start: date, days: int) -> date:
    """The old day-by-day count, as the reference the index must agree with."""
    current = start
    while days:
        current += timedelta(days=1)
        if cal.is_working_day(current):
            days -= 1
    return current


def test_a_date_in_a_year_the_calendar_does_not_know_is_refused_not_guessed() -> None:
    with pytest.raises(CalendarYearUnknownError, match="2027"):
        CN.is_working_day(date(2027, 3, 1))
    with pytest.raises(CalendarYearUnknownError, match="integrita calendar load"):
        CN.add_working_days(date(2026, 12, 28), 5)


def test_far_years_are_refused_not_counted_towards() -> None:
    """How quickly (no walk day by day to the year 9999) is timed by ``benchmarks/deadlines.py``
    on a quiet machine; a wall-clock bound here flaked on a loaded CI machine."""
    for day in (date(9999, 12, 31), date(1, 1, 1)):
        with pytest.raises(CalendarYearUnknownError):
            CN.add_working_days(day, 2)
        with pytest.raises(CalendarYearUnknownError):
            CN.working_days_between(date(2025, 3, 3), day)


def test_a_loaded_year_counts_its_make_up_saturday_as_a_working_day() -> None:
    cal = BusinessCalendar.from_settings("CN", loaded=[Y2027])
    assert cal.is_working_day(date(2027, 2, 6))  # a Saturday, listed as a make-up day
    assert not cal.is_working_day(date(2027, 2, 8))  # a Monday, listed as a holiday
    # Thu 2027-02-04 + 3 working days: Fri 5, Sat 6 (make-up), Wed 10 (8 and 9 are holidays).
    assert cal.add_working_days(date(2027, 2, 4), 3) == date(2027, 2, 10)
    # and counting runs across the year boundary from the built-in 2026 into the loaded 2027
    assert cal.add_working_days(date(2026, 12, 30), 2) == date(2027, 1, 4)


def test_the_index_agrees_with_a_day_by_day_count_across_holidays() -> None:
    for start in (date(2025, 9, 25), date(2025, 1, 24), date(2024, 12, 31), date(2025, 10, 1)):
        for days in (0, 1, 5, 10, 30):
            due = CN.add_working_days(start, days)
            assert due == _walk(CN, start, days)
            assert CN.working_days_between(start, due) == days
            assert CN.working_days_between(due, start) == -days


def test_an_instant_is_not_a_due_date_start() -> None:
    from datetime import UTC, datetime

    with pytest.raises(TypeError, match="local date"):
        CN.due_date(datetime(2025, 3, 2, 23, 30, tzinfo=UTC), 5)  # type: ignore[arg-type]


def test_review_dates_years_ahead_are_provisional_and_never_late() -> None:
    from integrita.domain.risk import next_review_due

    # 2028-03-05 is a Sunday in a year no list covers: brought forward to Friday the 3rd.
    assert next_review_due(CN, date(2025, 3, 5), 36) == date(2028, 3, 3)
