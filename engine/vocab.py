"""The vocabularies of the engine: the one definition of every coded value, the bottom layer.

Every module that names a code of the data pack or of the results (the schema in ``io``, the
kernels, the stages, the store, the report, the sample generator) imports it from here; this
module imports nothing of the engine. A vocabulary is a tuple whose order is part of its
meaning: the integer code of a value is its index in the tuple (``CLAIM_STATUSES[2]`` is
``"rejected"``, so an array of claim statuses holds 2 for a rejected claim), the same code in
``io`` (the array bundles), the kernels and the sample generator.

- ``PROGRAMME``: the column of every product combined (results keyed by ``product_id``).
- Premium frequencies (data-pack ``policies.premium_frequency`` and
  ``life_policies.premium_mode``): ``INTERVAL_MONTHS`` = months between two premium due dates
  (0 = one premium only), ``PREMIUMS_PER_YEAR`` = premiums a year (a single premium counts as
  one: the annual premium column holds it).
- Claim statuses, with their integer codes ``CLAIM_OPEN``, ``CLAIM_PAID``, ``CLAIM_REJECTED``,
  ``CLAIM_PARTIAL``
  (spec 6.1: a claim's decision C and receipt D, E2 L2486-2488, L2712-2713).
- Exit reasons (``exits.reason``; ``DEATH`` and ``MAX_AGE`` leave the renewal denominator,
  E2 L1789-1920).
- Asset classes, ledger lines, liability kinds, reserves, life plans, savings transaction types,
  relationships, product kinds: the choices of the data-pack columns (README data-pack tables).
- Stress scenarios (``stress_scenarios.csv`` of an assumption set, read by
  ``reserva.io.scenarios``): families, severities, shock units and time profiles, and
  ``SHOCK_TYPES``, the registry of shock types with the units each accepts (README
  "Stress scenarios").
- Management actions (``management_actions.csv`` of an assumption set, read by
  ``reserva.io.actions``): ``ACTION_TRIGGERS``, the registry of trigger metrics with the unit
  of their threshold and what they measure, ``ACTION_TYPES``, the registry of actions with the
  units each accepts, and ``ACTION_UNITS`` (README "Management actions").
"""

from __future__ import annotations

# the programme column: every product combined
PROGRAMME = "ALL"

PRODUCT_KINDS = (
    "credit_life", "group_life", "individual_life", "endowment", "whole_life",
    "savings_life", "pension", "health", "other",
)

# premium frequencies (policies.premium_frequency, life_policies.premium_mode)
PREMIUM_FREQUENCIES = ("single", "annual", "semiannual", "quarterly", "monthly")
# months between two premium due dates; 0 = one premium only (single)
INTERVAL_MONTHS = {"single": 0, "annual": 12, "semiannual": 6, "quarterly": 3, "monthly": 1}
# premiums a year; a single premium counts once (the annual premium column holds it)
PREMIUMS_PER_YEAR = {"single": 1, "annual": 1, "semiannual": 2, "quarterly": 4, "monthly": 12}

POLICY_STATUSES = ("active", "expired", "cancelled", "lapsed", "claimed")

# claim statuses; a status's integer code is its index (open 0, paid 1, rejected 2, partial 3)
CLAIM_STATUSES = ("open", "paid", "rejected", "partial")
CLAIM_STATUS_CODES = {status: code for code, status in enumerate(CLAIM_STATUSES)}
CLAIM_OPEN, CLAIM_PAID, CLAIM_REJECTED, CLAIM_PARTIAL = (
    CLAIM_STATUS_CODES[s] for s in CLAIM_STATUSES)

EXIT_REASONS = ("death", "max_age", "lapse", "migration", "other", "unknown")
DEATH, MAX_AGE = EXIT_REASONS[0], EXIT_REASONS[1]

LEDGER_LINES = (
    "personnel", "administration", "distribution", "other_operating",
    "reinsurance_premium", "reinsurance_recoveries", "membership_fees",
    "commissions_received", "investment_income", "other_income",
    "non_operating_income", "non_operating_expense", "extraordinary_income",
    "extraordinary_expense", "donations", "taxes", "claims_handling",
)
ASSET_CLASSES = (
    "cash", "deposit", "government_bond", "corporate_bond", "equity",
    "real_estate", "fixed_assets", "receivable", "other",
)
BOND_CLASSES = ("government_bond", "corporate_bond")
SCHEDULED_ASSETS = (*BOND_CLASSES, "deposit")  # paid back at maturity
CASH_ASSETS = ("cash",)
# without a schedule of cashflows (the asset projection holds them at book value)
UNSCHEDULED_ASSETS = tuple(c for c in ASSET_CLASSES if c not in (*SCHEDULED_ASSETS, *CASH_ASSETS))
COUPON_FREQUENCIES = (0, 1, 2, 3, 4, 6, 12)  # payments a year; 0 = none (12/f whole months)
LIABILITY_KINDS = ("insurance_obligation", "reinsurance_payable", "payable", "other")
RESERVES = ("upr", "ibnr", "ocs", "alr")
LIFE_PLANS = ("whole_life", "endowment", "term", "pure_endowment", "annuity")
# the plans for life: term_years empty, the cover (or the pension) to the table's end
OPEN_PLANS = ("whole_life", "annuity")
TRANSACTION_TYPES = ("contribution", "withdrawal")
RELATIONSHIPS = ("principal", "spouse", "child", "parent", "sibling", "other")

# IBNR methods of an assumption set (reserving.csv ibnr_method, thin_fallback); what each does
# and needs: the registry reserva.reserves.claims.registry
IBNR_METHODS = (
    "chain_ladder", "mack", "bf", "cape_cod", "benktander", "expected", "count_severity", "none",
)

# stress scenarios (stress_scenarios.csv): what a scenario tests
STRESS_FAMILIES = ("liquidity", "solvency", "both")
# how hard a scenario is, mildest first: base = no shock (the handbook's base projection);
# going_concern = adverse but plausible within a year of normal business; solvency = calibrated
# to a 1-in-200 year (as Solvency II's standard formula); severe = beyond it (historical
# extremes, several shocks at once); reverse = built to break the insurer (reverse stress)
STRESS_SEVERITIES = ("base", "going_concern", "solvency", "severe", "reverse")
# the unit of a shock's value: multiplier (x value), share (in [0, 1]), pp (percentage points
# added to an annual rate), months (whole months), bp (basis points), amount (programme currency)
SHOCK_UNITS = ("multiplier", "share", "pp", "months", "bp", "amount")
# how a shock runs over its months: step (full from the start month), linear_in (rising
# linearly to full at the last month), linear_out (full at the start month, falling linearly)
SHOCK_PROFILES = ("step", "linear_in", "linear_out")
# the shock types and the units each accepts (the first is the usual one); ``none`` is the row
# of a scenario without shocks (the base). Meanings: README "Stress scenarios".
SHOCK_TYPES = {
    "none": (),
    "claims_frequency": ("multiplier",),
    "claims_severity": ("multiplier",),
    "catastrophe_claims": ("amount",),
    "mortality_addon": ("pp",),
    "faster_settlement": ("months", "share"),
    "reserve_deficiency": ("share", "multiplier"),
    "mass_lapse": ("share",),
    "lapse_rate": ("multiplier",),
    "savings_withdrawals": ("share", "multiplier"),
    "premium_delay": ("months",),
    "premium_shortfall": ("share",),
    "new_business": ("multiplier",),
    "expenses": ("multiplier", "amount"),
    "expense_fixed_share": ("share",),
    "asset_haircut": ("share",),
    "issuer_default": ("share",),
    "rate_shift": ("bp",),
    "reinsurance_delay": ("months",),
    "reinsurer_default": ("share",),
    "grant_stop": ("share", "amount"),
    "short_term_factor": ("multiplier",),
}

# management actions (management_actions.csv): what triggers an action, measured at the end of
# each projected period on the products of the action's product kind combined (ALL: the
# programme), and the unit of its threshold ("" = no threshold). Definitions:
# reserva.io.actions and README "Management actions".
ACTION_TRIGGERS = {
    "loss_ratio_above": ("ratio", "incurred claims / earned premium of the period, P11 / P02"),
    "combined_ratio_above": (
        "ratio", "(incurred claims + operating expenses) / earned premium of the period, "
        "(P11 + P16) / P02"),
    "solvency_below": (
        "ratio", "admitted assets / (reserves + other liabilities) at the end of the period, "
        "B01 / ((B14 + B17 + B20 + B21 + B23) + (B25 + B29))"),
    "liquidity_below": (
        "ratio", "the 3-month liquidity ratio at the end of the period: cash and cash "
        "equivalents / the liabilities payable within the next 3 months"),
    "surplus_below": (
        "amount", "admitted assets less reserves and other liabilities at the end of the "
        "period, B01 - ((B14 + B17 + B20 + B21 + B23) + (B25 + B29))"),
    "always": ("", "nothing: holds in every period (a planned action)"),
}
# the unit of an action's value: share (+0.10 = 10%), amount (programme currency), ratio (a
# solvency ratio to restore)
ACTION_UNITS = ("share", "amount", "ratio")
# the actions and the units each accepts (the first is the usual one). Meanings:
# reserva.io.actions and README "Management actions".
ACTION_TYPES = {
    "tariff_change": ("share",),
    "benefit_cap": ("share",),
    "expense_cut": ("share",),
    "reinsurance_share": ("share",),
    "new_business_stop": ("share",),
    "capital_injection": ("amount", "ratio"),
    "grant_injection": ("amount",),
}

# model-point projections (reserva.projection.points): the kinds of point, a kernel code each
POINT_KINDS = ("term", "endowment", "whole_life", "pure_endowment", "credit_life", "funeral",
               "annuity", "savings")
# the monthly lines of a model-point projection, in the kernel's column order: money flows
# (premiums in, the rest out), then counts (policies in force at the month's start after new
# business, deaths and lapses in the month) and the account value at the month's end
POINT_FLOWS = ("premiums", "claims", "maturities", "surrenders", "withdrawals", "annuities",
               "expenses", "commissions")
POINT_LINES = (*POINT_FLOWS, "policies", "deaths", "lapses", "account_value")
# when in the month a cashflow is paid (its discount factor: v(m), v(m + 1/2), v(m + 1))
CASHFLOW_TIMINGS = ("start", "mid", "end")

__all__ = [
    "ACTION_TRIGGERS", "ACTION_TYPES", "ACTION_UNITS",
    "ASSET_CLASSES", "BOND_CLASSES", "CASHFLOW_TIMINGS", "CASH_ASSETS", "CLAIM_OPEN", "CLAIM_PAID", "CLAIM_PARTIAL",
    "CLAIM_REJECTED", "CLAIM_STATUSES", "CLAIM_STATUS_CODES", "COUPON_FREQUENCIES", "DEATH",
    "EXIT_REASONS", "IBNR_METHODS", "INTERVAL_MONTHS", "LEDGER_LINES", "LIABILITY_KINDS",
    "LIFE_PLANS", "MAX_AGE", "OPEN_PLANS", "POINT_FLOWS", "POINT_KINDS", "POINT_LINES", "POLICY_STATUSES", "PREMIUMS_PER_YEAR", "PREMIUM_FREQUENCIES",
    "PRODUCT_KINDS", "PROGRAMME", "RELATIONSHIPS", "RESERVES", "SCHEDULED_ASSETS",
    "SHOCK_PROFILES", "SHOCK_TYPES", "SHOCK_UNITS", "STRESS_FAMILIES", "STRESS_SEVERITIES",
    "TRANSACTION_TYPES", "UNSCHEDULED_ASSETS",
]
