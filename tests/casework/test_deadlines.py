"""STR deadlines on the business calendar: five working days, skipping weekends and holidays."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime

from integrita.domain.calendar import BusinessCalendar
from integrita.domain.casework import CaseAction, Decision
from integrita.services.casework import cases, deadlines
from integrita.services.core.context import Context
from integrita.services.core.users import UserView
from integrita.store.models import LargeValueRecord
from tests.casework.conftest import alert_for


def test_an_str_is_due_five_working_days_after_determination_skipping_weekends() -> None:
    calendar = BusinessCalendar.from_settings("CN")
    # Thursday 2025-03-06 + 5 working days: Fri, Mon, Tue, Wed, Thu -> 2025-03-13.
    assert calendar.due_date(date(2025, 3, 6), 5) == date(2025, 3, 13)


def test_configured_holidays_and_mainland_china_holidays_are_skipped() -> None:
    calendar = BusinessCalendar.from_settings("CN", extra_holidays=["2025-03-07"])
    assert calendar.due_date(date(2025, 3, 6), 5) == date(2025, 3, 14)
    # National Day week 2025: Oct 1-8 off, Sat Sep 28 and Sat Oct 11 are make-up working days.
    china = BusinessCalendar.from_settings("CN")
    assert china.due_date(date(2025, 9, 30), 5) == date(2025, 10, 14)


def test_overdue_and_due_soon_lists(
    ctx: Context, person: Callable[..., UserView], clock: object
) -> None:
    ctx.settings.extra_holidays = ["2025-03-05"]
    alert_for(ctx)
    cases.open_cases_from_alerts(ctx)
    ana, rita = person("ana", "analyst"), person("rita", "reviewer")
    case_id = cases.case_queue(ctx, ana).rows[0].id
    cases.transition(ctx, case_id, CaseAction.PROPOSE, ana, decision=Decision.REPORT, reason="x")
    cases.transition(ctx, case_id, CaseAction.APPROVE, rita)  # Monday 2025-03-03
    report = cases.case_file(ctx, case_id, ana).reports[0]
    assert report.due_on == date(2025, 3, 11)  # the configured holiday on Wednesday is skipped
    with ctx.db.transaction() as session:
        session.add(
            LargeValueRecord(
                txn_id="T-big",
                rule="cash_50000",
                customer_id="C1",
                account_id="A-C1",
                booked_at=datetime(2025, 2, 20, tzinfo=UTC),
                amount_minor=6_000_000,
                currency="CNY",
                amount_cny_minor=6_000_000,
                due_on=date(2025, 2, 25),
            )
        )
    early = deadlines.deadlines(ctx, ana, today=date(2025, 3, 3))
    assert [d.kind for d in early.overdue] == ["LVR"]
    assert early.due_soon == []  # Mar 11 is more than two working days away
    later = deadlines.deadlines(ctx, ana, today=date(2025, 3, 7))
    assert [(d.kind, d.working_days_left) for d in later.due_soon] == [("STR", 2)]
    late = deadlines.deadlines(ctx, ana, today=date(2025, 3, 12))
    assert [d.kind for d in late.overdue] == ["LVR", "STR"]
