"""Random draws of the sample generator, each a thin wrapper reading its parameters from a table.

All draws take an explicit ``numpy.random.Generator``; nothing here keeps state.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np


def pick(rng: np.random.Generator, probabilities: Sequence[float] | np.ndarray, n: int) -> np.ndarray:
    """n codes 0..k-1 drawn with the given probabilities (inverse CDF of one uniform each)."""
    cdf = np.cumsum(np.asarray(probabilities, dtype=np.float64))
    cdf /= cdf[-1]
    return np.minimum(np.searchsorted(cdf, rng.random(n), side="right"), cdf.size - 1)


def lognormal(rng: np.random.Generator, spec: Mapping[str, float], n: int) -> np.ndarray:
    """median * exp(sigma * N(0, 1)) for a ``{median, sigma}`` table."""
    return spec["median"] * np.exp(spec["sigma"] * rng.standard_normal(n))


def lag(rng: np.random.Generator, spec: Mapping[str, float], n: int) -> np.ndarray:
    """Whole days: floor(min + Gamma(shape, (mean - min) / shape)), capped at max."""
    lo, hi = spec["min"], spec["max"]
    scale = max(spec["mean"] - lo, 0.0) / spec["shape"]
    days = lo + rng.gamma(spec["shape"], scale, n) if scale > 0 else np.full(n, float(lo))
    return np.minimum(np.floor(days), hi).astype(np.int64)


def uniform(rng: np.random.Generator, bounds: Sequence[float], n: int) -> np.ndarray:
    """Uniform on [low, high] for a ``[low, high]`` pair."""
    return bounds[0] + (bounds[1] - bounds[0]) * rng.random(n)
