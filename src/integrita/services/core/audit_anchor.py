"""Anchoring the audit trail outside the database: the key and signed checkpoints.

The chain's hashes are HMACs under a key the database does not hold
(:mod:`integrita.services.core.audit_key`), so an edited event cannot be re-hashed. What a
keyless attacker can still do is cut the chain short: drop the last events and move the
head back, leaving a shorter chain that verifies. ``integrita audit checkpoint`` therefore
appends the head (sequence, hash, time), signed with the key and linked to the checkpoint
before it, to a file outside the database; ``audit verify`` checks every checkpoint against
the chain, so a chain that ends before a checkpoint, or holds another hash at a
checkpoint's sequence, is reported. Run the checkpoint often (e.g. every few minutes from
cron); events after the last checkpoint are protected by the key only.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from integrita.errors import ConfigurationError, ConflictError, IntegritaError
from integrita.services.core import audit_key
from integrita.services.core.audit_key import AuditKey
from integrita.services.core.context import Context
from integrita.store.repositories import audit as audit_repo

GENESIS_MAC = "0" * 64


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """A signed head of the chain, as written to the checkpoint file."""

    seq: int
    hash: str
    at: str
    key_id: str
    prev_mac: str
    mac: str

    def material(self) -> bytes:
        return "\x1f".join(
            ["checkpoint", str(self.seq), self.hash, self.at, self.key_id, self.prev_mac]
        ).encode()


@dataclass(frozen=True, slots=True)
class KeySetUp:
    key_path: Path | None
    key_id: str
    events_reanchored: int
    checkpoint: Checkpoint


def _sign(key: AuditKey, cp: Checkpoint) -> str:
    return hmac.new(key.secret, cp.material(), hashlib.sha256).hexdigest()


def init_key(ctx: Context) -> KeySetUp:
    """Create the key file (mode 0600) unless the key comes from ``INTEGRITA_AUDIT_KEY``,
    re-anchor the existing chain under it and write the first checkpoint.

    The existing chain is verified first: a key must not bless a chain that was already
    tampered with. Re-anchoring rewrites every stored hash once, as their HMAC, in one
    transaction; afterwards only the key can extend or re-hash the chain.
    """
    existing = audit_key.load(ctx.settings)
    if existing is not None and ctx.settings.audit_key is None:
        raise ConflictError(
            f"an audit key already exists at {ctx.settings.resolved_audit_key_path}; "
            "it is never overwritten (the chain is anchored to it)"
        )
    if ctx.db.audit_key is not None:
        raise ConflictError("the audit trail is already anchored to a key")
    with ctx.db.transaction() as session:
        _, broken = audit_repo.verify_chain(session, None)
    if broken is not None:
        raise IntegritaError(
            f"the audit trail is broken at event {broken.seq} ({broken.reason}); "
            "investigate before anchoring it to a key"
        )
    path: Path | None = None
    if existing is None:
        path = ctx.settings.resolved_audit_key_path
        path.parent.mkdir(parents=True, exist_ok=True)
        key = AuditKey(secrets.token_bytes(audit_key.KEY_BYTES))
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(key.secret.hex() + "\n")
    else:
        key = existing
    with ctx.db.transaction() as session:
        count = audit_repo.rehash_chain(session, key.secret)
    ctx.db.audit_key = key.secret
    return KeySetUp(path, key.key_id, count, checkpoint(ctx))


def _key(ctx: Context) -> AuditKey:
    key = audit_key.load(ctx.settings)
    if key is None:
        raise ConfigurationError("no audit key is set up; run `integrita audit init-key` first")
    return key


def read_checkpoints(ctx: Context) -> list[Checkpoint]:
    """Every checkpoint in the file, oldest first (an unreadable line is an error)."""
    path = ctx.settings.resolved_audit_checkpoint_path
    if not path.exists():
        return []
    found: list[Checkpoint] = []
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            found.append(
                Checkpoint(
                    int(data["seq"]),
                    str(data["hash"]),
                    str(data["at"]),
                    str(data["key_id"]),
                    str(data["prev_mac"]),
                    str(data["mac"]),
                )
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise IntegritaError(f"checkpoint file {path}, line {number} is unreadable") from exc
    return found


def last_checkpoint(ctx: Context) -> Checkpoint | None:
    try:
        found = read_checkpoints(ctx)
    except IntegritaError:
        return None
    return found[-1] if found else None


def checkpoint(ctx: Context) -> Checkpoint:
    """Append the signed current head to the checkpoint file (opened for appending only)."""
    key = _key(ctx)
    with ctx.db.transaction() as session:
        seq, head_hash = audit_repo.chain_head(session)
    previous = read_checkpoints(ctx)
    prev_mac = previous[-1].mac if previous else GENESIS_MAC
    at = ctx.now().isoformat(timespec="seconds")
    draft = Checkpoint(seq, head_hash, at, key.key_id, prev_mac, "")
    signed = Checkpoint(seq, head_hash, at, key.key_id, prev_mac, _sign(key, draft))
    path = ctx.settings.resolved_audit_checkpoint_path
    path.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps(
        {
            "seq": signed.seq,
            "hash": signed.hash,
            "at": signed.at,
            "key_id": signed.key_id,
            "prev_mac": signed.prev_mac,
            "mac": signed.mac,
        },
        sort_keys=True,
    )
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    with os.fdopen(fd, "a") as handle:
        handle.write(line + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    return signed


@dataclass(frozen=True, slots=True)
class CheckpointBreak:
    seq: int
    reason: str


def check_checkpoints(ctx: Context, chain_length: int) -> tuple[int, CheckpointBreak | None]:
    """Check each checkpoint's signature and link, and that the chain still holds its hash
    at its sequence; returns (checkpoints checked, first problem or None)."""
    key = audit_key.load(ctx.settings)
    found = read_checkpoints(ctx)
    if key is None:
        if found:
            return 0, CheckpointBreak(
                0, "checkpoints exist but no audit key is configured: the chain is not anchored"
            )
        return 0, None
    prev_mac, last_seq = GENESIS_MAC, 0
    with ctx.db.transaction() as session:
        for number, cp in enumerate(found, start=1):
            if cp.key_id != key.key_id or not hmac.compare_digest(_sign(key, cp), cp.mac):
                return number - 1, CheckpointBreak(
                    cp.seq, f"checkpoint {number} is not signed by this audit key"
                )
            if cp.prev_mac != prev_mac or cp.seq < last_seq:
                return number - 1, CheckpointBreak(
                    cp.seq, f"checkpoint {number} does not follow the one before it"
                )
            if cp.seq > chain_length:
                return number - 1, CheckpointBreak(
                    chain_length + 1,
                    f"the chain ends at event {chain_length} but checkpoint {number} "
                    f"({cp.at}) recorded event {cp.seq}: events were dropped",
                )
            stored = audit_repo.stored_hash(session, cp.seq) if cp.seq else audit_repo.GENESIS_HASH
            if stored != cp.hash:
                return number - 1, CheckpointBreak(
                    cp.seq,
                    f"event {cp.seq} does not have the hash checkpoint {number} ({cp.at}) "
                    "recorded: the chain was rewritten",
                )
            prev_mac, last_seq = cp.mac, cp.seq
    return len(found), None


def checkpoint_time(cp: Checkpoint) -> datetime:
    return datetime.fromisoformat(cp.at)
