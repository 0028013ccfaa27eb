"""Detection speed: a full run on DuckDB (time, peak memory), scoring rows/s, and Spark local mode.

Usage:
  python benchmarks/detection_speed.py                    # generate a 5,000,000-txn synthetic bank
  python benchmarks/detection_speed.py --bank-dir DIR     # a bank written by integrita.synthetic
  python benchmarks/detection_speed.py --no-spark         # skip the Spark local-mode run
  python benchmarks/detection_speed.py --spark-timeout S  # stop Spark after S seconds [3600]
  python benchmarks/detection_speed.py --spark-cluster    # also on a two-worker standalone cluster
  python benchmarks/detection_speed.py --scoring-only     # features and predictions only
  python benchmarks/detection_speed.py --model FILE       # detect + score with FILE (trained
                                                          # and saved there when missing)

Each engine runs ``run_detection`` (every detector, large-value records, alerts
grouped per customer and stored) in its own process group so its peak memory
(including Spark's JVM) can be measured; with no active model, as on a new installation.
Then the scoring figures (features of every transaction, predictions of a 300-tree model
trained on the bank's labels), and last the product's detect + score: the same DuckDB run
with that model active, which scores the run's evidence (``duckdb_detect_and_score``).
Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ledger_engine import whole_ledger_engine

#: Trees in the model whose predictions are timed.
SCORING_TREES = 300

_TEXT_LABELS = pacsv.ConvertOptions(column_types={"txn_id": pa.string()})


def _context(data: Path, engine: str):  # type: ignore[no-untyped-def]
    from integrita.services.core.context import Context
    from integrita.settings import Settings

    settings = Settings(
        data_dir=data,
        duckdb_memory_limit="5GB",
        duckdb_threads=2,
        spark_master="local[2]",
        spark_executor_memory="5g",
    )
    return Context.from_settings(settings)


def prepare(bank: Path, data: Path) -> int:
    """Ledger + customers and accounts in a fresh data directory; returns transactions stored."""
    from integrita.analytics.ledger import Ledger
    from integrita.store.repositories import customers as repo

    ctx = _context(data, "duckdb")
    ledger = Ledger(ctx.settings.resolved_ledger_dir)
    (ledger.root.parent / ".staging").mkdir(parents=True, exist_ok=True)
    stored = ledger.append_parquet(bank / "transactions.parquet").stored
    text = pacsv.ConvertOptions(
        column_types={
            "account_id": pa.string(),
            "customer_id": pa.string(),
            "id_number": pa.string(),
        }
    )
    customers = pacsv.read_csv(bank / "customers.csv", convert_options=text).to_pylist()
    accounts = pacsv.read_csv(bank / "accounts.csv", convert_options=text).to_pylist()
    with ctx.db.transaction() as session:
        repo.upsert_customers(
            session,
            [
                {
                    "customer_id": c["customer_id"],
                    "customer_type": c["customer_type"],
                    "name": c["name"],
                    "id_document_type": c["id_document_type"],
                    "id_number": str(c["id_number"]),
                }
                for c in customers
            ],
        )
        repo.upsert_accounts(
            session,
            [
                {
                    "account_id": a["account_id"],
                    "bank_id": a["bank_id"],
                    "customer_id": a["customer_id"],
                    "account_type": a["account_type"],
                    "opened_on": a["opened_on"]
                    if isinstance(a["opened_on"], date)
                    else date(2020, 1, 1),
                }
                for a in accounts
            ],
        )
    return stored


def _own_peak_rss_mb() -> float:
    """This process's peak resident memory since it started (``VmHWM``). Not ``ru_maxrss``: Linux
    carries that over ``exec`` from the forked copy of the parent, so a child started by a
    parent holding gigabytes reported the parent's peak as its own."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)  # not Linux


def child(data: Path, engine: str, master: str | None = None) -> None:
    """Run detection once and print its figures (called in a fresh process)."""
    from integrita.services.monitoring.detection import run_detection

    ctx = _context(data, engine)
    steps: dict[str, float] = {}
    started = time.perf_counter()
    summary = run_detection(
        ctx,
        engine,
        lambda step, _done, _total: steps.setdefault(step, time.perf_counter()),
        spark_master=master,
    )
    seconds = time.perf_counter() - started
    out = {
        "seconds": round(seconds, 1),
        # scoring the evidence with the active model, grouping and storing the alerts
        "seconds_from_scoring_on": round(started + seconds - steps["scoring"], 1),
        "scored_with": summary.scored_with,
        "alerts_raised": summary.alerts_raised,
        "large_value_records": summary.large_value_records,
        "matches": {t.typology: t.matches for t in summary.typologies},
        "peak_rss_mb_self": _own_peak_rss_mb(),
    }
    print(json.dumps(out))


def scoring_speed(data: Path, bank: Path, model_file: Path) -> dict[str, float]:
    """Features for every transaction and LightGBM predictions: rows per second of each.

    The model is trained on the bank's own labels for ``SCORING_TREES`` rounds, so the
    booster being timed has the size of a real one; it is saved to ``model_file``.
    """
    import numpy as np

    from integrita.analytics.graph_features import staged_graph_features
    from integrita.detection import model as ml
    from integrita.detection.features import feature_names
    from integrita.services.core.ledger import open_ledger
    from integrita.services.monitoring.feature_matrix import every_transaction

    names = feature_names()
    eng = whole_ledger_engine(open_ledger(_context(data, "duckdb")))
    try:
        started, cpu = time.perf_counter(), time.process_time()
        with staged_graph_features(eng):
            graph_cpu = time.process_time() - cpu
            # the matrix filled batch by batch by the product's own code (unordered here)
            found = every_transaction(eng, ["txn_id"])
        feature_seconds = time.perf_counter() - started
        feature_cpu = time.process_time() - cpu
    finally:
        eng.close()
    x = found.x
    labels = pacsv.read_csv(bank / "labels.csv", convert_options=_TEXT_LABELS)
    laundering = set(labels.filter(pc.field("is_laundering")).column("txn_id").to_pylist())
    y = np.fromiter((t in laundering for t in found.keys["txn_id"].to_pylist()), bool, len(x))
    import lightgbm as lgb

    # A fixed number of trees with the product's parameters: early stopping on this
    # model-free feature set stops after a couple of trees, which would time a toy.
    sample = slice(0, min(len(x), 1_000_000))
    booster = lgb.train(
        ml.DEFAULT_PARAMS,
        lgb.Dataset(x[sample], label=y[sample], feature_name=names),
        num_boost_round=SCORING_TREES,
    )
    booster.save_model(str(model_file))
    started, cpu = time.perf_counter(), time.process_time()
    booster.predict(x)
    predict_seconds = time.perf_counter() - started
    predict_cpu = time.process_time() - cpu
    return {
        "rows": len(x),
        "feature_seconds": round(feature_seconds, 1),
        "feature_rows_per_second": round(len(x) / feature_seconds),
        # CPU seconds of the process (both DuckDB threads): less moved by other jobs' load
        "feature_cpu_seconds": round(feature_cpu, 1),
        "graph_feature_cpu_seconds": round(graph_cpu, 1),
        "predict_seconds": round(predict_seconds, 1),
        "predict_rows_per_second": round(len(x) / predict_seconds),
        "predict_cpu_seconds": round(predict_cpu, 1),
        "trees": booster.current_iteration(),
        "num_leaves": ml.DEFAULT_PARAMS["num_leaves"],
        "laundering_rows": int(y.sum()),
    }


def activate_model(data: Path, model_file: Path) -> str:
    """Register ``model_file`` as the active scoring model of the data directory ``data``, as
    ``integrita model train`` does: the next detection run scores its evidence with it. Its card
    has no threshold and no entity-score calibration (the model was not trained with the
    temporal split), so the run ranks alerts with the default calibration: what is timed is
    the scoring, not the ranking."""
    from datetime import UTC, datetime

    from integrita.detection.features import feature_names
    from integrita.store.repositories import detection as repo

    ctx = _context(data, "duckdb")
    folder = data / "models" / "speed-benchmark"
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(model_file, folder / "model.txt")
    card = {"version": folder.name, "features": feature_names(), "trees": SCORING_TREES}
    with ctx.db.transaction() as session:
        repo.add_model(
            session, version=folder.name, created_at=datetime.now(UTC), path=str(folder), card=card
        )
        repo.activate_model(session, folder.name)
    return folder.name


def _group_rss_mb(pgid: int) -> float:
    """Resident memory of every process in process group ``pgid`` (Linux /proc), in MB."""
    page = os.sysconf("SC_PAGE_SIZE")
    total = 0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
            if int(stat.rsplit(")", 1)[1].split()[2]) != pgid:  # field 5: process group
                continue
            total += int(Path(entry.path, "statm").read_text().split()[1]) * page
        except (OSError, ValueError, IndexError):
            continue  # the process ended while being read
    return total / 2**20


def _run_child(
    engine: str, data: Path, timeout: float | None, master: str | None = None
) -> dict[str, object] | str:
    """One engine's run in a fresh process group; figures or an error.

    The group's memory (Spark's JVM included, which the child's own peak leaves out) is
    sampled twice a second while it runs.
    """
    proc = subprocess.Popen(
        [sys.executable, __file__, "--child", engine, "--data", str(data)]
        + (["--master", master] if master else []),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    peak = [0.0]
    done = threading.Event()

    def watch() -> None:
        while not done.wait(0.5):
            peak[0] = max(peak[0], _group_rss_mb(proc.pid))

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        return f"did not finish within {timeout:.0f} s"
    finally:
        done.set()
        watcher.join()
    if proc.returncode != 0:
        return " ".join(err.strip().splitlines()[-1:]) or f"exit status {proc.returncode}"
    figures: dict[str, object] = json.loads(out.strip().splitlines()[-1])
    figures["peak_rss_mb_process_group"] = round(peak[0], 1)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bank-dir", type=Path)
    parser.add_argument("--transactions", type=int, default=5_000_000)
    parser.add_argument("--no-spark", action="store_true")
    parser.add_argument("--scoring-only", action="store_true", help="only the scoring figures")
    parser.add_argument(
        "--spark-timeout", type=float, default=3600, help="seconds before the Spark run is stopped"
    )
    parser.add_argument(
        "--spark-cluster",
        action="store_true",
        help="also run Spark on a standalone master with two one-core workers on loopback",
    )
    parser.add_argument(
        "--model",
        type=Path,
        help="the scoring model of the detect + score run: used if the file exists (and the "
        "every-transaction scoring is skipped), else trained by it and saved there",
    )
    parser.add_argument("--child", choices=["duckdb", "spark"])
    parser.add_argument("--master")
    parser.add_argument("--data", type=Path)
    args = parser.parse_args()
    if args.child:
        child(args.data, args.child, args.master)
        return
    with tempfile.TemporaryDirectory(prefix="integrita-speed-") as tmp:
        root = Path(tmp)
        bank = args.bank_dir
        if bank is None:
            from integrita.synthetic import (  # type: ignore[attr-defined]
                amlworld_config,
                generate_bank,
            )

            bank = root / "bank"
            generate_bank(amlworld_config(args.transactions, 11), bank)
        base = root / "base"
        stored = prepare(bank, base)
        result: dict[str, object] = {"benchmark": "detection_speed", "transactions": stored}
        engines = [] if args.scoring_only else ["duckdb"] + ([] if args.no_spark else ["spark"])
        for engine in engines:
            data = root / engine
            shutil.copytree(base, data)
            timeout = args.spark_timeout if engine == "spark" else None
            outcome = _run_child(engine, data, timeout)
            result[engine] = {"error": outcome} if isinstance(outcome, str) else outcome
        if args.spark_cluster:
            from integrita.analytics.spark_cluster import standalone_cluster

            data = root / "spark-cluster"
            shutil.copytree(base, data)
            with standalone_cluster(root / "cluster", workers=2, memory_per_worker="6g") as url:
                outcome = _run_child("spark", data, args.spark_timeout, url)
            # the group measured is the driver's; the two workers' JVMs hold the cached ledger
            result["spark_cluster_2_workers"] = (
                {"error": outcome} if isinstance(outcome, str) else outcome
            )
        model_file = args.model or root / "model.txt"
        if model_file.exists() and not args.scoring_only:
            result["scoring"] = {"skipped": f"the model of {model_file} was given"}
        else:
            result["scoring"] = scoring_speed(base, bank, model_file)
        if not args.scoring_only:
            # what `integrita detect run` does with a trained model: detect, then score the
            # evidence (not every transaction) with it, group and store the alerts
            data = root / "duckdb-with-model"
            shutil.copytree(base, data)
            activate_model(data, model_file)
            outcome = _run_child("duckdb", data, None)
            result["duckdb_detect_and_score"] = (
                {"error": outcome} if isinstance(outcome, str) else outcome
            )
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
