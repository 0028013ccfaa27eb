"""Benchmark: screening quality beside nomenklatura (the peer) and screening speed.

    .venv/bin/python benchmarks/screening.py [--pairs FILE.csv] [--entities 50000]
        [--queries 5000] [--book 1000000] [--delta 500] [--skip-speed | --speed-only]
        [--check-delta]

Quality: integrita and nomenklatura's logic-v2 (yente's default algorithm, from PyPI) score the
same labelled pairs -- the built-in set (``benchmarks/screening_pairs.py``, 1,200 pairs in six
categories) or ``--pairs FILE.csv`` with the columns left_name, left_schema, left_country,
left_birth_date, right_name, right_schema, right_country, right_birth_date, label. Precision,
recall and F1 at each one's default threshold (integrita 0.80, yente 0.70), overall and per
category, and each one's best threshold on the set (an upper bound for tuning). The misses are
listed. nomenklatura pins versions integrita's environment cannot take; it runs in the
interpreter named by ``INTEGRITA_PEER_PYTHON`` (default ``.venv-peer/bin/python``, made with
``python -m venv .venv-peer && .venv-peer/bin/pip install nomenklatura==4.17.4``). Without it
the benchmark stops with that instruction.

Speed: a synthetic list of ``--entities`` entities (about 2.3 names each) in the blocking index;
``--queries`` screenings one at a time (p50/p99) and on two processes (screenings/s). Delta
screening: a ``--book`` customer book is generated and its blocking keys stored once (Parquet
segments, as onboarding writes them; timed apart), then a list change of ``--delta`` entities is
timed end to end -- indexing the change, the DuckDB join of its keys against the book's, and
scoring the customers met on two processes (reading those customers from the database is not
included). ``--check-delta`` also scans the whole book and counts matches the join missed.
``--speed-only`` skips the pairs and the peer. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from multiprocessing import get_context
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import orjson
import pyarrow.parquet as pq

import screening_pairs as pairs_mod
from integrita.analytics.screening_keys import CustomerKeyStore
from integrita.detection.screening.index import READING_PREFIX, BlockingIndex, subject_keys
from integrita.detection.screening.matcher import DEFAULT_THRESHOLD, score
from integrita.domain.screening import ListEntity, Subject

ROOT = Path(__file__).resolve().parent.parent
PEER_THRESHOLD = 0.70  # yente's default for logic-v2


def peer_python() -> str:
    explicit = os.environ.get("INTEGRITA_PEER_PYTHON")
    candidates = (
        [explicit] if explicit else [str(ROOT / ".venv-peer" / "bin" / "python"), sys.executable]
    )
    for python in candidates:
        if python and Path(python).exists():
            probe = subprocess.run(
                [python, "-c", "import nomenklatura.matching"], capture_output=True, check=False
            )
            if probe.returncode == 0:
                return python
    raise SystemExit(
        "nomenklatura (the peer) is not installed. Make its environment with\n"
        "  python3.11 -m venv .venv-peer && .venv-peer/bin/pip install nomenklatura==4.17.4\n"
        "or point INTEGRITA_PEER_PYTHON at an interpreter that has it."
    )


def _side(name: str, schema: str, country: str, birth: str) -> dict[str, str]:
    return {"name": name, "schema": schema, "country": country, "birth_date": birth}


def peer_scores(pairs: list[pairs_mod.Pair]) -> list[float]:
    lines = b"".join(
        orjson.dumps(
            {
                "i": i,
                "left": _side(p.left_name, p.left_schema, p.left_country, p.left_birth_date),
                "right": _side(p.right_name, p.right_schema, p.right_country, p.right_birth_date),
            }
        )
        + b"\n"
        for i, p in enumerate(pairs)
    )
    done = subprocess.run(
        [peer_python(), str(Path(__file__).with_name("screening_peer.py"))],
        input=lines,
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"the peer failed:\n{done.stderr.decode()[-2000:]}")
    scores = [0.0] * len(pairs)
    for line in done.stdout.splitlines():
        item = orjson.loads(line)
        scores[item["i"]] = float(item["score"])
    return scores


def integrita_scores(pairs: list[pairs_mod.Pair]) -> list[float]:
    out = []
    for p in pairs:
        subject = Subject(
            p.left_name,
            schema=p.left_schema,
            birth_date=p.left_birth_date or None,
            countries=(p.left_country,) if p.left_country else (),
        )
        entity = ListEntity(
            "pair",
            p.right_schema,
            (p.right_name,),
            birth_dates=(p.right_birth_date,) if p.right_birth_date else (),
            countries=(p.right_country,) if p.right_country else (),
        )
        out.append(score(subject, entity).score)
    return out


def prf(labels: list[int], predicted: list[bool]) -> dict[str, float | int]:
    tp = sum(1 for y, p in zip(labels, predicted, strict=True) if y and p)
    fp = sum(1 for y, p in zip(labels, predicted, strict=True) if not y and p)
    fn = sum(1 for y, p in zip(labels, predicted, strict=True) if y and not p)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
        "tp": tp,
        "fp": fp,
        "fn": fn,
    }


def evaluate(pairs: list[pairs_mod.Pair], scores: list[float], threshold: float) -> dict[str, Any]:
    labels = [p.label for p in pairs]
    result: dict[str, Any] = {
        "threshold": threshold,
        **prf(labels, [s >= threshold for s in scores]),
    }
    by_category: dict[str, list[int]] = defaultdict(list)
    for i, p in enumerate(pairs):
        by_category[p.category].append(i)
    if len(by_category) > 1:
        result["categories"] = {
            c: prf([labels[i] for i in idx], [scores[i] >= threshold for i in idx])
            for c, idx in sorted(by_category.items())
        }
    best = max(
        (prf(labels, [s >= t / 100 for s in scores])["f1"], t / 100) for t in range(5, 100, 5)
    )
    result["best_threshold"] = {"threshold": best[1], "f1": best[0]}
    result["misses"] = [
        {
            "category": p.category,
            "left": p.left_name,
            "right": p.right_name,
            "label": p.label,
            "score": round(s, 3),
            **(
                {"birth_dates": [p.left_birth_date, p.right_birth_date]}
                if p.left_birth_date
                else {}
            ),
        }
        for p, s in zip(pairs, scores, strict=True)
        if (s >= threshold) != bool(p.label)
    ]
    return result


# -- speed ------------------------------------------------------------------------------------------

#: The index the worker processes screen against (inherited when they fork).
_SHARED: dict[str, BlockingIndex] = {}


def build_index(n: int) -> BlockingIndex:
    index = BlockingIndex()
    index.add(
        ListEntity(eid, schema, tuple(names), birth_dates=(born,) if born else ())
        for eid, schema, names, born in pairs_mod.synthetic_entities(n)
    )
    return index.freeze()


def _screen_slice(args: tuple[int, int, int]) -> tuple[int, int, float, float]:
    """Screen customers [start, stop) of the synthetic book with seed ``seed``; returns
    (screened, matches, seconds, CPU seconds)."""
    start, stop, seed = args
    index = _SHARED["index"]
    subjects = [
        Subject(name, birth_date=born)
        for name, born in pairs_mod.customer_names(stop - start, seed + start)
    ]
    began, cpu = time.perf_counter(), time.process_time()
    found = 0
    for subject in subjects:
        found += len(index.screen(subject, threshold=DEFAULT_THRESHOLD, limit=5))
    return len(subjects), found, time.perf_counter() - began, time.process_time() - cpu


def on_two_processes(total: int, seed: int, chunk: int = 50_000) -> dict[str, Any]:
    slices = [(s, min(s + chunk, total), seed) for s in range(0, total, chunk)]
    began = time.perf_counter()
    with get_context("fork").Pool(2) as pool:
        results = pool.map(_screen_slice, slices)
    wall = time.perf_counter() - began
    screened = sum(r[0] for r in results)
    busy = sum(r[2] for r in results)
    cpu = sum(r[3] for r in results)
    return {
        "screened": screened,
        "matches": sum(r[1] for r in results),
        "wall_seconds": round(wall, 2),
        "screening_seconds_per_process": round(busy / 2, 2),
        "screenings_per_second": round(screened / wall, 1),
        # what two cores would do if the screening had them to itself (a shared machine's
        # wall clock counts other people's jobs)
        "screening_cpu_seconds_per_process": round(cpu / 2, 2),
        "screenings_per_cpu_second_x2": round(2 * screened / cpu, 1) if cpu else None,
    }


# -- delta screening of the book -------------------------------------------------------------------

#: The synthetic book (generated and keyed in the worker processes, kept for scoring).
_BOOK: list[tuple[str, str]] = []


def _key_slice(args: tuple[int, int, int, str]) -> tuple[list[tuple[str, str]], float]:
    """Generate customers [start, stop) of the book and store their blocking keys (what
    onboarding does for each new customer)."""
    start, stop, seed, root = args
    cpu = time.process_time()
    book = list(pairs_mod.customer_names(stop - start, seed + start))
    CustomerKeyStore(Path(root)).write(
        (f"C{start + i}", subject_keys(Subject(name, birth_date=born)))
        for i, (name, born) in enumerate(book)
    )
    return book, time.process_time() - cpu


def _score_customers(args: tuple[int, int]) -> tuple[list[tuple[int, str]], float, float]:
    """Score book customers at positions ``_SHARED_IDS[start:stop]`` against the changed
    entities the join found for them (all the index offers when none is given); returns
    (customer, entity) matches and seconds."""
    start, stop = args
    index = _SHARED["index"]
    began, cpu = time.perf_counter(), time.process_time()
    found = []
    for at in _SHARED_IDS[start:stop]:
        name, born = _BOOK[at]
        among = _SHARED_MET.get(at)
        subject = Subject(name, birth_date=born)
        for entry, _ in index.screen(subject, limit=5, among=among):
            found.append((at, entry.entity.entity_id))
    return found, time.perf_counter() - began, time.process_time() - cpu


_SHARED_IDS: list[int] = []
_SHARED_MET: dict[int, list[int]] = {}


def _on_two(ids: list[int]) -> tuple[list[tuple[int, str]], float, float]:
    """Score these book positions on two processes: matches, busy seconds, CPU seconds."""
    _SHARED_IDS[:] = ids
    step = max(1, len(ids) // 8)
    with get_context("fork").Pool(2) as pool:
        parts = pool.map(_score_customers, [(s, s + step) for s in range(0, len(ids), step)])
    matches = [m for found, _, _ in parts for m in found]
    return matches, sum(p[1] for p in parts), sum(p[2] for p in parts)


def delta_screening(book: int, delta: int, *, check: bool = False) -> dict[str, Any]:
    """Key a ``book``-customer book once (as onboarding does), then time a list change of
    ``delta`` entities: the DuckDB join of their keys against the book's, and the scoring of
    the customers met (two processes). ``check`` also scans the whole book against the change
    and reports any match the join missed."""
    with tempfile.TemporaryDirectory(prefix="integrita-keys-") as root:
        chunk = 50_000
        slices = [(s, min(s + chunk, book), 303, root) for s in range(0, book, chunk)]
        began = time.perf_counter()
        with get_context("fork").Pool(2) as pool:
            parts = pool.map(_key_slice, slices)
        _BOOK[:] = [c for part, _ in parts for c in part]
        keying_cpu = sum(c for _, c in parts)
        keyed = time.perf_counter() - began
        store = CustomerKeyStore(Path(root))
        # the change: entities named from the same tables as the book, so some meet customers
        began = time.perf_counter()
        index = BlockingIndex()
        index.add(
            ListEntity(f"D{eid}", schema, tuple(names), birth_dates=(born,) if born else ())
            for eid, schema, names, born in pairs_mod.synthetic_entities(delta, seed=11)
        )
        _SHARED["index"] = index.freeze()
        indexed = time.perf_counter() - began
        join_cpu_began = time.process_time()
        _SHARED_MET.clear()
        _SHARED_MET.update(
            {
                int(c[1:]): found
                for c, found in store.meeting(
                    index.entity_keys(), reading_prefix=READING_PREFIX
                ).items()
            }
        )
        met = sorted(_SHARED_MET)
        joined = time.perf_counter() - began
        join_cpu = time.process_time() - join_cpu_began
        matches, busy, cpu = _on_two(met)
        total = time.perf_counter() - began
        result: dict[str, Any] = {
            "book": book,
            "changed_entities": delta,
            "book_keying_seconds_once": round(keyed, 2),
            "book_keying_cpu_seconds_once": round(keying_cpu, 2),
            "key_rows": sum(pq.ParquetFile(f).metadata.num_rows for f in store.segments()),
            "customers_met": len(met),
            "pairs_scored": sum(map(len, _SHARED_MET.values())),
            "matches": len(matches),
            "index_seconds": round(indexed, 2),
            "join_seconds": round(joined - indexed, 2),
            "join_cpu_seconds": round(join_cpu, 2),
            "scoring_seconds_wall": round(total - joined, 2),
            "scoring_seconds_per_process": round(busy / 2, 2),
            "scoring_cpu_seconds_per_process": round(cpu / 2, 2),
            "delta_seconds": round(total, 2),
        }
        if check:
            _SHARED_MET.clear()
            everyone, _, _ = _on_two(list(range(book)))
            result["full_scan_matches"] = len(everyone)
            result["missed_by_join"] = len(set(everyone) - set(matches))
    return result


def speed(
    entities: int, queries: int, book: int, delta: int, *, check: bool = False
) -> dict[str, Any]:
    began = time.perf_counter()
    index = build_index(entities)
    built = time.perf_counter() - began
    _SHARED["index"] = index
    subjects = [
        Subject(name, birth_date=born) for name, born in pairs_mod.customer_names(queries, 101)
    ]
    # a tenth of the queries are list entities' own names, as a true hit looks
    listed = [e.entity.names[-1] for e in index.entries[: queries // 10]]
    subjects[: len(listed)] = [Subject(n) for n in listed]
    latencies = []
    for subject in subjects:
        t = time.perf_counter()
        index.screen(subject, limit=5)
        latencies.append(time.perf_counter() - t)
    latencies.sort()
    parallel = on_two_processes(queries * 4, 202, chunk=max(1, queries // 2))
    result: dict[str, Any] = {
        "entities": len(index),
        "aliases": index.aliases,
        "index_build_seconds": round(built, 2),
        "single": {
            "screenings": len(latencies),
            "p50_ms": round(latencies[len(latencies) // 2] * 1000, 3),
            "p99_ms": round(latencies[int(len(latencies) * 0.99)] * 1000, 3),
            "max_ms": round(latencies[-1] * 1000, 3),
        },
        "two_processes": parallel,
    }
    if book:
        result["delta"] = delta_screening(book, delta, check=check)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pairs", type=Path, help="A labelled pair file (CSV).")
    parser.add_argument("--entities", type=int, default=50_000)
    parser.add_argument("--queries", type=int, default=5_000)
    parser.add_argument("--book", type=int, default=1_000_000)
    parser.add_argument("--delta", type=int, default=500)
    parser.add_argument("--skip-speed", action="store_true")
    parser.add_argument(
        "--speed-only", action="store_true", help="Measure speed only (no pairs, no peer)."
    )
    parser.add_argument(
        "--check-delta",
        action="store_true",
        help="Also scan the whole book against the change and count matches the join missed.",
    )
    parser.add_argument("--write-pairs", type=Path, help="Write the built-in labelled set here.")
    args = parser.parse_args()
    if args.speed_only:
        print("speed: building the index and screening ...", file=sys.stderr)
        only = {"command": " ".join(["benchmarks/screening.py", *sys.argv[1:]])}
        only["speed"] = speed(
            args.entities, args.queries, args.book, args.delta, check=args.check_delta
        )
        print(json.dumps(only, ensure_ascii=False, indent=1))
        return
    pairs = pairs_mod.read(args.pairs) if args.pairs else pairs_mod.generate()
    if args.write_pairs:
        pairs_mod.write(pairs, args.write_pairs)
    print(f"scoring {len(pairs)} pairs with integrita and the peer ...", file=sys.stderr)
    ours = integrita_scores(pairs)
    theirs = peer_scores(pairs)
    report: dict[str, Any] = {
        "command": " ".join(["benchmarks/screening.py", *sys.argv[1:]]),
        "pairs": len(pairs),
        "source": str(args.pairs)
        if args.pairs
        else "built-in (benchmarks/screening_pairs.py, seed 19)",
        "integrita": evaluate(pairs, ours, DEFAULT_THRESHOLD),
        "peer": {"name": "nomenklatura logic-v2 4.17.4", **evaluate(pairs, theirs, PEER_THRESHOLD)},
    }
    if not args.pairs and not args.skip_speed:
        print("speed: building the index and screening ...", file=sys.stderr)
        report["speed"] = speed(
            args.entities, args.queries, args.book, args.delta, check=args.check_delta
        )
    print(json.dumps(report, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
