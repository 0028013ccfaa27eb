"""Channel adapters that deliver outbox messages: SMTP e-mail and an HTTP webhook SMS gateway.

Each send carries the message's stable idempotency key (``Idempotency-Key`` header, SMTP
``Message-ID``) so a gateway can drop a repeat after a dispatcher crash between sending and
recording the delivery. A gateway that says it had the key already (``"duplicate": true`` in
its answer, an ``Idempotent-Replayed: true`` header, or 409) is recorded as such: the message
counts as delivered once, and the repeat stays visible. A delivery receipt in the answer
(``"status"``) is recorded too.
"""

from __future__ import annotations

import asyncio
import smtplib
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Protocol

import httpx
import orjson

from integrita.services.core.http1 import Http1Pool, HttpError
from integrita.settings import Settings


class DeliveryError(Exception):
    """A channel refused or could not take a message; the dispatcher retries it."""


@dataclass(frozen=True, slots=True)
class OutgoingMessage:
    message_id: int
    idempotency_key: str
    recipient: str
    subject: str
    body: str
    language: str


@dataclass(frozen=True, slots=True)
class Delivery:
    """What a gateway said about one send."""

    reference: str
    duplicate: bool = False
    receipt: str | None = None


class ChannelAdapter(Protocol):
    def send(self, message: OutgoingMessage) -> str | Delivery:
        """Deliver ``message``; returns the provider's reference. Raises DeliveryError."""
        ...


class AsyncChannelAdapter(Protocol):
    async def send(self, message: OutgoingMessage) -> Delivery:
        """Deliver ``message`` without blocking the event loop. Raises DeliveryError."""
        ...

    async def close(self) -> None: ...


_KEY_PREFIX = "integrita-outbox-"


def delivery_key(message_id: int) -> str:
    return f"{_KEY_PREFIX}{message_id}"


def message_id_of_key(key: str) -> int | None:
    """The message a :func:`delivery_key` names; None for any other text."""
    number = key.removeprefix(_KEY_PREFIX)
    if number == key or not number.isdigit() or len(number) > 18:
        return None
    return int(number)


@dataclass(slots=True)
class SmtpAdapter:
    host: str
    port: int
    sender: str
    starttls: bool = False
    username: str | None = None
    password: str | None = None
    timeout: float = 10.0

    def send(self, message: OutgoingMessage) -> str:
        email = EmailMessage()
        email["From"] = self.sender
        email["To"] = message.recipient
        email["Subject"] = message.subject
        email["Message-ID"] = f"<{delivery_key(message.message_id)}@integrita>"
        email["Content-Language"] = message.language
        email.set_content(message.body)
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                if self.starttls:
                    smtp.starttls()
                if self.username and self.password:
                    smtp.login(self.username, self.password)
                refused = smtp.send_message(email)
        except (OSError, smtplib.SMTPException) as exc:
            raise DeliveryError(f"SMTP {self.host}:{self.port}: {exc}") from exc
        if refused:
            raise DeliveryError(f"SMTP refused recipient(s): {', '.join(refused)}")
        return str(email["Message-ID"])


def _sms_request(
    message: OutgoingMessage, token: str | None
) -> tuple[dict[str, str], dict[str, str]]:
    headers = {"Idempotency-Key": delivery_key(message.message_id)}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return headers, {"to": message.recipient, "text": message.body, "language": message.language}


def gateway_answer(
    url: str, key: str, status: int, headers: Mapping[str, str], content: bytes
) -> Delivery:
    """The gateway's answer to one send: its reference, whether it had the key already, and
    its delivery receipt where it gives one."""
    lowered = {name.lower(): value for name, value in headers.items()}
    replayed = lowered.get("idempotent-replayed", "").lower() == "true"
    if status == 409:
        replayed = True
    elif status >= 300:
        text = content[:200].decode(errors="replace")
        raise DeliveryError(f"SMS gateway {url} answered {status}: {text}")
    try:
        body = orjson.loads(content)
    except orjson.JSONDecodeError:
        body = None
    if not isinstance(body, dict):
        body = {}
    receipt = body.get("status")
    return Delivery(
        str(body.get("id") or key),
        duplicate=replayed or body.get("duplicate") is True,
        receipt=str(receipt)[:32] if receipt is not None else None,
    )


@dataclass(slots=True)
class WebhookSmsAdapter:
    url: str
    token: str | None = None
    timeout: float = 10.0

    def send(self, message: OutgoingMessage) -> Delivery:
        headers, payload = _sms_request(message, self.token)
        try:
            response = httpx.post(self.url, json=payload, headers=headers, timeout=self.timeout)
        except httpx.HTTPError as exc:
            raise DeliveryError(f"SMS gateway {self.url}: {exc}") from exc
        key = headers["Idempotency-Key"]
        return gateway_answer(
            self.url, key, response.status_code, response.headers, response.content
        )


class AsyncWebhookSmsAdapter:
    """The SMS webhook over a pool of keep-alive connections: many sends in flight.

    The lean client of :mod:`integrita.services.core.http1` rather than httpx's AsyncClient
    (30 to 70 requests/s to the local gateway on this 2-core machine) or aiohttp (about half a
    millisecond of the dispatcher's core per send; see docs/benchmarks.md, outbox)."""

    def __init__(
        self, url: str, token: str | None = None, *, concurrency: int = 64, timeout: float = 10.0
    ) -> None:
        self.url, self.token = url, token
        self.concurrency, self.timeout = concurrency, timeout
        self._pool: Http1Pool | None = None

    def _client(self) -> Http1Pool:
        if self._pool is None:  # created on the running loop
            self._pool = Http1Pool(self.url, connections=self.concurrency, timeout=self.timeout)
        return self._pool

    async def send(self, message: OutgoingMessage) -> Delivery:
        headers, payload = _sms_request(message, self.token)
        headers["Content-Type"] = "application/json"
        try:
            answer = await self._client().post(headers, orjson.dumps(payload))
        except HttpError as exc:
            raise DeliveryError(f"SMS gateway {self.url}: {exc}") from exc
        key = headers["Idempotency-Key"]
        return gateway_answer(self.url, key, answer.status, answer.headers, answer.body)

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()


@dataclass(slots=True)
class ThreadedAdapter:
    """A blocking adapter (SMTP) run on worker threads, so sends overlap."""

    adapter: ChannelAdapter

    async def send(self, message: OutgoingMessage) -> Delivery:
        sent = await asyncio.to_thread(self.adapter.send, message)
        return sent if isinstance(sent, Delivery) else Delivery(sent)

    async def close(self) -> None:
        return None


def adapters_from_settings(settings: Settings) -> dict[str, ChannelAdapter]:
    """The configured adapters by channel name (``email`` always; ``sms`` when a URL is set)."""
    adapters: dict[str, ChannelAdapter] = {
        "email": SmtpAdapter(
            settings.smtp_host,
            settings.smtp_port,
            settings.smtp_sender,
            settings.smtp_starttls,
            settings.smtp_username,
            settings.smtp_password,
        )
    }
    if settings.sms_webhook_url:
        adapters["sms"] = WebhookSmsAdapter(settings.sms_webhook_url, settings.sms_webhook_token)
    return adapters


def async_adapters_from_settings(settings: Settings) -> dict[str, AsyncChannelAdapter]:
    """:func:`adapters_from_settings` for the concurrent dispatcher: SMS over a pooled
    asynchronous client, SMTP on threads."""
    adapters: dict[str, AsyncChannelAdapter] = {
        channel: ThreadedAdapter(adapter)
        for channel, adapter in adapters_from_settings(settings).items()
        if channel != "sms"
    }
    if settings.sms_webhook_url:
        adapters["sms"] = AsyncWebhookSmsAdapter(
            settings.sms_webhook_url,
            settings.sms_webhook_token,
            concurrency=settings.outbox_sms_concurrency,
        )
    return adapters
