"""A Spark standalone cluster on this machine's loopback: one master and N workers.

Spark's own launcher (``bin/spark-class`` inside the ``pyspark`` package) starts the master and
the workers as separate JVMs, exactly as on a real cluster, so ``integrita detect run --engine
spark --master spark://127.0.0.1:PORT`` exercises the cluster path (executors in other
processes, the driver serving them over the network) without a second machine. The tests and
``benchmarks/detection_speed.py --spark-cluster`` use it; ``python -m
integrita.analytics.spark_cluster`` starts one for a person to try.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO


def spark_class() -> Path:
    """The ``spark-class`` launcher shipped inside the installed ``pyspark`` package."""
    import pyspark

    return Path(pyspark.__file__).parent / "bin" / "spark-class"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _alive_workers(web_port: int) -> int:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{web_port}/json/", timeout=2) as answer:
            state = json.loads(answer.read())
    except OSError:
        return -1
    return sum(1 for w in state.get("workers", []) if w.get("state") == "ALIVE")


@contextmanager
def standalone_cluster(
    workdir: Path,
    *,
    workers: int = 2,
    cores_per_worker: int = 1,
    memory_per_worker: str = "2g",
    start_timeout: float = 120.0,
) -> Iterator[str]:
    """Start a master and ``workers`` workers bound to 127.0.0.1; yield the master URL.

    Each JVM runs in its own process group and is stopped (SIGTERM, then SIGKILL) on exit, so a
    failing test leaves no cluster behind. Logs go to ``workdir``.
    """
    workdir.mkdir(parents=True, exist_ok=True)
    env = dict(
        os.environ,
        SPARK_LOCAL_IP="127.0.0.1",
        SPARK_WORKER_DIR=str(workdir / "work"),
        SPARK_LOG_DIR=str(workdir / "logs"),
        PYSPARK_PYTHON=sys.executable,
    )
    launcher = str(spark_class())
    port, web_port = _free_port(), _free_port()
    url = f"spark://127.0.0.1:{port}"
    processes: list[subprocess.Popen[bytes]] = []
    logs: list[IO[bytes]] = []

    def start(name: str, args: list[str]) -> None:
        log = (workdir / f"{name}.log").open("wb")
        logs.append(log)
        processes.append(
            subprocess.Popen(  # noqa: S603 - our own launcher with fixed arguments
                [launcher, *args],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        )

    try:
        start(
            "master",
            [
                "org.apache.spark.deploy.master.Master",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--webui-port",
                str(web_port),
            ],
        )
        for n in range(workers):
            start(
                f"worker-{n + 1}",
                [
                    "org.apache.spark.deploy.worker.Worker",
                    url,
                    "--host",
                    "127.0.0.1",
                    "--cores",
                    str(cores_per_worker),
                    "--memory",
                    memory_per_worker,
                    "--webui-port",
                    str(_free_port()),
                ],
            )
        deadline = time.monotonic() + start_timeout
        while _alive_workers(web_port) < workers:
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"the Spark cluster did not register {workers} workers in {start_timeout:.0f} s "
                    f"(logs in {workdir})"
                )
            if any(p.poll() is not None for p in processes):
                raise RuntimeError(f"a Spark cluster process exited early (logs in {workdir})")
            time.sleep(0.5)
        yield url
    finally:
        for p in processes:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGTERM)
        for p in processes:
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()
        for log in logs:
            log.close()


def main() -> None:
    """Start a two-worker cluster and keep it until Ctrl-C."""
    with standalone_cluster(Path(sys.argv[1] if len(sys.argv) > 1 else "var/spark-cluster")) as url:
        print(f"Spark master: {url}  (integrita detect run --engine spark --master {url})")
        with contextlib.suppress(KeyboardInterrupt):
            signal.pause()


if __name__ == "__main__":
    main()
