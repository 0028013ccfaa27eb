"""Generate a 5,000,000-transaction synthetic bank; print generator speed and peak memory as JSON.

    .venv/bin/python benchmarks/generate.py [--transactions N] [--seed S] [--keep]

``generator_rows_per_s`` is in-memory generation (population, ordinary traffic,
typologies, sorting, Arrow columns); the file writes are timed separately.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import time
from pathlib import Path

from integrita.synthetic import amlworld_config, build_bank, write_bank

OUT = Path(__file__).resolve().parent / "out" / "generate"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--transactions", type=int, default=5_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the files in benchmarks/out")
    args = parser.parse_args()

    config = amlworld_config(args.transactions, args.seed)
    started, cpu_started = time.perf_counter(), time.process_time()
    bank = build_bank(config)
    generated, cpu_generated = time.perf_counter(), time.process_time()
    shutil.rmtree(OUT, ignore_errors=True)
    result = write_bank(bank, OUT)
    written = time.perf_counter()
    sizes = {name: path.stat().st_size for name, path in result.files.items()}
    if not args.keep:
        shutil.rmtree(OUT, ignore_errors=True)

    generate_s = generated - started
    write_s = written - generated
    load = os.getloadavg()[0]
    print(
        json.dumps(
            {
                "benchmark": "synthetic.generate",
                "transactions": result.transactions,
                "customers": result.customers,
                "accounts": result.accounts,
                "days": config.days,
                "laundering_transactions": result.laundering_transactions,
                "generate_seconds": round(generate_s, 2),
                "generator_rows_per_s": round(result.transactions / generate_s),
                "generate_cpu_seconds": round(cpu_generated - cpu_started, 2),
                "normal_traffic_rows_per_s": round(
                    bank.normal_rows
                    / (bank.stage_seconds["monthly"] + bank.stage_seconds["poisson"])
                ),
                "stage_seconds": bank.stage_seconds,
                "stage_cpu_seconds": bank.stage_cpu_seconds,
                "write_seconds": round(write_s, 2),
                "end_to_end_rows_per_s": round(result.transactions / (written - started)),
                "parquet_mb": round(sizes["transactions.parquet"] / 1e6, 1),
                "amlworld_csv_mb": round(sizes["transactions_amlworld.csv"] / 1e6, 1),
                "load_average_1min": round(load, 2),
                "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            }
        )
    )


if __name__ == "__main__":
    main()
