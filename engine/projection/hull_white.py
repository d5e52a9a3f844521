"""Hull–White one-factor short rate, fitted to the initial discount curve, simulated exactly.

Model (Brigo & Mercurio, *Interest Rate Models — Theory and Practice*, 2nd ed., 2006, §3.3):

    dr(t) = (theta(t) - a r(t)) dt + sigma dW(t),     a > 0, sigma >= 0

with ``theta`` chosen so that the model reproduces the initial zero-coupon curve P^M(0, T).
Write r(t) = x(t) + alpha(t) (B&M §3.3.1, eqs. 3.34–3.36):

    dx(t)    = -a x(t) dt + sigma dW(t),   x(0) = 0
    alpha(t) = f(0,t) + sigma^2 / (2 a^2) (1 - e^{-at})^2

where f(0,t) = -d ln P^M(0,t)/dt is the instantaneous forward rate. x is an Ornstein–Uhlenbeck
process with the exact Gaussian transition over a step h (B&M eq. 3.35):

    x(t+h) | x(t) ~ Normal( x(t) e^{-ah},  sigma^2 / (2a) (1 - e^{-2ah}) )

so E r(t) = alpha(t) and Var r(t) = sigma^2 / (2a) (1 - e^{-2at}). The zero-coupon bond price at
t given r(t) (B&M eqs. 3.39–3.40):

    P(t,T) = A(t,T) e^{-B(t,T) r(t)},    B(t,T) = (1 - e^{-a(T-t)}) / a
    A(t,T) = P^M(0,T) / P^M(0,t) exp( B(t,T) f(0,t) - sigma^2 / (4a) (1 - e^{-2at}) B(t,T)^2 )

Pathwise discount factor and its exact simulation (Glasserman, *Monte Carlo Methods in Financial
Engineering*, 2004, §3.3.1–3.3.2, the Vasicek/Hull–White model with the integral of r simulated
jointly with r). With Y(t) = int_0^t x(s) ds the pathwise discount factor is

    D(0,t) = exp(-int_0^t r(s) ds) = exp(-Y(t) - int_0^t alpha(s) ds)
    int_0^t alpha(s) ds = -ln P^M(0,t) + sigma^2 / (2a^2) G(t),
    G(t) = t - 2 (1 - e^{-at}) / a + (1 - e^{-2at}) / (2a)

(the f part integrates to -ln P^M exactly, whatever the curve between grid points). Over one step
h, given x(t), the pair (x(t+h), Y(t+h) - Y(t)) is bivariate Gaussian:

    mean      ( x(t) e^{-ah},                   x(t) (1 - e^{-ah}) / a )
    variance  v_x = sigma^2 / (2a) (1 - e^{-2ah})
              v_y = sigma^2 / a^2 ( h - 2 (1 - e^{-ah}) / a + (1 - e^{-2ah}) / (2a) )
                  = sigma^2 / a^2 G(h)
    cov       c   = sigma^2 / (2 a^2) (1 - e^{-ah})^2

drawn from two independent standard normals Z1, Z2 by the Cholesky factor:
dx = sqrt(v_x) Z1, dY = (c / sqrt(v_x)) Z1 + sqrt(v_y - c^2 / v_x) Z2 (dx = dY = 0 when
sigma = 0). Since Y(t) ~ Normal(0, sigma^2/a^2 G(t)), E D(0,t) = P^M(0,t) exactly (the martingale
property), and likewise E[D(0,t) P(t,T)] = P^M(0,T).

Conventions of this module:

* time is in years on a monthly grid t_m = m / 12, m = 0..M; the curve is given as the monthly
  discount factors ``p0[m] = P^M(0, t_m)`` with ``p0[0] = 1``;
* ``discount_factors_from_zero_rates(times, rates, months)`` builds ``p0`` from annually
  compounded zero rates z_i at maturities T_i (years): P(0, T_i) = (1 + z_i)^{-T_i}, with the knot
  P(0, 0) = 1 added; ln P is interpolated linearly in t (log-linear discount factors, i.e. a
  piecewise-constant forward rate between knots); beyond the last maturity the forward rate of the
  last segment is held constant;
* the instantaneous forward on the grid is the finite difference of -ln p0 (``forward_rates``):
  central, f(0,t_m) = (ln p0[m-1] - ln p0[m+1]) / (2h), for 0 < m < M; forward at m = 0
  ((ln p0[0] - ln p0[1]) / h) and backward at m = M. It enters r(t) = x(t) + alpha(t) and A(t,T)
  only; it cancels in P(t,T) written in x (B&M eq. 3.41) and does not enter D at all, so the
  martingale properties above hold exactly on the grid for any curve;
* random numbers: one ``numpy.random.Generator(PCG64(seed))``; the standard normals are drawn in
  C order over [scenario, step, (Z1, Z2)], in blocks of whole scenarios (a Generator's normals do
  not depend on how the stream is cut, so results do not depend on the block size). With
  ``antithetic=True`` scenario 2k uses the k-th draw and scenario 2k + 1 its negative (the number
  of scenarios must then be even). A fixed seed gives identical paths.

Cost: O(scenarios x months) time; memory for the outputs plus one block of normals.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from reserva.errors import ARGUMENT, ArgumentError, BadCell
from reserva.finite import is_finite_number

MONTHS_PER_YEAR = 12
STEP = 1.0 / MONTHS_PER_YEAR  # h, one month in years
CHUNK_SCENARIOS = 4096  # scenarios simulated per block of normals


def _is_whole(value: object) -> bool:
    return not isinstance(value, bool) and isinstance(value, int | np.integer)


@dataclass(frozen=True)
class HullWhite:
    """Hull–White one-factor parameters: mean reversion ``a`` (> 0, per year) and volatility
    ``sigma`` (>= 0, absolute, per sqrt(year))."""

    a: float
    sigma: float

    def __post_init__(self) -> None:
        cells: list[BadCell] = []
        if not is_finite_number(self.a) or self.a <= 0:
            cells.append(BadCell(ARGUMENT, None, "a", repr(self.a),
                                 "a finite mean-reversion speed > 0 (per year)"))
        if not is_finite_number(self.sigma) or self.sigma < 0:
            cells.append(BadCell(ARGUMENT, None, "sigma", repr(self.sigma),
                                 "a finite volatility >= 0 (absolute, per sqrt(year))"))
        ArgumentError.raise_all(cells, "Hull–White parameters")

    def b(self, tau) -> np.ndarray | float:
        """B(t, t + tau) = (1 - e^{-a tau}) / a."""
        return -np.expm1(-self.a * np.asarray(tau, dtype=float)) / self.a

    def g(self, t) -> np.ndarray | float:
        """G(t) = t - 2 (1 - e^{-at}) / a + (1 - e^{-2at}) / (2a), so Var Y(t) = sigma^2/a^2 G."""
        t = np.asarray(t, dtype=float)
        a = self.a
        u = a * t
        direct = t + 2 * np.expm1(-u) / a - np.expm1(-2 * u) / (2 * a)
        # small a t: the direct form cancels; the integral of (1 - e^{-as})^2 by its series,
        # a^2 t^3/3 - a^3 t^4/4 + 7 a^4 t^5/60 - a^5 t^6/24 (relative error below (a t)^4)
        series = t * u * u * (1 / 3 - u / 4 + 7 * u * u / 60 - u ** 3 / 24)
        return np.where(u < 1e-3, series, direct)

    def short_rate_variance(self, t) -> np.ndarray | float:
        """Var r(t) = sigma^2 / (2a) (1 - e^{-2at})."""
        return -self.sigma ** 2 / (2 * self.a) * np.expm1(-2 * self.a * np.asarray(t, float))


@dataclass(frozen=True)
class ShortRatePaths:
    """Simulated paths, arrays [scenario, month] for months m = 0..M (t_m = m / 12 years).

    ``short_rate[s, m]`` is r(t_m) (annual continuously compounded rate; r(0) = f(0,0) in every
    scenario); ``discount[s, m]`` is D(0, t_m) = exp(-int_0^{t_m} r), with D(0, 0) = 1;
    ``alpha[m]`` is E r(t_m); ``times[m]`` = t_m.
    """

    short_rate: np.ndarray
    discount: np.ndarray
    alpha: np.ndarray
    times: np.ndarray
    seed: int
    antithetic: bool


def _check_curve(p0: object, cells: list[BadCell]) -> np.ndarray | None:
    """The monthly discount factors as a float array, or None (with a bad cell) when invalid."""
    try:
        arr = np.asarray(p0, dtype=float)
    except (TypeError, ValueError):
        arr = None
    if arr is None or arr.ndim != 1 or arr.size < 2:
        cells.append(BadCell(ARGUMENT, None, "p0", _short(p0),
                             "a 1-D array of at least 2 monthly discount factors P(0, m/12)"))
        return None
    problems = []
    if not np.all(np.isfinite(arr)) or np.any(arr <= 0):
        problems.append("finite and > 0")
    if abs(arr[0] - 1.0) > 1e-12:
        problems.append("p0[0] = 1")
    if problems:
        cells.append(BadCell(ARGUMENT, None, "p0", _short(p0),
                             "monthly discount factors " + " with ".join(problems),
                             "give P(0, m/12) for m = 0..M, starting at 1"))
        return None
    return arr


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def discount_factors_from_zero_rates(times, rates, months: int) -> np.ndarray:
    """Monthly discount factors p0[m] = P(0, m/12), m = 0..months, from annually compounded zero
    rates ``rates[i]`` at maturities ``times[i]`` (years, increasing, > 0).

    P(0, T_i) = (1 + z_i)^{-T_i}; the knot (0, 1) is added; ln P is linear in t between knots
    (log-linear discount factors); after the last knot the last segment's forward is held.
    """
    cells: list[BadCell] = []
    try:
        t = np.asarray(times, dtype=float)
        z = np.asarray(rates, dtype=float)
    except (TypeError, ValueError):
        t = z = None
    if t is None or t.ndim != 1 or t.size < 1 or not np.all(np.isfinite(t)) \
            or np.any(t <= 0) or np.any(np.diff(t) <= 0):
        cells.append(BadCell(ARGUMENT, None, "times", _short(times),
                             "increasing maturities in years, each > 0"))
    if z is None or z.ndim != 1 or not np.all(np.isfinite(z)) or np.any(z <= -1):
        cells.append(BadCell(ARGUMENT, None, "rates", _short(rates),
                             "annually compounded zero rates, each > -1"))
    elif t is not None and t.ndim == 1 and z.size != t.size:
        cells.append(BadCell(ARGUMENT, None, "rates", _short(rates),
                             f"one rate per maturity ({t.size})"))
    if not _is_whole(months) or months < 1:
        cells.append(BadCell(ARGUMENT, None, "months", repr(months), "a whole number >= 1"))
    ArgumentError.raise_all(cells, "zero curve")
    knots_t = np.concatenate(([0.0], t))
    knots_lp = np.concatenate(([0.0], -t * np.log1p(z)))
    grid = np.arange(months + 1) * STEP
    lp = np.interp(grid, knots_t, knots_lp)
    if knots_t.size >= 2:
        last_forward = -(knots_lp[-1] - knots_lp[-2]) / (knots_t[-1] - knots_t[-2])
        beyond = grid > knots_t[-1]
        lp[beyond] = knots_lp[-1] - last_forward * (grid[beyond] - knots_t[-1])
    return np.exp(lp)


def forward_rates(p0) -> np.ndarray:
    """f(0, t_m) on the monthly grid by finite difference of -ln p0 (the module's convention)."""
    cells: list[BadCell] = []
    arr = _check_curve(p0, cells)
    ArgumentError.raise_all(cells, "forward rates")
    return _forwards(arr)


def _forwards(p0: np.ndarray) -> np.ndarray:
    lp = np.log(p0)
    f = np.empty_like(lp)
    f[1:-1] = (lp[:-2] - lp[2:]) / (2 * STEP)
    f[0] = (lp[0] - lp[1]) / STEP
    f[-1] = (lp[-2] - lp[-1]) / STEP
    return f


def _alpha(model: HullWhite, p0: np.ndarray, times: np.ndarray) -> np.ndarray:
    """alpha(t_m) = f(0,t_m) + sigma^2 / (2a^2) (1 - e^{-a t_m})^2."""
    a, s = model.a, model.sigma
    return _forwards(p0) + s * s / (2 * a * a) * np.expm1(-a * times) ** 2


@dataclass(frozen=True)
class Transition:
    """The exact one-step law of (x(t+h), Y(t+h) - Y(t)) given x(t) (the module docstring):
    means ``decay x(t)`` and ``b x(t)``, variances ``var_x``, ``var_y``, covariance ``cov``."""

    h: float
    decay: float  # e^{-ah}
    b: float  # (1 - e^{-ah}) / a
    var_x: float  # sigma^2 / (2a) (1 - e^{-2ah})
    var_y: float  # sigma^2 / a^2 G(h)
    cov: float  # sigma^2 / (2a^2) (1 - e^{-ah})^2


def transition(model: HullWhite, h: float = STEP) -> Transition:
    """The exact Gaussian transition of (x, Y) over a step of ``h`` years (h > 0)."""
    if not is_finite_number(h) or h <= 0:
        raise ArgumentError.bad("h", h, "a step in years > 0")
    a, s = model.a, model.sigma
    return Transition(h=float(h), decay=math.exp(-a * h), b=float(model.b(h)),
                      var_x=float(model.short_rate_variance(h)),
                      var_y=s * s / (a * a) * float(model.g(h)),
                      cov=s * s / (2 * a * a) * math.expm1(-a * h) ** 2)


def draw_normals(n_scenarios: int, months: int, *, seed: int, antithetic: bool = False,
                 chunk_scenarios: int = CHUNK_SCENARIOS):
    """The standard normals of ``simulate``, blocks of shape [scenario, month step, 2] in
    scenario order (a generator; the module docstring's stream order and antithetic pairing)."""
    rng = np.random.Generator(np.random.PCG64(seed))
    per = 2 if antithetic else 1
    chunk = max(1, chunk_scenarios // per)
    base = n_scenarios // per
    start = 0
    while start < base:
        n = min(chunk, base - start)
        z = rng.standard_normal((n, months, 2))
        if antithetic:
            pair = np.empty((2 * n, months, 2))
            pair[0::2] = z
            pair[1::2] = -z
            z = pair
        yield z
        start += n


def simulate(model: HullWhite, p0, n_scenarios: int, *, seed: int, antithetic: bool = False,
             chunk_scenarios: int = CHUNK_SCENARIOS) -> ShortRatePaths:
    """Short-rate paths and pathwise discount factors by exact joint simulation of (x, Y) per
    monthly step (the module docstring), vectorised over scenarios.

    Parameters
    ----------
    model : the Hull–White parameters.
    p0 : monthly discount factors P(0, m/12), m = 0..M, p0[0] = 1 (M months are simulated).
    n_scenarios : number of scenarios (>= 1; even when ``antithetic``).
    seed : seed of ``Generator(PCG64(seed))`` (a whole number >= 0).
    antithetic : scenario 2k + 1 uses the negated normals of scenario 2k.
    chunk_scenarios : scenarios per block of normals (memory only; results do not depend on it).
    """
    cells: list[BadCell] = []
    if not isinstance(model, HullWhite):
        cells.append(BadCell(ARGUMENT, None, "model", _short(model), "a HullWhite"))
    curve = _check_curve(p0, cells)
    if not _is_whole(n_scenarios) or n_scenarios < 1:
        cells.append(BadCell(ARGUMENT, None, "n_scenarios", repr(n_scenarios),
                             "a whole number >= 1"))
    elif antithetic and n_scenarios % 2:
        cells.append(BadCell(ARGUMENT, None, "n_scenarios", repr(n_scenarios),
                             "an even number of scenarios with antithetic pairs",
                             "add or drop one scenario"))
    if not _is_whole(seed) or seed < 0:
        cells.append(BadCell(ARGUMENT, None, "seed", repr(seed), "a whole number >= 0"))
    if not isinstance(antithetic, bool):
        cells.append(BadCell(ARGUMENT, None, "antithetic", repr(antithetic), "True or False"))
    if not _is_whole(chunk_scenarios) or chunk_scenarios < 2:
        cells.append(BadCell(ARGUMENT, None, "chunk_scenarios", repr(chunk_scenarios),
                             "a whole number >= 2"))
    ArgumentError.raise_all(cells, "Hull–White simulation")

    a, s, h = model.a, model.sigma, STEP
    months = curve.size - 1
    times = np.arange(months + 1) * h
    alpha = _alpha(model, curve, times)
    # int_0^{t_m} alpha = -ln P(0, t_m) + sigma^2/(2a^2) G(t_m), exact on the grid
    int_alpha = -np.log(curve) + s * s / (2 * a * a) * model.g(times)

    step = transition(model, h)
    decay, b_h = step.decay, step.b
    if step.var_x > 0:
        l11 = math.sqrt(step.var_x)
        l21 = step.cov / l11
        l22 = math.sqrt(max(step.var_y - l21 * l21, 0.0))
    else:
        l11 = l21 = l22 = 0.0

    short_rate = np.empty((n_scenarios, months + 1))
    discount = np.empty((n_scenarios, months + 1))
    row = 0
    for z in draw_normals(n_scenarios, months, seed=int(seed), antithetic=antithetic,
                          chunk_scenarios=chunk_scenarios):
        n = z.shape[0]
        x = np.zeros(n)
        y = np.zeros(n)
        xs = np.empty((n, months + 1))
        ys = np.empty((n, months + 1))
        xs[:, 0] = 0.0
        ys[:, 0] = 0.0
        for m in range(months):
            z1 = z[:, m, 0]
            y = y + b_h * x + l21 * z1 + l22 * z[:, m, 1]
            x = decay * x + l11 * z1
            xs[:, m + 1] = x
            ys[:, m + 1] = y
        short_rate[row:row + n] = xs + alpha
        discount[row:row + n] = np.exp(-ys - int_alpha)
        row += n
    return ShortRatePaths(short_rate=short_rate, discount=discount, alpha=alpha, times=times,
                          seed=int(seed), antithetic=antithetic)


def bond_price(model: HullWhite, p0, t_index: int, r_t, maturity_index: int):
    """P(t, T) = A(t,T) e^{-B(t,T) r(t)} at t = t_index/12, T = maturity_index/12 (B&M eq. 3.39)
    given the short rate ``r_t`` (a number or an array, e.g. a column of ``short_rate``).
    """
    cells: list[BadCell] = []
    if not isinstance(model, HullWhite):
        cells.append(BadCell(ARGUMENT, None, "model", _short(model), "a HullWhite"))
    curve = _check_curve(p0, cells)
    last = None if curve is None else curve.size - 1
    if not _is_whole(t_index) or t_index < 0 or (last is not None and t_index > last):
        cells.append(BadCell(ARGUMENT, None, "t_index", repr(t_index),
                             "a month index on the curve's grid (0..M)"))
    elif not _is_whole(maturity_index) or maturity_index < t_index \
            or (last is not None and maturity_index > last):
        cells.append(BadCell(ARGUMENT, None, "maturity_index", repr(maturity_index),
                             f"a month index from t_index ({t_index}) to the curve's last month"))
    try:
        r = np.asarray(r_t, dtype=float)
        if not np.all(np.isfinite(r)):
            raise ValueError
    except (TypeError, ValueError):
        cells.append(BadCell(ARGUMENT, None, "r_t", _short(r_t), "finite short rates"))
    ArgumentError.raise_all(cells, "Hull–White bond price")

    a, s = model.a, model.sigma
    t = t_index * STEP
    b = float(model.b((maturity_index - t_index) * STEP))
    f_t = _forwards(curve)[t_index]
    log_a = (math.log(curve[maturity_index] / curve[t_index]) + b * f_t
             + s * s / (4 * a) * math.expm1(-2 * a * t) * b * b)
    price = np.exp(log_a - b * r)
    return float(price) if price.ndim == 0 else price
