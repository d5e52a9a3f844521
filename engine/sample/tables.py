"""Assemble the generated arrays into the pack's tables (Arrow columns in schema order).

Numbering is fixed by sort orders, so the same generation gives the same ids:
members by first start day; policies by (start, product, member, renewal); claims by (event,
product, policy); savings accounts by (opening day, product, member); employer groups by first
start day; life contracts carry the policy id of their term.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from reserva.calendar import NEVER
from reserva.io.schema import TABLES_BY_NAME
from reserva.vocab import (
    CLAIM_STATUSES,
    EXIT_REASONS,
    LEDGER_LINES,
    LIFE_PLANS,
    PREMIUM_FREQUENCIES,
    RELATIONSHIPS,
)

from . import csvout as out
from .claims import Claims
from .dates import Calendar
from .health import LIMIT_CODES, ClaimTags, MemberTags
from .life import LifeBook
from .members import CANCELLED, LAPSED, STATUS, Book, Persons
from .programme import Programme
from .savings import Savings

Columns = dict[str, pa.Array]


def _width(n: int) -> int:
    return max(7, len(str(n)))


def _rank(keys: tuple[np.ndarray, ...]) -> np.ndarray:
    """0-based position of each row in the lexicographic order of ``keys`` (last key first)."""
    rank = np.empty(keys[0].size, dtype=np.int64)
    rank[np.lexsort(keys)] = np.arange(keys[0].size)
    return rank


@dataclass(frozen=True)
class Numbering:
    """All terms of all products in one set of arrays, with member and policy numbers."""

    terms: dict[str, np.ndarray]  # the Terms fields, concatenated over products
    product: np.ndarray  # per term
    chain: np.ndarray  # per term: chain number over all products
    chain_person: np.ndarray
    chain_product: np.ndarray
    chain_group: np.ndarray
    chain_frequency: np.ndarray
    chain_offset: np.ndarray  # first chain number of each product
    term_offset: np.ndarray  # first term number of each product
    persons: np.ndarray  # sorted person numbers that hold a term
    member_rank: np.ndarray  # member number - 1 of each of ``persons``
    policy_rank: np.ndarray  # policy number - 1 of each term

    def member(self, person: np.ndarray) -> np.ndarray:
        """Member numbers (1-based) of person numbers."""
        return self.member_rank[np.searchsorted(self.persons, person)] + 1

    @property
    def member_width(self) -> int:
        return _width(self.persons.size)

    @property
    def policy_width(self) -> int:
        return _width(self.policy_rank.size)


def number(books: list[Book]) -> Numbering:
    fields = books[0].terms.__dataclass_fields__
    terms = {f: np.concatenate([getattr(b.terms, f) for b in books]) for f in fields}
    sizes = [b.terms.start.size for b in books]
    chain_offset = np.cumsum([0] + [b.n_chains for b in books])[:-1]
    chain = terms["chain"] + np.repeat(chain_offset, sizes)
    chain_person = np.concatenate([b.person for b in books])
    person = chain_person[chain]
    persons, inverse = np.unique(person, return_inverse=True)
    first_start = np.full(persons.size, NEVER)
    np.minimum.at(first_start, inverse, terms["start"])
    member_rank = _rank((persons, first_start))
    product = np.concatenate([np.full(n, b.product.index) for n, b in zip(sizes, books, strict=True)])
    policy_rank = _rank((terms["k"], member_rank[inverse], product, terms["start"]))
    return Numbering(
        terms, product, chain, chain_person,
        np.concatenate([np.full(b.n_chains, b.product.index) for b in books]),
        np.concatenate([b.group for b in books]),
        np.concatenate([b.frequency for b in books]),
        chain_offset, np.cumsum([0] + sizes)[:-1], persons, member_rank, policy_rank,
    )


def policies_table(prog: Programme, persons: Persons, num: Numbering, tags: MemberTags) -> Columns:
    t = num.terms
    birth, sex, _ = persons.arrays()
    o = np.argsort(num.policy_rank)
    person = num.chain_person[num.chain[o]]
    product = num.product[o]
    # employer groups: numbered by first start
    group = num.chain_group[num.chain]
    grouped = group >= 0
    key = num.chain_product[num.chain] * (1 << 40) + group
    keys, inverse = np.unique(key[grouped], return_inverse=True)
    first = np.full(keys.size, NEVER)
    np.minimum.at(first, inverse, t["start"][grouped])
    group_no = np.full(group.size, -1, dtype=np.int64)
    group_no[grouped] = _rank((keys, first))[inverse] + 1
    cut = np.isin(t["outcome"][o], (CANCELLED, LAPSED))
    commission_rate = np.array([p["commission_rate"] for p in prog.products])
    n = o.size
    employer = out.ids("G", group_no[o], 5, missing=group_no[o] < 0)
    return {
        "policy_id": out.ids("P", np.arange(1, n + 1), num.policy_width),
        "member_id": out.ids("M", num.member(person), num.member_width),
        "household_id": pa.nulls(n, pa.string()),  # the sample has no households
        "relationship": out.text(tags.relationship[num.chain[o]], RELATIONSHIPS),
        # group life: the employer group; health: the member's tag
        "member_group": pc.if_else(pc.is_valid(employer), employer,
                                   out.text(tags.group[num.chain[o]], tags.group_names)),
        "partner": _partners(prog, product, employer),
        "product_id": out.text(product, [p.id for p in prog.products]),
        "start_date": out.dates(t["start"][o]),
        "end_date": out.dates(t["end"][o]),
        "issue_date": out.dates(np.full(n, NEVER)),  # premium is booked when the cover starts
        "written_premium": out.money(t["written"][o]),
        "premium_frequency": out.text(num.chain_frequency[num.chain[o]], PREMIUM_FREQUENCIES),
        "commission": out.money(np.round(t["written"][o] * commission_rate[product], 2)),
        "sum_insured": out.money(t["sum_insured"][o]),
        "birth_date": out.dates(birth[person]),
        "sex": out.text(sex[person], ("F", "M")),
        "status": out.text(t["outcome"][o], STATUS),
        "cancel_date": out.dates(np.where(cut, t["event_day"][o], NEVER)),
        "refund": out.money(t["refund"][o]),
    }


def _index_within(product: np.ndarray) -> np.ndarray:
    """0-based position of each row among the rows of its product (rows in output order)."""
    order = np.argsort(product, kind="stable")
    first = np.searchsorted(product[order], product[order], side="left")
    index = np.empty(product.size, dtype=np.int64)
    index[order] = np.arange(product.size) - first
    return index


def _partners(prog: Programme, product: np.ndarray, employer: pa.Array) -> pa.Array:
    """The distribution partner of each policy (no random draw): a product's ``partners`` in
    turn by the policy's position within the product (``""`` in the list: that turn's policy is
    paid directly, its partner empty), or the employer group of a group product with
    ``partner_is_employer``; empty elsewhere (paid directly)."""
    names: list[str] = []
    code = np.full(product.size, -1, dtype=np.int64)
    index = _index_within(product)
    for p in prog.products:
        partners = list(p.get("partners", ()))
        if partners:
            mine = product == p.index
            turn = np.array([len(names) + sum(1 for x in partners[:j] if x) if x else -1
                             for j, x in enumerate(partners)], dtype=np.int64)
            code[mine] = turn[index[mine] % len(partners)]
            names += [x for x in partners if x]
    named = out.text(code, names or [""])
    is_employer = np.array([bool(p.get("partner_is_employer", False)) for p in prog.products])
    if not is_employer.any():
        return named
    from_employer = pa.array(is_employer[product]) if product.size else pa.array([], pa.bool_())
    return pc.if_else(from_employer, employer, named)


def claims_table(prog: Programme, claims: list[Claims], num: Numbering, tags: list[ClaimTags],
                 categories: tuple[str, ...]) -> Columns:
    """One row per claim; ``tags`` (per product, aligned with ``claims``) give the benefit
    category (index into ``categories``) and limit reached of health claims."""
    causes: list[str] = []
    cols: dict[str, list[np.ndarray]] = {k: [] for k in Claims.__dataclass_fields__ if k != "cause_names"}
    for c, offset in zip(claims, num.term_offset, strict=True):
        for name in c.cause_names:
            if name not in causes:
                causes.append(name)
        to_global = np.array([causes.index(name) for name in c.cause_names], dtype=np.int64)
        for k in cols:
            value = getattr(c, k)
            cols[k].append(value + offset if k == "term" else to_global[value] if k == "cause" else value)
    cl = {k: np.concatenate(v) for k, v in cols.items()}
    category = np.concatenate([g.category for g in tags])
    limit = np.concatenate([g.limit for g in tags])
    policy = num.policy_rank[cl["term"]]
    product = num.product[cl["term"]]
    o = np.lexsort((np.arange(policy.size), policy, product, cl["event"]))
    n = o.size
    return {
        "claim_id": out.ids("C", np.arange(1, n + 1), _width(n)),
        "policy_id": out.ids("P", policy[o] + 1, num.policy_width),
        "member_id": out.ids("M", num.member(num.chain_person[num.chain[cl["term"][o]]]), num.member_width),
        "product_id": out.text(product[o], [p.id for p in prog.products]),
        "event_date": out.dates(cl["event"][o]),
        "report_date": out.dates(cl["report"][o]),
        "decision_date": out.dates(cl["decision"][o]),
        "receipt_date": out.dates(cl["receipt"][o]),
        "status": out.text(cl["status"][o], CLAIM_STATUSES),
        "claimed_amount": out.money(cl["claimed"][o]),
        "paid_amount": out.money(cl["paid"][o]),
        "case_reserve": out.money(cl["case_reserve"][o]),
        "cause": out.text(cl["cause"][o], causes),
        "benefit_category": out.text(category[o], categories),
        "limit_reached": out.text(limit[o], LIMIT_CODES),
    }


def exits_table(prog: Programme, books: list[Book], num: Numbering) -> Columns:
    chain = np.concatenate([b.exits.chain + off for b, off in zip(books, num.chain_offset, strict=True)])
    day = np.concatenate([b.exits.day for b in books])
    reason = np.concatenate([b.exits.reason for b in books])
    member = num.member(num.chain_person[chain])
    product = num.chain_product[chain]
    o = np.lexsort((member, product, day))
    return {
        "member_id": out.ids("M", member[o], num.member_width),
        "product_id": out.text(product[o], [p.id for p in prog.products]),
        "exit_date": out.dates(day[o]),
        "reason": out.text(reason[o], EXIT_REASONS),
    }


def savings_table(prog: Programme, savings: list[Savings | None], num: Numbering) -> Columns:
    parts = [(s, off) for s, off in zip(savings, num.chain_offset, strict=True) if s is not None]
    chain = np.concatenate([s.chain + off for s, off in parts] or [np.empty(0, np.int64)])
    day = np.concatenate([s.day for s, _ in parts] or [np.empty(0, np.int64)])
    balance = np.concatenate([s.balance for s, _ in parts] or [np.empty(0)])
    rate = np.concatenate([s.rate for s, _ in parts] or [np.empty(0)])
    accounts, inverse = np.unique(chain, return_inverse=True)
    opened = np.full(accounts.size, NEVER)
    np.minimum.at(opened, inverse, day)
    member = num.member(num.chain_person[accounts])
    account_no = _rank((member, num.chain_product[accounts], opened))[inverse] + 1
    o = np.lexsort((day, account_no))
    return {
        "account_id": out.ids("S", account_no[o], _width(accounts.size)),
        "member_id": out.ids("M", member[inverse][o], num.member_width),
        "product_id": out.text(num.chain_product[chain[o]], [p.id for p in prog.products]),
        "balance_date": out.dates(day[o]),
        "balance": out.money(balance[o]),
        "credited_rate": out.floats(rate[o]),
    }


def life_policies_table(prog: Programme, lives: list[LifeBook | None], num: Numbering) -> Columns:
    """One row per term of the products with life contracts, in policy id order."""
    parts = [(life, off) for life, off in zip(lives, num.term_offset, strict=True) if life is not None]

    def cat(field: str, dtype) -> np.ndarray:
        return np.concatenate([getattr(life, field) for life, _ in parts] or [np.empty(0, dtype)])

    term = np.concatenate([off + np.arange(life.issue.size) for life, off in parts]
                          or [np.empty(0, np.int64)])
    plan = np.concatenate([np.full(life.issue.size, LIFE_PLANS.index(life.basis.plan))
                           for life, _ in parts] or [np.empty(0, np.int64)])
    o = np.argsort(num.policy_rank[term], kind="stable")
    term = term[o]
    return {
        "policy_id": out.ids("P", num.policy_rank[term] + 1, num.policy_width),
        "member_id": out.ids("M", num.member(num.chain_person[num.chain[term]]), num.member_width),
        "product_id": out.text(num.product[term], [p.id for p in prog.products]),
        "plan": out.text(plan[o], LIFE_PLANS),
        "issue_date": out.dates(cat("issue", np.int64)[o]),
        "issue_age": out.ints(cat("issue_age", np.int64)[o]),
        "sum_insured": out.money(cat("sum_insured", np.float64)[o]),
        "term_years": out.ints(cat("term_years", np.int64)[o]),
        "premium_years": out.ints(cat("premium_years", np.int64)[o]),
        "premium_mode": out.text(cat("frequency", np.int64)[o], PREMIUM_FREQUENCIES),
        "gross_premium": out.money(cat("gross_premium", np.float64)[o]),
        "exit_date": out.dates(cat("exit", np.int64)[o]),
    }


def ledger_table(prog: Programme, cal: Calendar, rows: dict[str, np.ndarray]) -> Columns:
    return {
        "product_id": out.text(rows["product"], [p.id for p in prog.products]),
        "period_end": out.dates(cal.period_end[rows["period"]]),
        "line": out.text(rows["line"], LEDGER_LINES),
        "amount": out.money(rows["amount"]),
    }


def targets_table(prog: Programme, cal: Calendar, rows: dict[str, np.ndarray]) -> Columns:
    return {
        "product_id": out.text(rows["product"], [p.id for p in prog.products]),
        "period_end": out.dates(cal.period_end[rows["period"]]),
        "target_population": out.ints(rows["value"]),
    }


def funding_table(prog: Programme, cal: Calendar, rows: dict[str, np.ndarray]) -> Columns:
    sources = [p["health"]["funding_source"] if "health" in p.params else "" for p in prog.products]
    return {
        "product_id": out.text(rows["product"], [p.id for p in prog.products]),
        "funding_date": out.dates(cal.period_end[rows["period"]]),
        "amount": out.money(rows["amount"]),
        "source": out.text(rows["product"], sources),
    }


def plans_table(prog: Programme, rows: dict[str, np.ndarray]) -> Columns:
    return {
        "product_id": out.text(rows["product"], [p.id for p in prog.products]),
        "period_start": out.dates(rows["start"]),
        "period_end": out.dates(rows["end"]),
        "planned_claims": out.money(rows["planned"]),
    }


def listed_table(name: str, rows: dict[str, list]) -> Columns:
    """A small table given as Python lists per column (assets, liabilities)."""
    return {c.name: out.from_values(c, rows[c.name]) for c in TABLES_BY_NAME[name].columns}


def products_table(prog: Programme) -> Columns:
    rows = {k: [p.id if k == "product_id" else p[k] for p in prog.products]
            for k in ("product_id", "name", "kind", "participation")}
    return listed_table("products", rows)
