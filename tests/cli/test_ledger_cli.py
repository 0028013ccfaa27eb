"""``integrita ledger compact`` merges small files and ``ledger stats`` counts each row once."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from integrita.analytics.ledger import Ledger
from integrita.cli.main import app
from integrita.settings import get_settings
from tests.analytics.test_ledger import NOON, _row, _table


@pytest.fixture
def ledger(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Ledger]:
    monkeypatch.setenv("INTEGRITA_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("INTEGRITA_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    yield Ledger(get_settings().resolved_ledger_dir)
    get_settings.cache_clear()


def test_ledger_compact_merges_each_days_small_files_and_stats_count_each_row_once(
    ledger: Ledger,
) -> None:
    for day in range(2):
        for batch in range(5):
            at = NOON + timedelta(days=day, minutes=batch)
            ledger.append_table(_table([_row(f"T{day}{batch}{i}", at) for i in range(3)]))
    assert len(ledger.files()) == 10
    result = CliRunner().invoke(app, ["ledger", "compact"])
    assert result.exit_code == 0, result.output
    assert "2 booking days checked: 10 files merged into 2 (30 rows rewritten)" in result.output
    assert len(ledger.files()) == 2
    stats = CliRunner().invoke(app, ["ledger", "stats"])
    assert stats.exit_code == 0, stats.output
    assert "30" in stats.output.split("transactions", 1)[1].splitlines()[0]
