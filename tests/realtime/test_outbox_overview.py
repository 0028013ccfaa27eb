"""Issue 22, item 1: the overview shows the outbox's backlog by priority and its dead letters,
and the dead-letter page lists as many rows as the overview counts (and replays one)."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from integrita.api.app import create_app
from integrita.domain.permissions import Permission
from integrita.services.core import outbox, users
from integrita.services.core.context import Context
from integrita.services.core.outbox import Priority
from integrita.services.core.permissions import permitted
from integrita.services.reporting import overview
from tests.conftest import FixedClock, send_csrf_token
from tests.realtime.conftest import NOTICE_PARAMS, PASSWORD, RecordingAdapter


def _enqueue(ctx: Context, key: str, priority: Priority) -> int:
    with ctx.db.transaction() as session:
        return outbox.enqueue(
            session, "sms", "13800000009", "payment_notice", "en", NOTICE_PARAMS, key,
            at=ctx.now(), priority=priority,
        )  # fmt: skip


def _one_dead_letter(ctx: Context, clock: FixedClock) -> int:
    message_id = _enqueue(ctx, "dies", Priority.BULK)
    failing = RecordingAdapter(fail_first=100)
    for _ in range(ctx.settings.outbox_max_attempts):
        outbox.dispatch_once(ctx, {"sms": failing})
        clock.advance(seconds=3600)
    return message_id


def _signed_in(ctx: Context, username: str, role: str) -> TestClient:
    users.add_user(ctx, username, username.title(), PASSWORD, [role])
    client = TestClient(create_app(ctx))
    answer = client.post("/signin", data={"username": username, "password": PASSWORD, "next": "/"})
    assert answer.status_code == 200, answer.text
    send_csrf_token(client)
    return client


def test_the_overview_counts_waiting_messages_by_priority_and_the_dead_letters(
    ctx: Context, clock: FixedClock
) -> None:
    dead_id = _one_dead_letter(ctx, clock)
    for i in range(3):
        _enqueue(ctx, f"notice-{i}", Priority.PAYMENT_NOTICE)
    _enqueue(ctx, "code", Priority.ONE_TIME_CODE)
    mlro = users.add_user(ctx, "mo", "Mo", PASSWORD, ["mlro"])
    (tile,) = [t for t in overview.overview(ctx, mlro).tiles if t.key == "outbox"]
    shown = {f.label: (f.count if f.count is not None else f.text) for f in tile.figures()}
    assert shown == {
        "One-time codes": "1",
        "Payment notices": "3",
        "Bulk (surveys)": "0",
        "Dead letters": 1,
    }
    auditor = _signed_in(ctx, "audrey", "auditor")
    page = auditor.get("/outbox/dead-letters")
    assert page.status_code == 200
    assert re.findall(r'<tr data-row="(\d+)"', page.text) == [str(dead_id)]
    assert "payment notices <strong>3</strong>" in page.text
    home = auditor.get("/overview")
    assert home.status_code == 200 and 'id="tile-outbox"' in home.text


def test_the_outbox_tile_is_shown_only_to_those_who_may_open_the_dead_letters(
    ctx: Context,
) -> None:
    needed = {tile.__name__: p for p, tile in overview.TILES}["outbox_tile"]
    assert needed == Permission.OUTBOX_READ
    analyst = users.add_user(ctx, "ana", "Ana", PASSWORD, ["analyst"])
    assert not permitted(analyst, needed)


def test_an_administrator_replays_a_dead_letter_from_its_page_and_it_is_sent_again(
    ctx: Context, clock: FixedClock
) -> None:
    dead_id = _one_dead_letter(ctx, clock)
    admin = _signed_in(ctx, "adm", "administrator")
    page = admin.get("/outbox/dead-letters")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    replayed = admin.post(
        f"/outbox/dead-letters/{dead_id}/replay", data={"csrf_token": token.group(1)}
    )
    assert replayed.status_code == 200 and f"message {dead_id} replayed" in replayed.text
    sender = RecordingAdapter()
    assert outbox.dispatch_once(ctx, {"sms": sender}).delivered == 1
    assert [m.message_id for m in sender.sent] == [dead_id]
