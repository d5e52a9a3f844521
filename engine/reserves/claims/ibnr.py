"""IBNR by product from the reporting-lag triangle (spec §3.4, decision 1: lag-based method).

IBNR_p = sum over origins of (ultimate - reported to date), the chain ladder on the claimed
amounts by event period x report lag. A product with fewer known claims than the assumption
set's ``min_claims_for_chain_ladder``, or with ``ibnr_method = none``, gets no IBNR and a note
saying why (never a silent zero).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.reserves.claims.triangles import Triangle, chain_ladder, reporting_triangle


@dataclass(frozen=True)
class IbnrResult:
    products: np.ndarray
    ibnr: np.ndarray  # by product
    method: tuple[str, ...]  # by product: chain_ladder | none
    note: tuple[str, ...]  # by product: why a fallback was used, or ""
    triangle: Triangle
    by_origin_ibnr: np.ndarray  # [product, origin]
    by_origin_ultimate: np.ndarray
    by_origin_latest: np.ndarray
    ldf: np.ndarray  # [product, lag]


def compute_ibnr(
    product: np.ndarray,
    products: np.ndarray,
    event_day: np.ndarray,
    report_day: np.ndarray,
    claimed_amount: np.ndarray,
    valuation_day: int,
    *,
    grain_months: int,
    methods: list[str],
    min_claims: list[int],
    first_day: int | None = None,
    average: str = "volume",
) -> IbnrResult:
    """Chain-ladder IBNR per product on the claims known at ``valuation_day``."""
    tri = reporting_triangle(
        product, products, event_day, report_day, claimed_amount, valuation_day, grain_months,
        first_day=first_day,
    )
    cl = chain_ladder(tri.amount, grain_months, average=average)
    known_counts = np.nansum(tri.count, axis=(1, 2))
    use = np.zeros(len(products), dtype=bool)
    method, note = [], []
    for i in range(len(products)):
        if methods[i] == "none":
            method.append("none")
            note.append("ibnr_method none in the assumption set")
        elif known_counts[i] < min_claims[i]:
            method.append("none")
            note.append(
                f"thin: {int(known_counts[i])} claims known, chain ladder needs {min_claims[i]}; "
                "IBNR not estimated"
            )
        else:
            use[i] = True
            method.append("chain_ladder")
            note.append("")
    by_origin = np.where(use[:, None], cl.ibnr, 0.0)
    ultimate = np.where(use[:, None], cl.ultimate, cl.latest)
    return IbnrResult(
        products=np.asarray(products),
        ibnr=by_origin.sum(axis=1),
        method=tuple(method),
        note=tuple(note),
        triangle=tri,
        by_origin_ibnr=by_origin,
        by_origin_ultimate=ultimate,
        by_origin_latest=cl.latest,
        ldf=cl.ldf,
    )
