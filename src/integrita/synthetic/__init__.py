"""The synthetic bank: customers, accounts and transactions with injected laundering typologies.

``generate_bank(BankConfig(customers=2000, days=90, seed=7), Path("out"))`` writes
``customers.csv``, ``accounts.csv``, ``transactions.parquet`` (the canonical
ledger schema), ``transactions_amlworld.csv`` (IBM AMLworld layout),
``labels.csv`` (typology and pattern of every laundering transaction) and
``manifest.json``. The same configuration and seed always give the same bytes.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from integrita.synthetic.bank import Progress, SyntheticBank, build_bank, pattern_counts
from integrita.synthetic.config import BankConfig, TypologyConfig
from integrita.synthetic.typologies import TYPOLOGIES
from integrita.synthetic.writers import (
    AMLWORLD_LEDGER_COLUMNS,
    amlworld_table,
    write_amlworld,
    write_canonical_csv,
    write_jsonl,
    write_ledger_parquet,
    write_manifest,
    write_table_csv,
)

__all__ = [
    "TYPOLOGIES",
    "BankConfig",
    "GeneratedBank",
    "SyntheticBank",
    "TypologyConfig",
    "amlworld_config",
    "build_bank",
    "files_to_write",
    "generate_bank",
    "pattern_counts",
    "write_amlworld_csv",
    "write_bank",
]

CUSTOMERS_FILE = "customers.csv"
ACCOUNTS_FILE = "accounts.csv"
PARQUET_FILE = "transactions.parquet"
AMLWORLD_FILE = "transactions_amlworld.csv"
CANONICAL_CSV_FILE = "transactions.csv"
JSONL_FILE = "transactions.jsonl"
LABELS_FILE = "labels.csv"
MANIFEST_FILE = "manifest.json"


@dataclass(frozen=True, slots=True)
class GeneratedBank:
    """What was written, and the figures of the bank."""

    out_dir: Path
    files: dict[str, Path]
    customers: int
    accounts: int
    transactions: int
    laundering_transactions: int
    patterns: dict[str, int]
    manifest: dict[str, Any]


def _aml(bank: SyntheticBank) -> Any:
    return amlworld_table(
        bank.ledger,
        bank.booked_seconds,
        bank.amount_paid_minor,
        bank.paid_currency,
        bank.amount_received_minor,
        bank.received_currency,
        bank.is_laundering,
    )


def manifest_of(bank: SyntheticBank, files: dict[str, Path]) -> dict[str, Any]:
    """The manifest: seed, parameters, counts and patterns (no wall-clock times)."""
    config = bank.config
    laundering = int(bank.is_laundering.sum())
    by_typology: dict[str, int] = {}
    for typology in bank.labels["typology"].to_pylist():
        by_typology[typology] = by_typology.get(typology, 0) + 1
    return {
        "generator": "integrita.synthetic",
        "seed": config.seed,
        "parameters": config.to_dict(),
        "period": {
            "first_day": config.start.isoformat(),
            "last_day": (config.start + timedelta(days=config.days - 1)).isoformat(),
        },
        "counts": {
            "customers": bank.population.customers.num_rows,
            "accounts": bank.population.accounts.num_rows,
            "transactions": bank.transactions,
            "laundering_transactions": laundering,
            "laundering_share": round(laundering / max(bank.transactions, 1), 6),
        },
        "patterns": dict(sorted(bank.patterns.items())),
        "laundering_transactions_by_typology": dict(sorted(by_typology.items())),
        "files": sorted(files),
    }


def write_bank(
    bank: SyntheticBank, out_dir: Path, progress: Progress | None = None
) -> GeneratedBank:
    """Write every file of an in-memory bank into ``out_dir``; ``progress(1)`` after each file."""
    report = progress or (lambda _n: None)
    out_dir.mkdir(parents=True, exist_ok=True)
    files = {
        name: out_dir / name
        for name in (CUSTOMERS_FILE, ACCOUNTS_FILE, PARQUET_FILE, AMLWORLD_FILE, LABELS_FILE)
    }
    if bank.config.canonical_csv:
        files[CANONICAL_CSV_FILE] = out_dir / CANONICAL_CSV_FILE
    if bank.config.jsonl:
        files[JSONL_FILE] = out_dir / JSONL_FILE

    def small_tables() -> None:
        write_table_csv(bank.population.customers, files[CUSTOMERS_FILE])
        write_table_csv(bank.population.accounts, files[ACCOUNTS_FILE])
        write_table_csv(bank.labels, files[LABELS_FILE])

    jobs: list[Callable[[], None]] = [
        lambda: write_ledger_parquet(bank.ledger, files[PARQUET_FILE]),
        lambda: write_amlworld(_aml(bank), files[AMLWORLD_FILE]),
        small_tables,
    ]
    if bank.config.canonical_csv:
        jobs.append(
            lambda: write_canonical_csv(bank.ledger, bank.booked_seconds, files[CANONICAL_CSV_FILE])
        )
    if bank.config.jsonl:
        jobs.append(lambda: write_jsonl(bank.ledger, bank.booked_seconds, files[JSONL_FILE]))
    # Arrow releases the GIL while encoding, so two files are written at once on two cores;
    # each file is written by one thread alone, so its bytes do not depend on the schedule.
    with ThreadPoolExecutor(max_workers=WRITER_THREADS) as pool:
        for done in as_completed([pool.submit(job) for job in jobs]):
            done.result()
            report(1)
    manifest = manifest_of(bank, files)
    files[MANIFEST_FILE] = out_dir / MANIFEST_FILE
    write_manifest(manifest, files[MANIFEST_FILE])
    report(1)
    return GeneratedBank(
        out_dir=out_dir,
        files=files,
        customers=manifest["counts"]["customers"],
        accounts=manifest["counts"]["accounts"],
        transactions=bank.transactions,
        laundering_transactions=manifest["counts"]["laundering_transactions"],
        patterns=manifest["patterns"],
        manifest=manifest,
    )


def files_to_write(config: BankConfig) -> int:
    """How many ``progress(1)`` steps :func:`write_bank` reports."""
    return 4 + int(config.canonical_csv) + int(config.jsonl)


WRITER_THREADS = 2


def generate_bank(
    config: BankConfig, out_dir: Path, progress: Progress | None = None
) -> GeneratedBank:
    """Generate the bank and write its files; ``progress(n)`` hears of every ``n`` rows generated."""
    return write_bank(build_bank(config, progress), Path(out_dir))


def amlworld_config(n_transactions: int, seed: int) -> BankConfig:
    """A bank sized to hold exactly ``n_transactions`` over 90 days."""
    days = 90
    customers = max(200, round(n_transactions / (days * 1.1)))
    return BankConfig(customers=customers, days=days, seed=seed, transactions=n_transactions)


def write_amlworld_csv(
    n_transactions: int, seed: int, path: Path, progress: Progress | None = None
) -> int:
    """Write ONLY an AMLworld-layout CSV with exactly ``n_transactions`` rows; returns the count."""
    bank = build_bank(amlworld_config(n_transactions, seed), progress, AMLWORLD_LEDGER_COLUMNS)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    write_amlworld(_aml(bank), Path(path))
    return bank.transactions
