"""Issue 20, item 2: each care defect found by a service manager, fixed and pinned by a test."""

from __future__ import annotations

import re
from datetime import date, timedelta

from fastapi.testclient import TestClient

from integrita.api.app import create_app
from integrita.domain.sla import ClockStatus, describe_duration, read_clock
from integrita.services.care import complaints, surveys
from integrita.services.care import sla as care_sla
from integrita.services.core import users
from integrita.services.core.context import Context
from integrita.store.repositories import realtime as realtime_repo
from tests.conftest import FixedClock, send_csrf_token
from tests.services.care_support import (
    DEPARTMENT,
    OFFICER,
    QA,
    complaint_input,
    set_up_care,
)
from tests.services.test_surveys import _active

PASSWORD = "a long test password"
RECTIFICATION = {
    "root_cause": "rims stacked without separators",
    "corrective_action": "replace the 4 rims",
    "preventive_action": "foam separators on the packing line",
    "meeting_record": "analysis meeting: QA, packing",
}


def _signed_in(ctx: Context, username: str, *roles: str) -> TestClient:
    users.add_user(ctx, username, username.title(), PASSWORD, roles)
    client = TestClient(create_app(ctx))
    client.post("/signin", data={"username": username, "password": PASSWORD, "next": "/"})
    send_csrf_token(client)
    return client


def _resolve(ctx: Context, cid: int, satisfaction: int) -> None:
    complaints.transition(ctx, cid, "assign", OFFICER)
    complaints.transition(ctx, cid, "rectify", DEPARTMENT, RECTIFICATION)
    complaints.transition(ctx, cid, "pass_verification", QA, {"note": "checked"})
    complaints.transition(
        ctx, cid, "inform_customer", OFFICER, {"outcome": "fixed", "satisfaction": satisfaction}
    )


def test_an_invalid_complaint_reopened_and_worked_does_not_count_in_p50_p90(
    ctx: Context, clock: FixedClock
) -> None:
    customer = set_up_care(ctx)
    valid = complaints.file_complaint(ctx, complaint_input(customer), OFFICER)
    complaints.transition(ctx, valid, "judge_valid", OFFICER)
    clock.advance(hours=10)
    _resolve(ctx, valid, 5)
    invalid = complaints.file_complaint(ctx, complaint_input(customer), OFFICER)
    complaints.transition(ctx, invalid, "judge_invalid", OFFICER, {"reason": "not ours"})
    complaints.transition(ctx, invalid, "reopen", OFFICER, {"reason": "customer insists"})
    clock.advance(hours=200)
    _resolve(ctx, invalid, 1)
    assert complaints.get_complaint(ctx, invalid).complaint["resolution_seconds"] > 100 * 3600
    [month] = [f for f in care_sla.figures(ctx) if f.department is None]
    # only the valid complaint's 10 hours count; the invalid one's 210 hours would move both
    assert month.resolution_hours_p50 == month.resolution_hours_p90 == 10.0
    assert month.invalid == 1


def test_a_reopen_clears_the_satisfaction_rating_of_the_disputed_outcome(ctx: Context) -> None:
    customer = set_up_care(ctx)
    cid = complaints.file_complaint(ctx, complaint_input(customer), OFFICER)
    complaints.transition(ctx, cid, "judge_valid", OFFICER)
    _resolve(ctx, cid, 5)
    assert complaints.get_complaint(ctx, cid).complaint["satisfaction"] == 5
    complaints.transition(ctx, cid, "reopen", OFFICER, {"reason": "rims still scratched"})
    c = complaints.get_complaint(ctx, cid).complaint
    assert c["satisfaction"] is None and c["outcome"] is None
    [month] = [f for f in care_sla.figures(ctx) if f.department is None]
    assert month.satisfaction_rate is None  # the superseded 5/5 no longer counts
    _resolve(ctx, cid, 2)
    [month] = [f for f in care_sla.figures(ctx) if f.department is None]
    assert month.satisfaction_rate == 0.0 and month.average_satisfaction == 2.0


def test_an_overdue_clock_reads_overdue_by_days_and_hours() -> None:
    from datetime import UTC, datetime

    now = datetime(2025, 3, 3, 9, tzinfo=UTC)
    due = now - timedelta(days=2, hours=3, minutes=20)
    reading = read_clock(due, None, now, timedelta(hours=4))
    assert reading.status is ClockStatus.BREACHED
    assert reading.remaining == "overdue by 2 d 3 h"
    assert (
        read_clock(now + timedelta(hours=5, minutes=20), None, now, timedelta(hours=1)).remaining
        == "5 h 20 min left"
    )
    assert describe_duration(45 * 60) == "45 min"
    assert read_clock(due, now, now, timedelta(hours=4)).remaining is None


def test_the_complaint_page_keeps_paragraphs_and_shows_reasons_and_qa_notes(
    ctx: Context, clock: FixedClock
) -> None:
    customer = set_up_care(ctx)
    text = "First paragraph, line one.\nLine two.\n\nSecond paragraph."
    cid = complaints.file_complaint(ctx, complaint_input(customer, description=text), OFFICER)
    complaints.transition(ctx, cid, "judge_valid", OFFICER)
    complaints.transition(ctx, cid, "assign", OFFICER)
    complaints.transition(ctx, cid, "rectify", DEPARTMENT, RECTIFICATION)
    complaints.transition(ctx, cid, "fail_verification", QA, {"note": "one rim was missed"})
    clock.advance(days=30)
    client = _signed_in(ctx, "olivia", "complaints_officer")
    page = client.get(f"/care/complaints/{cid}").text
    description = re.search(r'id="description">(.*?)</td>', page, re.S)
    assert description is not None
    assert re.findall(r"<p>(.*?)</p>", description.group(1), re.S) == [
        "First paragraph, line one.\nLine two.",
        "Second paragraph.",
    ]
    assert ".multiline { white-space: pre-line; }" in client.get("/static/care.css").text
    history = page[page.index('id="history-table"') :]
    assert "Fail verification" in history and "QA note:</strong> one rim was missed" in history
    assert "Root cause:</strong> rims stacked without separators" in history
    assert "(overdue by 25 d 0 h)" in page  # resolution due 120 h after receipt, 30 days ago
    assert not re.search(r"\(-\d", page)  # no negative hours left


def test_the_desk_shows_totals_and_pages_through_the_queue(ctx: Context, clock: FixedClock) -> None:
    customer = set_up_care(ctx)
    for _ in range(60):
        complaints.file_complaint(ctx, complaint_input(customer), OFFICER)
    clock.advance(days=2)  # every first response is now overdue
    client = _signed_in(ctx, "olivia", "complaints_officer")
    page = client.get("/care").text
    assert "20 of 60 breached shown" in page
    assert "1–50 of 60 complaints" in page and 'href="/care?page_no=2"' in page
    second = client.get("/care?page_no=2").text
    assert "51–60 of 60 complaints" in second and 'rel="next"' not in second
    assert client.get("/care?page_no=0").status_code == 422


def test_survey_pages_show_labels_withhold_scores_below_the_floor_and_flag_segments(
    ctx: Context,
) -> None:
    ids = _active(ctx, {"retail": 10, "elderly": 10})
    with ctx.db.transaction() as session:
        for n, cid in enumerate(ids[:-2]):  # two elderly customers have no contact on file
            realtime_repo.upsert_contact(session, cid, f"1380000{n:04d}", None, "zh")
    sid = surveys.create_survey(ctx, "2025 satisfaction", OFFICER, fraction=1.0, seed=1)
    answers = {"price": 4, "delivery": 5}
    retail = [c for c in ids if c.startswith("RET")]
    elderly = [c for c in ids if c.startswith("ELD")]
    for customer in retail[:9] + elderly[:6]:  # 15 of 20 = 75 %: below the floor
        surveys.record_response(ctx, sid, customer, answers, OFFICER)
    r = surveys.results(ctx, sid)
    assert r.overall is None and all(d.estimate is None for d in r.dimensions)
    assert (
        r.withheld is not None and "15 of 20" in r.withheld and "80% response floor" in r.withheld
    )
    assert r.segment_warnings == ["elderly: 6 of 10 answered (60.0%), below the 80% floor"]
    client = _signed_in(ctx, "quinn", "quality_assurance")
    page = client.get(f"/care/surveys/{sid}").text
    assert "invitation:no_contact" not in page and "invitation:enqueued" not in page
    assert "Invitations not sent (no phone or e-mail on file): 2" in page
    assert "Invitations sent to the outbox: 18" in page
    assert "Scores are not published" in page and "elderly: 6 of 10" in page
    surveys.record_response(ctx, sid, elderly[6], answers, OFFICER)  # 16 of 20 = 80 %
    r = surveys.results(ctx, sid)
    assert r.withheld is None and r.overall is not None
    assert r.segment_warnings == ["elderly: 7 of 10 answered (70.0%), below the 80% floor"]


def test_a_control_due_date_in_the_past_is_refused_with_a_clear_422(
    ctx: Context, make_user: object
) -> None:
    client = TestClient(create_app(ctx))
    pat = make_user("pat", "product_owner")  # type: ignore[operator]
    rita = make_user("rita", "reviewer")  # type: ignore[operator]
    made = client.post(
        "/v1/risk/product-reviews",
        json={
            "kind": "channel",
            "title": "Video KYC",
            "description": "remote onboarding",
            "target_customers": "retail",
            "channels": "mobile",
            "cross_border": False,
            "cash": False,
            "third_party_payments": False,
        },
        headers={"authorization": f"Bearer {pat}"},
    )
    rid = made.json()["id"]
    today = ctx.local_date()
    past = client.post(
        f"/v1/risk/product-reviews/{rid}/opinions",
        json={"text": "liveness", "required_control": "Liveness", "due_on": "2025-01-31"},
        headers={"authorization": f"Bearer {rita}"},
    )
    assert past.status_code == 422
    assert past.json()["field"] == "due_on"
    assert f"is in the past (today is {today.isoformat()})" in str(past.json())
    ok = client.post(
        f"/v1/risk/product-reviews/{rid}/opinions",
        json={"text": "liveness", "required_control": "Liveness", "due_on": today.isoformat()},
        headers={"authorization": f"Bearer {rita}"},
    )
    assert ok.status_code in (200, 201), ok.text
    assert today == date(2025, 3, 3)
