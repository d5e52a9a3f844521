"""lifelib parity: the bundled bases basicterm_s and basicterm_me reproduce lifelib's basiclife
BasicTerm_S and BasicTerm_ME (lifelib 0.17.2) with the engine's own options, no glue: the
model-point file and the basis folder in, lifelib's ``result_pv`` per point, its premiums and its
monthly cashflows out. lifelib's figures were exported once into tests/data/lifelib_basiclife
(PROVENANCE.md there: versions, date, the command that regenerates them).

Tolerance 1e-9 relative, per point and in total, on each line; the net cashflow of a point is a
difference of the lines, so its error is measured against the point's premiums (a point whose
net PV is near 0 has a relative error of its net far above the lines').
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from reserva.points import project_points

DATA = Path(__file__).resolve().parents[1] / "data" / "lifelib_basiclife"
BASES = Path(__file__).resolve().parents[2] / "assumptions" / "bases"
MODELS = {"basicterm_s": "BasicTerm_S", "basicterm_me": "BasicTerm_ME"}
LINES = ("Premiums", "Claims", "Expenses", "Commissions")
REL = 1e-9


@pytest.fixture(scope="module", params=sorted(MODELS))
def case(request):
    basis = request.param
    model = MODELS[basis]
    run = project_points(BASES / basis / "sample" / "model_points.csv", basis,
                         point_values=True, by="all")
    ref = pd.read_csv(DATA / f"{model}_result_pv.csv", index_col=0)
    ref.columns = [c.removeprefix("PV ") for c in ref.columns]
    return basis, model, run, ref


def test_the_sample_points_are_lifelibs(case):
    """The bundled model-point file holds lifelib's model_point_table, point for point."""
    basis, model, _, _ = case
    ours = pd.read_csv(BASES / basis / "sample" / "model_points.csv")
    theirs = pd.read_csv(DATA / f"{model}_model_points.csv")
    ids = theirs.iloc[:, 0].to_numpy()
    assert np.array_equal(ours["point_id"].to_numpy(), ids)
    for col in ("age_at_entry", "sex", "policy_term", "sum_assured", "policy_count"):
        assert np.array_equal(ours[col].to_numpy(), theirs[col].to_numpy()), col
    if "duration_mth" in theirs:
        assert np.array_equal(ours["duration_mth"].to_numpy(), theirs["duration_mth"].to_numpy())
    else:
        assert (ours["duration_mth"] == 0).all()  # BasicTerm_S projects every point from issue


def test_premiums_per_point_equal_lifelibs(case):
    _, model, run, _ = case
    ref = pd.read_csv(DATA / f"{model}_premium_pp.csv", index_col=0)["premium_pp"].to_numpy()
    assert np.array_equal(run.result.premium, ref)  # rounded to cents by both


def test_result_pv_per_point(case):
    _, _, run, ref = case
    ours = run.result_pv(0)
    assert np.array_equal(ours.index.astype(str), ref.index.astype(str))
    for line in LINES:
        np.testing.assert_allclose(ours[line].to_numpy(), ref[line].to_numpy(), rtol=REL,
                                   atol=0, err_msg=line)
    scale = np.maximum(ref["Premiums"].to_numpy(), 1.0)
    diff = ours["Net Cashflow"].to_numpy() - ref["Net Cashflow"].to_numpy()
    assert np.max(np.abs(diff) / scale) < REL


def test_result_pv_totals(case):
    _, _, run, ref = case
    ours = run.result_pv(0).sum()
    for line in (*LINES, "Net Cashflow"):
        assert ours[line] == pytest.approx(ref[line].sum(), rel=REL), line
    # the grouped run's total equals the sum of the points'
    total = run.result.total_pv()[0]
    assert total[0] == pytest.approx(ref["Premiums"].sum(), rel=REL)


def test_monthly_cashflows(case):
    """lifelib's result_cf (the points' cashflows summed by month) and, for BasicTerm_ME, its
    result_pols (policies in force, deaths, lapses)."""
    _, model, run, _ = case
    cf = pd.read_csv(DATA / f"{model}_result_cf.csv")
    ours = run.cashflow_frame()
    n = len(cf)
    got = ours.iloc[:n]
    for line, col in (("premiums", "Premiums"), ("claims", "Claims"), ("expenses", "Expenses"),
                      ("commissions", "Commissions"), ("net_cashflow", "Net Cashflow")):
        ref = cf[col].to_numpy()
        np.testing.assert_allclose(got[line].to_numpy(), ref, rtol=REL,
                                   atol=REL * np.abs(ref).max(), err_msg=line)
    assert (ours.iloc[n:][["premiums", "claims", "expenses"]] == 0).all().all()
    if model == "BasicTerm_ME":
        pols = pd.read_csv(DATA / "BasicTerm_ME_result_pols.csv")
        for line, col in (("deaths", "pols_death"), ("lapses", "pols_lapse")):
            np.testing.assert_allclose(got[line].to_numpy(), pols[col].to_numpy(), rtol=REL,
                                       atol=1e-9, err_msg=line)
        # lifelib's pols_if is counted before maturities and new business (BEF_MAT), ours after
        # both (the policies paying the month's premiums): pols_if - maturity + new business
        ours_if = got["policies"].to_numpy()
        theirs = (pols["pols_if"] - pols["pols_maturity"] + pols["pols_new_biz"]).to_numpy()
        np.testing.assert_allclose(ours_if, theirs, rtol=REL, atol=1e-9)
