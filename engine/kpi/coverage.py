"""Coverage ratio (participation / penetration rate).

    coverage_n = active insured_n / target population_n   (spec §1.6; E2 L2061, E1 L1588)

Count insured persons, not active policies (E2 footnote 23, L2110-2111). The target
population comes from the business plan (E2 Table 7, L2077-2108). Zero target population ->
undefined (decision 13).
"""

from __future__ import annotations

from reserva.kpi.ratio import Ratio, ratio


def coverage(active_insured: float, target_population: float) -> Ratio:
    """Active insured persons at period end / target population."""
    return ratio(active_insured, target_population, what="target population")
