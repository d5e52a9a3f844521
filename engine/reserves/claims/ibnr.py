"""IBNR by product from the reporting-lag triangle (spec §3.4), method chosen per product.

The triangle holds the claimed amounts by event period x report lag known at the valuation
date (``triangles.reporting_triangle``); the methods run batched over products on the dense
core (``methods``):

- ``chain_ladder``: ult_o = latest_o x CDF_(age of o), volume-weighted factors;
- ``mack``: the chain ladder with Mack (1993) standard errors (by origin and in total);
- ``bf``: Bornhuetter-Ferguson, ult_o = latest_o + EP_o x ELR x (1 - 1/CDF_o);
- ``cape_cod``: BF with ELR = sum latest / sum (EP / CDF) estimated from the data;
- ``benktander``: BF applied to the BF ultimate (``n_iters = 2``);
- ``expected``: expected claims, IBNR_o = max(EP_o x ELR - latest_o, 0), for young or thin
  products;
- ``none``: no IBNR.
``EP_o`` is the earned premium of the origin period (the exposure, from the UPR engine) and
``ELR`` the product kind's ``expected_loss_ratio``. A product with fewer known claims than
``min_claims_for_chain_ladder`` uses its ``thin_fallback`` method instead, and the note says so
(never a silent zero). IBNR_p = sum over origins of ultimate - reported to date.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.reserves.claims import methods as m
from engine.reserves.claims.triangles import Triangle, reporting_triangle

IBNR_METHODS = ("chain_ladder", "mack", "bf", "cape_cod", "benktander", "expected", "none")
NEEDS_EXPOSURE = ("bf", "cape_cod", "benktander", "expected")


@dataclass(frozen=True)
class IbnrResult:
    products: np.ndarray
    ibnr: np.ndarray  # by product
    method: tuple[str, ...]  # by product: the method used
    note: tuple[str, ...]  # by product: why a fallback was used, or ""
    triangle: Triangle
    by_origin_ibnr: np.ndarray  # [product, origin]
    by_origin_ultimate: np.ndarray
    by_origin_latest: np.ndarray
    by_origin_std_err: np.ndarray  # Mack standard error [product, origin]; NaN unless mack
    std_err: np.ndarray  # total Mack standard error by product; NaN unless mack
    ldf: np.ndarray  # [product, lag]
    diagnostics: m.Diagnostics


def cumulative(incremental: np.ndarray) -> np.ndarray:
    """Cumulative triangle from an incremental one (NaN outside the known triangle kept)."""
    return np.where(np.isnan(incremental), np.nan, np.cumsum(np.nan_to_num(incremental), axis=2))


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
    fallback: list[str] | None = None,
    expected_loss_ratio: np.ndarray | None = None,
    exposure: np.ndarray | None = None,
    first_day: int | None = None,
    average: str = "volume",
    max_link_ratio: float = 10.0,
) -> IbnrResult:
    """IBNR per product on the claims known at ``valuation_day`` (``exposure[p, origin]``)."""
    n = len(products)
    fallback = fallback or ["none"] * n
    tri = reporting_triangle(
        product, products, event_day, report_day, claimed_amount, valuation_day, grain_months,
        first_day=first_day,
    )
    C = cumulative(tri.amount)
    n_o = C.shape[1]
    factors = m.development_factors(C, average=average)
    known_counts = np.nansum(tri.count, axis=(1, 2))
    chosen, note = [], []
    for i in range(n):
        method = methods[i]
        if method == "none":
            note.append("ibnr_method none in the assumption set: no IBNR")
        elif method != "expected" and known_counts[i] < min_claims[i]:
            note.append(
                f"thin: {int(known_counts[i])} claims known, {method} needs {min_claims[i]}; "
                f"{fallback[i]} used"
            )
            method = fallback[i]
        else:
            note.append("")
        chosen.append(method)
    elr = np.zeros(n) if expected_loss_ratio is None else np.asarray(expected_loss_ratio, float)
    ep = np.zeros((n, n_o)) if exposure is None else np.asarray(exposure, float)
    with np.errstate(all="ignore"):
        cl = m.chain_ladder(C, factors)
        latest = np.nan_to_num(cl.latest)
        ultimate = np.where(np.isfinite(cl.ultimate), cl.ultimate, latest)
        se = np.full((n, n_o), np.nan)
        se_total = np.full(n, np.nan)
        if "mack" in chosen:
            mk = m.mack(C, factors)
            se = np.where(np.array([c == "mack" for c in chosen])[:, None], mk.mack_se, np.nan)
            se_total = np.where(np.array([c == "mack" for c in chosen]), mk.total_se, np.nan)
        pick = {"chain_ladder": ultimate, "mack": ultimate, "none": latest,
                "expected": np.maximum(ep * elr[:, None], latest)}
        if any(c in ("bf", "benktander", "cape_cod") for c in chosen):
            pick["bf"] = m.bornhuetter_ferguson(C, factors, ep, elr).ultimate
            pick["benktander"] = m.benktander(C, factors, ep, elr, n_iters=2).ultimate
            pick["cape_cod"] = m.cape_cod(C, factors, ep).ultimate
    ult = np.vstack([np.nan_to_num(pick[c][i], nan=latest[i]) for i, c in enumerate(chosen)]) \
        if n else np.zeros((0, n_o))
    by_origin = ult - latest
    diag = m.diagnostics(C, factors, max_link_ratio=max_link_ratio)
    return IbnrResult(
        products=np.asarray(products),
        ibnr=by_origin.sum(axis=1),
        method=tuple(chosen),
        note=tuple(note),
        triangle=tri,
        by_origin_ibnr=by_origin,
        by_origin_ultimate=ult,
        by_origin_latest=latest,
        by_origin_std_err=se,
        std_err=se_total,
        ldf=factors.ldf,
        diagnostics=diag,
    )
