from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from integrita.services.core.context import Context
from integrita.store.repositories import audit as audit_repo
from tests.conftest import PASSWORD


def test_signed_in_person_sees_the_start_page(
    client: TestClient, make_user: Callable[..., str]
) -> None:
    make_user("ana", "analyst")
    response = client.post(
        "/signin",
        data={"username": "ana", "password": PASSWORD, "next": "/"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    page = client.get("/")
    assert page.status_code == 200
    assert "Welcome, Ana" in page.text


def test_anonymous_page_request_is_sent_to_sign_in(client: TestClient) -> None:
    response = client.get("/", headers={"accept": "text/html"}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/signin")


def test_repeated_failed_sign_ins_lock_the_account_and_are_audited(
    ctx: Context, client: TestClient, make_user: Callable[..., str]
) -> None:
    make_user("rita", "reviewer")
    for _ in range(ctx.settings.sign_in_max_failures):
        bad = client.post("/signin", data={"username": "rita", "password": "wrong guess!!"})
        assert bad.status_code == 401
    locked = client.post(
        "/signin", data={"username": "rita", "password": PASSWORD}, follow_redirects=False
    )
    assert locked.status_code == 401
    assert "locked" in locked.text
    with ctx.db.transaction() as session:
        actions = [e.action for e in audit_repo.iter_events(session)]
    assert actions.count("auth.sign_in_failed") == ctx.settings.sign_in_max_failures
    assert "auth.sign_in_refused_locked" in actions


def test_sign_in_does_not_redirect_off_site(
    client: TestClient, make_user: Callable[..., str]
) -> None:
    make_user("ana", "analyst")
    response = client.post(
        "/signin",
        data={"username": "ana", "password": PASSWORD, "next": "//evil.example"},
        follow_redirects=False,
    )
    assert response.headers["location"] == "/"
