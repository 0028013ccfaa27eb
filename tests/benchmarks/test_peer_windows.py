"""The quality benchmark keeps each finished peer window, so a run that has to stop loses none."""

from __future__ import annotations

import argparse
import contextlib
import json
from pathlib import Path
from typing import Any

import numpy as np
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
        hours = args[-3][0]
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


def test_kept_preprocessor_features_are_trained_again_without_preprocessing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A window's preprocessed features, once kept, are read back (the ledger is never read):
    the peer can be trained again when training changes without an hour of preprocessing."""
    rng = np.random.default_rng(3)
    n = 400
    ts = np.arange(n, dtype=np.int64) * 3600
    y = np.zeros(n, dtype=np.int8)
    y[::9] = 1
    features = rng.normal(size=(n, 4)).astype(np.float32)
    kept = tmp_path / "peer-240h-batch10000-features.npy"
    np.save(kept, features)
    trained: list[np.ndarray[Any, Any]] = []

    def fake_train(x: np.ndarray[Any, Any], *_a: Any, **_k: Any) -> dict[str, Any]:
        trained.append(x)
        return {"features": x.shape[1]}

    monkeypatch.setattr(dq, "_train_peer", fake_train)
    found = dq.gfp_at_window(None, [str(i) for i in range(n)], y, ts, 240 * 3600, 10_000, kept)  # type: ignore[arg-type]
    assert found == {"features": 4}
    assert np.array_equal(trained[0], features)
    # features of another dataset (another length) are not taken for this one's: it goes on
    # to preprocess (and fails here, on the missing ledger or the missing preprocessor)
    short = [str(i) for i in range(n - 1)]
    with contextlib.suppress(AttributeError):
        dq.gfp_at_window(None, short, y[:-1], ts[:-1], 240 * 3600, 10_000, kept)  # type: ignore[arg-type]
    assert len(trained) == 1
