"""The MLRO opens the compliance overview in Chromium, and a figure leads to its records."""

from __future__ import annotations

import pytest

from integrita.services.core import users
from integrita.services.core.context import Context
from tests.casework.conftest import PASSWORD
from tests.conftest import FixedClock, LiveServer, console_errors, screenshot
from tests.overview import world

pytestmark = pytest.mark.browser


def test_the_mlro_opens_the_overview_and_a_figure_drills_down_to_as_many_records(
    ctx: Context, clock: FixedClock, live_server: LiveServer, browser: object
) -> None:
    world.build(ctx, clock)
    users.add_user(ctx, "mei", "Mei MLRO", PASSWORD, ["mlro"])
    context = browser.new_context(viewport={"width": 1400, "height": 1000})  # type: ignore[attr-defined]
    page = context.new_page()
    errors = console_errors(page)
    page.goto(f"{live_server.url}/signin?next=/")
    page.fill("input[name=username]", "mei")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.click("nav a[href='/overview']")
    page.wait_for_selector("text=Compliance overview")
    assert page.locator("section.tile").count() == 8  # notifications (outbox) joined the seven
    assert page.locator("svg.bars").count() == 2  # alert volume per week, customers per band
    screenshot(page, "overview-mlro")
    for tile, label in (("large_value", "Overdue"), ("alerts", "Open (not yet in a case)")):
        figure = page.locator(f"#tile-{tile} a.figure", has_text=label).first
        expected = int(figure.get_attribute("data-count") or "-1")
        assert expected > 0
        figure.click()
        page.wait_for_selector("p.total")
        assert page.locator("tr[data-row]").count() == expected
        assert int(page.locator("p.total").get_attribute("data-total") or "-1") == expected
        screenshot(page, f"overview-drill-down-{tile}")
        page.go_back()
        page.wait_for_selector("text=Compliance overview")
    assert errors == []
    context.close()
