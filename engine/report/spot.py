"""Report builders of the spot checks (nothing stored): the report model
(``reserva.report.model``) of a UPR at a date, the IBNR of a triangle, a life contract's net
premium and reserve, and a cash-matching portfolio, from the result the library computed.
"""

from __future__ import annotations

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


def ibnr_report(doc: dict, *, name: str, zeros: str, tail: float) -> Report:
    """``reserva ibnr``: the IBNR by origin of a triangle file ``name`` with its totals (and
    bootstrap lines), then one review line per diagnostic."""
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
