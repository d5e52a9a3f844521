"""Model points read from a CSV file into ``ModelPoints`` (``model_points.py``), checked
against their basis: the file boundary of the model-point engine on the side of the data.

One row per model point; every cell is read as text (ids such as ``007`` keep it), an empty
cell takes the default:

    point_id           required, unique
    product            required, a product of the basis
    sex                M or F (default M): the product's table for that sex
    age_at_entry       required, a whole age within the ages of that table
    duration_mth       whole months since issue at the start (default 0; negative: new business
                       issued at the start of month -duration_mth), at most the term (at the
                       term: the point matures at the start, as lifelib's BasicTerm_ME has)
    policy_term        whole years >= 1; may be empty for the kinds ``OPEN_KINDS``: to the end
                       of the table, term months = (max_age + 1 - age_at_entry) x 12; a term
                       never runs past max_age + 1
    premium_term       whole years from 0 to the policy term (default the policy term)
    premium_frequency  monthly, quarterly, semiannual, annual or single (default monthly):
                       ``INTERVAL_MONTHS`` 1, 3, 6, 12, 0 months between premiums
    premium            one instalment per policy >= 0; empty exactly when the product's premium
                       rule is table or rated (the basis supplies it)
    sum_assured        >= 0, required for the kinds ``INSURED_KINDS`` (pure endowment: or a
                       maturity_benefit), else default 0
    maturity_benefit   >= 0, default sum_assured for endowment and pure_endowment, else 0
    policy_count       policies of the point >= 0 (default 1; 0: a point with nothing in force)
    loan_rate          credit life: the loan's annual rate from 0 to below 1 (default 0)
    annuity_amount     annual annuity per policy >= 0, required for an annuity (default 0)
    annuity_frequency  monthly, quarterly, semiannual or annual (default monthly)
    annuity_timing     advance or arrears (default advance)
    guarantee_years    whole years >= 0 with the annuity paid whatever happens (default 0)
    spouse_age         the spouse's whole age at the start, within the product's table for the
                       spouse's sex (empty: no spouse)
    spouse_sex         M or F, given exactly when spouse_age is
    reversion          share from 0 to 1 of the annuity continued to the spouse (default 0; above
                       0 only with a spouse)
    indexation         annual increase of the annuity, between -0.5 and 1 (default 0)
    account_value      savings: the account per policy at the start >= 0 (default 0)

Any other column is kept, as stripped text, in ``ModelPoints.attributes`` (to group by it).
Every bad cell of the file is reported at once: one ``InputError`` of ``BadCell`` (file name,
line, column, the raw cell text, expected, fix), lines counted with the header as line 1.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from reserva.errors import BadCell, InputError
from reserva.projection.points.basis import SEXES, Basis
from reserva.projection.points.basis_files import read_text_table
from reserva.projection.points.model_points import ModelPoints
from reserva.vocab import INTERVAL_MONTHS, PREMIUM_FREQUENCIES

REQUIRED = ("point_id", "product", "age_at_entry")
OPTIONAL = ("sex", "duration_mth", "policy_term", "premium_term", "premium_frequency", "premium",
            "sum_assured", "maturity_benefit", "policy_count", "loan_rate", "annuity_amount",
            "annuity_frequency", "annuity_timing", "guarantee_years", "spouse_age", "spouse_sex",
            "reversion", "indexation", "account_value")
COLUMNS = (*REQUIRED, *OPTIONAL)
OPEN_KINDS = ("whole_life", "funeral", "annuity")  # policy_term may be empty: to the table's end
INSURED_KINDS = ("term", "endowment", "whole_life", "credit_life", "funeral")
MATURITY_KINDS = ("endowment", "pure_endowment")  # maturity_benefit defaults to sum_assured
ANNUITY_FREQUENCIES = tuple(f for f in PREMIUM_FREQUENCIES if f != "single")
ANNUITY_TIMINGS = ("advance", "arrears")
INF = float("inf")
MAX_YEARS = 150  # ages, terms and guarantees in years, at most (beyond any table)
MAX_MONTHS = 12 * MAX_YEARS  # months since issue (or before it), at most
CONTROL = r"[\x00-\x08\x0b-\x1f\x7f-\x9f]"  # control characters, tab and newline aside
# the results' own column names, which a grouping column may not take
RESERVED = frozenset(("scenario", "month", "point_id", "premiums", "claims", "maturities",
                      "surrenders", "withdrawals", "annuities", "expenses", "commissions",
                      "policies", "deaths", "lapses", "account_value", "net_cashflow",
                      "reserves", "product", "kind", "all", "Premiums", "Claims", "Expenses",
                      "Commissions", "Net Cashflow")) | frozenset(
                          f"pv_{x}" for x in ("premiums", "claims", "maturities", "surrenders",
                                              "withdrawals", "annuities", "expenses",
                                              "commissions", "net_cashflow"))


class _Cells:
    """The bad cells of the file, each at its line and column (a cell reported once: its first
    problem)."""

    def __init__(self, file: str, frame: pd.DataFrame):
        self.file = file
        self.frame = frame
        self.lines = frame.index.to_numpy() + 2
        self.items: list[tuple[int, int, BadCell]] = []
        self.order = {c: i for i, c in enumerate(frame.columns)}
        self.seen: set[tuple[int, str]] = set()

    def add(self, rows, column: str, expected: str, fix: str = "", value=None) -> None:
        """A bad cell at each of ``rows`` (positions) of ``column``, showing its raw text."""
        for r in np.atleast_1d(rows):
            r = int(r)
            if (r, column) in self.seen:
                continue
            self.seen.add((r, column))
            shown = (str(self.frame[column].iat[r]) if column in self.frame else "") \
                if value is None else value
            self.items.append((r, self.order.get(column, len(self.order)),
                               BadCell(self.file, int(self.lines[r]), column, shown, expected,
                                       fix)))

    def raise_all(self) -> None:
        if self.items:
            raise InputError([c for _, _, c in sorted(self.items, key=lambda t: t[:2])])


def read_points(path: Path | str, basis: Basis) -> ModelPoints:
    """The model points of the CSV file ``path`` for ``basis`` (the module docstring)."""
    path = Path(path)
    file = path.name
    try:
        frame = read_text_table(path)
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputError(BadCell(file, None, None, "", "a CSV file of model points with a "
                                 "header line", f"correct the file ({type(exc).__name__}: "
                                 f"{exc})")) from exc
    missing = [c for c in REQUIRED if c not in frame.columns]
    if missing:
        raise InputError([BadCell(file, 1, c, "", f"the column {c}", f"add the column {c}")
                          for c in missing])
    if frame.empty:
        raise InputError(BadCell(file, None, None, "", "a model point per row",
                                 "add the points"))
    cells = _Cells(file, frame)
    n = len(frame)

    def text(column: str) -> np.ndarray:
        if column not in frame:
            return np.full(n, "", dtype=object)
        return frame[column].str.strip().to_numpy(dtype=object)

    # control characters (a terminal's escape sequences among them) are refused in every cell
    for column in frame.columns:
        col = frame[column]
        for r in np.flatnonzero(col.str.contains(CONTROL, regex=True).to_numpy(dtype=bool)):
            cells.add(r, column, "text without control characters", "remove them")
    for column in frame.columns:
        if column not in COLUMNS and column in RESERVED:
            raise InputError(BadCell(file, 1, column, column, "a column name the results do "
                                     "not use themselves (" + ", ".join(sorted(RESERVED))
                                     + ")", "rename the column"))

    def number(column: str, expected: str, *, lo=-INF, hi=INF, lo_open=False, hi_open=False,
               whole=False, fix: str = "") -> tuple[np.ndarray, np.ndarray]:
        """(values, empty): NaN where the cell is empty or bad (a bad one recorded)."""
        t = text(column)
        empty = t == ""
        values = pd.to_numeric(pd.Series(np.where(empty, None, t), dtype=object),
                               errors="coerce").to_numpy(dtype=np.float64, copy=True)
        with np.errstate(invalid="ignore"):
            bad = ~empty & ~np.isfinite(values)
            bad |= ~empty & ((values < lo) | (values > hi) | (lo_open & (values == lo))
                             | (hi_open & (values == hi)))
            if whole:
                bad |= ~empty & (values != np.floor(values))
        cells.add(np.flatnonzero(bad), column, expected, fix)
        values[bad] = np.nan
        return values, empty

    def choice(column: str, allowed, default: str) -> np.ndarray:
        t = text(column)
        t[t == ""] = default
        bad = ~np.isin(t, list(allowed))
        cells.add(np.flatnonzero(bad), column, f"one of {', '.join(allowed)} (empty: {default})")
        return t

    # ids and products
    point_id = text("point_id")
    cells.add(np.flatnonzero(point_id == ""), "point_id", "a point id")
    dup = pd.Series(point_id).duplicated(keep="first").to_numpy() & (point_id != "")
    if dup.any():
        first = {pid: r for r, pid in reversed(list(enumerate(point_id)))}
        for r in np.flatnonzero(dup):
            cells.add(r, "point_id", "a unique point id (also on line "
                      f"{cells.lines[first[point_id[r]]]})", "give each point its own id")
    product = text("product")
    known = np.isin(product, list(basis.products))
    cells.add(np.flatnonzero(~known), "product",
              f"a product of the basis {basis.name} ({', '.join(sorted(basis.products))})",
              "add the product to the basis or correct the point")
    kind = np.array([basis.products[p].kind if ok else "" for p, ok in zip(product, known,
                                                                            strict=True)],
                    dtype=object)
    rule = np.array([basis.products[p].premium_rule if ok else "" for p, ok in zip(
        product, known, strict=True)], dtype=object)
    sex = choice("sex", SEXES, "M")

    # numbers
    age, age_empty = number("age_at_entry", f"a whole age from 0 to {MAX_YEARS}", lo=0,
                            hi=MAX_YEARS, whole=True)
    cells.add(np.flatnonzero(age_empty), "age_at_entry", "a whole age >= 0 (required)")
    duration, _ = number("duration_mth", f"a whole number of months from -{MAX_MONTHS} "
                         f"(new business, issued later) to {MAX_MONTHS}", lo=-MAX_MONTHS,
                         hi=MAX_MONTHS, whole=True)
    duration = np.nan_to_num(duration, nan=0.0)
    term_y, term_empty = number("policy_term", f"a whole number of years from 1 to {MAX_YEARS}",
                                lo=1, hi=MAX_YEARS, whole=True)
    prem_y, prem_empty = number("premium_term", f"a whole number of years from 0 to {MAX_YEARS}",
                                lo=0, hi=MAX_YEARS, whole=True)
    frequency = choice("premium_frequency", PREMIUM_FREQUENCIES, "monthly")
    premium, premium_empty = number("premium", "an instalment per policy >= 0", lo=0)
    sum_assured, sa_empty = number("sum_assured", "an amount >= 0", lo=0)
    maturity, mat_empty = number("maturity_benefit", "an amount >= 0", lo=0)
    count, count_empty = number("policy_count", "a number of policies >= 0", lo=0)
    loan_rate, _ = number("loan_rate", "an annual rate from 0 to below 1", lo=0, hi=1,
                          hi_open=True)
    annuity, annuity_empty = number("annuity_amount", "an annual amount >= 0", lo=0)
    a_frequency = choice("annuity_frequency", ANNUITY_FREQUENCIES, "monthly")
    timing = choice("annuity_timing", ANNUITY_TIMINGS, "advance")
    guarantee, _ = number("guarantee_years", f"a whole number of years from 0 to {MAX_YEARS}",
                          lo=0, hi=MAX_YEARS, whole=True)
    spouse_age, spouse_empty = number("spouse_age", "a whole age >= 0 or empty (no spouse)",
                                      lo=0, hi=MAX_YEARS, whole=True)
    spouse_sex = text("spouse_sex")
    reversion, _ = number("reversion", "a share from 0 to 1", lo=0, hi=1)
    indexation, _ = number("indexation", "an annual rate between -0.5 and 1", lo=-0.5, hi=1,
                           lo_open=True, hi_open=True)
    account, _ = number("account_value", "an amount >= 0", lo=0)

    # the spouse
    bad_sex = (spouse_sex != "") & ~np.isin(spouse_sex, list(SEXES))
    cells.add(np.flatnonzero(bad_sex), "spouse_sex", f"one of {', '.join(SEXES)} or empty")
    cells.add(np.flatnonzero(~spouse_empty & (spouse_sex == "")), "spouse_sex",
              f"the spouse's sex ({', '.join(SEXES)}) with a spouse_age", "give the spouse's sex")
    cells.add(np.flatnonzero(spouse_empty & (spouse_sex != "")), "spouse_age",
              "the spouse's age with a spouse_sex", "give the spouse's age or no spouse_sex")
    cells.add(np.flatnonzero(spouse_empty & (np.nan_to_num(reversion) > 0)), "reversion",
              "0 or empty without a spouse", "give the spouse's age and sex")

    # by product and sex: the table's ages, the term; by product: the premium rule, the kind's
    # required amounts (vectorised; a message is written for each bad cell only)
    lo = np.full(n, -1, dtype=np.int64)  # the point's table: first and last age, name
    hi = np.full(n, -1, dtype=np.int64)
    table_name = np.full(n, "", dtype=object)
    s_lo, s_hi = lo.copy(), hi.copy()  # the spouse's table
    s_name = table_name.copy()
    for name in np.unique(product[known]):
        pb = basis.products[name]
        of_product = product == name
        for sx in SEXES:
            t = basis.tables[pb.mortality[sx]]
            rows = of_product & (sex == sx)
            lo[rows], hi[rows], table_name[rows] = t.min_age, t.max_age, t.name
            rows = of_product & (spouse_sex == sx)
            s_lo[rows], s_hi[rows], s_name[rows] = t.min_age, t.max_age, t.name
    with np.errstate(invalid="ignore"):
        outside = (hi >= 0) & ~np.isnan(age) & ((age < lo) | (age > hi))
        for r in np.flatnonzero(outside):
            cells.add(r, "age_at_entry", f"an age from {lo[r]} to {hi[r]}, the ages of table "
                      f"{table_name[r]}", "use a table that covers the age")
        ok_age = (hi >= 0) & ~np.isnan(age) & ~outside
        end = np.where(ok_age, (hi + 1 - np.nan_to_num(age)) * 12, 0).astype(np.int64)
        open_kind = np.isin(kind, OPEN_KINDS)
        term = np.zeros(n, dtype=np.int64)
        to_end = ok_age & term_empty & open_kind
        term[to_end] = end[to_end]
        given = ok_age & ~term_empty & ~np.isnan(term_y)
        term[given] = (term_y[given] * 12).astype(np.int64)
        cells.add(np.flatnonzero(ok_age & term_empty & ~open_kind), "policy_term",
                  f"a whole number of years >= 1 (empty only for {', '.join(OPEN_KINDS)})",
                  "give the policy term")
        for r in np.flatnonzero(given & (term > end)):
            cells.add(r, "policy_term", f"at most {end[r] // 12} years: the term ends by age "
                      f"{hi[r] + 1}, the end of table {table_name[r]}",
                      "shorten the term or leave it empty for a whole-life kind")
        for r in np.flatnonzero((term > 0) & (duration > term)):
            cells.add(r, "duration_mth", f"at most the term ({term[r]} months): a point past "
                      "its maturity is not in force", "remove the point")
        paid_out = ((term > 0) & (duration == term)
                    & ((np.nan_to_num(maturity) > 0) | (np.nan_to_num(account) > 0)
                       | (mat_empty & np.isin(kind, MATURITY_KINDS)
                          & (np.nan_to_num(sum_assured) > 0))))
        for r in np.flatnonzero(paid_out):
            cells.add(r, "duration_mth", f"below the term ({term[r]} months) for a point with a "
                      "maturity benefit or an account", "a point at its maturity has been paid: "
                      "remove it")
        for r in np.flatnonzero((term > 0) & ~np.isnan(prem_y) & (prem_y * 12 > term)):
            cells.add(r, "premium_term", f"at most the policy term ({term[r] // 12} years)")
        spouse_out = (~spouse_empty & (s_hi >= 0) & ~np.isnan(spouse_age)
                      & ((spouse_age < s_lo) | (spouse_age > s_hi)))
        for r in np.flatnonzero(spouse_out):
            cells.add(r, "spouse_age", f"an age from {s_lo[r]} to {s_hi[r]}, the ages of table "
                      f"{s_name[r]}")
    cells.add(np.flatnonzero(known & (rule == "given") & premium_empty), "premium",
              "an instalment per policy (the product's premium rule is given)",
              "give the premium, or rate it in the basis")
    for r in np.flatnonzero(known & (rule != "given") & ~premium_empty):
        cells.add(r, "premium", f"empty: the product's premium rule is {rule[r]} (the basis "
                  "supplies it)", "leave the premium empty")
    for r in np.flatnonzero(known & (rule == "table")):
        pb = basis.products[product[r]]
        if not np.isnan(age[r]) and term[r] > 0 and (int(age[r]), int(term[r] // 12)) not in \
                pb.premium_table:
            cells.add(r, "age_at_entry", f"an age and term ({term[r] // 12} years) in the "
                      f"premium table of {product[r]}", "extend the premium table")
    needs_sa = known & sa_empty & (np.isin(kind, INSURED_KINDS) | (rule == "table")
                                   | ((kind == "pure_endowment") & mat_empty))
    for r in np.flatnonzero(needs_sa):
        cells.add(r, "sum_assured", f"an amount >= 0 (required for a {kind[r]} point"
                  + (" rated by the premium table)" if rule[r] == "table" else ")"))
    cells.add(np.flatnonzero(known & annuity_empty & (kind == "annuity")), "annuity_amount",
              "an annual amount >= 0 (required for an annuity)")
    cells.raise_all()

    sum_assured = np.nan_to_num(sum_assured, nan=0.0)
    maturity = np.where(mat_empty, np.where(np.isin(kind, MATURITY_KINDS), sum_assured, 0.0),
                        maturity)
    premium_term = np.where(prem_empty, term, np.nan_to_num(prem_y) * 12).astype(np.int64)
    attributes = {c: text(c) for c in frame.columns if c not in COLUMNS}
    return ModelPoints(
        point_id=point_id, product=product, sex=sex,
        age_at_entry=age.astype(np.int64), duration=duration.astype(np.int64), term=term,
        premium_term=premium_term, first_premium=np.zeros(len(point_id), dtype=np.int64),
        interval=np.array([INTERVAL_MONTHS[f] for f in frequency], dtype=np.int64),
        premium=premium, sum_assured=sum_assured, maturity_benefit=maturity,
        count=np.where(count_empty, 1.0, count), loan_rate=np.nan_to_num(loan_rate),
        annuity=np.nan_to_num(annuity),
        annuity_interval=np.array([INTERVAL_MONTHS[f] for f in a_frequency], dtype=np.int64),
        arrears=timing == "arrears",
        guarantee=(np.nan_to_num(guarantee) * 12).astype(np.int64),
        spouse_age=np.where(spouse_empty, -1, np.nan_to_num(spouse_age)).astype(np.int64),
        spouse_sex=spouse_sex,
        reversion=np.nan_to_num(reversion), indexation=np.nan_to_num(indexation),
        account=np.nan_to_num(account), attributes=attributes,
    )


__all__ = ["COLUMNS", "OPEN_KINDS", "read_points"]
