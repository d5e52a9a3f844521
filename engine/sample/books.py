"""Accounts of the sample programme: ledger, assets, liabilities and targets per quarter.

The generator first measures each product's book per period from the generated records
(earned premium pro rata by day, UPR, insured in force, claims paid, rough OCS / IBNR, and the
ALR: savings balances plus the net premium reserves of the level-premium life contracts);
the ledger lines are then scaled to earned premium (ratios of programme.toml), and assets are
sized so that admitted assets / (reserves + other liabilities) follows the programme's solvency
path. These measures size the sample only; the engine computes its own reserves.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from reserva.calendar import NEVER
from reserva.io.schema import ASSETS, LIABILITIES
from reserva.vocab import INTERVAL_MONTHS, LEDGER_LINES, PREMIUM_FREQUENCIES

from .claims import Claims
from .dates import DAYS_PER_YEAR, Calendar, add_months, instalments
from .draws import pick, uniform
from .life import LifeBook
from .members import CANCELLED, LAPSED, Book
from .programme import Programme
from .savings import Savings

ASSET_COLUMNS = tuple(c.name for c in ASSETS.columns)
LIABILITY_COLUMNS = tuple(c.name for c in LIABILITIES.columns)
RATIO_LINES = (
    "personnel", "administration", "other_operating", "claims_handling", "reinsurance_premium",
    "commissions_received", "other_income", "non_operating_income", "non_operating_expense",
    "donations", "taxes",
)


@dataclass(frozen=True)
class Measures:
    """Per product (rows) and period (columns) measures of the generated book."""

    earned: np.ndarray
    upr: np.ndarray
    in_force: np.ndarray
    paid: np.ndarray
    ocs: np.ndarray
    ibnr: np.ndarray
    alr: np.ndarray

    @property
    def reserves(self) -> np.ndarray:
        return self.upr + self.ocs + self.ibnr + self.alr


def alive_at_period_ends(period_end: np.ndarray, lo: np.ndarray, hi: np.ndarray,
                         weight: np.ndarray) -> np.ndarray:
    """sum of weight over items with lo <= d < hi, for every period end d."""
    n = period_end.size
    a = np.searchsorted(period_end, lo, side="left")
    b = np.searchsorted(period_end, hi, side="left")
    diff = np.bincount(a, weights=weight, minlength=n + 1) - np.bincount(b, weights=weight, minlength=n + 1)
    return np.cumsum(diff)[:n]


def measure(book: Book, claims: Claims, savings: Savings | None, life: LifeBook | None,
            cal: Calendar) -> tuple[np.ndarray, ...]:
    """(earned, upr, in_force, paid, ocs, ibnr, alr) of one product per period.

    Premium as the engine books it: W = written premium of the term, due in n instalments;
    earned to day v = W (v + 1 - start) / term days until a cancellation on day c, then
    (instalments due by c) - refund; upr(v) = instalments due by v - earned, 0 from c on.
    alr(d) = savings balances at d + net premium reserves of the life contracts in force at d
    (``LifeBook.reserves``, the close's method for the kind).
    """
    t = book.terms
    pe, ps = cal.period_end, cal.period_start
    fm = np.array([INTERVAL_MONTHS[f] for f in PREMIUM_FREQUENCIES])[book.frequency[t.chain]]
    cut = np.isin(t.outcome, (CANCELLED, LAPSED))
    cancel = np.where(cut, t.event_day, NEVER)
    days = (t.end - t.start + 1).astype(np.float64)
    rate = t.written / days
    last = np.minimum(t.end, cancel - 1)  # pro-rata earning runs to the day before a cancellation
    due_c, n_inst = instalments(t.start, t.end, fm, np.where(cut, cancel, t.start))
    lump = np.where(cut, t.written * due_c / n_inst - np.nan_to_num(t.refund)
                    - rate * np.maximum(last - t.start + 1, 0), 0.0)
    s0 = cal.start
    size = int(max(t.end.max(initial=cal.valuation), cal.valuation)) - s0 + 2
    on = last >= t.start
    daily = np.cumsum(np.bincount(t.start[on] - s0, weights=rate[on], minlength=size)
                      - np.bincount(last[on] + 1 - s0, weights=rate[on], minlength=size))
    daily += np.bincount(np.where(cut, cancel, s0) - s0, weights=lump, minlength=size)
    earned_to = np.cumsum(daily)  # earned_to[j] = earned from s0 to the end of day s0 + j
    before = np.where(ps > s0, earned_to[np.maximum(ps - s0 - 1, 0)], 0.0)
    earned = earned_to[pe - s0] - before
    upr = np.zeros(pe.size)
    for i, d in enumerate(pe.tolist()):
        live = np.flatnonzero((t.start <= d) & (t.end >= d) & (cancel > d))
        due, n = instalments(t.start[live], t.end[live], fm[live], np.full(live.size, d))
        received = t.written[live] * due / n
        upr[i] = np.maximum(received - rate[live] * (d + 1 - t.start[live]), 0.0).sum()
    gone = np.minimum(t.end + 1, t.event_day)
    in_force = alive_at_period_ends(pe, t.start, gone, np.ones(t.start.size))

    decided = claims.decision < NEVER
    period = np.searchsorted(pe, claims.decision[decided], side="left")
    paid = np.bincount(period, weights=claims.paid[decided], minlength=pe.size)[: pe.size]
    ocs = alive_at_period_ends(pe, claims.report, claims.decision, claims.claimed)
    pay_share = 1.0 - book.product["reject_rate"]
    ibnr = alive_at_period_ends(pe, claims.event, claims.report, claims.claimed * pay_share)
    if savings is not None and savings.day.size:
        same = np.r_[savings.chain[1:] == savings.chain[:-1], False]
        nxt = np.where(same, np.r_[savings.day[1:], NEVER], NEVER)
        alr = alive_at_period_ends(pe, savings.day, nxt, savings.balance)
    else:
        alr = np.zeros(pe.size)
    if life is not None:
        alr = alr + life.reserves(pe)
    return earned, upr, in_force, paid, ocs, ibnr, alr


def measures(books, claims, savings, lives, cal: Calendar) -> Measures:
    rows = [measure(b, c, s, life, cal)
            for b, c, s, life in zip(books, claims, savings, lives, strict=True)]
    return Measures(*(np.vstack([r[i] for r in rows]) for i in range(7)))


@dataclass(frozen=True)
class FinancePath:
    """The programme's solvency target and other-liabilities share per period."""

    solvency: np.ndarray
    other_share: np.ndarray


def finance_path(rng: np.random.Generator, prog: Programme, cal: Calendar) -> FinancePath:
    """Solvency: a bounded random walk in finance.solvency; other liabilities share: uniform."""
    f = prog.finance
    lo, hi = f["solvency"]
    steps = uniform(rng, (-f["solvency_step"], f["solvency_step"]), cal.n_periods)
    s = np.empty(cal.n_periods)
    level = (lo + hi) / 2.0
    for i, step in enumerate(steps):
        level = min(max(level + step, lo), hi)
        s[i] = level
    return FinancePath(s, uniform(rng, f["other_liabilities"], cal.n_periods))


def ledger(rng: np.random.Generator, prog: Programme, cal: Calendar, m: Measures,
           path: FinancePath) -> dict[str, np.ndarray]:
    """Ledger rows (product, period, line, amount): lines scaled to earned premium.

    distribution = commission_rate x EP + ratio x EP; reinsurance_recoveries = share x claims
    paid; membership_fees = fee x insured x years; investment_income = yield x solvency x
    reserves x years; every other line = ratio x EP. Each line-quarter has lognormal noise.
    """
    years = cal.period_days / DAYS_PER_YEAR
    sd = prog.finance["ledger_noise"]
    out: dict[str, list] = {"product": [], "period": [], "line": [], "amount": []}
    for p in prog.products:
        i = p.index
        ep = m.earned[i]
        table = p["ledger"]
        for li, line in enumerate(LEDGER_LINES):
            noise = np.exp(sd * rng.standard_normal(cal.n_periods))
            if line == "investment_income":
                amount = prog.finance["investment_yield"] * path.solvency * m.reserves[i] * years * noise
            elif line == "distribution":
                amount = p["commission_rate"] * ep + table.get(line, 0.0) * ep * noise
            elif line not in table or table[line] == 0:
                continue
            elif line == "reinsurance_recoveries":
                amount = table[line] * m.paid[i]
            elif line == "membership_fees":
                amount = table[line] * m.in_force[i] * years * noise
            elif line in RATIO_LINES:
                amount = table[line] * ep * noise
            else:
                continue
            out["product"].append(np.full(cal.n_periods, i))
            out["period"].append(np.arange(cal.n_periods))
            out["line"].append(np.full(cal.n_periods, li))
            out["amount"].append(np.round(np.maximum(amount, 0.0), 2))
    cols = {k: np.concatenate(v) for k, v in out.items()}
    order = np.lexsort((cols["line"], cols["product"], cols["period"]))
    return {k: v[order] for k, v in cols.items()}


def targets(prog: Programme, cal: Calendar, m: Measures) -> dict[str, np.ndarray]:
    """Target population: target_multiple x insured at the valuation date, discounted back at
    target_growth a year, kept within target_multiple_range x the insured of the period."""
    lo, hi = prog.history["target_multiple_range"]
    years_back = (cal.period_end - cal.valuation) / DAYS_PER_YEAR
    prods, periods, values = [], [], []
    for p in prog.products:
        n = m.in_force[p.index]
        plan = p["target_multiple"] * n[-1] * (1.0 + p["target_growth"]) ** years_back
        value = np.clip(plan, lo * n, hi * n)
        prods.append(np.full(cal.n_periods, p.index))
        periods.append(np.arange(cal.n_periods))
        values.append(np.round(value).astype(np.int64))
    cols = {"product": np.concatenate(prods), "period": np.concatenate(periods),
            "value": np.concatenate(values)}
    order = np.lexsort((cols["product"], cols["period"]))
    return {k: v[order] for k, v in cols.items()}


@dataclass
class _Lot:
    asset_id: str
    asset_class: str
    bought: int
    amount: float
    maturity: int = int(NEVER)
    coupon: float = float("nan")
    frequency: int = -1
    rating: str = ""
    price: float = 1.0


def assets(rng: np.random.Generator, prog: Programme, cal: Calendar, m: Measures,
           path: FinancePath) -> dict[str, list]:
    """Asset snapshots at every period end (columns of the assets table; as_of_date = day), sized so that
    admitted assets = solvency x (reserves + other liabilities).

    Each class is held as lots (a deposit, a bond, a building, a batch of equipment) with a
    stable id; a class below its share of total assets (by more than top_up_tolerance) gets a
    new lot, deposits and bonds leave at maturity, equipment when fully depreciated; cash
    takes the rest (at least min_cash_share).
    """
    a = prog.assets
    mix, admitted = a["mix"], a["admitted_fraction"]
    admitted_share = sum(mix[c] * admitted[c] for c in mix)
    ratings, rating_p = tuple(a["bond_ratings"]), np.array(list(a["bond_ratings"].values()))
    life_days = a["fixed_assets_life_years"] * DAYS_PER_YEAR
    reserves = m.reserves.sum(axis=0)
    lots: list[_Lot] = []
    counters = {c: 0 for c in mix}
    prefix = {"deposit": "DEP", "government_bond": "GB", "real_estate": "RE", "fixed_assets": "FA"}
    rows: dict[str, list] = {c: [] for c in ASSET_COLUMNS}

    def add(**cells) -> None:
        for c in ASSET_COLUMNS:
            rows[c].append(cells.get(c))

    def book_value(lot: _Lot, day: int) -> float:
        if lot.asset_class == "fixed_assets":
            return max(lot.amount * (1.0 - (day - lot.bought) / life_days), 0.0)
        return lot.amount

    for i, day in enumerate(cal.period_end.tolist()):
        liabilities = reserves[i] * (1.0 + path.other_share[i])
        total = path.solvency[i] * liabilities / admitted_share
        lots = [lot for lot in lots if lot.maturity > day and book_value(lot, day) > 0.005]
        for lot in lots:
            if lot.asset_class == "government_bond":
                lot.price = float(np.clip(lot.price + a["bond_price_sigma"] * rng.standard_normal(), 0.85, 1.15))
        for cls in ("deposit", "government_bond", "real_estate", "fixed_assets"):
            held = sum(book_value(lot, day) for lot in lots if lot.asset_class == cls)
            target = mix[cls] * total
            if held >= target * (1.0 - a["top_up_tolerance"]):
                continue
            counters[cls] += 1
            lot = _Lot(f"{prefix[cls]}-{counters[cls]:04d}", cls, day, round(target - held, 2))
            if cls == "deposit":
                months = int(rng.choice(np.asarray(a["deposit_term_months"])))
                lot.maturity = int(add_months(np.array([day]), months)[0])
                lot.coupon = round(float(uniform(rng, a["deposit_rate"], 1)[0]), 4)
            elif cls == "government_bond":
                years = int(rng.choice(np.asarray(a["bond_term_years"])))
                lot.maturity = int(add_months(np.array([day]), 12 * years)[0])
                lot.coupon = round(float(uniform(rng, a["bond_coupon"], 1)[0]), 4)
                lot.frequency = int(a["bond_coupon_frequency"])
                lot.rating = ratings[int(pick(rng, rating_p, 1)[0])]
            lots.append(lot)
        invested = sum(book_value(lot, day) for lot in lots)
        cash = max(total - invested, a["min_cash_share"] * total)
        for cash_id, share in a["cash_accounts"].items():
            value = round(cash * share, 2)
            add(as_of_date=day, asset_id=cash_id, asset_class="cash",
                admitted_fraction=admitted["cash"], book_value=value, market_value=value)
        for lot in sorted(lots, key=lambda x: x.asset_id):
            bv = round(book_value(lot, day), 2)
            if lot.asset_class == "government_bond":
                mv = round(lot.amount * lot.price, 2)
            elif lot.asset_class == "real_estate":
                years = (day - lot.bought) / DAYS_PER_YEAR
                mv = round(lot.amount * (1.0 + a["real_estate_growth"]) ** years, 2)
            else:
                mv = bv
            security = lot.asset_class in ("deposit", "government_bond")
            add(as_of_date=day, asset_id=lot.asset_id, asset_class=lot.asset_class,
                admitted_fraction=admitted[lot.asset_class], book_value=bv, market_value=mv,
                face=lot.amount if security else None, coupon_rate=lot.coupon if security else None,
                coupon_frequency=lot.frequency if lot.frequency >= 0 else None,
                maturity_date=lot.maturity if security else None, rating=lot.rating or None)
    return rows


def liabilities(rng: np.random.Generator, prog: Programme, cal: Calendar, m: Measures,
                path: FinancePath, ledger_rows: dict[str, np.ndarray]) -> dict[str, list]:
    """Other liabilities at every period end: other_share x reserves, split into payables,
    insurance obligations (per product, by reserves) and reinsurance payable (per product with
    reinsurance, by reinsurance premium of the quarter); due dates uniform in each line's range."""
    L = prog.liabilities
    ri_line = LEDGER_LINES.index("reinsurance_premium")
    ri = np.zeros_like(m.earned)
    sel = ledger_rows["line"] == ri_line
    np.add.at(ri, (ledger_rows["product"][sel], ledger_rows["period"][sel]), ledger_rows["amount"][sel])
    reserves = m.reserves
    rows: dict[str, list] = {c: [] for c in LIABILITY_COLUMNS}

    def add(day: int, liability_id: str, kind: str, amount: float, due_days, product_id=None) -> None:
        due = day + int(rng.integers(due_days[0], due_days[1] + 1))
        for c, v in zip(LIABILITY_COLUMNS, (day, liability_id, kind, round(amount, 2), due, product_id),
                        strict=True):
            rows[c].append(v)

    for i, day in enumerate(cal.period_end.tolist()):
        total = path.other_share[i] * reserves[:, i].sum()
        for line in L["lines"]:
            add(day, line["id"], line["kind"], total * line["share"], line["due_days"])
        weights = reserves[:, i] / max(reserves[:, i].sum(), 1e-9)
        for p in prog.products:
            add(day, f"INS-{p.id}", "insurance_obligation",
                total * L["insurance_obligations"] * weights[p.index], L["obligation_due_days"], p.id)
        ri_total = ri[:, i].sum()
        for p in prog.products:
            if ri_total > 0 and ri[p.index, i] > 0:
                add(day, f"REI-{p.id}", "reinsurance_payable",
                    total * L["reinsurance_payable"] * ri[p.index, i] / ri_total,
                    L["reinsurance_due_days"], p.id)
    return rows
