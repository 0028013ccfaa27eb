"""Random draws shared by the traffic generators: amounts, activity levels, picks from pools."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

Int64 = npt.NDArray[np.int64]
Float = npt.NDArray[np.float64]


def lognormal_minor(
    rng: np.random.Generator, n: int, median_yuan: float | Float, sigma: float, round_to: int = 0
) -> Int64:
    """Log-normal amounts in CNY minor units; ``round_to`` yuan rounds them (0 keeps the fen)."""
    yuan = np.minimum(median_yuan * rng.lognormal(0.0, sigma, n), 5e7)
    if round_to:
        whole = np.maximum(np.rint(yuan / round_to) * round_to, round_to)
        return np.asarray(whole, dtype=np.int64) * 100
    return np.asarray(np.maximum(np.rint(yuan * 100), 100), dtype=np.int64)


def mostly_round(rng: np.random.Generator, minor: Int64, share: float, unit_yuan: int) -> Int64:
    """Round a ``share`` of amounts to ``unit_yuan`` (people send 500 or 2,000, not 517.23)."""
    unit = unit_yuan * 100
    rounded = np.maximum(np.rint(minor / unit), 1).astype(np.int64) * unit
    whole = np.maximum(np.rint(minor / 100), 1).astype(np.int64) * 100
    return np.where(rng.random(minor.size) < share, rounded, whole)


def heterogeneity(rng: np.random.Generator, n: int, sigma: float = 0.7) -> Float:
    """Per-actor activity levels, log-normal with mean 1 (a few customers are very active)."""
    level = rng.lognormal(0.0, sigma, n)
    return np.asarray(level / level.mean(), dtype=np.float64)


def zipf_cdf(n: int, exponent: float = 1.1) -> Float:
    """Cumulative Zipf weights: the first of ``n`` merchants is the most popular."""
    weights = 1.0 / np.arange(1, n + 1) ** exponent
    return np.asarray(np.cumsum(weights) / weights.sum(), dtype=np.float64)


def pick(rng: np.random.Generator, pool: Int64, n: int, cdf: Float | None = None) -> Int64:
    """``n`` members of ``pool``, uniformly or by a cumulative weight ``cdf``."""
    if cdf is None:
        index = rng.integers(0, pool.size, n)
    else:
        index = np.minimum(np.searchsorted(cdf, rng.random(n)), pool.size - 1)
    return np.asarray(pool[index], dtype=np.int64)
