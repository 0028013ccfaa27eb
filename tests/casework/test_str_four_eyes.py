"""Regressions of the STR four-eyes bypass: a save that changes nothing made another user the
"last editor", after which the proposer who drafted the report could approve it herself."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from integrita.services.casework import cases, str_reports
from integrita.services.core.context import Context
from integrita.services.core.users import UserView
from integrita.store.repositories import audit as audit_repo
from tests.casework.conftest import alert_for, seed_customer
from tests.casework.test_pages import _browser

PHONE = {"subject.phone_number": "13800138000"}


def _drafted_by_mia(ctx: Context, client: TestClient, token: Callable[..., dict[str, str]]) -> int:
    """mia (analyst and reviewer) proposes 'report'; rob approves the case; mia writes the STR."""
    seed_customer(ctx)
    alert_for(ctx)
    cases.open_cases_from_alerts(ctx)
    mia, rob = token("mia", "analyst", "reviewer"), token("rob", "reviewer")
    proposal = {"action": "propose", "decision": "report", "reason": "structuring"}
    assert client.post("/v1/cases/1/transitions", json=proposal, headers=mia).status_code == 200
    assert (
        client.post("/v1/cases/1/transitions", json={"action": "approve"}, headers=rob).status_code
        == 200
    )
    str_id = int(client.get("/v1/cases/1", headers=mia).json()["reports"][0]["id"])
    edited = client.patch(f"/v1/str/{str_id}", json={"changes": PHONE}, headers=mia)
    assert edited.status_code == 200 and edited.json()["version"] == 2
    return str_id


def _str_events(ctx: Context, str_id: int) -> int:
    with ctx.db.transaction() as session:
        return len(audit_repo.events_for(session, "str", str(str_id)))


def test_an_empty_str_save_through_the_api_does_not_let_the_proposer_approve(
    goaml_ctx: Context, client: TestClient, token: Callable[..., dict[str, str]]
) -> None:
    str_id = _drafted_by_mia(goaml_ctx, client, token)
    lee, rita = token("lee", "analyst"), token("rita", "reviewer")
    before = _str_events(goaml_ctx, str_id)
    empty = client.patch(f"/v1/str/{str_id}", json={"changes": {}}, headers=lee)
    same = client.patch(f"/v1/str/{str_id}", json={"changes": PHONE}, headers=lee)
    assert empty.status_code == same.status_code == 200
    assert same.json()["version"] == 2 and same.json()["drafted_by"] == "mia"
    assert _str_events(goaml_ctx, str_id) == before  # nothing written
    proposer = client.post(
        f"/v1/str/{str_id}/transitions",
        json={"action": "approve", "version": 2},
        headers=_header(goaml_ctx, "mia"),
    )
    assert proposer.status_code == 409
    assert "separation of duties: mia" in proposer.json()["detail"]
    assert client.get(f"/v1/str/{str_id}", headers=lee).json()["status"] == "draft"
    other = client.post(
        f"/v1/str/{str_id}/transitions", json={"action": "approve", "version": 2}, headers=rita
    )
    assert other.status_code == 200 and other.json()["approved_by"] == "rita"


def test_an_empty_str_save_through_the_page_does_not_let_the_proposer_approve(
    goaml_ctx: Context,
    client: TestClient,
    token: Callable[..., dict[str, str]],
    person: Callable[..., UserView],
) -> None:
    str_id = _drafted_by_mia(goaml_ctx, client, token)
    person("lee", "analyst")
    before = _str_events(goaml_ctx, str_id)
    lee = _browser(goaml_ctx, "lee")
    saved = lee.post(f"/str/{str_id}", data={})
    assert saved.status_code == 200  # followed the redirect back to the editor
    page = lee.get(f"/str/{str_id}")
    fields = {"subject.phone_number": "13800138000", "reason": "structuring"}
    lee.post(f"/str/{str_id}", data=fields)  # the same values again: no change either
    assert _str_events(goaml_ctx, str_id) == before and "version 2" in page.text
    mia = _browser(goaml_ctx, "mia")
    editor = mia.get(f"/str/{str_id}")
    assert 'value="approve"' not in editor.text  # not offered to the proposer...
    forged = mia.post(f"/str/{str_id}/transition", data={"action": "approve", "version": "2"})
    assert forged.status_code == 409 and "separation of duties" in forged.text  # ...nor accepted
    assert str_reports.get_str(goaml_ctx, str_id, person("aud", "auditor")).status == "draft"


def test_an_approval_of_an_older_str_version_is_refused(
    goaml_ctx: Context, client: TestClient, token: Callable[..., dict[str, str]]
) -> None:
    str_id = _drafted_by_mia(goaml_ctx, client, token)
    rita, lee = token("rita", "reviewer"), token("lee", "analyst")
    change = {"changes": {"action": "Account frozen pending review."}}
    assert client.patch(f"/v1/str/{str_id}", json=change, headers=lee).json()["version"] == 3
    stale = client.post(
        f"/v1/str/{str_id}/transitions", json={"action": "approve", "version": 2}, headers=rita
    )
    assert stale.status_code == 409 and "version 3" in stale.json()["detail"]
    unnamed = client.post(f"/v1/str/{str_id}/transitions", json={"action": "approve"}, headers=rita)
    assert unnamed.status_code == 409
    fresh = client.post(
        f"/v1/str/{str_id}/transitions", json={"action": "approve", "version": 3}, headers=rita
    )
    assert fresh.status_code == 200 and fresh.json()["status"] == "approved"


def _header(ctx: Context, username: str) -> dict[str, str]:
    from integrita.services.core import users

    return {"authorization": f"Bearer {users.issue_token(ctx, username, 'again')}"}
