"""``integrita calendar load FILE`` and ``integrita calendar check``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from integrita.cli.main import app
from integrita.services.core.context import Context
from integrita.settings import get_settings
from integrita.store.repositories import audit as audit_repo
from tests.conftest import sign_in_cli

YEAR_2027 = {
    "year": 2027,
    "source": "State Council notice (test)",
    "holidays": ["2027-01-01", "2027-02-08", "2027-02-09"],
    "working_days": ["2027-02-06"],
}


@pytest.fixture
def configured(ctx: Context, monkeypatch: pytest.MonkeyPatch) -> Iterator[Context]:
    monkeypatch.setenv("INTEGRITA_DATA_DIR", str(ctx.settings.data_dir))
    monkeypatch.setenv("INTEGRITA_DATABASE_URL", ctx.settings.resolved_database_url)
    monkeypatch.setenv("INTEGRITA_LOG_JSON", "false")
    get_settings.cache_clear()
    sign_in_cli(ctx, monkeypatch, "ada", "administrator")
    yield ctx
    get_settings.cache_clear()


def test_check_names_next_year_as_missing_until_it_is_loaded(
    configured: Context, tmp_path: Path
) -> None:
    before = CliRunner().invoke(app, ["calendar", "check", "--today", "2026-12-06"])
    assert before.exit_code == 1
    assert "missing: 2027" in before.output and "2004-2026" in before.output
    listing = tmp_path / "cn-2027.json"
    listing.write_text(json.dumps(YEAR_2027))
    loaded = CliRunner().invoke(app, ["calendar", "load", str(listing)])
    assert loaded.exit_code == 0, loaded.output
    after = CliRunner().invoke(app, ["calendar", "check", "--today", "2026-12-06"])
    assert after.exit_code == 0, after.output
    assert "2004-2027" in after.output and "missing" not in after.output
    configured.reload_calendar()
    assert configured.calendar.is_working_day(date(2027, 2, 6))  # the make-up Saturday
    with configured.db.transaction() as session:
        events = audit_repo.events_for(session, "calendar_year", "CN-2027")
    assert [e.action for e in events] == ["calendar.load"]


@pytest.mark.parametrize(
    ("name", "text", "complaint"),
    [
        ("bad.csv", "date,kind\n2027-13-01,holiday\n", "not a date"),
        ("bad.csv", "date,kind\n2027-01-01,vacation\n", "kind must be holiday or working_day"),
        ("bad.csv", "date,kind\n2027-01-04,working_day\n2027-01-01,holiday\n", "is a weekday"),
        ("bad.csv", "date,kind\n2027-02-06,working_day\n", "lists no holiday"),
        ("bad.json", '{"year": 2027, "holidays": ["2028-01-01"]}', "is not in 2027"),
        ("bad.txt", "anything", "must be .csv or .json"),
    ],
)
def test_a_bad_year_list_is_refused_with_the_reason_and_nothing_is_stored(
    configured: Context, tmp_path: Path, name: str, text: str, complaint: str
) -> None:
    listing = tmp_path / name
    listing.write_text(text)
    result = CliRunner().invoke(app, ["calendar", "load", str(listing)])
    assert result.exit_code != 0
    assert complaint in " ".join(result.output.split())
    configured.reload_calendar()
    assert not configured.calendar.knows(2027)
