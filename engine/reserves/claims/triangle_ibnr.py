"""IBNR for a triangle the actuary already has (``reserva ibnr``): one call, plain arrays out.

Methods: those of the IBNR registry (``registry.METHODS``) available for a triangle alone:
``chain_ladder`` (volume-weighted), ``mack`` (chain ladder with Mack 1993 standard errors),
``bf`` (Bornhuetter-Ferguson: exposure x a priori loss ratio), ``cape_cod`` (the loss ratio
estimated from the triangle and the exposure), ``benktander`` (one BF iteration on the BF
ultimate); ``chainladder`` and ``capecod`` are accepted for ``chain_ladder`` and ``cape_cod``. ``bootstrap_sims > 0`` adds the over-dispersed Poisson bootstrap distribution of
the chain ladder total IBNR (``triangles.bootstrap_odp``), whatever the method.

Cells (``methods``): NaN before an origin's latest cell is missing and enters no link ratio
(chainladder's convention); the latest cell must hold a value. ``zeros``:

- ``"missing"`` (default): a cumulative 0 is missing for the factors, as chainladder stores it
  (every link ratio touching a 0 is left out, ``methods.zero_pairs``), so the results equal
  chainladder's; an origin whose latest value is 0 keeps it (nothing reported to date: chain
  ladder ultimate 0, where chainladder has no value);
- ``"data"``: a 0 is a value (Mack 1993's estimator: a pair on a zero base adds its later value
  to the volume-weighted numerator; a 0 in the last column makes that factor 0 and every
  earlier origin's ultimate 0, which the diagnostics flag as collapsed).

Factor options: ``options`` is a row of an assumption set's ``ibnr_options.csv``
(``IbnrOptions``: average, last-n diagonals, drops, tail, sigma_extrapolation,
max_link_ratio), applied exactly as the close applies it (``ibnr.factor_kwargs``); None =
volume-weighted on every diagonal, no tail, Mack's sigma rule, no link-ratio limit.

Diagnostics (``methods.diagnostics``, the ones the close writes in its notes): negative
incremental and negative cumulative cells, missing cells, link ratios above the limit or
undefined, origins and lags without data, collapsed projections (a latest value other than 0
and an ultimate of 0; a result that is not finite is an error, see below) and negative IBNR;
``flags`` lists them per origin.

Totals (``totals``): the sums of latest, ultimate and IBNR over the origins whose ultimate is
defined (``undefined_origins`` says how many are not: origins with no value at all); the Mack
total standard error covers the same origins (None when an origin's own error is undefined).

Finite results: an origin with a value always has a finite CDF, ultimate and IBNR; where one
is not finite (a tail factor, a link ratio or an exposure so large that a product overflows
the float range) the call raises ``ComputationError`` naming the origin, the quantity and its
factors, rather than leaving the origin out of the totals. ``reserva ibnr`` also refuses cells and exposures above the assumption set's
``[input] max_money``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from reserva.errors import ArgumentError, BadCell, ComputationError, InputError
from reserva.io.triangle_csv import diagonal_lags
from reserva.reserves.claims import ibnr as ibnr_options
from reserva.reserves.claims import methods, triangles
from reserva.reserves.claims.registry import METHODS as REGISTRY
from reserva.reserves.claims.registry import MethodInputs, canonical, triangle_choices

METHODS = triangle_choices()  # the registry's methods for a triangle alone, then the aliases
ZEROS = ("missing", "data")


@dataclass(frozen=True)
class TriangleIbnr:
    method: str
    latest: np.ndarray  # [origin]
    ultimate: np.ndarray
    ibnr: np.ndarray
    cdf: np.ndarray
    std_err: np.ndarray | None  # mack only, [origin]
    total_std_err: float | None  # mack only; NaN when an origin's own error is undefined
    ldf: np.ndarray  # [lag]
    bootstrap: triangles.Bootstrap | None = None  # ODP chain ladder bootstrap, one segment
    zeros: str = "missing"
    tail: float = 1.0  # the tail factor applied beyond the last lag
    tail_fit_ok: bool = True  # False where an exponential tail could not be fitted (tail 1)
    sigma_extrapolation: str | None = None  # mack only
    max_link_ratio: float = np.inf
    diagnostics: methods.Diagnostics | None = None  # one segment: arrays [1, ...]
    flags: tuple[tuple[str, ...], ...] = ()  # per origin, see ``FLAGS``

    @property
    def undefined(self) -> np.ndarray:
        """``[origin]``: origins without an ultimate (no value at all)."""
        return np.isnan(self.latest)

    def totals(self) -> dict:
        """Sums over the origins with a defined ultimate, and how many are left out."""
        ok = ~self.undefined
        out = {k: float(np.sum(getattr(self, k)[ok])) for k in ("latest", "ultimate", "ibnr")}
        if self.std_err is not None:
            t = self.total_std_err
            out["std_err"] = None if t is None or not np.isfinite(t) else float(t)
        out["origins"] = int(ok.size)
        out["undefined_origins"] = int(np.count_nonzero(~ok))
        return out


# per-origin flags: name -> what it means (printed under the table)
FLAGS = {
    "no_data": "origins with no value (no ultimate; left out of the totals)",
    "missing_cells": "origins with missing cells (their link ratios left out)",
    "negative_cumulative": "origins with negative cumulative values (Mack: absolute weights)",
    "negative_incremental": "origins with negative incremental values",
    "high_link_ratio": "origins with link ratios above the limit",
    "collapsed": "origins whose projection collapsed (ultimate 0)",
    "negative_ibnr": "origins with negative IBNR (ultimate below the latest value)",
    "std_err_undefined": "origins whose Mack standard error is undefined",
}


def triangle_ibnr(cumulative: np.ndarray, method: str = "chain_ladder", *,
                  exposure: np.ndarray | None = None, apriori: float | None = None,
                  bootstrap_sims: int = 0, seed: int = 42, zeros: str = "missing",
                  options=None, origins=None, ages=None) -> TriangleIbnr:
    """IBNR by origin of one cumulative triangle ``[origin, age]`` (NaN where unknown).

    Parameters
    ----------
    cumulative : array [origin, age]
        Cumulative values, oldest origin first; NaN beyond the diagonal and where missing.
        An origin whose latest (diagonal) cell is NaN while earlier cells hold values is
        refused (``InputError``).
    method : {"chain_ladder", "mack", "bf", "cape_cod", "benktander"}
        A method of the registry (``registry.METHODS``) for a triangle alone; ``chainladder``
        and ``capecod`` (chainladder's spellings) are accepted for ``chain_ladder`` and
        ``cape_cod`` (the default is spelled ``chainladder``, as in earlier versions, whose
        messages name the method as given). ``TriangleIbnr.method`` holds the registry's name.
    exposure : array [origin], optional
        Exposure (finite, > 0) per origin for bf, cape_cod and benktander.
    apriori : float, optional
        Expected loss ratio (finite, > 0) for bf and benktander.
    bootstrap_sims, seed : int
        ``bootstrap_odp(n_sims=bootstrap_sims, seed=seed)`` of the triangle when
        ``bootstrap_sims > 0`` (percentiles 75, 95, 99.5 of the total IBNR); it needs every
        cell on and above the diagonal and reads zeros as data.
    zeros : {"missing", "data"}
        How a cumulative 0 is read (see the module docstring).
    options : IbnrOptions, optional
        Factor options of an assumption set's ``ibnr_options.csv`` row.
    origins, ages : sequences, optional
        Labels of the rows and columns, for messages (default: their positions).

    Raises
    ------
    InputError
        Bad cells, exposure or a priori ratio, or a bootstrap on missing cells.
    ComputationError
        An origin with a value whose CDF, ultimate or IBNR is not finite, or a bootstrap that
        does not fit in memory.
    """
    C = _validated(cumulative, method, zeros)
    entry = REGISTRY[canonical(method)]
    n_o = C.shape[0]
    if entry.needs_exposure and exposure is None:
        raise ArgumentError.bad("exposure", None, f"an exposure per origin for method {method}",
                                summary=f"method {method} needs --exposure (origin,exposure CSV)")
    if entry.needs_apriori and apriori is None:
        raise ArgumentError.bad("apriori", None, f"an expected loss ratio for method {method}",
                                summary=f"method {method} needs --apriori (expected loss ratio)")
    if entry.needs_exposure:
        exposure = _exposure(exposure, n_o)
    if entry.needs_apriori:
        apriori = _apriori(apriori)
    C3 = C[None]
    kwargs = ibnr_options.factor_kwargs(options)
    excluded = methods.zero_pairs(C3) if zeros == "missing" else np.zeros(
        (1, n_o, max(C.shape[1] - 1, 0)), dtype=bool)
    if zeros == "missing":
        kwargs["exclude"] = excluded
    with np.errstate(all="ignore"):  # overflows are refused below (``_check_finite``)
        factors = methods.development_factors(C3, **kwargs)
    sigma_rule = getattr(options, "sigma_extrapolation", "mack")
    se = total = None
    with np.errstate(all="ignore"):
        p = entry.project(MethodInputs(
            C3, factors, None if exposure is None else exposure[None],
            None if apriori is None else np.array([apriori]), sigma_extrapolation=sigma_rule))
        if entry.std_errors:
            se, total = p.mack_se[0], float(p.total_se[0])
    _check_finite(C, p, factors, exposure, apriori, method, _names(origins, n_o),
                  _names(ages, C.shape[1]))
    limit = float(getattr(options, "max_link_ratio", np.inf))
    with np.errstate(all="ignore"):
        diag = methods.diagnostics(C3, factors, max_link_ratio=limit, ultimate=p.ultimate)
    diag = replace(diag, high_link_ratio=diag.high_link_ratio & ~excluded,
                   undefined_link_ratio=diag.undefined_link_ratio & ~excluded)
    boot = None
    if bootstrap_sims:
        if diag.missing.any():
            raise ArgumentError.bad("bootstrap_sims", bootstrap_sims, "0 for a triangle with "
                                    "missing cells", summary=(
                f"--bootstrap needs every cell on and above the diagonal; the triangle has "
                f"{int(diag.missing.sum())} missing cells; fill them in or leave --bootstrap out"))
        boot = _bootstrap(C3, bootstrap_sims, seed)
    return TriangleIbnr(
        entry.name, p.latest[0], p.ultimate[0], p.ibnr[0], p.cdf_applied[0], se, total,
        factors.ldf[0], boot, zeros=zeros, tail=float(factors.tail[0]),
        tail_fit_ok=bool(factors.tail_fit_ok[0]),
        sigma_extrapolation=sigma_rule if entry.std_errors else None, max_link_ratio=limit,
        diagnostics=diag, flags=_flags(diag, p.latest[0], p.ultimate[0], se))


def _names(labels, n: int) -> tuple[str, ...]:
    """Labels as text for messages (numbers as ``:g``); positions when there are none."""
    if labels is None:
        return tuple(str(i) for i in range(n))
    return tuple(f"{x:g}" if isinstance(x, (float, np.floating)) else str(x) for x in labels)


def _check_finite(C, p, factors, exposure, apriori, method: str, origins, ages) -> None:
    """Raise ``ComputationError`` where an origin with a value has no finite result.

    Names the first such origin, the first of its CDF, ultimate and IBNR that is not finite,
    what it is the product of, and which factor is not finite (or that their product
    overflows).
    """
    quantities = {"CDF": p.cdf_applied[0], "ultimate": p.ultimate[0], "IBNR": p.ibnr[0]}
    has = ~np.isnan(C).all(axis=1)
    finite = np.logical_and.reduce([np.isfinite(v) for v in quantities.values()])
    bad = np.flatnonzero(has & ~finite)
    if not bad.size:
        return
    o = int(bad[0])
    name = next(k for k, v in quantities.items() if not np.isfinite(v[o]))
    parts = [f"latest {p.latest[0][o]:g}", f"CDF {p.cdf_applied[0][o]:g}"]
    if float(factors.tail[0]) != 1.0:
        parts.append(f"tail {float(factors.tail[0]):g}")
    if exposure is not None:
        parts.append(f"exposure {exposure[o]:g}")
    if apriori is not None:
        parts.append(f"a priori loss ratio {apriori:g}")
    more = f" (and {bad.size - 1} more origins)" if bad.size > 1 else ""
    raise ComputationError(
        f"origin {origins[o]}{more}: the {method} {name} is {quantities[name][o]:g}, not a "
        f"finite number ({', '.join(parts)}): {_cause(factors, ages)}; fix: check the "
        "triangle's values, the tail factor and the exposure")


def _cause(factors, ages) -> str:
    """Which development factor is not finite, or that the product overflows."""
    ldf, tail = factors.ldf[0], float(factors.tail[0])
    bad = np.flatnonzero(~np.isfinite(ldf))
    if bad.size:
        k = int(bad[0])
        return (f"the factor from age {ages[k]} to {ages[k + 1]} is {ldf[k]:g} (its link "
                "ratios overflow the float range)")
    if not np.isfinite(factors.cdf[0]).all():
        return (f"the product of the factors (largest {np.max(ldf, initial=1.0):g}) and the "
                f"tail {tail:g} overflows the float range")
    return "its product with the latest value or the exposure overflows the float range"


def _bootstrap(C3, n_sims: int, seed: int):
    """``bootstrap_odp``; a simulation too large for memory is a ``ComputationError``."""
    try:
        return triangles.bootstrap_odp(C3, n_sims=n_sims, seed=seed)
    except MemoryError:
        n_o, n_d = C3.shape[1:]
        raise ComputationError(
            f"the bootstrap of {n_sims} simulations of a {n_o} x {n_d} triangle does not fit "
            "in memory; fix: ask for fewer simulations") from None


def _validated(cumulative, method: str, zeros: str) -> np.ndarray:
    if method not in METHODS:
        raise ArgumentError.bad("method", method, f"one of {', '.join(METHODS)}", summary=(
            f"method {method!r} unknown; expected one of {', '.join(METHODS)}"))
    if zeros not in ZEROS:
        raise ArgumentError.bad("zeros", zeros, f"one of {', '.join(ZEROS)}", summary=(
            f"zeros {zeros!r} unknown; expected one of {', '.join(ZEROS)}"))
    C = np.asarray(cumulative, dtype=float)
    if C.ndim != 2 or C.shape[0] < 1 or C.shape[1] < 1:
        raise InputError(BadCell("triangle", None, None, f"shape {C.shape}",
                                 "a 2-d array [origin, development age]"))
    if np.isinf(C).any():
        o, d = np.argwhere(np.isinf(C))[0]
        raise InputError(BadCell("triangle", None, f"origin {o}, age {d}", str(C[o, d]),
                                 "a finite number or NaN (unknown)"))
    known = ~np.isnan(C)
    expected = diagonal_lags(known)
    short = [o for o in np.flatnonzero(known.any(axis=1))
             if expected[o] >= 0 and not known[o, expected[o]]]
    if short:
        raise InputError([BadCell("triangle", None, f"origin {o}, age {expected[o]}", "NaN",
                                  "the origin's latest value (the diagonal)",
                                  "fill in the cell (0 if nothing was reported to date)")
                          for o in short])
    return C


def _exposure(exposure, n_o: int) -> np.ndarray:
    ex = np.asarray(exposure, dtype=float)
    if ex.shape != (n_o,):
        raise InputError(BadCell("exposure", None, None, f"shape {ex.shape}",
                                 f"one exposure per origin ({n_o})"))
    bad = np.flatnonzero(~np.isfinite(ex) | (ex <= 0))
    if bad.size:
        raise InputError([BadCell("exposure", None, f"origin {o}", str(ex[o]),
                                  "a finite exposure > 0") for o in bad])
    return ex


def _apriori(apriori) -> float:
    try:
        value = float(apriori)
    except (TypeError, ValueError):
        value = float("nan")
    if not np.isfinite(value) or value <= 0:
        raise ArgumentError.bad("apriori", apriori, "a finite expected loss ratio > 0", summary=(
            f"--apriori {apriori!r}: expected a finite expected loss ratio > 0 (e.g. 0.65)"))
    return value


def _flags(diag: methods.Diagnostics, latest: np.ndarray, ultimate: np.ndarray,
           se) -> tuple[tuple[str, ...], ...]:
    by_origin = {
        "no_data": np.isnan(latest),  # no known cell
        "missing_cells": diag.missing[0].any(axis=1),
        "negative_cumulative": diag.negative_cumulative[0].any(axis=1),
        "negative_incremental": diag.negative_incremental[0].any(axis=1),
        "high_link_ratio": diag.high_link_ratio[0].any(axis=1),
        "collapsed": diag.collapsed[0],
        "negative_ibnr": diag.negative_ibnr[0],
        "std_err_undefined": (np.zeros_like(ultimate, dtype=bool) if se is None
                              else np.isfinite(ultimate) & ~np.isfinite(se)),
    }
    return tuple(tuple(k for k, v in by_origin.items() if v[o]) for o in range(len(ultimate)))


def diagnostics_report(r: TriangleIbnr, origins, ages) -> dict:
    """The diagnostics of ``r`` by name, cells as {origin, development}, lags as {from, to}."""
    d = r.diagnostics
    ages = [float(a) for a in ages]

    def cells(mask):
        return [{"origin": str(origins[o]), "development": ages[k]}
                for o, k in np.argwhere(mask[0])]

    def pairs(mask):
        return [{"origin": str(origins[o]), "from": ages[k], "to": ages[k + 1]}
                for o, k in np.argwhere(mask[0])]

    out = {
        "zeros": r.zeros, "max_link_ratio": r.max_link_ratio if np.isfinite(r.max_link_ratio)
        else None,
        "negative_incremental": cells(d.negative_incremental),
        "negative_cumulative": cells(d.negative_cumulative),
        "missing": cells(d.missing),
        "high_link_ratio": pairs(d.high_link_ratio),
        "undefined_link_ratio": pairs(d.undefined_link_ratio),
        "origins_without_data": [str(origins[o]) for o in np.flatnonzero(d.origin_no_data[0])],
        "lags_without_factor": [{"from": ages[k], "to": ages[k + 1]}
                                for k in np.flatnonzero(d.lag_no_data[0])],
        "zero_factors": [{"from": ages[k], "to": ages[k + 1]} for k in np.flatnonzero(r.ldf == 0)],
        "collapsed": [str(origins[o]) for o in np.flatnonzero(d.collapsed[0])],
        "negative_ibnr": [str(origins[o]) for o in np.flatnonzero(d.negative_ibnr[0])],
        "tail_fit_failed": not r.tail_fit_ok,
    }
    out["messages"] = diagnostic_lines(out, r)
    return out


def diagnostic_lines(report: dict, r: TriangleIbnr) -> list[str]:
    """One line per kind of problem, with the first few places (as the close's notes)."""

    def where(items, key=None, limit=5):
        shown = [_place(x) if key is None else x for x in items[:limit]]
        more = f", ... {len(items) - limit} more" if len(items) > limit else ""
        return ", ".join(shown) + more

    lines = []
    for key, text in (("negative_incremental", "negative incremental cells"),
                      ("negative_cumulative", "negative cumulative cells (Mack uses absolute "
                                              "variance weights)"),
                      ("missing", "missing cells (their link ratios left out)"),
                      ("high_link_ratio", f"link ratios above the limit {r.max_link_ratio:g}"),
                      ("undefined_link_ratio", "link ratios 0 / 0 (left out of the simple "
                                               "average)")):
        if report[key]:
            lines.append(f"{len(report[key])} {text}: {where(report[key])}")
    for key, text in (("origins_without_data", "origins with no claims"),
                      ("collapsed", "origins with a collapsed projection (ultimate 0)"),
                      ("negative_ibnr", "origins with negative IBNR")):
        if report[key]:
            lines.append(f"{len(report[key])} {text}: {where(report[key], key=True)}")
    if report["lags_without_factor"]:
        lags = report["lags_without_factor"]
        lines.append(f"{len(lags)} lags without a factor (set to 1): "
                     + where([f"{x['from']:g}-{x['to']:g}" for x in lags], key=True))
    if report["zero_factors"]:
        lags = report["zero_factors"]
        lines.append(f"{len(lags)} factors of 0 (every origin not past them projects to 0): "
                     + where([f"{x['from']:g}-{x['to']:g}" for x in lags], key=True)
                     + ("; --zeros missing leaves the zeros out" if r.zeros == "data" else ""))
    if report["tail_fit_failed"]:
        lines.append("exponential tail could not be fitted (no decay): tail 1 used")
    undefined = int(np.count_nonzero(r.undefined))
    if undefined:
        lines.append(f"{undefined} origins undefined (no value): totals over the other "
                     f"{r.undefined.size - undefined}")
    return lines


def _place(x: dict) -> str:
    if "development" in x:
        return f"{x['origin']} at {x['development']:g}"
    return f"{x['origin']} {x['from']:g}-{x['to']:g}"


def document(r: TriangleIbnr, origins, ages) -> dict:
    """``r`` as plain JSON-ready values: every NaN or infinity is None (JSON ``null``).

    Keys: method, origins (latest, cdf, ultimate, ibnr, std_err for mack, flags), totals
    (``TriangleIbnr.totals``), ldf, tail, diagnostics (``diagnostics_report``) and, with a
    bootstrap, bootstrap.
    """
    rows = []
    for o, label in enumerate(origins):
        row = {"origin": str(label), "latest": r.latest[o], "cdf": r.cdf[o],
               "ultimate": r.ultimate[o], "ibnr": r.ibnr[o]}
        if r.std_err is not None:
            row["std_err"] = r.std_err[o]
        row["flags"] = list(r.flags[o]) if r.flags else []
        rows.append(row)
    out = {"method": r.method, "origins": rows, "totals": r.totals(), "ldf": r.ldf.tolist(),
           "tail": r.tail, "diagnostics": diagnostics_report(r, origins, ages)}
    boot = r.bootstrap
    if boot is not None:
        out["bootstrap"] = {
            "model": "odp chain ladder", "n_sims": boot.n_sims, "seed": boot.seed,
            "mean": float(boot.mean[0]), "std": float(boot.std[0]),
            "percentiles": {f"{p:g}": float(v)
                            for p, v in zip(boot.percentiles, boot.total_quantiles[0], strict=True)},
            "by_origin_mean": boot.by_origin_mean[0].tolist(),
        }
    return finite_or_none(out)


def finite_or_none(value):
    """``value`` with every float that is NaN or infinite replaced by None, recursively."""
    if isinstance(value, dict):
        return {k: finite_or_none(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite_or_none(v) for v in value]
    if isinstance(value, (float, np.floating)):
        return float(value) if np.isfinite(value) else None
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    return value
