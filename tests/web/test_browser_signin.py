from __future__ import annotations

import pytest

from integrita.services.core import users
from integrita.services.core.context import Context
from tests.conftest import LiveServer, console_errors, screenshot

pytestmark = pytest.mark.browser


def test_a_person_signs_in_through_the_browser(
    ctx: Context, live_server: LiveServer, browser: object
) -> None:
    users.add_user(ctx, "ana", "Ana Analyst", "a long test password", ["analyst"])
    context = browser.new_context()  # type: ignore[attr-defined]
    page = context.new_page()
    errors = console_errors(page)
    page.goto(f"{live_server.url}/")
    assert "/signin" in page.url
    page.fill("input[name=username]", "ana")
    page.fill("input[name=password]", "a long test password")
    page.click("button[type=submit]")
    page.wait_for_selector("text=Welcome, Ana Analyst")
    screenshot(page, "web-start-page")
    assert errors == []
    context.close()
