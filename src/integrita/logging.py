"""Structured logging with personal data masked.

Log records are written as one JSON object per line. Values under keys that name
personal or secret data (names, identity numbers, accounts, phones, e-mail,
passwords, codes, tokens) are masked, and free-text messages have long digit runs
(identity, card, account and phone numbers) and e-mail addresses masked too, so
nothing personal reaches a log file unmasked.
"""

from __future__ import annotations

import logging
import re
import sys
from datetime import UTC, datetime
from typing import Any

import orjson

SENSITIVE_KEYS = frozenset(
    {
        "name",
        "full_name",
        "customer_name",
        "id_number",
        "identity_number",
        "account",
        "account_id",
        "from_account",
        "to_account",
        "phone",
        "mobile",
        "email",
        "password",
        "code",
        "otp",
        "token",
        "secret",
        "address",
        "birth_date",
    }
)
_DIGITS = re.compile(r"\d{6,}")
_EMAIL = re.compile(r"([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+)")
_STANDARD_ATTRS = frozenset(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message"}


def mask_value(value: object) -> str:
    """Keep the first and last characters of a value so support staff can match it, hide the rest."""
    text = str(value)
    if len(text) <= 4:
        return "*" * len(text)
    return f"{text[:2]}{'*' * (len(text) - 4)}{text[-2:]}"


def mask_text(text: str) -> str:
    """Mask digit runs of six or more and e-mail local parts inside free text."""
    text = _DIGITS.sub(lambda m: mask_value(m.group(0)), text)
    return _EMAIL.sub(lambda m: f"{m.group(1)}***@{m.group(2)}", text)


def mask_fields(fields: dict[str, Any]) -> dict[str, Any]:
    """Return a copy of ``fields`` with sensitive keys masked (recursively)."""
    masked: dict[str, Any] = {}
    for key, value in fields.items():
        if isinstance(value, dict):
            masked[key] = mask_fields(value)
        elif key.lower() in SENSITIVE_KEYS and value is not None:
            masked[key] = mask_value(value)
        elif isinstance(value, str):
            masked[key] = mask_text(value)
        else:
            masked[key] = value
    return masked


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, event and masked extra fields."""

    def format(self, record: logging.LogRecord) -> str:
        extra = {k: v for k, v in record.__dict__.items() if k not in _STANDARD_ATTRS}
        payload: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": mask_text(record.getMessage()),
            **mask_fields(extra),
        }
        if record.exc_info:
            payload["exception"] = mask_text(self.formatException(record.exc_info))
        return orjson.dumps(payload, default=str).decode()


class MaskingTextFormatter(logging.Formatter):
    """Human-readable lines for a terminal, with the same masking."""

    def format(self, record: logging.LogRecord) -> str:
        extra = {k: v for k, v in record.__dict__.items() if k not in _STANDARD_ATTRS}
        fields = " ".join(f"{k}={v}" for k, v in mask_fields(extra).items())
        return f"{record.levelname.lower():7} {record.name}: {mask_text(record.getMessage())} {fields}".rstrip()


def configure_logging(level: str = "INFO", *, json_lines: bool = True) -> None:
    """Send integrita's logs to stderr, masked, as JSON lines or text."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if json_lines else MaskingTextFormatter())
    root = logging.getLogger("integrita")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False


def get_logger(name: str) -> logging.Logger:
    """A logger under the ``integrita`` namespace."""
    return logging.getLogger(name if name.startswith("integrita") else f"integrita.{name}")
