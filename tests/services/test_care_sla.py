from __future__ import annotations

from datetime import timedelta

from integrita.services.care import complaints
from integrita.services.care import sla as care_sla
from integrita.services.core.context import Context
from integrita.settings import Settings
from tests.conftest import FixedClock
from tests.services.care_support import OFFICER, complaint_input, set_up_care


def test_the_first_response_is_due_24_hours_after_receipt(ctx: Context, clock: FixedClock) -> None:
    customer = set_up_care(ctx)
    cid = complaints.file_complaint(ctx, complaint_input(customer), OFFICER)
    c = complaints.get_complaint(ctx, cid).complaint
    assert c["first_response_due_at"] == clock.now + timedelta(hours=24)
    assert c["resolution_due_at"] == clock.now + timedelta(hours=120)  # severity high


def test_the_sweep_detects_a_breach_exactly_at_the_boundary(
    ctx: Context, clock: FixedClock
) -> None:
    customer = set_up_care(ctx)
    cid = complaints.file_complaint(ctx, complaint_input(customer), OFFICER)
    clock.advance(hours=24)
    at_boundary = care_sla.sweep(ctx)
    assert at_boundary.first_response_breaches == 0
    assert [c["id"] for c in care_sla.due_soon(ctx)] == [cid]
    clock.advance(microseconds=1)
    past = care_sla.sweep(ctx)
    assert past.first_response_breaches == 1
    assert past.escalations == {"first_response": 1, "resolution": 0}
    assert [c["id"] for c in care_sla.breached(ctx)] == [cid]
    again = care_sla.sweep(ctx)  # a breach is escalated once
    assert again.escalations == {"first_response": 0, "resolution": 0}


def test_a_response_one_moment_late_counts_against_the_on_time_rate(
    ctx: Context, clock: FixedClock
) -> None:
    customer = set_up_care(ctx)
    on_time = complaints.file_complaint(ctx, complaint_input(customer), OFFICER)
    late = complaints.file_complaint(ctx, complaint_input(customer), OFFICER)
    clock.advance(hours=24)
    complaints.transition(ctx, on_time, "judge_valid", OFFICER)
    clock.advance(microseconds=1)
    complaints.transition(ctx, late, "judge_valid", OFFICER)
    overall = next(f for f in care_sla.figures(ctx) if f.department is None)
    assert overall.on_time_first_response_rate == 0.5
    assert overall.first_response_breaches == 1


def test_a_paused_clock_does_not_breach_and_resumes_with_a_later_deadline(
    ctx: Context, clock: FixedClock
) -> None:
    customer = set_up_care(ctx)
    cid = complaints.file_complaint(ctx, complaint_input(customer), OFFICER)
    received = clock.now
    clock.advance(hours=1)
    complaints.pause_clock(ctx, cid, "asked for photos of the rims", OFFICER)
    clock.advance(hours=30)
    assert care_sla.sweep(ctx).first_response_breaches == 0
    complaints.resume_clock(ctx, cid, OFFICER)
    c = complaints.get_complaint(ctx, cid).complaint
    assert c["first_response_due_at"] == received + timedelta(hours=54)
    assert c["paused_since"] is None


def test_on_a_business_calendar_a_weekend_does_not_count(ctx: Context, clock: FixedClock) -> None:
    ctx.settings = Settings(
        data_dir=ctx.settings.data_dir,
        database_url=ctx.settings.database_url,
        care_working_hours="09:00-17:00",
        care_first_response_hours=8,
    )
    customer = set_up_care(ctx)
    # Friday 7 March 2025 16:00 in Shanghai = 08:00 UTC.
    clock.now = clock.now.replace(day=7, hour=8)
    cid = complaints.file_complaint(ctx, complaint_input(customer), OFFICER)
    c = complaints.get_complaint(ctx, cid).complaint
    # 1 h on Friday, 7 h on Monday 10 March -> 16:00 Shanghai = 08:00 UTC.
    assert c["first_response_due_at"] == clock.now.replace(day=10, hour=8)


def test_an_overdue_resolution_is_escalated_once_to_the_department_head(
    ctx: Context, clock: FixedClock
) -> None:
    customer = set_up_care(ctx)
    cid = complaints.file_complaint(ctx, complaint_input(customer), OFFICER)
    complaints.transition(ctx, cid, "judge_valid", OFFICER)
    complaints.transition(ctx, cid, "assign", OFFICER)
    clock.advance(hours=120, microseconds=1)  # severity high: 120 h to resolve
    assert care_sla.sweep(ctx).escalations == {"first_response": 0, "resolution": 1}
    assert care_sla.sweep(ctx).escalations == {"first_response": 0, "resolution": 0}
    (escalation,) = care_sla.escalations(ctx)
    assert (escalation["complaint_id"], escalation["kind"]) == (cid, "resolution")
    assert (escalation["department"], escalation["head"]) == ("quality", "harry")
