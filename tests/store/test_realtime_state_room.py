"""The accounts' real-time state keeps free room on its pages on PostgreSQL, so the update
every payment decision makes stays on the row's own page (see migration 0009)."""

from __future__ import annotations

from sqlalchemy import text

from integrita.store import Database


def test_realtime_state_pages_keep_half_free_on_postgresql(database: Database) -> None:
    with database.engine.connect() as connection:
        if database.is_sqlite:  # SQLite has no fillfactor; the table is there all the same
            names = connection.execute(text("SELECT name FROM sqlite_master")).scalars()
            assert "account_realtime_state" in set(names)
            return
        options = connection.execute(
            text("SELECT reloptions FROM pg_class WHERE relname = 'account_realtime_state'")
        ).scalar_one()
    assert options == ["fillfactor=50"]
