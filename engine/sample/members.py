"""Members and their chains of coverage terms (policies) and exits.

A chain is one member's run of terms in one product: each term starts the day after the previous
one ends (a renewal, new policy) until the member exits with a coded reason (death, max_age, lapse,
migration, other, unknown) or the chain reaches the valuation date. Nothing after the valuation
date exists: a term that would start later is not written, an event that would fall later does
not happen (the term is active), and a death reported after the valuation date is not known (the
records show the term in force, or expired with an unknown exit).

Deaths are drawn once per person (Gompertz hazard), so a member holding several products dies in
all of them on the same day.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from reserva.calendar import NEVER
from reserva.vocab import EXIT_REASONS, INTERVAL_MONTHS, PREMIUM_FREQUENCIES

from .dates import DAYS_PER_YEAR, Calendar, add_months, age_years, instalments
from .draws import lag, lognormal, pick
from .programme import Product, Programme

# term outcomes at the valuation date; STATUS[outcome] is the policy status
ACTIVE, EXPIRED, CLAIMED, CANCELLED, LAPSED = range(5)
STATUS = ("active", "expired", "claimed", "cancelled", "lapsed")

SPARE_CHAINS = 64  # candidate chains beyond the target, to close the row count exactly
REASON = {r: i for i, r in enumerate(EXIT_REASONS)}
FREQUENCY = {f: i for i, f in enumerate(PREMIUM_FREQUENCIES)}


class Persons:
    """The people of the programme: birth day, sex (0 = F, 1 = M) and death day, growing by blocks."""

    def __init__(self) -> None:
        self._blocks: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self._cache: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
        self.n = 0

    def add(self, birth: np.ndarray, sex: np.ndarray, death: np.ndarray) -> np.ndarray:
        self._blocks.append((birth.astype(np.int64), sex.astype(np.int8), death.astype(np.int64)))
        self._cache = None
        first = self.n
        self.n += birth.size
        return np.arange(first, self.n, dtype=np.int64)

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(birth, sex, death) of every person so far."""
        if self._cache is None:
            blocks = self._blocks or [(np.empty(0, np.int64), np.empty(0, np.int8), np.empty(0, np.int64))]
            birth, sex, death = (np.concatenate(part) for part in zip(*blocks, strict=True))
            self._cache = (birth, sex, death)
        return self._cache


@dataclass(frozen=True)
class Terms:
    """One row per coverage term of one product (chain = index of the member's chain)."""

    chain: np.ndarray
    k: np.ndarray  # 0 for the first term of the chain, 1 for the first renewal, ...
    start: np.ndarray
    end: np.ndarray
    months: np.ndarray
    written: np.ndarray  # premium of the whole term, rounded to cents
    sum_insured: np.ndarray
    outcome: np.ndarray  # ACTIVE .. LAPSED
    event_day: np.ndarray  # death / cancellation / lapse day, NEVER if none
    refund: np.ndarray  # NaN unless cancelled or lapsed (cents, at most the premium due by then)
    report_lag: np.ndarray  # reporting lag of the death claim (CLAIMED terms)

    def take(self, rows: np.ndarray) -> Terms:
        return Terms(**{f: getattr(self, f)[rows] for f in self.__dataclass_fields__})


@dataclass(frozen=True)
class Exits:
    chain: np.ndarray
    day: np.ndarray
    reason: np.ndarray  # index into EXIT_REASONS


@dataclass(frozen=True)
class Book:
    """The selected chains of one product with their terms and exits."""

    product: Product
    person: np.ndarray  # per chain
    group: np.ndarray  # per chain: employer group number, -1 if none
    frequency: np.ndarray  # per chain: index into PREMIUM_FREQUENCIES
    terms: Terms
    exits: Exits

    @property
    def n_chains(self) -> int:
        return int(self.person.size)


def entry_days(rng: np.random.Generator, n: int, cal: Calendar, growth: float,
               launch: float) -> np.ndarray:
    """Entry days: period i is drawn with weight days_i * (1 + growth)^t_i (x launch for the first)."""
    mid = (cal.period_start + cal.period_end) / 2.0
    weight = cal.period_days * (1.0 + growth) ** ((mid - cal.start) / DAYS_PER_YEAR)
    weight[0] *= launch
    period = pick(rng, weight / weight.sum(), n)
    return cal.period_start[period] + np.floor(rng.random(n) * cal.period_days[period]).astype(np.int64)


def new_persons(rng: np.random.Generator, prog: Programme, prod: Product, entry: np.ndarray,
                persons: Persons) -> np.ndarray:
    """New people entering at ``entry``: age min + (max - min) Beta(a, b); Gompertz death day."""
    m = prog.members
    n = entry.size
    a, b = m["entry_age_beta"]
    age = m["entry_age_min"] + (m["entry_age_max"] - m["entry_age_min"]) * rng.beta(a, b, n)
    birth = entry - np.ceil(age * DAYS_PER_YEAR).astype(np.int64)
    sex = (rng.random(n) >= m["female_share"]).astype(np.int8)
    # Gompertz: mu(x) = mu_ref exp(c (x - x_ref)); H(T) = mu(a)/c (e^{cT} - 1) = Exp(1)
    mu_ref = -np.log1p(-prod["death_rate"])
    c = m["mortality_slope"]
    mu_a = mu_ref * np.exp(c * (age - m["mortality_reference_age"]))
    years = np.minimum(np.log1p(rng.exponential(1.0, n) * c / mu_a) / c, 150.0)
    death = entry + np.floor(years * DAYS_PER_YEAR).astype(np.int64)
    return persons.add(birth, sex, death)


def _amounts(prod: Product, base: np.ndarray, fixed_si: np.ndarray, k: int,
             months: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(written premium of the term, sum insured) of the k-th term."""
    grown = base * (1.0 + prod["renewal_growth"]) ** k
    if "premium_rate" in prod.params:  # base = sum insured (loan amount)
        written = prod["premium_rate"] * grown * months / 12.0
        si = grown
    else:  # base = annual premium
        written = grown * months / 12.0
        si = prod["sum_insured_multiple"] * written if "sum_insured_multiple" in prod.params else fixed_si
    return np.round(written, 2), np.round(si, 2)


def simulate(rng: np.random.Generator, prod: Product, cal: Calendar, start0: np.ndarray,
             birth: np.ndarray, death: np.ndarray, freq: np.ndarray, base: np.ndarray,
             fixed_si: np.ndarray, cap: np.ndarray) -> tuple[Terms, Exits]:
    """Run every chain term by term until it exits or reaches the valuation date.

    ``cap`` = the most terms a chain may have (an employer group that stops renewing), after
    which the member exits with ``group_end_reason``.
    """
    V = cal.valuation
    term_months = np.asarray(prod["term_months"], dtype=np.int64)
    term_weights = np.asarray(prod["term_weights"], dtype=np.float64)
    reasons, reason_p = prod.choice("nonrenewal_reasons")
    reason_codes = np.array([REASON[r] for r in reasons])
    freq_months = np.array([INTERVAL_MONTHS[f] for f in PREMIUM_FREQUENCIES])[freq]
    benefit = bool(prod["death_benefit"])
    cancel_code = REASON[prod["cancel_reason"]]
    cap_code = REASON[prod.get("group_end_reason", "other")]
    out_terms: list[dict[str, np.ndarray]] = []
    out_exits: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []

    idx = np.arange(start0.size, dtype=np.int64)
    start = start0.astype(np.int64).copy()
    k = 0
    while idx.size:
        n = idx.size
        months = term_months[pick(rng, term_weights, n)]
        end = add_months(start, months) - 1
        written, si = _amounts(prod, base[idx], fixed_si[idx], k, months)
        d = death[idx]
        death_in = (d >= start) & (d <= end) & (d <= V)
        report_lag = lag(rng, prod["report_lag"], n)
        known = death_in & ((d + report_lag <= V) | (not benefit))
        # cancellation: a uniform day in (start, end]
        cancel_day = start + 1 + np.floor(rng.random(n) * (end - start)).astype(np.int64)
        cancel_ok = (rng.random(n) < prod["cancel_rate"]) & (cancel_day <= V) & (cancel_day < d)
        # lapse: the first unpaid premium due date inside the term; cover ends the day before
        fm = freq_months[idx]
        n_due = np.where(fm > 0, months // np.maximum(fm, 1) - 1, 0)
        hazard = np.where(fm > 0, 1.0 - (1.0 - prod["lapse_rate"]) ** (fm / 12.0), 0.0)
        first_unpaid = rng.geometric(np.clip(hazard, 1e-12, 1.0), n)
        lapse_flag = first_unpaid <= n_due
        lapse_day = add_months(start, np.where(lapse_flag, first_unpaid * fm, 0)) - 1
        lapse_ok = lapse_flag & (lapse_day <= V) & (lapse_day < d)

        dd = np.where(known, d, NEVER)
        cc = np.where(cancel_ok, cancel_day, NEVER)
        ll = np.where(lapse_ok, lapse_day, NEVER)
        event_day = np.minimum(np.minimum(dd, cc), ll)
        has_event = event_day < NEVER
        is_death = has_event & (dd == event_day)
        is_cancel = has_event & ~is_death & (cc == event_day)
        is_lapse = has_event & ~is_death & ~is_cancel

        outcome = np.where(end >= V, ACTIVE, EXPIRED)
        outcome = np.where(is_death, CLAIMED if benefit else CANCELLED, outcome)
        outcome = np.where(is_cancel, CANCELLED, outcome)
        outcome = np.where(is_lapse, LAPSED, outcome)

        # refund: nothing on a lapse (the unpaid instalments were never due); on a cancellation
        # the unearned part of the instalments due by the cancel day, or nothing
        refund = np.where(is_lapse, 0.0, np.nan)
        cancels = is_cancel | (is_death & (not benefit))
        if prod["cancel_refund"] == "pro_rata":
            c = np.where(cancels, event_day, start)
            due, n_inst = instalments(start, end, fm, c)
            unearned = written * due / n_inst - written * (c - start) / (end - start + 1)
            refund = np.where(cancels, np.maximum(np.floor(unearned * 100.0) / 100.0, 0.0), refund)
        else:
            refund = np.where(cancels, 0.0, refund)

        out_terms.append(dict(
            chain=idx, k=np.full(n, k, dtype=np.int64), start=start, end=end, months=months,
            written=written, sum_insured=si, outcome=outcome, event_day=event_day,
            refund=refund, report_lag=report_lag,
        ))

        # exits during the term
        reason = np.where(is_death, REASON["death"], np.where(is_cancel, cancel_code, -1))
        reason = np.where(is_lapse, REASON["lapse"], reason)
        # exits at expiry (the term ended before the valuation date, nothing happened inside it)
        at_expiry = ~has_event & (end < V)
        unknown = at_expiry & death_in  # a death nobody has reported yet: the member just vanished
        too_old = at_expiry & ~unknown & (age_years(birth[idx], end + 1) > prod["max_age"])
        capped = at_expiry & ~unknown & ~too_old & (k + 1 >= cap[idx])
        free = at_expiry & ~unknown & ~too_old & ~capped
        renew = free & (rng.random(n) < prod["renewal_rate"])
        leave = free & ~renew
        leave_reason = reason_codes[pick(rng, reason_p, n)]
        reason = np.where(unknown, REASON["unknown"], reason)
        reason = np.where(too_old, REASON["max_age"], reason)
        reason = np.where(capped, cap_code, reason)
        reason = np.where(leave, leave_reason, reason)
        exit_day = np.where(has_event, event_day, end)
        gone = reason >= 0
        out_exits.append((idx[gone], exit_day[gone], reason[gone]))

        idx = idx[renew]
        start = end[renew] + 1
        k += 1

    money_fields = ("written", "sum_insured", "refund")
    cols = {key: np.concatenate([t[key] for t in out_terms]) if out_terms
            else np.empty(0, np.float64 if key in money_fields else np.int64)
            for key in Terms.__dataclass_fields__}
    if out_exits:
        ex = [np.concatenate(p) for p in zip(*out_exits, strict=True)]
    else:
        ex = [np.empty(0, np.int64)] * 3
    return Terms(**cols), Exits(*ex)


def _groups(rng: np.random.Generator, prod: Product, prog: Programme, cal: Calendar,
            target: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Employer groups and their members: (group, first start, cap in terms) per member.

    A group renews its annual contract with group_renewal_rate at each anniversary; new
    employees (hire_rate x initial size, Poisson) join at each anniversary.
    """
    n_groups = max(4, target // 20)
    while True:
        gstart = entry_days(rng, n_groups, cal, prod["entrant_growth"], prog.history["launch_multiple"])
        size = np.maximum(1, np.round(lognormal(rng, prod["group_size"], n_groups))).astype(np.int64)
        n_terms = np.ones(n_groups, dtype=np.int64)
        alive = np.arange(n_groups)
        k = 1
        while alive.size:
            anniversary = add_months(gstart[alive], 12 * k)
            go_on = (anniversary <= cal.valuation) & (rng.random(alive.size) < prod["group_renewal_rate"])
            alive = alive[go_on]
            n_terms[alive] = k + 1
            k += 1
        rep = np.repeat(np.arange(n_groups), n_terms - 1)
        join = np.arange(rep.size) - np.repeat(np.cumsum(n_terms - 1) - (n_terms - 1), n_terms - 1) + 1
        hires = rng.poisson(prod["hire_rate"] * size[rep])
        group = np.concatenate([np.repeat(np.arange(n_groups), size), np.repeat(rep, hires)])
        joined = np.concatenate([np.zeros(size.sum(), np.int64), np.repeat(join, hires)])
        if group.size >= target or n_groups > 64 * max(target, 1):
            break
        n_groups *= 2
    start = add_months(gstart[group], 12 * joined)
    return group, start, n_terms[group] - joined


@dataclass
class CrossSellPool:
    """Members of the source product that voluntary products may recruit (each at most once)."""

    person: np.ndarray
    used: int = 0

    def draw(self, n: int) -> np.ndarray:
        take = self.person[self.used:self.used + n]
        self.used += take.size
        return np.concatenate([take, np.full(n - take.size, -1, np.int64)])


def build_book(rng: np.random.Generator, prod: Product, prog: Programme, cal: Calendar,
               target_rows: int, persons: Persons, pool: CrossSellPool | None) -> Book:
    """Simulate candidate chains and keep a random subset whose term count reaches target_rows.

    Every chain has at least one term, so ``target_rows`` candidate chains always suffice
    (a few spare ones let the last pick close the count exactly);
    chains are kept in random order (whole employer groups for group products) until the
    cumulative number of terms reaches the target, so the kept book has the candidates' mix.
    """
    launch = prog.history["launch_multiple"]
    if target_rows <= 0:
        e = np.empty(0, np.int64)
        terms, exits = simulate(rng, prod, cal, e, e, e, e, np.empty(0), np.empty(0), e)
        return Book(prod, e, e, e, terms, exits)
    if prod.is_group:
        group, start0, cap = _groups(rng, prod, prog, cal, target_rows + SPARE_CHAINS)
    else:
        n = target_rows + SPARE_CHAINS
        start0 = entry_days(rng, n, cal, prod["entrant_growth"], launch)
        group = np.full(n, -1, dtype=np.int64)
        cap = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
    m = start0.size

    person = np.full(m, -1, dtype=np.int64)
    share = prod.get("cross_sell_share", 0.0)
    if pool is not None and share > 0:
        want = np.flatnonzero(rng.random(m) < share)
        cand = pool.draw(want.size)
        birth, _, death = persons.arrays()
        ok = cand >= 0
        age = np.where(ok, age_years(birth[np.maximum(cand, 0)], start0[want]), -1)
        ok &= (age >= prog.members["entry_age_min"]) & (age <= prog.members["entry_age_max"])
        ok &= death[np.maximum(cand, 0)] > start0[want]
        person[want[ok]] = cand[ok]
    fresh = np.flatnonzero(person < 0)
    person[fresh] = new_persons(rng, prog, prod, start0[fresh], persons)
    birth, _, death = persons.arrays()

    codes, probs = prod.choice("premium_frequency")
    freq = np.array([FREQUENCY[c] for c in codes])[pick(rng, probs, m)]
    base = lognormal(rng, prod["sum_insured"] if "premium_rate" in prod.params else prod["annual_premium"], m)
    fixed_si = lognormal(rng, prod["sum_insured"], m) if "sum_insured" in prod.params else np.zeros(m)
    terms, exits = simulate(rng, prod, cal, start0, birth[person], death[person], freq, base,
                            fixed_si, cap)

    # keep chains in random order until the terms reach the target
    if prod.is_group:
        rank = rng.permutation(int(group.max()) + 1)
        order = np.lexsort((rng.random(m), rank[group]))
    else:
        order = rng.permutation(m)
    rows = np.bincount(terms.chain, minlength=m)
    cum = np.cumsum(rows[order])
    last = min(int(np.searchsorted(cum, target_rows)), m - 1)
    # close the count exactly: the last chain is the next one (in order) with the missing rows
    missing = target_rows - (int(cum[last - 1]) if last > 0 else 0)
    exact = np.flatnonzero(rows[order[last:]] == missing)
    tail = order[last + exact[0]] if exact.size else order[last]
    kept = np.sort(np.append(order[:last], tail))
    new_index = np.full(m, -1, dtype=np.int64)
    new_index[kept] = np.arange(kept.size)
    t_keep = np.flatnonzero(new_index[terms.chain] >= 0)
    terms = terms.take(t_keep)
    terms = Terms(**{**{f: getattr(terms, f) for f in Terms.__dataclass_fields__},
                     "chain": new_index[terms.chain]})
    e_keep = new_index[exits.chain] >= 0
    exits = Exits(new_index[exits.chain[e_keep]], exits.day[e_keep], exits.reason[e_keep])
    return Book(prod, person[kept], group[kept], freq[kept], terms, exits)
