"""Per-detector quality on the tuning bank and the independent bank, side by side: detectors only.

Usage:
  python benchmarks/detectors.py                          # two 200,000-transaction banks
  python benchmarks/detectors.py --work-dir DIR           # keep (and reuse) the banks in DIR
  python benchmarks/detectors.py --only stack cycle       # some detectors only

Each bank — the synthetic (tuning) configuration and the independent configuration, which the
detectors are never tuned on — is generated and ingested through the product (``ingest_path``)
once; with ``--work-dir`` a later run reuses what is there. Then every detector runs once over
the whole ledger as of its end (no model, no features, no peer) and its evidence is counted with
:func:`integrita.detection.quality.typology_figures` — recall with the same typology on both
sides — on the test split that ``benchmarks/detection_quality.py`` reports (the last 20 % in
time after the embargo) and over the whole ledger. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from integrita.analytics.engine import ScanRange, ledger_bounds, open_engine
from integrita.detection import model as ml
from integrita.detection.catalogue import detectors
from integrita.detection.features import LONGEST_WINDOW_SECONDS
from integrita.detection.matches import build_matches, run_detector
from integrita.detection.quality import typology_figures
from integrita.services.core.context import Context
from integrita.services.core.ledger import open_ledger
from integrita.services.ingest.ingest import ingest_path
from integrita.services.monitoring.detection import batch_fx_table, owners_table
from integrita.services.monitoring.scoring import read_labels
from integrita.settings import Settings
from integrita.store.repositories import detection as repo

BANKS = ("tuning", "independent")


def prepared(root: Path, bank: str, n: int) -> Context:
    """A data directory holding ``bank`` (n transactions) ingested; generated when missing."""
    from integrita.synthetic import amlworld_config, generate_bank
    from integrita.synthetic.independent import independent_config

    home = root / f"{bank}-{n}"
    ctx = Context.from_settings(Settings(data_dir=home / "var"))
    if not (home / "ingested").exists():
        config = independent_config(n) if bank == "independent" else amlworld_config(n, 7)
        generate_bank(config, home / "bank")
        print(f"{bank}: generated {n} transactions", file=sys.stderr, flush=True)
        ingest_path(ctx, home / "bank")
        (home / "ingested").touch()
        print(f"{bank}: ingested", file=sys.stderr, flush=True)
    return ctx


def measure_bank(ctx: Context, only: list[str] | None) -> dict[str, Any]:
    """Every (chosen) detector over the whole ledger; figures on the test split and overall."""
    ledger = open_ledger(ctx)
    bounds = ledger_bounds(ledger)
    assert bounds is not None, "the bank was not ingested"
    scan = ScanRange(bounds[0], datetime.fromtimestamp(bounds[1].timestamp() + 1, UTC))
    with ctx.db.transaction() as session:
        owners = repo.account_owners(session)
    chosen = detectors(only)
    seconds: dict[str, float] = {}
    rows = []
    eng = open_engine("duckdb", ledger, scan, batch_fx_table(ctx))
    try:
        eng.register("owners", owners_table(owners))
        every = eng.query("SELECT txn_id, ts FROM txn ORDER BY ts, txn_id")
        for det in chosen:
            t0 = time.perf_counter()
            rows.extend(run_detector(eng, det, det.default_params))
            seconds[det.name] = round(time.perf_counter() - t0, 2)
            print(f"  {det.name}: {seconds[det.name]} s", file=sys.stderr, flush=True)
    finally:
        eng.close()
    ids = [str(t) for t in every["txn_id"].to_pylist()]
    ts = np.asarray(every["ts"])
    _, _, te = ml.temporal_split(ts, embargo_seconds=LONGEST_WINDOW_SECONDS)
    labels = read_labels(ctx.settings.labels_dir).to_pydict()
    positives = {t for t, f in zip(labels["txn_id"], labels["is_laundering"], strict=True) if f}
    typology_of = {
        t: k
        for t, f, k in zip(
            labels["txn_id"], labels["is_laundering"], labels["typology"], strict=True
        )
        if f and k
    }
    flagged: dict[str, set[str]] = {}
    for m in build_matches(rows):
        flagged.setdefault(m.typology, set()).update(m.txn_ids)
    names = [d.name for d in chosen]

    def figures(universe: set[str]) -> dict[str, Any]:
        found = typology_figures(flagged, positives, typology_of, names, universe)
        return {
            k: {f: round(v, 4) if isinstance(v, float) else v for f, v in row.items()}
            for k, row in found.items()
        }

    return {
        "transactions": len(ids),
        "laundering": len(positives),
        "test_transactions": len(te),
        "test": figures({ids[i] for i in te}),
        "all": figures(set(ids)),
        "seconds": seconds,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--transactions", type=int, default=200_000)
    parser.add_argument("--work-dir", type=Path, help="keep the ingested banks here for reuse")
    parser.add_argument("--only", nargs="+", help="these detectors only")
    parser.add_argument("--banks", nargs="+", choices=BANKS, default=list(BANKS))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="integrita-detectors-") as tmp:
        root = args.work_dir or Path(tmp)
        banks = {}
        for bank in args.banks:
            ctx = prepared(root, bank, args.transactions)
            print(f"{bank}: detecting", file=sys.stderr, flush=True)
            banks[bank] = measure_bank(ctx, args.only)
    side_by_side = {
        name: {bank: banks[bank]["test"][name] for bank in banks}
        for name in next(iter(banks.values()))["test"]
    }
    result = {
        "benchmark": "detectors",
        "transactions": args.transactions,
        "split": "test = last 20 % in time after the embargo, as in detection_quality.py",
        "test_by_typology": side_by_side,
        "banks": banks,
    }
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
