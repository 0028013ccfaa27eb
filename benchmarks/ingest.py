"""Ingest benchmark: a 5,000,000-row AMLworld-layout file into an empty ledger, then again.

    .venv/bin/python benchmarks/ingest.py [--transactions N] [--keep]

Generates the file with the synthetic bank (timed: generator rows/s), then runs
``integrita ingest`` in a child process so its peak resident memory is measured
alone. The second run re-ingests the same file and must store nothing. Prints one
JSON object with wall and CPU seconds of each run (CPU stays comparable on a shared
machine) and the wall seconds of ``integrita --help``, the fixed start-up cost that
every run includes. Targets on the 2-core machine: >= 250,000 rows/s, peak RSS <= 2 GB.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

from integrita.analytics.ledger import Ledger
from integrita.synthetic import write_amlworld_csv

OUT = Path(__file__).resolve().parent / "out" / "ingest"
INTEGRITA = Path(sys.executable).parent / "integrita"


def _ingest(path: Path, data_dir: Path) -> tuple[float, float, float]:
    """Run ``integrita ingest`` in a child; return (seconds, CPU seconds, peak RSS of children so far in MB).

    CPU time (user + system of the child) is reported beside wall time because the machine
    may be shared: it shows the work done, whatever else is running.
    """
    env = {**os.environ, "INTEGRITA_DATA_DIR": str(data_dir), "INTEGRITA_LOG_LEVEL": "WARNING"}
    env.pop("INTEGRITA_DATABASE_URL", None)
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    before, cpu_before = usage.ru_maxrss, usage.ru_utime + usage.ru_stime
    started = time.perf_counter()
    done = subprocess.run(
        [str(INTEGRITA), "ingest", str(path)], env=env, capture_output=True, text=True, check=False
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"ingest failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = usage.ru_utime + usage.ru_stime - cpu_before
    return seconds, cpu, max(usage.ru_maxrss, before) / 1024


def _startup_seconds() -> float:
    """Wall seconds of ``integrita --help``: the fixed cost of starting the command."""
    started = time.perf_counter()
    subprocess.run([str(INTEGRITA), "--help"], capture_output=True, check=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--transactions", type=int, default=5_000_000)
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="keep the generated file and ledger")
    args = parser.parse_args()

    shutil.rmtree(OUT, ignore_errors=True)
    OUT.mkdir(parents=True)
    csv_path = OUT / "amlworld.csv"
    started = time.perf_counter()
    rows = write_amlworld_csv(args.transactions, args.seed, csv_path)
    generate_s = time.perf_counter() - started

    startup_s = _startup_seconds()
    ledger = Ledger(OUT / "var" / "ledger")
    first_s, first_cpu, first_rss = _ingest(csv_path, OUT / "var")
    stored_first = ledger.count()
    second_s, second_cpu, second_rss = _ingest(csv_path, OUT / "var")
    stored_second = ledger.count()
    result = {
        "benchmark": "ingest.amlworld_csv",
        "rows": rows,
        "file_mb": round(csv_path.stat().st_size / 1e6, 1),
        "generator_seconds": round(generate_s, 2),
        "generator_rows_per_s": round(rows / generate_s),
        "cli_startup_seconds": round(startup_s, 2),
        "ingest_seconds": round(first_s, 2),
        "ingest_cpu_seconds": round(first_cpu, 2),
        "ingest_rows_per_s": round(rows / first_s),
        "ingest_peak_rss_mb": round(first_rss),
        "reingest_seconds": round(second_s, 2),
        "reingest_cpu_seconds": round(second_cpu, 2),
        "reingest_rows_per_s": round(rows / second_s),
        "ledger_rows_after_first": stored_first,
        "ledger_rows_after_second": stored_second,
        "reingest_stored_nothing": stored_second == stored_first,
        "peak_rss_mb_any_run": round(max(first_rss, second_rss)),
        "target_rows_per_s": 250_000,
        "target_peak_rss_mb": 2048,
        "cpus": os.cpu_count(),
        "load_average_1m_at_end": round(os.getloadavg()[0], 2),
    }
    if not args.keep:
        shutil.rmtree(OUT, ignore_errors=True)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
