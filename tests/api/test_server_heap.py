"""The server process freezes its start-up heap, so full collections stay short under load."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

PROBE = """
import gc
import integrita.api.asgi
gc.collect()
print(gc.get_freeze_count(), len(gc.get_objects()))
"""


def test_worker_entry_point_freezes_the_start_up_heap(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "INTEGRITA_DATA_DIR": str(tmp_path),
        "INTEGRITA_DATABASE_URL": f"sqlite:///{tmp_path / 'heap.db'}",
    }
    out = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, check=True
    )
    frozen, tracked = out.stdout.split()
    # the application's modules are out of the collector's reach ...
    assert int(frozen) > 100_000
    # ... so a full collection walks only what was made after start-up
    # (what that costs in milliseconds is a benchmark figure, not a test: it depends on the load)
    assert int(tracked) < int(frozen) // 10
