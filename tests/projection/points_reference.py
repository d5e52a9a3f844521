"""Slow, obvious reference of the model-point kernels (reserva.projection.points.kernel).

Written from the formula specification (the module docstring of ``kernel.py``, with the
conventions of ``basis.py`` and ``engine.py``), not from the kernel code: one point, one scenario,
month by month, with lists and dicts. No numpy, no project kernels, no padded grids: the rates
are read from the basis objects themselves (``SelectTable.q``, ``ProductBasis`` schedules).

Conventions the specification leaves to the reader, and how this reference reads them:

- monthly rates: decrements by constant force, ``1 - (1 - min(1, k r))^(1/12)`` (mortality,
  lapses, the management charge, the withdrawal share); rates compounded, ``(1 + r)^(1/12) - 1``
  (the guarantee, the declared rate, the fund spread, the loan rate); the policy fee is an amount
  a year, a twelfth a month (basis.py);
- the scenario's annual mortality is ``min(1, k q + add)``, ``add`` the shock's add-on
  (``Shock.mortality_add``; the spec writes ``min(1, k q)``);
- a table's rate by attained age is that of its last age (1: a table closes) beyond its end, and
  its ultimate column beyond its select period;
- the spouse of an annuity ages with the policy years, ``spouse_age + (year - year_0)``, as the
  annuitant and the indexation do (the spec's "years since the start");
- annuity points pay no premiums (the spec: "no lapses, no premiums"), so no commission and no
  premium-related expense either; an annuity in arrears pays its last period at the term (the
  payment due at the start of month ``dur = term``, the end of the last period, even for a
  point at ``duration = term`` at the start), one in advance does not (that payment would be
  for a period after the term);
- the dynamic lapse rate is capped at 1, ``min(1, w x dynamic)`` (the spec does not say so; more
  than the whole in force cannot lapse), and the clip applies whatever beta (beta = 0:
  ``clip(1, lo, hi)``);
- the ``market`` rate of the dynamic lapse is the fund's return of the month annualised,
  ``(1 + f)^12 - 1``; the credited rate is the monthly rate credited (after the floor),
  annualised the same way;
- a savings policy enters (``dur = 0``) with an empty account;
- commissions are paid with the premiums (their timing); maturities at the end of the last
  month of the term (``dur = term - 1``), annuities at the start of their month; claims,
  surrenders and withdrawals at the timing of ``benefits``;
- the maturity month of a savings point: the account at the month's end is that after the
  withdrawal, its ``account_value`` line is still shown (the survivors' account at the month's
  end, paid out as the maturity);
- the maturity of an annuity (``maturity_benefit``, usually 0) is paid to the annuitants alive
  at the end of the term, as for any kind.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from reserva.projection.points.basis import Basis, DiscountCurve, ProductBasis, SelectTable
from reserva.vocab import POINT_FLOWS, POINT_LINES

TIMING_OFFSET = {"start": 0.0, "mid": 0.5, "end": 1.0}


# ---------------------------------------------------------------------------------------------
# rates


def monthly_decrement(annual: float) -> float:
    """1 - (1 - min(1, r))^(1/12), by constant force over the year (AMLCR 2nd ed. §3.3.2); the
    logarithms keep the small rates exact."""
    r = min(annual, 1.0)
    if r >= 1.0:
        return 1.0
    return -math.expm1(math.log1p(-r) / 12.0)


def monthly_rate(annual: float) -> float:
    """(1 + r)^(1/12) - 1, compounded."""
    return (1.0 + annual) ** (1.0 / 12.0) - 1.0


def by_year(schedule: Sequence[float], year: int) -> float:
    """A schedule by policy year, its last entry holding on."""
    return float(schedule[min(year, len(schedule) - 1)])


def annual_q(table: SelectTable, age: int, year: int) -> float:
    """The table's annual rate at attained ``age`` in policy year ``year`` (1 past its end)."""
    if age > table.max_age:
        return 1.0
    row = table.q[age - table.min_age]
    return float(row[min(year, table.select - 1)])


def monthly_q(table: SelectTable, age: int, year: int, shock) -> float:
    """The scenario's monthly rate: the annual rate times the shock's multiplier plus its
    add-on (``Shock.mortality_add``), capped at 1, by constant force."""
    return monthly_decrement(shock.mortality * annual_q(table, age, year) + shock.mortality_add)


# ---------------------------------------------------------------------------------------------
# discounting and the fund


def curve_discount(curve: DiscountCurve, shift: float = 0.0) -> Callable[[float], float]:
    """v(tau), tau in months, of a zero or forward curve shifted by ``shift`` (basis.py):
    zero ``(1 + z_y)^(-tau / 12)``; forward ``prod_{j < y} (1 + f_j)^-1 (1 + f_y)^(-(tau - 12 y)
    / 12)``, y = floor(tau / 12), the last rate holding on."""
    rates = [float(r) + shift for r in curve.rates]

    def rate(j: int) -> float:
        return rates[min(j, len(rates) - 1)]

    def v(tau: float) -> float:
        y = int(tau // 12)
        if curve.kind == "zero":
            return (1.0 + rate(y)) ** (-tau / 12.0)
        out = 1.0
        for j in range(y):
            out /= 1.0 + rate(j)
        return out * (1.0 + rate(y)) ** (-(tau - 12.0 * y) / 12.0)

    return v


def fund_returns(basis: Basis, shift: float, horizon: int) -> list[float]:
    """The fund's monthly return: the curve's one-month forwards v(m) / v(m + 1) - 1, or the
    basis' annual return, both moved by the rate shift."""
    if basis.fund_return is not None:
        return [monthly_rate(basis.fund_return + shift)] * horizon
    v = curve_discount(basis.curve, shift)
    return [v(m) / v(m + 1) - 1.0 for m in range(horizon)]


def _factor(discount, offset: float, m: int) -> float:
    """v(m + offset): a callable of tau, or v at the month starts (mid-month: the geometric mean
    of the month's two ends, as ``EconomicScenarios``)."""
    if callable(discount):
        return discount(m + offset)
    if offset == 0.0:
        return float(discount[m])
    if offset == 1.0:
        return float(discount[m + 1])
    return math.sqrt(float(discount[m]) * float(discount[m + 1]))


def flow_timings(basis: Basis) -> dict[str, str]:
    t = basis.timing
    return {"premiums": t["premiums"], "commissions": t["premiums"], "expenses": t["expenses"],
            "claims": t["benefits"], "surrenders": t["benefits"], "withdrawals": t["benefits"],
            "maturities": "end", "annuities": "start"}


# ---------------------------------------------------------------------------------------------
# one point


def _empty(horizon: int) -> dict[str, list[float]]:
    return {name: [0.0] * horizon for name in POINT_LINES}


def _premium_due(point: dict, dur: int) -> bool:
    """An instalment falls due when first_premium <= dur < premium_term and (dur -
    first_premium) % interval = 0; a single premium (interval 0) at dur = first_premium."""
    if dur >= point["premium_term"]:
        return False
    first = point["first_premium"]
    if point["interval"] == 0:
        return dur == first
    return dur >= first and (dur - first) % point["interval"] == 0


def _expenses(product: ProductBasis, point: dict, alive: float, premiums: float, dur: int,
              m: int, shock) -> float:
    """(acquisition c [dur = 0] + l maintenance / 12 (1 + inflation)^(m / 12) + expense_pct P)
    x the scenario's expense multiplier."""
    out = alive * product.maintenance / 12.0 * (1.0 + product.inflation) ** (m / 12.0)
    out += product.expense_pct * premiums
    if dur == 0:
        out += point["count"] * product.acquisition
    return out * shock.expense


def _credit_balance(point: dict, dur: int) -> float:
    """The outstanding balance of a level-instalment loan of ``term`` months at the month's
    start: SA (1 - v^(n - dur)) / (1 - v^n), i = 0: SA (n - dur) / n."""
    n = point["term"]
    i = monthly_rate(point["loan_rate"])
    if i == 0.0:
        return point["sum_assured"] * (n - dur) / n
    v = 1.0 / (1.0 + i)
    return point["sum_assured"] * (1.0 - v ** (n - dur)) / (1.0 - v ** n)


def _death_benefit(kind: str, point: dict, dur: int) -> float:
    if kind == "pure_endowment":
        return 0.0
    if kind == "credit_life":
        return _credit_balance(point, dur)
    return point["sum_assured"]


def _protection(point, product, table, shock, horizon):
    """term, endowment, whole life, pure endowment, credit life, funeral."""
    lines = _empty(horizon)
    c = point["count"]
    term = point["term"]
    alive = c if point["duration"] > 0 else 0.0
    for m in range(horizon):
        dur = point["duration"] + m
        if dur < 0:
            continue  # not yet issued: nothing happens
        if dur >= term:
            break  # matured: nothing left
        if dur == 0:
            alive = c  # new business enters
        if m == 0 and dur > 0 and shock.mass_lapse > 0.0:
            gone = alive * shock.mass_lapse
            lines["lapses"][m] += gone
            alive -= gone
        year = dur // 12
        q = monthly_q(table, point["age_at_entry"] + year, year, shock)
        w = monthly_decrement(shock.lapse * by_year(product.lapse, year))
        lines["policies"][m] = alive
        premiums = alive * point["premium"] if _premium_due(point, dur) else 0.0
        lines["premiums"][m] = premiums
        lines["commissions"][m] = premiums * by_year(product.commission, year)
        lines["expenses"][m] = _expenses(product, point, alive, premiums, dur, m, shock)
        deaths = alive * q
        lines["deaths"][m] = deaths
        lines["claims"][m] = deaths * _death_benefit(product.kind, point, dur)
        lapses = (alive - deaths) * w
        lines["lapses"][m] += lapses
        alive = alive - deaths - lapses
        if dur == term - 1:  # the survivors at the end of the term
            lines["maturities"][m] = alive * point["maturity_benefit"]
            break
    return lines


def _annuity(point, product, table, spouse_table, shock, horizon):
    """An annuity in payment: the annuitant's survival a_x from the start, the spouse's a_y."""
    lines = _empty(horizon)
    c = point["count"]
    term = point["term"]
    a_x = 1.0
    a_y = 1.0 if spouse_table is not None else 0.0
    year0 = max(point["duration"], 0) // 12
    step = point["annuity_interval"]
    phase = point["first_premium"]  # the payments' dates: first_premium + j x step
    first = phase + (step if point["arrears"] else 0)
    guaranteed_until = point["guarantee"] + (step if point["arrears"] else 0)
    for m in range(horizon):
        dur = point["duration"] + m
        if dur < 0:
            continue
        if dur > term or (dur == term and not point["arrears"]):
            break
        year = dur // 12
        # the payment due at the start of the month (at the term: in arrears only, the end of
        # the last period paid for)
        if dur >= first and (dur - phase) % step == 0:
            level = (point["annuity"] * step / 12.0
                     * (1.0 + point["indexation"]) ** (year - year0))
            if dur < guaranteed_until:
                share = 1.0
            else:
                rho = point["reversion"]
                share = a_x + rho * (a_y - a_x * a_y)  # the annuitant, or the spouse after
            lines["annuities"][m] = c * level * share
        if dur == term:
            break
        alive = c * a_x
        lines["policies"][m] = alive
        lines["expenses"][m] = _expenses(product, point, alive, 0.0, dur, m, shock)
        q = monthly_q(table, point["age_at_entry"] + year, year, shock)
        lines["deaths"][m] = alive * q
        a_x *= 1.0 - q
        if spouse_table is not None:
            spouse_age = point["spouse_age"] + (year - year0)
            q_y = monthly_q(spouse_table, spouse_age, spouse_table.select - 1, shock)
            a_y *= 1.0 - q_y
        if dur == term - 1:  # the annuitants alive at the end of the term
            lines["maturities"][m] = c * a_x * point["maturity_benefit"]
    return lines


def _savings(point, product, table, shock, fund, market_of, horizon):
    """A savings account, per policy, rolled month by month."""
    lines = _empty(horizon)
    c = point["count"]
    alive = c if point["duration"] > 0 else 0.0
    account = point["account"] if point["duration"] > 0 else 0.0
    premium_charge = product.premium_charge
    fee = product.policy_fee / 12.0
    amc = monthly_decrement(product.management_charge)
    spread = monthly_rate(product.fund_spread)
    floor = monthly_rate(product.guaranteed_rate)
    declared = not math.isnan(product.credited_rate)
    credited = monthly_rate(product.credited_rate) if declared else math.nan
    withdraw = monthly_decrement(product.withdrawal_rate)
    sa = point["sum_assured"]
    for m in range(horizon):
        dur = point["duration"] + m
        if dur < 0:
            continue
        if dur >= point["term"]:
            break  # matured: nothing left
        if dur == 0:
            alive = c
            account = 0.0  # a new policy's account is empty
        year = dur // 12
        charge = by_year(product.surrender_charge, year)
        if m == 0 and dur > 0 and shock.mass_lapse > 0.0:
            gone = alive * shock.mass_lapse
            lines["lapses"][m] += gone
            lines["surrenders"][m] += gone * account * (1.0 - charge)
            alive -= gone
        q = monthly_q(table, point["age_at_entry"] + year, year, shock)
        lines["policies"][m] = alive
        paid = point["premium"] if _premium_due(point, dur) else 0.0
        premiums = alive * paid
        lines["premiums"][m] = premiums
        lines["commissions"][m] = premiums * by_year(product.commission, year)
        lines["expenses"][m] = _expenses(product, point, alive, premiums, dur, m, shock)
        # the account: premium in and the fee out, the cost of insurance, the management charge
        account = account + paid * (1.0 - premium_charge) - fee
        account = account - q * max(sa - account, 0.0)
        account = max(account * (1.0 - amc), 0.0)
        rate = credited if declared else fund[m] - spread
        rate = max(rate, floor)
        account = account * (1.0 + rate)
        deaths = alive * q
        lines["deaths"][m] = deaths
        lines["claims"][m] = deaths * max(account, sa)
        # dynamic lapses: clip(1 + beta (market - credited, both annual), lo, hi)
        credited_annual = (1.0 + rate) ** 12 - 1.0
        dynamic = 1.0 + product.dynamic_beta * (market_of(m) - credited_annual)
        dynamic = min(max(dynamic, product.dynamic_min), product.dynamic_max)
        w = min(monthly_decrement(shock.lapse * by_year(product.lapse, year)) * dynamic, 1.0)
        lapses = (alive - deaths) * w
        lines["lapses"][m] += lapses
        lines["surrenders"][m] += lapses * account * (1.0 - charge)
        stay = alive - deaths - lapses
        lines["withdrawals"][m] = stay * account * withdraw
        account = account * (1.0 - withdraw)
        lines["account_value"][m] = stay * account
        alive = stay
        if dur == point["term"] - 1:  # the survivors at the end of the term: the account or more
            lines["maturities"][m] = alive * max(account, point["maturity_benefit"])
            break
    return lines


def reference_point(point: dict, basis: Basis, shock, discount, fund_return: Sequence[float],
                    horizon: int) -> dict:
    """One point under one scenario: ``{"lines": {line: [horizon values]}, "pv": {flow: PV,
    "net_cashflow": PV}}``.

    ``point``: the fields of ``ModelPoints`` for one point (``premium`` the instalment charged);
    ``shock``: the scenario's demographic and expense multipliers and mass lapse (its rate shift
    is in ``discount``/``fund_return``); ``discount``: v(tau) as a callable of months, or v at
    the month starts 0..horizon; ``fund_return``: the fund's return of each month."""
    product = basis.products[point["product"]]
    table = basis.tables[product.mortality[point["sex"]]]
    if product.kind == "annuity":
        spouse = None
        if point["spouse_age"] >= 0 and point["spouse_sex"] in product.mortality:
            spouse = basis.tables[product.mortality[point["spouse_sex"]]]
        lines = _annuity(point, product, table, spouse, shock, horizon)
    elif product.kind == "savings":
        lines = _savings(point, product, table, shock, list(fund_return),
                         lambda m: (1.0 + fund_return[m]) ** 12 - 1.0, horizon)
    else:
        lines = _protection(point, product, table, shock, horizon)
    timing = flow_timings(basis)
    pv: dict[str, float] = {}
    for flow in POINT_FLOWS:
        offset = TIMING_OFFSET[timing[flow]]
        pv[flow] = sum(lines[flow][m] * _factor(discount, offset, m) for m in range(horizon))
    pv["net_cashflow"] = pv["premiums"] - sum(pv[f] for f in POINT_FLOWS if f != "premiums")
    return {"lines": lines, "pv": pv}


def net_and_reserves(lines: dict[str, list[float]], basis: Basis, discount,
                     horizon: int) -> tuple[list[float], list[float]]:
    """The engine's derived lines of summed point lines: net cashflow (premiums less the other
    flows) and the prospective reserve at the start of each month m, the PV at m of the
    outflows less the premiums of the months u >= m."""
    timing = flow_timings(basis)
    net = [lines["premiums"][m] - sum(lines[f][m] for f in POINT_FLOWS if f != "premiums")
           for m in range(horizon)]
    reserves = []
    for m in range(horizon):
        total = 0.0
        for u in range(m, horizon):
            for flow in POINT_FLOWS:
                sign = -1.0 if flow == "premiums" else 1.0
                total += sign * lines[flow][u] * _factor(discount, TIMING_OFFSET[timing[flow]], u)
        reserves.append(total / _factor(discount, 0.0, m))
    return net, reserves
