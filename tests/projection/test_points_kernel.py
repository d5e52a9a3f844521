"""The model-point kernels (reserva.projection.points.kernel) against their specification.

The module docstring of ``kernel.py`` is the specification. Every kind of point is tied under
hypothesis to the slow reference (tests/projection/points_reference.py: plain loops, one point
and one scenario at a time, written from the docstring) at 1e-10 relative, month by month and
line by line, and in present value, per point and per group; a savings account is rolled by hand
for a few months with its arithmetic in comments; metamorphic properties (a split portfolio keeps
its totals, a scenario without shocks is the base, twice the policies twice every line, new
business is the same point issued later) and edge cases have tests of their own.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reserva.projection.points.basis import Basis, DiscountCurve, ProductBasis, SelectTable
from reserva.projection.points.economic import hull_white_scenarios
from reserva.projection.points.engine import (
    BASE,
    PV_LINES,
    RESULT_LINES,
    EconomicScenarios,
    Shock,
    project,
)
from reserva.projection.points.kernel import SAVINGS_TILES, savings_lanes, savings_tiles
from reserva.projection.points.model_points import FLOAT_FIELDS, INT_FIELDS, make_points
from reserva.vocab import CASHFLOW_TIMINGS, POINT_FLOWS, POINT_KINDS, POINT_LINES
from tests.projection import points_reference as ref

REL = 1e-10
FIRST_AGE = 44  # every drawn table starts at or below it
LINE = {name: i for i, name in enumerate(RESULT_LINES)}
PV = {name: i for i, name in enumerate(PV_LINES)}
POINT_FIELDS = ("point_id", "product", "sex", *INT_FIELDS, *FLOAT_FIELDS, "spouse_sex", "arrears")

# ---------------------------------------------------------------------------------------------
# comparing


def _check(actual, expected, scale, what: str) -> None:
    """|actual - expected| <= REL (|expected| + scale) everywhere; ``scale`` the magnitude of
    the values compared (the floor of the near-zero ones)."""
    actual = np.asarray(actual, np.float64)
    expected = np.asarray(expected, np.float64)
    tol = REL * (np.abs(expected) + scale) + 1e-300
    bad = np.argwhere(~(np.abs(actual - expected) <= tol))
    if bad.size:
        rows = [f"{what}{tuple(int(i) for i in ix)}: engine {actual[tuple(ix)]!r}, reference "
                f"{expected[tuple(ix)]!r}" for ix in bad[:8]]
        raise AssertionError(f"{len(bad)} differences:\n" + "\n".join(rows))


def _check_lines(actual, expected, what: str) -> None:
    """[..., month, line] arrays; each line's floor is its largest monthly magnitude."""
    scale = np.max(np.abs(expected), axis=-2, keepdims=True) if expected.shape[-2] else 0.0
    _check(actual, expected, scale, what)


def _result_scale(cashflows) -> np.ndarray:
    """The floors of result lines [..., month, RESULT_LINES]: a line's largest monthly
    magnitude; for the net cashflow and the reserve (differences of large flows) the flows'
    magnitudes summed over the lines and, for the reserve, over the months (x 10: the reserve is
    a PV over v(m), never above 10 times the flows on the curves drawn here)."""
    flows = np.abs(cashflows[..., :len(POINT_FLOWS)])
    scale = np.max(np.abs(cashflows), axis=-2, keepdims=True)
    scale[..., LINE["net_cashflow"]] = np.max(flows.sum(axis=-1), axis=-1, keepdims=True)
    scale[..., LINE["reserves"]] = 10.0 * flows.sum(axis=(-1, -2))[..., None]
    return scale


def _check_pv(actual, expected, undiscounted, what: str) -> None:
    """[..., PV_LINES]; a flow's floor is the sum of its undiscounted magnitudes, the net's
    that of every flow."""
    scale = np.concatenate((undiscounted, undiscounted.sum(axis=-1, keepdims=True)), axis=-1)
    _check(actual, expected, scale, what)


# ---------------------------------------------------------------------------------------------
# running the reference on the engine's inputs


def _point_dicts(points, premium) -> list[dict]:
    out = []
    for i in range(points.size):
        row = {}
        for name in POINT_FIELDS:
            value = getattr(points, name)[i]
            if name in INT_FIELDS:
                value = int(value)
            elif name in FLOAT_FIELDS:
                value = float(value)
            elif name == "arrears":
                value = bool(value)
            row[name] = value
        row["premium"] = float(premium[i])
        out.append(row)
    return out


def _horizon(points, months) -> int:
    """The engine's horizon: ``months``, else to the maturity month of the longest point."""
    if months is not None:
        return months
    return int(max(int(t) - int(d) for t, d in zip(points.term, points.duration, strict=True))) + 1


def _scenarios(basis, shocks, economic, horizon):
    """(demographic shock, discount, fund returns) per scenario, in the engine's order: the
    shocks on the basis' curve, then the economic paths with the base demographics."""
    out = []
    for s in shocks:
        out.append((s, ref.curve_discount(basis.curve, s.rate_shift),
                    ref.fund_returns(basis, s.rate_shift, horizon)))
    if economic is not None:
        for k in range(economic.size):
            out.append((BASE, [float(x) for x in economic.discount[k, :horizon + 1]],
                        [float(x) for x in economic.fund_return[k, :horizon]]))
    return out


def _reference(points, basis, shocks, economic, horizon, premium):
    """lines [p, s, m, POINT_LINES], pv [p, s, PV_LINES], undiscounted sums [p, s, flows]."""
    scen = _scenarios(basis, shocks, economic, horizon)
    n, n_s = points.size, len(scen)
    lines = np.zeros((n, n_s, horizon, len(POINT_LINES)))
    pv = np.zeros((n, n_s, len(PV_LINES)))
    for p, point in enumerate(_point_dicts(points, premium)):
        for s, (shock, discount, fund) in enumerate(scen):
            out = ref.reference_point(point, basis, shock, discount, fund, horizon)
            for j, name in enumerate(POINT_LINES):
                lines[p, s, :, j] = out["lines"][name]
            for j, name in enumerate(PV_LINES):
                pv[p, s, j] = out["pv"][name]
    undiscounted = np.abs(lines[..., :len(POINT_FLOWS)]).sum(axis=2)
    return lines, pv, undiscounted, scen


def _group_lines(lines_sum, basis, scen, horizon):
    """[s, m, RESULT_LINES] of summed point lines [s, m, POINT_LINES]."""
    out = np.zeros((len(scen), horizon, len(RESULT_LINES)))
    for s, (_, discount, _) in enumerate(scen):
        named = {name: list(lines_sum[s, :, j]) for j, name in enumerate(POINT_LINES)}
        net, reserves = ref.net_and_reserves(named, basis, discount, horizon)
        out[s, :, :len(POINT_LINES)] = lines_sum[s]
        out[s, :, LINE["net_cashflow"]] = net
        out[s, :, LINE["reserves"]] = reserves
    return out


# ---------------------------------------------------------------------------------------------
# strategies

unit = st.floats(0.0, 1.0)


@st.composite
def select_tables(draw, name: str) -> SelectTable:
    """A Gompertz-like select table: q = min(1, base (1 + growth)^a x select factor), the last
    age closing at 1; sometimes every rate 0 before the end, sometimes 1 early."""
    min_age = draw(st.integers(40, FIRST_AGE))
    ages = draw(st.integers(FIRST_AGE - min_age + 2, FIRST_AGE - min_age + 12))
    select = draw(st.integers(1, 3))
    base = draw(st.sampled_from([0.0, 0.001, 0.02]) | st.floats(0.0, 0.1))
    growth = draw(st.floats(0.0, 0.8))
    factors = [draw(st.floats(0.3, 1.0)) for _ in range(select - 1)] + [1.0]
    q = [[min(1.0, base * (1.0 + growth) ** a * f) for f in factors] for a in range(ages - 1)]
    q.append([1.0] * select)
    return SelectTable(name, min_age, np.array(q), "drawn")


def _schedule(low, high, size=3):
    return st.lists(st.floats(low, high), min_size=1, max_size=size)


@st.composite
def products(draw, name: str, kind: str, tables: list[str]) -> ProductBasis:
    common = dict(
        product=name, kind=kind,
        mortality={"M": draw(st.sampled_from(tables)), "F": draw(st.sampled_from(tables))},
        lapse=draw(_schedule(0.0, 0.4)) if draw(st.integers(0, 3)) else [0.0],
        commission=draw(_schedule(0.0, 0.5)), surrender_charge=draw(_schedule(0.0, 0.2)),
        acquisition=draw(st.floats(0.0, 100.0)), maintenance=draw(st.floats(0.0, 60.0)),
        expense_pct=draw(st.floats(0.0, 0.1)), inflation=draw(st.floats(0.0, 0.06)))
    if kind != "savings":
        return ProductBasis(**common)
    declared = draw(st.booleans())
    return ProductBasis(
        **common, premium_charge=draw(st.floats(0.0, 0.1)), policy_fee=draw(st.floats(0.0, 120.0)),
        management_charge=draw(st.floats(0.0, 0.03)), fund_spread=draw(st.floats(0.0, 0.02)),
        guaranteed_rate=draw(st.floats(0.0, 0.04)),
        credited_rate=draw(st.floats(0.0, 0.05)) if declared else math.nan,
        withdrawal_rate=draw(st.sampled_from([0.0]) | st.floats(0.0, 0.1)),
        dynamic_beta=draw(st.floats(-4.0, 4.0)) if draw(st.integers(0, 3)) else 0.0,
        dynamic_min=draw(st.floats(0.0, 1.0)), dynamic_max=draw(st.floats(1.0, 3.0)))


@st.composite
def bases(draw, *, flat: bool = False) -> Basis:
    """Three tables, a product of every kind (two of savings: drawn twice), a curve, timings;
    ``flat``: a flat zero curve and no inflation (for shifting new business in time)."""
    names = ["t1", "t2", "t3"]
    tables = {n: draw(select_tables(n)) for n in names}
    prods = {}
    for kind in POINT_KINDS:
        prods[kind] = draw(products(kind, kind, names))
    prods["savings2"] = draw(products("savings2", "savings", names))
    if flat:
        prods = {k: ProductBasis(**{**p.__dict__, "inflation": 0.0}) for k, p in prods.items()}
        curve = DiscountCurve("zero", [draw(st.floats(0.0, 0.08))])
        fund = None
    else:
        curve = DiscountCurve(draw(st.sampled_from(["zero", "forward"])),
                              draw(st.lists(st.floats(-0.01, 0.08), min_size=1, max_size=4)))
        fund = draw(st.none() | st.floats(-0.02, 0.08))
    timing = {line: draw(st.sampled_from(CASHFLOW_TIMINGS))
              for line in ("premiums", "expenses", "benefits")}
    return Basis("drawn", "hash", prods, tables, curve, timing, fund_return=fund)


def _last_age(basis, product, sex) -> int:
    return basis.tables[basis.products[product].mortality[sex]].max_age


@st.composite
def points_of(draw, basis: Basis, kinds, n_max: int = 4, new_business: bool = True,
              duration=None):
    """1..n_max points of the kinds ``kinds``, every field drawn."""
    n = draw(st.integers(1, n_max))
    rows: dict[str, list] = {}
    for i in range(n):
        kind = draw(st.sampled_from(kinds))
        product = draw(st.sampled_from(["savings", "savings2"])) if kind == "savings" else kind
        sex = draw(st.sampled_from(["M", "F"]))
        age = draw(st.integers(FIRST_AGE, FIRST_AGE + 12))
        to_end = max(12 * (_last_age(basis, product, sex) + 1 - age), 1)
        if kind == "whole_life" or (kind == "annuity" and draw(st.booleans())):
            term = to_end
        else:
            term = draw(st.integers(1, 40))
        if duration is not None:
            dur = duration
        else:
            dur = draw(st.integers(-14 if new_business else 1, term + 1))
        # a point at its maturity has been paid: only one without a maturity benefit or an
        # account may be given (the engine refuses the others)
        paid_out = dur >= term
        interval = draw(st.sampled_from([0, 1, 3, 6, 12]))
        spouse = kind == "annuity" and draw(st.integers(0, 3)) > 0
        row = dict(
            point_id=f"p{i}", product=product, sex=sex, age_at_entry=age, duration=dur,
            term=term, premium_term=draw(st.integers(0, term + 3)), interval=interval,
            first_premium=draw(st.sampled_from([0]) | st.integers(0, 13)),
            premium=draw(st.floats(0.0, 500.0)),  # annuities: ignored (none is paid)
            sum_assured=draw(st.floats(0.0, 1e5)),
            maturity_benefit=0.0 if paid_out else draw(st.floats(0.0, 1e4)),
            count=draw(st.floats(0.5, 100.0)),
            loan_rate=draw(st.sampled_from([0.0]) | st.floats(0.001, 0.3)),
            annuity=draw(st.floats(0.0, 2e4)),
            annuity_interval=draw(st.sampled_from([1, 3, 6, 12])),
            arrears=draw(st.booleans()),
            guarantee=draw(st.sampled_from([12, 60]) | st.integers(0, 150))
            if draw(st.booleans()) else 0,
            spouse_age=draw(st.integers(FIRST_AGE, FIRST_AGE + 14)) if spouse else -1,
            spouse_sex=draw(st.sampled_from(["M", "F"])) if spouse else "",
            reversion=draw(unit), indexation=draw(st.floats(0.0, 0.05)),
            account=0.0 if paid_out else draw(st.floats(0.0, 5e4)))
        for k, v in row.items():
            rows.setdefault(k, []).append(v)
    return make_points(n, **{k: np.array(v, dtype=object if isinstance(v[0], str) else None)
                             for k, v in rows.items()})


shocks_st = st.builds(
    Shock, st.sampled_from(["a", "b", "c"]), mortality=st.floats(0.0, 3.0),
    mortality_add=st.sampled_from([0.0]) | st.floats(0.0, 0.05),
    lapse=st.floats(0.0, 3.0), mass_lapse=st.sampled_from([0.0]) | unit,
    expense=st.floats(0.0, 2.0), rate_shift=st.floats(-0.01, 0.02))


@st.composite
def economic_st(draw, horizon: int):
    """1-2 paths of discount factors and fund returns, a few parameters each."""
    n = draw(st.integers(1, 2))
    months = horizon + draw(st.integers(0, 3))
    disc = np.ones((n, months + 1))
    fund = np.zeros((n, months))
    for k in range(n):
        a, b = draw(st.floats(-0.002, 0.008)), draw(st.floats(0.0, 0.004))
        c, d = draw(st.floats(-0.01, 0.01)), draw(st.floats(0.0, 0.03))
        for m in range(months):
            disc[k, m + 1] = disc[k, m] / (1.0 + a + b * math.sin(m + k))
            fund[k, m] = c + d * math.cos(0.7 * m + k)
    return EconomicScenarios(disc, fund, "drawn")


@st.composite
def runs(draw, kinds, n_max=4, flat=False):
    """A basis, points of ``kinds``, scenarios and a horizon."""
    basis = draw(bases(flat=flat))
    points = draw(points_of(basis, kinds, n_max))
    shocks = draw(st.lists(shocks_st, min_size=1, max_size=3))
    months = draw(st.none() | st.integers(1, 40))
    horizon = _horizon(points, months)
    if horizon < 1:
        months, horizon = 1, 1
    economic = None
    if draw(st.booleans()):
        economic = draw(economic_st(horizon))  # with the base demographics
    return basis, points, shocks, economic, months, horizon


# ---------------------------------------------------------------------------------------------
# every kind against the reference


@pytest.mark.parametrize("kind", [
    kind for kind in POINT_KINDS])
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_each_kind_matches_the_reference(kind, data):
    """Per point (by = point): every monthly line, the point PVs and the group PVs."""
    basis, points, shocks, economic, months, horizon = data.draw(runs([kind]))
    res = project(points, basis, shocks=shocks, economic=economic, by="point", months=months,
                  point_values=True)
    lines, pv, undiscounted, scen = _reference(points, basis, shocks, economic, horizon,
                                               points.premium)
    assert res.cashflows.shape == (points.size, len(scen), horizon, len(RESULT_LINES))
    _check_lines(res.cashflows[..., :len(POINT_LINES)], lines, "lines[p, s, m, line]")
    _check_pv(res.point_pv, pv, undiscounted, "point_pv[p, s, flow]")
    _check_pv(res.pv, pv, undiscounted, "pv[group, s, flow]")


@settings(max_examples=40, deadline=None)
@given(data=st.data(), by=st.sampled_from(["product", "kind", "all"]))
def test_mixed_points_aggregate_as_the_reference(data, by):
    """Points of every kind together: the group lines (with the net cashflow and the
    prospective reserve) and PVs are the sums of the reference's points."""
    basis, points, shocks, economic, months, horizon = data.draw(runs(list(POINT_KINDS), 8))
    res = project(points, basis, shocks=shocks, economic=economic, by=by, months=months,
                  point_values=True)
    lines, pv, undiscounted, scen = _reference(points, basis, shocks, economic, horizon,
                                               points.premium)
    if by == "all":
        labels = ["all"] * points.size
    elif by == "product":
        labels = list(points.product)
    else:
        labels = [basis.products[p].kind for p in points.product]
    groups = sorted(set(labels))
    assert res.groups == tuple(groups)
    for gi, group in enumerate(groups):
        rows = [p for p in range(points.size) if labels[p] == group]
        expected = _group_lines(lines[rows].sum(axis=0), basis, scen, horizon)
        # the reserve's floor: the PV of every flow of the group
        scale = np.max(np.abs(expected), axis=1, keepdims=True)
        scale[..., LINE["reserves"]] = undiscounted[rows].sum(axis=(0, 2))[:, None] / min(
            ref._factor(d, 0.0, m) for _, d, _ in scen for m in range(horizon))
        _check(res.cashflows[gi], expected, scale, f"cashflows[{group}, s, m, line]")
        _check_pv(res.pv[gi], pv[rows].sum(axis=0), undiscounted[rows].sum(axis=0),
                  f"pv[{group}, s, flow]")
    _check_pv(res.point_pv, pv, undiscounted, "point_pv[p, s, flow]")


# ---------------------------------------------------------------------------------------------
# a savings account rolled by hand


def _hand_basis(**changes) -> Basis:
    """Round monthly figures: q = 0.001 (annual 1 - 0.999^12), lapses w = 0.01, management
    charge 0.002, withdrawals 0.005 (annual 1 - (1 - r)^12), guarantee 0.002 and spread 0.0005
    (annual (1 + r)^12 - 1), the fund 0.001 a month, the policy fee 120 a year (10 a month)."""
    table = SelectTable("flat", 40, np.array([[1.0 - 0.999 ** 12]] * 60 + [[1.0]]), "hand")
    fields = dict(
        product="sav", kind="savings", mortality={"M": "flat", "F": "flat"},
        lapse=[1.0 - 0.99 ** 12], commission=[0.10, 0.05], surrender_charge=[0.10, 0.05, 0.0],
        maintenance=24.0, expense_pct=0.02, premium_charge=0.05, policy_fee=120.0,
        management_charge=1.0 - 0.998 ** 12, fund_spread=1.0005 ** 12 - 1.0,
        guaranteed_rate=1.002 ** 12 - 1.0, withdrawal_rate=1.0 - 0.995 ** 12)
    fields.update(changes)
    return Basis("hand", "hash", {"sav": ProductBasis(**fields)}, {"flat": table},
                 DiscountCurve("zero", [0.03]),
                 {"premiums": "start", "expenses": "start", "benefits": "end"},
                 fund_return=1.001 ** 12 - 1.0)


def test_savings_account_rolled_by_hand():
    """10 policies aged 50 in their second policy year (duration 22, term 25: the last month
    is duration 24), account 1,000 each, 100 a month to duration 24, sum assured 5,000,
    guaranteed maturity 1,500."""
    basis = _hand_basis()
    points = make_points(1, point_id="s", product="sav", age_at_entry=50, duration=22, term=25,
                         premium_term=24, premium=100.0, sum_assured=5000.0,
                         maturity_benefit=1500.0, count=10.0, account=1000.0)
    res = project(points, basis, by="point", point_values=True)
    got = {name: res.cashflows[0, 0, :, LINE[name]] for name in POINT_LINES}
    assert res.months == 4  # term - duration + 1
    q, w, amc, wd, i = 0.001, 0.01, 0.002, 0.005, 0.002
    # the fund earns 0.001 - 0.0005 (spread) = 0.0005 < 0.002: the guarantee is credited
    assert max(0.001 - 0.0005, 0.002) == i
    alive, a = 10.0, 1000.0
    expected = {name: [0.0] * 4 for name in POINT_LINES}
    # month 0, duration 22 (policy year 1: commission 5%, surrender charge 5%)
    # month 1, duration 23 (the same year, the last premium: 23 < premium_term 24)
    # month 2, duration 24 (policy year 2: no premium, commission 5% (the last holds), no
    # surrender charge)
    figures = [(100.0, 0.05, 0.05), (100.0, 0.05, 0.05), (0.0, 0.05, 0.0)]
    worked = [
        # month 0: A = 1000 + 100 x 0.95 - 10 = 1085; COI 0.001 x (5000 - 1085) = 3.915,
        # A = 1081.085; x (1 - 0.002) = 1078.92283; x 1.002 = 1081.08067566
        # deaths 10 x 0.001 = 0.01, claims 0.01 x max(1081.08, 5000) = 50
        # lapses 9.99 x 0.01 = 0.0999, surrenders 0.0999 x 1081.08067566 x 0.95 = 102.59996152
        # stay 9.8901, withdrawals 9.8901 x 1081.08067566 x 0.005 = 53.45997995
        # A = 1081.08067566 x 0.995 = 1075.67527228, account value 9.8901 x A = 10638.53601039
        dict(A=1081.08067566, claims=50.0, surr=102.5999615235, wd=53.4599799517,
             av=10638.5360103932),
        # month 1: A = 1075.67527228 + 95 - 10 = 1160.67527228; COI 0.001 x 3839.32472772
        # = 3.83932473 -> 1156.83594755; x 0.998 = 1154.52227566; x 1.002 = 1156.83132021
        # deaths 0.0098901 (claims 49.4505), lapses 9.8802099 x 0.01 = 0.098802099,
        # surrenders 0.098802099 x 1156.83132021 x 0.95 = 108.58249449; stay 9.781407801,
        # withdrawals 56.57719450; A = 1151.04716361, account value 11258.86170545
        dict(A=1156.8313202102, claims=49.4505, surr=108.5824944944, wd=56.5771944997,
             av=11258.8617054454),
        # month 2: A = 1151.04716361 - 10 = 1141.04716361; COI 3.85895284 -> 1137.18821077;
        # x 0.998 = 1134.91383435; x 1.002 = 1137.18366202; deaths 0.009781407801 (claims
        # 48.90703901), lapses 0.097716263932, surrenders x 1137.18366202 x 1.0 = 111.12133886;
        # stay 9.673910129267, withdrawals 55.00506273; A = 1131.49774371, value 10946.00748412
        dict(A=1137.1836620199, claims=48.907039005, surr=111.1213388571, wd=55.0050627343,
             av=10946.0074841171),
    ]
    for m, (prem, com, charge) in enumerate(figures):
        expected["policies"][m] = alive
        expected["premiums"][m] = alive * prem
        expected["commissions"][m] = alive * prem * com
        expected["expenses"][m] = alive * 24.0 / 12.0 + 0.02 * alive * prem  # maintenance + 2% of P
        a = a + prem * (1.0 - 0.05) - 120.0 / 12.0  # premium less its charge, the policy fee
        a = a - q * max(5000.0 - a, 0.0)  # cost of insurance on the sum at risk
        a = a * (1.0 - amc)  # management charge
        a = a * (1.0 + i)  # the guaranteed rate
        assert a == pytest.approx(worked[m]["A"], rel=1e-10)
        d = alive * q
        u = (alive - d) * w
        expected["deaths"][m] = d
        expected["claims"][m] = d * max(a, 5000.0)
        expected["lapses"][m] = u
        expected["surrenders"][m] = u * a * (1.0 - charge)
        stay = alive - d - u
        expected["withdrawals"][m] = stay * a * wd
        a = a * (1.0 - wd)
        expected["account_value"][m] = stay * a
        for name in ("claims", "surr", "wd", "av"):
            line = {"claims": "claims", "surr": "surrenders", "wd": "withdrawals",
                    "av": "account_value"}[name]
            assert expected[line][m] == pytest.approx(worked[m][name], rel=1e-10)
        alive = stay
    # the end of month 2 (duration 24 = term - 1), the end of the term: the survivors are paid
    # 9.673910129267 x max(1131.50, 1500) = 14510.86519390; month 3 is empty
    expected["maturities"][2] = alive * max(a, 1500.0)
    assert expected["maturities"][2] == pytest.approx(14510.8651939005, rel=1e-10)
    for name in POINT_LINES:
        np.testing.assert_allclose(got[name], expected[name], rtol=1e-10, atol=1e-9,
                                   err_msg=name)
    # present values: premiums, commissions and expenses at the month's start, claims,
    # surrenders, withdrawals and the maturity at its end; v(t) = 1.03^(-t/12)

    def v(t):
        return 1.03 ** (-t / 12.0)
    timing = {"premiums": 0, "commissions": 0, "expenses": 0, "claims": 1, "surrenders": 1,
              "withdrawals": 1, "maturities": 1, "annuities": 0}
    for flow in POINT_FLOWS:
        want = sum(expected[flow][m] * v(m + timing[flow]) for m in range(4))
        assert res.point_pv[0, 0, PV[flow]] == pytest.approx(want, rel=1e-10, abs=1e-9), flow


def test_savings_mass_lapse_and_dynamic_lapse_by_hand():
    """A mass lapse of 30% at the start pays the opening account less its charge; the dynamic
    lapse multiplies w by clip(1 + beta (market - credited), lo, hi)."""
    basis = _hand_basis(dynamic_beta=20.0, dynamic_min=0.5, dynamic_max=1.5)
    points = make_points(1, product="sav", age_at_entry=50, duration=13, term=30,
                         premium=0.0, sum_assured=0.0, count=10.0, account=2000.0)
    res = project(points, basis, shocks=(Shock("ml", mass_lapse=0.3),), by="point", months=1)
    got = {name: res.cashflows[0, 0, 0, LINE[name]] for name in POINT_LINES}
    # mass lapse: 3 policies surrender 2000 x (1 - 0.05) = 1900 each: 5700; 7 stay
    # the account: 2000 - 10 (fee) = 1990; no sum at risk; x 0.998 = 1986.02; x 1.002
    # = 1989.99204
    a = 1990.0 * 0.998 * 1.002
    assert a == pytest.approx(1989.99204, rel=1e-12)
    # market 1.001^12 - 1 = 0.012066, credited 1.002^12 - 1 = 0.024266: dynamic
    # 1 + 20 x (-0.0122) = 0.756 (within [0.5, 1.5]), w = 0.01 x 0.756
    dyn = 1.0 + 20.0 * ((1.001 ** 12 - 1.0) - (1.002 ** 12 - 1.0))
    assert 0.5 < dyn < 1.0
    d = 7.0 * 0.001
    u = (7.0 - d) * 0.01 * dyn
    assert got["policies"] == pytest.approx(7.0, rel=1e-12)
    assert got["lapses"] == pytest.approx(3.0 + u, rel=1e-10)
    assert got["surrenders"] == pytest.approx(5700.0 + u * a * 0.95, rel=1e-10)
    assert got["claims"] == pytest.approx(d * a, rel=1e-10)  # max(A, 0)
    stay = 7.0 - d - u
    assert got["withdrawals"] == pytest.approx(stay * a * 0.005, rel=1e-10)
    assert got["account_value"] == pytest.approx(stay * a * 0.995, rel=1e-10)


def test_many_scenarios_in_tiles_as_one_at_a_time():
    """The savings kernel runs the scenarios in tiles of 256, 64, 8 or 1 lanes (a last tile's
    spare lanes repeat its last scenario) and, within a tile, the points in blocks (64 at a
    width of 256). 614 paths and two shocks (two tiles of 256, two of 64, the last with 24
    spare lanes) on 150 points (three blocks) give what one point at a time gives (chunks of
    one: one block each), and the scenarios at the tiles' edges give what each gives alone (a
    path with the shocks: a tile of 8; the base alone: a tile of 1). Points in force, new
    business, maturities within the horizon, a mass lapse, dynamic lapses."""
    basis = _hand_basis(dynamic_beta=20.0, dynamic_min=0.5, dynamic_max=1.5)
    n = 150
    i = np.arange(n)
    duration = i % 41 - 10
    points = make_points(n, product="sav", age_at_entry=40 + i % 20, duration=duration,
                         term=31 + i % 17, premium=10.0 + i, sum_assured=50.0 * (i % 5),
                         maturity_benefit=20.0 * (i % 3), count=1.0 + i % 7,
                         account=np.where(duration > 0, 100.0 * i, 0.0))
    shocks = (BASE, Shock("ml", mass_lapse=0.2))
    paths = hull_white_scenarios(basis.curve, 40, 614, seed=3, a=0.1, sigma=0.02)
    assert savings_tiles(616) == [(0, 512, 256), (512, 616, 64)]

    def run(shocks, economic, **kw):
        return project(points, basis, shocks=shocks, economic=economic, by="all", months=40,
                       point_values=True, **kw)

    whole = run(shocks, paths)
    one_by_one = run(shocks, paths, chunk=1)
    np.testing.assert_array_equal(whole.cashflows, one_by_one.cashflows)
    np.testing.assert_array_equal(whole.point_pv, one_by_one.point_pv)
    for s in (2, 255, 256, 511, 512, 575, 576, 615):  # path s - 2
        path = slice(s - 2, s - 1)
        alone = run(shocks, EconomicScenarios(paths.discount[path], paths.fund_return[path],
                                              "one path"))
        for got, want in ((whole.cashflows[:, [0, 1, s]], alone.cashflows),
                          (whole.point_pv[:, [0, 1, s]], alone.point_pv)):
            np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-9)
    base = run((BASE,), None)
    np.testing.assert_allclose(whole.cashflows[:, :1], base.cashflows, rtol=1e-13, atol=1e-9)
    np.testing.assert_allclose(whole.point_pv[:, :1], base.point_pv, rtol=1e-13, atol=1e-9)
    assert np.ptp(whole.pv[0, 2:, PV["surrenders"]]) > 0  # the paths differ


@given(n_s=st.integers(1, 5000), spare=st.booleans())
def test_savings_tiles_cover_the_scenarios(n_s, spare):
    """Runs of tiles cover 0..n_s-1 once, in order, each of one width of SAVINGS_TILES or 1
    (with spare lanes: 1 only for fewer than 8 scenarios), whole tiles but the last; at most
    four runs; past the first vector of 8, the spare lanes are fewer than the scenarios, and
    without spare lanes there are none."""
    runs = savings_tiles(n_s, spare)
    assert runs[0][0] == 0 and runs[-1][1] == n_s and len(runs) <= 4
    for (first, stop, width), after in zip(runs, runs[1:] + [None], strict=True):
        assert first < stop and width in (*SAVINGS_TILES, 1)
        assert width > 1 or not spare or n_s - first < 8
        if after is not None:
            assert after[0] == stop and (stop - first) % width == 0
    assert savings_lanes(n_s, spare) - n_s < (max(n_s, 8) if spare else 1)


# ---------------------------------------------------------------------------------------------
# metamorphic


def _project_all(points, basis, shocks, economic, months, **kw):
    return project(points, basis, shocks=shocks, economic=economic, months=months,
                   point_values=True, **kw)


@settings(max_examples=30, deadline=None)
@given(data=st.data())
def test_a_split_portfolio_keeps_its_totals(data):
    """Two halves (two files) add up to the whole; chunks of one point change nothing."""
    basis, points, shocks, economic, months, horizon = data.draw(runs(list(POINT_KINDS), 8))
    k = data.draw(st.integers(0, points.size))
    whole = _project_all(points, basis, shocks, economic, horizon, by="all")
    chunked = _project_all(points, basis, shocks, economic, horizon, by="all", chunk=1)
    scale = _result_scale(whole.cashflows)
    _check(chunked.cashflows, whole.cashflows, scale, "chunked cashflows")
    _check(chunked.point_pv, whole.point_pv,
           np.abs(whole.point_pv).sum(axis=-1, keepdims=True), "chunked point_pv")
    parts = [_project_all(points.take(rows), basis, shocks, economic, horizon, by="all")
             for rows in (slice(0, k), slice(k, points.size)) if rows.stop > rows.start]
    total = sum(p.cashflows for p in parts)
    _check(total, whole.cashflows, scale, "halves' cashflows")
    _check(sum(p.pv for p in parts), whole.pv, np.abs(whole.pv).sum(axis=-1, keepdims=True),
           "halves' pv")
    _check(np.concatenate([p.point_pv for p in parts]), whole.point_pv,
           np.abs(whole.point_pv).sum(axis=-1, keepdims=True), "halves' point_pv")


@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_a_scenario_without_shocks_is_the_base(data):
    """Shock("x") (every multiplier 1, no mass lapse, no shift) gives the base, bit for bit."""
    basis, points, _, _, months, _ = data.draw(runs(list(POINT_KINDS), 6))
    res = _project_all(points, basis, (BASE, Shock("x")), None, months, by="point")
    np.testing.assert_array_equal(res.cashflows[:, 1], res.cashflows[:, 0])
    np.testing.assert_array_equal(res.point_pv[:, 1], res.point_pv[:, 0])


@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_twice_the_policies_twice_every_line(data):
    """count x 2: every line (money, numbers, account value, net, reserve) and PV x 2."""
    basis, points, shocks, economic, months, horizon = data.draw(runs(list(POINT_KINDS), 6))
    one = _project_all(points, basis, shocks, economic, horizon, by="point")
    two = _project_all(points.with_values(count=2.0 * points.count), basis, shocks, economic,
                       horizon, by="point")
    scale = _result_scale(one.cashflows)
    _check(two.cashflows, 2.0 * one.cashflows, 2.0 * scale, "cashflows")
    _check(two.point_pv, 2.0 * one.point_pv,
           2.0 * np.abs(one.point_pv).sum(axis=-1, keepdims=True), "point_pv")


@settings(max_examples=30, deadline=None)
@given(data=st.data(), k=st.integers(1, 15))
def test_new_business_is_the_point_issued_later(data, k):
    """duration -k: the point issued at 0, every line k months later, every PV times v(k) (a
    flat zero curve, no inflation, a level fund); nothing before month k."""
    basis = data.draw(bases(flat=True))
    points = data.draw(points_of(basis, list(POINT_KINDS), 5, duration=0))
    shocks = data.draw(st.lists(shocks_st, min_size=1, max_size=2))
    h = int(np.max(points.term)) + 1
    now = _project_all(points, basis, shocks, None, h, by="point")
    later = _project_all(points.with_values(duration=np.full(points.size, -k)), basis, shocks,
                         None, h + k, by="point")
    lines = slice(0, len(POINT_LINES))
    assert not np.any(later.cashflows[:, :, :k, lines])
    scale = _result_scale(now.cashflows)
    _check(later.cashflows[:, :, k:, lines], now.cashflows[:, :, :, lines], scale[..., lines],
           "shifted lines")
    rate = float(basis.curve.rates[0])
    vk = np.array([(1.0 + rate + s.rate_shift) ** (-k / 12.0) for s in shocks])
    _check(later.point_pv, now.point_pv * vk[None, :, None],
           np.abs(now.point_pv).sum(axis=-1, keepdims=True), "shifted point_pv")


# ---------------------------------------------------------------------------------------------
# edge cases, worked by hand


def test_a_portfolio_of_matured_points_projects_nothing():
    """Every point past its term (a term policy at duration 30 of 24): no month is left to
    project (the horizon to the last maturity is empty), not an error of the arrays."""
    basis = _simple_basis([[0.01]] * 59 + [[1.0]])
    pts = make_points(1, product="term", age_at_entry=50, duration=30, term=24, premium=1.0,
                      sum_assured=100.0)
    res = project(pts, basis, point_values=True)
    assert res.months == 0
    assert not np.any(res.pv) and not np.any(res.point_pv)


def _simple_basis(q_rows, *, lapse=0.0, kind="term", min_age=40, **product) -> Basis:
    table = SelectTable("t", min_age, np.array(q_rows, dtype=np.float64).reshape(-1, 1), "hand")
    prods = {kind: ProductBasis(product=kind, kind=kind, mortality={"M": "t", "F": "t"},
                                lapse=[lapse], commission=[0.0], surrender_charge=[0.0],
                                **product)}
    return Basis("hand", "hash", prods, {"t": table}, DiscountCurve("zero", [0.0]),
                 {"premiums": "start", "expenses": "start", "benefits": "end"})


def test_a_point_maturing_in_the_first_month():
    """duration = term (a term policy): matured at the end of the month before the start,
    nothing left; duration = term - 1 (an endowment): the last month of the term, its premium
    and deaths (q_m = 1 - 0.88^(1/12)), then the maturity to the survivors at the month's
    end."""
    table = SelectTable("t", 40, np.array([[0.12]] * 30 + [[1.0]]), "hand")
    prods = {k: ProductBasis(product=k, kind=k, mortality={"M": "t", "F": "t"}, lapse=[0.0],
                             commission=[0.0], surrender_charge=[0.0])
             for k in ("term", "endowment")}
    basis = Basis("hand", "hash", prods, {"t": table}, DiscountCurve("zero", [0.0]),
                  {"premiums": "start", "expenses": "start", "benefits": "end"})
    pts = make_points(2, product=["term", "endowment"], age_at_entry=50, duration=[24, 23],
                      term=24, premium=10.0, sum_assured=1000.0, maturity_benefit=[0.0, 700.0],
                      count=4.0)
    res = project(pts, basis, by="point", months=3, point_values=True)
    cf = res.cashflows[:, 0]
    assert not np.any(cf[0])
    qm = 1.0 - 0.88 ** (1.0 / 12.0)
    assert cf[1, 0, LINE["policies"]] == 4.0
    assert cf[1, 0, LINE["premiums"]] == pytest.approx(40.0, rel=1e-14)
    assert cf[1, 0, LINE["claims"]] == pytest.approx(4.0 * qm * 1000.0, rel=1e-12)
    assert cf[1, 0, LINE["maturities"]] == pytest.approx(4.0 * (1.0 - qm) * 700.0, rel=1e-12)
    assert not np.any(cf[1, 1:, :len(POINT_LINES)])
    # the maturity at the month's end: v(1) = 1 on a zero curve
    assert res.point_pv[1, 0, PV["maturities"]] == pytest.approx(4.0 * (1.0 - qm) * 700.0,
                                                                  rel=1e-12)


def _level_annuities(**kw):
    """Two annuity points aged 60 on a table without deaths before 99: 24 months of 1,200 a
    year paid yearly, in arrears then in advance."""
    basis = _simple_basis([[0.0]] * 59 + [[1.0]], kind="annuity")
    pts = make_points(2, product="annuity", age_at_entry=60, term=24, annuity=1200.0,
                      annuity_interval=12, arrears=[True, False], count=2.0, **kw)
    return project(pts, basis, by="point")


def test_annuity_in_arrears_pays_its_last_period_at_the_term():
    """In arrears: 2 x 1,200 at durations 12 and 24 (the term: the end of the last year); in
    advance: at 0 and 12 only."""
    res = _level_annuities()
    assert res.months == 25
    want = np.zeros((2, 25))
    want[0, 12] = want[0, 24] = 2400.0
    want[1, 0] = want[1, 12] = 2400.0
    np.testing.assert_allclose(res.cashflows[:, 0, :, LINE["annuities"]], want, rtol=1e-14)


def test_annuity_maturity_benefit_at_the_end_of_the_term():
    """The spec's maturity holds for every kind: the 2 annuitants alive at the end of month
    23 (duration term - 1) are paid the maturity benefit of 500 each."""
    res = _level_annuities(maturity_benefit=500.0)
    want = np.zeros((2, 25))
    want[:, 23] = 1000.0
    np.testing.assert_allclose(res.cashflows[:, 0, :, LINE["maturities"]], want, rtol=1e-14)


def test_whole_life_reaching_the_table_end():
    """Whole life at 98 on a table ending at 99 (q = 1): the year at 98 at q = 0.5, then all
    die in the first month at 99 (q_m = 1), and nothing after."""
    basis = _simple_basis([[0.01]] * 58 + [[0.5], [1.0]], kind="whole_life")
    pts = make_points(1, product="whole_life", age_at_entry=98, term=24, premium=5.0,
                      sum_assured=100.0, count=1.0)
    res = project(pts, basis, by="point")
    cf = res.cashflows[0, 0]
    assert res.months == 25
    qm = 1.0 - 0.5 ** (1.0 / 12.0)
    alive = [(1.0 - qm) ** m for m in range(13)]
    np.testing.assert_allclose(cf[:12, LINE["policies"]], alive[:12], rtol=1e-12)
    np.testing.assert_allclose(cf[:12, LINE["claims"]], [100.0 * a * qm for a in alive[:12]],
                               rtol=1e-12)
    # (1 - qm)^12 = 0.5: half reach 99 and die in its first month
    assert cf[12, LINE["policies"]] == pytest.approx(0.5, rel=1e-12)
    assert cf[12, LINE["deaths"]] == pytest.approx(0.5, rel=1e-12)
    assert cf[12, LINE["claims"]] == pytest.approx(50.0, rel=1e-12)
    assert not np.any(cf[13:, :len(POINT_LINES)])


def test_zero_lapse_and_certain_death():
    """lapse 0: no lapses; q = 1 at every age: every policy dies in month 0 (claims c x SA)."""
    basis = _simple_basis([[1.0]] * 20, lapse=0.0)
    pts = make_points(1, product="term", age_at_entry=45, duration=3, term=12, premium=2.0,
                      sum_assured=250.0, count=8.0)
    cf = project(pts, basis, by="point").cashflows[0, 0]
    assert cf[0, LINE["deaths"]] == 8.0 and cf[0, LINE["claims"]] == 2000.0
    assert cf[0, LINE["premiums"]] == 16.0
    assert not np.any(cf[:, LINE["lapses"]])
    assert not np.any(cf[1:, :len(POINT_LINES)])


def test_certain_death_under_a_lapse_shock():
    """q = 1: deaths first, no one left to lapse, whatever the lapse rate."""
    basis = _simple_basis([[1.0]] * 20, lapse=0.5)
    pts = make_points(1, product="term", age_at_entry=45, duration=3, term=12, count=8.0,
                      sum_assured=1.0)
    cf = project(pts, basis, shocks=(Shock("up", lapse=3.0),), by="point").cashflows[0, 0]
    assert cf[0, LINE["deaths"]] == 8.0 and cf[0, LINE["lapses"]] == 0.0


def _annuity_point(**kw):
    base = dict(product="annuity", age_at_entry=99, duration=0, term=600, annuity=1200.0,
                count=2.0)
    base.update(kw)
    return make_points(1, **base)


def test_annuity_guarantee_in_advance_longer_than_life():
    """The annuitant at the table's last age (q = 1) dies in month 0; a monthly annuity of
    1,200 a year in advance guaranteed 24 months: 2 x 100 at months 0..23, then nothing."""
    basis = _simple_basis([[0.01]] * 59 + [[1.0]], kind="annuity")
    res = project(_annuity_point(guarantee=24), basis, by="point", months=40)
    paid = res.cashflows[0, 0, :, LINE["annuities"]]
    np.testing.assert_allclose(paid, [200.0] * 24 + [0.0] * 16, rtol=1e-14)
    assert res.cashflows[0, 0, 0, LINE["deaths"]] == 2.0


def test_annuity_guarantee_in_arrears_longer_than_life():
    """The same annuitant paid 1,200 once a year in arrears, guaranteed 24 months: the
    payments at durations 12 and 24 (24 < guarantee + interval = 36) are due whatever happens,
    2 x 1,200 each; none at 36."""
    basis = _simple_basis([[0.01]] * 59 + [[1.0]], kind="annuity")
    res = project(_annuity_point(guarantee=24, annuity_interval=12, arrears=True), basis,
                  by="point", months=40)
    paid = res.cashflows[0, 0, :, LINE["annuities"]]
    want = [0.0] * 40
    want[12] = want[24] = 2400.0
    np.testing.assert_allclose(paid, want, rtol=1e-14)


def test_annuity_reversion_to_a_spouse_by_hand():
    """Annuitant dead in month 0 (q = 1), spouse at 60 (q = 0.12 a year, q_m = 1 - 0.88^(1/12)),
    reversion 60%, no guarantee, 1,200 a year monthly in advance, indexed 10% a year: month m
    pays c x 100 x 1.1^(m // 12) x 0.6 a_y(m), a_y(m) = (1 - q_m)^m (a_x = 0 from month 1)."""
    basis = _simple_basis([[0.12]] * 59 + [[1.0]], kind="annuity")
    pt = _annuity_point(spouse_age=60, spouse_sex="F", reversion=0.6, indexation=0.1)
    res = project(pt, basis, by="point", months=30)
    paid = res.cashflows[0, 0, :, LINE["annuities"]]
    qm = 1.0 - 0.88 ** (1.0 / 12.0)
    want = [2.0 * 100.0] + [2.0 * 100.0 * 1.1 ** (m // 12) * 0.6 * (1.0 - qm) ** m
                            for m in range(1, 30)]
    np.testing.assert_allclose(paid, want, rtol=1e-12)


def test_annuity_pays_no_premium():
    """The spec: annuities in payment take no premiums (and so no commission and no expense on
    premiums), whatever the point's premium column holds."""
    basis = _simple_basis([[0.01]] * 59 + [[1.0]], kind="annuity", expense_pct=0.1)
    pt = _annuity_point(age_at_entry=60, duration=5, premium=100.0)
    cf = project(pt, basis, by="point", months=6).cashflows[0, 0]
    assert not np.any(cf[:, LINE["premiums"]])
    assert not np.any(cf[:, LINE["commissions"]])
    assert not np.any(cf[:, LINE["expenses"]])


def test_savings_account_exhausted_by_charges():
    """No premium, an account of 15 and a fee of 10 a month: 15 - 10 = 5 in month 0, then
    5 - 10 < 0 -> 0, and empty after (the charges stop at an empty account); the sum at risk
    is then the whole sum assured: claims d x SA; no surrender value."""
    basis = _simple_basis([[0.012]] * 59 + [[1.0]], kind="savings", policy_fee=120.0,
                          lapse=0.1)
    pts = make_points(1, product="savings", age_at_entry=50, duration=5, term=40, premium=0.0,
                      sum_assured=0.0, account=15.0, count=1.0)
    cf = project(pts, basis, by="point", months=4).cashflows[0, 0]
    w = 1.0 - 0.9 ** (1.0 / 12.0)
    qm = 1.0 - 0.988 ** (1.0 / 12.0)
    assert cf[0, LINE["surrenders"]] == pytest.approx((1.0 - qm) * w * 5.0, rel=1e-12)
    assert cf[0, LINE["account_value"]] == pytest.approx((1.0 - qm) * (1.0 - w) * 5.0,
                                                         rel=1e-12)
    assert not np.any(cf[1:, LINE["surrenders"]]) and not np.any(cf[1:, LINE["account_value"]])
    pts2 = pts.with_values(sum_assured=np.array([1000.0]), account=np.array([10.5]))
    cf2 = project(pts2, basis, by="point", months=4).cashflows[0, 0]
    # month 0: 10.5 - 10 = 0.5, COI 0.001006 x (1000 - 0.5) = 1.005 > 0.5: the account is
    # emptied; claims d x max(0, 1000)
    assert not np.any(cf2[:, LINE["account_value"]])
    np.testing.assert_allclose(cf2[:, LINE["claims"]], cf2[:, LINE["deaths"]] * 1000.0,
                               rtol=1e-14)


def test_savings_point_values_hold_every_flow():
    """A new savings policy pays an acquisition expense of 100 at issue; half of 2 in-force
    policies with accounts of 1,000 lapse at once (a mass lapse of 50%, no surrender charge):
    1,000 paid. The point PVs (v = 1) are those flows, as the group PVs."""
    basis = _simple_basis([[0.01]] * 59 + [[1.0]], kind="savings", acquisition=100.0)
    pts = make_points(2, product="savings", age_at_entry=50, duration=[0, 5], term=10,
                      account=[0.0, 1000.0], count=[1.0, 2.0])
    res = project(pts, basis, shocks=(Shock("ml", mass_lapse=0.5),), by="point",
                  point_values=True, months=3)
    assert res.cashflows[0, 0, 0, LINE["expenses"]] == 100.0
    assert res.cashflows[1, 0, 0, LINE["surrenders"]] == 1000.0
    assert res.pv[0, 0, PV["expenses"]] == 100.0 and res.pv[1, 0, PV["surrenders"]] == 1000.0
    assert res.point_pv[0, 0, PV["expenses"]] == 100.0
    assert res.point_pv[1, 0, PV["surrenders"]] == 1000.0


def test_credit_life_balance_by_hand():
    """A 12-month loan of 1,200 at 0%: the balance at the start of month dur is
    1200 (12 - dur) / 12 = 100 (12 - dur); at 12.68% a year (1% a month) it is
    1200 (1 - 1.01^-(12 - dur)) / (1 - 1.01^-12)."""
    basis = _simple_basis([[0.012]] * 59 + [[1.0]], kind="credit_life")
    pts = make_points(2, product="credit_life", age_at_entry=50, duration=[2, 2], term=12,
                      sum_assured=1200.0, loan_rate=[0.0, 1.01 ** 12 - 1.0], count=1.0)
    cf = project(pts, basis, by="point").cashflows[:, 0]
    per_death = cf[:, :10, LINE["claims"]] / cf[:, :10, LINE["deaths"]]
    np.testing.assert_allclose(per_death[0], [100.0 * (12 - d) for d in range(2, 12)],
                               rtol=1e-12)
    np.testing.assert_allclose(
        per_death[1], [1200.0 * (1 - 1.01 ** -(12 - d)) / (1 - 1.01 ** -12) for d in range(2, 12)],
        rtol=1e-10)


def test_economic_paths_take_the_base_demographics():
    """engine.py: economic paths come "each with the base demographics": under a mortality
    shock as the only deterministic scenario, a path's deaths are those of the unshocked
    basis."""
    basis = _simple_basis([[0.05]] * 59 + [[1.0]])
    pts = make_points(1, product="term", age_at_entry=50, duration=1, term=12, count=100.0,
                      sum_assured=1.0)
    paths = EconomicScenarios(np.ones((1, 13)), np.zeros((1, 12)), "flat")
    shocked = project(pts, basis, shocks=(Shock("heavy", mortality=2.0),), economic=paths,
                      by="point")
    base = project(pts, basis, shocks=(BASE,), economic=paths, by="point")
    np.testing.assert_allclose(shocked.cashflows[0, 1], base.cashflows[0, 1], rtol=1e-14)


def test_rated_premium_is_the_reference_net_premium_loaded():
    """premium = round((1 + loading) PV(claims + maturities) / PV(premiums of 1), decimals)
    on the base basis, at issue (duration 0) over the whole term, whatever the point's
    duration."""
    table = SelectTable("t", 40, np.array([[0.004 * 1.09 ** a, 0.003 * 1.09 ** a]
                                           for a in range(40)] + [[1.0, 1.0]]), "hand")
    prods = {k: ProductBasis(product=k, kind=k, mortality={"M": "t", "F": "t"},
                             lapse=[0.05, 0.03], commission=[0.0], surrender_charge=[0.0],
                             premium_rule="rated", loading=0.25, premium_decimals=d)
             for k, d in (("term", None), ("endowment", 2))}
    basis = Basis("rated", "hash", prods, {"t": table}, DiscountCurve("forward", [0.02, 0.04]),
                  {"premiums": "start", "expenses": "mid", "benefits": "end"})
    pts = make_points(3, product=["term", "endowment", "term"], age_at_entry=[45, 50, 60],
                      duration=[0, -3, 7], term=[120, 60, 36], premium=np.nan,
                      sum_assured=[1e4, 5e3, 2e4], maturity_benefit=[0.0, 5e3, 0.0],
                      interval=[1, 12, 3], count=[3.0, 1.0, 2.0])
    res = project(pts, basis)
    v = ref.curve_discount(basis.curve)
    for i, point in enumerate(_point_dicts(pts, np.ones(3))):
        point["duration"] = 0
        h = point["term"] + 1
        out = ref.reference_point(point, basis, BASE, v, [0.0] * h, h)["pv"]
        gross = 1.25 * (out["claims"] + out["maturities"]) / out["premiums"]
        if prods[point["product"]].premium_decimals is not None:
            assert res.premium[i] == round(gross, 2)
        else:
            assert res.premium[i] == pytest.approx(gross, rel=1e-12)
