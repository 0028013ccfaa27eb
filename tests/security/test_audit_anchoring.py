"""The audit trail cannot be rewritten by someone who can only write to the database.

Issue 17 (Audit): the chain had no key, so anyone with database access could change an old
event's actor, re-hash everything after it and move the head, or drop the last events, and
``integrita audit verify`` still said intact. Each tampering below is done with raw SQL,
as such a person would, on SQLite and on PostgreSQL, through the ``integrita`` command.
"""

from __future__ import annotations

import json
import stat
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from integrita.cli.main import build_app
from integrita.services.core import audit, audit_anchor
from integrita.services.core.context import Context
from integrita.settings import get_settings
from integrita.store.repositories import audit as audit_repo
from integrita.store.repositories.audit import GENESIS_HASH, event_hash


@pytest.fixture
def cli(ctx: Context, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    """The ``integrita`` command on the test's database and data directory."""
    monkeypatch.setenv("INTEGRITA_DATA_DIR", str(ctx.settings.data_dir))
    monkeypatch.setenv("INTEGRITA_DATABASE_URL", ctx.db.url)
    monkeypatch.setenv("INTEGRITA_LOG_JSON", "false")
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


def run(cli: CliRunner, *args: str) -> tuple[int, str]:
    result = cli.invoke(build_app(list(args)), list(args))
    return result.exit_code, result.output


def _record(ctx: Context, count: int) -> None:
    for n in range(count):
        with ctx.db.transaction() as session:
            audit.record(
                session,
                at=ctx.now(),
                actor="alice",
                action="case.noted",
                entity_type="case",
                entity_id=n,
                after={"note": f"n{n}"},
            )


def _anchored(ctx: Context, cli: CliRunner, events: int = 6) -> None:
    _record(ctx, 3)
    code, out = run(cli, "audit", "init-key")
    assert code == 0, out
    ctx.db.audit_key = None  # this test's context reads the new key like a fresh process
    ctx.__post_init__()
    assert ctx.db.audit_key is not None
    _record(ctx, events - 3)


def _rehash_without_the_key(ctx: Context, from_seq: int) -> None:
    """What a database administrator can do: recompute every hash from ``from_seq`` on with
    plain SHA-256 (they do not have the key) and move the head to the new last hash."""
    with ctx.db.engine.begin() as conn:
        rows = conn.execute(
            text(
                "SELECT seq, occurred_at, actor, action, entity_type, entity_id, before, after,"
                " prev_hash FROM audit_events ORDER BY seq"
            )
        ).all()
        prev = GENESIS_HASH
        for row in rows:
            if row.seq < from_seq:
                prev = conn.execute(
                    text("SELECT hash FROM audit_events WHERE seq = :s"), {"s": row.seq}
                ).scalar_one()
                continue
            occurred = row.occurred_at
            if isinstance(occurred, str):
                occurred = datetime.fromisoformat(occurred)
            occurred = occurred.replace(tzinfo=UTC) if occurred.tzinfo is None else occurred
            digest = event_hash(
                prev,
                row.seq,
                occurred,
                row.actor,
                row.action,
                row.entity_type,
                row.entity_id,
                row.before,
                row.after,
            )
            conn.execute(
                text("UPDATE audit_events SET prev_hash = :p, hash = :h WHERE seq = :s"),
                {"p": prev, "h": digest, "s": row.seq},
            )
            prev = digest
        conn.execute(
            text("UPDATE audit_chain_head SET last_seq = :s, last_hash = :h WHERE id = 1"),
            {"s": rows[-1].seq, "h": prev},
        )


def test_init_key_creates_a_key_only_its_owner_can_read_and_the_old_chain_still_verifies(
    ctx: Context, cli: CliRunner
) -> None:
    _record(ctx, 3)
    code, out = run(cli, "audit", "init-key")
    assert code == 0, out
    mode = ctx.settings.resolved_audit_key_path.stat().st_mode
    assert stat.S_IMODE(mode) == 0o600
    code, out = run(cli, "audit", "verify")
    assert code == 0, out
    assert "3 events verified, 1 checkpoint(s) matched" in out
    again, out = run(cli, "audit", "init-key")
    assert again != 0 and "never overwritten" in out


def test_rehashing_the_chain_after_editing_an_old_event_is_caught(
    ctx: Context, cli: CliRunner
) -> None:
    _anchored(ctx, cli)
    with ctx.db.engine.begin() as conn:
        conn.execute(text("UPDATE audit_events SET actor = 'mallory' WHERE seq = 2"))
    _rehash_without_the_key(ctx, from_seq=2)
    code, out = run(cli, "audit", "verify")
    assert code == 1
    assert "broken at event 2" in out


def test_rehashing_the_whole_chain_with_plain_sha256_is_caught(
    ctx: Context, cli: CliRunner
) -> None:
    _anchored(ctx, cli)
    with ctx.db.engine.begin() as conn:
        conn.execute(text("UPDATE audit_events SET actor = 'mallory' WHERE seq = 2"))
    _rehash_without_the_key(ctx, from_seq=1)
    with ctx.db.transaction() as session:  # the attack fools a chain without a key...
        assert audit_repo.verify_chain(session, None) == (6, None)
    code, out = run(cli, "audit", "verify")  # ...but not the keyed one
    assert code == 1
    assert "broken at event 1" in out


def test_rehashing_only_events_after_the_last_checkpoint_is_caught_by_the_key(
    ctx: Context, cli: CliRunner
) -> None:
    _anchored(ctx, cli)
    with ctx.db.engine.begin() as conn:
        conn.execute(text("UPDATE audit_events SET actor = 'mallory' WHERE seq = 5"))
    _rehash_without_the_key(ctx, from_seq=5)
    assert audit.verify(ctx).broken_at == 5


def test_dropping_the_last_events_and_moving_the_head_back_is_caught(
    ctx: Context, cli: CliRunner
) -> None:
    _anchored(ctx, cli)
    assert run(cli, "audit", "checkpoint")[0] == 0
    with ctx.db.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_events WHERE seq > 4"))
        last = conn.execute(text("SELECT hash FROM audit_events WHERE seq = 4")).scalar_one()
        conn.execute(
            text("UPDATE audit_chain_head SET last_seq = 4, last_hash = :h WHERE id = 1"),
            {"h": last},
        )
    code, out = run(cli, "audit", "verify")
    assert code == 1
    assert "events were dropped" in out
    assert "broken at event 5" in out


def test_a_moved_head_is_caught(ctx: Context, cli: CliRunner) -> None:
    _anchored(ctx, cli)
    with ctx.db.engine.begin() as conn:
        third = conn.execute(text("SELECT hash FROM audit_events WHERE seq = 3")).scalar_one()
        conn.execute(
            text("UPDATE audit_chain_head SET last_seq = 3, last_hash = :h WHERE id = 1"),
            {"h": third},
        )
    code, out = run(cli, "audit", "verify")
    assert code == 1
    assert "chain head" in out


def test_a_forged_checkpoint_line_is_caught(ctx: Context, cli: CliRunner) -> None:
    _anchored(ctx, cli)
    path = ctx.settings.resolved_audit_checkpoint_path
    line = json.loads(path.read_text().splitlines()[-1])
    line["seq"] = 2
    with path.open("a") as handle:
        handle.write(json.dumps(line) + "\n")
    result = audit.verify(ctx)
    assert not result.intact and "not signed by this audit key" in (result.reason or "")


def test_the_workbench_audit_page_shows_the_last_checkpoint(
    ctx: Context, cli: CliRunner, client: object, make_user: object
) -> None:
    from fastapi.testclient import TestClient

    from tests.conftest import PASSWORD

    _anchored(ctx, cli)
    cp = audit_anchor.checkpoint(ctx)
    assert isinstance(client, TestClient)
    make_user("aud", "auditor")  # type: ignore[operator]
    client.post("/signin", data={"username": "aud", "password": PASSWORD})
    page = client.get("/audit", headers={"accept": "text/html"})
    assert page.status_code == 200
    assert f"event {cp.seq}" in page.text and cp.hash[:16] in page.text
