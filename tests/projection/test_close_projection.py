"""The projection in the close: grid, liquidity by method, ALM ladder, stored and printed.

Identities of issue 7: the ladder's buckets add up to the grid's totals; its 0-1m and 0-3m
buckets are the projection method's short-term liabilities at 1 and 3 months; the OCS and IBNR
run-off add up to the closing reserves; the KPI takes the set's method.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from reserva.pipeline import close
from reserva.projection.grid import INFLOW, LINE
from reserva.sample.generate import write_sample
from tests.conftest import edited_set
from tests.test_cli import run

V = "2025-12-31"


@pytest.fixture(scope="module")
def closed(tmp_path_factory):
    data = tmp_path_factory.mktemp("projection")
    write_sample(data, policies=20_000, seed=11)
    assets = pd.read_csv(data / "assets.csv", dtype=str, keep_default_na=False)
    # allocate the claims cash and the term deposits to the health product (per-product ALM)
    mine = assets["asset_id"].str.startswith(("CASH-CLAIMS", "DEP-"))
    assets.loc[mine, "product_id"] = "HE"
    assets.to_csv(data / "assets.csv", index=False)
    store = data / "reserva.duckdb"
    return data, store, close(data, V, store=store)


def liq(r, product, method, months):
    t = r.liquidity
    row = t[(t["product_id"] == product) & (t["method"] == method)
            & (t["horizon_months"] == months)]
    assert len(row) == 1
    return row.iloc[0]


def test_ladder_buckets_add_up_to_the_grid(closed):
    _, _, r = closed
    lad = r.alm.ladder
    for col in ("HE", "ALL"):
        rows = lad[lad["product_id"] == col]
        out = r.grid.outflows(None if col == "ALL" else col)
        assert rows["outflows"].sum() == pytest.approx(out.sum(), rel=1e-12)
        assert rows["gap"].sum() == pytest.approx(rows["cumulative_gap"].iloc[-1], rel=1e-12)
    assert set(lad["product_id"]) == {"HE", "ALL"}  # only columns holding assets


def test_short_ladder_buckets_are_the_projection_method(closed):
    _, _, r = closed
    lad = r.alm.ladder.set_index(["product_id", "bucket"])["outflows"]
    for col in ("HE", "ALL"):
        assert lad[(col, "0-1m")] == pytest.approx(liq(r, col, "projection", 1).short_term)
        assert lad[(col, "0-1m")] + lad[(col, "1-3m")] == pytest.approx(
            liq(r, col, "projection", 3).short_term)


def test_runoff_adds_up_to_the_reserves(closed):
    _, _, r = closed
    ocs = r.grid.amount[:, LINE["ocs_runoff"]].sum(axis=1)
    ibnr = r.grid.amount[:, LINE["ibnr_runoff"]].sum(axis=1)
    np.testing.assert_allclose(ocs, r.closing.ocs, rtol=1e-9, atol=1e-6)
    np.testing.assert_allclose(ibnr, r.closing.ibnr, rtol=1e-9, atol=1e-6)
    assert (r.grid.amount >= -1e-9).all()  # amounts are non-negative, direction by line


def test_grid_lines_come_from_their_sources(closed):
    data, _, r = closed
    g = r.grid
    # other liabilities: the balance-sheet snapshot, products plus the unallocated ones
    liab = pd.read_csv(data / "liabilities.csv")
    snap = liab[liab["as_of_date"] == liab.loc[liab["as_of_date"] <= V, "as_of_date"].max()]
    assert g.programme()[LINE["other_liabilities"]].sum() == pytest.approx(snap["amount"].sum())
    # life contracts pay death benefits and maturities; exposure products do not
    i_ile, i_he = g.products.index("ILE"), g.products.index("HE")
    assert g.amount[i_ile, LINE["death_benefits"]].sum() > 0
    assert g.amount[i_he, LINE["death_benefits"]].sum() == 0
    assert g.amount[i_he, LINE["claims"]].sum() > 0
    # savings withdrawals only where there are savings
    has_savings = r.alr.savings > 0
    assert (g.amount[:, LINE["savings_withdrawals"]].sum(axis=1) > 0).tolist() == \
        has_savings.tolist()
    assert INFLOW[LINE["premiums"]] and not INFLOW[LINE["claims"]]


def test_kpi_takes_the_method_of_the_set(closed, tmp_path):
    data, _, r = closed
    k = r.kpis.set_index(["product_id", "indicator"])
    assert k.loc[("ALL", "liquidity_ratio"), "value"] == pytest.approx(
        liq(r, "ALL", "projection", 3).ratio)
    assert k.loc[("ALL", "liquidity_ratio"), "note"].startswith("projection method")
    aset = edited_set(tmp_path / "set", settings=lambda s: s.replace(
        'kpi_method = "projection"', 'kpi_method = "factor"'))
    r2 = close(data, V, assumptions=aset, write=False)
    k2 = r2.kpis.set_index(["product_id", "indicator"])
    assert k2.loc[("ALL", "liquidity_ratio"), "value"] == pytest.approx(
        liq(r2, "ALL", "factor", 3).ratio)
    # products without assets have no liquidity ratio (E2 L873-881)
    assert np.isnan(k.loc[("CL", "liquidity_ratio"), "value"])


def test_static_ratio_uses_cash_only(closed):
    _, _, r = closed
    s = liq(r, "ALL", "static", 3)
    f = liq(r, "ALL", "factor", 3)
    assert s.numerator == f.cash and s.convertible == 0.0
    due = r.grid.programme()[LINE["other_liabilities"], :3].sum()
    assert s.short_term == pytest.approx(r.closing.ocs.sum() + due)


def test_stored_and_printed(closed, capsys):
    _, store, r = closed
    code, out, err = run(capsys, "liquidity", "--run", str(r.run_id), "--format", "json",
                         "--store", str(store))
    assert code == 0, err
    rows = json.loads(out)["liquidity"]
    assert len(rows) == len(r.liquidity)
    # one KPI row per column: the set's method at 3 months (n/a where no assets are held)
    kpi = [x for x in rows if x["kpi"]]
    assert len(kpi) == len({x["product_id"] for x in rows}) == 6
    assert {(x["method"], x["horizon_months"]) for x in kpi} == {("projection", 3)}
    code, out, err = run(capsys, "liquidity", "--product", "ALL", "--store", str(store))
    assert code == 0 and "projection (KPI)" in out and "rule_of_thumb" in out
    code, out, err = run(capsys, "alm", "--run", str(r.run_id), "--store", str(store))
    assert code == 0, err
    assert "maturity ladder, ALL" in out and "10y+" in out and "real_estate_share" in out
    code, out, err = run(capsys, "alm", "--format", "json", "--product", "HE",
                         "--store", str(store))
    got = json.loads(out)
    assert {x["product_id"] for x in got["ladder"]} == {"HE"} and got["checks"]
    code, out, err = run(capsys, "alm", "--product", "XX", "--store", str(store))
    assert code != 0 and "XX" in err
    import duckdb

    con = duckdb.connect(str(store), read_only=True)
    try:
        total = con.execute("SELECT sum(amount) FROM cashflow_grid WHERE run_id = ? AND "
                            "product_id = 'ALL' AND direction = 'out'", [r.run_id]).fetchone()[0]
    finally:
        con.close()
    assert total == pytest.approx(r.grid.outflows().sum())


def test_new_business_of_the_set(closed, tmp_path):
    """new_business.csv: 12 months of sales of 1,000 on HE (health: loss ratio 0.70 of
    reserving.csv, expense ratio 0.15 of projection.csv), 12-month terms, 10% commission; all
    within the 120-month grid, so the lines hold their totals: premiums 12,000, outgo
    12,000 x (0.70 + 0.15 + 0.10) = 11,400."""
    from reserva.io.assumptions import write_manifest

    data, _, r = closed
    aset = edited_set(tmp_path / "set")
    (tmp_path / "set" / "new_business.csv").write_text(
        "product_id,monthly_premium,months,term_months,commission_rate,note\n"
        "HE,1000,12,12,0.10,test\n")
    write_manifest(tmp_path / "set")
    r2 = close(data, V, assumptions=aset, write=False)
    he = r2.grid.products.index("HE")
    nb_prem = r2.grid.amount[he, LINE["new_business_premiums"]]
    nb_out = r2.grid.amount[he, LINE["new_business_outgo"]]
    assert nb_prem[:12].tolist() == [1000.0] * 12 and nb_prem[12:].sum() == 0
    assert nb_out.sum() == pytest.approx(11_400.0)
    # the in-force lines do not move
    rest = [k for k in range(len(LINE)) if k not in (LINE["new_business_premiums"],
                                                    LINE["new_business_outgo"])]
    np.testing.assert_allclose(r2.grid.amount[:, rest], r.grid.amount[:, rest], rtol=1e-12)
    # a product the pack does not have is refused
    (tmp_path / "set" / "new_business.csv").write_text(
        "product_id,monthly_premium,months,term_months,commission_rate,note\n"
        "ZZ,1000,12,12,0.10,test\n")
    write_manifest(tmp_path / "set")
    from reserva.errors import AssumptionError

    with pytest.raises(AssumptionError, match="ZZ"):
        close(data, V, assumptions=aset, write=False)
