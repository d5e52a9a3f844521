"""Report builders of the spot checks (nothing stored): the report model
(``reserva.report.model``) of a UPR at a date, the IBNR of a triangle, a life contract's net
premium and reserve, and a cash-matching portfolio, from the result the library computed.

``triangle_ibnr_document`` is the library call of ``reserva ibnr``: the assumption set's
factor options (with the overrides given), the triangle file and its exposure read and
checked, the IBNR computed, as the document (plain JSON-ready values) that ``ibnr_report``
draws on a terminal and that the command prints as JSON.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pandas as pd

from reserva.report.model import Lines, Measure, Pairs, Report, Section, table_from_frame


def day_text(day_number: int) -> str:
    """A day number (days since 1970-01-01) as an ISO date."""
    return str(pd.Timestamp(int(day_number), unit="D").date())


def upr_by_policy(result) -> pd.DataFrame:
    """policy_id, product_id, upr, earned, written (period flows)."""
    return pd.DataFrame({
        "policy_id": result.policy_id, "product_id": result.products[result.product],
        "upr": result.upr, "earned": result.earned, "written": result.written,
    })


def upr_by_product(result, names) -> pd.DataFrame:
    """Totals by product with the earning basis (and its components) used."""
    frame = result.by_product()
    frame.insert(1, "earning_basis", [n[0] for n in names])
    frame.insert(2, "components", [" + ".join(n[1:]) for n in names])
    return frame


def upr_rows(result, names, by: str) -> pd.DataFrame:
    """The UPR spot check's rows: by policy or by product (``by``)."""
    return upr_by_policy(result) if by == "policy" else upr_by_product(result, names)


def upr_report(result, names, *, by: str, valuation_date: str) -> Report:
    """``reserva upr``: the UPR at a date, by product (with the earning basis) or by policy."""
    title = f"UPR at {valuation_date} (period from {day_text(result.period_start_day)})"
    return Report(title, (Section("upr", (table_from_frame(upr_rows(result, names, by),
                                                           title),)),))


def triangle_ibnr_frame(doc: dict) -> pd.DataFrame:
    """``reserva ibnr``'s table from its document (``triangle_ibnr.document``): one row per
    origin (latest, cdf, ultimate, ibnr, std_err for mack, flags), the total over the origins
    with a result, then the bootstrap lines if any. Undefined values show empty."""
    numbers = ["latest", "cdf", "ultimate", "ibnr"] + (["std_err"] if doc["method"] == "mack" else [])
    rows = [{"origin": o["origin"], **{k: _number(o[k]) for k in numbers},
             "flags": ", ".join(o["flags"])} for o in doc["origins"]]
    t = doc["totals"]
    label = "total" if not t["undefined_origins"] else (
        f"total of {t['origins'] - t['undefined_origins']} (of {t['origins']})")
    rows.append({"origin": label, **{k: _number(t.get(k)) for k in numbers}, "cdf": float("nan"),
                 "flags": ""})
    boot = doc.get("bootstrap")
    if boot is not None:
        lines = [("bootstrap mean", boot["mean"]), ("bootstrap std", boot["std"])]
        lines += [(f"bootstrap p{p}", v) for p, v in boot["percentiles"].items()]
        rows += [{"origin": k, **{c: float("nan") for c in numbers}, "ibnr": _number(v),
                  "flags": ""} for k, v in lines]
    frame = pd.DataFrame(rows, columns=["origin", *numbers, "flags"])
    if not frame["flags"].astype(bool).any():
        frame = frame.drop(columns="flags")
    return frame


def _number(x) -> float:
    return float("nan") if x is None else float(x)


def triangle_ibnr_document(triangle_csv: Path, method: str = "chain_ladder", *,
                           origin: str | None = None, development: str | None = None,
                           value: str | None = None, exposure_csv: Path | None = None,
                           apriori: float | None = None, zeros: str = "missing",
                           tail: float | str | None = None,
                           sigma_extrapolation: str | None = None,
                           assumptions="default", kind: str = "other",
                           bootstrap_sims: int = 0, seed: int = 42) -> dict:
    """The IBNR of a cumulative triangle CSV as its document (``reserva ibnr``).

    Parameters
    ----------
    triangle_csv : Path
        A long (origin, development, value) or wide triangle CSV.
    method : str
        An IBNR method of the registry for a triangle (either spelling).
    origin, development, value : str, optional
        The columns of a long CSV (default: origin, development, value).
    exposure_csv : Path, optional
        A CSV ``origin,exposure`` for bf, cape_cod and benktander.
    apriori : float, optional
        The expected loss ratio of bf and benktander.
    zeros : {"missing", "data"}
        How a cumulative 0 is read.
    tail : float or "exponential", optional
        Overrides the tail of the set's factor options.
    sigma_extrapolation : str, optional
        Overrides the sigma rule of the set's factor options.
    assumptions : str or AssumptionSet
        The set (a name, a path, or a set already loaded, e.g. a variant) whose
        ``ibnr_options.csv`` row ``kind`` gives the factor options and whose ``[input]
        max_money`` bounds the cells and exposures.
    kind : str
        The product kind of that row.
    bootstrap_sims, seed : int
        ODP bootstrap simulations (0: none) and their seed.

    Returns
    -------
    dict
        ``reserva.reserves.claims.triangle_ibnr.document``: method, origins, totals, ldf, tail,
        diagnostics and, with a bootstrap, bootstrap.

    Raises
    ------
    AssumptionError, InputError, ArgumentError, ComputationError
        The set, the files' cells (every bad cell at once), the options, a result that is not
        finite; in that order.
    """
    from reserva.io.assumptions import AssumptionSet, load_assumptions
    from reserva.io.limits import InputLimits
    from reserva.io.triangle_csv import read_exposure_csv, read_triangle_csv
    from reserva.reserves.claims.triangle_ibnr import document, triangle_ibnr

    a = assumptions if isinstance(assumptions, AssumptionSet) else load_assumptions(assumptions)
    options = a.ibnr(kind)
    options = replace(options, tail=options.tail if tail is None else tail,
                      sigma_extrapolation=sigma_extrapolation or options.sigma_extrapolation)
    max_money = InputLimits.of(a).max_money
    tri = read_triangle_csv(triangle_csv, origin=origin, development=development, value=value,
                            max_money=max_money)
    exp = read_exposure_csv(exposure_csv, tri.origins, max_money=max_money) \
        if exposure_csv else None
    r = triangle_ibnr(tri.cumulative, method, exposure=exp, apriori=apriori,
                      bootstrap_sims=bootstrap_sims, seed=seed, zeros=zeros, options=options,
                      origins=tri.origins, ages=tri.ages)
    return document(r, tri.origins, tri.ages)


def ibnr_report(doc: dict, *, name: str, zeros: str, tail: float | None = None) -> Report:
    """``reserva ibnr``: the IBNR by origin of a triangle file ``name`` with its totals (and
    bootstrap lines), then one review line per diagnostic; ``tail`` the tail factor used
    (default: the document's)."""
    tail = doc["tail"] if tail is None else tail
    title = f"IBNR of {name} ({doc['method']}, zeros {zeros}, tail {tail:g})"
    boot = doc.get("bootstrap")
    if boot is not None:
        title += f"; bootstrap: ODP chain ladder, {boot['n_sims']} sims, seed {boot['seed']}"
    review = tuple(f"review: {line}" for line in doc["diagnostics"]["messages"])
    return Report(title, (Section("ibnr", (table_from_frame(triangle_ibnr_frame(doc), title),
                                           Lines(review, wrap=False))),))


def life_report(out: dict, *, plan: str, age: int, term: int | None, duration: float,
                premium_mode: str, sum_insured: float) -> Report:
    """``reserva life``: a contract's net premium, reserve, annuities and assurances."""
    h = int(duration)
    what = {"whole_life": "A_x", "endowment": "A_x:n", "term": "A1_x:n"}[plan]
    rows = (
        ("net annual premium", out["annual_premium"], "money2"),
        (f"reserve at duration {duration:g}", out["reserve"], "money2"),
        (f"ä at issue (age {age}, premiums {premium_mode})", out["annuity_at_issue"], "fixed6"),
        (f"{what} at issue (age {age})", out["assurance_at_issue"], "fixed6"),
        (f"ä at duration {h} (age {age + h})", out["annuity_at_duration"], "fixed6"),
        (f"{what} at duration {h} (age {age + h})", out["assurance_at_duration"], "fixed6"),
    )
    title = (f"{plan.replace('_', ' ')}, age {age}" + (f", term {term}" if term else "")
             + f", sum insured {sum_insured:,.2f}, {out['table']} at {out['interest']:.2%}")
    pairs = Pairs(title, tuple(Measure(label, value, fmt) for label, value, fmt in rows))
    return Report(title, (Section("life", (pairs,)),))


def match_report(result: dict, reinvest_rate: float | None) -> Report:
    """``reserva alm match``: the cost of the cash-matching portfolio, its holdings and the
    surplus after each payment."""
    carried = ("no surplus carried" if reinvest_rate is None
               else f"surplus carried at {100 * reinvest_rate:g}% a year")
    holdings = pd.DataFrame({"bond_id": list(result["holdings"]),
                             "units": list(result["holdings"].values())})
    surplus = pd.Series(result["surplus"]).round(2) + 0.0  # + 0.0: no "-0.00"
    surplus = pd.DataFrame({"time": surplus.index, "surplus": surplus.to_numpy()})
    return Report("Cash-matching portfolio", (Section("match", (
        Lines((f"Cash-matching portfolio: cost {result['cost']:,.2f} ({carried})",)),
        table_from_frame(holdings, "Holdings"),
        table_from_frame(surplus, "Surplus after each payment"))),))
