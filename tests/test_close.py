"""End to end: sample programme -> closes of consecutive quarter ends -> stored results."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest

from reserva.batch import close_many
from reserva.io.arrays import day
from reserva.io.readers import read_pack
from reserva.kpi.catalogue import HEADLINE
from reserva.pipeline import close, period_start_of
from reserva.sample.generate import write_sample
from tests.conftest import TINY_PACK, edited_set, write_pack

QUARTERS = ["2024-03-31", "2024-06-30", "2024-09-30", "2024-12-31",
            "2025-03-31", "2025-06-30", "2025-09-30", "2025-12-31"]


@pytest.fixture(scope="module")
def sample_closes(tmp_path_factory):
    data = tmp_path_factory.mktemp("sample")
    write_sample(data, policies=40_000, seed=7)
    store = data / "reserva.duckdb"
    results = close_many(data, QUARTERS, store=store)
    return data, store, results


def _stored(store, sql, params=()):
    con = duckdb.connect(str(store), read_only=True)
    try:
        return con.execute(sql, list(params)).df()
    finally:
        con.close()


def test_period_start_is_the_previous_quarter_end():
    assert period_start_of(day("2025-12-31"), 3) == day("2025-09-30")
    assert period_start_of(day("2024-03-31"), 3) == day("2023-12-31")
    assert period_start_of(day("2024-05-31"), 3) == day("2024-02-29")


def test_reserve_changes_equal_the_difference_of_stored_reserves(sample_closes):
    _, store, results = sample_closes
    res = _stored(store, "SELECT run_id, product_id, reserve, opening, closing, change FROM reserves")
    for prev, cur in zip(results, results[1:], strict=False):
        a = res[res.run_id == prev.run_id].set_index(["product_id", "reserve"])
        b = res[res.run_id == cur.run_id].set_index(["product_id", "reserve"])
        np.testing.assert_allclose(b["opening"], a.loc[b.index, "closing"], rtol=0, atol=1e-9)
        np.testing.assert_allclose(b["change"], b["closing"] - a.loc[b.index, "closing"], atol=1e-9)
        inc = _stored(store, "SELECT code, product_id, value FROM statements WHERE run_id = ? "
                      "AND statement = 'income'", [cur.run_id]).set_index(["code", "product_id"])["value"]
        for code, reserve in (("P04", "upr"), ("P13", "ibnr"), ("P14", "ocs"), ("P15", "alr")):
            for p in cur.products:
                assert inc[(code, p)] == pytest.approx(b.loc[(p, reserve), "change"], abs=1e-6)
    assert [r.opening_source for r in results] == ["recomputed"] + ["store"] * 7


def test_accounting_identities_hold_in_every_stored_run(sample_closes):
    _, store, results = sample_closes
    for r in results:
        inc, bs = r.income, r.balance
        np.testing.assert_allclose(inc["P02"], inc["P03"] - inc["P04"], atol=1e-6)
        np.testing.assert_allclose(inc["P11"], inc["P12"] + inc["P13"] + inc["P14"] + inc["P15"], atol=1e-6)
        np.testing.assert_allclose(inc["P28"], inc["P02"] + inc["P05"] - inc["P11"] - inc["P16"], atol=1e-6)
        np.testing.assert_allclose(bs["B01"], bs["B02"] + bs["B03"] + bs["B04"], atol=1e-6)
        # the programme column adds up the products (all income lines are allocated)
        np.testing.assert_allclose(inc.values[:, -1], inc.values[:, :-1].sum(axis=1), rtol=1e-12, atol=1e-6)


def test_upr_roll_forward_per_product_over_eight_quarters(sample_closes):
    _, store, results = sample_closes
    roll = _stored(store, "SELECT * FROM upr_rollforward ORDER BY run_id, product_id")
    np.testing.assert_allclose(
        roll.upr_opening + roll.written - roll.cancelled - roll.earned, roll.upr, atol=1e-6)
    # the stored closing UPR of one quarter is the opening of the next
    for prev, cur in zip(results, results[1:], strict=False):
        a = roll[roll.run_id == prev.run_id].set_index("product_id")
        b = roll[roll.run_id == cur.run_id].set_index("product_id")
        np.testing.assert_allclose(b.upr_opening, a.loc[b.index, "upr"], atol=1e-6)
    per_policy = _stored(store, "SELECT product_id, sum(upr) AS upr FROM upr_policy WHERE run_id = ? "
                         "GROUP BY ALL", [results[-1].run_id]).set_index("product_id")["upr"]
    last = roll[roll.run_id == results[-1].run_id].set_index("product_id")["upr"]
    np.testing.assert_allclose(per_policy.loc[last.index], last, rtol=1e-12)


def test_ultimate_is_reported_plus_ibnr(sample_closes):
    _, store, results = sample_closes
    tri = _stored(store, "SELECT * FROM ibnr_origin WHERE run_id = ?", [results[-1].run_id])
    np.testing.assert_allclose(tri.ultimate, tri.reported + tri.ibnr, atol=1e-6)
    by_product = tri.groupby("product_id").ibnr.sum()
    for i, p in enumerate(results[-1].products):
        assert by_product[p] == pytest.approx(results[-1].closing.ibnr[i])


def test_sample_kpis_are_plausible_for_each_product_kind(sample_closes):
    _, _, results = sample_closes
    k = results[-1].kpis.set_index(["product_id", "indicator"])["value"]
    for p in ("CL", "LS", "ILE", "HE", "GL", "ALL"):
        assert 0.05 < k[(p, "incurred_expense_ratio")] < 0.9, p
        assert 0.0 < k[(p, "incurred_claims_ratio")] < 1.5, p
    for p in ("LS", "HE", "GL"):
        assert 0.6 < k[(p, "renewal_ratio")] < 1.0, p
    assert np.isnan(k[("CL", "renewal_ratio")])  # not applicable to credit life
    assert 1.0 < k[("ALL", "solvency_ratio")] < 3.0
    assert k[("ALL", "liquidity_ratio")] > 0.5
    assert k[("ALL", "growth_ratio")] > 0


def test_edition_changes_order_and_thresholds(sample_closes):
    data, _, _ = sample_closes
    pack = read_pack(data)
    e1 = close(data, "2025-12-31", edition=1, pack=pack, write=False).kpis
    e2 = close(data, "2025-12-31", edition=2, pack=pack, write=False).kpis
    # the families' order (spec §1.0), read off their headline rows (sub-indicators follow each)
    first = lambda k: [i for i in dict.fromkeys(k[k.product_id == "ALL"].indicator)  # noqa: E731
                       if i in HEADLINE][:3]
    assert first(e1) == ["net_income_ratio", "incurred_expense_ratio", "incurred_claims_ratio"]
    assert first(e2) == ["incurred_expense_ratio", "incurred_claims_ratio", "net_income_ratio"]
    sol = lambda k: k[(k.product_id == "ALL") & (k.indicator == "solvency_ratio")].lower.item()  # noqa: E731
    assert (sol(e1), sol(e2)) == (1.15, 1.20)
    exp = lambda k: k[(k.product_id == "ALL") & (k.indicator == "incurred_expense_ratio")].upper.item()  # noqa: E731
    assert np.isnan(exp(e1)) and exp(e2) == 0.20  # the 20% target exists only in edition 2


def test_same_inputs_give_identical_results(sample_closes):
    data, _, _ = sample_closes
    pack = read_pack(data)
    a = close(data, "2025-09-30", pack=pack, write=False)
    b = close(data, "2025-09-30", pack=pack, write=False)
    assert np.array_equal(a.income.values, b.income.values)
    assert a.kpis.equals(b.kpis)


def test_a_pack_without_claims_exits_or_liabilities_closes(tmp_path):
    tables = {**TINY_PACK}
    for name in ("claims", "exits", "liabilities"):
        tables[name] = TINY_PACK[name].splitlines()[0] + "\n"
    pack = write_pack(tmp_path / "pack", tables)
    r = close(pack, "2024-12-31", store=tmp_path / "s.duckdb")
    assert r.run_id == 1
    assert r.closing.ocs.sum() == 0
    # no claims known: the thin fallback (expected claims = earned premium x ELR) says so
    assert r.ibnr.method == ("expected", "expected")
    assert all(n.startswith("thin: 0 claims known") for n in r.ibnr.note)
    assert (r.closing.ibnr > 0).all()


def test_opening_balances_table_is_used_for_the_first_period(tmp_path):
    tables = {**TINY_PACK, "opening_balances": (
        "product_id,valuation_date,reserve,amount\nCL,2024-09-30,upr,1000\nCL,2024-09-30,ocs,50\n")}
    pack = write_pack(tmp_path / "pack", tables)
    r = close(pack, "2024-12-31", store=tmp_path / "s.duckdb")
    assert r.opening_source == "opening_balances"
    i = r.products.index("CL")
    assert r.opening.upr[i] == 1000 and r.opening.ocs[i] == 50 and r.opening.ibnr[i] == 0
    assert r.income.value("P04", "CL") == pytest.approx(r.closing.upr[i] - 1000)


def test_unpaid_cashflows_add_up_to_ocs_plus_ibnr(sample_closes):
    _, store, results = sample_closes
    last = results[-1]
    cf = _stored(store, "SELECT product_id, sum(amount) AS amount FROM claims_cashflows "
                 "WHERE run_id = ? GROUP BY ALL", [last.run_id]).set_index("product_id")["amount"]
    for i, p in enumerate(last.products):
        assert cf[p] == pytest.approx(last.closing.ocs[i] + last.closing.ibnr[i], abs=1e-6)
    assert last.cashflows.amount.shape[1] == 120


def test_ibnr_analysis_of_change_links_consecutive_closes(sample_closes):
    _, store, results = sample_closes
    steps = _stored(store, "SELECT run_id, product_id, step, amount FROM ibnr_change")
    res = _stored(store, "SELECT run_id, product_id, reserve, opening, closing FROM reserves "
                  "WHERE reserve = 'ibnr'")
    for r in results:
        s = steps[steps.run_id == r.run_id].pivot(index="product_id", columns="step", values="amount")
        q = res[res.run_id == r.run_id].set_index("product_id")
        np.testing.assert_allclose(s["closing"], q.loc[s.index, "closing"], atol=1e-6)
        np.testing.assert_allclose(s["opening"], q.loc[s.index, "opening"], atol=1e-6)
        np.testing.assert_allclose(
            s["opening"] + s["expected_emergence"] + s["new_origins"] + s["remeasurement"],
            s["closing"], atol=1e-6)


def test_ocs_probability_of_payment_from_the_rejection_experience(tmp_path):
    def experience(f):
        f.loc[f.product_kind == "group_life", "ocs_payment_probability"] = "experience"

    set_dir = edited_set(tmp_path / "exp", reserving=experience)
    # GL has 2 decided claims (1 rejected, 1 partial): p = 1 - 1/2; one open claim of 1,000
    claims = TINY_PACK["claims"] + "C5,P6,M6,GL,2024-11-20,2024-12-01,,,open,1000,0,,disability\n"
    pack = write_pack(tmp_path / "pack", {**TINY_PACK, "claims": claims})
    r = close(pack, "2024-12-31", assumptions=str(set_dir), write=False)
    assert r.closing.ocs[r.products.index("GL")] == pytest.approx(500.0)
    assert r.closing.ocs[r.products.index("CL")] == pytest.approx(5000.0)  # fixed p = 1


def test_ibnr_method_per_product_from_the_assumption_set(sample_closes):
    _, store, results = sample_closes
    last = results[-1]
    method = dict(zip(last.products, last.ibnr.method, strict=True))
    assert method["HE"] == "mack" and method["GL"] in ("bf", "expected")
    res = _stored(store, "SELECT product_id, std_err, method FROM reserves WHERE run_id = ? AND "
                  "reserve = 'ibnr'", [last.run_id]).set_index("product_id")
    assert res.loc["HE", "std_err"] > 0 and np.isnan(res.loc["CL", "std_err"])
    origin = _stored(store, "SELECT product_id, std_err FROM ibnr_origin WHERE run_id = ? AND "
                     "product_id = 'HE'", [last.run_id])
    assert origin.std_err.notna().all()


def test_stored_incurred_minus_paid_is_the_ocs(sample_closes):
    _, store, results = sample_closes
    last = results[-1]
    tri = _stored(store, "SELECT product_id, triangle, origin_start, development, value FROM "
                  "triangles WHERE run_id = ?", [last.run_id])
    latest = (tri.sort_values("development").groupby(["product_id", "triangle", "origin_start"])
              .value.last().groupby(["product_id", "triangle"]).sum().unstack())
    for i, p in enumerate(last.products):
        assert latest.loc[p, "incurred"] - latest.loc[p, "paid"] == pytest.approx(
            last.closing.ocs[i], abs=1e-6)
        assert latest.loc[p, "reported"] >= latest.loc[p, "paid"] - 1e-6


def test_ibnr_bootstrap_in_the_close_when_the_set_asks(sample_closes, tmp_path):
    data, _, _ = sample_closes
    set_dir = edited_set(tmp_path / "boot", settings=lambda t: t.replace(
        "bootstrap_sims = 0", "bootstrap_sims = 200"))
    pack = read_pack(data)
    a = close(data, "2025-12-31", assumptions=str(set_dir), pack=pack, write=False)
    b = close(data, "2025-12-31", assumptions=str(set_dir), pack=pack, write=False)
    d = a.ibnr_distribution.set_index("product_id")
    assert "HE" in d.index and d.loc["HE", "n_sims"] == 200
    assert d.loc["HE", "p75"] < d.loc["HE", "p95"] < d.loc["HE", "p995"]
    pd.testing.assert_frame_equal(a.ibnr_distribution, b.ibnr_distribution)  # seeded


def test_analysis_of_change_separates_a_change_of_method(sample_closes, tmp_path):
    data, _, _ = sample_closes
    sets = tmp_path / "sets"
    edited_set(sets / "default")

    def bf_for_health(f):
        f.loc[f.product_kind == "health", "ibnr_method"] = "bf"

    edited_set(sets / "edited", reserving=bf_for_health, set_id="edited")
    store = tmp_path / "s.duckdb"
    pack = read_pack(data)
    close(data, "2025-09-30", assumptions=str(sets / "default"), store=store, pack=pack)
    r = close(data, "2025-12-31", assumptions=str(sets / "edited"), store=store, pack=pack)
    same = close(data, "2025-12-31", assumptions=str(sets / "default"), pack=pack, write=False)
    i = r.products.index("HE")
    assert r.ibnr_change.assumption_changes[i] == pytest.approx(
        r.closing.ibnr[i] - same.closing.ibnr[i])
    assert r.ibnr_change.assumption_changes[i] != 0
    assert r.ibnr_change.assumption_changes[r.products.index("CL")] == pytest.approx(0.0)


def test_stored_link_ratio_table_shows_what_was_used(sample_closes):
    _, store, results = sample_closes
    lr = _stored(store, "SELECT * FROM link_ratios WHERE run_id = ?", [results[-1].run_id])
    he = lr[lr.product_id == "HE"]
    # health uses the last 8 diagonals (ibnr_options.csv): at most 8 link ratios per lag
    assert he.groupby("from_lag").used.sum().max() <= 8
    assert (~he.used).any()  # older diagonals are shown, marked unused
    cl = lr[lr.product_id == "CL"]
    assert cl[cl.ratio.notna() & np.isfinite(cl.ratio)].used.all()  # every defined ratio used


def _edited_set(tmp_path, reserving_edit, settings_edit=None):
    return edited_set(tmp_path / "seg", reserving=reserving_edit, settings=settings_edit)


def test_ibnr_segmented_by_cause_adds_up_per_product(sample_closes, tmp_path):
    from reserva.io.arrays import codes as _codes
    from reserva.reserves.claims.ibnr import compute_ibnr

    data, _, _ = sample_closes

    def chain_ladder_everywhere(f):
        f.loc[f.ibnr_method != "mack", "ibnr_method"] = "chain_ladder"
        f["thin_fallback"] = "none"

    seg_set = _edited_set(tmp_path, chain_ladder_everywhere,
                          lambda t: t.replace("segment_by = []", 'segment_by = ["cause"]'))
    pack = read_pack(data)
    r = close(data, "2025-12-31", assumptions=seg_set, pack=pack, write=False)
    i = r.products.index("HE")
    assert r.ibnr.method[i] == "mack by cause" and "segments by cause" in r.ibnr.note[i]
    # the product's IBNR is the sum of each (HE, cause) segment reserved on its own
    cl = pack["claims"]
    he = (cl.product_id == "HE").to_numpy()
    seg, names = _codes(cl.cause[he].fillna("").astype(str))
    from reserva.io.arrays import day as _day
    from reserva.io.arrays import days as _days
    from reserva.io.assumptions import load_assumptions
    opts = load_assumptions(seg_set).ibnr("health")
    alone = compute_ibnr(seg, names, _days(cl.event_date[he]), _days(cl.report_date[he]),
                         cl.claimed_amount[he].to_numpy(float), _day("2025-12-31"),
                         grain_months=3, methods=["mack"] * len(names),
                         min_claims=[10] * len(names), fallback=["none"] * len(names),
                         options=[opts] * len(names),
                         first_day=int(_days(pack["policies"].start_date).min()))
    assert r.closing.ibnr[i] == pytest.approx(alone.ibnr.sum())
    assert r.ibnr.std_err[i] == pytest.approx(np.sqrt(np.nansum(alone.std_err ** 2)))


def test_segmentation_refuses_methods_that_need_exposure(sample_closes, tmp_path):
    from reserva.errors import AssumptionError

    data, _, _ = sample_closes
    seg_set = _edited_set(tmp_path, lambda f: None,
                          lambda t: t.replace("segment_by = []", 'segment_by = ["cause"]'))
    with pytest.raises(AssumptionError, match="segment_by needs methods without exposure"):
        close(data, "2025-12-31", assumptions=seg_set, pack=read_pack(data), write=False)
