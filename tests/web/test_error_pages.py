"""Browsers get error pages in the workbench's layout; the API keeps answering JSON."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from integrita.api.app import create_app
from integrita.services.core import users
from integrita.services.core.context import Context
from tests.conftest import send_csrf_token

PASSWORD = "a long test password"
BROWSER = {"accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


def _browser(ctx: Context, username: str, *roles: str, raise_errors: bool = True) -> TestClient:
    users.add_user(ctx, username, username.title(), PASSWORD, roles)
    client = TestClient(create_app(ctx), headers=BROWSER, raise_server_exceptions=raise_errors)
    signed = client.post("/signin", data={"username": username, "password": PASSWORD, "next": "/"})
    assert signed.status_code in (200, 303)
    send_csrf_token(client)
    return client


def _is_page(response: object, status: int) -> str:
    assert response.status_code == status  # type: ignore[attr-defined]
    assert response.headers["content-type"].startswith("text/html")  # type: ignore[attr-defined]
    text = str(response.text)  # type: ignore[attr-defined]
    assert 'class="error-page"' in text and 'href="/static/integrita.css"' in text
    return text


def test_a_browser_that_lacks_the_role_gets_a_403_page_not_raw_json(ctx: Context) -> None:
    browser = _browser(ctx, "clara", "complaints_officer")
    text = _is_page(browser.get("/cases"), 403)
    assert "You do not have access to this page" in text


def test_a_browser_gets_a_404_page_for_an_unknown_page_and_a_missing_record(ctx: Context) -> None:
    browser = _browser(ctx, "alice", "analyst")
    _is_page(browser.get("/no-such-page"), 404)
    _is_page(browser.get("/cases/999"), 404)


def test_a_browser_gets_a_422_page_for_an_id_above_two_to_the_63(ctx: Context) -> None:
    browser = _browser(ctx, "alice", "analyst")
    text = _is_page(browser.get(f"/cases/{2**63 + 5}"), 422)
    assert "case_id" in text


def test_a_browser_gets_a_500_page_without_a_traceback(
    ctx: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    from integrita.services.casework import cases

    def broken(*args: object, **kwargs: object) -> object:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(cases, "case_queue", broken)
    browser = _browser(ctx, "alice", "analyst", raise_errors=False)
    text = _is_page(browser.get("/cases"), 500)
    assert "secret internals" not in text and "Traceback" not in text
    api = browser.get("/v1/cases")
    assert api.status_code == 500
    assert api.json() == {"error": "InternalError", "detail": "internal error"}


def test_the_api_answers_json_even_to_a_browser(ctx: Context) -> None:
    browser = _browser(ctx, "clara", "complaints_officer")
    refused = browser.get("/v1/cases")
    assert refused.status_code == 403 and refused.json()["error"] == "PermissionDeniedError"


def test_a_page_form_with_a_nul_byte_or_an_overlong_text_gets_a_422_page(ctx: Context) -> None:
    browser = _browser(ctx, "alice", "analyst")
    nul = browser.post("/cases/1/notes", data={"body": "a\x00b"})
    assert "NUL" in _is_page(nul, 422)
    long = browser.post("/cases/1/notes", data={"body": "x" * 8_001})
    assert "at most 8000" in _is_page(long, 422)
