"""How long the compliance overview waits for the stream lag, NATS reachable or not.

Usage:
  python benchmarks/overview_stream.py [--loads 5]

For each NATS address (a refused port, an address that never answers, and the configured server
with no such stream) it times: the old probe (``stream.lag``, the NATS client with its retries),
and the overview's probe (``stream_status.status``) on its first load and on later loads within
the cache period. Prints one JSON object (seconds).
"""

from __future__ import annotations

import argparse
import json
import socket
import statistics
import tempfile
import time
from pathlib import Path


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--loads", type=int, default=5)
    args = parser.parse_args()

    from integrita.services.core.context import Context
    from integrita.services.ingest import stream
    from integrita.services.reporting import stream_status
    from integrita.settings import Settings

    targets = {
        "refused_port": f"nats://127.0.0.1:{_closed_port()}",
        "no_answer": "nats://10.255.255.1:4222",
        "reachable_no_stream": "nats://127.0.0.1:4222",
    }
    out: dict[str, object] = {"benchmark": "overview_stream", "loads": args.loads}
    with tempfile.TemporaryDirectory() as tmp:
        for name, url in targets.items():
            settings = Settings(data_dir=Path(tmp) / name, nats_url=url, stream_name="NOSUCH")
            settings.data_dir.mkdir(parents=True)
            ctx = Context.from_settings(settings)
            t = time.perf_counter()
            stream.lag(ctx)
            old = time.perf_counter() - t
            stream_status.forget()
            loads = []
            for _ in range(args.loads):
                t = time.perf_counter()
                found = stream_status.status(ctx)
                loads.append(time.perf_counter() - t)
            out[name] = {
                "old_probe_s": round(old, 3),
                "first_load_s": round(loads[0], 3),
                "cached_load_median_s": round(statistics.median(loads[1:]), 6),
                "shown": "unavailable"
                if found is not None and found.lag is None
                else ("lag" if found else "nothing"),
            }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
