"""A small synthetic bank written once per test session, read back from its files."""

from __future__ import annotations

import csv
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from integrita.synthetic import BankConfig, GeneratedBank, generate_bank

SMALL_BANK = BankConfig(customers=600, days=60, seed=11, canonical_csv=True, jsonl=True)


@dataclass
class WrittenBank:
    """The files of a generated bank, parsed."""

    result: GeneratedBank
    config: BankConfig
    transactions: list[dict[str, Any]]
    by_id: dict[str, dict[str, Any]]
    labels: list[dict[str, str]]
    customers: list[dict[str, str]]
    accounts: list[dict[str, str]]

    def patterns(self, typology: str) -> dict[str, list[dict[str, Any]]]:
        """Each pattern of a typology → its transactions in booking order."""
        found: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for label in self.labels:
            if label["typology"] == typology:
                found[label["pattern_id"]].append(self.by_id[label["txn_id"]])
        for rows in found.values():
            rows.sort(key=lambda r: (r["booked_at"], r["txn_id"]))
        return dict(found)


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def read_bank(result: GeneratedBank, config: BankConfig) -> WrittenBank:
    out = result.out_dir
    table = pq.read_table(out / "transactions.parquet")
    # Arrow converts zone-aware timestamps to Python slowly; convert naive, then attach UTC.
    naive = table["booked_at"].cast(pa.timestamp("us"))
    table = table.set_column(table.schema.get_field_index("booked_at"), "booked_at", naive)
    transactions = table.to_pylist()
    for row in transactions:
        row["booked_at"] = row["booked_at"].replace(tzinfo=UTC)
    return WrittenBank(
        result=result,
        config=config,
        transactions=transactions,
        by_id={t["txn_id"]: t for t in transactions},
        labels=read_csv(out / "labels.csv"),
        customers=read_csv(out / "customers.csv"),
        accounts=read_csv(out / "accounts.csv"),
    )


@pytest.fixture(scope="session")
def bank(tmp_path_factory: pytest.TempPathFactory) -> WrittenBank:
    out = tmp_path_factory.mktemp("synthetic-bank")
    return read_bank(generate_bank(SMALL_BANK, out), SMALL_BANK)
