"""Health-fund inputs of the sample programme: what the indices of spec §1B (USB L48-222) read.

A product with a ``[products.X.health]`` table gets:

- per member (drawn once per person, so every term of the member agrees): ``relationship`` to the
  household's principal and ``member_group`` (kinship = relationship + sex, user index I_UG;
  claims index by group I_SG);
- per claim: ``benefit_category`` (emergency indices I_EC, I_EN) and ``limit_reached`` = "yes"
  when the claimed amount reached the term's benefit limit, claimed >= sum insured (the
  generator caps a health claim at the sum insured; coverage consumption Icc), else "no";
- ``funding``: one row per period of the calendar, dated at its end,
  F_q = earned premium of the period x U(funding_ratio) (financing index I_F = S / F);
- ``plans``: one row per calendar year of the history, the year's planned claims
  PC_y = incurred claims of year y - 1 x (1 + plan_growth), incurred = paid + change in
  (OCS + IBNR) of the generator's measures, annualised when the history covers only part of
  year y - 1; the first year: PC = earned premium of the year x plan_loss_ratio
  (plan adjustment index).

Other products get empty cells and no rows. Every draw comes from the one generator passed in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from reserva.errors import AssumptionError
from reserva.vocab import RELATIONSHIPS

from .books import Measures
from .claims import Claims
from .dates import Calendar
from .draws import pick, uniform
from .members import Book
from .programme import Product, Programme

LIMIT_CODES = ("yes", "no")
HEALTH_KEYS = ("relationships", "member_groups", "benefit_categories", "funding_ratio",
               "funding_source", "plan_loss_ratio", "plan_growth")
_UNSAFE = set(',"\r\n')  # text the pack's CSV writer cannot write unquoted


def _fail(prog: Programme, where: str, problem: str) -> AssumptionError:
    return AssumptionError(f"{prog.source}: {where}: {problem}")


def _check_names(prog: Programme, where: str, table: Any, codes=None) -> None:
    if not isinstance(table, Mapping) or not table:
        raise _fail(prog, where, "expected a table {name = probability, ...}")
    values = [float(x) for x in table.values()]
    if min(values) < 0 or abs(sum(values) - 1.0) > 1e-9:
        raise _fail(prog, where, f"probabilities must be >= 0 and sum to 1 (sum {sum(values):g})")
    if codes is not None and (bad := [c for c in table if c not in codes]):
        raise _fail(prog, where, f"unknown codes {bad}, expected one of {list(codes)}")
    if bad := [c for c in table if not c or set(c) & _UNSAFE]:
        raise _fail(prog, where, f"names {bad} must be non-empty, without commas, quotes or line breaks")


def health_params(prog: Programme, product: Product) -> Mapping[str, Any] | None:
    """The product's ``[products.X.health]`` table, checked; None when the product has none."""
    h = product.get("health")
    if h is None:
        return None
    where = f"[products.{product.id}.health]"
    if missing := [k for k in HEALTH_KEYS if k not in h]:
        raise _fail(prog, where, f"missing keys {missing}")
    _check_names(prog, where + " relationships", h["relationships"], RELATIONSHIPS)
    _check_names(prog, where + " member_groups", h["member_groups"])
    _check_names(prog, where + " benefit_categories", h["benefit_categories"])
    ratio = h["funding_ratio"]
    if len(ratio) != 2 or not 0 <= ratio[0] <= ratio[1]:
        raise _fail(prog, where + " funding_ratio", f"expected [low, high] with 0 <= low <= high, got {ratio}")
    source = h["funding_source"]
    if not isinstance(source, str) or not source or set(source) & _UNSAFE:
        raise _fail(prog, where + " funding_source", "expected a name without commas or quotes")
    if h["plan_loss_ratio"] < 0:
        raise _fail(prog, where + " plan_loss_ratio", "must be >= 0")
    if h["plan_growth"] <= -1:
        raise _fail(prog, where + " plan_growth", "must be > -1")
    return h


def check_health(prog: Programme) -> None:
    """Check every product's health table (before anything is drawn or written)."""
    for p in prog.products:
        health_params(prog, p)


def _union(names: list[str], table: Mapping[str, float]) -> np.ndarray:
    """Positions of the table's names in ``names`` (appended when new)."""
    for name in table:
        if name not in names:
            names.append(name)
    return np.array([names.index(name) for name in table], dtype=np.int64)


@dataclass(frozen=True)
class MemberTags:
    """Per chain of all products (the books' chains concatenated in product order)."""

    relationship: np.ndarray  # index into RELATIONSHIPS, -1 = empty
    group: np.ndarray  # index into group_names, -1 = empty
    group_names: tuple[str, ...]


def member_tags(rng: np.random.Generator, prog: Programme, books: list[Book]) -> MemberTags:
    """Relationship and member group of every chain, drawn once per person of a health product
    (persons in ascending number, relationships first, then groups, product by product)."""
    names: list[str] = []
    relationship, group = [], []
    for book in books:
        h = health_params(prog, book.product)
        rel = np.full(book.n_chains, -1, dtype=np.int64)
        grp = np.full(book.n_chains, -1, dtype=np.int64)
        if h is not None:
            persons, of_chain = np.unique(book.person, return_inverse=True)
            codes = np.array([RELATIONSHIPS.index(r) for r in h["relationships"]], dtype=np.int64)
            rel = codes[pick(rng, list(h["relationships"].values()), persons.size)][of_chain]
            to_global = _union(names, h["member_groups"])
            grp = to_global[pick(rng, list(h["member_groups"].values()), persons.size)][of_chain]
        relationship.append(rel)
        group.append(grp)
    cat = np.concatenate  # books are never an empty list: every programme has a product
    return MemberTags(cat(relationship), cat(group), tuple(names))


@dataclass(frozen=True)
class ClaimTags:
    """Per claim of one product (same order as its ``Claims``)."""

    category: np.ndarray  # index into the category names, -1 = empty
    limit: np.ndarray  # index into LIMIT_CODES, -1 = empty

    def take(self, rows: np.ndarray) -> ClaimTags:
        return ClaimTags(self.category[rows], self.limit[rows])


def claim_tags(rng: np.random.Generator, prog: Programme, books: list[Book],
               claims: list[Claims]) -> tuple[list[ClaimTags], tuple[str, ...]]:
    """(tags per product, category names): a benefit category drawn per claim of a health
    product; limit reached = claimed >= sum insured of the claim's term (both in cents)."""
    names: list[str] = []
    tags = []
    for book, c in zip(books, claims, strict=True):
        h = health_params(prog, book.product)
        n = c.term.size
        if h is None:
            tags.append(ClaimTags(np.full(n, -1, np.int64), np.full(n, -1, np.int64)))
            continue
        to_global = _union(names, h["benefit_categories"])
        category = to_global[pick(rng, list(h["benefit_categories"].values()), n)]
        reached = np.round(c.claimed * 100.0) >= np.round(book.terms.sum_insured[c.term] * 100.0)
        tags.append(ClaimTags(category, np.where(reached, LIMIT_CODES.index("yes"),
                                                 LIMIT_CODES.index("no"))))
    return tags, tuple(names)


def funding(rng: np.random.Generator, prog: Programme, cal: Calendar,
            m: Measures) -> dict[str, np.ndarray]:
    """Funding rows (product, period, amount): per health product and period, F = earned premium of the period x U(funding_ratio), in cents; in
    (period, product) order."""
    out: dict[str, list[np.ndarray]] = {"product": [], "period": [], "amount": []}
    for p in prog.products:
        h = health_params(prog, p)
        if h is None:
            continue
        factor = uniform(rng, h["funding_ratio"], cal.n_periods)
        out["product"].append(np.full(cal.n_periods, p.index))
        out["period"].append(np.arange(cal.n_periods))
        out["amount"].append(np.round(m.earned[p.index] * factor, 2))
    cols = {k: np.concatenate(v) if v else np.empty(0, np.float64 if k == "amount" else np.int64)
            for k, v in out.items()}
    order = np.lexsort((cols["product"], cols["period"]))
    return {k: v[order] for k, v in cols.items()}


def plans(prog: Programme, cal: Calendar, m: Measures) -> dict[str, np.ndarray]:
    """Plan rows (product, period_start, period_end, planned) per health product and calendar
    year y of the history: the year from max(1 January, history start) to 31 December;

        PC_y = (paid_(y-1) + (OCS + IBNR)_(end of y-1) - (OCS + IBNR)_(end of y-2))
               x (days of year y-1 / days of history in year y-1) x (1 + plan_growth)
        PC_first = earned premium of the first year x plan_loss_ratio

    (the days factor is 1 unless the history starts inside year y - 1). In (year, product) order.
    """
    year = cal.year_of(cal.period_end)
    years = np.unique(year)
    jan1 = (years - 1970).astype("datetime64[Y]").astype("datetime64[D]").astype(np.int64)
    dec31 = (years - 1969).astype("datetime64[Y]").astype("datetime64[D]").astype(np.int64) - 1
    start = np.maximum(jan1, cal.start)
    last = np.searchsorted(year, years, side="right") - 1  # the year's last period
    out: dict[str, list] = {"product": [], "start": [], "end": [], "planned": []}
    for p in prog.products:
        h = health_params(prog, p)
        if h is None:
            continue
        i = p.index
        earned = np.bincount(np.searchsorted(years, year), weights=m.earned[i], minlength=years.size)
        paid = np.bincount(np.searchsorted(years, year), weights=m.paid[i], minlength=years.size)
        pending = (m.ocs[i] + m.ibnr[i])[last]
        incurred = paid + pending - np.r_[0.0, pending[:-1]]
        annualise = (dec31 - jan1 + 1) / (np.minimum(dec31, cal.valuation) - start + 1)
        planned = np.empty(years.size)
        planned[0] = earned[0] * h["plan_loss_ratio"]
        planned[1:] = incurred[:-1] * annualise[:-1] * (1.0 + h["plan_growth"])
        out["product"].append(np.full(years.size, i))
        out["start"].append(start)
        out["end"].append(dec31)
        out["planned"].append(np.round(np.maximum(planned, 0.0), 2))
    cols = {k: np.concatenate(v) if v else np.empty(0, np.float64 if k == "planned" else np.int64)
            for k, v in out.items()}
    order = np.lexsort((cols["product"], cols["start"]))
    return {k: v[order] for k, v in cols.items()}
