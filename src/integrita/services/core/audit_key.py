"""The audit trail's HMAC key: read from a file or a setting, never from the database.

Whoever can write to the database can edit an event and recompute a plain hash chain after
it; they cannot recompute an HMAC chain without this key. Keep the file readable only by
the account integrita runs as (``integrita audit init-key`` creates it with mode 0600), or
hand the key in through ``INTEGRITA_AUDIT_KEY`` from a secret store.
"""

from __future__ import annotations

import hashlib
import stat
from dataclasses import dataclass

from integrita.errors import ConfigurationError
from integrita.settings import Settings

KEY_BYTES = 32


@dataclass(frozen=True, slots=True)
class AuditKey:
    secret: bytes

    @property
    def key_id(self) -> str:
        """A short public name of the key (checkpoints record which key signed them)."""
        return hashlib.sha256(b"integrita-audit-key-id:" + self.secret).hexdigest()[:16]


def parse(text: str, where: str) -> AuditKey:
    try:
        secret = bytes.fromhex(text.strip())
    except ValueError as exc:
        raise ConfigurationError(f"the audit key in {where} is not hexadecimal") from exc
    if len(secret) < 16:
        raise ConfigurationError(f"the audit key in {where} is shorter than 128 bits")
    return AuditKey(secret)


def load(settings: Settings) -> AuditKey | None:
    """The configured key, or None when none was set up (a plain SHA-256 chain)."""
    if settings.audit_key:
        return parse(settings.audit_key, "INTEGRITA_AUDIT_KEY")
    path = settings.resolved_audit_key_path
    if not path.exists():
        return None
    if path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ConfigurationError(
            f"audit key {path} is readable by others; chmod 600 it (only integrita's account)"
        )
    return parse(path.read_text(), str(path))
