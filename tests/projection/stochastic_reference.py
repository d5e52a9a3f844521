"""A slow reference of reserva.projection.stochastic: plain loops, one draw at a time.

It reads the same ``Generator(PCG64(seed))`` stream in the order the module docstring states
(common shocks, mixing factors, counts, then the severities cell by cell in C order), drawing one
number per call, and sums each cell's claims one by one. The kernel draws whole arrays at once;
a numpy Generator's array draws are its scalar draws in C order, so the two agree.
"""

from __future__ import annotations

import math

import numpy as np


def _mean_one(rng, variance):
    return 1.0 if variance <= 0 else float(rng.gamma(1.0 / variance, variance))


def simulate(expected_count, severity_mean, *, n_sims, seed, count_model="poisson",
             dispersion=0.0, severity_model="lognormal", severity_cv=1.0, common_shock=None):
    """Aggregate claims as nested lists [sim][product][month]."""
    rng = np.random.Generator(np.random.PCG64(seed))
    k, h = len(expected_count), len(expected_count[0])
    v = (common_shock or 0.0) ** 2
    g = [_mean_one(rng, v) for _ in range(n_sims)]
    cells = [(s, p, m) for s in range(n_sims) for p in range(k) for m in range(h)]
    mix = {c: 1.0 for c in cells}
    if count_model == "negbin" and dispersion > 0:
        for c in cells:
            mix[c] = _mean_one(rng, dispersion)
    counts = {}
    for s, p, m in cells:
        counts[s, p, m] = int(rng.poisson(expected_count[p][m] * g[s] * mix[s, p, m]))
    out = [[[0.0] * h for _ in range(k)] for _ in range(n_sims)]
    c = severity_cv
    for s, p, m in cells:
        n, x = counts[s, p, m], severity_mean[p]
        if n == 0:
            continue
        if c == 0:
            out[s][p][m] = n * x
        elif severity_model == "gamma":
            out[s][p][m] = float(rng.gamma(n / (c * c), x * c * c))
        else:
            s2 = math.log(1 + c * c)
            total = 0.0
            for _ in range(n):
                total += math.exp(math.log(x) - s2 / 2 + math.sqrt(s2) * float(
                    rng.standard_normal()))
            out[s][p][m] = total
    return out


def var_tvar(losses, level):
    """VaR = the ceil(n level)-th smallest loss; TVaR = mean of the losses >= VaR."""
    ordered = sorted(losses)
    k = max(math.ceil(round(len(ordered) * level, 9)), 1)
    var = ordered[k - 1]
    tail = [x for x in ordered if x >= var]
    return var, sum(tail) / len(tail)
