"""Statutory and reporting dates are the bank's local dates (Asia/Shanghai), on both sides of midnight.

Each test runs with the clock at Sunday 23:30 UTC (Monday 07:30 in Shanghai) and at
Monday 00:30 in Shanghai (Sunday 16:30 UTC): the UTC date is Sunday in both, the
bank's date Monday. Counting from the UTC date, as the old code did, fails them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from integrita.api.app import create_app
from integrita.domain.casework import CaseAction, Decision
from integrita.domain.workflow import Actor
from integrita.services.casework import cases, str_reports
from integrita.services.core import audit, calendar_years
from integrita.services.core.context import Context
from integrita.services.core.users import UserView
from integrita.store.repositories import cases as cases_repo
from tests.casework.conftest import alert_for, seed_customer
from tests.conftest import FixedClock

SUNDAY_2330_UTC = datetime(2025, 3, 2, 23, 30, tzinfo=UTC)  # Monday 07:30 in Shanghai
MONDAY_0030_LOCAL = datetime(2025, 3, 2, 16, 30, tzinfo=UTC)  # Monday 00:30 in Shanghai

OPS = Actor("ops", frozenset({"administrator"}))


@pytest.fixture(params=[SUNDAY_2330_UTC, MONDAY_0030_LOCAL], ids=["23:30 UTC", "00:30 local"])
def around_midnight(request: pytest.FixtureRequest, clock: FixedClock) -> datetime:
    clock.now = request.param
    return clock.now


@pytest.fixture
def api(ctx: Context) -> TestClient:
    return TestClient(create_app(ctx))


def _headers(token: Callable[..., dict[str, str]], name: str, role: str) -> dict[str, str]:
    return token(name, role)


def _str_decided_now(ctx: Context, person: Callable[..., UserView]) -> int:
    seed_customer(ctx)
    alert_for(ctx)
    cases.open_cases_from_alerts(ctx)
    ana, rita = person("ana", "analyst"), person("rita", "reviewer")
    case_id = cases.case_queue(ctx, ana).rows[0].id
    cases.transition(ctx, case_id, CaseAction.PROPOSE, ana, decision=Decision.REPORT, reason="x")
    cases.transition(ctx, case_id, CaseAction.APPROVE, rita)
    return cases.case_file(ctx, case_id, ana).reports[0].id


def test_an_str_decided_monday_morning_in_shanghai_is_due_counting_from_monday(
    ctx: Context,
    around_midnight: datetime,
    person: Callable[..., UserView],
    api: TestClient,
    token: Callable[..., dict[str, str]],
) -> None:
    str_id = _str_decided_now(ctx, person)
    got = api.get(f"/v1/str/{str_id}", headers=token("mo", "mlro")).json()
    # Monday 2025-03-03 + 5 working days = Monday 2025-03-10 (from Sunday it was Friday the 7th).
    assert got["due_on"] == "2025-03-10"


def test_today_on_the_deadlines_api_is_the_banks_date(
    ctx: Context,
    around_midnight: datetime,
    person: Callable[..., UserView],
    api: TestClient,
    token: Callable[..., dict[str, str]],
) -> None:
    _str_decided_now(ctx, person)
    got = api.get("/v1/deadlines", headers=token("mo", "mlro")).json()
    assert got["today"] == "2025-03-03"
    assert [d["working_days_left"] for d in got["later"]] == [5]


@pytest.mark.parametrize("today", ["9999-12-31", "0001-01-01", "2027-06-01"])
def test_deadlines_for_a_day_outside_the_known_years_are_a_422_naming_the_day(
    ctx: Context, api: TestClient, token: Callable[..., dict[str, str]], today: str
) -> None:
    """How quickly the refusal comes (it once walked the calendar to the year 9999) is timed by
    ``benchmarks/deadlines.py`` (``refused_422_seconds_median``) on a quiet machine; a wall-clock bound here
    flaked on a loaded CI machine."""
    headers = token("mo", "mlro")
    assert api.get("/v1/deadlines?today=2025-03-03", headers=headers).status_code == 200
    got = api.get(f"/v1/deadlines?today={today}", headers=headers)
    assert got.status_code == 422
    assert "today" in got.text
    if today.startswith("2027"):  # within the field's bounds: the calendar itself refuses it
        assert "calendar load" in got.text


def test_the_deadlines_warn_a_month_before_a_year_that_is_not_loaded(
    ctx: Context,
    clock: FixedClock,
    api: TestClient,
    token: Callable[..., dict[str, str]],
    tmp_path: Path,
) -> None:
    headers = token("mo", "mlro")
    clock.now = datetime(2026, 11, 20, 2, tzinfo=UTC)
    assert api.get("/v1/deadlines", headers=headers).json()["calendar_warning"] is None
    clock.now = datetime(2026, 12, 6, 2, tzinfo=UTC)
    warning = api.get("/v1/deadlines", headers=headers).json()["calendar_warning"]
    assert "2027" in warning
    listing = tmp_path / "2027.csv"
    listing.write_text("date,kind,name\n2027-01-01,holiday,New Year\n2027-02-06,working_day,x\n")
    assert calendar_years.load(ctx, listing, actor=OPS) == [2027]
    assert api.get("/v1/deadlines", headers=headers).json()["calendar_warning"] is None


def test_report_years_are_the_banks_years(
    ctx: Context,
    person: Callable[..., UserView],
    api: TestClient,
    token: Callable[..., dict[str, str]],
) -> None:
    str_id = _str_decided_now(ctx, person)
    with ctx.db.transaction() as session:
        report = cases_repo.get_str(session, str_id)
        assert report is not None
        report.status = "submitted"
        # 2026-01-01 00:30 in Shanghai: a 2026 submission although it is 2025 in UTC.
        report.submitted_at = datetime(2025, 12, 31, 16, 30, tzinfo=UTC)
    headers = token("mo", "mlro")
    assert api.get("/v1/reports/str?year=2025", headers=headers).json()["strs_submitted"] == 0
    assert api.get("/v1/reports/str?year=2026", headers=headers).json()["strs_submitted"] == 1


def test_audit_day_filters_are_the_banks_days(
    ctx: Context, api: TestClient, token: Callable[..., dict[str, str]]
) -> None:
    headers = token("auditor", "auditor")
    with ctx.db.transaction() as session:
        audit.record(
            session,
            at=SUNDAY_2330_UTC,
            actor="x",
            action="probe.local_day",
            entity_type="probe",
            entity_id=1,
        )
    monday = api.get("/v1/audit?action=probe&since=2025-03-03&until=2025-03-03", headers=headers)
    sunday = api.get("/v1/audit?action=probe&since=2025-03-02&until=2025-03-02", headers=headers)
    assert [e["action"] for e in monday.json()] == ["probe.local_day"]
    assert sunday.json() == []


def test_goaml_dates_are_written_on_the_banks_clock_with_its_offset(
    ctx: Context, around_midnight: datetime, person: Callable[..., UserView]
) -> None:
    str_id = _str_decided_now(ctx, person)
    with ctx.db.transaction() as session:
        report = cases_repo.get_str(session, str_id)
        assert report is not None
        xml = str_reports.report_xml(ctx, report).decode()
    local = around_midnight.astimezone(ctx.zone).replace(microsecond=0).isoformat()
    assert f"<submission_date>{local}</submission_date>" in xml
    assert local.startswith("2025-03-03T") and local.endswith("+08:00")


# -- dates supplied by clients ----------------------------------------------------------------


def _submitted(ctx: Context, str_id: int, at: datetime) -> None:
    with ctx.db.transaction() as session:
        report = cases_repo.get_str(session, str_id)
        assert report is not None
        report.status, report.approved_at, report.approved_by = "approved", at, "rita"
        report.submitted_at, report.status = at, "submitted"


def _move(api: TestClient, headers: dict[str, str], str_id: int, **body: object) -> object:
    return api.post(f"/v1/str/{str_id}/transitions", json=body, headers=headers)


def test_an_str_cannot_be_marked_submitted_before_it_was_determined(
    ctx: Context,
    person: Callable[..., UserView],
    api: TestClient,
    token: Callable[..., dict[str, str]],
) -> None:
    str_id = _str_decided_now(ctx, person)
    with ctx.db.transaction() as session:
        report = cases_repo.get_str(session, str_id)
        assert report is not None
        report.status, report.approved_at, report.approved_by = "approved", ctx.now(), "rita"
    got = _move(
        api,
        token("mo", "mlro"),
        str_id,
        action="submit",
        reference="FIU-1",
        on="2020-01-01T09:00:00+08:00",
    )
    assert got.status_code == 422  # type: ignore[attr-defined]
    body = got.json()  # type: ignore[attr-defined]
    assert "on" in str(body) and "its approval" in str(body)


def test_an_str_cannot_be_approved_before_it_was_determined(
    ctx: Context,
    person: Callable[..., UserView],
    api: TestClient,
    token: Callable[..., dict[str, str]],
) -> None:
    str_id = _str_decided_now(ctx, person)
    earlier = (ctx.now() - timedelta(days=3)).isoformat()
    got = _move(api, token("rev2", "reviewer"), str_id, action="approve", on=earlier)
    assert got.status_code == 422  # type: ignore[attr-defined]
    assert "its determination" in got.text  # type: ignore[attr-defined]


def test_an_str_cannot_be_transferred_in_the_future(
    ctx: Context,
    person: Callable[..., UserView],
    api: TestClient,
    token: Callable[..., dict[str, str]],
) -> None:
    str_id = _str_decided_now(ctx, person)
    _submitted(ctx, str_id, ctx.now())
    headers = token("mo", "mlro")
    future = (ctx.now() + timedelta(days=2)).isoformat()
    got = _move(api, headers, str_id, action="transfer", authority="PSB", on=future)
    assert got.status_code == 422  # type: ignore[attr-defined]
    assert "after now" in got.text  # type: ignore[attr-defined]
    # a date between the submission and now (within the skew) is accepted
    ok = _move(api, headers, str_id, action="acknowledge", reference="R", on=ctx.now().isoformat())
    assert ok.status_code == 200, ok.text  # type: ignore[attr-defined]


def test_the_str_figures_count_on_time_by_the_local_submission_day(
    ctx: Context, around_midnight: datetime, person: Callable[..., UserView]
) -> None:
    str_id = _str_decided_now(ctx, person)
    # Submitted at 2025-03-10 00:30 in Shanghai, the due day: on time (in UTC it is the 9th,
    # which would also be on time; so check the other side: the 11th 00:30 local is late).
    _submitted(ctx, str_id, datetime(2025, 3, 10, 16, 30, tzinfo=UTC))  # 11th 00:30 local
    figures = str_reports.year_figures(ctx, 2025)
    assert figures.strs_submitted == 1 and figures.strs_submitted_on_time == 0
    assert date(2025, 3, 10) == cases_repo_due(ctx, str_id)


def cases_repo_due(ctx: Context, str_id: int) -> date:
    with ctx.db.transaction() as session:
        report = cases_repo.get_str(session, str_id)
        assert report is not None
        return report.due_on


def test_the_deadlines_page_warns_in_december_when_next_year_is_not_loaded(
    ctx: Context, clock: FixedClock, person: Callable[..., UserView]
) -> None:
    from tests.casework.test_pages import _browser

    person("mo", "mlro")
    clock.now = datetime(2026, 12, 6, 2, tzinfo=UTC)  # before signing in: sessions expire
    browser = _browser(ctx, "mo")
    page = browser.get("/deadlines")
    assert page.status_code == 200
    assert 'id="calendar-warning"' in page.text and "does not know 2027" in page.text
    assert "as of 2026-12-06" in page.text
