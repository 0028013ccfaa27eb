"""The outbox at payment speed: one-time codes first, nothing sent that is no longer worth
sending, dead letters and their replay, gateway duplicates recorded."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from integrita.cli import common
from integrita.cli.main import app
from integrita.errors import PermissionDeniedError
from integrita.services.core import outbox, users
from integrita.services.core.context import Context
from integrita.services.core.outbox import Priority
from integrita.services.core.outbox_adapters import Delivery, OutgoingMessage
from integrita.services.realtime import challenges, payments
from integrita.settings import get_settings
from integrita.store.repositories import audit as audit_repo
from integrita.store.repositories import outbox as outbox_repo
from tests.conftest import FixedClock, send_csrf_token, sign_in_cli
from tests.realtime.conftest import NOTICE_PARAMS, PASSWORD, RecordingAdapter, decide

Pay = Callable[..., payments.PaymentRequest]


def _enqueue(ctx: Context, key: str, priority: Priority, template: str = "payment_notice") -> int:
    params = (
        {**NOTICE_PARAMS, "secret_code": "123456", "minutes": 5}
        if template == "payment_otp"
        else NOTICE_PARAMS
    )
    with ctx.db.transaction() as session:
        return outbox.enqueue(
            session,
            "sms",
            "13800000009",
            template,
            "en",
            params,
            key,
            at=ctx.now(),
            priority=priority,
        )


def _sign_in(client: TestClient, username: str) -> None:
    response = client.post(
        "/signin",
        data={"username": username, "password": PASSWORD, "next": "/"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    send_csrf_token(client)


def _status(ctx: Context, message_id: int) -> str:
    with ctx.db.transaction() as session:
        row = outbox_repo.get(session, message_id)
        assert row is not None
        return row.status


def test_one_time_codes_are_sent_before_payment_notices_and_notices_before_surveys(
    ctx: Context,
) -> None:
    bulk = [_enqueue(ctx, f"bulk-{i}", Priority.BULK) for i in range(3)]
    notices = [_enqueue(ctx, f"notice-{i}", Priority.PAYMENT_NOTICE) for i in range(3)]
    code = _enqueue(ctx, "code", Priority.ONE_TIME_CODE, "payment_otp")
    adapter = RecordingAdapter()
    first = outbox.dispatch_once(ctx, {"sms": adapter}, limit=4)
    assert first.delivered == 4
    assert [m.message_id for m in adapter.sent] == [code, *notices]
    outbox.dispatch_once(ctx, {"sms": adapter}, limit=4)
    assert [m.message_id for m in adapter.sent][4:] == bulk


def test_payment_decision_queues_its_code_ahead_of_its_notice(bank: Context, payment: Pay) -> None:
    answer = decide(bank, payment(counterparty_type="third_party_personal", new_device=True))
    assert answer["decision"] == "verify"
    adapter = RecordingAdapter()
    outbox.dispatch_once(bank, {"sms": adapter})
    assert [m.idempotency_key for m in adapter.sent] == [
        f"payment:{answer['txn_id']}:payment_otp",
        f"payment:{answer['txn_id']}:payment_notice",
    ]


def test_code_for_a_payment_rejected_on_expiry_is_never_sent(
    bank: Context, payment: Pay, clock: FixedClock
) -> None:
    answer = decide(bank, payment(counterparty_type="third_party_personal", new_device=True))
    key = f"payment:{answer['txn_id']}:payment_otp"
    clock.advance(seconds=301)
    assert challenges.expire_due(bank) == 1
    assert payments.get_decision(bank, answer["txn_id"])["status"] == "rejected"
    adapter = RecordingAdapter()
    result = outbox.dispatch_once(bank, {"sms": adapter})
    assert key not in [m.idempotency_key for m in adapter.sent]
    assert result.expired == 1
    with bank.db.transaction() as session:
        row = outbox_repo.by_key(session, key)
        assert row is not None
        assert (row.status, row.params["secret_code"]) == ("expired", "***")
        assert row.last_error == "its one-time-code challenge is no longer pending"


def test_code_for_a_payment_rejected_after_five_wrong_codes_is_never_sent(
    bank: Context, payment: Pay, clock: FixedClock
) -> None:
    answer = decide(bank, payment(counterparty_type="third_party_personal", new_device=True))
    challenge_id = answer["challenge"]["id"]
    for _ in range(5):
        clock.advance(seconds=2)
        result = challenges.answer(bank, challenge_id, "not-a-code", actor="channel")
    assert result.payment_status == "rejected"
    adapter = RecordingAdapter()
    outbox.dispatch_once(bank, {"sms": adapter})
    assert [m.idempotency_key for m in adapter.sent] == [
        f"payment:{answer['txn_id']}:payment_notice"
    ]
    assert outbox.status(bank)["sms:expired"] == 1


def test_notice_older_than_its_useful_life_is_dropped_and_counted(
    ctx: Context, clock: FixedClock
) -> None:
    stale = _enqueue(ctx, "stale", Priority.PAYMENT_NOTICE)
    survey = _enqueue(ctx, "survey", Priority.BULK)
    clock.advance(seconds=ctx.settings.outbox_notice_useful_life_seconds + 1)
    fresh = _enqueue(ctx, "fresh", Priority.PAYMENT_NOTICE)
    adapter = RecordingAdapter()
    result = outbox.dispatch_once(ctx, {"sms": adapter})
    assert (result.expired, result.delivered) == (1, 2)
    assert sorted(m.message_id for m in adapter.sent) == sorted([survey, fresh])
    assert _status(ctx, stale) == "expired"
    assert outbox.status(ctx) == {"sms:expired": 1, "sms:delivered": 2}


def _dead(ctx: Context, clock: FixedClock, key: str) -> int:
    message_id = _enqueue(ctx, key, Priority.PAYMENT_NOTICE)
    failing = RecordingAdapter(fail_first=100)
    for _ in range(ctx.settings.outbox_max_attempts):
        outbox.dispatch_once(ctx, {"sms": failing})
        clock.advance(hours=7)
        _enqueue(ctx, f"{key}-keepalive-{clock.now.isoformat()}", Priority.BULK)
    assert _status(ctx, message_id) == "dead"
    return message_id


@pytest.fixture
def short_life(ctx: Context) -> Iterator[None]:
    """Backoff reaches 6 hours; keep the dead-letter walk within a notice's useful life."""
    before = ctx.settings.outbox_notice_useful_life_seconds
    ctx.settings.outbox_notice_useful_life_seconds = 10 * 86400
    yield
    ctx.settings.outbox_notice_useful_life_seconds = before


@pytest.mark.usefixtures("short_life")
def test_dead_letter_is_listed_and_replay_delivers_it_with_its_original_key(
    ctx: Context, clock: FixedClock
) -> None:
    message_id = _dead(ctx, clock, "k-dead")
    admin = users.add_user(ctx, "ada", "Ada", None, ["administrator"])
    analyst = users.add_user(ctx, "ann", "Ann", None, ["analyst"])
    letters = outbox.dead_letters(ctx, admin)
    assert [d.id for d in letters] == [message_id]
    assert letters[0].last_error == "gateway unavailable"
    assert letters[0].recipient == "138****09"
    with pytest.raises(PermissionDeniedError):
        outbox.replay(ctx, analyst, [message_id])
    assert outbox.replay(ctx, admin, [message_id]) == [message_id]
    adapter = RecordingAdapter()
    outbox.dispatch_once(ctx, {"sms": adapter}, limit=1000)
    assert _status(ctx, message_id) == "delivered"
    resent = [m for m in adapter.sent if m.message_id == message_id]
    assert [m.idempotency_key for m in resent] == ["k-dead"]
    with ctx.db.transaction() as session:
        events = audit_repo.events_for(session, "outbox_message", str(message_id))
        assert [e.action for e in events] == ["outbox.replayed"]


class AnsweringAdapter:
    """A gateway adapter whose gateway had seen every key before, and gives a receipt."""

    def send(self, message: OutgoingMessage) -> Delivery:
        return Delivery(f"gw-{message.message_id}", duplicate=True, receipt="delivered")


def test_a_repeat_the_gateway_recognised_is_delivered_once_and_flagged(ctx: Context) -> None:
    message_id = _enqueue(ctx, "k-dup", Priority.PAYMENT_NOTICE)
    result = outbox.dispatch_once(ctx, {"sms": AnsweringAdapter()})
    assert (result.delivered, result.duplicates) == (1, 1)
    with ctx.db.transaction() as session:
        row = outbox_repo.get(session, message_id)
        assert row is not None
        assert (row.status, row.duplicate, row.receipt_status) == ("delivered", True, "delivered")
        assert row.provider_ref == f"gw-{message_id}"


@pytest.mark.usefixtures("short_life")
def test_dead_letters_and_replay_from_the_command_line(
    ctx: Context, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    message_id = _dead(ctx, clock, "k-dead-cli")
    monkeypatch.setenv("INTEGRITA_DATABASE_URL", ctx.db.url)
    monkeypatch.setenv("INTEGRITA_DATA_DIR", str(ctx.settings.data_dir))
    monkeypatch.setattr(common.console, "width", 250)
    get_settings.cache_clear()
    cli = CliRunner()
    try:
        sign_in_cli(ctx, monkeypatch, "ada", "administrator")
        listed = cli.invoke(app, ["outbox", "dead-letters"])
        assert listed.exit_code == 0, listed.output
        assert f"{message_id} " in listed.output and "gateway unavailable" in listed.output
        refused = cli.invoke(app, ["outbox", "replay"])
        assert refused.exit_code != 0
        replayed = cli.invoke(app, ["outbox", "replay", str(message_id)])
        assert replayed.exit_code == 0, replayed.output
        assert f"replayed 1 message(s): {message_id}" in replayed.output
        assert _status(ctx, message_id) == "pending"
        sign_in_cli(ctx, monkeypatch, "ann", "analyst")
        assert cli.invoke(app, ["outbox", "replay", "--all"]).exit_code != 0
    finally:
        get_settings.cache_clear()


@pytest.mark.usefixtures("short_life")
def test_dead_letters_page_lists_them_and_an_administrator_replays_one(
    ctx: Context, clock: FixedClock, client: TestClient, make_user: Callable[..., str]
) -> None:
    message_id = _dead(ctx, clock, "k-dead-page")
    make_user("aud", "auditor")
    _sign_in(client, "aud")
    seen = client.get("/outbox/dead-letters")
    assert seen.status_code == 200
    assert "gateway unavailable" in seen.text and "138****09" in seen.text
    assert "Replay</button>" not in seen.text  # an auditor reads, never replays
    assert client.post(f"/outbox/dead-letters/{message_id}/replay").status_code == 403
    make_user("ada", "administrator")
    _sign_in(client, "ada")
    done = client.post(f"/outbox/dead-letters/{message_id}/replay", follow_redirects=True)
    assert done.status_code == 200 and f"message {message_id} replayed" in done.text
    assert "No dead letters." in done.text
    assert _status(ctx, message_id) == "pending"
