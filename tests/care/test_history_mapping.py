"""A mapping of one's own: an export that kept response and closing times arrives with its clocks
measured (first-response breaches against our 24 h target, resolution P50/P90 in clock hours),
and the command line takes the file with ``--mapping`` while the old call keeps working."""

from __future__ import annotations

import statistics
import tomllib
from datetime import datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from integrita.cli.main import app
from integrita.errors import InputError
from integrita.services.care import history_import
from integrita.services.care import sla as care_sla
from integrita.services.care.complaint_mapping import load_mapping, parse_mapping
from integrita.services.core.context import Context
from integrita.settings import get_settings
from tests.conftest import sign_in_cli
from tests.services.care_support import OFFICER, add_customers

MAPPING = """
name = "Old helpdesk"
source = "helpdesk"
null_values = ["", "-"]
date_formats = ["%Y-%m-%dT%H:%M:%S%z"]
[columns]
external_id = "ticket"
customer_id = "client"
received_at = "opened"
first_response_at = "answered"
closed_at = "closed"
channel = "via"
category = "kind"
product = "product"
description = "text"
[constants]
severity = "high"
[values.channel]
"tel" = "phone"
"mail" = "email"
[values.category]
"q" = "product_quality"
"""

#: ticket, opened, answered, closed (UTC): the clocks below are computed from these by hand.
TICKETS = [
    ("T1", "2025-01-02T08:00:00+00:00", "2025-01-02T20:00:00+00:00", "2025-01-05T08:00:00+00:00"),
    ("T2", "2025-01-03T09:00:00+00:00", "2025-01-04T09:30:00+00:00", "2025-01-04T21:00:00+00:00"),
    ("T3", "2025-01-10T00:00:00+00:00", "2025-01-11T00:00:00+00:00", "2025-01-20T06:00:00+00:00"),
    ("T4", "2025-01-12T12:00:00+00:00", "2025-01-12T13:00:00+00:00", "2025-01-13T00:00:00+00:00"),
    ("T5", "2025-01-15T12:00:00+00:00", "2025-01-17T12:00:00+00:00", "2025-01-22T18:30:00+00:00"),
    ("T6", "2025-01-20T10:00:00+00:00", "-", "-"),
]


def _export() -> str:
    lines = ["ticket,client,opened,answered,closed,via,kind,product,text"]
    for ticket, opened, answered, closed in TICKETS:
        lines.append(
            f'{ticket},COR0000,{opened},{answered},{closed},tel,q,rim-17,"Rims ""scratched"""'
        )
    return "\n".join(lines) + "\n"


def _hours(a: str, b: str) -> float:
    return (datetime.fromisoformat(b) - datetime.fromisoformat(a)).total_seconds() / 3600


def test_an_export_with_times_arrives_with_its_clocks_measured(ctx: Context) -> None:
    add_customers(ctx, {"corporate": 1})
    mapping = parse_mapping(tomllib.loads(MAPPING))
    result = history_import.import_history(ctx, _export(), mapping, OFFICER)
    assert result.reconciliation.stored == len(TICKETS)

    closed = [t for t in TICKETS if t[3] != "-"]
    resolution = [_hours(t[1], t[3]) for t in closed]
    answered = [t for t in TICKETS if t[2] != "-"]
    on_time = [_hours(t[1], t[2]) <= 24 for t in answered]
    [month] = [f for f in care_sla.figures(ctx, "2025-01") if f.department is None]
    assert month.received == len(TICKETS)
    assert month.on_time_first_response_rate == pytest.approx(sum(on_time) / len(on_time))
    assert month.first_response_breaches == on_time.count(False)
    p50, p90 = (statistics.quantiles(resolution, n=100, method="inclusive")[i] for i in (49, 89))
    assert month.resolution_hours_p50 == pytest.approx(p50)
    assert month.resolution_hours_p90 == pytest.approx(p90)
    # T6 was never answered: open, in state received, and its old deadline is not escalated
    assert care_sla.sweep(ctx).escalations == {"first_response": 0, "resolution": 0}


def test_a_mapping_that_lacks_a_required_field_or_names_an_unknown_one_is_refused() -> None:
    with pytest.raises(InputError, match="needs a column or constant for customer_id, received_at"):
        parse_mapping({"source": "x", "columns": {"external_id": "id"}})
    with pytest.raises(InputError, match="unknown field"):
        parse_mapping({"source": "x", "columns": {"colour": "c"}})
    with pytest.raises(InputError, match=r"no mapping 'nosuch'.*cfpb"):
        load_mapping("nosuch")


def test_the_command_imports_through_a_mapping_and_the_old_call_still_works(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INTEGRITA_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("INTEGRITA_LOG_JSON", "false")
    get_settings.cache_clear()
    ctx = Context.from_settings(get_settings())
    sign_in_cli(ctx, monkeypatch, "olivia", "complaints_officer")
    add_customers(ctx, {"corporate": 1})
    (tmp_path / "map.toml").write_text(MAPPING, encoding="utf-8")
    (tmp_path / "export.csv").write_text(_export(), encoding="utf-8")
    runner = CliRunner()
    args = ["care", "import-complaints", str(tmp_path / "export.csv")]
    first = runner.invoke(app, [*args, "--mapping", str(tmp_path / "map.toml")])
    assert first.exit_code == 0, first.output
    # the console wraps long lines at its width (a long temporary path moves the break)
    said = " ".join(first.output.split())
    assert f"read {len(TICKETS)} = imported {len(TICKETS)} + already present 0" in said
    again = runner.invoke(app, [*args, "--mapping", str(tmp_path / "map.toml")])
    said_again = " ".join(again.output.split())
    assert "imported 0 + already present 6" in said_again and "nothing new" in said_again
    (tmp_path / "ours.csv").write_text(
        "customer_id,product,order_id,channel,category,severity,description\n"
        "COR0000,rim-17,,phone,product_quality,high,Scratched\n",
        encoding="utf-8",
    )
    old = runner.invoke(app, ["care", "import-complaints", str(tmp_path / "ours.csv")])
    assert old.exit_code == 0 and "imported 1 complaints" in " ".join(old.output.split())
