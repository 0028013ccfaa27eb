"""The annual pack's pages: every figure links to a list whose length is the figure; only the
head of compliance sees and uses the publish button."""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi.testclient import TestClient

from integrita.api.app import create_app
from integrita.services.core.context import Context
from tests.conftest import PASSWORD, send_csrf_token
from tests.reporting.seed import YEAR, seed_small_bank


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


def test_every_figure_on_the_page_links_to_as_many_records_as_it_counts(
    ctx: Context, make_user: Callable[..., str]
) -> None:
    seed_small_bank(ctx)
    auditor = _signed_in(ctx, make_user, "audrey", "auditor")
    page = auditor.get(f"/reports/annual?year={YEAR}")
    assert page.status_code == 200
    links = re.findall(r'data-key="([^"]+)" href="([^"]+)">([^<]+)<', page.text)
    assert len(links) >= 15
    counted = 0
    for key, href, shown in links:
        listing = auditor.get(href)
        assert listing.status_code == 200, href
        rows = listing.text.split("<tbody>", 1)[1].count("<tr><td>")
        if "%" not in shown and "." not in shown:  # a count: the list is the records counted
            assert rows == int(shown.replace(",", "")), key
            counted += 1
        else:  # a share or score: the list is its numerator (responses for a score)
            assert rows >= 0
    assert counted >= 10
    assert 'action="/reports/annual/2024/publish"' not in page.text


def test_the_mlro_publishes_from_the_page_and_others_are_refused(
    ctx: Context, make_user: Callable[..., str]
) -> None:
    seed_small_bank(ctx)
    reviewer = _signed_in(ctx, make_user, "rita", "reviewer")
    assert (
        reviewer.post(f"/reports/annual/{YEAR}/publish", follow_redirects=False).status_code == 403
    )
    mlro = _signed_in(ctx, make_user, "mei", "mlro")
    page = mlro.get(f"/reports/annual?year={YEAR}")
    assert f'action="/reports/annual/{YEAR}/publish"' in page.text
    done = mlro.post(f"/reports/annual/{YEAR}/publish", follow_redirects=True)
    assert done.status_code == 200 and "Edition 1 published by mei" in done.text
    pdf = mlro.get(f"/reports/annual/{YEAR}/pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_the_str_figures_page_lists_the_records_of_each_figure(
    ctx: Context, make_user: Callable[..., str]
) -> None:
    seed_small_bank(ctx)
    mlro = _signed_in(ctx, make_user, "mei", "mlro")
    page = mlro.get(f"/reports/str?year={YEAR}")
    assert page.status_code == 200
    for key, count in (
        ("aml.str.handed_over", 4),
        ("aml.str.transferred", 2),
        ("aml.str.filed", 1),
    ):
        section = page.text.split(f'id="{key}"', 1)[1].split("</section>", 1)[0]
        assert section.count("<tr><td>") == count, key
    for register in ("str", "large-value", "product-reviews"):
        pdf = mlro.get(f"/reports/{register}/{YEAR}/pdf")
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF"), register
    agent = _signed_in(ctx, make_user, "cora", "complaints_officer")
    assert agent.get(f"/reports/str?year={YEAR}").status_code == 403
    assert agent.get(f"/reports/str/{YEAR}/pdf").status_code == 403
