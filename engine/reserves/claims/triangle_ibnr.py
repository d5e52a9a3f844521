"""IBNR for a triangle the actuary already has (``reserva ibnr``): one call, plain arrays out.

Methods: ``chainladder`` (volume-weighted), ``mack`` (chain ladder with Mack 1993 standard
errors), ``bf`` (Bornhuetter-Ferguson: exposure x a priori loss ratio), ``capecod`` (the loss
ratio estimated from the triangle and the exposure), ``benktander`` (one BF iteration on the
BF ultimate). ``bootstrap_sims > 0`` adds the over-dispersed Poisson bootstrap distribution of
the chain ladder total IBNR (``triangles.bootstrap_odp``), whatever the method.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.errors import InputError
from engine.reserves.claims import methods, triangles

METHODS = ("chainladder", "mack", "bf", "capecod", "benktander")


@dataclass(frozen=True)
class TriangleIbnr:
    method: str
    latest: np.ndarray  # [origin]
    ultimate: np.ndarray
    ibnr: np.ndarray
    cdf: np.ndarray
    std_err: np.ndarray | None  # mack only, [origin]
    total_std_err: float | None
    ldf: np.ndarray  # [lag]
    bootstrap: triangles.Bootstrap | None = None  # ODP chain ladder bootstrap, one segment


def triangle_ibnr(cumulative: np.ndarray, method: str = "chainladder", *,
                  exposure: np.ndarray | None = None, apriori: float | None = None,
                  bootstrap_sims: int = 0, seed: int = 42) -> TriangleIbnr:
    """IBNR by origin of one cumulative triangle ``[origin, age]`` (NaN where unknown).

    With ``bootstrap_sims > 0``: ``bootstrap_odp(n_sims=bootstrap_sims, seed=seed)`` of the
    triangle (the chain ladder ODP bootstrap, percentiles 75, 95, 99.5 of the total IBNR).
    """
    if method not in METHODS:
        raise InputError([], summary=f"method {method!r} unknown; expected one of {', '.join(METHODS)}")
    C = np.asarray(cumulative, dtype=float)[None]
    factors = methods.development_factors(C)
    needs_exposure = method in ("bf", "capecod", "benktander")
    if needs_exposure and exposure is None:
        raise InputError([], summary=f"method {method} needs --exposure (origin,exposure CSV)")
    if method in ("bf", "benktander") and apriori is None:
        raise InputError([], summary=f"method {method} needs --apriori (expected loss ratio)")
    se = total = None
    if method == "mack":
        p = methods.mack(C, factors)
        se, total = p.mack_se[0], float(p.total_se[0])
    elif method == "chainladder":
        p = methods.chain_ladder(C, factors)
    elif method == "bf":
        p = methods.bornhuetter_ferguson(C, factors, exposure[None], np.array([apriori]))
    elif method == "benktander":
        p = methods.benktander(C, factors, exposure[None], np.array([apriori]), n_iters=2)
    else:
        p = methods.cape_cod(C, factors, exposure[None])
    boot = None
    if bootstrap_sims:
        boot = triangles.bootstrap_odp(C, n_sims=bootstrap_sims, seed=seed)
    return TriangleIbnr(method, p.latest[0], p.ultimate[0], p.ibnr[0], p.cdf_applied[0], se,
                        total, factors.ldf[0], boot)
