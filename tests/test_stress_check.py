"""The stress check (reserva.stress_check) against the close it stresses and figures worked by hand.

- The base scenario of the default library is the close: its liquidity ratios are the stored
  liquidity table's (``projection`` rows exactly, numerator = cash + convertible, ``factor``
  rows to 1e-12 relative) and its solvency ratio the stored KPI, column by column.
- Reverse stress on a hand-made base of cash 450, claims of 100 a month paid at once and
  liabilities of 300: with a ``claims_frequency`` of multiplier 2 scaled by ``k`` (multiplier
  ``1 + k``) the 3-month liquidity ratio is ``450 / (300 (1 + k))``, below 1 for ``k > 0.5``, and
  the solvency ratio ``(450 - 1200 k) / 300``, below 1 for ``k > 0.125``.
- Stochastic claims: the mean of the simulated 12-month outflows converges to the deterministic
  outflows (within 4 standard errors of the simulations); a seed fixes the results.
"""

from __future__ import annotations

import hashlib

import duckdb
import numpy as np
import pytest

from reserva import stress_check
from reserva.io.assumptions import load_assumptions
from reserva.projection.grid import INFLOW
from reserva.projection.stress import StressOptions, run_stress, scaled
from reserva.store.stress_base import load_stress_base
from reserva.stress_check import reverse_search, reverse_targets, stochastic_claims, stress
from tests.projection.stress_fixtures import hand_base, scenario

TOLERANCE = 1e-3
HIGH = 50.0


# ---------------------------------------------------------------- the base scenario is the close


@pytest.fixture(scope="module")
def base_check(stress_store):
    """The default library run on the session's closed sample, without storing."""
    before = hashlib.sha256(stress_store.read_bytes()).hexdigest()
    check = stress(stress_store, save=False)
    assert hashlib.sha256(stress_store.read_bytes()).hexdigest() == before
    return check, load_stress_base(stress_store)


def _stored(store, sql):
    con = duckdb.connect(str(store), read_only=True)
    try:
        return con.execute(sql).fetchdf()
    finally:
        con.close()


def test_the_base_scenario_reproduces_the_liquidity_table(base_check, stress_store):
    check, base = base_check
    r = check.result
    s = r.scenario_ids.index("base")
    assert r.scenarios[s].shocks == ()
    table = _stored(stress_store, "SELECT * FROM liquidity WHERE run_id = 1 AND scenario = "
                                  "'base' AND method IN ('projection', 'factor')")
    assert set(table["horizon_months"]) == set(r.horizons)
    assert base.allocated.sum() >= 2  # a product holds assets, besides the programme
    seen = set()
    for row in table.itertuples():
        j = r.columns.index(row.product_id)
        if not base.allocated[j]:
            assert np.isnan(row.ratio)
            assert np.isnan(r.metric("liquidity_ratio", row.horizon_months)[s, j])
            continue
        seen.add((row.product_id, row.method))
        if row.method == "projection":
            assert r.metric("liquidity_ratio", row.horizon_months)[s, j] == row.ratio
            assert r.values["liquid_assets"][s, j] == row.numerator == row.cash + row.convertible
            assert r.metric("outflows", row.horizon_months)[s, j] == row.short_term
        else:
            assert r.metric("factor_ratio", row.horizon_months)[s, j] == pytest.approx(
                row.ratio, rel=1e-12, abs=0)
    assert seen == {(c, m) for c, a in zip(r.columns, base.allocated, strict=True) if a
                    for m in ("projection", "factor")}


def test_the_base_scenario_s_solvency_ratio_is_the_kpi(base_check, stress_store):
    check, base = base_check
    r = check.result
    s = r.scenario_ids.index("base")
    kpis = _stored(stress_store, "SELECT product_id, value FROM kpis WHERE run_id = 1 AND "
                                 "scenario = 'base' AND indicator = 'solvency_ratio'")
    kpi = dict(zip(kpis["product_id"], kpis["value"].astype(float), strict=True))
    assert set(kpi) == set(r.columns)
    got = r.values["solvency_ratio"][s]
    want = np.array([kpi[c] for c in r.columns])
    # a column without assets has no ratio, as in the KPI (not 0%, which would be a breach)
    assert np.array_equal(np.isnan(got), ~base.allocated)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=0)
    assert "solvency" not in "".join(r.breaches()[s])


# ---------------------------------------------------------------- reverse stress worked by hand


def _claims_base(cash: float = 450.0):
    """Claims of 100 a month paid in their month, ``cash`` (= the admitted assets), liabilities
    of 300."""
    return hand_base(claims_occurred=[[100.0] * 12], cash=(cash,), liabilities=(300.0,))


CLAIMS_UP = {"shock_type": "claims_frequency", "value": 2.0, "unit": "multiplier"}
EXPENSES_UP = {"shock_type": "expenses", "value": 100.0, "unit": "amount"}


def _at(base, sc, k: float, metric: str) -> float:
    return float(run_stress(base, [scaled(sc, k)], StressOptions()).metric(metric, 3)[0, -1])


def test_reverse_stress_finds_the_multipliers_worked_by_hand():
    base = _claims_base()
    combined = scenario(CLAIMS_UP, EXPENSES_UP, scenario_id="both")
    targets = reverse_targets([combined])
    assert [(t, kind) for t, kind, _ in targets] == [
        ("claims_frequency", "shock"), ("expenses", "shock"), ("both", "scenario")]
    # outflows of 3 months: 300 (1 + k) claims, + 300 k expenses; cost of 12 months: 1200 k
    # each. No inflows: the ratio with inflows is the ratio without them
    by_hand = {
        ("claims_frequency", "liquidity_ratio"): 0.5,  # 450 / (300 (1 + k)) < 1
        ("claims_frequency", "net_liquidity_ratio"): 0.5,
        ("claims_frequency", "solvency_ratio"): 0.125,  # (450 - 1200 k) / 300 < 1
        ("expenses", "liquidity_ratio"): 0.5,  # 450 / (300 + 300 k) < 1
        ("expenses", "net_liquidity_ratio"): 0.5,
        ("expenses", "solvency_ratio"): 0.125,
        ("both", "liquidity_ratio"): 0.25,  # 450 / (300 + 600 k) < 1
        ("both", "net_liquidity_ratio"): 0.25,
        ("both", "solvency_ratio"): 0.0625,  # (450 - 2400 k) / 300 < 1
    }
    rows = reverse_search(base, targets, StressOptions(), high=HIGH, tolerance=TOLERANCE)
    assert [(r.target, r.metric) for r in rows] == list(by_hand)
    scenarios = {t: sc for t, _, sc in targets}
    for row in rows:
        res = row.search
        assert res.status == "reached" and res.monotone and res.converged, row
        k = res.multiplier
        assert abs(k - by_hand[row.target, row.metric]) <= TOLERANCE, row
        sc = scenarios[row.target]
        assert _at(base, sc, k, row.metric) < 1.0 <= _at(base, sc, k - TOLERANCE, row.metric)
        assert res.metric == pytest.approx(_at(base, sc, k, row.metric), rel=1e-12)


def test_a_shock_with_nothing_to_act_on_is_not_reached():
    base = _claims_base()
    no_grants = scenario({"shock_type": "grant_stop", "value": 1.0, "unit": "share"})
    rows = reverse_search(base, reverse_targets([no_grants]), StressOptions(), high=HIGH,
                          tolerance=TOLERANCE)
    assert [(r.target, r.metric) for r in rows] == [("grant_stop", "liquidity_ratio"),
                                                   ("grant_stop", "net_liquidity_ratio"),
                                                   ("grant_stop", "solvency_ratio")]
    for row in rows:
        assert row.search.status == "not reached within the search bound"
        assert row.search.multiplier is None and not row.search.reached
        assert row.search.metric == pytest.approx(1.5)  # 450 / 300, as without the shock


def test_a_base_already_breaking_is_breached_at_low():
    base = _claims_base(cash=250.0)  # 250 / 300 before any shock
    rows = reverse_search(base, reverse_targets([scenario(CLAIMS_UP)]), StressOptions(),
                          high=HIGH, tolerance=TOLERANCE)
    for row in rows:
        assert row.search.breached_at_low and row.search.multiplier == 0.0
        assert row.search.metric == pytest.approx(250.0 / 300.0)


# ---------------------------------------------------------------- stochastic claims


@pytest.fixture(scope="module")
def default_set():
    a = load_assumptions()
    assert a.projection("health").severity == 185.0
    assert a.projection("endowment").severity is None
    return a


def _mixed_base():
    """A health product (claims of 1,850 a month: 10 claims of 185 expected, paid over four
    months) and an endowment (no mean claim amount: its 500 a month are kept)."""
    return hand_base(
        products=("P1", "P2"), kinds=("health", "endowment"),
        lines={"expenses": [[50.0] * 12, [20.0] * 12]},
        claims_occurred=[[1850.0] * 12, [500.0] * 12],
        settlement=((0.5, 0.35, 0.1, 0.05), (1.0,)), cash=(3000.0, 3000.0, 6000.0))


@pytest.fixture
def captured(monkeypatch):
    """The simulated cumulative outflows [simulation, column, horizon] of each call."""
    seen = []
    real = stress_check.risk_measures

    def spy(losses, level):
        seen.append(np.array(losses))
        return real(losses, level)

    monkeypatch.setattr(stress_check, "risk_measures", spy)
    return seen


def test_the_simulated_mean_converges_to_the_deterministic_outflows(default_set, captured):
    base = _mixed_base()
    n = 10_000
    st = stochastic_claims(base, default_set, StressOptions(), simulations=n, seed=7)
    (cum,) = captured
    assert st.columns == ("P1", "P2", "ALL") and st.horizons == (3, 12)
    assert cum.shape == (n, 3, 2)
    expected = np.cumsum(base.grid[:, ~INFLOW].sum(axis=1), axis=1)[:, [2, 11]]
    mean, sd = cum.mean(axis=0), cum.std(axis=0, ddof=1)
    np.testing.assert_allclose(st.mean_outflows, mean, rtol=1e-12)
    for c in (0, 2):  # the health product and the programme: 4 standard errors
        assert sd[c, 1] > 0
        assert np.all(np.abs(mean[c] - expected[c]) <= 4.0 * sd[c] / np.sqrt(n)), (c, mean[c],
                                                                                    expected[c])
    # the endowment keeps its expected claims: every simulation is the deterministic outflows
    np.testing.assert_allclose(cum[:, 1], np.broadcast_to(expected[1], (n, 2)), rtol=1e-12)
    assert np.all(st.var_outflows >= st.mean_outflows - 1e-9)
    # P(3-month liquidity ratio < 1) counted on the same simulations
    below = np.mean(base.cash[None] / cum[:, :, 0] < 1.0, axis=0)
    np.testing.assert_array_equal(st.p_below, below)
    assert 0.0 < st.p_below[2] < 1.0


def test_a_seed_fixes_the_simulations_and_another_seed_changes_them(default_set):
    base = _mixed_base()

    def run(seed):
        return stochastic_claims(base, default_set, StressOptions(), simulations=2000,
                                 seed=seed)

    a, b, c = run(7), run(7), run(8)
    for name in ("mean_outflows", "var_outflows", "tvar_outflows", "p_below"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    assert not np.array_equal(a.mean_outflows, c.mean_outflows)
    assert (a.seed, c.seed, a.simulations) == (7, 8, 2000)


def test_products_without_a_severity_keep_expected_claims_and_are_named(default_set):
    st = stochastic_claims(_mixed_base(), default_set, StressOptions(), simulations=50, seed=1)
    assert st.simulated == ("P1",)
    assert st.note == ("expected claims kept (no mean claim amount in projection.csv severity) "
                       "for: endowment")
    frame = st.frame()
    assert set(frame["product_id"]) == {"P1", "P2", "ALL"}
    assert len(frame) == 3 * (2 * 3 + 1)  # per column: 3 measures x 2 horizons + P(below)
