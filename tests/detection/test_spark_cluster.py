"""The detectors on a Spark standalone cluster (a master and two workers on loopback) return
exactly what DuckDB returns over the same Parquet ledger.

The cluster runs in other JVMs; the driver runs in a child Python process because this test
process may already hold a local-mode Spark session (one SparkContext per process).
"""

from __future__ import annotations

import pickle
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import require
from tests.detection.test_engine_parity import assert_identical, everything_on, parity_ledger

_DRIVER = """
import pickle, sys
from pathlib import Path
from integrita.analytics.engine import SparkConfig, spark_session
from tests.detection.test_engine_parity import everything_on, parity_ledger

ledger, b = parity_ledger(Path(sys.argv[2]))
spark = spark_session(SparkConfig(master=sys.argv[1], executor_memory="1g"), shuffle_partitions=2)
result = everything_on("spark", ledger, b, spark)
workers = spark.sparkContext._jsc.sc().getExecutorMemoryStatus().size() - 1  # minus the driver
Path(sys.argv[3]).write_bytes(pickle.dumps((workers, result)))
spark.stop()
"""


@pytest.mark.spark
@pytest.mark.slow
def test_every_detector_on_a_two_worker_cluster_equals_duckdb(tmp_path: Path) -> None:
    require(shutil.which("java") is not None, "Java is needed for the Spark engine")
    from integrita.analytics.spark_cluster import standalone_cluster

    with standalone_cluster(tmp_path / "cluster", workers=2, memory_per_worker="1g") as url:
        out = tmp_path / "spark.pickle"
        run = subprocess.run(
            [sys.executable, "-c", _DRIVER, url, str(tmp_path / "spark-ledger"), str(out)],
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
        assert run.returncode == 0, run.stderr[-4000:]
    executors, on_cluster = pickle.loads(out.read_bytes())
    assert executors == 2  # the work ran on the two workers, not in the driver
    ledger, b = parity_ledger(tmp_path / "duck-ledger")
    assert_identical(everything_on("duckdb", ledger, b), on_cluster)
