"""The indicator catalogue: family, label and unit of every KPI row, and the editions' order.

    family(indicator)  -> one of the ten families (spec §1.0) or "health" (spec §1B)
    unit(indicator)    -> ratio | index | days | count | years | rate | money
    label(indicator)   -> the text shown in the terminal tables
    programme_rule(indicator) -> how the programme column combines the products (PROGRAMME_RULES)

Indicators have semantic ids, never numbers (spec §1.0). Rows whose id carries a group or a
kinship (``health_claims_index_group_<group>``, ``health_user_index_<kinship>``) take the
family, unit and label of their prefix. Units decide only the presentation: a ratio is a
fraction shown as a percentage, an index (USB style) a plain number with two decimals.

The families are a registry (``FAMILIES``): each declares its title, why a product may have
none of its rows, and how its programme column (``reserva.vocab.PROGRAMME``) combines the
products, with the indicators that combine otherwise. The assembler (``reserva.kpi.assemble``)
reads the rule: each rule kind is one generic step there (``COMBINE``: summed parts, pooled
records, the programme column), so adding a family means its entry here, its kernel module
and its per-product step (``assemble.KERNELS``), never programme code of its own. The
indicators of a family whose rule differs from the family's (``otherwise``) come from the same
step (e.g. a count summed beside the ratios of the summed counts; the annualised growth of
the programme's own growth). The handbook defines the indicators as ratios of counts or amounts
(spec §1, E2 L2233, L3168), so the programme's ratio is the ratio of the summed numerators and
denominators, never an average of the products' ratios.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType

# The families of indicators in each edition's order (spec §1.0); the health-fund indices
# (spec §1B) come after the ten in both.
ORDER = {
    1: ("net_income", "expense", "claims", "renewal", "timeliness", "rejection", "growth",
        "coverage", "solvency", "liquidity", "health"),
    2: ("expense", "claims", "net_income", "renewal", "coverage", "growth", "timeliness",
        "rejection", "solvency", "liquidity", "health"),
}

# how a programme column combines the products' figures
PROGRAMME_RULES = MappingProxyType({
    "sum": "the products' values added up",
    "ratio_of_sums": "numerator and denominator each summed over the products that have the "
                     "indicator, then divided",
    "pooled_records": "computed once on the records (claims, members) of every product together",
    "of_programme_ratios": "derived from the programme column's own ratios (annualised, "
                           "averaged over periods)",
    "programme_column": "computed from the programme column of the statements, the cashflow "
                        "grid and the assets, which also hold what no product is allocated",
    "health_kinds_pooled": "the records of the products of the [health] kinds pooled",
})


@dataclass(frozen=True)
class Family:
    """A family of indicators: its title, its programme rule and where a product lacks it."""

    name: str
    title: str  # shown where a whole family is summed up in one line (the folded KPI table)
    programme: str  # a rule of PROGRAMME_RULES
    otherwise: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))
    absent: str | None = None  # why a product has no row of the family at all


def _family(name, title, programme, otherwise=None, absent=None) -> Family:
    return Family(name, title, programme, MappingProxyType(dict(otherwise or {})), absent)


FAMILIES: MappingProxyType[str, Family] = MappingProxyType({f.name: f for f in (
    _family("net_income", "net income", "ratio_of_sums"),
    _family("expense", "expense", "ratio_of_sums"),
    _family("claims", "claims", "ratio_of_sums",
            {"exposure_years": "sum", "claim_count": "sum"}),
    _family("renewal", "renewal", "ratio_of_sums"),
    _family("timeliness", "timeliness", "ratio_of_sums", {"timeliness_unprocessed": "sum"}),
    _family("rejection", "rejection", "pooled_records",
            {"rejection_ratio_provisional": "ratio_of_sums"}),
    _family("growth", "growth", "ratio_of_sums",
            {"growth_ratio_annualised": "of_programme_ratios",
             "growth_simple_average": "of_programme_ratios"}),
    _family("coverage", "coverage", "ratio_of_sums"),  # over the products with a target
    _family("solvency", "solvency", "programme_column"),
    _family("liquidity", "liquidity", "programme_column"),
    _family("health", "health-fund indices", "health_kinds_pooled",
            absent="computed for the product kinds of [health] kinds only"),
)})
# family -> title; family -> why a product has no row of it (read by the report)
FAMILY_NAMES = MappingProxyType({f.name: f.title for f in FAMILIES.values()})
ABSENT = MappingProxyType({f.name: f.absent for f in FAMILIES.values() if f.absent})

# indicator -> (family, unit, label)
INDICATORS: dict[str, tuple[str, str, str]] = {
    "incurred_expense_ratio": ("expense", "ratio", "Incurred expense ratio"),
    "incurred_claims_ratio": ("claims", "ratio", "Incurred claims ratio"),
    "exposure_years": ("claims", "years", "  exposure (insured-years)"),
    "claim_count": ("claims", "count", "  claims occurred"),
    "claim_frequency": ("claims", "rate", "  frequency per insured-year"),
    "claim_severity": ("claims", "money", "  severity (average claim)"),
    "burning_cost": ("claims", "money", "  claims per insured-year"),
    "net_income_ratio": ("net_income", "ratio", "Net income ratio"),
    "renewal_ratio": ("renewal", "ratio", "Renewal ratio"),
    "renewal_ratio_modified": ("renewal", "ratio", "  modified (excl. coded reasons)"),
    "renewal_ratio_deaths_only": ("renewal", "ratio", "  deaths-only variant"),
    "lapse_ratio": ("renewal", "ratio", "  lapse ratio"),
    "household_renewal_ratio": ("renewal", "ratio", "  households renewed"),
    "dependant_renewal_ratio": ("renewal", "ratio", "  dependants renewed"),
    "persistency_ratio": ("renewal", "ratio", "  persistency over the window"),
    "coverage_ratio": ("coverage", "ratio", "Coverage ratio"),
    "growth_ratio": ("growth", "ratio", "Growth ratio (period)"),
    "growth_ratio_annualised": ("growth", "ratio", "  annualised"),
    "growth_multi_period": ("growth", "ratio", "  over several periods"),
    "growth_simple_average": ("growth", "ratio", "  simple average per period"),
    "growth_compound_annual": ("growth", "ratio", "  compound annual rate"),
    "timeliness_mean_days": ("timeliness", "days", "Claims settlement, mean days"),
    "timeliness_mean_ab": ("timeliness", "days", "  mean reporting (AB)"),
    "timeliness_mean_bc": ("timeliness", "days", "  mean processing (BC)"),
    "timeliness_mean_cd": ("timeliness", "days", "  mean sending (CD)"),
    "timeliness_mean_ad": ("timeliness", "days", "  mean event to receipt (AD)"),
    "timeliness_unprocessed": ("timeliness", "count", "  not yet processed"),
    "rejection_ratio": ("rejection", "ratio", "Claims rejection ratio"),
    "rejection_ratio_provisional": ("rejection", "ratio", "  over decided claims"),
    "partial_rejection_ratio": ("rejection", "ratio", "  partial rejections"),
    "solvency_ratio": ("solvency", "ratio", "Solvency ratio"),
    "liquidity_ratio": ("liquidity", "ratio", "Liquidity ratio (3 months)"),
    "health_claims_index": ("health", "index", "Health fund: claims index S/P"),
    "health_financing_index": ("health", "index", "  financing index S/F"),
    "health_claims_index_group": ("health", "index", "  claims index, group"),
    "health_emergency_cost_index": ("health", "index", "  emergency cost index"),
    "health_emergency_count_index": ("health", "index", "  emergency count index"),
    "health_user_index": ("health", "index", "  user index"),
    "health_user_index_kinship": ("health", "index", "  user index,"),
    "health_cost_per_case": ("health", "money", "  cost per case"),
    "health_cost_per_affiliate": ("health", "money", "  cost per affiliate"),
    "health_cost_per_affiliate_annualised": ("health", "money", "  cost per affiliate, annualised"),
    "health_coverage_consumption": ("health", "index", "  coverage consumption"),
    "health_coverage_consumption_annualised": ("health", "index", "  coverage consumption, annualised"),
    "health_plan_adjustment": ("health", "ratio", "  plan adjustment"),
}
# The headline indicator of each of the ten families (the trend view's default rows).
HEADLINE = (
    "incurred_expense_ratio", "incurred_claims_ratio", "net_income_ratio", "renewal_ratio",
    "coverage_ratio", "growth_ratio", "timeliness_mean_days", "rejection_ratio",
    "solvency_ratio", "liquidity_ratio",
)
GROUP_PREFIX = "health_claims_index_group_"
KINSHIP_PREFIX = "health_user_index_"
BUCKET_PREFIX = "timeliness_"


def bucket_indicator(label: str) -> str:
    """The row id of a timeliness bucket: "0-7" -> "timeliness_0_7", "91+" -> "timeliness_91_plus"."""
    return BUCKET_PREFIX + label.replace("-", "_").replace("+", "_plus")


def _entry(indicator: str) -> tuple[str, str, str, str]:
    """(family, unit, label, suffix) of a row id; the suffix names a group, kinship or bucket."""
    if indicator in INDICATORS:
        return (*INDICATORS[indicator], "")
    if indicator.startswith(GROUP_PREFIX):
        return (*INDICATORS["health_claims_index_group"], indicator.removeprefix(GROUP_PREFIX))
    if indicator.startswith(KINSHIP_PREFIX):
        return (*INDICATORS["health_user_index_kinship"], indicator.removeprefix(KINSHIP_PREFIX))
    if indicator.startswith(BUCKET_PREFIX):
        bucket = indicator.removeprefix(BUCKET_PREFIX).replace("_plus", "+").replace("_", "-")
        return ("timeliness", "ratio", f"  {bucket} days", "")
    raise KeyError(f"unknown indicator {indicator!r}")


def family(indicator: str) -> str:
    return _entry(indicator)[0]


def programme_rule(indicator: str) -> str:
    """How the programme column of ``indicator`` combines the products (``PROGRAMME_RULES``)."""
    fam = FAMILIES[family(indicator)]
    return fam.otherwise.get(indicator, fam.programme)


def unit(indicator: str) -> str:
    return _entry(indicator)[1]


def label(indicator: str) -> str:
    fam, _, text, suffix = _entry(indicator)
    return f"{text} {suffix.replace('_', ' ')}" if suffix else text
