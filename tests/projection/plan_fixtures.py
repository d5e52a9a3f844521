"""Hand-made projection bases: a ``PlanBase`` built field by field (no store, no close), so that
the projection's figures can be worked by hand in the tests (``tests/projection/test_plan.py``).

Columns ``c = 0 .. n``: the products, then the column of what no product holds. Every field not
given is a neutral default: no business in force, no reserves, no assets, no new business,
term 12, loss ratio 0.6, expense ratio 0.1, settlement and reporting at lag 0, refund factor 1.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from reserva.io.actions import Action
from reserva.io.scenarios import Scenario, Shock
from reserva.projection.plan_base import CLOSE_CODES, PlanBase

# the shape of each array field: "p" per product, "c" per column (products + 1), "pm"
# [product, month], "cm" [column, month]
PER_PRODUCT = ("loss_ratio", "expense_ratio", "lapse_rate", "refund_factor", "interest_rate",
               "withdrawal_rate", "renewal_rate", "nb_month", "growth_rate", "commission_rate",
               "ceded_share", "nb_commission", "savings_share", "upr_scale")
PER_COLUMN = ("admitted", "upr", "ocs", "ibnr", "alr", "other", "non_admitted_other",
              "cash_share", "convertible_share", "liquid_share", "yields", "fixed_month")
PRODUCT_MONTH = ("premiums", "earned", "occurred", "expenses", "commissions", "refunds",
                 "deaths", "maturities", "withdrawals", "ocs_paid", "ibnr_paid", "expiring")
COLUMN_MONTH = ("other_paid", "grants")
GROUP = ("group_column", "group_admitted", "group_duration", "group_convexity")


def _ro(x, dtype=np.float64) -> np.ndarray:
    out = np.array(x, dtype=dtype, copy=True)
    out.flags.writeable = False  # the kernel must never write into its base
    return out


def _pattern(rows, n: int) -> np.ndarray:
    """[product, lag] from one pattern (every product) or one per product."""
    rows = [rows] if np.ndim(rows[0]) == 0 else list(rows)
    if len(rows) == 1 and n > 1:
        rows = rows * n
    width = max(len(r) for r in rows)
    out = np.zeros((n, width))
    for i, r in enumerate(rows):
        out[i, :len(r)] = r
    return out


def hand_plan_base(*, products=("P1",), kinds=None, months: int = 48, **overrides) -> PlanBase:
    """A PlanBase of ``products`` (``kinds``: one per product, default health) over ``months``
    grid months; ``overrides`` by field name. A per-product or per-column field may be given as
    one number (every product / column), a [product, month] or [column, month] field as one row
    (every product / column) or a full array; ``settlement`` and ``reporting`` as one pattern
    or one per product; ``close_flows`` as a partial mapping (the rest zeros)."""
    n = len(products)
    kinds = tuple(kinds) if kinds is not None else ("health",) * n
    nc = n + 1
    zeros_c = np.zeros(nc)
    fields: dict = {
        "run_id": None, "products": tuple(products), "kinds": kinds, "period_months": 3,
        "life": np.zeros(n, bool), "sum_at_risk": None,
        "other_split": np.array([[0.0] * nc, [1.0] * nc, [0.0] * nc]),
        "settlement": (1.0,), "reporting": (1.0,), "term": 12, "loss_ratio": 0.6,
        "expense_ratio": 0.1, "refund_factor": 1.0, "nb_fixed": np.zeros((n, 1)),
        "nb_term": None, "instalments": 1,
        "close_flows": {}, "group_kind": (), "group_class": (), "group_counterparty": (),
    }
    fields.update(overrides)
    out: dict = {}
    for f in dataclasses.fields(PlanBase):
        name = f.name
        v = fields.get(name)
        if name in PER_PRODUCT:
            out[name] = _ro(np.broadcast_to(np.asarray(0.0 if v is None else v, float), (n,)))
        elif name in PER_COLUMN:
            out[name] = _ro(np.broadcast_to(np.asarray(0.0 if v is None else v, float), (nc,)))
        elif name in PRODUCT_MONTH:
            out[name] = _ro(np.broadcast_to(np.asarray(0.0 if v is None else v, float),
                                            (n, months)))
        elif name in COLUMN_MONTH:
            out[name] = _ro(np.broadcast_to(np.asarray(0.0 if v is None else v, float),
                                            (nc, months)))
        elif name in GROUP:
            dtype = np.int64 if name == "group_column" else np.float64
            out[name] = _ro(np.zeros(0) if v is None else v, dtype)
        elif name in ("settlement", "reporting"):
            out[name] = _ro(_pattern(v, n))
        elif name == "term":
            out[name] = _ro(np.broadcast_to(np.asarray(v), (n,)), np.int64)
        elif name == "instalments":
            out[name] = _ro(np.broadcast_to(np.asarray(v), (n,)), np.int64)
        elif name == "nb_term":  # new_business.csv's term: plan.csv's unless given
            t = fields["term"] if v is None else v
            out[name] = _ro(np.broadcast_to(np.asarray(t), (n,)), np.int64)
        elif name == "life":
            out[name] = _ro(np.broadcast_to(np.asarray(v, bool), (n,)), bool)
        elif name in ("other_split", "nb_fixed"):
            out[name] = _ro(v)
        elif name == "close_flows":
            flows = {c: _ro(zeros_c) for c in CLOSE_CODES}
            flows.update({c: _ro(np.broadcast_to(np.asarray(x, float), (nc,)))
                          for c, x in v.items()})
            out[name] = flows
        elif name == "sum_at_risk":
            out[name] = None if v is None else _ro(v)
        else:
            out[name] = v
    if "upr_scale" not in overrides:  # as plan_base: the UPR and instalments to come are
        # released with the earned premium and refunds to come
        to_earn = out["earned"].sum(axis=1) + out["refunds"].sum(axis=1)
        to_come = np.where(out["life"], 0.0, out["premiums"].sum(axis=1))
        with np.errstate(divide="ignore", invalid="ignore"):
            out["upr_scale"] = _ro(np.where(to_earn > 0, (out["upr"][:n] + to_come) / to_earn,
                                            0.0))
    unknown = set(overrides) - {f.name for f in dataclasses.fields(PlanBase)}
    if unknown:
        raise TypeError(f"hand_plan_base: no PlanBase field {sorted(unknown)}")
    return PlanBase(**out)


def shock(shock_type: str, value: float, unit: str, *, start: int = 1,
          duration: int | None = None, kind: str = "ALL", asset_class: str = "",
          counterparty: str = "", profile: str = "step") -> Shock:
    """One shock row (default: every product, from month 1 to the horizon, step)."""
    return Shock(shock_type, kind, asset_class, counterparty, start, duration, float(value),
                 unit, profile, "illustrative")


def scenario(scenario_id: str, *shocks: Shock) -> Scenario:
    """A scenario of the given shocks (none: the base)."""
    return Scenario(scenario_id, scenario_id, "both", "severe", tuple(shocks))


def action(action_id: str, trigger: str, act: str, value: float, unit: str = "share", *,
           threshold: float | None = None, periods: int = 1, lag: int = 0,
           duration: int | None = None, once: bool = False, kind: str = "ALL") -> Action:
    """One management action (default: every product, lag 0, to the end, not once)."""
    return Action(action_id, action_id, trigger, kind, threshold, periods, act, float(value),
                  unit, lag, duration, once, "illustrative")
