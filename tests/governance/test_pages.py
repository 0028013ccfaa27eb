"""Governance pages: a register's list with filters, filing from the form, a four-eyes step,
the record's history, CSV import with quarantine, the audited identity view."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from integrita.api.app import create_app
from integrita.services.core.context import Context
from tests.conftest import PASSWORD, send_csrf_token


def _signed_in(
    ctx: Context, make_user: Callable[..., str], username: str, *roles: str
) -> TestClient:
    make_user(username, *roles)
    client = TestClient(create_app(ctx))
    response = client.post(
        "/signin",
        data={"username": username, "password": PASSWORD, "next": "/"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    send_csrf_token(client)
    return client


def test_a_supplier_is_filed_filtered_and_qualified_by_a_second_person_on_the_pages(
    ctx: Context, make_user: Callable[..., str]
) -> None:
    ana = _signed_in(ctx, make_user, "ana", "analyst")
    rita = _signed_in(ctx, make_user, "rita", "reviewer")
    filed = ana.post(
        "/governance/supplier",
        data={
            "f_code": "S01",
            "f_name": "Luoyang Bearings",
            "f_country": "CN",
            "f_province": "Henan",
            "f_city": "Luoyang",
            "f_category": "parts",
            "f_csr_clauses": "yes",
        },
        follow_redirects=False,
    )
    assert filed.status_code == 303
    record_path = filed.headers["location"].split("?")[0]
    own = ana.get(record_path)
    assert 'value="qualify"' not in own.text  # an analyst is offered no approval
    imported = ana.post(
        "/governance/supplier/import",
        data={
            "csv_text": "code,name,land,category,csr_clauses\nS02,Jinan Steel,CN,steel,no\nS03,Bad,CN,steel,maybe\n",
            "mapping": "country=land",
        },
    )
    assert "read 2 = stored 1 + duplicates 0 + quarantined 1" in imported.text
    assert "line 3" in imported.text
    listing = ana.get("/governance/supplier", params={"category": "steel"})
    assert "Jinan Steel" in listing.text and "Luoyang Bearings" not in listing.text
    refused = ana.post(f"{record_path}/step", data={"action": "qualify", "version": "1"})
    assert "needs one of the roles" in refused.text
    page = rita.get(record_path)
    assert 'value="qualify"' in page.text
    done = rita.post(f"{record_path}/step", data={"action": "qualify", "version": "1"})
    assert "qualify: done" in done.text and ">qualified<" in done.text
    assert "rita" in done.text.split('id="history"')[1]
    for person, done_ in (("ed", True), ("eva", False)):
        rec = (
            ana.post(
                "/governance/training",
                data={
                    "f_course": "Anti-bribery",
                    "f_employee": person,
                    "f_unit": "Retail",
                    "f_year": "2025",
                },
                follow_redirects=False,
            )
            .headers["location"]
            .split("?")[0]
        )
        if done_:
            ana.post(f"{rec}/step", data={"action": "complete", "version": "1"})
    overview = rita.get("/governance")
    assert "100.00 %" in overview.text  # the one qualified supplier is in Luoyang
    training = overview.text.split('id="training"')[1].split("</section>")[0]
    assert "Retail" in training and "50.00 %" in training


def test_the_reporter_identity_is_shown_only_on_an_audited_request(
    ctx: Context, make_user: Callable[..., str]
) -> None:
    rita = _signed_in(ctx, make_user, "rita", "reviewer")
    mona = _signed_in(ctx, make_user, "mona", "mlro")
    filed = rita.post(
        "/governance/whistleblowing_report",
        data={
            "f_intake_ref": "WB-9",
            "f_received_on": "2025-03-01",
            "f_channel": "web",
            "f_allegation": "expense fraud",
            "f_reporter_identity": "Li Na",
        },
    )
    assert "Li Na" not in filed.text and "(withheld)" in filed.text
    path = str(filed.url).split("?")[0]
    assert "Show (audited)" not in filed.text
    shown = mona.post(f"{path}/reveal", data={"field": "reporter_identity"})
    assert '<strong id="revealed">Li Na</strong>' in shown.text
    assert "viewed reporter identity" in shown.text


def test_a_refused_filing_comes_back_to_the_register_naming_the_field(
    ctx: Context, make_user: Callable[..., str]
) -> None:
    ana = _signed_in(ctx, make_user, "ana", "analyst")
    refused = ana.post(
        "/governance/supplier", data={"f_code": "S02", "f_name": "x" * 5000}, follow_redirects=False
    )
    assert refused.status_code == 303
    assert refused.headers["location"] == (
        "/governance/supplier?error=name%3A%20Name%20is%20longer%20than%204000%20characters"
    )
    assert "name: Name is longer than 4000 characters" in ana.get(refused.headers["location"]).text
