"""``reserva sample``: write a deterministic, realistic data pack of the sample programme.

Five products in the style of the handbook's sample programmes (E2; spec section 8 row 34) with
several years of history: members and their chains of terms (policies), exits with reason
codes, claims with the A-B-C-D dates, savings balances, level-premium life contracts, a ledger
per product and quarter, asset and liability snapshots, targets, and the health fund's member
kinship and groups, claim categories, funding and operating plan (spec §1B). Every generator
parameter is read from ``programme.toml``. Same arguments -> byte-identical files.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

import numpy as np

from reserva.errors import ArgumentError, BadCell
from reserva.io.schema import TABLES_BY_NAME

from . import csvout as out
from .books import assets, finance_path, ledger, liabilities, measures, targets
from .claims import product_claims
from .dates import make_calendar, to_day
from .health import check_health, claim_tags, funding, member_tags, plans
from .life import life_book
from .members import Book, CrossSellPool, Persons, build_book
from .programme import load_programme
from .savings import savings_accounts
from .tables import (
    claims_table,
    exits_table,
    funding_table,
    ledger_table,
    life_policies_table,
    listed_table,
    number,
    plans_table,
    policies_table,
    products_table,
    savings_table,
    targets_table,
)

TABLE_ORDER = (
    "products", "policies", "claims", "exits", "ledger", "assets", "liabilities", "targets",
    "savings_accounts", "life_policies", "funding", "plans",
)
# independent random streams (SeedSequence spawn keys), so one table's draws never shift another's
# (a new stream goes at the end: spawning one more child leaves the others' draws unchanged)
STREAMS = ("members", "claims", "savings", "books", "health")


@dataclass(frozen=True)
class SampleSummary:
    """What ``write_sample`` wrote: the folder, rows per table and the elapsed seconds; ``alr`` =
    the ALR per product at the valuation date the generator sized its accounts with."""

    out_dir: Path
    rows: Mapping[str, int]
    seconds: float
    alr: Mapping[str, float]


def _arguments(policies: int, seed: int, history_start: str, valuation_date: str) -> tuple[int, int]:
    bad: list[BadCell] = []
    start = valuation = 0
    if not isinstance(policies, int | np.integer) or policies < 1:
        bad.append(BadCell("policies", None, None, str(policies), "an integer >= 1"))
    if not isinstance(seed, int | np.integer) or seed < 0:
        bad.append(BadCell("seed", None, None, str(seed), "an integer >= 0"))
    for name, value in (("history_start", history_start), ("valuation_date", valuation_date)):
        try:
            day = to_day(str(value))
        except ValueError:
            bad.append(BadCell(name, None, None, str(value), "an ISO date YYYY-MM-DD"))
            continue
        if name == "history_start":
            start = day
        else:
            valuation = day
    if not bad and valuation < start:
        bad.append(BadCell("valuation_date", None, None, str(valuation_date),
                           f"a date on or after history_start {history_start}"))
    if bad:
        raise ArgumentError(bad, summary="invalid arguments for the sample data pack")
    return start, valuation


def _split(total: int, shares: list[float]) -> list[int]:
    """Integers proportional to shares summing to total (largest remainder, ties by position)."""
    raw = np.asarray(shares, dtype=np.float64) * total
    base = np.floor(raw).astype(np.int64)
    rest = total - int(base.sum())
    order = np.lexsort((np.arange(raw.size), -(raw - base)))
    base[order[:rest]] += 1
    return base.tolist()


def write_sample(out_dir: str | Path, *, policies: int = 20_000, seed: int = 20251231,
                 history_start: str = "2021-01-01", valuation_date: str = "2025-12-31",
                 programme: str | Path | None = None) -> SampleSummary:
    """Write the sample data pack (one ``<table>.csv`` per table) into ``out_dir``.

    ``policies`` = number of policy rows (coverage terms), split over the products by
    ``row_share``; ``programme`` = another programme file (default: the packaged one). Files
    are written whole or not at all; other data-pack files already in ``out_dir`` (tables not
    written, Parquet twins) are removed so the folder holds one consistent pack.
    """
    t0 = time.perf_counter()
    start, valuation = _arguments(policies, seed, history_start, valuation_date)
    prog = load_programme(programme)
    check_health(prog)
    cal = make_calendar(start, valuation)
    rngs = {
        name: np.random.Generator(np.random.PCG64(child))
        for name, child in zip(STREAMS, np.random.SeedSequence(int(seed)).spawn(len(STREAMS)), strict=True)
    }

    # members and their terms; the cross-sell source product is built first
    rows_per_product = _split(int(policies), [p["row_share"] for p in prog.products])
    persons = Persons()
    source = prog.members.get("cross_sell_source")
    build_order = sorted(prog.products, key=lambda p: (p.id != source, p.index))
    books: list[Book | None] = [None] * len(prog.products)
    pool: CrossSellPool | None = None
    for p in build_order:
        book = build_book(rngs["members"], p, prog, cal, rows_per_product[p.index], persons, pool)
        books[p.index] = book
        if p.id == source:
            pool = CrossSellPool(rngs["members"].permutation(np.unique(book.person)))
    all_books: list[Book] = [b for b in books if b is not None]

    claims_all = [product_claims(rngs["claims"], b, cal) for b in all_books]
    savings = [savings_accounts(rngs["savings"], b, cal) if b.product.has_savings else None
               for b in all_books]
    birth = persons.arrays()[0]
    lives = [life_book(b, birth) if b.product.has_life else None for b in all_books]
    m = measures(all_books, claims_all, savings, lives, cal)
    fin = finance_path(rngs["books"], prog, cal)
    ledger_rows = ledger(rngs["books"], prog, cal, m, fin)
    asset_rows = assets(rngs["books"], prog, cal, m, fin)
    liability_rows = liabilities(rngs["books"], prog, cal, m, fin, ledger_rows)
    target_rows = targets(prog, cal, m)
    members_tags = member_tags(rngs["health"], prog, all_books)
    tags_all, categories = claim_tags(rngs["health"], prog, all_books, claims_all)
    funding_rows = funding(rngs["health"], prog, cal, m)
    plan_rows = plans(prog, cal, m)
    reported = [np.flatnonzero(c.report <= cal.valuation) for c in claims_all]
    known = [c.take(rows) for c, rows in zip(claims_all, reported, strict=True)]
    known_tags = [g.take(rows) for g, rows in zip(tags_all, reported, strict=True)]

    num = number(all_books)
    tables = {
        "products": products_table(prog),
        "policies": policies_table(prog, persons, num, members_tags),
        "claims": claims_table(prog, known, num, known_tags, categories),
        "exits": exits_table(prog, all_books, num),
        "ledger": ledger_table(prog, cal, ledger_rows),
        "assets": listed_table("assets", asset_rows),
        "liabilities": listed_table("liabilities", liability_rows),
        "targets": targets_table(prog, cal, target_rows),
        "savings_accounts": savings_table(prog, savings, num),
        "life_policies": life_policies_table(prog, lives, num),
        "funding": funding_table(prog, cal, funding_rows),
        "plans": plans_table(prog, plan_rows),
    }

    directory = Path(out_dir)
    directory.mkdir(parents=True, exist_ok=True)
    parts, counts = [], {}
    try:
        for name in TABLE_ORDER:
            spec = TABLES_BY_NAME[name]
            n_rows = len(next(iter(tables[name].values())))
            if n_rows == 0 and not spec.required and not spec.extra.get("may_be_empty", False):
                continue  # an optional table without rows is left out
            part, counts[name] = out.write_table(directory, spec, tables[name])
            parts.append(part)
    except BaseException:
        for part in parts:
            part.unlink(missing_ok=True)
        raise
    out.commit(parts)
    # the folder must hold one consistent pack: drop other data-pack files left from earlier
    for spec in TABLES_BY_NAME.values():
        for suffix in (".csv", ".parquet"):
            if not (spec.name in counts and suffix == ".csv"):
                (directory / f"{spec.name}{suffix}").unlink(missing_ok=True)
    alr = MappingProxyType({p.id: float(m.alr[p.index, -1]) for p in prog.products})
    return SampleSummary(directory, MappingProxyType(counts), time.perf_counter() - t0, alr)
