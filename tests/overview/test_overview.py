"""The compliance overview: each figure equals the rows of the list its link opens, dates are the
bank's local dates, only the roles in the policy open it; names beside ids, masked for some."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from integrita.api.app import create_app
from integrita.services.core.context import Context
from integrita.services.core.customer_names import mask, names_for
from integrita.services.core.permissions import SYSTEM_ACTOR
from integrita.services.core.users import UserView
from integrita.services.reporting import overview, stream_status
from tests.casework.conftest import PASSWORD
from tests.conftest import FixedClock, send_csrf_token
from tests.overview import world


def _signed_in(
    ctx: Context, person: Callable[..., UserView], username: str, *roles: str
) -> TestClient:
    person(username, *roles)
    client = TestClient(create_app(ctx))
    response = client.post(
        "/signin", data={"username": username, "password": PASSWORD, "next": "/"}
    )
    assert response.status_code == 200, response.text
    send_csrf_token(client)
    return client


def _rows(html: str) -> int:
    return len(re.findall(r"<tr data-row=", html))


def _rows_for(client: TestClient, link: str) -> int:
    page = client.get(link)
    assert page.status_code == 200, (link, page.text[:300])
    return _rows(page.text)


def test_every_overview_count_equals_the_rows_of_the_list_it_links_to(
    ctx: Context, clock: FixedClock, person: Callable[..., UserView]
) -> None:
    world.build(ctx, clock)
    mlro = _signed_in(ctx, person, "mei", "mlro")
    page = mlro.get("/overview")
    assert page.status_code == 200
    view = overview.overview(ctx, person("mo", "mlro"))
    assert {t.key for t in view.tiles} == {
        "alerts",
        "cases",
        "str",
        "large_value",
        "risk",
        "realtime",
        "care",
        "outbox",
    }
    checked = 0
    for tile in view.tiles:
        for figure in tile.figures():
            assert f'href="{figure.link.replace("&", "&amp;")}"' in page.text, figure
            if figure.count is None:
                continue
            assert _rows_for(mlro, figure.link) == figure.count, figure
            checked += 1
    assert checked >= 40
    counts = {(t.key, f.label): f.count for t in view.tiles for f in t.figures()}
    # the seeded world, counted by hand
    assert counts["alerts", "Open (not yet in a case)"] == 2
    assert counts["alerts", "structuring"] == 1  # the older structuring alert is in a case
    assert counts["alerts", "0–7 days"] == 2
    assert counts["cases", "over 90 days"] == 1
    assert counts["str", "Drafts awaiting approval"] == 2
    assert counts["str", "Past their deadline"] == 1
    assert counts["large_value", "Pending submission"] == 3
    assert counts["large_value", "Overdue"] == 2
    assert counts["realtime", "allow"] in (1, 2)  # last 24 h, then last 7 days
    assert counts["realtime", "Waiting for review"] == 1
    assert counts["care", "Breached and still open"] == 1


def test_the_week_starts_on_the_banks_local_monday(
    ctx: Context, clock: FixedClock, person: Callable[..., UserView]
) -> None:
    from datetime import UTC, datetime

    # Sunday 20:00 UTC is Monday 04:00 in Shanghai: a new local week has begun
    clock.now = datetime(2025, 3, 2, 20, 0, tzinfo=UTC)
    tile = overview.alerts_tile(ctx, person("mo", "mlro"))
    week = next(f for f in tile.figures() if f.label == "Raised this week")
    assert "raised_from=2025-03-03" in week.link and "raised_to=2025-03-03" in week.link


def test_only_the_policy_roles_open_the_overview(
    ctx: Context, person: Callable[..., UserView]
) -> None:
    assert _signed_in(ctx, person, "ana", "analyst").get("/overview").status_code == 403
    assert _signed_in(ctx, person, "cora", "complaints_officer").get("/overview").status_code == 403
    home = _signed_in(ctx, person, "mei", "mlro").get("/")
    assert 'href="/overview"' in home.text


@pytest.mark.parametrize(
    ("name", "masked"),
    [("Zhang Wei", "Z** W**"), ("张伟", "张*"), ("欧阳娜娜", "欧***"), ("X", "X")],
)
def test_a_name_is_masked_to_its_first_characters(name: str, masked: str) -> None:
    assert mask(name) == masked


def test_queues_show_the_name_to_analysts_and_a_masked_name_to_quality_staff(
    ctx: Context, clock: FixedClock, person: Callable[..., UserView]
) -> None:
    world.build(ctx, clock)
    analyst = _signed_in(ctx, person, "ana", "analyst")
    qa = _signed_in(ctx, person, "quinn", "quality_assurance")
    for link in ("/alerts", "/cases", "/strs", "/large-value"):
        full, masked = analyst.get(link).text, qa.get(link).text
        assert "Zhang Wei" in full or "Li Na" in full, link
        assert "Zhang Wei" not in masked and "Li Na" not in masked and "张伟" not in masked, link
        assert "Z** W**" in masked or "L** N**" in masked, link
    assert names_for(ctx, SYSTEM_ACTOR, ["C1"]) == {"C1": "Z** W**"}


def test_record_pages_show_the_name_beside_the_id_masked_for_auditors(
    ctx: Context, clock: FixedClock, person: Callable[..., UserView]
) -> None:
    world.build(ctx, clock)
    reviewer = _signed_in(ctx, person, "rui", "reviewer")
    auditor = _signed_in(ctx, person, "aud", "auditor")
    for link in ("/cases/1", "/payments/decisions", "/risk?band=low"):
        full, masked = reviewer.get(link), auditor.get(link)
        assert full.status_code == masked.status_code == 200, link
        assert "Zhang Wei" in full.text or "Li Na" in full.text or "张伟" in full.text, link
        assert "Zhang Wei" not in masked.text and "张伟" not in masked.text, link
    assert 'id="customer-name">张伟<' in reviewer.get("/cases/1").text
    assert 'id="customer-name">张*<' in auditor.get("/cases/1").text
    officer = _signed_in(ctx, person, "olive", "complaints_officer")
    qa = _signed_in(ctx, person, "quin", "quality_assurance")
    assert 'id="customer-name">Li Na<' in officer.get("/care/complaints/2").text
    assert 'id="customer-name">L** N**<' in qa.get("/care/complaints/2").text


@pytest.mark.parametrize(
    ("link", "message"),
    [
        ("/alerts?raised_from=2025-02-30", "raised_from must be a date"),
        ("/cases?opened_to=0001-01-01", "opened_to must fall between"),
        ("/strs?status=lost", "unknown STR status"),
        ("/large-value?overdue=yes", "overdue must be true or false"),
        ("/payments/decisions?within_hours=5", "within_hours must be 24 or 168"),
    ],
)
def test_a_bad_filter_is_named_on_the_page_not_a_server_error(
    ctx: Context, person: Callable[..., UserView], link: str, message: str
) -> None:
    page = _signed_in(ctx, person, "mei", "mlro").get(link)
    assert page.status_code == 200 and message in page.text


def test_a_nul_byte_in_a_filter_is_refused(ctx: Context, person: Callable[..., UserView]) -> None:
    mlro = _signed_in(ctx, person, "mei", "mlro")
    assert mlro.get("/alerts?typology=a%00b").status_code == 422
    assert mlro.get("/payments/decisions?decision=%00").status_code == 422


async def _publish_to_fresh_stream(ctx: Context, bodies: list[bytes]) -> None:
    import nats

    from integrita.services.ingest import stream

    nc = await nats.connect(ctx.settings.nats_url)
    try:
        js = nc.jetstream()
        await stream._ensure_stream(js, ctx.settings)
        for body in bodies:
            await js.publish(ctx.settings.stream_subject, body)
    finally:
        await nc.close()


async def _drop_stream(ctx: Context) -> None:
    import nats

    nc = await nats.connect(ctx.settings.nats_url)
    try:
        await nc.jetstream().delete_stream(ctx.settings.stream_name)
    finally:
        await nc.close()


def test_the_overview_shows_how_far_the_ledger_is_behind_the_transaction_stream(
    ctx: Context, person: Callable[..., UserView]
) -> None:
    import socket
    import uuid

    from integrita.services.core.event_loop import run_to_completion
    from tests.conftest import require

    try:
        socket.create_connection(("127.0.0.1", 4222), timeout=1).close()
    except OSError:
        require(False, "NATS JetStream is not reachable at 127.0.0.1:4222")
    tag = uuid.uuid4().hex[:10]
    ctx.settings.stream_name = f"OV{tag}"
    ctx.settings.stream_subject = f"ov{tag}.executed"
    ctx.settings.stream_dead_letter_subject = f"ov{tag}.dead"
    mlro = _signed_in(ctx, person, "mei", "mlro")
    assert "stream-lag" not in mlro.get("/overview").text  # no stream: nothing to show
    run_to_completion(_publish_to_fresh_stream(ctx, [b"{}", b"{}", b"{}"]))
    stream_status.forget()  # the figure is reused for a few seconds; ask again now
    try:
        page = mlro.get("/overview").text
        assert 'data-lag="3"' in page
        assert f"Ledger stream OV{tag}: 3 message(s) not yet in the ledger" in page
    finally:
        run_to_completion(_drop_stream(ctx))
