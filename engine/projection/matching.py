"""Cashflow matching (dedication) by linear programme, and Redington's immunisation check.

Asset-liability matching aligns projected asset inflows (coupons, maturities) with projected
liability outflows (spec §4.2, E2 Box 3 L713-751). ``cash_match`` finds the cheapest bond
portfolio whose cash covers every liability, with or without carrying surplus forward
(the dedication LP; Luenberger, *Investment Science*, 1998, p. 108, "cash matching"); ``redington``
checks the three immunisation conditions of Redington (1952).

Periods are the columns of ``bond_flows`` (times 1..T unless ``times`` are given); money is
per unit of each bond. Files: ``read_liabilities_csv`` (time, amount), ``read_bonds_csv``
(bond_id, price, one column per time) and ``match_files`` (the JSON-ready result).
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from scipy.optimize import linprog

from reserva.errors import BadCell, ComputationError, InputError

# --------------------------------------------------------------------------- cash matching


@dataclass(frozen=True)
class MatchResult:
    """The cheapest covering portfolio: cost = prices @ holdings; surplus per period."""

    cost: float
    holdings: np.ndarray  # units of each bond, (n_bonds,)
    surplus: np.ndarray  # cash left after paying L_t, (n_periods,); carried if reinvested
    status: str  # the solver's message
    reinvest_rate: float | None
    integer: bool


def _as_inputs(prices, bond_flows, liabilities, times):
    p = np.asarray(prices, dtype=np.float64)
    f = bond_flows if sp.issparse(bond_flows) else np.asarray(bond_flows, dtype=np.float64)
    f = sp.csr_matrix(f, dtype=np.float64)
    liab = np.asarray(liabilities, dtype=np.float64)
    if p.ndim != 1 or liab.ndim != 1 or f.shape != (p.size, liab.size):
        raise ComputationError(
            f"cash matching needs prices (n_bonds,), bond_flows (n_bonds, n_periods) and "
            f"liabilities (n_periods,); got {p.shape}, {f.shape}, {liab.shape}")
    if not (np.isfinite(p).all() and np.isfinite(liab).all() and np.isfinite(f.data).all()):
        raise ComputationError("cash matching inputs hold NaN or infinite values")
    t = None
    if times is not None:
        t = np.asarray(times, dtype=np.float64)
        if t.shape != liab.shape or (t.size > 1 and not (np.diff(t) > 0).all()):
            raise ComputationError("times must be strictly increasing, one per period")
    return p, f, liab, t


def _growth(reinvest_rate: float, n_periods: int, times) -> np.ndarray:
    """g_t = (1 + r)^(time_t - time_{t-1}) for t = 2..T (one period each without times)."""
    if reinvest_rate <= -1.0:
        raise ComputationError(f"reinvest_rate {reinvest_rate} must be greater than -1")
    steps = np.ones(n_periods - 1) if times is None else np.diff(times)
    return (1.0 + reinvest_rate) ** steps


def _programme(p, f, liab, reinvest_rate, times):
    """linprog arguments. Without reinvestment: min p·x s.t. Fᵀx >= L, x >= 0.
    With reinvestment: variables (x, s), Fᵀx − s_t + g_t s_{t−1} = L_t, s >= 0."""
    n, m = f.shape
    if reinvest_rate is None:
        return dict(c=p, A_ub=-f.T.tocsr(), b_ub=-liab, bounds=(0, None)), n
    g = _growth(reinvest_rate, m, times)
    carry = sp.diags([np.full(m, -1.0), g], [0, -1], shape=(m, m), format="csr")
    a_eq = sp.hstack([f.T, carry], format="csr")
    return dict(c=np.concatenate([p, np.zeros(m)]), A_eq=a_eq, b_eq=liab,
                bounds=(0, None)), n + m


def _solve(kwargs, n_vars, n_bonds, integer):
    if integer:
        kwargs = dict(kwargs, integrality=np.r_[np.ones(n_bonds), np.zeros(n_vars - n_bonds)])
    return linprog(method="highs", **kwargs)


def _first_uncovered(p, f, liab, reinvest_rate, times, integer) -> int:
    """Smallest t whose prefix problem (periods 1..t) is infeasible (bisection: a prefix of
    a feasible prefix is feasible)."""
    lo, hi = 1, liab.size  # the full problem (hi) is infeasible
    while lo < hi:
        mid = (lo + hi) // 2
        sub_t = None if times is None else times[:mid]
        kwargs, nv = _programme(p, f[:, :mid], liab[:mid], reinvest_rate, sub_t)
        if _solve(kwargs, nv, p.size, integer).status == 2:
            hi = mid
        else:
            lo = mid + 1
    return lo


def surplus_path(holdings, bond_flows, liabilities, *, reinvest_rate=None, times=None):
    """s_t = g_t s_{t−1} + Σ_j flow[j,t] x_j − L_t with s_0 = 0 (reinvested), or
    Σ_j flow[j,t] x_j − L_t per period (not carried) — Luenberger's dedication constraints."""
    f = bond_flows if sp.issparse(bond_flows) else np.asarray(bond_flows, dtype=np.float64)
    net = np.asarray(f.T @ np.asarray(holdings, dtype=np.float64)).ravel() \
        - np.asarray(liabilities, dtype=np.float64)
    if reinvest_rate is None or net.size == 0:
        return net
    g = _growth(reinvest_rate, net.size, None if times is None else np.asarray(times, float))
    out = np.empty_like(net)
    carried = 0.0
    for t in range(net.size):  # a short recursion; T is at most a few hundred periods
        carried = (g[t - 1] * carried if t else 0.0) + net[t]
        out[t] = carried
    return out


def cash_match(prices, bond_flows, liabilities, *, reinvest_rate: float | None = None,
               integer: bool = False, times=None) -> MatchResult:
    """min Σ_j price_j x_j, x >= 0, such that the bonds' cash covers every liability.

    Without reinvestment: Σ_j flow[j,t] x_j >= L_t for every t. With ``reinvest_rate`` r
    (surplus carried forward): s_t = (1+r) s_{t−1} + Σ_j flow[j,t] x_j − L_t, s_t >= 0, s_0 = 0
    — the dedication LP of Luenberger, *Investment Science*, cash-matching example. With
    ``times`` the carry factor is (1+r)^(time_t − time_{t−1}). ``integer`` asks for whole units
    (a mixed-integer programme). Infeasible liabilities raise ``ComputationError`` naming the
    first period that no combination of bonds covers.
    """
    p, f, liab, t = _as_inputs(prices, bond_flows, liabilities, times)
    kwargs, n_vars = _programme(p, f, liab, reinvest_rate, t)
    res = _solve(kwargs, n_vars, p.size, integer)
    if res.status == 2:
        k = _first_uncovered(p, f, liab, reinvest_rate, t, integer)
        where = f"period {k}" if t is None else f"period {k} (time {t[k - 1]:g})"
        how = "no bond pays on or before it" if reinvest_rate is not None \
            else "no bond pays in it (allow reinvestment to carry earlier cash forward)"
        raise ComputationError(
            f"cash matching is infeasible: the liability of {liab[k - 1]:,.2f} in {where} "
            f"cannot be covered — {how}; add bonds paying by then")
    if res.status != 0 or res.x is None:
        raise ComputationError(f"cash matching failed: {res.message} (check that every "
                               "price is positive and every bond flow is non-negative)")
    x = np.maximum(res.x[:p.size], 0.0)
    if integer:
        x = np.round(x)
    return MatchResult(
        cost=float(p @ x), holdings=x,
        surplus=surplus_path(x, f, liab, reinvest_rate=reinvest_rate, times=t),
        status=str(res.message), reinvest_rate=reinvest_rate, integer=integer)


# --------------------------------------------------------------------------- Redington


@dataclass(frozen=True)
class Redington:
    """Redington (1952): PV_A >= PV_L, D_A = D_L (within tolerance), C_A >= C_L."""

    pv_assets: float
    pv_liabilities: float
    pv_ok: bool
    duration_assets: float
    duration_liabilities: float
    duration_gap: float  # D_A − D_L
    duration_tolerance: float
    duration_ok: bool
    convexity_assets: float
    convexity_liabilities: float
    convexity_ok: bool

    @property
    def immunised(self) -> bool:
        """All three conditions hold."""
        return self.pv_ok and self.duration_ok and self.convexity_ok


def redington(pv_assets: float, pv_liabilities: float, duration_assets: float,
              duration_liabilities: float, convexity_assets: float,
              convexity_liabilities: float, *, duration_tolerance: float) -> Redington:
    """Redington's immunisation conditions (Redington 1952, "Review of the principles of
    life-office valuations"): PV_A >= PV_L; |D_A − D_L| <= duration_tolerance; C_A >= C_L."""
    if duration_tolerance < 0:
        raise ComputationError(f"duration_tolerance {duration_tolerance} must be >= 0")
    gap = float(duration_assets) - float(duration_liabilities)
    return Redington(
        pv_assets=float(pv_assets), pv_liabilities=float(pv_liabilities),
        pv_ok=bool(pv_assets >= pv_liabilities),
        duration_assets=float(duration_assets), duration_liabilities=float(duration_liabilities),
        duration_gap=gap, duration_tolerance=float(duration_tolerance),
        duration_ok=bool(abs(gap) <= duration_tolerance),
        convexity_assets=float(convexity_assets),
        convexity_liabilities=float(convexity_liabilities),
        convexity_ok=bool(convexity_assets >= convexity_liabilities))


# --------------------------------------------------------------------------- files


@dataclass(frozen=True)
class LiabilitySchedule:
    times: np.ndarray  # sorted, strictly increasing
    amounts: np.ndarray


@dataclass(frozen=True)
class BondTable:
    bond_ids: tuple[str, ...]
    prices: np.ndarray  # (n_bonds,)
    times: np.ndarray  # the flow columns' times
    flows: np.ndarray  # (n_bonds, n_times), missing cells 0


def _rows(path: Path) -> tuple[list[str], list[list[str]]]:
    try:
        with path.open(newline="", encoding="utf-8-sig") as fh:
            rows = [[c.strip() for c in r] for r in csv.reader(fh, skipinitialspace=True)]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise InputError(BadCell(path.name, None, None, type(exc).__name__,
                                 "a readable CSV UTF-8 text file", "export the file as CSV UTF-8")
                         ) from None
    rows = [r for r in rows if any(r)]
    if len(rows) < 2:
        raise InputError(BadCell(path.name, None, None, "no rows", "a header and data rows",
                                 "write the header line and one row per entry"))
    return rows[0], rows[1:]


def _number(text: str) -> float | None:
    try:
        value = float(text.replace(",", ""))
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def read_liabilities_csv(path: Path | str) -> LiabilitySchedule:
    """Liability outflows by time from a CSV with columns time, amount (rows sorted by time)."""
    path = Path(path)
    header, rows = _rows(path)
    cells: list[BadCell] = []
    missing = [c for c in ("time", "amount") if c not in header]
    if missing:
        raise InputError([BadCell(path.name, 1, c, "", "column present", f"add a column {c}")
                          for c in missing])
    it, ia = header.index("time"), header.index("amount")
    times, amounts, seen = [], [], {}
    for line, row in enumerate(rows, start=2):
        row = row + [""] * (len(header) - len(row))
        t, a = _number(row[it]), _number(row[ia])
        if t is None or t <= 0:
            cells.append(BadCell(path.name, line, "time", row[it], "a time > 0 (a number)",
                                 "write the time after the valuation date as a number"))
        elif t in seen:
            cells.append(BadCell(path.name, line, "time", row[it], "one row per time",
                                 f"merge it with the row on line {seen[t]}"))
        else:
            seen[t] = line
        if a is None:
            cells.append(BadCell(path.name, line, "amount", row[ia], "a number",
                                 "write the amount as a plain number"))
        times.append(t)
        amounts.append(a)
    if cells:
        raise InputError(cells)
    order = np.argsort(np.array(times), kind="stable")
    return LiabilitySchedule(np.array(times)[order], np.array(amounts, dtype=np.float64)[order])


def read_bonds_csv(path: Path | str, times=None) -> BondTable:
    """Bonds from a CSV: bond_id, price, then one column per time (header = the time) holding
    one unit's cash at that time; empty cells are 0. With ``times`` (the liabilities' times)
    every time header must be one of them and the flows come aligned to ``times``."""
    path = Path(path)
    header, rows = _rows(path)
    cells: list[BadCell] = []
    missing = [c for c in ("bond_id", "price") if c not in header]
    if missing:
        raise InputError([BadCell(path.name, 1, c, "", "column present", f"add a column {c}")
                          for c in missing])
    ib, ip = header.index("bond_id"), header.index("price")
    known = None if times is None else [float(t) for t in times]
    flow_cols: list[tuple[int, float]] = []
    header_seen: dict[float, str] = {}
    for k, name in enumerate(header):
        if k in (ib, ip):
            continue
        t = _number(name)
        if t is None or t <= 0:
            cells.append(BadCell(path.name, 1, name, name, "a time > 0 as the column header",
                                 "head each cash-flow column with its time, e.g. 1, 2, 3"))
        elif known is not None and t not in known:
            cells.append(BadCell(path.name, 1, name, name,
                                 "one of the liabilities' times "
                                 f"({', '.join(f'{x:g}' for x in known)})",
                                 "use the liabilities' times, or add the time to the liabilities"))
        elif t in header_seen:
            cells.append(BadCell(path.name, 1, name, name, "one column per time",
                                 f"merge it with column {header_seen[t]}"))
        else:
            header_seen[t] = name
            flow_cols.append((k, t))
    col_times = sorted(t for _, t in flow_cols) if known is None else known
    pos = {t: i for i, t in enumerate(col_times)}
    ids: list[str] = []
    prices: list[float] = []
    flows = np.zeros((len(rows), len(col_times)))
    first: dict[str, int] = {}
    for r, (line, row) in enumerate(enumerate(rows, start=2)):
        if len(row) > len(header):
            cells.append(BadCell(path.name, line, None, ",".join(row[len(header):]),
                                 f"at most {len(header)} cells (the header's width)",
                                 "remove the extra cells or add their column header"))
        row = row + [""] * (len(header) - len(row))
        bond = row[ib]
        if not bond:
            cells.append(BadCell(path.name, line, "bond_id", bond, "a bond id",
                                 "give every bond an id"))
        elif bond in first:
            cells.append(BadCell(path.name, line, "bond_id", bond, "a unique bond id",
                                 f"rename it or remove the repeat of line {first[bond]}"))
        else:
            first[bond] = line
        price = _number(row[ip])
        if price is None or price <= 0:
            cells.append(BadCell(path.name, line, "price", row[ip], "a price > 0 (a number)",
                                 "write the price of one unit as a positive number"))
        for k, t in flow_cols:
            text = row[k]
            if text == "":
                continue
            value = _number(text)
            if value is None or value < 0:
                cells.append(BadCell(path.name, line, header[k], text,
                                     "a cash flow >= 0 (a number) or empty",
                                     "write one unit's cash at that time, or leave it empty"))
            else:
                flows[r, pos[t]] = value
        ids.append(bond)
        prices.append(price if price is not None else np.nan)
    if cells:
        raise InputError(cells)
    return BondTable(tuple(ids), np.array(prices), np.array(col_times, dtype=np.float64), flows)


def match_files(liabilities_path: Path | str, bonds_path: Path | str,
                reinvest_rate: float | None = None) -> dict:
    """``cash_match`` on a liabilities CSV and a bonds CSV, as a JSON-ready dict: cost,
    holdings {bond_id: units} of the bonds held, surplus {time: amount} after each payment."""
    liab = read_liabilities_csv(liabilities_path)
    bonds = read_bonds_csv(bonds_path, liab.times)
    result = cash_match(bonds.prices, bonds.flows, liab.amounts,
                        reinvest_rate=reinvest_rate, times=liab.times)
    return {
        "cost": result.cost,
        "holdings": {b: float(x) for b, x in zip(bonds.bond_ids, result.holdings, strict=True)
                     if x != 0.0},
        "surplus": {f"{t:g}": float(s) for t, s in zip(liab.times, result.surplus, strict=True)},
        "reinvest_rate": reinvest_rate,
        "status": result.status,
    }
