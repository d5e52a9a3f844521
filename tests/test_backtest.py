"""Back-test on the sample (issue 16, item 5): the one-year projection of the 2024-12-31 close,
on the sample generator's own parameters, against the 2025-12-31 close.

The set. ``tests/data/backtest/plan.csv`` and ``projection.csv`` replace the default set's tables
(``reserva.api.derive``); every rate is converted from ``engine/sample/programme.toml`` (each
row's note names the keys and the conversion) and ``programme_rates`` below recomputes them: the
renewal and new-business rates come from an expected-value model of the generator's chains
(entrants a quarter at ``entrant_growth`` from 2021-01-01 with ``[history] launch_multiple``,
renewals at ``renewal_rate x (1 + renewal_growth)`` after the term's deaths, cancellations and
lapses; groups, hires and life contracts for GL and ILE), the loss ratios from the death hazard
(Gompertz over the entry ages) x the cover, or the claim frequency x the capped mean claim, over
the premium, the patterns from the lags' Gamma laws. The model's rates agree with those measured
in 20 generated packs (``test_the_cohort_rates_are_the_generated_packs_``).

The comparison. ``backtest(store, run 2024-12-31, run 2025-12-31)`` projects four quarters and
compares the last one (the 2025-12-31 close covers three months) and the balances at its end.
Per product: earned premium P02, incurred claims P11, UPR B14, claims reserves B17 + B20 and the
ALR B23 where it is not zero (ILE, LS); the difference is taken over the actual figure,
``r = (projected - actual) / |actual|``, and must satisfy ``|r| <= A + 4 sigma``.

Randomness, ``sigma``. The pack is random (400,000 policies, ``reserva sample``'s default seed;
about 10 s to write and close both dates). ``sigma`` is the standard deviation of ``r`` over 20
packs of seeds 1 .. 20 at the same size (the projection starts from a random close too, so the
spread of ``r`` is what the assertion sees); the spread of the actual figures alone is close to
it. Measured (sigma of r; in brackets the coefficient of variation of the actual figure):

    product  P02            P11            B14            B17 + B20      B23
    CL       0.008 (0.007)  0.209 (0.237)  0.012 (0.007)  0.453 (0.374)
    GL       0.041 (0.030)  0.732 (0.327)  0.037 (0.055)  0.503 (0.428)
    HE       0.004 (0.004)  0.037 (0.034)  0.009 (0.007)  0.040 (0.037)
    ILE      0.004 (0.004)  0.018 (0.015)  0.005 (0.006)  0.133 (0.292)  0.002 (0.005)
    LS       0.005 (0.005)  0.102 (0.069)  0.000 (0.007)  0.483 (0.438)  0.007 (0.007)

(LS's UPR: r = -1 in every pack, the projection holds none.) Credit life and group life have a
few dozen death claims a quarter: their claims figures are noise at any size a test can afford,
so their tolerances (up to 3.0) only catch gross errors. 4 sigma, not 3: sigma comes from 20
draws and the claims figures are skewed (a quarter with few claims puts r far out).

Approximations, ``A = 12%``: the materiality allowed for what the calibrated projection cannot
reproduce by construction, each measured in the packs: the business in force runs off on the
close's cashflow grid, built on the close's set (the default projection.csv: e.g. a 10% lapse
rate for group life, which has none in the generator; closing the same packs on the calibrated
set moves GL's UPR by 5% and its written premium by 6%); the projection earns its cohorts evenly
while the close earns credit life on its components (55% with the loan's decreasing sum at
risk): the projection's CL earned premium is 10% below the close's and its UPR 13% above (both
within 4% on a pack closed on the daily basis); one term and one number of instalments per kind
and monthly steps; the rates of the cohort model (within 0.01 of the packs'). Mean r over the
20 packs of the cases that pass in all of them: CL P02 -0.097, P11 -0.073, B14 +0.127 (above A:
it passes within its tolerance of 0.168, at most +0.159 in a pack); GL P02 +0.003, B14 -0.115;
HE P02 +0.021, P11 +0.027, B17 + B20 -0.025; ILE P02 +0.041, B14 -0.003, B23 +0.074; LS P02
+0.022, B23 +0.132 (above A: the projected savings accounts keep the contributions credited
after the close, see LS P11 below; at most +0.144 in a pack against a tolerance of 0.148).

Two cases pass in some packs only, so they are neither xfail nor comfortably inside their
tolerance (r in the 20 packs): LS's incurred claims, +0.27 .. +0.67, mean +0.49, tolerance 0.53
(15 of 20 pass): the projection pays withdrawals only from the accounts at the close
(grid.py's savings_withdrawals, run off at withdrawal_rate) and counts them in P12 and out of
the ALR, while the close's claims paid hold no withdrawals (P12 80,000 a quarter against incurred
claims less the ALR's change of 76,000): the projected ALR's increase in Q4 2025 is 38% above
the close's and the claims paid twice the close's; ILE's claims reserves, -0.25 .. -0.76, mean
-0.56, tolerance 0.65 (13 of 20 pass): the life contracts' death benefits in force are projected
on the contracts' mortality table (SULT, grid.py's death_benefits), not on the generator's
death_rate and Gompertz slope: the projected claims occurred in Q4 2025 are 39% of the close's
incurred claims less its ALR change. Both pass on the default seed's pack.

Model limitations (xfail, strict): engine figures that no calibration of plan.csv or
projection.csv moves within the tolerance, each failing in all 20 packs (mean r): HE's UPR
(+0.27), LS's UPR (-1) and ILE's incurred claims (+0.33); the reasons are in ``XFAIL``.

The default set (no calibration) is further off: the sum over products of |r| of P02 is 0.87 to
0.99 in the 20 packs against 0.17 to 0.26 calibrated, at most 0.30 of the default's in a pack
(``test_calibration_brings_the_projection_closer`` asks for less than 0.5).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, stats

from reserva.api import derive
from reserva.cli import main
from reserva.forecast import backtest
from reserva.sample.dates import DAYS_PER_YEAR, make_calendar, to_day
from reserva.sample.programme import load_programme
from reserva.store.runs import list_runs

DATA = Path(__file__).parent / "data" / "backtest"
POLICIES = 400_000
ALLOWANCE = 0.12
Z = 4.0
PRODUCTS = ("CL", "LS", "ILE", "HE", "GL")
CLAIMS_RESERVES = "B17+B20"
# sigma of r over the packs of seeds 1 .. 20 (module docstring)
SIGMA = {
    "CL": {"P02": 0.008, "P11": 0.209, "B14": 0.012, CLAIMS_RESERVES: 0.453},
    "GL": {"P02": 0.041, "P11": 0.732, "B14": 0.037, CLAIMS_RESERVES: 0.503},
    "HE": {"P02": 0.004, "P11": 0.037, "B14": 0.009, CLAIMS_RESERVES: 0.040},
    "ILE": {"P02": 0.004, "P11": 0.018, "B14": 0.005, CLAIMS_RESERVES: 0.133, "B23": 0.002},
    "LS": {"P02": 0.005, "P11": 0.102, "B14": 0.000, CLAIMS_RESERVES: 0.483, "B23": 0.007},
}
XFAIL = {
    ("HE", "B14"): (
        "plan.csv has one number of instalments per kind (projection/plan_base.py: instalments "
        "[product]) and HE's business is a mix: 60% pays one annual premium (plan.csv's 1, the "
        "most likely frequency), 40% quarterly; the projection writes the whole premium of the "
        "quarterly payers' renewals and new terms at once into P03 and the UPR, the close only "
        "the instalments due (reserves/upr/_kernels.py): UPR 27% above the close's"),
    ("LS", "B14"): (
        "LS's monthly premiums fall due on each policy's own day of the month, so about half a "
        "month of the latest one is unearned at a month end (the close's UPR: 47% of a month's "
        "premium); the projection's monthly steps write a premium at the start of its month and "
        "earn it by the month's end (projection/plan.py _profiles: 12 instalments over 12 "
        "months), and the in-force UPR runs off with the grid's terms: no UPR projected, r = -1"),
    ("ILE", "P11"): (
        "the ALR recursion of a kind on 'life' (projection/plan.py: lp = earned, alr = (alr + lp "
        "- lx - deaths - mat - wd) x (1 + i)^(1/12)) accrues the whole gross premium earned with "
        "interest and releases nothing when a contract lapses at an anniversary (lapse_rate "
        "0.06); the close's net premium reserve grows by the net premium and drops the lapsed "
        "contracts' reserves: the projected ALR's increase (P15, nearly all of P11) in Q4 2025 "
        "is 35% above the close's (3.10 m against 2.29 m a pack), incurred claims 33% above"),
}


def _cases():
    for product in PRODUCTS:
        for item in SIGMA[product]:
            reason = XFAIL.get((product, item))
            marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
            yield pytest.param(product, item, marks=marks, id=f"{product}-{item}")


# ---------------------------------------------------------------------------------------------
# the conversions of programme.toml (the rows of tests/data/backtest)

PROG = load_programme()
KINDS = {"CL": "credit_life", "LS": "savings_life", "ILE": "endowment", "HE": "health",
         "GL": "group_life"}
PRODUCT_OF = {kind: pid for pid, kind in KINDS.items()}
FREQUENCY_MONTHS = {"single": 0, "monthly": 1, "quarterly": 3, "annual": 12}
EXPENSE_LINES = ("personnel", "administration", "other_operating", "claims_handling")  # P17 P18 P20
MONTH_DAYS = DAYS_PER_YEAR / 12
HISTORY = 60  # months 2021-01 .. 2025-12, the sample's default history
Q4_2024, JAN_2025, YEAR_2025 = slice(45, 48), 48, slice(48, 60)


def _entrants(growth: float) -> np.ndarray:
    """Expected entrants a month (2021-01 .. 2025-12): the generator's weight of a quarter, days
    x (1 + growth)^(mid years), x launch_multiple for the first (members.entry_days), spread
    over the quarter's months by their days."""
    cal = make_calendar(to_day("2021-01-01"), to_day("2025-12-31"))
    mid = (cal.period_start + cal.period_end) / 2.0
    w = (1.0 + growth) ** ((mid - cal.start) / DAYS_PER_YEAR)
    w[0] *= PROG.history["launch_multiple"]
    months = np.arange("2021-01", "2026-02", dtype="datetime64[M]").astype("datetime64[D]")
    return np.repeat(w, 3) * np.diff(months).astype(np.float64)


def _hazard(p) -> float:
    """The death hazard a year at entry over the entry ages: -ln(1 - death_rate) x E[exp(c (a -
    reference age))], a = min + (max - min) Beta(entry_age_beta) (members.new_persons)."""
    m = PROG.members
    lo, hi = m["entry_age_min"], m["entry_age_max"]
    beta = stats.beta(*m["entry_age_beta"])
    mean = integrate.quad(lambda x: beta.pdf(x) * math.exp(
        m["mortality_slope"] * (lo + (hi - lo) * x - m["mortality_reference_age"])), 0, 1)[0]
    return -math.log1p(-p["death_rate"]) * mean


def _term_end(p, months: int) -> tuple[float, float]:
    """(P(a term of ``months`` ends with no death, cancellation or lapse), P(a lapse in it)):
    a lapse is a first unpaid instalment among the term's later ones (members.simulate)."""
    lapse = sum(w * (1 - (1 - p["lapse_rate"]) ** (fm / 12 * (months // fm - 1)))
                for f, w in p["premium_frequency"].items()
                if (fm := FREQUENCY_MONTHS[f]) and months // fm > 1)
    death = 1 - math.exp(-_hazard(p) * months / 12)
    return (1 - death) * (1 - p["cancel_rate"]) * (1 - lapse), lapse


def _aging(weights: list[tuple[float, float]]) -> float:
    """The mean of exp(mortality_slope x years since entry) over (weight, months) pairs."""
    w, m = np.array(weights).T
    return float((w * np.exp(PROG.members["mortality_slope"] * m / 12)).sum() / w.sum())


def _plain(pid: str) -> dict[str, float]:
    """CL, LS, HE: the member chains by entry month e and start month t, A (premium: the base x
    (1 + renewal_growth)^k of the k-th term) and C (count); the rates of the 2025 business."""
    p = PROG.product(pid)
    months, weights = np.array(p["term_months"]), np.array(p["term_weights"])
    ends = [_term_end(p, int(m))[0] for m in months]
    a = np.diag(_entrants(p["entrant_growth"]))
    c = a.copy()
    for t in range(HISTORY):
        for m, w, s in zip(months, weights, ends, strict=True):
            if t + m < HISTORY:
                go = w * s * p["renewal_rate"]
                a[:, t + m] += a[:, t] * go * (1 + p["renewal_growth"])
                c[:, t + m] += c[:, t] * go
    mean_term = float(weights @ months)
    written, new = a.sum(0) * mean_term / 12, np.diag(a) * mean_term / 12
    expiring = np.array([sum(a[:, t - m].sum() * w * s * m / 12
                             for m, w, s in zip(months, weights, ends, strict=True) if t >= m)
                         for t in range(HISTORY)])
    y = YEAR_2025
    return dict(
        renewal=(written[y] - new[y]).sum() / expiring[y].sum(),
        new_business=new[JAN_2025] / (written[Q4_2024].sum() / 3),
        new_share=new[Q4_2024].sum() / written[Q4_2024].sum(),
        term=float(weights @ months**2) / mean_term,  # weighted by the premium (x months)
        aging=_aging([(a[e, t] * w * m, t - e + m / 2) for e in range(HISTORY)
                      for t in range(48, 60) for m, w in zip(months, weights, strict=True)
                      if a[e, t] > 0]),
        premium_growth=a[:, y].sum() / c[:, y].sum(),
    )


def _groups() -> dict[str, float]:
    """GL: employer groups entering at entrant_growth with group_size members, renewing at
    group_renewal_rate; a member renews at renewal_rate inside a renewing group and hire_rate x
    the group's first size join at each anniversary (members._groups)."""
    p = PROG.product("GL")
    groups = _entrants(p["entrant_growth"])
    z = np.linspace(-8, 8, 4001)
    pdf = stats.norm.pdf(z)
    size = float((np.maximum(1, np.round(p["group_size"]["median"] * np.exp(
        p["group_size"]["sigma"] * z))) * pdf).sum() / pdf.sum())
    grp, s12 = p["group_renewal_rate"], _term_end(p, 12)[0]
    stay = grp * p["renewal_rate"] * s12 * (1 + p["renewal_growth"])
    written, new, expiring = np.zeros(HISTORY + 12), np.zeros(HISTORY), np.zeros(HISTORY + 12)
    written_2025 = []
    for e in range(HISTORY):
        for j in range((HISTORY - e + 11) // 12):
            t = e + 12 * j
            parts = [(size * stay**j, 12 * j)] + [
                (p["hire_rate"] * size * grp**i * stay ** (j - i), 12 * (j - i))
                for i in range(1, j + 1)]
            total = groups[e] * sum(x for x, _ in parts)
            written[t] += total
            new[t] += total if j == 0 else 0.0
            expiring[t + 12] += total * s12
            if JAN_2025 <= t:
                written_2025 += [(groups[e] * x, months + 6) for x, months in parts]
    y = YEAR_2025
    return dict(renewal=(written[y] - new[y]).sum() / expiring[y].sum(),
                new_business=new[JAN_2025] / (written[Q4_2024].sum() / 3),
                new_share=new[Q4_2024].sum() / written[Q4_2024].sum(), term=12.0,
                aging=_aging(written_2025))


def _life() -> dict[str, float]:
    """ILE: a contract per entrant for term_months, its annual premium due at issue and at each
    anniversary while in force (lapse_rate at an anniversary, cancel_rate over the term,
    deaths); no renewal (an endowment matures)."""
    p = PROG.product("ILE")
    n = _entrants(p["entrant_growth"])
    due, mu = n.copy(), _hazard(p)
    for months, w in zip(p["term_months"], p["term_weights"], strict=True):
        years = months // 12
        for j in range(1, min(years, HISTORY // 12)):
            alive = ((1 - p["lapse_rate"]) * math.exp(-mu)) ** j * (1 - p["cancel_rate"] * j / years)
            due[12 * j:] += w * alive * n[:HISTORY - 12 * j]
    return dict(renewal=0.0, new_business=n[JAN_2025] / (due[Q4_2024].sum() / 3),
                new_share=n[Q4_2024].sum() / due[Q4_2024].sum(), term=12.0,
                aging=math.exp(PROG.members["mortality_slope"] * 0.5))  # half a year from issue


def _lag_days(spec) -> np.ndarray:
    """P(lag = d days), d = 0 .. max, of floor(min + Gamma(shape, (mean - min) / shape)) capped
    at max (draws.lag)."""
    lo, hi = spec["min"], spec["max"]
    g = stats.gamma(spec["shape"], scale=(spec["mean"] - lo) / spec["shape"])
    d = np.arange(hi + 1)
    p = np.where(d < lo, 0.0, g.cdf(np.maximum(d + 1 - lo, 0)) - g.cdf(np.maximum(d - lo, 0)))
    p[hi] = g.sf(hi - lo)
    return p


def _by_month(days: np.ndarray) -> np.ndarray:
    """Shares by month of lag (0 = the event's month) of a lag in days, the event uniform over a
    month of 365.2425 / 12 days."""
    d = np.arange(days.size) + 0.5
    k = np.arange(int(d[-1] // MONTH_DAYS) + 2)[:, None]
    part = (np.clip((k + 1) * MONTH_DAYS - d, 0, MONTH_DAYS)
            - np.clip(k * MONTH_DAYS - d, 0, MONTH_DAYS)) / MONTH_DAYS
    return (part * days).sum(axis=1)


def _paid(p) -> float:
    """The share of a claim paid: 1 - reject_rate - partial_rate x the mean unpaid part."""
    lo, hi = p["partial_paid"]
    return 1 - p["reject_rate"] - p["partial_rate"] * (1 - (lo + hi) / 2)


PER_YEAR = {"single": 0, "annual": 1, "semiannual": 2, "quarterly": 4, "monthly": 12}


def _instalments(p, term: int) -> int:
    """Premiums per plan.csv term at the product's most likely premium frequency (a single
    premium, or one a year on a term of a year: 1)."""
    freq = max(p["premium_frequency"].items(), key=lambda kv: kv[1])[0]
    return max(1, PER_YEAR[freq] * term // 12)


def programme_rates() -> dict[str, dict]:
    """plan.csv's and projection.csv's rates of each sample product kind from programme.toml
    (the conversions of the rows' notes)."""
    out = {}
    for pid, kind in KINDS.items():
        p = PROG.product(pid)
        led = p["ledger"]
        cohort = _groups() if pid == "GL" else _life() if pid == "ILE" else _plain(pid)
        months, weights = np.array(p["term_months"]), np.array(p["term_weights"])
        mean_term = float(weights @ months)
        death = _hazard(p) * cohort["aging"] * _paid(p)
        if pid == "CL":  # decreasing cover: the loan's outstanding share (claims.outstanding_share)
            v = 1 / (1 + p["loan_rate"] / 12)
            share = sum(w * ((1 - v ** (m - np.arange(m))) / (1 - v**m)).sum()
                        for m, w in zip(months, weights, strict=True)) / mean_term
            loss = death * share / p["premium_rate"]
        elif pid == "GL":
            loss = death / p["premium_rate"]
        elif pid == "LS":
            loss = death * p["sum_insured_multiple"]
        elif pid == "ILE":  # the death benefit is the premium of the whole term
            loss = death * mean_term / 12
        else:  # HE: claim_frequency x the mean claim_amount capped at the sum insured
            x, cap = p["claim_amount"], p["sum_insured"]["median"]
            mu, s = math.log(x["median"]), x["sigma"]
            claim = (math.exp(mu + s * s / 2) * stats.norm.cdf((math.log(cap) - mu - s * s) / s)
                     + cap * stats.norm.sf((math.log(cap) - mu) / s))
            premium = p["annual_premium"]["median"] * math.exp(p["annual_premium"]["sigma"] ** 2 / 2)
            loss = p["claim_frequency"] * claim * _paid(p) / (premium * cohort["premium_growth"])
        if pid == "ILE":  # a paid year is not lapsed: the cancellations over the term only
            lapse = 1 - (1 - p["cancel_rate"]) ** (12 / mean_term)
        else:
            stay = sum(w * (1 - _term_end(p, int(m))[1]) for m, w in zip(months, weights,
                                                                         strict=True))
            stay *= 1 - p["cancel_rate"]
            if not p["death_benefit"]:  # a death ends the cover
                stay *= math.exp(-_hazard(p) * mean_term / 12)
            lapse = 1 - stay ** (12 / mean_term)
        pay = np.convolve(np.convolve(_lag_days(p["report_lag"]), _lag_days(p["decision_lag"])),
                          _lag_days(p["receipt_lag"]))
        out[kind] = dict(
            renewal_rate=cohort["renewal"], new_business_rate=cohort["new_business"],
            new_share=cohort["new_share"], growth_rate=p["entrant_growth"],
            term_months=round(cohort["term"]),
            commission_rate=p["commission_rate"] + led.get("distribution", 0.0),
            ceded_share=led.get("reinsurance_premium", 0.0), fixed_expense_share=0.0,
            loss_ratio=loss, expense_ratio=sum(led.get(k, 0.0) for k in EXPENSE_LINES),
            lapse_rate=lapse,
            withdrawal_rate=1 - p["renewal_rate"] * _term_end(p, 12)[0] if pid == "LS" else 0.0,
            interest_rate=(sum(p["credited_rate"]) / 2 if pid == "LS"
                           else p["life"]["interest_rate"] if pid == "ILE" else 0.0),
            instalments=_instalments(p, round(cohort["term"])),
            savings_share=p.get("savings_share", 0.0),
            reporting_pattern=_by_month(_lag_days(p["report_lag"])),
            settlement_pattern=_by_month(pay))  # paid on the receipt date (ocs.single_payments)
    return out


def pack_rates(pack: Path) -> dict[str, dict[str, float]]:
    """Measured in a generated pack: the new business's share of the premium written in Q4 2024
    (a member's first term; GL: a new employer group, the policies' partner; ILE: the first
    annual premiums among those due) and, but for ILE, the premium written in 2025 by the other
    terms over the premium of the terms expiring the day before (status expired)."""
    p = pd.read_csv(pack / "policies.csv", keep_default_na=False,
                    usecols=["member_id", "product_id", "partner", "start_date", "end_date",
                             "written_premium", "status"], parse_dates=["start_date", "end_date"])
    out = {}
    for pid, g in p[p["product_id"] != "ILE"].groupby("product_id"):
        key = "partner" if pid == "GL" else "member_id"
        first = g.groupby(key)["start_date"].transform("min") == g["start_date"]
        q4 = g["start_date"].between("2024-10-01", "2024-12-31")
        written = g["start_date"].between("2025-01-01", "2025-12-31") & ~first
        ending = g["end_date"].between("2024-12-31", "2025-12-30") & (g["status"] == "expired")
        premium = g["written_premium"]
        out[pid] = {"new_share": premium[q4 & first].sum() / premium[q4].sum(),
                    "renewal": premium[written].sum() / premium[ending].sum()}
    life = pd.read_csv(pack / "life_policies.csv", parse_dates=["issue_date", "exit_date"])
    due = new = 0.0
    for j in range(int(life["term_years"].max())):
        day = life["issue_date"] + pd.DateOffset(years=j)
        on = (day.between("2024-10-01", "2024-12-31") & (j < life["term_years"])
              & (life["exit_date"].isna() | (life["exit_date"] >= day)))
        due += life.loc[on, "gross_premium"].sum()
        new += life.loc[on, "gross_premium"].sum() if j == 0 else 0.0
    out["ILE"] = {"new_share": new / due}
    return out


# sigma of the measured rates over the packs of seeds 1 .. 20
SIGMA_PACK = {"CL": (0.008, 0.006), "GL": (0.052, 0.019), "HE": (0.006, 0.003),
              "ILE": (0.008, None), "LS": (0.007, 0.003)}


# ---------------------------------------------------------------------------------------------
# fixtures


@pytest.fixture(scope="module")
def closes(tmp_path_factory) -> tuple[Path, Path, int, int]:
    """The sample pack (400,000 policies, the default seed) closed at 2024-12-31 and
    2025-12-31 on the default set: (pack, store, run of 2024, run of 2025)."""
    root = tmp_path_factory.mktemp("backtest")
    pack, store = root / "pack", root / "runs.duckdb"
    assert main(["sample", str(pack), "--policies", str(POLICIES)]) == 0
    assert main(["close", str(pack), "--valuation-date", "2024-12-31", "--valuation-date",
                 "2025-12-31", "--store", str(store), "--quiet"]) == 0
    runs = list_runs(store).set_index("valuation_date")["run_id"]
    return pack, store, int(runs["2024-12-31"]), int(runs["2025-12-31"])


@pytest.fixture(scope="module")
def calibrated():
    return derive("default", files={f.name: f.read_text(encoding="utf-8")
                                    for f in sorted(DATA.glob("*.csv"))})


def _relative(frame: pd.DataFrame) -> pd.DataFrame:
    """r = (projected - actual) / |actual| by product and item, B17 + B20 as one item."""
    f = frame.set_index(["product_id", "item"])[["projected", "actual"]]
    both = f.xs("B17", level="item") + f.xs("B20", level="item")
    both.index = pd.MultiIndex.from_product([both.index, [CLAIMS_RESERVES]])
    f = pd.concat([f, both])
    return (f["projected"] - f["actual"]) / f["actual"].abs()


@pytest.fixture(scope="module")
def relative(closes, calibrated) -> dict[str, pd.Series]:
    _pack, store, a, b = closes
    return {label: _relative(backtest(store, a, b, assumptions=s).frame)
            for label, s in (("calibrated", calibrated), ("default", "default"))}


# ---------------------------------------------------------------------------------------------


def test_plan_rows_are_the_programme_s_rates():
    """Every number of the two tables is its conversion of programme.toml (rounded to 0.001;
    the patterns to thousandths adding to 1)."""
    rates = programme_rates()
    for name in ("plan.csv", "projection.csv"):
        table = pd.read_csv(DATA / name, keep_default_na=False).set_index("product_kind")
        assert sorted(table.index) == sorted(KINDS.values())
        for kind, row in table.iterrows():
            assert row["note"].startswith(f"[products.{PRODUCT_OF[kind]}]")
            for col, value in row.items():
                if col not in rates[kind]:
                    continue
                want = rates[kind][col]
                if col.endswith("pattern"):
                    got = np.array([float(x) for x in str(value).split(";")])
                    assert got.sum() == pytest.approx(1.0, abs=1e-9)
                    ref = np.zeros(max(got.size, want.size))
                    ref[:want.size] = want
                    assert got == pytest.approx(ref[:got.size], abs=0.0015), (kind, col)
                    assert ref[got.size:].sum() < 0.001, (kind, col)
                else:
                    assert float(value) == pytest.approx(want, abs=0.0006), (kind, col)


def test_the_cohort_rates_are_the_generated_packs_(closes):
    """The cohort model's renewal and new-business rates are those of the pack the back-test
    closes, within 4 sigma of their spread over 20 packs (the model's means over those packs:
    new share CL 0.472 / 0.471, GL 0.308 / 0.310, HE 0.406 / 0.407, ILE 0.340 / 0.342, LS
    0.408 / 0.407; renewal CL 0.680 / 0.681, GL 0.953 / 0.951, HE 0.861 / 0.861, LS 0.875 /
    0.8755)."""
    pack = closes[0]
    rates = programme_rates()
    measured = pack_rates(pack)
    for pid, kind in KINDS.items():
        s_new, s_renew = SIGMA_PACK[pid]
        assert abs(measured[pid]["new_share"] - rates[kind]["new_share"]) <= Z * s_new, pid
        if s_renew is not None:
            assert abs(measured[pid]["renewal"] - rates[kind]["renewal_rate"]) <= Z * s_renew, pid


@pytest.mark.parametrize(("product", "item"), list(_cases()))
def test_calibrated_backtest_lands_within_tolerance(relative, product, item):
    """|r| <= A + 4 sigma (module docstring)."""
    r = relative["calibrated"][(product, item)]
    tolerance = ALLOWANCE + Z * SIGMA[product][item]
    assert abs(r) <= tolerance, f"{product} {item}: r = {r:+.3f}, tolerance {tolerance:.3f}"


def test_calibration_brings_the_projection_closer(relative):
    """The sum over the products of |r| of the earned premium is smaller on the calibrated set
    than on the default set: less than 0.5 of it (0.18 .. 0.30 of it in 20 packs)."""
    def total(r: pd.Series) -> float:
        return float(sum(abs(r[(p, "P02")]) for p in PRODUCTS))

    calibrated, default = total(relative["calibrated"]), total(relative["default"])
    assert calibrated < 0.5 * default, (calibrated, default)
