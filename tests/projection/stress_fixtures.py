"""Hand-made stress bases: small programmes whose stressed figures are worked by hand in tests."""

from __future__ import annotations

import numpy as np

from reserva.io.scenarios import Scenario, Shock
from reserva.projection.grid import LINE, LINES
from reserva.projection.stress_base import AssetPositions, StressBase


def hand_base(*, products=("P1",), kinds=("health",), months: int = 12, lines=None,
              claims_occurred=None, new_business_occurred=None, settlement=((1.0,),),
              lapse_rate=(0.0,), refund_factor=(1.0,), withdrawal_rate=(0.0,),
              reinsurance=None, grants=None, upr=(0.0,), ocs=(0.0,), ibnr=(0.0,), alr=(0.0,),
              admitted_assets=None, liabilities=None, cash=None, convertible=None,
              expenses_per_month=None, reinsurance_recoverable=None, positions=None,
              sum_at_risk=None, partners=(), partner_premiums=None) -> StressBase:
    """A StressBase of ``products`` (the programme the sum of them). ``lines``: {line name:
    [product, month] amounts}; ``claims_occurred`` [product, month] (the claims line is then
    their settlement, unless ``lines`` gives it); per-product tuples for the rest; ``cash`` and
    the others per column (products then the programme) or per product (the programme's the
    sum)."""
    n = len(products)

    def per(x):
        """A per-product tuple; one value stands for every product."""
        a = np.asarray(x, np.float64).reshape(-1)
        return np.full(n, a[0]) if a.size == 1 and n > 1 else a

    lapse_rate, refund_factor, withdrawal_rate = map(per, (lapse_rate, refund_factor,
                                                           withdrawal_rate))
    upr, ocs, ibnr, alr = map(per, (upr, ocs, ibnr, alr))

    def col(x, default=0.0):
        a = np.full(n, default) if x is None else np.asarray(x, np.float64)
        return a if a.size == n + 1 else np.append(a, a.sum())

    def pm(x):
        a = np.zeros((n, months)) if x is None else np.asarray(x, np.float64).reshape(n, months)
        return np.vstack([a, a.sum(axis=0)])

    occ = pm(claims_occurred)
    nb_occ = pm(new_business_occurred)
    lag = max(len(s) for s in settlement)
    pattern = np.zeros((n + 1, lag))
    for p, s in enumerate(settlement):
        pattern[p, :len(s)] = s
    grid = np.zeros((n + 1, len(LINES), months))
    lines = dict(lines or {})
    if "claims" not in lines and claims_occurred is not None:
        from reserva.projection.grid import settle
        lines["claims"] = settle(occ[:n], [pattern[p] for p in range(n)])
    for name, amount in lines.items():
        grid[:n, LINE[name]] = np.asarray(amount, np.float64).reshape(n, months)
    grid[n] = grid[:n].sum(axis=0)
    if positions is None:
        positions = AssetPositions(np.zeros(0, np.int64), (), (), *(np.zeros(0),) * 5,
                                   np.zeros((0, months)))
    cash_c = col(cash)
    liab = col(liabilities) if liabilities is not None else col(
        np.asarray(upr) + np.asarray(ocs) + np.asarray(ibnr) + np.asarray(alr))
    base = StressBase(
        run_id=None, products=tuple(products), kinds=tuple(kinds), grid=grid,
        claims_occurred=occ, new_business_occurred=nb_occ, settlement=pattern,
        lapse_rate=col(lapse_rate)[: n + 1] * np.append(np.ones(n), 0.0),
        refund_factor=np.append(np.asarray(refund_factor, float), 0.0),
        withdrawal_rate=np.append(np.asarray(withdrawal_rate, float), 0.0),
        reinsurance=pm(reinsurance), grants=pm(grants),
        upr=col(upr), ocs=col(ocs), ibnr=col(ibnr), alr=col(alr),
        admitted_assets=col(admitted_assets) if admitted_assets is not None else cash_c.copy(),
        liabilities=liab, cash=cash_c, convertible=col(convertible),
        expenses_per_month=col(expenses_per_month),
        reinsurance_recoverable=col(reinsurance_recoverable), allocated=np.ones(n + 1, bool),
        positions=positions,
        **({} if sum_at_risk is None else {"sum_at_risk": pm(sum_at_risk)}),
        partners=tuple(partners),
        partner_premiums=None if partner_premiums is None else np.stack(
            [pm(x) for x in partner_premiums]),
    )
    return base


def scenario(*shocks: dict, scenario_id: str = "s") -> Scenario:
    """A scenario of shock rows given as dicts (defaults: ALL products, month 1 to the end,
    step)."""
    out = []
    for d in shocks:
        d = {"product_kind": "ALL", "asset_class": "", "counterparty": "", "start_month": 1,
             "duration_months": None, "profile": "step", "source": "illustrative", **d}
        out.append(Shock(**d))
    return Scenario(scenario_id, scenario_id, "both", "severe", tuple(out))


def holdings(months: int, *groups: dict) -> AssetPositions:
    """AssetPositions of groups given as dicts: ``product`` (index, -1 = held by the programme
    only), ``asset_class``, ``counterparty`` (default ""), ``admitted``, ``liquid``,
    ``convertible``, ``duration``, ``convexity`` (default 0) and ``flows`` (an amount a month, or
    one per month; default 0)."""
    def num(key):
        return np.array([float(g.get(key, 0.0)) for g in groups])

    flows = np.zeros((len(groups), months))
    for k, g in enumerate(groups):
        flows[k] = np.broadcast_to(np.asarray(g.get("flows", 0.0), np.float64), (months,))
    return AssetPositions(np.array([int(g["product"]) for g in groups], np.int64),
                          tuple(g["asset_class"] for g in groups),
                          tuple(g.get("counterparty", "") for g in groups),
                          num("admitted"), num("liquid"), num("convertible"), num("duration"),
                          num("convexity"), flows)


def rich_base(months: int = 12) -> StressBase:
    """Two products, a health one (P1, settled over two months) and a savings one (P2), with
    every line, recoveries, grants, reserves and assets of both kinds (and cash held by the
    programme only): every shock type has something to act on."""
    from reserva.projection.grid import settle

    def each(a, b):
        return np.vstack([np.broadcast_to(np.asarray(a, np.float64), (months,)),
                          np.broadcast_to(np.asarray(b, np.float64), (months,))])

    spike = np.zeros(months)
    spike[-1] = 500.0
    first = np.zeros(months)
    first[:2] = (100.0, 50.0)
    later = np.zeros(months)
    later[2:4] = 40.0
    other = np.zeros(months)
    other[0] = 10.0
    nb_occ = each(10.0, 0.0)
    nb_outgo = settle(nb_occ, [(0.5, 0.5), (1.0,)]) + each(3.0, 0.0)
    lines = {
        "premiums": each(100.0, 200.0), "expenses": each(20.0, 15.0),
        "commissions": each(10.0, 8.0), "refunds": each(5.0, 0.0),
        "death_benefits": each(0.0, 20.0), "maturities": each(0.0, spike),
        "savings_withdrawals": each(0.0, 40.0), "ocs_runoff": each(first, 0.0),
        "ibnr_runoff": each(later, 0.0), "other_liabilities": each(other, 0.0),
        "new_business_premiums": each(30.0, 0.0), "new_business_outgo": nb_outgo,
    }
    redemption = np.full(months, 15.0)
    redemption[min(8, months - 1)] += 400.0
    pos = holdings(
        months,
        {"product": 0, "asset_class": "cash", "counterparty": "BankA", "admitted": 300,
         "liquid": 300},
        {"product": 0, "asset_class": "government_bond", "counterparty": "Treasury",
         "admitted": 500, "convertible": 450, "duration": 4.0, "convexity": 20.0, "flows": 5.0},
        {"product": 1, "asset_class": "cash", "counterparty": "BankA", "admitted": 500,
         "liquid": 500},
        {"product": 1, "asset_class": "corporate_bond", "counterparty": "CorpX",
         "admitted": 2000, "convertible": 1600, "duration": 6.0, "convexity": 50.0,
         "flows": redemption},
        {"product": -1, "asset_class": "cash", "counterparty": "BankB", "admitted": 100,
         "liquid": 100},
    )
    return hand_base(
        products=("P1", "P2"), kinds=("health", "savings_life"), months=months, lines=lines,
        claims_occurred=each(60.0, 0.0), new_business_occurred=nb_occ,
        settlement=((0.5, 0.5), (1.0,)), lapse_rate=(0.1, 0.05), refund_factor=(1.0, 0.0),
        withdrawal_rate=(0.0, 0.1), reinsurance=each(8.0, 0.0), grants=each(5.0, 0.0),
        upr=(600.0, 100.0), ocs=(100.0, 0.0), ibnr=(80.0, 0.0), alr=(0.0, 3000.0),
        admitted_assets=(800.0, 2500.0, 3400.0), liabilities=(830.0, 3100.0, 4000.0),
        cash=(300.0, 500.0, 900.0), convertible=(450.0, 1600.0, 2050.0),
        expenses_per_month=(20.0, 15.0, 35.0), reinsurance_recoverable=(100.0, 0.0, 100.0),
        positions=pos)


def rich_sum_at_risk(months: int = 12) -> np.ndarray:
    """[column, month] sums at risk of ``rich_base``: 600,000 a month on the savings product."""
    return np.vstack([np.zeros(months), np.full(months, 6e5), np.full(months, 6e5)])


def catalog() -> tuple[Scenario, ...]:
    """One scenario per shock type of the registry (the ``none`` row included), a scenario
    without rows and a scenario combining rows of several types, kinds and profiles."""
    rows = {
        "none": dict(value=0.0, unit=""),
        "claims_frequency": dict(value=1.5, unit="multiplier", start_month=2),
        "claims_severity": dict(value=1.3, unit="multiplier", profile="linear_in",
                                duration_months=4),
        "catastrophe_claims": dict(value=800.0, unit="amount", start_month=3,
                                   duration_months=2),
        "mortality_addon": dict(value=0.5, unit="pp"),
        "faster_settlement": dict(value=2, unit="months"),
        "reserve_deficiency": dict(value=0.2, unit="share"),
        "mass_lapse": dict(value=0.3, unit="share", start_month=2),
        "lapse_rate": dict(value=2.0, unit="multiplier"),
        "savings_withdrawals": dict(value=0.25, unit="share", start_month=2,
                                    duration_months=1),
        "premium_delay": dict(value=2, unit="months", duration_months=3),
        "premium_shortfall": dict(value=0.3, unit="share", profile="linear_out",
                                  duration_months=6),
        "new_business": dict(value=0.5, unit="multiplier"),
        "expenses": dict(value=1.25, unit="multiplier"),
        "expense_fixed_share": dict(value=0.4, unit="share"),
        "asset_haircut": dict(value=0.2, unit="share", asset_class="corporate_bond"),
        "issuer_default": dict(value=1.0, unit="share", counterparty="BankA", start_month=4),
        "rate_shift": dict(value=200.0, unit="bp"),
        "reinsurance_delay": dict(value=3, unit="months"),
        "reinsurer_default": dict(value=0.5, unit="share"),
        "grant_stop": dict(value=1.0, unit="share", start_month=4),
        "short_term_factor": dict(value=1.2, unit="multiplier"),
    }
    out = [scenario({"shock_type": t, **d}, scenario_id=f"only_{t}") for t, d in rows.items()]
    out.append(scenario(scenario_id="empty"))
    out.append(scenario(
        {"shock_type": "claims_frequency", "value": 1.4, "unit": "multiplier",
         "product_kind": "health", "profile": "linear_out", "duration_months": 5},
        {"shock_type": "mass_lapse", "value": 0.2, "unit": "share", "product_kind":
         "savings_life", "start_month": 3},
        {"shock_type": "expenses", "value": 30.0, "unit": "amount"},
        {"shock_type": "savings_withdrawals", "value": 2.0, "unit": "multiplier",
         "start_month": 4, "duration_months": 2},
        {"shock_type": "issuer_default", "value": 0.5, "unit": "share",
         "asset_class": "government_bond"},
        {"shock_type": "premium_delay", "value": 1, "unit": "months"},
        scenario_id="combined"))
    return tuple(out)
