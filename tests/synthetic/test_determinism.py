"""Same seed, same bytes; another seed, another bank."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from integrita.errors import InputError
from integrita.synthetic import BankConfig, amlworld_config, generate_bank, write_amlworld_csv
from tests.synthetic.conftest import SMALL_BANK, WrittenBank

ROOT = Path(__file__).resolve().parents[2]
TINY = BankConfig(customers=150, days=40, seed=5, canonical_csv=True, jsonl=True)


def file_bytes(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir())}


def test_same_seed_writes_byte_identical_files(tmp_path: Path, bank: WrittenBank) -> None:
    again = generate_bank(SMALL_BANK, tmp_path / "again")
    first, second = file_bytes(bank.result.out_dir), file_bytes(again.out_dir)
    assert set(first) == {
        "customers.csv",
        "accounts.csv",
        "transactions.parquet",
        "transactions_amlworld.csv",
        "transactions.csv",
        "transactions.jsonl",
        "labels.csv",
        "manifest.json",
    }
    assert first == second


def test_another_process_with_other_hash_seed_writes_the_same_bytes(tmp_path: Path) -> None:
    here = generate_bank(TINY, tmp_path / "here")
    script = (
        "from pathlib import Path; from integrita.synthetic import generate_bank; "
        "from tests.synthetic.test_determinism import TINY; "
        f"generate_bank(TINY, Path({str(tmp_path / 'there')!r}))"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    subprocess.run([sys.executable, "-c", script], check=True, env=env, cwd=ROOT)
    assert file_bytes(here.out_dir) == file_bytes(tmp_path / "there")


def test_different_seed_writes_different_files(tmp_path: Path) -> None:
    one = file_bytes(generate_bank(TINY, tmp_path / "one").out_dir)
    other = file_bytes(generate_bank(replace(TINY, seed=6), tmp_path / "other").out_dir)
    for name in (
        "customers.csv",
        "transactions.parquet",
        "transactions_amlworld.csv",
        "labels.csv",
    ):
        assert one[name] != other[name], name


def test_exact_transaction_count_is_honoured(tmp_path: Path) -> None:
    result = generate_bank(replace(TINY, transactions=12_345), tmp_path / "exact")
    assert result.transactions == 12_345
    assert result.manifest["counts"]["transactions"] == 12_345


def test_amlworld_csv_alone_has_the_requested_rows_and_matches_the_full_bank(
    tmp_path: Path,
) -> None:
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    assert write_amlworld_csv(30_000, 3, first) == 30_000
    write_amlworld_csv(30_000, 3, second)
    assert first.read_bytes() == second.read_bytes()
    whole = generate_bank(amlworld_config(30_000, 3), tmp_path / "whole")
    assert (whole.out_dir / "transactions_amlworld.csv").read_bytes() == first.read_bytes()
    with first.open(newline="") as handle:
        rows = list(csv.reader(handle))
    assert len(rows) == 30_001
    assert sum(row[-1] == "1" for row in rows[1:]) > 0


def test_manifest_holds_no_wall_clock_time(bank: WrittenBank) -> None:
    text = (bank.result.out_dir / "manifest.json").read_text()
    assert '"seed": 11' in text
    assert "generated_at" not in text
    assert bank.result.manifest["patterns"] == {
        t: 1 for t in bank.result.manifest["patterns"]
    }  # 600 customers: one pattern of each


@pytest.mark.parametrize(
    ("change", "field"),
    [({"customers": 10}, "customers"), ({"days": 20}, "days"), ({"seed": -1}, "seed")],
)
def test_an_impossible_bank_is_refused_naming_the_field(
    tmp_path: Path, change: dict[str, int], field: str
) -> None:
    with pytest.raises(InputError) as error:
        generate_bank(replace(TINY, **change), tmp_path)  # type: ignore[arg-type]
    assert error.value.field == field
