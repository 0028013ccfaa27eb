"""The notification outbox: one delivery per notification, retries with backoff, dead letters,
a crash between sending and recording, and the real SMTP and webhook adapters."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from integrita.services.core import outbox
from integrita.services.core.context import Context
from integrita.services.core.outbox_adapters import (
    DeliveryError,
    OutgoingMessage,
    SmtpAdapter,
    WebhookSmsAdapter,
)
from integrita.services.realtime import payments
from integrita.store.repositories import outbox as outbox_repo
from tests.conftest import FixedClock
from tests.realtime.conftest import RecordingAdapter, decide

Pay = Callable[..., payments.PaymentRequest]


def _enqueue(ctx: Context, key: str, **params: object) -> int:
    with ctx.db.transaction() as session:
        return outbox.enqueue(
            session,
            "sms",
            "13800000009",
            "payment_notice",
            "en",
            {
                "account_tail": "0001",
                "amount": "1.00",
                "currency": "CNY",
                "kind": "transfer",
                "to_name": "X",
                "time": "now",
                **params,
            },
            key,
            at=ctx.now(),
        )


def test_enqueue_is_idempotent_on_its_key(ctx: Context) -> None:
    assert _enqueue(ctx, "k1") == _enqueue(ctx, "k1")
    with ctx.db.transaction() as session:
        assert len(outbox_repo.all_messages(session)) == 1


def test_dispatcher_delivers_each_notification_once(bank: Context, payment: Pay) -> None:
    decide(bank, payment(to_bank="B999", amount="60000"))
    decide(bank, payment(from_account="A3", to_bank="B999", amount="70000"))
    sms, email = RecordingAdapter(), RecordingAdapter()
    result = outbox.dispatch_once(bank, {"sms": sms, "email": email})
    again = outbox.dispatch_once(bank, {"sms": sms, "email": email})
    assert (result.delivered, again.claimed) == (2, 0)
    assert [m.recipient for m in sms.sent] == ["13800000001"]
    assert [m.recipient for m in email.sent] == ["finance@hua.example"]
    assert "60,000.00 CNY" in sms.sent[0].body  # Chinese template for C1
    assert "交易" in sms.sent[0].subject
    assert email.sent[0].subject == "Payment notice"  # English for C3
    assert outbox.status(bank) == {"sms:delivered": 1, "email:delivered": 1}


def test_failed_delivery_is_retried_with_backoff_then_dead_lettered(
    ctx: Context, clock: FixedClock
) -> None:
    message_id = _enqueue(ctx, "k-retry")
    failing = RecordingAdapter(fail_first=100)
    first = outbox.dispatch_once(ctx, {"sms": failing})
    assert first.retried == 1
    assert outbox.dispatch_once(ctx, {"sms": failing}).claimed == 0  # backoff not yet elapsed
    delays = []
    for _ in range(4):
        with ctx.db.transaction() as session:
            row = outbox_repo.get(session, message_id)
            assert row is not None
            delays.append((row.next_attempt_at - clock.now).total_seconds())
        clock.now = row.next_attempt_at
        outbox.dispatch_once(ctx, {"sms": failing})
    assert delays == [30.0, 60.0, 120.0, 240.0]
    with ctx.db.transaction() as session:
        row = outbox_repo.get(session, message_id)
        assert row is not None
        assert (row.status, row.attempts) == ("dead", 5)
        assert "gateway unavailable" in (row.last_error or "")
    assert failing.calls == 5


def test_a_send_interrupted_by_a_crash_is_resent_with_the_same_key_and_delivered_once(
    ctx: Context, clock: FixedClock
) -> None:
    message_id = _enqueue(ctx, "k-crash")
    claimed = outbox.claim(ctx, 10)  # a dispatcher claims it, then dies before sending
    assert [m.id for m in claimed] == [message_id]
    adapter = RecordingAdapter()
    assert outbox.dispatch_once(ctx, {"sms": adapter}).claimed == 0  # the claim is still held
    clock.advance(seconds=ctx.settings.outbox_lease_seconds + 1)
    assert outbox.dispatch_once(ctx, {"sms": adapter}).delivered == 1
    assert outbox.dispatch_once(ctx, {"sms": adapter}).claimed == 0
    assert [m.message_id for m in adapter.sent] == [message_id]


def test_one_time_code_is_blanked_in_the_outbox_once_delivered(bank: Context, payment: Pay) -> None:
    answer = decide(bank, payment(counterparty_type="third_party_personal", new_device=True))
    adapter = RecordingAdapter()
    outbox.dispatch_once(bank, {"sms": adapter})
    with bank.db.transaction() as session:
        row = outbox_repo.by_key(session, f"payment:{answer['txn_id']}:payment_otp")
        assert row is not None and row.params["secret_code"] == "***"
    assert any(ch.isdigit() for ch in adapter.sent[0].body)


def test_missing_adapter_counts_as_a_failed_attempt(ctx: Context) -> None:
    _enqueue(ctx, "k-noadapter")
    assert outbox.dispatch_once(ctx, {}).retried == 1


@pytest.fixture
def smtp_server() -> Iterator[tuple[int, list[Any]]]:
    from aiosmtpd.controller import Controller

    received: list[Any] = []

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            received.append(envelope)
            return "250 OK"

    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, received
    finally:
        controller.stop()


def test_smtp_adapter_delivers_to_a_local_smtp_server(
    smtp_server: tuple[int, list[Any]],
) -> None:
    port, received = smtp_server
    adapter = SmtpAdapter("127.0.0.1", port, "alerts@bank.example")
    ref = adapter.send(OutgoingMessage(7, "k", "cust@example.com", "Payment notice", "Hello", "en"))
    assert ref == "<integrita-outbox-7@integrita>"
    assert len(received) == 1
    assert received[0].rcpt_tos == ["cust@example.com"]
    assert b"Message-ID: <integrita-outbox-7@integrita>" in received[0].content


def test_smtp_adapter_reports_an_unreachable_server() -> None:
    with pytest.raises(DeliveryError):
        SmtpAdapter("127.0.0.1", 1, "a@b", timeout=2).send(
            OutgoingMessage(1, "k", "c@d", "s", "b", "en")
        )


@pytest.fixture
def sms_gateway() -> Iterator[tuple[str, list[dict[str, Any]], dict[str, int]]]:
    """A local SMS gateway that de-duplicates on Idempotency-Key, like a real one."""
    posts: list[dict[str, Any]] = []
    delivered: dict[str, int] = {}
    fail = {"remaining": 1}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            key = self.headers.get("Idempotency-Key", "")
            posts.append({"key": key, **body, "auth": self.headers.get("Authorization")})
            if fail["remaining"] > 0:
                fail["remaining"] -= 1
                self.send_response(503)
                self.end_headers()
                return
            delivered[key] = delivered.get(key, 0) + (0 if key in delivered else 1)
            payload = json.dumps({"id": f"gw-{len(posts)}"}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/sms", posts, delivered
    finally:
        server.shutdown()
        server.server_close()


def test_webhook_sms_adapter_retries_through_the_dispatcher_and_delivers_once(
    ctx: Context, clock: FixedClock, sms_gateway: tuple[str, list[dict[str, Any]], dict[str, int]]
) -> None:
    url, posts, delivered = sms_gateway
    message_id = _enqueue(ctx, "k-webhook")
    adapter = WebhookSmsAdapter(url, token="gw-token")
    assert outbox.dispatch_once(ctx, {"sms": adapter}).retried == 1  # gateway answered 503
    clock.advance(seconds=31)
    assert outbox.dispatch_once(ctx, {"sms": adapter}).delivered == 1
    assert [p["key"] for p in posts] == [f"integrita-outbox-{message_id}"] * 2
    assert posts[-1]["to"] == "13800000009" and posts[-1]["auth"] == "Bearer gw-token"
    assert delivered == {f"integrita-outbox-{message_id}": 1}
    with ctx.db.transaction() as session:
        row = outbox_repo.get(session, message_id)
        assert row is not None and row.provider_ref == "gw-2"
