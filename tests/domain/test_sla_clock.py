from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from integrita.domain.calendar import BusinessCalendar
from integrita.domain.sla import (
    ClockStatus,
    WorkingHours,
    breached,
    due_at,
    elapsed,
    merge_pauses,
    percentile,
    read_clock,
)

SH = ZoneInfo("Asia/Shanghai")
HOURS = WorkingHours(BusinessCalendar("CN"), time(9), time(17), "Asia/Shanghai")


def local(day: int, hour: int, minute: int = 0) -> datetime:
    """April 2025 in Shanghai: Thu 3rd, Qingming holiday Fri 4th, weekend 5th-6th, Mon 7th."""
    return datetime(2025, 4, day, hour, minute, tzinfo=SH).astimezone(UTC)


def test_the_clock_skips_a_holiday_and_a_weekend() -> None:
    received = local(3, 15)
    # Thursday 15:00-17:00 counts 2 h; Friday is Qingming, then the weekend; 6 h more on Monday.
    assert due_at(received, timedelta(hours=8), HOURS) == local(7, 15)


def test_the_clock_pauses_and_resumes_across_a_weekend_and_a_holiday() -> None:
    received = local(3, 15)
    pauses = [(local(3, 16), local(7, 10))]
    # 1 h ran on Thursday before the pause; 7 h remain from Monday 10:00.
    assert due_at(received, timedelta(hours=8), HOURS, pauses) == local(7, 17)
    assert elapsed(received, local(7, 12), HOURS, pauses) == 3 * 3600


def test_an_open_pause_holds_the_deadline() -> None:
    received = local(3, 15)
    assert due_at(received, timedelta(hours=8), HOURS, [(local(3, 16), None)]) is None
    assert elapsed(received, local(7, 12), HOURS, [(local(3, 16), None)]) == 3600


def test_around_the_clock_a_pause_moves_the_deadline_by_its_length() -> None:
    received = local(3, 15)
    pauses = [(local(3, 20), local(3, 21, 30))]
    assert due_at(received, timedelta(hours=24), None, pauses) == local(4, 16, 30)
    assert due_at(received, timedelta(hours=24), None) == local(4, 15)


def test_a_receipt_outside_working_hours_starts_at_the_next_opening() -> None:
    assert due_at(local(3, 20), timedelta(hours=1), HOURS) == local(7, 10)


def test_a_configured_holiday_is_skipped_too() -> None:
    hours = WorkingHours(
        BusinessCalendar.from_settings("CN", ["2025-04-07"]), time(9), time(17), "Asia/Shanghai"
    )
    assert due_at(local(3, 15), timedelta(hours=8), hours) == local(8, 15)


def test_a_breach_is_detected_exactly_at_the_boundary() -> None:
    due = local(7, 15)
    assert not breached(due, due, due)
    assert breached(due, due + timedelta(microseconds=1), due)
    assert not breached(due, None, due)
    assert breached(due, None, due + timedelta(microseconds=1))


def test_overlapping_pauses_count_once() -> None:
    a, b, c = local(3, 10), local(3, 12), local(3, 14)
    assert merge_pauses([(b, c), (a, b + timedelta(minutes=30))]) == [(a, c)]
    assert elapsed(local(3, 9), local(3, 17), HOURS, [(a, c), (b, c)]) == 4 * 3600


def test_the_clock_reading_names_due_soon_and_paused() -> None:
    due = local(7, 15)
    soon = timedelta(hours=4)
    assert read_clock(due, None, local(7, 12), soon).status is ClockStatus.DUE_SOON
    assert read_clock(due, None, local(7, 10), soon).status is ClockStatus.RUNNING
    assert read_clock(due, None, local(7, 16), soon).status is ClockStatus.BREACHED
    assert read_clock(due, None, local(7, 12), soon, paused=True).status is ClockStatus.PAUSED
    assert read_clock(due, local(7, 15), local(8, 9), soon).status is ClockStatus.MET


def test_working_hours_are_parsed_from_settings() -> None:
    assert WorkingHours.parse("", BusinessCalendar("CN"), "Asia/Shanghai") is None
    with pytest.raises(ValueError, match="09:00-17:00"):
        WorkingHours.parse("nine to five", BusinessCalendar("CN"), "Asia/Shanghai")


def test_percentiles_interpolate_like_postgresql() -> None:
    assert percentile([1.0, 2.0, 3.0, 4.0], 0.5) == 2.5
    assert percentile([10.0], 0.9) == 10.0
    assert percentile([], 0.5) is None
