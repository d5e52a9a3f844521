"""Slow, per-point reference for the monthly in-force life projection (plain Python loops).

Same definitions as ``reserva.projection.inforce`` (see its docstring), written the obvious way:
for one point, month by month, the age is ``x`` before the age step month ``s`` and
``x + 1 + (m - s) // 12`` from it on (term life: ``s = 12``, so ``x + m // 12``), the monthly
rates are ``1 - (1 - q)**(1/12)`` and ``1 - (1 - lapse)**(1/12)`` (constant force over the year,
AMLCR 2nd ed. §3.3.2), deaths first and lapses from the survivors, premiums on the months
``m >= f`` with ``(m - f) % k == 0`` and ``m < P`` of a mode paying every ``k`` months from the
first premium month ``f`` (single: month ``f`` only, if ``f < P``), and the maturity benefit
to the survivors at the end of the term, in month ``n - 1`` when ``n <= horizon``.
No numpy, no precomputed tables.
"""

from __future__ import annotations

MODE_MONTHS = {"monthly": 1, "quarterly": 3, "semiannual": 6, "annual": 12, "single": 0}
COLUMNS = ("premium", "benefit", "maturity", "expense", "in_force", "deaths", "lapses")


def reference_point(q, min_age, age, term_months, sum_insured, annual_premium, mode,
                    lapse_annual, expense_per_policy_annual, expense_pct_premium, horizon_months,
                    maturity_benefit=0.0, premium_months=None, first_premium_month=0,
                    age_step_month=12):
    """Lists per month (length horizon_months) of one point: premium, benefit, maturity,
    expense, in force, deaths, lapses. ``q[k]`` is q at age ``min_age + k``; ages past the table
    have q = 1. ``premium_months`` None = the term."""
    k = MODE_MONTHS[mode] if isinstance(mode, str) else int(mode)
    last_premium = term_months if premium_months is None else premium_months
    rows = {name: [0.0] * horizon_months for name in COLUMNS}
    alive = 1.0
    for m in range(min(term_months, horizon_months)):
        if m < age_step_month:
            x = age
        else:
            x = age + 1 + (m - age_step_month) // 12
        q_year = q[x - min_age] if x - min_age < len(q) else 1.0
        q_month = 1.0 - (1.0 - q_year) ** (1.0 / 12.0)
        w_month = 1.0 - (1.0 - lapse_annual) ** (1.0 / 12.0)
        if m >= last_premium or m < first_premium_month:
            premium = 0.0
        elif k == 0:
            premium = alive * annual_premium if m == first_premium_month else 0.0
        elif (m - first_premium_month) % k == 0:
            premium = alive * annual_premium * k / 12.0
        else:
            premium = 0.0
        deaths = alive * q_month
        lapses = (alive - deaths) * w_month
        rows["premium"][m] = premium
        rows["expense"][m] = alive * expense_per_policy_annual / 12.0 + expense_pct_premium * premium
        rows["benefit"][m] = deaths * sum_insured
        rows["in_force"][m] = alive
        rows["deaths"][m] = deaths
        rows["lapses"][m] = lapses
        alive = alive - deaths - lapses
    if 0 < term_months <= horizon_months:
        rows["maturity"][term_months - 1] = alive * maturity_benefit
    return rows


def reference_totals(q, min_age, points, lapse_annual, expense_per_policy_annual,
                     expense_pct_premium, horizon_months):
    """Per-month totals over ``points`` = [(age, term_months, sum_insured, annual_premium, mode)]
    or [(..., mode, maturity_benefit, premium_months, first_premium_month, age_step_month)];
    ``lapse_annual`` one rate or one per point."""
    totals = {name: [0.0] * horizon_months for name in COLUMNS}
    for i, (age, term, si, premium, mode, *more) in enumerate(points):
        lapse = lapse_annual[i] if isinstance(lapse_annual, (list, tuple)) else lapse_annual
        rows = reference_point(q, min_age, age, term, si, premium, mode, lapse,
                               expense_per_policy_annual, expense_pct_premium, horizon_months,
                               *more)
        for name, values in rows.items():
            for m, value in enumerate(values):
                totals[name][m] += value
    return totals


def reference_pv_net(totals, rate):
    """sum_m (premium_m - expense_m) v^(m/12) - (benefit_m + maturity_m) v^((m+1)/12),
    v = 1 / (1 + rate)."""
    pv = 0.0
    for m in range(len(totals["premium"])):
        pv += (totals["premium"][m] - totals["expense"][m]) * (1.0 + rate) ** (-m / 12.0)
        pv -= (totals["benefit"][m] + totals["maturity"][m]) * (1.0 + rate) ** (-(m + 1) / 12.0)
    return pv
