"""The forward projection kernel (``reserva.projection.plan.run_plan``) against its docstrings
(``reserva.projection.plan``, ``reserva.projection.plan_base``, ``reserva.io.actions``): the
close as period 0, the accounting identities of every period, a small programme worked by hand,
metamorphic relations, shocks and management actions.

Every base is built by hand (``plan_fixtures.hand_plan_base``); every expected figure is worked
in the test, never copied from the kernel's output.
"""

from __future__ import annotations

import numpy as np
import pytest

from reserva.projection.plan import ITEMS, IX, PlanOptions, run_plan
from reserva.projection.plan_base import CLOSE_CODES
from tests.projection.plan_fixtures import action, hand_plan_base, scenario, shock

BASE = scenario("base")
REL = 1e-9


def run(base, scenarios=(BASE,), actions=(), **options):
    return run_plan(base, list(scenarios), list(actions), PlanOptions(**options))


def close(actual, expected, rel=REL):
    """Equal to a relative tolerance of the figures' scale (absolute near zero)."""
    actual, expected = np.asarray(actual, float), np.asarray(expected, float)
    scale = max(1.0, float(np.nanmax(np.abs(expected))) if expected.size else 1.0)
    np.testing.assert_allclose(actual, expected, rtol=rel, atol=rel * scale)


# ---------------------------------------------------------------------------------------------
# bases


def rich_base(*, yields=(0.04, 0.03, 0.0, 0.05), nb=(500.0, 200.0, 0.0)):
    """Three products: health P1 (instalments, refunds, settled over 3 months, 20% ceded), a
    credit-life P2 (6-month terms) and a whole-life L1 on the life basis (ALR, deaths,
    withdrawals); reserves, other liabilities and assets of no product, grants, fixed
    expenses, asset groups of three classes. Lapses with refund factor 0.5."""
    m = 48
    n_m = np.arange(m)

    def first(k, amount):
        return np.where(n_m < k, amount, 0.0)

    earned = np.vstack([first(12, 100.0), first(6, 80.0), np.zeros(m)])
    refunds = np.vstack([first(12, 5.0), np.zeros(m), np.zeros(m)])
    expiring = np.zeros((3, m))
    expiring[0, [2, 5, 8, 11]] = 300.0
    expiring[1] = first(6, 100.0)
    return hand_plan_base(
        products=("P1", "P2", "L1"), kinds=("health", "credit_life", "whole_life"),
        months=m, life=(False, False, True),
        premiums=np.vstack([first(6, 50.0), np.zeros(m), first(36, 100.0)]),
        earned=earned, refunds=refunds, occurred=np.vstack([0.7 * earned[:2], np.zeros(m)]),
        expenses=np.vstack([first(12, 10.0), first(6, 4.0), first(36, 5.0)]),
        commissions=np.vstack([first(12, 2.0), first(6, 1.0), np.zeros(m)]),
        deaths=np.vstack([np.zeros(m), np.zeros(m), first(36, 40.0)]),
        maturities=np.vstack([np.zeros((2, m)), np.where(n_m == 23, 500.0, 0.0)]),
        withdrawals=np.vstack([np.zeros((2, m)), first(36, 10.0)]),
        ocs_paid=np.vstack([first(2, 100.0), first(2, 50.0), np.zeros(m)]),
        ibnr_paid=np.vstack([first(3, 50.0), first(3, 20.0), np.zeros(m)]),
        expiring=expiring,
        other_paid=np.vstack([np.zeros((3, m)), first(8, 50.0)]),
        grants=np.vstack([first(12, 10.0), np.zeros((2, m)), first(12, 20.0)]),
        sum_at_risk=np.vstack([np.zeros((2, m)), first(36, 100_000.0)]),
        admitted=(2000.0, 800.0, 3500.0, 5000.0), upr=(1260.0, 480.0, 0.0, 0.0),
        ocs=(200.0, 100.0, 0.0, 0.0), ibnr=(150.0, 60.0, 0.0, 0.0),
        alr=(0.0, 0.0, 3000.0, 0.0), other=(0.0, 0.0, 0.0, 400.0),
        other_split=np.array([[0.0, 0.0, 0.0, 0.25], [1.0, 1.0, 1.0, 0.5],
                              [0.0, 0.0, 0.0, 0.25]]),
        non_admitted_other=(300.0, 0.0, 0.0, 100.0),
        cash_share=0.3, convertible_share=0.2, liquid_share=0.5, yields=yields,
        fixed_month=(20.0, 10.0, 5.0, 30.0),
        settlement=((0.5, 0.3, 0.2), (1.0,), (1.0,)), reporting=((0.6, 0.4), (0.8, 0.2), (1.0,)),
        loss_ratio=(0.65, 0.5, 0.0), expense_ratio=(0.1, 0.15, 0.0), lapse_rate=(0.2, 0.1, 0.0),
        refund_factor=0.5, interest_rate=(0.0, 0.0, 0.03), withdrawal_rate=(0.0, 0.0, 0.05),
        renewal_rate=(0.8, 0.6, 0.0), nb_month=nb, growth_rate=(0.05, 0.0, 0.0),
        term=(12, 6, 12), commission_rate=(0.05, 0.1, 0.0), ceded_share=(0.2, 0.0, 0.0),
        close_flows={"P03": (3000.0, 900.0, 300.0, 0.0)},
        group_column=np.array([0, 1, 2, 3]),
        group_admitted=np.array([2000.0, 800.0, 3500.0, 5000.0]),
        group_kind=("health", "credit_life", "whole_life", None),
        group_class=("government_bond", "corporate_bond", "government_bond", "cash"),
        group_counterparty=("", "BankA", "", "BankA"),
        group_duration=np.array([5.0, 3.0, 8.0, 0.0]),
        group_convexity=np.array([30.0, 10.0, 80.0, 0.0]),
    )


ADVERSE = scenario(
    "adverse",
    shock("claims_frequency", 1.3, "multiplier", start=4, duration=12),
    shock("mass_lapse", 0.3, "share", start=2, kind="health"),
    shock("asset_haircut", 0.2, "share", start=5, asset_class="corporate_bond"),
    shock("rate_shift", 100.0, "bp", start=7),
    shock("reserve_deficiency", 0.1, "share", start=3),
    shock("catastrophe_claims", 1000.0, "amount", start=6),
    shock("reinsurer_default", 0.5, "share", start=10),
    shock("expenses", 1.2, "multiplier"),
    shock("premium_shortfall", 0.1, "share", start=2, duration=6),
    shock("grant_stop", 1.0, "share", start=4),
    shock("lapse_rate", 2.0, "multiplier"),
    shock("new_business", 0.5, "multiplier", start=13),
    shock("mortality_addon", 1.0, "pp"),
    shock("savings_withdrawals", 0.2, "share", start=5, kind="whole_life"),
)
STRESSED = scenario(
    "stressed", shock("claims_severity", 2.5, "multiplier", start=1, duration=24),
    shock("issuer_default", 0.5, "share", start=2, counterparty="BankA"),
    shock("mass_lapse", 0.5, "share", start=1))
ACTIONS = (
    action("inject", "solvency_below", "capital_injection", 1.3, "ratio", threshold=1.2,
           duration=1),
    action("tariff", "loss_ratio_above", "tariff_change", 0.05, threshold=0.8, lag=1,
           kind="health"),
    action("quota", "combined_ratio_above", "reinsurance_share", 0.2, threshold=1.0,
           duration=2),
    action("cut", "surplus_below", "expense_cut", 0.1, threshold=1e6, duration=3),
    action("cap", "always", "benefit_cap", 0.9, lag=2, duration=2),
    action("grant", "liquidity_below", "grant_injection", 100.0, "amount", threshold=100.0,
           duration=1),
    action("stop", "always", "new_business_stop", 0.5, lag=1, kind="credit_life", once=True),
)


# ---------------------------------------------------------------------------------------------
# the close as period 0


def test_zero_periods_is_the_base():
    b = rich_base()
    res = run(b, periods=0)
    assert res.values.shape == (1, 4, 1, len(ITEMS))
    n = 3

    def col(x):
        """Products, then ALL = the sum of every column (products and no product)."""
        x = np.asarray(x, float)
        return np.append(x[:n], x.sum())

    liab = b.upr + b.ibnr + b.ocs + b.alr + b.other
    expected = {
        "B01": b.admitted, "B14": b.upr, "B17": b.ibnr, "B20": b.ocs, "B23": b.alr,
        "B02": b.admitted * b.cash_share, "B03": b.admitted * b.convertible_share,
        "B05": b.non_admitted_other, "B21": b.other * b.other_split[0],
        "B25": b.other * b.other_split[1], "B29": b.other * b.other_split[2],
        "liabilities": liab, "surplus": b.admitted - liab,
        "capital": b.admitted + b.non_admitted_other - liab,
        **{c: b.close_flows[c] for c in CLOSE_CODES},
    }
    for name, x in expected.items():
        close(res.values[0, :, 0, IX[name]], col(x))
    # the figures are not all zero: the test can tell the items apart
    assert res.values[0, 3, 0, IX["capital"]] != 0
    close(res.values[0, :, 0, IX["solvency_ratio"]], col(b.admitted) / col(liab))


def test_zero_periods_close_flows_every_code():
    """Each P code of period 0 is the close's own (a distinct figure per code and column)."""
    flows = {c: np.arange(4.0) * 10 + k + 1 for k, c in enumerate(CLOSE_CODES)}
    b = hand_plan_base(products=("A", "B", "C"), close_flows=flows)
    v = run(b, periods=0).values
    for c, x in flows.items():
        close(v[0, :, 0, IX[c]], np.append(x[:3], x.sum()))


# ---------------------------------------------------------------------------------------------
# identities of every period


@pytest.fixture(scope="module", params=[3, 12], ids=["quarterly", "yearly"])
def rich_run(request):
    pm = request.param
    return run(rich_base(), [BASE, ADVERSE, STRESSED], ACTIONS, period_months=pm,
               periods=36 // pm)


def test_identities_every_period(rich_run):
    v = rich_run.values

    def it(k):
        return v[:, :, :, IX[k]]

    p = slice(1, None)  # the projected periods
    close(it("P02")[..., p], (it("P03") - it("P04"))[..., p])
    close(it("P05")[..., p], it("P08")[..., p])
    close(it("P11")[..., p], (it("P12") + it("P13") + it("P14") + it("P15"))[..., p])
    close(it("P16")[..., p], (it("P18") + it("P19") + it("P21"))[..., p])
    close(it("P28")[..., p], (it("P02") + it("P05") - it("P11") - it("P16"))[..., p])
    close(it("P37")[..., p], (it("P28") + it("P35"))[..., p])
    close(it("B01"), it("B02") + it("B03") + it("B04"))
    close(it("liabilities"), it("B14") + it("B17") + it("B20") + it("B21") + it("B23")
          + it("B25") + it("B29"))
    close(it("capital"), it("B01") + it("B05") - it("liabilities"))
    close(it("surplus"), it("B01") - it("liabilities"))
    # every reserve rolls forward: opening + the period's change = closing
    for bal, flow in (("B14", "P04"), ("B17", "P13"), ("B20", "P14"), ("B23", "P15")):
        close(it(bal)[..., 1:], it(bal)[..., :-1] + it(flow)[..., 1:])
    # the capital moves by the period's result and the capital paid in, nothing else
    close(it("capital")[..., 1:], it("capital")[..., :-1] + it("P37")[..., 1:]
          + it("injections")[..., 1:])
    # ALL is the sum of the columns for a flow; the ratios are those of the figures
    close(it("solvency_ratio"), it("B01") / it("liabilities"))
    with np.errstate(divide="ignore", invalid="ignore"):
        close(it("incurred_claims_ratio")[..., p], (it("P11") / it("P02"))[..., p])


def test_identities_are_not_vacuous(rich_run):
    """The run the identities are checked on has every ingredient at work."""
    v = rich_run.values
    base, adverse, stressed = v
    assert not np.allclose(adverse[:, 1:, IX["P11"]], base[:, 1:, IX["P11"]])
    assert (v[:, :, 1:, IX["injections"]] > 0).any()
    assert (v[:, 0, 1:, IX["P21"]] != 0).any()  # ceded premium and recoveries
    assert (v[:, 2, 1:, IX["P15"]] != 0).any()  # the ALR moves
    assert (v[:, :, 1:, IX["P08"]] < 0).any()  # an asset loss outweighs a period's income
    assert {e[1] for e in rich_run.events} >= {"inject", "cap", "stop"}
    assert np.isfinite(v[:, :, :, IX["capital"]]).all()


# ---------------------------------------------------------------------------------------------
# a programme worked by hand


def hand_programme(months, *, nb, term, lr, settle, er, cr, rho, report=(1.0,), kept=None):
    """Month by month, cohort by cohort, with no lapse and no business in force.

    Written in month m: ``W_m = nb + rho W_(m - term)`` (the cohort written ``term`` months
    before expires into month m with its whole premium, no lapse, and ``rho`` of it renews).
    A cohort written in month j earns ``W_j / term`` in each of the months j .. j + term - 1
    (the month it is written included); its unearned premium at the end of month m is
    ``W_j (term - (m - j + 1)) / term``: after writing 1,000 a month for 12-month terms the UPR
    at the end of month k < 12 is 1000 (11 + 10 + ... + (11 - k)) / 12, 5,500 from month 11 on.
    Claims occur at ``lr`` x the earned premium (x ``kept[j]`` for the cohort written in month
    j), are reported by ``report`` and paid by ``settle`` (lag 0 = the month they occur): the
    IBNR is what occurred and is not yet reported, the OCS what is reported and not yet paid.
    Expenses ``er`` x earned, commission ``cr`` x written when written. The pot (yield 0) takes
    premiums and pays commissions, claims and expenses."""
    kept = [1.0] * months if kept is None else kept
    written, earned, upr, occ, rep, paid, ocs, ibnr, exp, comm, expiring, assets = (
        [0.0] * months for _ in range(12))
    pot = 0.0
    for m in range(months):
        expiring[m] = written[m - term] if m >= term else 0.0
        written[m] = nb + rho * expiring[m]
        live = range(max(0, m - term + 1), m + 1)  # cohorts earning in month m
        earned[m] = sum(written[j] / term for j in live)
        upr[m] = sum(written[j] * (term - (m - j + 1)) / term for j in live)
        occ[m] = sum(lr * kept[j] * written[j] / term for j in live)
        rep[m] = sum(report[lag] * occ[m - lag] for lag in range(len(report)) if m >= lag)
        paid[m] = sum(settle[lag] * occ[m - lag] for lag in range(len(settle)) if m >= lag)
        ibnr[m] = sum(occ[:m + 1]) - sum(rep[:m + 1])
        ocs[m] = sum(rep[:m + 1]) - sum(paid[:m + 1])
        exp[m] = er * earned[m]
        comm[m] = cr * written[m]
        pot += written[m] - comm[m] - paid[m] - exp[m]
        assets[m] = pot
    return {"written": written, "earned": earned, "upr": upr, "occ": occ, "paid": paid,
            "ocs": ocs, "ibnr": ibnr, "exp": exp, "comm": comm, "expiring": expiring,
            "assets": assets}


def by_quarter(monthly, periods, *, flow):
    """[period 1 .. T]: sums of the quarter's months (flow) or the quarter's last month."""
    q = np.asarray(monthly, float)[:periods * 3].reshape(periods, 3)
    return q.sum(1) if flow else q[:, -1]


PROGRAMME = {"nb_month": 1000.0, "term": 12, "loss_ratio": 0.6, "settlement": (0.5, 0.5),
             "reporting": (1.0,), "expense_ratio": 0.1, "commission_rate": 0.05,
             "lapse_rate": 0.0}


@pytest.mark.parametrize("settle, report", [((0.5, 0.5), (1.0,)),
                                            ((0.2, 0.5, 0.3), (0.6, 0.4))])
def test_hand_programme_two_years_quarterly(settle, report):
    rho, y_other, other0 = 0.5, 0.05, 5000.0
    b = hand_plan_base(**{**PROGRAMME, "settlement": settle, "reporting": report},
                       renewal_rate=rho, admitted=(0.0, other0), yields=(0.0, y_other))
    T = 8
    res = run(b, periods=T)
    h = hand_programme(T * 3, nb=1000.0, term=12, lr=0.6, settle=settle, er=0.1, cr=0.05,
                       rho=rho, report=report)

    def flow(k):
        return by_quarter(h[k], T, flow=True)

    def end(k):
        return by_quarter(h[k], T, flow=False)

    upr0 = np.append(0.0, end("upr"))
    ocs0 = np.append(0.0, end("ocs"))
    ibnr0 = np.append(0.0, end("ibnr"))
    p11 = flow("paid") + np.diff(ocs0) + np.diff(ibnr0)  # no ALR
    p16 = flow("exp") + flow("comm")
    expected = {
        "P03": flow("written"), "P04": np.diff(upr0), "P02": flow("earned"),
        "B14": end("upr"), "claims_occurred": flow("occ"), "P12": flow("paid"),
        "B20": end("ocs"), "B17": end("ibnr"), "P13": np.diff(ibnr0), "P14": np.diff(ocs0),
        "P11": p11, "P18": flow("exp"), "P19": flow("comm"), "P21": np.zeros(T),
        "P16": p16, "P08": np.zeros(T), "P28": flow("earned") - p11 - p16,
        "B01": end("assets"),
        "capital": end("assets") - end("upr") - end("ocs") - end("ibnr"),
        "expiring_premium": flow("expiring"),
        "renewed_premium": rho * flow("expiring"),
    }
    v = res.values[0]
    for name, x in expected.items():
        close(v[0, 1:, IX[name]], x)
    # the earned premium is the written less the change of the UPR, worked two ways
    close(flow("earned"), flow("written") - np.diff(upr0))
    # the column of no product: 5,000 at 5% a year, compounded monthly, nothing else
    t = np.arange(1, T + 1)
    pot = other0 * (1 + y_other) ** (3 * t / 12)
    close(v[1, 1:, IX["B01"]], end("assets") + pot)
    close(v[1, 1:, IX["P08"]], np.diff(np.append(other0, pot)))
    close(v[1, 1:, IX["capital"]], end("assets") - end("upr") - end("ocs") - end("ibnr") + pot)
    # a sanity check on the hand figures themselves: 1,000 a month, 12-month terms
    assert h["upr"][11] == pytest.approx(5500.0)
    assert h["written"][12] == pytest.approx(1500.0)


# ---------------------------------------------------------------------------------------------
# metamorphic relations


def test_doubling_new_business_doubles_its_effect():
    """Linear business and a zero yield: the run's excess over the run without new business
    doubles when the new business doubles (in force, renewals, lapses and shocks alike)."""
    z = (0.0, 0.0, 0.0, 0.0)
    sc = [BASE, scenario("freq", shock("claims_frequency", 1.4, "multiplier", start=5)),
          scenario("lapse", shock("mass_lapse", 0.3, "share", start=4))]
    r0 = run(rich_base(yields=z, nb=(0.0, 0.0, 0.0)), sc, periods=12).values
    r1 = run(rich_base(yields=z, nb=(500.0, 200.0, 0.0)), sc, periods=12).values
    r2 = run(rich_base(yields=z, nb=(1000.0, 400.0, 0.0)), sc, periods=12).values
    for k in ("P03", "P02", "P11", "P18", "P19", "claims_occurred", "B14"):
        d1 = r1[..., IX[k]] - r0[..., IX[k]]
        d2 = r2[..., IX[k]] - r0[..., IX[k]]
        assert np.abs(d1[:, :2, 1:]).min() > 0, k  # new business changes every period
        close(d2, 2 * d1)


def test_unit_claims_frequency_is_the_base():
    b = rich_base()
    res = run(b, [BASE, scenario("one", shock("claims_frequency", 1.0, "multiplier"))],
              ACTIONS, periods=12)
    np.testing.assert_array_equal(res.values[1], res.values[0])
    ev = {sid: sorted(e[1:] for e in res.events if e[0] == sid) for sid in ("base", "one")}
    assert ev["base"] == ev["one"]


def test_action_that_never_triggers_changes_nothing():
    b = rich_base()
    plain = run(b, [BASE, ADVERSE], periods=12)
    never = (action("never", "solvency_below", "capital_injection", 1e6, "amount",
                     threshold=0.0),
             action("never2", "solvency_below", "tariff_change", 0.5, threshold=0.0))
    res = run(b, [BASE, ADVERSE], never, periods=12)
    assert (plain.values[:, :, :, IX["B01"]] > 0).all()  # no negative ratio can hold
    np.testing.assert_array_equal(res.values, plain.values)
    assert res.events == ()


def test_scenario_order_and_chunks_do_not_matter():
    b = rich_base()
    scs = [BASE, ADVERSE, STRESSED, scenario("freq", shock("claims_frequency", 1.5,
                                                           "multiplier"))]
    one = run(b, scs, ACTIONS, periods=12, chunk_scenarios=10)
    back = run(b, scs[::-1], ACTIONS, periods=12, chunk_scenarios=1)
    assert back.scenario_ids == tuple(s.scenario_id for s in scs[::-1])
    for i, sid in enumerate(one.scenario_ids):
        j = back.scenario_ids.index(sid)
        np.testing.assert_allclose(back.values[j], one.values[i], rtol=1e-13, atol=1e-9)
        assert (sorted(e for e in back.events if e[0] == sid)
                == sorted(e for e in one.events if e[0] == sid))
    # the scenarios differ, so a mix-up would be seen
    assert not np.allclose(one.values[1], one.values[2], equal_nan=True)


# ---------------------------------------------------------------------------------------------
# shocks


def test_claims_frequency_hits_only_its_months():
    """x1.3 in months 13 .. 24 = quarters 5 .. 8 of new business settled in the month."""
    b = hand_plan_base(**{**PROGRAMME, "settlement": (1.0,)})
    sc = [BASE, scenario("f", shock("claims_frequency", 1.3, "multiplier", start=13,
                                    duration=12))]
    v = run(b, sc, periods=12).values
    occ = v[:, 0, 1:, IX["claims_occurred"]]
    paid = v[:, 0, 1:, IX["P12"]]
    inside = np.isin(np.arange(1, 13), [5, 6, 7, 8])
    assert (occ[0] > 0).all()
    close(occ[1][~inside], occ[0][~inside])
    close(occ[1][inside], 1.3 * occ[0][inside])
    close(paid[1], np.where(inside, 1.3, 1.0) * paid[0])  # lag 0: paid as they occur
    for k in ("P03", "P02", "B14", "P18", "P19"):  # the premium and expenses stay
        close(v[1, 0, :, IX[k]], v[0, 0, :, IX[k]])


@pytest.mark.parametrize("refund", [1.0, 0.5])
def test_mass_lapse_cuts_the_upr(refund):
    """40% of the policies in force lapse at month 1: their unearned premium (UPR 1,200,
    earned 100 a month) is refunded at ``refund`` (a negative written premium), the rest
    earned at once; the UPR left is 60% of the base's at every period's end."""
    m = np.arange(48)
    b = hand_plan_base(upr=(1200.0, 0.0), earned=np.where(m < 12, 100.0, 0.0),
                       refund_factor=refund, admitted=(2000.0, 0.0),
                       expiring=np.where(m == 4, 600.0, 0.0), renewal_rate=0.5)
    sc = [BASE, scenario("lapse", shock("mass_lapse", 0.4, "share", start=1))]
    v = run(b, sc, periods=6).values
    # the policies expiring in month 5 are 60% of the base's, and renew at 50%
    close(v[:, 0, 2, IX["expiring_premium"]], [600.0, 360.0])
    close(v[:, 0, 2, IX["renewed_premium"]], [300.0, 180.0])
    close(v[:, 0, 2, IX["P03"]], [300.0, 180.0])
    upr_base, upr_lapse = v[0, 0, 1:, IX["B14"]], v[1, 0, 1:, IX["B14"]]
    # base: the in-force's 1,200 less 300 a quarter, plus the 300 renewed in month 5 (index
    # 4) less 25 a month from then: 900, 600 + 300 - 50, 300 + 300 - 125
    close(upr_base[:3], [900.0, 850.0, 475.0])
    close(upr_lapse, 0.6 * upr_base)
    # the refund: refund x 40% of the UPR at the shock, paid out of the assets
    close(v[1, 0, 1, IX["P03"]], -refund * 0.4 * 1200.0)
    close(v[0, 0, 1, IX["P03"]], 0.0)
    # earned: 60% of the base's 300, plus the lapsed premium not refunded
    close(v[1, 0, 1, IX["P02"]], 0.6 * 300.0 + (1 - refund) * 480.0)
    close(v[1, 0, 1, IX["B01"]], 2000.0 - refund * 480.0)


# ---------------------------------------------------------------------------------------------
# management actions


def test_tariff_change_always_lag_0():
    b = hand_plan_base(**PROGRAMME)
    act = action("up", "always", "tariff_change", 0.10)
    res = run(b, [BASE], [act], periods=8)
    ref = run(b, [BASE], periods=8).values[0, 0]
    v = res.values[0, 0]
    close(ref[1:, IX["P03"]], 3000.0)
    close(v[1:, IX["P03"]], 1.1 * ref[1:, IX["P03"]])
    close(v[:, IX["claims_occurred"]], ref[:, IX["claims_occurred"]])
    close(v[1:, IX["P02"]], 1.1 * ref[1:, IX["P02"]])  # earned follows the written premium
    assert res.events == (("base", "up", "ALL", 0, 1, 8, 0.0),)


@pytest.mark.parametrize("once, periods", [(False, [2, 4, 6, 8]), (True, [2])])
def test_tariff_change_lag_and_duration(once, periods):
    """``always``, lag 1, duration 1: applies in period 2; not once, it fires again at the end
    of its last period of application, so every L + D = 2 periods."""
    b = hand_plan_base(**PROGRAMME)
    act = action("up", "always", "tariff_change", 0.10, lag=1, duration=1, once=once)
    v = run(b, [BASE], [act], periods=8).values[0, 0]
    factor = np.where(np.isin(np.arange(1, 9), periods), 1.1, 1.0)
    close(v[1:, IX["P03"]], 3000.0 * factor)


def test_capital_injection_by_ratio():
    """solvency_below 1.5 -> capital_injection to a ratio of 1.5 in the next period (duration 1,
    armed again): ``C_a = max(0, 1.5 L_(a-1) - B01_(a-1))``, on the programme's figures."""
    b = hand_plan_base(**{**PROGRAMME, "loss_ratio": 1.3}, admitted=(1000.0, 200.0),
                       upr=(800.0, 0.0))
    act = action("cap", "solvency_below", "capital_injection", 1.5, "ratio", threshold=1.5,
                 duration=1)
    res = run(b, [BASE], [act], periods=8)
    v = res.values[0, 1]  # ALL
    inj = v[:, IX["injections"]]
    seen = 0
    for a in range(1, 9):
        b01, liab = v[a - 1, IX["B01"]], v[a - 1, IX["liabilities"]]
        want = max(0.0, 1.5 * liab - b01) if b01 / liab < 1.5 else 0.0
        assert inj[a] == pytest.approx(want, rel=1e-12, abs=1e-9)
        if want > 0:
            seen += 1
            assert (b01 + inj[a]) / liab == pytest.approx(1.5)
            ev = [e for e in res.events if e[1] == "cap" and e[4] == a and e[6] > 0]
            assert len(ev) == 1 and ev[0][6] == pytest.approx(want, rel=1e-12)
    assert seen >= 3
    assert sum(e[6] for e in res.events) == pytest.approx(inj[1:].sum())
    # ALL: paid into the column of no product, none into the product's
    close(res.values[0, 0, :, IX["injections"]], 0.0)


def test_two_ratio_injections_in_one_period_add_up_to_one():
    """The second injection is measured after the first of the same period (file order)."""
    b = hand_plan_base(admitted=(1000.0, 0.0), upr=(1000.0, 0.0))
    acts = [action(k, "solvency_below", "capital_injection", 1.5, "ratio", threshold=1.5,
                   duration=1, once=True) for k in ("a", "b")]
    v = run(b, [BASE], acts, periods=2).values[0, 1]
    # end of period 0: B01 1,000, L 1,000 -> 500 in period 1, once
    close(v[1:, IX["injections"]], [500.0, 0.0])


def test_injection_of_a_kind_split_by_liabilities():
    b = hand_plan_base(products=("H1", "H2", "C1"), kinds=("health", "health", "credit_life"),
                       upr=(300.0, 100.0, 500.0, 0.0), admitted=1000.0)
    act = action("inj", "always", "capital_injection", 600.0, "amount", kind="health",
                 duration=1, once=True)
    v = run(b, [BASE], [act], periods=2).values[0]
    # liabilities at the end of period 0: 300 and 100 of 400 -> 450 and 150; nothing to the
    # credit-life product; ALL the 600 (columns H1, H2, C1, ALL)
    close(v[:, 1, IX["injections"]], [450.0, 150.0, 0.0, 600.0])
    close(v[:, 2, IX["injections"]], 0.0)
    close(v[:, 1, IX["B01"]] - v[:, 0, IX["B01"]], [450.0, 150.0, 0.0, 600.0])


@pytest.mark.parametrize("months, once, applied, fired", [
    # frequency x2 from month 4: the loss ratio is 1.2 > 1 in every quarter from the 2nd; two
    # consecutive quarters (2, 3) fire at the end of 3; re-armed at the end of 4 (its only
    # period), the count starts again at 4: (4, 5) fire at 5, (6, 7) at 7
    ((4, None), False, [4, 6, 8], [3, 5, 7]),
    # above 1 in quarter 2 alone, then in quarters 4 and 5: only (4, 5) are consecutive
    ((4, 3), True, [6], [5]),
])
def test_trigger_needs_consecutive_periods(months, once, applied, fired):
    b = hand_plan_base(**PROGRAMME)
    start, duration = months
    shocks = [shock("claims_frequency", 2.0, "multiplier", start=start, duration=duration)]
    if duration is not None:
        shocks.append(shock("claims_frequency", 2.0, "multiplier", start=10, duration=6))
    act = action("up", "loss_ratio_above", "tariff_change", 0.10, threshold=1.0, periods=2,
                 duration=1, once=once)
    res = run(b, [scenario("s", *shocks)], [act], periods=8)
    v = res.values[0, 0]
    factor = np.where(np.isin(np.arange(1, 9), applied), 1.1, 1.0)
    close(v[1:, IX["P03"]], 3000.0 * factor)
    assert [e[3] for e in res.events] == fired
    assert [(e[4], e[5]) for e in res.events] == [(a, a) for a in applied]


def test_benefit_cap_only_the_business_written_while_it_applies():
    """``always``, lag 1, duration 1, once: the cohorts written in quarter 2 (months 3 .. 5)
    keep half their claims over their whole 12-month term; the others keep all of theirs."""
    b = hand_plan_base(**PROGRAMME)
    act = action("cap", "always", "benefit_cap", 0.5, lag=1, duration=1, once=True)
    T = 8
    v = run(b, [BASE], [act], periods=T).values[0, 0]
    kept = [0.5 if 3 <= j <= 5 else 1.0 for j in range(T * 3)]
    h = hand_programme(T * 3, nb=1000.0, term=12, lr=0.6, settle=(0.5, 0.5), er=0.1, cr=0.05,
                       rho=0.0, kept=kept)
    close(v[1:, IX["claims_occurred"]], by_quarter(h["occ"], T, flow=True))
    close(v[1:, IX["P12"]], by_quarter(h["paid"], T, flow=True))
    close(v[1:, IX["P03"]], 3000.0)


def test_quota_share_cedes_earned_and_recovers_occurred():
    """Plan's 30% quota share, +20% by a ``reinsurance_share`` action in quarter 3 only (lag 2,
    duration 1, once): P21 = q (P02 - claims occurred) with the share of the month the premium is
    earned and the claims occur; the recoverable (B04, all other assets cash) is q of the
    claims occurred and not yet paid, q fixed when they occur, received after the action's
    end."""
    m = np.arange(48)
    first12 = m < 12
    b = hand_plan_base(**PROGRAMME, ceded_share=0.3, cash_share=1.0, admitted=(5000.0, 0.0),
                       earned=np.where(first12, 100.0, 0.0), refunds=np.where(first12, 10.0, 0),
                       upr=(1320.0, 0.0), occurred=np.where(first12, 60.0, 0.0))
    act = action("qs", "always", "reinsurance_share", 0.2, lag=2, duration=1, once=True)
    v = run(b, [BASE], [act], periods=6).values[0, 0]
    q = np.array([0.3, 0.3, 0.5, 0.3, 0.3, 0.3])
    p02, occ = v[1:, IX["P02"]], v[1:, IX["claims_occurred"]]
    # the earned premium is the in-force's 300 a quarter (refunds not earned) and the cohorts'
    close(p02[:4] - by_quarter(hand_programme(12, nb=1000.0, term=12, lr=0.6,
                                              settle=(0.5, 0.5), er=0.1, cr=0.05,
                                              rho=0.0)["earned"], 4, flow=True), 300.0)
    close(v[1:, IX["P21"]], q * (p02 - occ))
    close(v[1:, IX["B04"]], q * v[1:, IX["B20"]])
    assert (v[1:, IX["B04"]] > 0).all()


@pytest.mark.parametrize("k", [1.0, 2.0, 3.0, 10.0])
def test_lapse_rate_multiplier_on_renewals(k):
    """``rho' = clip(1 - k (1 - rho), 0, 1)``: 0.8, 0.6, 0.4 and 0 of the premium expiring."""
    b = hand_plan_base(expiring=np.where(np.arange(48) < 12, 100.0, 0.0), renewal_rate=0.8)
    sc = scenario("k", shock("lapse_rate", k, "multiplier"))
    v = run(b, [sc], periods=4).values[0, 0]
    rho = min(max(1.0 - k * 0.2, 0.0), 1.0)
    close(v[1:, IX["expiring_premium"]], 300.0)
    close(v[1:, IX["renewed_premium"]], rho * 300.0)
    close(v[1:, IX["P03"]], rho * 300.0)
    if rho > 0:
        close(v[1:, IX["renewal_ratio"]], rho)


def test_new_business_growth_fixed_plan_and_inflation():
    """``B^N_m = nu P0 (1 + g)^(m / 12)`` plus new_business.csv's 200 a month in the first 5
    months; fixed expenses ``phi X0 (1 + infl)^(m / 12)`` (30 a month), month m = 0 .. 11."""
    g, infl = 0.10, 0.12
    plan = np.zeros((1, 48))
    plan[0, :5] = 200.0
    b = hand_plan_base(nb_month=1000.0, growth_rate=g, nb_fixed=plan,
                       fixed_month=(30.0, 0.0), expense_ratio=0.0, loss_ratio=0.0)
    v = run(b, [BASE], periods=4, expense_inflation=infl).values[0, 0]
    written = [1000.0 * (1 + g) ** (m / 12) + (200.0 if m < 5 else 0.0) for m in range(12)]
    fixed = [30.0 * (1 + infl) ** (m / 12) for m in range(12)]
    close(v[1:, IX["P03"]], by_quarter(written, 4, flow=True))
    close(v[1:, IX["P18"]], by_quarter(fixed, 4, flow=True))


def test_expense_cut_and_new_business_stop():
    """In quarter 2 only (``always``, lag 1, duration 1, once): expenses x 0.75, commissions
    kept; the new business stopped, the renewals of the business in force kept."""
    m = np.arange(48)
    b = hand_plan_base(**PROGRAMME, fixed_month=(30.0, 0.0),
                       expiring=np.where(m < 12, 600.0, 0.0), renewal_rate=0.5)
    acts = [action("cut", "always", "expense_cut", 0.25, lag=1, duration=1, once=True),
            action("stop", "always", "new_business_stop", 1.0, lag=1, duration=1, once=True)]
    ref = run(b, [BASE], periods=4).values[0, 0]
    v = run(b, [BASE], acts, periods=4).values[0, 0]
    close(ref[1:, IX["P03"]], 3000.0 + 900.0)
    close(v[1:, IX["P03"]], [3900.0, 900.0, 3900.0, 3900.0])
    close(v[1:, IX["renewed_premium"]], 900.0)
    # the period's expenses: fixed 90 and variable 10% of the earned premium, cut in quarter 2;
    # the commissions: 5% of what is written
    p02 = v[1:, IX["P02"]]
    close(v[1:, IX["P18"]], (90.0 + 0.1 * p02) * np.array([1.0, 0.75, 1.0, 1.0]))
    close(v[1:, IX["P19"]], 0.05 * v[1:, IX["P03"]])


@pytest.mark.parametrize("width, grid", [(1, 48), (5, 48), (30, 12)])
def test_new_business_plan_premium_only_in_its_first_months(width, grid):
    """plan_base: ``nb_fixed`` [product, month] new_business.csv's monthly premium in its first
    ``months`` months; plan.py: "plus new_business.csv's monthly_premium in its first
    ``months`` months" (built as plan_base builds it: as wide as the longest ``months``; the
    grid of the business in force, ``grid`` months, has nothing to do with it)."""
    b = hand_plan_base(months=grid, nb_fixed=np.full((1, width), 200.0), loss_ratio=0.0,
                       expense_ratio=0.0)
    v = run(b, [BASE], periods=8).values[0, 0]
    written = [200.0 if m < width else 0.0 for m in range(24)]
    close(v[1:, IX["P03"]], by_quarter(written, 8, flow=True))


def test_new_business_sales_take_their_own_term_and_commission():
    """new_business.csv's sales: written for its term_months with its commission_rate (here 6
    months and 20%), beside the plan's stream (12 months, 5%): 600 sold in month 0 earns 100 a
    month in months 0 .. 5, its commission 120 is paid at once, and it expires into month 6."""
    b = hand_plan_base(nb_fixed=np.full((1, 1), 600.0), nb_term=6, nb_commission=0.2,
                       commission_rate=0.05, loss_ratio=0.0, expense_ratio=0.0,
                       renewal_rate=1.0)
    v = run(b, [BASE], periods=4).values[0, 0]
    close(v[1, IX["P19"]], 120.0)
    # quarter 1 earns 300, quarter 2 300; the renewal at plan.csv's 12-month term in month 6
    # (600 written, commission 5%) earns 50 a month from month 6
    close(v[1:, IX["P02"]], [300.0, 300.0, 150.0, 150.0])
    close(v[3, IX["P03"]], 600.0)
    close(v[3, IX["P19"]], 30.0)


def test_liquidity_outflows_by_hand():
    """The 3-month outflows of the position at a period's end (months t dm .. t dm + 2): claims
    already occurred and paid in the window, claims the business in force (the grid's and the
    cohorts written) will have there and pay there, its expenses, commissions and refunds, the
    close's OCS and IBNR run-off, other liabilities and the fixed expenses; no new business."""
    m = np.arange(48)
    f12 = m < 12
    b = hand_plan_base(
        nb_month=1000.0, settlement=(0.5, 0.5), earned=np.where(f12, 100.0, 0.0),
        refunds=np.where(f12, 5.0, 0.0), upr=(1260.0, 0.0), occurred=np.where(f12, 60.0, 0.0),
        expenses=np.where(f12, 10.0, 0.0), commissions=np.where(f12, 2.0, 0.0),
        ocs=(80.0, 0.0), ocs_paid=np.where(m < 2, 40.0, 0.0), ibnr=(30.0, 0.0),
        ibnr_paid=np.where(m == 3, 30.0, 0.0), other=(0.0, 240.0),
        other_paid=np.vstack([np.zeros(48), np.where(f12, 20.0, 0.0)]),
        fixed_month=(15.0, 5.0), admitted=(5000.0, 1000.0), liquid_share=(0.4, 1.0))
    v = run(b, [BASE], periods=2).values[0]
    # t = 0, product: the grid's claims 60 a month paid half at once, half a month later: 60 +
    # 60 + 30 in the window; expenses, commissions, refunds 3 x 17; OCS 80; fixed 45.
    # No product: other liabilities 60, fixed 15
    p0, n0 = 150.0 + 51.0 + 80.0 + 45.0, 60.0 + 15.0
    close(v[:, 0, IX["short_outflows"]], [p0, p0 + n0])
    close(v[:, 0, IX["liquid"]], [0.4 * 5000.0, 0.4 * 5000.0 + 1000.0])
    close(v[:, 0, IX["liquidity_ratio"]], [2000.0 / p0, 3000.0 / (p0 + n0)])
    # t = 1 (months 3 .. 5): month 2's claims (60 + 3 cohorts x 50) half paid in month 3:
    # 105; 210 a month occurring in months 3 .. 5, paid 210 + 210 + 105; the grid's 51; the
    # cohorts' expenses 3 x 25; the IBNR's 30 in month 3; fixed 45
    p1 = 105.0 + 525.0 + 51.0 + 75.0 + 30.0 + 45.0
    close(v[:, 1, IX["short_outflows"]], [p1, p1 + n0])
    b01p, b01 = v[0, 1, IX["B01"]], v[1, 1, IX["B01"]]
    close(v[:, 1, IX["liquid"]], [0.4 * b01p, 0.4 * b01p + (b01 - b01p)])


@pytest.mark.parametrize("period_months", [3, 12])
def test_a_longer_projection_starts_as_the_shorter_one(period_months):
    """Projecting further changes no earlier period: the first periods of an 8-period
    projection equal a 1- and a 2-period projection's, item for item (the in-force UPR is
    released by what remains of the grid's earned premium over the whole grid, not over the
    months projected)."""
    m = np.arange(48)
    b = hand_plan_base(
        products=("P1", "P2"), kinds=("health", "credit_life"), nb_month=(500.0, 200.0),
        renewal_rate=(0.6, 0.0), expiring=np.where(m < 12, 300.0, 0.0),
        earned=np.where(m < 30, 100.0 - 3 * m.clip(0, 30), 0.0), upr=(2400.0, 900.0, 0.0),
        refunds=np.where(m < 20, 4.0, 0.0), occurred=np.where(m < 30, 50.0, 0.0),
        settlement=(0.4, 0.4, 0.2), reporting=(0.7, 0.3), admitted=(8000.0, 2000.0, 500.0),
        yields=(0.06, 0.05, 0.04), fixed_month=(20.0, 5.0, 3.0), lapse_rate=(0.1, 0.2),
        refund_factor=(0.5, 1.0))
    sc = scenario("adverse", shock("claims_frequency", 1.2, "multiplier", start=2),
                  shock("mass_lapse", 0.2, "share", start=4))
    long = run(b, [BASE, sc], period_months=period_months, periods=8).values
    for k in (1, 2):
        short = run(b, [BASE, sc], period_months=period_months, periods=k).values
        np.testing.assert_allclose(short, long[:, :, :k + 1], rtol=1e-12, atol=1e-9)


# --- findings of a review, each a test that failed before its fix ---------------------------


def test_a_catastrophe_with_a_duration_is_its_amount_spread_not_repeated():
    """catastrophe_claims 600 over months 1 .. 6 (step): 100 a month, 600 in all (as the
    stress check spreads it), not 600 a month."""
    b = hand_plan_base(loss_ratio=0.0)
    sc = scenario("cat", shock("catastrophe_claims", 600.0, "amount", start=1, duration=6))
    v = run(b, [BASE, sc], periods=4).values
    close(v[1, 0, 1:, IX["claims_occurred"]], [300.0, 300.0, 0.0, 0.0])


def test_a_programme_wide_expense_multiplier_scales_the_overheads_of_no_product():
    b = hand_plan_base(fixed_month=(10.0, 30.0), expense_ratio=0.0)
    sc = scenario("x2", shock("expenses", 2.0, "multiplier"))
    v = run(b, [sc], periods=1).values[0]
    close(v[0, 1, IX["P18"]], 60.0)
    close(v[1, 1, IX["P18"]], 240.0)  # ALL: (10 + 30) x 3 months x 2


def test_a_rate_shift_moves_only_the_yield_of_the_assets_it_hits():
    """Two products each holding cash: a +1,200 bp shift on the health kind's assets raises
    the health column's income only; on a class held nowhere it changes nothing."""
    b = hand_plan_base(products=("H", "C"), kinds=("health", "credit_life"),
                       admitted=(1000.0, 1000.0, 0.0), group_column=np.array([0, 1]),
                       group_admitted=np.array([1000.0, 1000.0]),
                       group_kind=("health", "credit_life"), group_class=("cash", "cash"),
                       group_counterparty=("", ""), group_duration=np.zeros(2),
                       group_convexity=np.zeros(2), loss_ratio=0.0, expense_ratio=0.0)
    base = run(b, [BASE], periods=1).values[0]
    up = run(b, [scenario("up", shock("rate_shift", 1200.0, "bp", kind="health"))],
             periods=1).values[0]
    nowhere = run(b, [scenario("gb", shock("rate_shift", 1200.0, "bp",
                                           asset_class="government_bond"))],
                  periods=1).values[0]
    assert up[0, 1, IX["P08"]] > base[0, 1, IX["P08"]] + 25.0
    close(up[1, 1, IX["P08"]], base[1, 1, IX["P08"]])
    np.testing.assert_array_equal(nowhere, base)


def test_an_asset_shock_on_a_pot_in_debt_is_no_gain():
    b = hand_plan_base(admitted=(100.0, 0.0), fixed_month=(500.0, 0.0), loss_ratio=0.0,
                       expense_ratio=0.0, group_column=np.array([0]),
                       group_admitted=np.array([100.0]), group_kind=("health",),
                       group_class=("equity",), group_counterparty=("",),
                       group_duration=np.zeros(1), group_convexity=np.zeros(1))
    base = run(b, [BASE], periods=2).values[0, 0]
    hit = run(b, [scenario("h", shock("asset_haircut", 0.5, "share", start=4))],
              periods=2).values[0, 0]
    assert base[1, IX["B01"]] < 0
    np.testing.assert_allclose(hit[2, IX["P08"]], base[2, IX["P08"]], atol=1e-9)


def test_after_a_reinsurer_default_no_recoverable_is_booked_on_later_claims():
    """Half of every claim ceded, paid two months after it occurs; the reinsurer defaults in
    month 4 (share 1): its recoverable is written off then and none is booked after, so the
    admitted assets hold no recoverable and the ceded claims cost the programme."""
    b = hand_plan_base(nb_month=1000.0, ceded_share=0.5, settlement=(0.0, 0.0, 1.0),
                       reporting=(1.0,), cash_share=1.0, lapse_rate=0.0)
    sc = scenario("d", shock("reinsurer_default", 1.0, "share", start=4))
    v = run(b, [BASE, sc], periods=8).values
    rec = v[:, 0, :, IX["B01"]] - v[:, 0, :, IX["B02"]] - v[:, 0, :, IX["B03"]]
    assert rec[0, 2] > 0  # the base holds a recoverable
    np.testing.assert_allclose(rec[1, 2:], 0.0, atol=1e-9)
    assert (v[1, 0, 2:, IX["P21"]] > v[0, 0, 2:, IX["P21"]] + 1.0).all()


def test_period_zero_does_not_depend_on_the_scenario():
    b = hand_plan_base(admitted=(0.0, 1000.0), liquid_share=(0.0, 1.0), occurred=100.0)
    v = run(b, [BASE, scenario("f", shock("claims_frequency", 2.0, "multiplier"))],
            periods=1).values
    np.testing.assert_array_equal(v[0, :, 0], v[1, :, 0])


# --- instalments, savings, the in-force UPR ---------------------------------------------------


def test_monthly_instalments_leave_no_unearned_premium_at_a_months_end():
    """1,200 of annual premium sold a month, paid in 12 monthly premiums of 100 in advance:
    quarter 1 writes 100 x (3 + 2 + 1) = 600 and earns the same, UPR 0 at its end."""
    b = hand_plan_base(nb_month=1200.0, instalments=12, loss_ratio=0.0, expense_ratio=0.0)
    v = run(b, [BASE], periods=2).values[0, 0]
    close(v[1:, IX["P03"]], [600.0, 1500.0])
    close(v[1:, IX["P02"]], [600.0, 1500.0])
    close(v[1:, IX["B14"]], [0.0, 0.0])


def test_quarterly_instalments_are_written_when_due_and_earned_monthly():
    """Quarterly premiums of 300 on 1,200 a year: each month's sale pays 300 at once, earns
    100 a month; quarter 1 writes 900, earns 600 (3 + 2 + 1 months), leaves 300 unearned."""
    b = hand_plan_base(nb_month=1200.0, instalments=4, loss_ratio=0.0, expense_ratio=0.0,
                       commission_rate=0.1)
    v = run(b, [BASE], periods=2).values[0, 0]
    close(v[1, IX["P03"]], 900.0)
    close(v[1, IX["P02"]], 600.0)
    close(v[1, IX["B14"]], 300.0)
    close(v[1, IX["P19"]], 90.0)  # commission with each premium written
    # quarter 2: the three sales of quarter 1 pay their second premium (900) and three new
    # sales their first (900); earned 100 a month per sale: 3 x 3 + 3 + 2 + 1 = 15 x 100
    close(v[2, IX["P03"]], 1800.0)
    close(v[2, IX["P02"]], 1500.0)


def test_a_savings_share_of_the_premium_earned_goes_to_the_alr():
    b = hand_plan_base(nb_month=1200.0, loss_ratio=0.0, expense_ratio=0.0, savings_share=0.5)
    v = run(b, [BASE], periods=1).values[0, 0]
    close(v[1, IX["P02"]], 600.0)
    close(v[1, IX["B23"]], 300.0)
    close(v[1, IX["P15"]], 300.0)


def test_instalments_of_the_business_in_force_are_written_as_they_fall_due():
    """A UPR of 600 at the close, 50 of instalments still to come each month for a year and
    100 a month to earn: the UPR and the instalments (1,200) run off with the earned premium
    (1,200, scale 1); quarter 1 writes 150, earns 300, leaves 450."""
    m = np.arange(48)
    f12 = np.where(m < 12, 1.0, 0.0)
    b = hand_plan_base(upr=(600.0, 0.0), premiums=50.0 * f12, earned=100.0 * f12,
                       loss_ratio=0.0, expense_ratio=0.0)
    assert b.upr_scale[0] == pytest.approx(1.0)
    v = run(b, [BASE], periods=4).values[0, 0]
    close(v[1, IX["P03"]], 150.0)
    close(v[1, IX["P02"]], 300.0)
    close(v[1, IX["B14"]], 450.0)
    close(v[4, IX["B14"]], 0.0)


def test_life_premiums_are_earned_over_their_interval():
    """A life product's premiums due monthly (plan.csv instalments 12 on a 12-month term): each
    earned in its month, so the premium earned is the premium written and no UPR builds up."""
    b = hand_plan_base(life=True, kinds=("whole_life",), premiums=120.0, instalments=12,
                       loss_ratio=0.0, expense_ratio=0.0)
    v = run(b, [BASE], periods=2).values[0, 0]
    close(v[1:, IX["P03"]], 360.0)
    close(v[1:, IX["P02"]], 360.0)
    close(v[1:, IX["B14"]], 0.0)
