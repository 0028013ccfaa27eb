"""The quality benchmark keeps each finished peer window, so a run that has to stop loses none."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import pytest

from benchmarks import detection_quality as dq


def _args(**over: Any) -> argparse.Namespace:
    return argparse.Namespace(
        **{"peer_windows": [24, 240], "peer_batch": 10_000, "peer_timeout": 1.0, **over}
    )


def test_finished_windows_are_kept_and_not_run_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    calls: list[int] = []

    def fake_peer(args: tuple[Any, ...], timeout: float) -> dict[str, Any]:
        hours = args[-2][0]
        calls.append(hours)
        if hours == 240:
            return {"error": f"did not finish within {timeout:.0f} s"}
        return {"f1": 0.5, "precision": 0.5, "recall": 0.5, "windows": {"24": {}}}

    monkeypatch.setattr(dq, "run_peer", fake_peer)
    first = dq.peer_windows(("inputs",), _args(), tmp_path)
    assert calls == [24, 240]
    assert first[24]["f1"] == 0.5 and "error" in first[240]
    # each window is reported the moment it ends, not only in the final JSON
    printed = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    assert [p["peer_window_hours"] for p in printed] == [24, 240]

    # the next run on the same cache computes only the window that did not finish
    second = dq.peer_windows(("inputs",), _args(), tmp_path)
    assert calls == [24, 240, 240]
    assert second[24]["f1"] == 0.5 and "reused_from" in second[24]
    # another batch size is another measurement: nothing reused
    dq.peer_windows(("inputs",), _args(peer_batch=0), tmp_path)
    assert calls == [24, 240, 240, 24, 240]


def test_without_a_cache_nothing_is_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dq, "run_peer", lambda args, timeout: {"f1": 0.1})
    dq.peer_windows(("inputs",), _args(), None)
    assert list(tmp_path.iterdir()) == []
