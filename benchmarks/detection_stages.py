"""Where a detection run spends its time and memory: seconds and peak resident memory per stage.

Usage:
  python benchmarks/detection_stages.py --bank-dir DIR

Loads the bank in ``DIR`` (written by ``integrita.synthetic``) into a fresh data directory as
``detection_speed.py`` does, then runs ``run_detection`` once on DuckDB with its settings. The
stages are the run's progress steps (one per detector, large-value reports, scoring) and, inside
the last one, the steps after the detectors (``build_matches``, ``txn_ends``, ``group_alerts``,
``_store``), marked by wrapping those functions of the detection module for this process only.
Resident memory is sampled every 0.1 s, so a peak shorter than that can be missed. Prints one
JSON object.
"""

from __future__ import annotations

import argparse
import functools
import json
import resource
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

#: Functions of the detection module after the detectors, timed as stages of their own.
INNER_STEPS = ("build_matches", "txn_ends", "group_alerts", "_store")


def _rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize() / 2**20


class StageClock:
    """Seconds and peak memory of the stage in progress, added up per stage name."""

    def __init__(self) -> None:
        self.current = "open"
        self.seconds: dict[str, float] = {}
        self.peak_mb: dict[str, float] = {}
        self._since = time.perf_counter()
        self._done = threading.Event()
        threading.Thread(target=self._sample, daemon=True).start()

    def _sample(self) -> None:
        while not self._done.wait(0.1):
            stage = self.current
            self.peak_mb[stage] = max(self.peak_mb.get(stage, 0.0), _rss_mb())

    def mark(self, stage: str) -> None:
        now = time.perf_counter()
        self.seconds[self.current] = self.seconds.get(self.current, 0.0) + now - self._since
        self._since = now
        self.current = stage

    def stop(self) -> dict[str, dict[str, float]]:
        self.mark("end")
        self._done.set()
        return {
            name: {"seconds": round(s, 1), "peak_rss_mb": round(self.peak_mb.get(name, 0.0))}
            for name, s in self.seconds.items()
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bank-dir", type=Path, required=True)
    args = parser.parse_args()

    from benchmarks.detection_speed import _context, prepare

    import integrita.services.monitoring.detection as detection

    with tempfile.TemporaryDirectory(prefix="integrita-stages-") as tmp:
        data = Path(tmp) / "data"
        prepare(args.bank_dir, data)
        print(json.dumps(run(detection, _context(data, "duckdb"))))


def run(detection: Any, ctx: Any) -> dict[str, object]:
    """One detection run with every stage timed."""
    clock = StageClock()

    def timed(name: str) -> None:
        inner = getattr(detection, name)

        @functools.wraps(inner)
        def wrapper(*a: Any, **k: Any) -> Any:
            outer = clock.current
            clock.mark(name)
            try:
                return inner(*a, **k)
            finally:
                clock.mark(outer)

        setattr(detection, name, wrapper)

    for name in INNER_STEPS:
        timed(name)
    started = time.perf_counter()
    summary = detection.run_detection(ctx, "duckdb", progress=lambda s, _d, _t: clock.mark(s))
    seconds = time.perf_counter() - started
    stages = clock.stop()
    return {
        "benchmark": "detection_stages",
        "seconds": round(seconds, 1),
        "alerts_raised": summary.alerts_raised,
        "peak_rss_mb_self": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "stages": stages,
    }


if __name__ == "__main__":
    main()
