"""Channel adapters that deliver outbox messages: SMTP e-mail and an HTTP webhook SMS gateway.

Each send carries the message's stable idempotency key (``Idempotency-Key`` header, SMTP
``Message-ID``) so a gateway can drop a repeat after a dispatcher crash between sending and
recording the delivery.
"""

from __future__ import annotations

import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Protocol

import httpx

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


class ChannelAdapter(Protocol):
    def send(self, message: OutgoingMessage) -> str:
        """Deliver ``message``; returns the provider's reference. Raises DeliveryError."""
        ...


def delivery_key(message_id: int) -> str:
    return f"integrita-outbox-{message_id}"


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


@dataclass(slots=True)
class WebhookSmsAdapter:
    url: str
    token: str | None = None
    timeout: float = 10.0

    def send(self, message: OutgoingMessage) -> str:
        headers = {"Idempotency-Key": delivery_key(message.message_id)}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        payload = {"to": message.recipient, "text": message.body, "language": message.language}
        try:
            response = httpx.post(self.url, json=payload, headers=headers, timeout=self.timeout)
        except httpx.HTTPError as exc:
            raise DeliveryError(f"SMS gateway {self.url}: {exc}") from exc
        if response.status_code >= 300:
            raise DeliveryError(
                f"SMS gateway answered {response.status_code}: {response.text[:200]}"
            )
        try:
            reference = response.json().get("id")
        except ValueError:
            reference = None
        return str(reference or headers["Idempotency-Key"])


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
