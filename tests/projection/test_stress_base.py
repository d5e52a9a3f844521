"""The stress base of a close (reserva.projection.stress_base, reserva.store.stress_base).

A close stores what a stress check reads; read back from the store it is the base built from
the close in memory, array for array; the base reproduces the liquidity table (cash and
convertible are the assets' positions summed), the balance sheet (admitted assets) and the
grid (claims = the claims occurred paid by the settlement pattern); a run stored before the
close kept the stress inputs is refused with the fix.
"""

from __future__ import annotations

import shutil
from dataclasses import fields
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from reserva.errors import ArgumentError, StoreError
from reserva.io.assumptions import load_assumptions, write_manifest
from reserva.pipeline import close
from reserva.projection.grid import LINE, settle
from reserva.projection.stress_base import (
    FLOWS,
    RUN_RATE_MONTHS,
    AssetPositions,
    StressBase,
    stress_base_from_close,
)
from reserva.sample.generate import write_sample
from reserva.store import runs as store_runs
from reserva.store.stress_base import TABLES, load_stress_base, stress_base_from_tables
from reserva.vocab import PROGRAMME
from tests.conftest import edited_set

V = "2025-12-31"
STRESS_TABLES = ("stress_products", "stress_flows", "asset_positions", "asset_flows")


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    """A small sample close, stored; the claims cash and the deposits held for HE, the
    deposits with two issuers (the other assets of no product, without issuer)."""
    data = tmp_path_factory.mktemp("stress_base")
    write_sample(data, policies=2000, seed=7)
    assets = pd.read_csv(data / "assets.csv", dtype=str, keep_default_na=False)
    mine = assets["asset_id"].str.startswith(("CASH-CLAIMS", "DEP-"))
    assets.loc[mine, "product_id"] = "HE"
    assets.loc[assets["asset_id"].isin(["DEP-0013", "DEP-0017"]), "issuer"] = "BANK-A"
    assets.loc[assets["asset_id"] == "DEP-0018", "issuer"] = "BANK-B"
    assets.to_csv(data / "assets.csv", index=False)
    # the health policies (quarterly premiums) collected by two mobile network operators in turn
    policies = pd.read_csv(data / "policies.csv", dtype=str, keep_default_na=False)
    he = np.flatnonzero(policies["product_id"].to_numpy() == "HE")
    policies.loc[he, "partner"] = np.where(np.arange(he.size) % 2, "MNO-B", "MNO-A")
    policies.to_csv(data / "policies.csv", index=False)
    store = data / "reserva.duckdb"
    result = close(data, V, store=store)
    return store, result, stress_base_from_close(result)


def assert_same_base(a: StressBase, b: StressBase) -> None:
    """Every field equal: arrays element for element, the rest by value."""
    for f in fields(StressBase):
        x, y = getattr(a, f.name), getattr(b, f.name)
        if isinstance(x, np.ndarray):
            assert x.dtype == y.dtype, f.name
            np.testing.assert_array_equal(x, y, err_msg=f.name)
        elif isinstance(x, AssetPositions):
            for g in fields(AssetPositions):
                u, w = getattr(x, g.name), getattr(y, g.name)
                if isinstance(u, np.ndarray):
                    np.testing.assert_array_equal(u, w, err_msg=f"positions.{g.name}")
                else:
                    assert u == w, g.name
        else:
            assert x == y, f.name


def test_the_stored_base_is_the_base_of_the_close_in_memory(sample):
    store, result, base = sample
    loaded = load_stress_base(store)
    assert_same_base(loaded, base)
    assert loaded.run_id == result.run_id
    assert_same_base(load_stress_base(store, result.run_id, "base"), base)
    n, h = len(result.products), result.grid.months
    assert base.columns == (*result.products, PROGRAMME) and base.months == h
    assert base.grid.shape == (n + 1, len(LINE), h)
    assert base.claims_occurred.shape == base.new_business_occurred.shape == (n + 1, h)
    assert base.reinsurance.shape == base.grants.shape == (n + 1, h)
    assert base.positions.flows.shape == (base.positions.n, h)
    assert base.claims_occurred.any() and base.reinsurance.any() and base.grants.any()
    for name in ("grid", "claims_occurred", "cash", "allocated", "settlement"):
        assert not getattr(base, name).flags.writeable, name
    assert not base.positions.flows.flags.writeable
    # the base's arrays are copies: the close's grid stays writable
    assert result.grid.amount.flags.writeable


def test_the_grid_and_the_reserves_are_the_stored_ones(sample):
    _, result, base = sample
    g = result.grid
    np.testing.assert_array_equal(base.grid[:-1], g.amount)
    np.testing.assert_array_equal(base.grid[-1], g.programme())
    np.testing.assert_array_equal(base.claims_occurred[:-1], g.claims_occurred)
    np.testing.assert_allclose(base.claims_occurred[-1], g.claims_occurred.sum(axis=0))
    for name in ("upr", "ocs", "ibnr", "alr"):
        np.testing.assert_array_equal(getattr(base, name)[:-1], result.closing.get(name))
    code = {"upr": "B14", "ibnr": "B17", "ocs": "B20", "alr": "B23"}
    for name, line in code.items():
        np.testing.assert_allclose(getattr(base, name), result.balance[line], rtol=1e-12)
    np.testing.assert_array_equal(base.admitted_assets, result.balance["B01"])
    months = 3  # the default set's period
    np.testing.assert_allclose(base.expenses_per_month * months, result.income["P16"])
    assert (base.reinsurance_recoverable == 0).all()


def test_the_liabilities_are_the_solvency_ratios_denominator(sample):
    _, result, base = sample
    kpi = result.kpis.set_index(["product_id", "indicator"])
    ratio = kpi.loc[(PROGRAMME, "solvency_ratio")]
    assert base.liabilities[-1] == pytest.approx(ratio["denominator"], rel=1e-12)
    assert base.admitted_assets[-1] == pytest.approx(ratio["numerator"], rel=1e-12)


def test_positions_sum_to_the_liquidity_tables_cash_and_convertible(sample):
    _, result, base = sample
    liq = result.liquidity
    rows = liq[(liq["method"] == "projection") & (liq["horizon_months"] == 3)].set_index(
        "product_id").loc[list(base.columns)]
    pos = base.positions
    n = len(base.products)

    def per_column(values: np.ndarray) -> np.ndarray:
        own = np.array([values[pos.product == j].sum() for j in range(n)])
        return np.append(own, values.sum())  # the programme: every position

    np.testing.assert_allclose(per_column(pos.liquid), rows["cash"], rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(per_column(pos.convertible), rows["convertible"], rtol=1e-12,
                               atol=1e-9)
    np.testing.assert_array_equal(base.cash, rows["cash"].to_numpy())
    np.testing.assert_array_equal(base.convertible, rows["convertible"].to_numpy())
    np.testing.assert_allclose(per_column(pos.admitted), result.balance["B01"], rtol=1e-12)
    # the columns holding assets: those the liquidity table gives a ratio
    no_assets = rows["note"].str.contains("no assets allocated").to_numpy()
    np.testing.assert_array_equal(base.allocated, ~no_assets)
    he = base.products.index("HE")
    assert base.allocated[he] and base.allocated.sum() == 2
    assert pos.liquid[pos.product == he].sum() > 0 and pos.convertible[pos.product == he].sum() > 0


def test_positions_are_grouped_by_product_class_and_issuer(sample):
    _, _, base = sample
    pos = base.positions
    he = base.products.index("HE")
    groups = list(zip(pos.product.tolist(), pos.asset_class, pos.counterparty, strict=True))
    assert groups[:3] == [(he, "cash", ""), (he, "deposit", "BANK-A"), (he, "deposit", "BANK-B")]
    assert all(p == -1 for p, _, _ in groups[3:])  # held by the programme only, last
    assert len(set(groups)) == len(groups)
    scheduled = np.isin(pos.asset_class, ("deposit", "government_bond", "corporate_bond"))
    assert (pos.modified_duration[~scheduled] == 0).all() and (pos.convexity[~scheduled] == 0).all()
    assert (pos.modified_duration[scheduled] > 0).all()
    assert (pos.flows[~scheduled] == 0).all()


def test_asset_flows_are_the_alm_inflows(sample):
    _, result, base = sample
    m = result.alm.measures.set_index(["product_id", "measure"])["value"]
    for j, col in enumerate(base.columns):
        if not base.allocated[j]:
            continue
        mine = base.positions.product == j if col != PROGRAMME else slice(None)
        flows = base.positions.flows[mine].sum()
        assert flows == pytest.approx(m[(col, "asset_inflows")] - m[(col, "cash_now")],
                                      rel=1e-12), col


def test_the_grid_claims_are_the_claims_occurred_paid_by_the_stored_pattern(sample):
    store, result, _ = sample
    base = load_stress_base(store)
    n = len(base.products)
    paid = settle(base.claims_occurred[:n], base.settlement[:n])
    np.testing.assert_allclose(base.grid[:n, LINE["claims"]], paid, rtol=1e-12, atol=1e-9)
    assert base.grid[:n, LINE["claims"]].sum() > 0
    a = load_assumptions("default")
    for p, kind in enumerate(base.kinds):
        pattern = a.projection(kind).settlement_pattern
        np.testing.assert_array_equal(base.settlement[p, :len(pattern)], pattern)
        assert not base.settlement[p, len(pattern):].any()
    assert not base.settlement[n].any()


def test_the_stored_stress_tables_leave_out_zeros_but_the_settlement_shares(sample):
    store, result, base = sample
    frames = {t: store_runs.read_results(store, t, result.run_id)[1] for t in STRESS_TABLES}
    flows = frames["stress_flows"]
    assert set(flows["flow"]) <= set(FLOWS)
    shares = flows[flows["flow"] == "settlement_share"]
    np.testing.assert_allclose(shares.groupby("product_id")["amount"].sum(), 1.0, rtol=1e-12)
    assert set(shares["product_id"]) == set(base.products)
    # a partner keeps month 1 of each product it distributes, zero or not
    kept = (flows["flow"] == "settlement_share") | (
        (flows["flow"] == "partner_premiums") & (flows["month"] == 1))
    assert (flows.loc[~kept, "amount"] != 0).all()
    assert (flows.loc[flows["flow"] != "partner_premiums", "counterparty"] == "").all()
    assert (frames["asset_flows"]["amount"] != 0).all()
    grants = flows[flows["flow"] == "grants"]
    he = base.products.index("HE")
    assert set(grants["product_id"]) == {"HE"} and len(grants) == min(12, base.months)
    # the grants' run rate: the period's donations (P35) / the period's months
    assert grants["amount"].iloc[0] * 3 == pytest.approx(result.income["P35"][he], rel=1e-12)
    products = frames["stress_products"]
    assert products["product_id"].tolist() == list(base.products)
    assert (products["horizon_months"] == base.months).all()
    positions = frames["asset_positions"]
    assert set(positions["product_id"]) == {"HE", PROGRAMME}
    assert (positions["counterparty"] == "").sum() == len(positions) - 2


def test_the_credit_life_sum_at_risk_counts_policies_without_an_issue_date(sample):
    """The sample leaves issue_date empty (NEVER): a policy is issued at its start, so the
    credit-life borrowers in force at v are the mortality add-on's sum at risk."""
    store, result, base = sample
    policies = pd.read_csv(Path(store).parent / "policies.csv", dtype=str,
                           keep_default_na=False)
    assert (policies["issue_date"] == "").all()
    cl = base.products.index("CL")
    assert base.sum_at_risk[cl, 0] > 0
    assert base.sum_at_risk[-1, 0] >= base.sum_at_risk[cl, 0]
    assert (np.diff(base.sum_at_risk[cl]) <= 1e-9).all()  # the cover runs off, never grows


def test_the_run_rate_flows_stop_after_the_first_year(sample):
    """Recoveries and grants at the period's run rate in months 1 .. 12 only, stored and in
    memory; a run stored with them over the whole horizon reads the same."""
    store, result, base = sample
    assert RUN_RATE_MONTHS == 12 and base.months > RUN_RATE_MONTHS
    si = result.stress_inputs
    for name, period in (("reinsurance", si.reinsurance), ("grants", si.grants)):
        flows = getattr(base, name)
        rate = np.append(period, period.sum()) / si.period_months
        np.testing.assert_allclose(flows[:, :RUN_RATE_MONTHS],
                                   np.repeat(rate[:, None], RUN_RATE_MONTHS, axis=1),
                                   rtol=1e-12)
        assert not flows[:, RUN_RATE_MONTHS:].any(), name
    assert base.grants[:, 0].any()
    tables = {t: store_runs.read_results(store, t, result.run_id)[1] for t in TABLES}
    flows = tables["stress_flows"]
    run_rate = flows[flows["flow"].isin(["reinsurance_recoveries", "grants"])]
    assert len(run_rate) and run_rate["month"].max() == RUN_RATE_MONTHS
    # an older run kept the run rate in every month of the horizon: the later months drop
    older = pd.concat([flows, *(
        run_rate[run_rate["month"] == RUN_RATE_MONTHS].assign(month=m)
        for m in range(RUN_RATE_MONTHS + 1, base.months + 1))], ignore_index=True)
    assert_same_base(stress_base_from_tables({**tables, "stress_flows": older},
                                             result.run_id), base)


def test_hand_worked_bond_position_and_new_business_claims(tiny_pack, tmp_path):
    """The tiny pack's bond A2 (face 5,000, 5% paid half-yearly, maturing 2027-12-31, book
    5,000, market 5,100) held for CL, valued at 2024-12-31 on a 12-month grid: the position's
    measures come from its flows to maturity (36 months), its stored flows stop at 12."""
    folder = Path(edited_set(tmp_path / "set", settings=lambda t: t.replace(
        "horizon_months = 120", "horizon_months = 12")))
    (folder / "new_business.csv").write_text(
        "product_id,monthly_premium,months,term_months,commission_rate,note\n"
        "CL,100,6,12,0.1,test\n")
    write_manifest(folder)
    store = tmp_path / "s.duckdb"
    result = close(tiny_pack, "2024-12-31", assumptions=str(folder), store=store)
    base = load_stress_base(store)
    assert_same_base(base, stress_base_from_close(result))
    pos = base.positions
    assert list(zip(pos.product.tolist(), pos.asset_class, pos.counterparty, strict=True)) == [
        (0, "government_bond", ""), (-1, "cash", "")]
    np.testing.assert_array_equal(pos.admitted, [5000.0, 1000.0])
    np.testing.assert_array_equal(pos.liquid, [0.0, 1000.0])
    np.testing.assert_allclose(pos.convertible, [5000.0 * 0.95, 0.0])
    expected = np.zeros(12)
    expected[[5, 11]] = 125.0  # coupons on 2025-06-30 and 2025-12-31
    np.testing.assert_allclose(pos.flows[0], expected)
    assert not pos.flows[1].any()
    # by hand: flows 125 at t = 0.5, 1, 1.5, 2, 2.5 years and 5,125 at 3, discounted at 5%
    t = np.arange(1, 7) / 2.0
    c = np.array([125.0] * 5 + [5125.0])
    y = load_assumptions(str(folder)).settings.alm.discount_rate
    v = (1 + y) ** -t
    pv = (c * v).sum()
    assert pos.modified_duration[0] == pytest.approx((t * c * v).sum() / (1 + y) / pv, rel=1e-12)
    assert pos.convexity[0] == pytest.approx((t * (t + 1) * c * v).sum() / (1 + y) ** 2 / pv,
                                             rel=1e-12)
    assert pos.modified_duration[1] == pos.convexity[1] == 0.0
    # new business: 100 a month for 6 months, claims at the kind's loss ratio over 12 months
    a = load_assumptions(str(folder))
    cl = base.products.index("CL")
    basis = a.projection("credit_life")
    loss_ratio = basis.loss_ratio if basis.loss_ratio is not None else (
        a.basis("credit_life").expected_loss_ratio)
    assert base.new_business_occurred[cl].sum() == pytest.approx(600.0 * loss_ratio, rel=1e-12)
    assert base.new_business_occurred[cl, 0] == pytest.approx(100.0 * loss_ratio / 12, rel=1e-12)
    nb_paid = settle(base.new_business_occurred[:2], base.settlement[:2])
    assert (base.grid[:2, LINE["new_business_outgo"]] >= nb_paid - 1e-9).all()
    assert base.grid[cl, LINE["new_business_outgo"]].sum() == pytest.approx(
        nb_paid[cl].sum() + 600.0 * (basis.expense_ratio + 0.1), rel=1e-12)


def _as_before_migration_14(old: Path, source: Path) -> None:
    """``source`` as a store of schema 13 would hold it: no stress tables, 14 not applied."""
    shutil.copyfile(source, old)
    con = duckdb.connect(str(old))
    try:
        for table in STRESS_TABLES:
            con.execute(f"DROP TABLE {table}")
        con.execute("DELETE FROM schema_migrations WHERE version = 14")
    finally:
        con.close()


def test_a_run_stored_before_the_stress_inputs_is_refused_with_the_fix(sample, tmp_path):
    store, result, base = sample
    old = tmp_path / "old.duckdb"
    _as_before_migration_14(old, store)
    message = (rf"run {result.run_id} predates the stress inputs .*; fix: re-run the close of "
               r"its date \(`reserva close DATA_DIR --valuation-date DATE --rerun`\)")
    with pytest.raises(ArgumentError, match=message) as caught:
        load_stress_base(old)  # the reader migrates the store: the tables exist, empty
    assert caught.value.exit_code == 2 and len(caught.value.lines()) == 1
    with pytest.raises(ArgumentError, match="predates the stress inputs"):
        load_stress_base(old, result.run_id)
    # the store was migrated and every other reader returns what it did
    pd.testing.assert_frame_equal(store_runs.read_results(old, "liquidity")[1],
                                  store_runs.read_results(store, "liquidity")[1])
    # a close stored after the migration is read
    data = Path(store).parent
    rerun = close(data, V, store=old, rerun=True)
    assert_same_base(load_stress_base(old), stress_base_from_close(rerun))
    assert_same_base(load_stress_base(old, rerun.run_id), base.__class__(
        **{**base.__dict__, "run_id": rerun.run_id}))


def test_a_close_before_any_asset_snapshot_has_no_positions(tiny_pack, tmp_path):
    store = tmp_path / "s.duckdb"
    result = close(tiny_pack, "2024-09-30", store=store)  # the assets are of 2024-12-31
    base = load_stress_base(store)
    assert_same_base(base, stress_base_from_close(result))
    assert base.positions.n == 0 and base.positions.flows.shape == (0, base.months)
    assert base.allocated.tolist() == [False, False, True]
    assert (base.cash == 0).all() and (base.convertible == 0).all()


def test_stored_tables_that_disagree_are_a_store_error(sample):
    store, result, base = sample
    tables = {t: store_runs.read_results(store, t, result.run_id)[1] for t in TABLES}
    assert_same_base(stress_base_from_tables(tables, result.run_id), base)
    grid = tables["cashflow_grid"].copy()
    grid.loc[0, "product_id"] = "XX"
    with pytest.raises(StoreError, match=r"cashflow_grid names product\(s\) XX"):
        stress_base_from_tables({**tables, "cashflow_grid": grid}, result.run_id)
    liq = tables["liquidity"]
    with pytest.raises(StoreError, match="the liquidity table has no projection row at 3 "
                                         "months for ALL"):
        stress_base_from_tables({**tables, "liquidity": liq[liq["product_id"] != PROGRAMME]})
    flows = tables["asset_flows"].assign(counterparty="BANK-Z")
    with pytest.raises(StoreError, match="asset_flows holds groups asset_positions lacks"):
        stress_base_from_tables({**tables, "asset_flows": flows}, result.run_id)


def test_partner_premiums_add_up_to_the_grids_premiums(sample):
    """The health policies all have a partner: the partners' premiums are the grid's premiums
    of HE; the credit-life MFIs and the group-life employers (single and annual premiums due
    at the start) are partners whose premiums are all zero, kept in the store all the same."""
    store, result, base = sample
    n = len(base.products)
    he, cl, gl = (base.products.index(p) for p in ("HE", "CL", "GL"))
    assert {"MNO-A", "MNO-B", "MFI-North", "MFI-South"} <= set(base.partners)
    assert list(base.partners) == sorted(base.partners)
    assert base.partner_premiums.shape == (len(base.partners), n + 1, base.months)
    premiums = base.grid[:, LINE["premiums"]]
    by_partner = base.partner_premiums.sum(axis=0)
    np.testing.assert_allclose(by_partner[he], premiums[he], rtol=1e-12, atol=1e-9)
    assert premiums[he].sum() > 0
    assert (by_partner <= premiums + 1e-9).all()
    np.testing.assert_allclose(base.partner_premiums[:, n], base.partner_premiums[:, :n].sum(
        axis=1), rtol=1e-12)
    a, b = (base.partners.index(k) for k in ("MNO-A", "MNO-B"))
    assert base.partner_premiums[a, he].sum() > 0 and base.partner_premiums[b, he].sum() > 0
    assert not base.partner_premiums[a, cl].any() and not base.partner_premiums[a, gl].any()
    mfi = base.partners.index("MFI-North")
    assert not base.partner_premiums[mfi].any()
    si = result.stress_inputs
    assert si.partner_products[mfi].tolist() == [p == cl for p in range(n)]
    assert si.partner_products[:, he].sum() == 2  # both operators, nobody else


def test_a_pack_without_partners_has_none(tiny_pack, tmp_path):
    store = tmp_path / "s.duckdb"
    result = close(tiny_pack, "2024-12-31", store=store)
    base = load_stress_base(store)
    assert_same_base(base, stress_base_from_close(result))
    assert base.partners == () and base.partner_premiums is None
    assert result.stress_inputs.partner_premiums.shape == (0, len(base.products), base.months)
    flows = store_runs.read_results(store, "stress_flows", result.run_id)[1]
    assert "partner_premiums" not in set(flows["flow"])
