"""Model-point projection: points + basis + scenarios -> monthly cashflows and present values.

Arrays are built once here (the basis' tables padded to one grid of ages and policy years, the
products' schedules, the discount factors per economic row) and the kernels (``kernel.py``) run
over the points in chunks. A run's scenarios are deterministic shocks (``Shock``: each its own
demographic row g and its own discount row e) and, optionally, economic scenarios
(``EconomicScenarios``: paths of discount factors and fund returns, each with the base
demographics). Results, per group of points (``by``) and scenario:

    cashflows[group, s, m, line]   the kernel's lines, then net_cashflow and reserves
    pv[group, s, flow]             sum_m flow_m v_s(m + timing / 2), then the net PV

    net_cashflow_m = premiums_m - (claims + maturities + surrenders + withdrawals + annuities
                     + expenses + commissions)_m
    reserves_m     = PV at m of the outflows less the premiums of the months u >= m, over
                     v_s(m):  -sum_{u >= m} sum_k sign_k flow_{u,k} v_s(u + t_k / 2) / v_s(m)
                     (sign_k = +1 for premiums, -1 for every other flow)
                     (the prospective gross premium reserve of the points at the start of m,
                     before that month's premium)

Premium rules (per product): given (the file's ``premium``), table (rate per unit of sum
assured from the basis' premium table by age at entry and term in years, x the sum assured,
rounded to ``premium_decimals`` when given: lifelib BasicTerm_ME's premium_pp), rated:
``premium = round((1 + loading) x PV(claims + maturities) / PV(premiums of 1), decimals)`` on
the base basis, at issue over the whole term (lifelib basiclife's ``premium_pp``: net premium =
pv_claims / pv_pols_if).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from reserva.errors import ArgumentError, BadCell, InputError
from reserva.projection.points import kernel as K
from reserva.projection.points.basis import SEXES, Basis
from reserva.projection.points.model_points import ModelPoints
from reserva.vocab import CASHFLOW_TIMINGS, POINT_FLOWS, POINT_KINDS, POINT_LINES

ARGUMENT = "argument"
DEFAULT_CHUNK = 65_536
RESULT_LINES = (*POINT_LINES, "net_cashflow", "reserves")
PV_LINES = (*POINT_FLOWS, "net_cashflow")
SIGNS = np.array([1.0] + [-1.0] * (len(POINT_FLOWS) - 1))  # premiums in, the rest out
GROUPINGS = ("point", "product", "kind", "all")
MAX_POINT_VALUES = 200_000_000  # points x scenarios x lines kept per point, at most
MAX_CHUNK_VALUES = 50_000_000  # by point: cashflow values of one chunk, at most
MAX_RESULT_BYTES = 6 << 30  # the monthly results of a run (one chunk by point), at most


@dataclass(frozen=True)
class Shock:
    """A deterministic scenario: multipliers of the basis' mortality (and an add-on to q),
    lapses and expenses, a
    share of the policies in force lapsing at the start (not annuities), and a shift added to
    every discount rate (and so to the fund's return on the curve)."""

    name: str
    mortality: float = 1.0
    mortality_add: float = 0.0  # added to every annual rate after the multiplier (capped at 1)
    lapse: float = 1.0
    mass_lapse: float = 0.0
    expense: float = 1.0
    rate_shift: float = 0.0

    def __post_init__(self):
        cells = []
        if not (np.isfinite(self.mortality_add) and 0.0 <= self.mortality_add <= 1.0):
            cells.append(BadCell(ARGUMENT, None, "mortality_add", repr(self.mortality_add),
                                 "an add-on to q from 0 to 1"))
        for name in ("mortality", "lapse", "expense"):
            value = getattr(self, name)
            if not (np.isfinite(value) and value >= 0.0):
                cells.append(BadCell(ARGUMENT, None, name, repr(value), "a multiplier >= 0"))
        if not (np.isfinite(self.mass_lapse) and 0.0 <= self.mass_lapse <= 1.0):
            cells.append(BadCell(ARGUMENT, None, "mass_lapse", repr(self.mass_lapse),
                                 "a share from 0 to 1"))
        if not (np.isfinite(self.rate_shift) and self.rate_shift > -1.0):
            cells.append(BadCell(ARGUMENT, None, "rate_shift", repr(self.rate_shift),
                                 "a finite shift above -100%"))
        ArgumentError.raise_all(cells, f"scenario {self.name!r}")


BASE = Shock("base")


@dataclass(frozen=True)
class EconomicScenarios:
    """Economic paths: ``discount[s, m]`` = v_s(m) at month starts m = 0..M (v_s(0) = 1) and
    ``fund_return[s, m]`` the fund's return over month m (m < M); the mid-month factor is
    sqrt(v_s(m) v_s(m + 1)). ``source`` says where they come from (generator and seed, file)."""

    discount: np.ndarray
    fund_return: np.ndarray
    source: str
    names: tuple[str, ...] = ()

    def __post_init__(self):
        d = np.asarray(self.discount, dtype=np.float64)
        f = np.asarray(self.fund_return, dtype=np.float64)
        if d.ndim != 2 or f.ndim != 2 or f.shape != (d.shape[0], d.shape[1] - 1):
            raise ArgumentError(BadCell(ARGUMENT, None, "discount", str(d.shape),
                                        "[scenarios, months + 1] with fund_return "
                                        "[scenarios, months]"))
        if not (np.all(np.isfinite(d) & (d > 0)) and np.all(np.isfinite(f) & (f > -1))):
            raise ArgumentError(BadCell(ARGUMENT, None, "discount", "", "finite positive "
                                        "factors and returns above -100%"))
        if not np.all(d[:, 0] == 1.0):
            raise ArgumentError(BadCell(ARGUMENT, None, "discount", "", "v(0) = 1 on every "
                                        "path"))
        object.__setattr__(self, "discount", d)
        object.__setattr__(self, "fund_return", f)
        if not self.names:
            object.__setattr__(self, "names", tuple(f"path {i + 1}" for i in range(d.shape[0])))
        elif len(self.names) != d.shape[0]:
            raise ArgumentError(BadCell(ARGUMENT, None, "names", str(len(self.names)),
                                        f"one name per path ({d.shape[0]})"))

    @property
    def size(self) -> int:
        return int(self.discount.shape[0])

    @property
    def months(self) -> int:
        return int(self.fund_return.shape[1])


@dataclass(frozen=True)
class PointsResult:
    """Cashflows and PVs by group and scenario (the module docstring); ``point_pv[p, s, k]``
    per point when kept (``PV_LINES``), ``premium`` the instalment each point was charged."""

    basis: str
    basis_hash: str
    scenarios: tuple[str, ...]
    groups: tuple[str, ...]
    by: str
    cashflows: np.ndarray  # [group, scenario, month, RESULT_LINES]
    pv: np.ndarray  # [group, scenario, PV_LINES]
    point_id: np.ndarray
    premium: np.ndarray
    point_pv: np.ndarray | None = None
    sources: tuple[str, ...] = field(default_factory=tuple)

    @property
    def months(self) -> int:
        return int(self.cashflows.shape[2])

    def total_pv(self) -> np.ndarray:
        """[scenario, PV_LINES] over every group."""
        return self.pv.sum(axis=0)


@dataclass(frozen=True)
class _Grid:
    """The arrays every chunk shares."""

    horizon: int
    qm: np.ndarray
    wm: np.ndarray
    commission: np.ndarray
    surrender_charge: np.ndarray
    inflation: np.ndarray
    products: tuple[str, ...]
    table_index: dict
    top: int
    min_age: int
    mass_lapse: np.ndarray
    expense_mult: np.ndarray
    df: np.ndarray  # [E, 3, H + 1]
    fund_m: np.ndarray  # [E, H]
    market: np.ndarray  # [E, H]
    timing: np.ndarray  # [flows] -> 0, 1, 2
    scen_g: np.ndarray
    scen_e: np.ndarray
    names: tuple[str, ...]
    prod: dict  # per-product float arrays


def _monthly(annual: np.ndarray) -> np.ndarray:
    """1 - (1 - min(1, r))^(1/12) without cancellation; 1 stays 1."""
    r = np.minimum(np.asarray(annual, dtype=np.float64), 1.0)
    with np.errstate(divide="ignore"):
        return -np.expm1(np.log1p(-r) / 12.0)


def _pad(rows: list[np.ndarray], width: int) -> np.ndarray:
    """Schedules by policy year into one array of ``width`` years, each padded with its last
    rate."""
    return np.array([np.concatenate((r, np.full(width - r.size, r[-1]))) for r in rows])


def horizon(points: ModelPoints, basis: Basis, months: int | None) -> int:
    """The months projected: ``months``, else the basis', else to the last maturity (its month
    included)."""
    if months is not None:
        return int(months)
    if basis.horizon_months is not None:
        return int(basis.horizon_months)
    if points.size == 0:
        return 0
    return max(int(np.max(points.term - points.duration)) + 1, 0)  # the term's month included


def _grid(basis: Basis, shocks: Sequence[Shock], economic: EconomicScenarios | None,
          horizon: int) -> _Grid:
    names_t = sorted(basis.tables)
    tables = [basis.tables[n] for n in names_t]
    min_age = min(t.min_age for t in tables)
    top = max(t.max_age for t in tables)
    select = max(t.select for t in tables)
    q = np.ones((len(tables), top + 1, select))
    for i, t in enumerate(tables):
        cols = np.concatenate((t.q, np.repeat(t.q[:, -1:], select - t.select, axis=1)), axis=1)
        q[i, t.min_age:t.max_age + 1] = cols
        q[i, :t.min_age] = cols[0]  # never used: ages below a table are refused
    products = tuple(sorted(basis.products))
    pb = [basis.products[p] for p in products]
    width = max(max(p.lapse.size, p.commission.size, p.surrender_charge.size) for p in pb)
    lapse = _pad([p.lapse for p in pb], width)
    commission = _pad([p.commission for p in pb], width)
    surrender = _pad([p.surrender_charge for p in pb], width)
    shocks = list(shocks)
    # the economic paths take the base demographics: a neutral shock's row, else one added
    demo = list(shocks)
    neutral = [i for i, s in enumerate(shocks) if (s.mortality, s.mortality_add, s.lapse,
                                                   s.mass_lapse, s.expense) == (1, 0, 1, 0, 1)]
    if economic is not None and not neutral:
        demo.append(BASE)
        neutral = [len(demo) - 1]
    qm = np.stack([_monthly(q * s.mortality + s.mortality_add) for s in demo])
    wm = np.stack([_monthly(lapse * s.lapse) for s in demo])
    months = np.arange(max(horizon, 1), dtype=np.float64)
    inflation = np.array([(1.0 + p.inflation) ** (months / 12.0) for p in pb])
    # economic rows: one per shock on the basis' curve, then the paths
    dfs, funds = [], []
    for s in shocks:
        dfs.append(basis.curve.factors(horizon, s.rate_shift))
        if basis.fund_return is None:
            funds.append(basis.curve.forward_monthly(horizon, s.rate_shift))
        else:
            funds.append(np.full(horizon, (1.0 + basis.fund_return + s.rate_shift) ** (1 / 12) - 1))
    scen_g = list(range(len(shocks)))
    scen_e = list(range(len(shocks)))
    names = [s.name for s in shocks]
    if economic is not None:
        if economic.months < horizon:
            raise ArgumentError(BadCell(ARGUMENT, None, "economic scenarios",
                                        f"{economic.months} months",
                                        f"at least the projection's {horizon} months",
                                        "generate or import longer paths"))
        v = economic.discount[:, :horizon + 1]
        if horizon == 0:
            mid = end = v
        else:
            mid = np.sqrt(v[:, :-1] * v[:, 1:])
            mid = np.concatenate((mid, mid[:, -1:]), axis=1)
            end = np.concatenate((v[:, 1:], v[:, -1:]), axis=1)
        for k in range(economic.size):
            dfs.append(np.stack((v[k], mid[k], end[k])))
            funds.append(economic.fund_return[k, :horizon])
        scen_g += [neutral[0]] * economic.size
        scen_e += list(range(len(shocks), len(shocks) + economic.size))
        names += list(economic.names)
    df = np.ascontiguousarray(np.stack(dfs))
    fund_m = np.ascontiguousarray(np.stack(funds)).reshape(len(funds), horizon)
    timing_of = {"premiums": basis.timing["premiums"], "commissions": basis.timing["premiums"],
                 "expenses": basis.timing["expenses"], "claims": basis.timing["benefits"],
                 "surrenders": basis.timing["benefits"], "withdrawals": basis.timing["benefits"],
                 "maturities": "end", "annuities": "start"}
    timing = np.array([CASHFLOW_TIMINGS.index(timing_of[f]) for f in POINT_FLOWS], np.int64)
    f = {name: np.array([getattr(p, name) for p in pb], dtype=np.float64) for name in (
        "acquisition", "maintenance", "expense_pct", "premium_charge", "policy_fee",
        "management_charge", "fund_spread", "guaranteed_rate", "credited_rate",
        "withdrawal_rate", "dynamic_beta", "dynamic_min", "dynamic_max")}
    return _Grid(
        horizon=horizon, qm=qm, wm=wm, commission=commission, surrender_charge=surrender,
        inflation=inflation, products=products,
        table_index={n: i for i, n in enumerate(names_t)}, top=top, min_age=min_age,
        mass_lapse=np.array([s.mass_lapse for s in demo]),
        expense_mult=np.array([s.expense for s in demo]),
        df=df, fund_m=fund_m, market=(1.0 + fund_m) ** 12 - 1.0, timing=timing,
        scen_g=np.array(scen_g, np.int64), scen_e=np.array(scen_e, np.int64),
        names=tuple(names), prod=f)


def _codes(points: ModelPoints, basis: Basis, grid: _Grid):
    """Per point: product index, kind code, table index (by sex), spouse table (-1); every
    point the basis cannot project is reported at once."""
    cells: list[BadCell] = []
    prod_index = {p: i for i, p in enumerate(grid.products)}
    n = points.size
    product = np.full(n, -1, np.int64)
    kind = np.zeros(n, np.int64)
    table = np.zeros(n, np.int64)
    spouse = np.full(n, -1, np.int64)
    which, names = pd.factorize(points.product)  # no sort of a million strings
    for j, name in enumerate(names):
        rows = np.flatnonzero(which == j)
        if name not in prod_index:
            for i in rows:
                cells.append(BadCell("model points", int(i) + 2, "product", str(name),
                                     f"a product of the basis {basis.name!r} "
                                     f"({', '.join(grid.products)})", "add the product to the "
                                     "basis or correct the point"))
            continue
        pb = basis.products[name]
        product[rows] = prod_index[name]
        kind[rows] = POINT_KINDS.index(pb.kind)
        for sex in SEXES:
            table[rows[points.sex[rows] == sex]] = grid.table_index[pb.mortality[sex]]
            with_spouse = rows[(points.spouse_sex[rows] == sex) & (points.spouse_age[rows] >= 0)]
            spouse[with_spouse] = grid.table_index[pb.mortality[sex]]
    if cells:
        raise InputError(cells)
    return product, kind, table, spouse


def _premiums(points: ModelPoints, basis: Basis, grid: _Grid, codes) -> np.ndarray:
    """The instalment per policy of every point under its product's premium rule."""
    product, kind, table, spouse = codes
    premium = points.premium.astype(np.float64).copy()
    cells: list[BadCell] = []
    rated = np.zeros(points.size, dtype=bool)
    loading = np.zeros(points.size)
    decimals = np.full(points.size, -1, np.int64)
    for i, name in enumerate(grid.products):
        pb = basis.products[name]
        rows = np.flatnonzero(product == i)
        if pb.premium_rule == "given":
            for r in rows[np.isnan(premium[rows])]:
                cells.append(BadCell("model points", int(r) + 2, "premium", "",
                                     "an instalment per policy (the product's rule is given)",
                                     "give the premium, or rate it in the basis"))
        elif pb.premium_rule == "table":
            years = points.term[rows] // 12
            table_keys = np.array([a * 10_000 + y for a, y in pb.premium_table], np.int64)
            order = np.argsort(table_keys)
            table_keys = table_keys[order]
            rates = np.array(list(pb.premium_table.values()), np.float64)[order]
            keys = points.age_at_entry[rows] * 10_000 + years
            at = np.minimum(np.searchsorted(table_keys, keys), max(table_keys.size - 1, 0))
            found = table_keys[at] == keys if table_keys.size else np.zeros(rows.size, bool)
            for r, age, y in zip(rows[~found], points.age_at_entry[rows][~found],
                                 years[~found], strict=True):
                cells.append(BadCell("model points", int(r) + 2, "age_at_entry", str(age),
                                     f"an age and term ({y} years) in the premium table of "
                                     f"{name!r}", "extend the premium table"))
            value = rates[at[found]] * points.sum_assured[rows[found]]
            if pb.premium_decimals is not None:
                value = np.round(value, pb.premium_decimals)
            premium[rows[found]] = value
        else:
            rated[rows] = True
            loading[rows] = pb.loading
            decimals[rows] = -1 if pb.premium_decimals is None else pb.premium_decimals
    if cells:
        raise InputError(cells)
    if rated.any():
        rows = np.flatnonzero(rated)
        # priced at issue, over the whole term, whatever the point's duration and the horizon
        sub = points.take(rows)  # per policy: a point of no policies still has a premium
        sub = sub.with_values(duration=np.zeros_like(sub.duration),
                              count=np.ones(rows.size))
        months = int(sub.term.max()) + 1
        base = _grid(basis, [BASE], None, months)
        pv = np.zeros((rows.size, 1, len(POINT_FLOWS)))
        cfa = np.zeros((1, 1, months, K.N_LINES))
        args = _point_args(sub, np.ones(rows.size), tuple(c[rows] for c in codes), base)
        K.project_points(*args, np.zeros(rows.size, np.int64), *_table_args(base), base.df,
                         base.timing, base.scen_g, base.scen_e, cfa, pv)
        with np.errstate(divide="ignore", invalid="ignore"):
            net = (pv[:, 0, K.CLAIMS] + pv[:, 0, K.MATURITIES]) / pv[:, 0, K.PREMIUMS]
        gross = (1.0 + loading[rows]) * net
        d = decimals[rows]
        for k in np.unique(d[d >= 0]):  # each product's rounding, all its points at once
            gross[d == k] = np.round(gross[d == k], int(k))
        premium[rows] = gross
    return premium


def _point_args(points: ModelPoints, premium, codes, grid: _Grid):
    product, kind, table, spouse = codes
    return (kind, product, table, spouse, points.age_at_entry, points.duration, points.term,
            points.premium_term, points.first_premium, points.interval, premium, points.sum_assured,
            points.maturity_benefit, points.count, (1.0 + points.loan_rate) ** (1 / 12) - 1.0,
            points.annuity, points.annuity_interval, points.arrears, points.guarantee,
            points.spouse_age, points.reversion, points.indexation)


def _table_args(grid: _Grid):
    f = grid.prod
    return (grid.qm, grid.wm, grid.commission, f["acquisition"], f["maintenance"] / 12.0,
            f["expense_pct"], grid.inflation, grid.mass_lapse, grid.expense_mult)


def _savings_args(grid: _Grid):
    f = grid.prod

    def m(r):
        return (1.0 + r) ** (1 / 12) - 1.0
    credited = np.where(np.isnan(f["credited_rate"]), np.nan, m(f["credited_rate"]))
    return (grid.qm, grid.wm, grid.commission, grid.surrender_charge, f["acquisition"],
            f["maintenance"] / 12.0, f["expense_pct"], grid.inflation, f["premium_charge"],
            f["policy_fee"] / 12.0, _monthly(f["management_charge"]), m(f["fund_spread"]),
            m(f["guaranteed_rate"]), credited, _monthly(f["withdrawal_rate"]),
            f["dynamic_beta"], f["dynamic_min"], f["dynamic_max"], grid.mass_lapse,
            grid.expense_mult, np.ascontiguousarray(grid.fund_m[grid.scen_e].T),
            np.ascontiguousarray(grid.market[grid.scen_e].T))


def _check_points(points: ModelPoints, basis: Basis, table: np.ndarray) -> None:
    """Every point whose age at entry is below its mortality table's first age (row = position
    + 2, the file's line)."""
    first = np.array([basis.tables[n].min_age for n in sorted(basis.tables)])
    low = first[table]
    cells = [BadCell("model points", int(i) + 2, "age_at_entry", str(points.age_at_entry[i]),
                     f"an age >= {low[i]}, the first age of the point's mortality table",
                     "use tables that cover the ages")
             for i in np.flatnonzero(points.age_at_entry < low)]
    left = (points.duration >= points.term) & ((points.maturity_benefit > 0)
                                               | (points.account > 0))
    cells += [BadCell("model points", int(i) + 2, "duration_mth", str(points.duration[i]),
                      f"below the term ({points.term[i]} months) for a point with a maturity "
                      "benefit or an account", "a point at its maturity has been paid: remove it")
              for i in np.flatnonzero(left)]
    if cells:
        raise InputError(cells)


def _groups(points: ModelPoints, by: str, basis: Basis) -> tuple[np.ndarray, tuple[str, ...]]:
    if by == "point":
        return np.arange(points.size, dtype=np.int64), tuple(str(p) for p in points.point_id)
    if by == "all":
        return np.zeros(points.size, np.int64), ("all",)
    if by == "product":
        labels = points.product
    elif by == "kind":
        labels = np.array([basis.products[p].kind if p in basis.products else ""
                           for p in points.product], dtype=object)
    elif by in points.attributes:
        labels = np.asarray(points.attributes[by]).astype(str).astype(object)
    else:
        raise ArgumentError(BadCell(ARGUMENT, None, "by", by, "point, product, kind, all or a "
                                    "column of the model-point file: "
                                    + ", ".join(points.attributes)))
    uniq, inverse = np.unique(labels.astype(str), return_inverse=True)
    return inverse.astype(np.int64), tuple(uniq)


def iter_chunks(points: ModelPoints, basis: Basis, *, shocks: Sequence[Shock] = (BASE,),
                economic: EconomicScenarios | None = None, by: str = "product",
                months: int | None = None, chunk: int = DEFAULT_CHUNK,
                point_values: bool = False, _acc: dict | None = None
                ) -> Iterator[PointsResult]:
    """``project`` chunk by chunk: one ``PointsResult`` per ``chunk`` points (by = point: the
    chunk's points as groups, so that the memory stays that of one chunk). With ``_acc``
    (``project``'s), every chunk adds into the same aggregates, kept there with the grid: the
    totals are then those of one pass, whatever the chunk."""
    if not shocks:
        raise ArgumentError(BadCell(ARGUMENT, None, "shocks", "()", "at least one scenario"))
    if int(chunk) != chunk or chunk < 1:
        raise ArgumentError(BadCell(ARGUMENT, None, "chunk", repr(chunk), "a whole number >= 1"))
    h = horizon(points, basis, months)
    grid = _grid(basis, shocks, economic, h)
    if _acc is not None:
        _acc["grid"] = grid
    codes = _codes(points, basis, grid)
    _check_points(points, basis, codes[2])
    grp_all, labels = _groups(points, by, basis)
    n_s = grid.scen_g.size
    if point_values or by == "point":
        if points.size * n_s * len(PV_LINES) > MAX_POINT_VALUES and by != "point":
            raise ArgumentError(BadCell(ARGUMENT, None, "point values",
                                        f"{points.size} points x {n_s} scenarios",
                                        "fewer values per point", "group the results (by "
                                        "product) or run fewer scenarios"))
    # lines per group and month: n_s, and the savings kernel's tiles (n_s and spare lanes)
    lanes = n_s + (K.savings_lanes(n_s, spare=by != "point") if np.any(codes[1] == K.SAVINGS)
                   else 0)
    size = (len(labels) if by != "point" else min(points.size, int(chunk))) * max(h, 1)
    values = size * (n_s * (len(RESULT_LINES) + len(PV_LINES)) + lanes * K.N_LINES)
    if values * 8 > MAX_RESULT_BYTES:
        raise ArgumentError(BadCell(ARGUMENT, None, "results",
                                    f"{len(labels)} groups x {n_s} scenarios x {h} months",
                                    f"results within {MAX_RESULT_BYTES >> 30} GiB "
                                    f"(these need {values * 8 / 2**30:.1f} GiB)",
                                    "group the results more coarsely (by product), run fewer "
                                    "scenarios or fewer months"))
    premium_all = _premiums(points, basis, grid, codes)
    if by == "point":  # the chunk's cashflows per point and scenario (and the savings
        # kernel's tiles of them): at most ~400 MB
        chunk = min(int(chunk), max(1, MAX_CHUNK_VALUES // (lanes * max(h, 1) * K.N_LINES)))
    for start in range(0, max(points.size, 1), int(chunk)):
        stop = min(start + int(chunk), points.size)
        rows = np.arange(start, stop)
        sub = points.take(rows)
        sub_codes = tuple(c[rows] for c in codes)
        if by == "point":
            grp = np.arange(rows.size, dtype=np.int64)
            chunk_labels = labels[start:stop]
        else:
            grp, chunk_labels = grp_all[rows], labels
        yield _run_chunk(sub, premium_all[rows], sub_codes, grp, len(chunk_labels), grid,
                         basis, chunk_labels, by, point_values or by == "point", _acc)


def _run_chunk(sub, premium, codes, grp, n_groups, grid: _Grid, basis, labels, by,
               keep_pv, acc: dict | None = None) -> PointsResult:
    """One chunk's results; with ``acc``, its months added into ``acc``'s aggregates (and the
    result's cashflows and PVs left empty)."""
    h = grid.horizon
    n_g = grid.qm.shape[0]
    n_s = grid.scen_g.size
    shape_a = (n_groups, n_g, h, K.N_LINES)
    cfa = _aggregate(acc, "a", lambda: np.zeros(shape_a))
    pvp = np.zeros((sub.size if keep_pv else 0, n_s, len(POINT_FLOWS)))
    args = _point_args(sub, premium, codes, grid)
    K.project_points(*args, grp, *_table_args(grid), grid.df, grid.timing, grid.scen_g,
                     grid.scen_e, cfa, pvp)
    kind = codes[1]
    cfb = None
    if np.any(kind == K.SAVINGS):
        product, kind, table, _ = codes
        runs = K.savings_tiles(n_s, spare=by != "point")
        shapes = [(-(-(stop - first) // width), n_groups, h, K.N_LINES * width)
                  for first, stop, width in runs]
        cfb = _aggregate(acc, "b", lambda: [(run, _vector_zeros(shape))
                                            for run, shape in zip(runs, shapes, strict=True)])
        savings = _savings_args(grid)
        for (first, stop, width), tiles in cfb:
            K.project_savings(kind, product, table, sub.age_at_entry, sub.duration, sub.term,
                              sub.premium_term, sub.first_premium, sub.interval, premium,
                              sub.sum_assured, sub.maturity_benefit, sub.count, sub.account,
                              grp, *savings, grid.df, grid.timing, grid.scen_g, grid.scen_e,
                              tiles, pvp, first, stop, width, by == "point")
    if acc is None:
        cashflows, pv = _finish(_combined(cfa, cfb, grid), grid)
    else:
        cashflows, pv = np.zeros((0, n_s, h, len(RESULT_LINES))), np.zeros((0, n_s, len(PV_LINES)))
    point_pv = None
    if keep_pv:
        point_pv = np.concatenate((pvp, (pvp * SIGNS).sum(axis=2, keepdims=True)), axis=2)
    return PointsResult(basis=basis.name, basis_hash=basis.set_hash, scenarios=grid.names,
                        groups=tuple(labels), by=by, cashflows=cashflows, pv=pv,
                        point_id=sub.point_id, premium=premium, point_pv=point_pv)


def _aggregate(acc: dict | None, key: str, make):
    """``acc[key]``, made by ``make()`` on the first chunk; without ``acc``, ``make()``."""
    if acc is None:
        return make()
    if key not in acc:
        acc[key] = make()
    return acc[key]


def _vector_zeros(shape: tuple[int, ...], align: int = 64) -> np.ndarray:
    """Zeros whose first byte is on a multiple of ``align`` (a vector register's width: the
    savings kernel's rows then start on cache lines; a large numpy array starts 16 bytes past
    a page)."""
    n = int(np.prod(shape))
    buf = np.zeros(n + align // 8)
    first = (-buf.ctypes.data % align) // 8
    return buf[first:first + n].reshape(shape)


def _combined(cfa: np.ndarray, cfb: list[tuple[tuple[int, int, int], np.ndarray]] | None,
              grid: _Grid) -> np.ndarray:
    """The lines [group, s, m, line] of both kernels' aggregates: ``cfa[group, g, m, line]``
    by demographic scenario, ``cfb`` the savings kernel's tiles by run (first, stop, width) of
    ``kernel.savings_tiles``, [tile, group, m, line x width] (spare lanes dropped)."""
    cf = cfa[:, grid.scen_g]
    if cfb is None:
        return cf
    n_grp, h = cf.shape[0], cf.shape[2]
    parts = [tiles.reshape(-1, n_grp, h, K.N_LINES, width).transpose(1, 0, 4, 2, 3)
             .reshape(n_grp, -1, h, K.N_LINES)[:, :stop - first]
             for (first, stop, width), tiles in cfb]
    return cf + (parts[0] if len(parts) == 1 else np.concatenate(parts, axis=1))


def _finish(cf: np.ndarray, grid: _Grid) -> tuple[np.ndarray, np.ndarray]:
    """Net cashflow, reserves and the PVs from the aggregated lines [group, s, m, line]."""
    h = grid.horizon
    n_f = len(POINT_FLOWS)
    flows = cf[..., :n_f]
    # v_s(m + t_k / 2) for each flow k: [s, m, k]
    dfk = grid.df[grid.scen_e][:, grid.timing, :h].transpose(0, 2, 1)
    disc = flows * dfk[None] * SIGNS
    pv_flows = (flows * dfk[None]).sum(axis=2)
    net = (flows * SIGNS).sum(axis=3)
    pv = np.concatenate((pv_flows, disc.sum(axis=(2, 3))[..., None]), axis=2)
    later = np.flip(np.cumsum(np.flip(-disc.sum(axis=3), axis=2), axis=2), axis=2)
    with np.errstate(divide="ignore", invalid="ignore"):
        reserves = later / grid.df[grid.scen_e][:, 0, :h][None]
    cashflows = np.concatenate((cf, net[..., None], reserves[..., None]), axis=3)
    return cashflows, pv


def project(points: ModelPoints, basis: Basis, *, shocks: Sequence[Shock] = (BASE,),
            economic: EconomicScenarios | None = None, by: str = "product",
            months: int | None = None, chunk: int = DEFAULT_CHUNK,
            point_values: bool = False) -> PointsResult:
    """Project ``points`` on ``basis`` under the shocks (and the economic paths, if any): the
    chunks' results added up (by = point: concatenated). See the module docstring."""
    if by == "point":
        n_s = len(shocks) + (economic.size if economic is not None else 0)
        whole = points.size * n_s * max(horizon(points, basis, months), 1) * len(RESULT_LINES)
        if whole * 8 > MAX_RESULT_BYTES:
            raise ArgumentError(BadCell(ARGUMENT, None, "by", "point",
                                        f"per-point results within {MAX_RESULT_BYTES >> 30} GiB "
                                        f"(these need {whole * 8 / 2**30:.1f} GiB)",
                                        "take them chunk by chunk (iter_chunks; the CLI's "
                                        "exports do), or group them"))
    acc: dict | None = None if by == "point" else {}
    parts = list(iter_chunks(points, basis, shocks=shocks, economic=economic, by=by,
                             months=months, chunk=chunk, point_values=point_values, _acc=acc))
    first = parts[0]
    if acc is None:
        cashflows = np.concatenate([p.cashflows for p in parts], axis=0)
        pv = np.concatenate([p.pv for p in parts], axis=0)
        groups = tuple(g for p in parts for g in p.groups)
    else:  # every chunk added into the same aggregates: one pass's sums
        grid = acc["grid"]
        cashflows, pv = _finish(_combined(acc["a"], acc.get("b"), grid), grid)
        groups = first.groups
    point_pv = (np.concatenate([p.point_pv for p in parts], axis=0)
                if first.point_pv is not None else None)
    return PointsResult(basis=first.basis, basis_hash=first.basis_hash,
                        scenarios=first.scenarios, groups=groups, by=by, cashflows=cashflows,
                        pv=pv, point_id=np.concatenate([p.point_id for p in parts]),
                        premium=np.concatenate([p.premium for p in parts]),
                        point_pv=point_pv, sources=(economic.source,) if economic else ())


__all__ = ["BASE", "GROUPINGS", "horizon", "PV_LINES", "RESULT_LINES", "EconomicScenarios", "PointsResult",
           "Shock", "iter_chunks", "project"]
