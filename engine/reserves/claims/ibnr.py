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
- ``count_severity``: the chain ladder on claim counts times the average cost,
  IBNR_o = (ultimate count_o - reported count_o) x (sum of reported amounts / sum of reported
  counts of the product) (an option for health, many small claims);
- ``none``: no IBNR.
``EP_o`` is the earned premium of the origin period (the exposure, from the UPR engine) and
``ELR`` the product kind's ``expected_loss_ratio``. A product with fewer known claims than
``min_claims_for_chain_ladder`` uses its ``thin_fallback`` method instead, and the note says so
(never a silent zero). IBNR_p = sum over origins of ultimate - reported to date. The triangle
diagnostics (negative incrementals, link ratios above the kind's limit, origins and lags
without data, negative cumulative cells, origins whose projection collapsed to 0 and
origins with negative IBNR) are returned and summarised per product in ``warnings``; a
projection that is not finite falls back to the reported amount, and is flagged as collapsed.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from reserva.reserves.claims import methods as m
from reserva.reserves.claims.registry import METHODS, NEEDS_EXPOSURE, MethodInputs
from reserva.reserves.claims.triangles import Triangle, reporting_triangle
from reserva.vocab import IBNR_METHODS

__all__ = ["IBNR_METHODS", "NEEDS_EXPOSURE", "IbnrResult", "aggregate_segments", "compute_ibnr",
           "cumulative", "factor_kwargs", "judgements"]


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
    warnings: tuple[str, ...]  # by product: what the diagnostics flag, "" when nothing
    link_ratios: np.ndarray  # [product, origin, lag]: C[o, d+1] / C[o, d], NaN where unknown
    link_used: np.ndarray  # [product, origin, lag]: entered the average (not excluded/dropped)


def cumulative(incremental: np.ndarray) -> np.ndarray:
    """Cumulative triangle from an incremental one (NaN outside the known triangle kept)."""
    return np.where(np.isnan(incremental), np.nan, np.cumsum(np.nan_to_num(incremental), axis=2))


def factor_kwargs(options, judgement=None) -> dict:
    """``development_factors`` keyword arguments of an ``IbnrOptions`` row (None: the defaults)
    and the actuary's judgements (``judgements``)."""
    out = {} if options is None else {
        "average": options.average, "n_periods": options.n_periods,
        "drop_high": options.drop_high, "drop_low": options.drop_low, "tail": options.tail}
    if judgement is not None:
        out.update(judgement)
    return out


def judgements(selections, product_id: str, origin_start: np.ndarray) -> dict:
    """``selected[1, d]`` and ``exclude[1, o, d]`` of one product from its selection rows
    (``from_lag`` L means the factor from development period L to L + 1)."""
    n_o = len(origin_start)
    selected = np.full((1, max(n_o - 1, 0)), np.nan)
    exclude = np.zeros((1, n_o, max(n_o - 1, 0)), dtype=bool)
    used = False
    if selections is not None and len(selections):
        rows = selections[selections["product_id"].astype(str) == str(product_id)]
        starts = {str(d): k for k, d in enumerate(origin_start)}
        for r in rows.to_dict("records"):
            d = int(float(r["from_lag"])) - 1
            if d >= n_o - 1:
                continue  # beyond this triangle
            if r["kind"] == "factor":
                selected[0, d] = float(r["factor"])
                used = True
            elif str(pd_date(r["origin_start"])) in starts:
                exclude[0, starts[str(pd_date(r["origin_start"]))], d] = True
                used = True
    return {"selected": selected, "exclude": exclude} if used else {}


def pd_date(text) -> np.datetime64:
    return np.datetime64(str(text)[:10], "D")


def diagnostic_warnings(diag: m.Diagnostics, i: int) -> str:
    """One line of what to review in segment i's triangle ("" when nothing)."""
    parts = []
    for name, arr in (("negative incremental cells", diag.negative_incremental[i]),
                      ("negative cumulative cells (Mack: absolute variance weights)",
                       diag.negative_cumulative[i]),
                      ("link ratios above the limit", diag.high_link_ratio[i]),
                      ("origins with no claims", diag.origin_no_data[i]),
                      ("lags without a factor (set to 1)", diag.lag_no_data[i]),
                      ("origins with a collapsed projection (ultimate 0)", diag.collapsed[i]),
                      ("origins with negative IBNR", diag.negative_ibnr[i])):
        k = int(np.count_nonzero(arr))
        if k:
            parts.append(f"{k} {name}")
    return "; ".join(parts)


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
    options: list | None = None,
    selections=None,
) -> IbnrResult:
    """IBNR per product on the claims known at ``valuation_day`` (``exposure[p, origin]``).

    ``options[p]`` (``IbnrOptions``: average, last-n diagonals, drops, tail, sigma rule, link
    ratio limit) selects each product's factors; None = volume-weighted on every diagonal.
    ``exposure`` may be a callable returning the array, called only if a method needs it.
    ``selections`` (product_id, kind factor|exclude, origin_start, from_lag, factor): the
    actuary's selected factors and excluded link ratios, applied before the averages.
    """
    n = len(products)
    fallback = fallback or ["none"] * n
    options = options or [None] * n
    tri = reporting_triangle(
        product, products, event_day, report_day, claimed_amount, valuation_day, grain_months,
        first_day=first_day,
    )
    C = cumulative(tri.amount)
    n_o = C.shape[1]
    known_counts = np.nansum(tri.count, axis=(1, 2))
    elr = np.zeros(n) if expected_loss_ratio is None else np.asarray(expected_loss_ratio, float)
    chosen, note = [], []
    latest = np.zeros((n, n_o))
    ult = np.zeros((n, n_o))
    se = np.full((n, n_o), np.nan)
    se_total = np.full(n, np.nan)
    ldf = np.ones((n, max(n_o - 1, 0)))
    ratios = np.full((n, n_o, max(n_o - 1, 0)), np.nan)
    used = np.zeros((n, n_o, max(n_o - 1, 0)), dtype=bool)
    diags = []
    for i in range(n):
        method = methods[i]
        if method == "none":
            note.append("ibnr_method none in the assumption set: no IBNR")
        elif METHODS[method].thin_check and known_counts[i] < min_claims[i]:
            note.append(
                f"thin: {int(known_counts[i])} claims known, {method} needs {min_claims[i]}; "
                f"{fallback[i]} used"
            )
            method = fallback[i]
        else:
            note.append("")
        chosen.append(method)
    ep = np.zeros((n, n_o))
    if exposure is not None and any(c in NEEDS_EXPOSURE for c in chosen):
        ep = np.asarray(exposure() if callable(exposure) else exposure, float)
    for i in range(n):
        method = chosen[i]
        Ci, ep_i, elr_i = C[i : i + 1], ep[i : i + 1], elr[i : i + 1]
        opt = options[i]
        judged = judgements(selections, str(products[i]), tri.origin_start)
        if judged:
            note[i] = "; ".join(x for x in (note[i], "selected factors / exclusions applied") if x)
        with np.errstate(all="ignore"):
            factors = m.development_factors(Ci, **factor_kwargs(opt, judged))
            lat = np.nan_to_num(m.chain_ladder(Ci, factors).latest[0])
            entry = METHODS[method]
            p = entry.project(MethodInputs(
                Ci, factors, ep_i, elr_i,
                sigma_extrapolation=opt.sigma_extrapolation if opt else "mack",
                counts=lambda i=i, opt=opt: _counts(tri.count[i : i + 1], opt)))
            u = p.ultimate[0]
            if entry.std_errors:
                se[i], se_total[i] = p.mack_se[0], p.total_se[0]
        latest[i] = lat
        ult[i] = np.where(np.isfinite(u), u, lat)
        ldf[i] = factors.ldf[0]
        with np.errstate(all="ignore"):
            ratios[i] = m.link_ratios(Ci)[0]
        used[i] = factors.used_mask[0]
        diags.append(m.diagnostics(Ci, factors, max_link_ratio=opt.max_link_ratio if opt else 10.0,
                                   ultimate=np.asarray(u, dtype=float)[None]))
    by_origin = ult - latest
    diag = m.Diagnostics(*(np.concatenate([getattr(d, f) for d in diags]) if diags
                           else np.zeros((0,)) for f in m.Diagnostics.__dataclass_fields__))
    warnings = tuple(diagnostic_warnings(diag, i) for i in range(n))
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
        ldf=ldf,
        diagnostics=diag,
        warnings=warnings,
        link_ratios=ratios,
        link_used=used,
    )


def _counts(count: np.ndarray, options) -> tuple[np.ndarray, m.Factors]:
    """Cumulative claim counts of one product and their factors (``count_severity``)."""
    N = cumulative(count)
    return N, m.development_factors(N, **factor_kwargs(options))


def aggregate_segments(by_product: IbnrResult, by_segment: IbnrResult, seg_product: np.ndarray,
                       columns: list[str]) -> IbnrResult:
    """Product-level IBNR as the sum of its segments' (product x ``columns``) IBNR.

    The product triangle, factors, link ratios and diagnostics stay the product's own (for the
    report); ultimates = reported + the segments' IBNR; Mack standard errors add in quadrature
    (the segments taken as independent).
    """
    n = len(by_product.products)
    n_o = by_product.by_origin_ibnr.shape[1]
    ibnr = np.zeros((n, n_o))
    var = np.zeros((n, n_o))
    var_total = np.zeros(n)
    has_se = np.zeros(n, dtype=bool)
    for k, j in enumerate(seg_product):
        ibnr[j] += by_segment.by_origin_ibnr[k]
        if not np.isnan(by_segment.std_err[k]):
            has_se[j] = True
            var[j] += np.nan_to_num(by_segment.by_origin_std_err[k]) ** 2
            var_total[j] += by_segment.std_err[k] ** 2
    counts = np.bincount(seg_product, minlength=n)
    label = " x ".join(columns)
    method = tuple(f"{by_segment.method[int(np.flatnonzero(seg_product == j)[0])]} by {label}"
                   if counts[j] else by_product.method[j] for j in range(n))
    thin = {j for k, j in enumerate(seg_product) if by_segment.note[k].startswith("thin")}
    note = tuple(
        "; ".join(x for x in (f"{counts[j]} segments by {label}",
                              "some segments thin (their fallback used)" if j in thin else "")
                  if x) for j in range(n))
    return replace(
        by_product,
        ibnr=ibnr.sum(axis=1),
        method=method,
        note=note,
        by_origin_ibnr=ibnr,
        by_origin_ultimate=by_product.by_origin_latest + ibnr,
        by_origin_std_err=np.where(has_se[:, None], np.sqrt(var), np.nan),
        std_err=np.where(has_se, np.sqrt(var_total), np.nan),
    )
