"""Stochastic claims: a seeded Monte Carlo of the claims of the next months, per product.

Model (collective risk model; Klugman, Panjer & Willmot, *Loss Models*, 4th ed., ch. 6 and 9).
For simulation ``s``, product ``p`` and month ``m`` with expected claim count ``mu[p, m]`` and
one claim's amount ``X`` of mean ``x[p]`` and coefficient of variation ``c``:

    G_s       common shock, Gamma(shape 1/v, scale v): mean 1, variance v = common_shock_cv^2,
              one per simulated year shared by every product and month (catastrophes); G = 1
              when off
    H_spm     mixing factor, Gamma(shape 1/d, scale d): mean 1, variance d = dispersion
              (negative binomial counts only; H = 1 for Poisson)
    N_spm     ~ Poisson(mu[p, m] x G_s x H_spm)
    S_spm     = X_1 + ... + X_N   (aggregate claims; S = 0 when N = 0)

A Poisson count with a gamma-mixed mean is negative binomial (Loss Models §6.3, the
Poisson-gamma mixture): with ``r = 1/d`` and ``beta = d mu`` it is NB(r, beta) of mean ``mu`` and
``Var N = mu (1 + d mu)`` (``d`` is the "contagion" of the mixed Poisson, the variance of the
mixing factor; ``d = 0`` is Poisson). Severities (Loss Models Appendix A):

    lognormal  ln X ~ Normal(m_ln, s_ln^2), s_ln^2 = ln(1 + c^2), m_ln = ln x - s_ln^2 / 2
    gamma      X ~ Gamma(shape a = 1/c^2, scale x c^2); a sum of N of them is Gamma(N a, x c^2)
    c = 0      X = x (a fixed amount): S = N x

Moments (compound distribution, Loss Models §9.2: E S = E N E X, Var S = E N Var X +
Var N (E X)^2, with E X^2 = x^2 (1 + c^2)), without the common shock:

    Poisson    E S = mu x,   Var S = mu E X^2
    negbin     E S = mu x,   Var S = mu E X^2 + d mu^2 x^2

and with it (conditioning on G): ``Var S = Var_Poisson/negbin-with-mean (mu G) averaged over
G + v (mu x)^2``; for Poisson counts ``Var S = mu E X^2 + v (mu x)^2``.

Random numbers: one ``numpy.random.Generator(PCG64(seed))``, drawn in this order: the common
shocks (one per simulation), the mixing factors, the counts (C order over [sim, product,
month]), then the severities cell by cell in the same order (lognormal: the N standard normals of
each cell in turn; gamma: one Gamma(N a) per cell with N > 0). Lognormal severities are drawn in
blocks of whole cells of at most ``chunk_claims`` claims (a larger cell is a block of its own);
a Generator's standard normals do not depend on how the stream is cut, and each cell is summed
in claim order, so results do not depend on the block size. A fixed seed gives identical
results. Cost: O(sims x products x months), plus O(claims) for lognormal severities.

Risk measures (McNeil, Frey & Embrechts, *Quantitative Risk Management*, 2015, §2.3). On ``n``
simulated losses ``L_(1) <= ... <= L_(n)``:

    VaR_alpha  = L_(k),  k = ceil(n alpha)   the empirical alpha-quantile, the smallest loss l
                                            with F_n(l) = #{L_i <= l} / n >= alpha
    TVaR_alpha = mean of the losses L_i >= VaR_alpha   (the losses at or beyond VaR)
    P(ratio < t) = #{ratio_i < t} / n

Losses 1, 2, ..., 1000 at alpha = 99.5%: k = 995, VaR = 995, TVaR = (995 + ... + 1000) / 6 =
997.5.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from reserva.errors import AssumptionError
from reserva.io.settings import Stochastic

COUNT_MODELS = ("poisson", "negbin")
SEVERITY_MODELS = ("lognormal", "gamma")
CHUNK_CLAIMS = 1 << 22  # lognormal severities drawn in blocks of at most this many claims


@dataclass(frozen=True)
class RiskMeasures:
    """VaR and TVaR at ``level`` of simulated losses (arrays: one per column of the losses)."""

    level: float
    var: np.ndarray
    tvar: np.ndarray


def _gamma_mean_one(rng: np.random.Generator, variance: float, size) -> np.ndarray:
    """Gamma factors of mean 1 and the given variance (ones when the variance is 0)."""
    if variance <= 0:
        return np.ones(size)
    return rng.gamma(1.0 / variance, variance, size=size)


def _lognormal_sums(rng: np.random.Generator, counts: np.ndarray, severity_mean: np.ndarray,
                    cv: float, chunk_claims: int) -> np.ndarray:
    """Per cell, the sum of its ``counts`` lognormal claims, drawn in blocks of whole cells."""
    flat = counts.reshape(-1)
    s2 = math.log1p(cv * cv)
    mu_ln = np.log(np.broadcast_to(severity_mean, counts.shape).reshape(-1)) - s2 / 2
    sigma = math.sqrt(s2)
    out = np.zeros(flat.size)
    cells = np.flatnonzero(flat)
    ends = np.cumsum(flat[cells])
    start = 0
    while start < cells.size:
        base = ends[start - 1] if start else 0
        stop = max(int(np.searchsorted(ends, base + chunk_claims, side="right")), start + 1)
        block = cells[start:stop]
        n = flat[block]
        z = rng.standard_normal(int(n.sum()))
        x = np.exp(np.repeat(mu_ln[block], n) + sigma * z)
        out[block] = np.add.reduceat(x, np.concatenate(([0], np.cumsum(n)[:-1])))
        start = stop
    return out.reshape(counts.shape)


def simulate_claims(expected_count, severity_mean, *, n_sims: int, seed: int,
                    months: int | None = None, count_model: str = "poisson",
                    dispersion: float = 0.0, severity_model: str = "lognormal",
                    severity_cv: float = 1.0, common_shock: float | None = None,
                    chunk_claims: int = CHUNK_CLAIMS) -> np.ndarray:
    """Simulated aggregate claims [sim, product, month] (the module docstring's model).

    Parameters
    ----------
    expected_count : array [product, month], the expected number of claims (>= 0).
    severity_mean : array [product] (or [product, month]), the mean claim amount (> 0).
    n_sims, seed : the number of simulations and the seed of ``Generator(PCG64(seed))``.
    months : simulate the first ``months`` months only (None: all of them).
    count_model : ``poisson`` or ``negbin``; ``dispersion`` the variance of the negbin's mixing
        factor (Var N = mu (1 + dispersion mu)).
    severity_model : ``lognormal`` or ``gamma``; ``severity_cv`` one claim's coefficient of
        variation (0: every claim is its mean).
    common_shock : coefficient of variation of the common gamma factor (None or 0: off).
    chunk_claims : lognormal severities are drawn this many claims at a time (memory only;
        results do not depend on it).
    """
    mu = np.asarray(expected_count, dtype=np.float64)
    if mu.ndim != 2:
        raise ValueError("expected_count is [product, month]")
    if months is not None:
        mu = mu[:, :months]
    x = np.asarray(severity_mean, dtype=np.float64)
    x = x[:, None] if x.ndim == 1 else x[:, : mu.shape[1]]
    if count_model not in COUNT_MODELS or severity_model not in SEVERITY_MODELS:
        raise ValueError(f"count_model in {COUNT_MODELS}, severity_model in {SEVERITY_MODELS}")
    if (not np.all(mu >= 0) or not np.all(x > 0) or n_sims < 1 or dispersion < 0
            or severity_cv < 0 or (common_shock or 0) < 0):
        raise ValueError("counts >= 0, severities > 0, n_sims >= 1, dispersion and cvs >= 0")
    rng = np.random.Generator(np.random.PCG64(seed))
    shape = (n_sims, *mu.shape)
    g = _gamma_mean_one(rng, (common_shock or 0.0) ** 2, n_sims)
    rate = mu[None, :, :] * g[:, None, None]
    if count_model == "negbin":
        rate = rate * _gamma_mean_one(rng, dispersion, shape)
    counts = rng.poisson(rate)
    if severity_cv == 0:
        return counts * x[None, :, :]
    if severity_model == "gamma":
        a = 1.0 / severity_cv**2
        scale = np.broadcast_to(x * severity_cv**2, mu.shape)[None, :, :]
        out = np.zeros(shape)
        hit = counts > 0
        out[hit] = rng.gamma(counts[hit] * a, np.broadcast_to(scale, shape)[hit])
        return out
    return _lognormal_sums(rng, counts, x, severity_cv, chunk_claims)


def cumulative(claims, horizons: Sequence[int]) -> np.ndarray:
    """Claims of the first ``h`` months for each horizon: [sim, product, horizon]."""
    c = np.cumsum(np.asarray(claims, dtype=np.float64), axis=-1)
    h = [min(int(k), c.shape[-1]) - 1 for k in horizons]
    return c[..., h]


def empirical_rank(n: int, level: float) -> int:
    """k = ceil(n alpha), at least 1: the rank of the empirical alpha-quantile L_(k) of n values
    (the product rounded first: 1000 x 0.995 is 995, not 995.0000001)."""
    return max(math.ceil(round(n * level, 9)), 1)


def risk_measures(losses, level: float = 0.995) -> RiskMeasures:
    """Empirical VaR and TVaR at ``level`` of the losses along axis 0 (module docstring).

    Parameters
    ----------
    losses : array [sim, ...] of simulated losses (larger = worse).
    level : the confidence level alpha in (0, 1).
    """
    sample = np.sort(np.asarray(losses, dtype=np.float64), axis=0)
    n = sample.shape[0]
    if n == 0 or not 0 < level < 1:
        raise ValueError("at least one loss and a level in (0, 1)")
    var = sample[empirical_rank(n, level) - 1]
    beyond = sample >= var
    tvar = np.where(beyond, sample, 0.0).sum(axis=0) / beyond.sum(axis=0)
    return RiskMeasures(level, var, tvar)


def p_below(ratio_samples, threshold: float = 1.0):
    """The share of the samples (along axis 0) strictly below ``threshold``."""
    r = np.asarray(ratio_samples, dtype=np.float64)
    return np.mean(r < threshold, axis=0)


def frequency_severity_inputs(bases: Sequence, exposure_years) -> tuple[np.ndarray, np.ndarray]:
    """(expected_count [product, month], severity_mean [product]) from projection bases.

    ``bases`` are the products' ``ProjectionBasis`` (projection.csv) in product order and
    ``exposure_years`` [product, month] their insured-years per month (the grid's exposure):
    ``expected_count = frequency x exposure_years``, ``severity_mean = severity``. A basis
    without frequency and severity (the loss-ratio basis) cannot be simulated.
    """
    missing = [b.product_kind for b in bases if b.frequency is None or b.severity is None]
    if missing:
        raise AssumptionError(
            f"projection.csv: product kind(s) {', '.join(missing)} have no frequency and "
            "severity (fix: give them claims_basis frequency_severity to simulate their claims)")
    exposure = np.asarray(exposure_years, dtype=np.float64)
    frequency = np.array([b.frequency for b in bases], dtype=np.float64)
    severity = np.array([b.severity for b in bases], dtype=np.float64)
    return frequency[:, None] * exposure, severity


def model_kwargs(section: Stochastic) -> dict:
    """The keyword arguments of ``simulate_claims`` from the [stochastic] settings section."""
    return {"n_sims": section.simulations, "seed": section.seed,
            "count_model": section.count_model, "dispersion": section.dispersion,
            "severity_model": section.severity_model, "severity_cv": section.severity_cv,
            "common_shock": section.common_shock_cv or None}
