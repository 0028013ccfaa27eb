"""``integrita generate`` writes a bank and reports it."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from integrita.cli.main import app


def test_generate_writes_every_file_and_reports_the_counts(tmp_path: Path) -> None:
    out = tmp_path / "bank"
    result = CliRunner().invoke(
        app,
        [
            "generate",
            "--customers",
            "150",
            "--days",
            "40",
            "--seed",
            "3",
            "--out",
            str(out),
            "--jsonl",
        ],
    )
    assert result.exit_code == 0, result.output
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["seed"] == 3
    assert manifest["counts"]["customers"] == 150
    assert (out / "transactions.jsonl").exists()
    assert f"{manifest['counts']['transactions']:,}" in result.output


def test_generate_refuses_a_bank_too_small_naming_the_option(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["generate", "--customers", "5", "--out", str(tmp_path)])
    assert result.exit_code == 65
    assert "customers" in result.output


def test_generate_from_a_manifest_regenerates_the_same_bank(tmp_path: Path) -> None:
    runner = CliRunner()
    first, second = tmp_path / "first", tmp_path / "second"
    args = ["generate", "--customers", "120", "--days", "36", "--seed", "8", "--out", str(first)]
    assert runner.invoke(app, args).exit_code == 0
    again = runner.invoke(
        app, ["generate", "--config", str(first / "manifest.json"), "--out", str(second)]
    )
    assert again.exit_code == 0, again.output
    for name in ("transactions.parquet", "labels.csv", "manifest.json"):
        assert (first / name).read_bytes() == (second / name).read_bytes()
