"""The scenarios of a model-point projection: economic paths (Hull–White or a file), shocks (a
shocks file or a stress scenario file), and the statistics of stochastic results.

Hull–White paths (``hull_white_scenarios``). The one-factor model of ``reserva.projection.
hull_white`` (Brigo & Mercurio, *Interest Rate Models — Theory and Practice*, 2nd ed., 2006,
§3.3), fitted to the basis' curve through its monthly factors p0[m] = v(m) (``DiscountCurve.at``,
with the rate shift), simulated exactly (Glasserman, *Monte Carlo Methods in Financial
Engineering*, 2004, §3.3). Per path s and month m = 0..M:

    discount[s, m]    = D_s(0, m) = exp(-int_0^{t_m} r_s(u) du)       (D_s(0, 0) = 1)
    fund_return[s, m] = D_s(0, m) / D_s(0, m + 1) - 1 = exp(int_{t_m}^{t_{m+1}} r_s(u) du) - 1

The fund earns the short rate: it is the bank account B(t) = exp(int_0^t r) of Brigo & Mercurio
§1.1 (Definition 1.1.1), so the discounted fund D_s(0, m) prod_{j < m} (1 + fund_return[s, j]) is
1 on every path, and E D(0, m) = v(m) (hull_white's martingale property): paths priced under the
risk-neutral measure of the curve.

Scenario file (``read_economic_scenarios``), CSV in long format, one row per scenario and month::

    scenario, month, rate[, fund_return]

``rate`` the annual (annually compounded) one-month rate of month m, ``fund_return`` the fund's
annual return in month m (column absent or cell empty: the rate). Monthly, by compounding:

    v_s(0) = 1,   v_s(m + 1) = v_s(m) (1 + rate_{s,m})^(-1/12)
    fund_return[s, m] = (1 + fund_return_{s,m})^(1/12) - 1

Each scenario gives the months 0, 1, ..., M - 1 (rows in any order), every scenario the same M,
and M at least the months the projection needs; rates finite, above -100% and at most
``MAX_RATE`` (1000% a year: a typing slip beyond it; 1200 months of it stay far from underflow).

Shocks (``read_shocks``). Two formats, told apart by the header:

* a shocks file: ``scenario, mortality, lapse, mass_lapse, expense, rate_shift`` (the fields of
  ``Shock``; only ``scenario`` required, an absent column or empty cell = no shock): multipliers
  in [0, 1000], mass lapse a share in [0, 1], the rate shift a decimal added to every rate
  (0.01 = +100bp) within +-0.2 (``reserva.io.scenarios.MAX_BP``);
* a stress scenario file (``reserva.io.scenarios``: rows of shock types per scenario), checked
  by its own reader, then mapped to a life book (``LIFE_SHOCKS``):

      claims_frequency (multiplier) -> mortality    the claims of a life book are its deaths
      lapse_rate (multiplier)       -> lapse
      mass_lapse (share)            -> mass_lapse    at the start of the projection
      expenses (multiplier)         -> expense
      rate_shift (bp)               -> rate_shift = bp / 10,000

  for every product (product kind ALL, no asset class, no counterparty), from month 1 to the
  horizon (start_month 1, no duration; a mass lapse: start_month 1, the whole share at once).
  Every other row is skipped with its reason (``Skipped``): the other shock types (an add-on to
  mortality, an amount of expenses, premium delays, assets, reinsurance ...), rows of one
  product kind, temporary shocks.

The base scenario comes first: the scenario named ``base`` (a shocks file; it must shock
nothing) or the first scenario without shocks (a stress file: shock type ``none``); a file
without one gets ``Shock("base")`` in front.

Statistics of the paths' results:

* ``percentiles``: the empirical q-quantile L_(k), k = ceil(n q), of the n sorted values (the
  smallest value with F_n >= q: McNeil, Frey & Embrechts, *Quantitative Risk Management*, 2015,
  §2.3; as ``reserva.projection.stochastic.risk_measures``).
* ``guarantee_value``: the time value of a guarantee (CFO Forum, *Market Consistent Embedded
  Value Principles*, 2009, Principle 7: time value of financial options and guarantees;
  Hardy, *Investment Guarantees*, 2003, ch. 7–8 for the stochastic valuation):

      TV = (1/n) sum_s PV_s(benefits) - PV_CE(benefits)

  PV_CE the certainty-equivalent PV on the curve; its Monte Carlo standard error (Glasserman
  2004, §1.1.1) SE = sd(PV_s) / sqrt(n) (sample sd, n - 1); antithetic pairs (Glasserman
  §4.2): SE = sd(pair means) / sqrt(n / 2).
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from reserva.errors import ARGUMENT, ArgumentError, BadCell, InputError
from reserva.finite import is_finite_number
from reserva.io.scenarios import MAX_BP, MAX_MULTIPLIER, NO_SHOCK, check_scenarios
from reserva.io.textcsv import read_cells
from reserva.projection import hull_white as hw
from reserva.projection.points.basis import DiscountCurve
from reserva.projection.points.engine import BASE, EconomicScenarios, Shock
from reserva.projection.stochastic import empirical_rank
from reserva.vocab import PROGRAMME

BASE_NAME = BASE.name
QUANTILES = (0.5, 0.75, 0.9, 0.95, 0.99, 0.995)
MAX_RATE = 10.0  # 1000% a year: an annual rate in a scenario file above it is a typing slip
MAX_SHIFT = MAX_BP / 10_000.0  # +-0.2: a shocks file's rate shift
ECONOMIC_COLUMNS = ("scenario", "month", "rate", "fund_return")
SHOCK_COLUMNS = ("scenario", "mortality", "lapse", "mass_lapse", "expense", "rate_shift")
# stress shock type -> (unit, the Shock field it sets)
LIFE_SHOCKS = {
    "claims_frequency": ("multiplier", "mortality"),
    "mortality_addon": ("pp", "mortality_add"),
    "lapse_rate": ("multiplier", "lapse"),
    "mass_lapse": ("share", "mass_lapse"),
    "expenses": ("multiplier", "expense"),
    "rate_shift": ("bp", "rate_shift"),
}
# why a stress shock type the projection does not take is skipped (the rest: NOT_MODELLED)
WHY_NOT = {
    "claims_severity": "a life claim is the sum assured: no claim severity to shock",
    "expenses": "an amount of expenses a month: the projection's expense shock is a multiplier",
}
NOT_MODELLED = ("not a shock of the policies' cashflows: the model-point projection shocks "
                "mortality, lapses, a mass lapse, expenses and the discount rates")
WHOLE = re.compile(r"^\+?\d+(\.0*)?$")


def _whole(value: object) -> bool:
    return not isinstance(value, bool) and isinstance(value, int | np.integer)


# ---------------------------------------------------------------- Hull–White paths


def hull_white_scenarios(curve: DiscountCurve, months: int, n: int, *, seed: int, a: float,
                         sigma: float, antithetic: bool = False,
                         rate_shift: float = 0.0) -> EconomicScenarios:
    """``n`` Hull–White paths of ``months`` months fitted to ``curve`` (shifted by
    ``rate_shift``): discount D_s(0, m) and the short-rate fund's returns D_s(m) / D_s(m+1) - 1
    (module docstring). Every bad argument is named at once (``ArgumentError``)."""
    cells: list[BadCell] = []
    if not isinstance(curve, DiscountCurve):
        cells.append(BadCell(ARGUMENT, None, "curve", type(curve).__name__, "a DiscountCurve"))
    if not _whole(months) or months < 1:
        cells.append(BadCell(ARGUMENT, None, "months", repr(months), "a whole number >= 1"))
    if not _whole(n) or n < 1:
        cells.append(BadCell(ARGUMENT, None, "n", repr(n), "a whole number of paths >= 1"))
    elif antithetic is True and n % 2:
        cells.append(BadCell(ARGUMENT, None, "n", repr(n), "an even number of paths with "
                             "antithetic pairs", "add or drop one path"))
    if not _whole(seed) or seed < 0:
        cells.append(BadCell(ARGUMENT, None, "seed", repr(seed), "a whole number >= 0"))
    if not isinstance(antithetic, bool):
        cells.append(BadCell(ARGUMENT, None, "antithetic", repr(antithetic), "True or False"))
    model = None
    try:
        model = hw.HullWhite(a, sigma)
    except ArgumentError as exc:
        cells.extend(exc.cells)
    if not is_finite_number(rate_shift):
        cells.append(BadCell(ARGUMENT, None, "rate_shift", repr(rate_shift), "a finite shift"))
    elif isinstance(curve, DiscountCurve) and np.any(curve.rates + rate_shift <= -1.0):
        cells.append(BadCell(ARGUMENT, None, "rate_shift", repr(rate_shift),
                             "a shift that keeps every rate of the curve above -100%"))
    ArgumentError.raise_all(cells, "Hull–White scenarios")
    p0 = curve.at(np.arange(months + 1, dtype=np.float64), float(rate_shift))
    paths = hw.simulate(model, p0, int(n), seed=int(seed), antithetic=antithetic)
    d = paths.discount
    fund = d[:, :-1] / d[:, 1:] - 1.0
    source = (f"Hull-White one-factor on the basis' {curve.kind} curve (rate shift "
              f"{float(rate_shift):g}): a={float(a):g}, sigma={float(sigma):g}, seed={int(seed)}, "
              f"n={int(n)}, antithetic={antithetic}, months={int(months)}")
    return EconomicScenarios(discount=d, fund_return=fund, source=source)


# ---------------------------------------------------------------- scenario file


def _number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        return math.nan
    return value if math.isfinite(value) else math.nan


def read_economic_scenarios(path: str | Path, months_needed: int) -> EconomicScenarios:
    """Economic paths from a CSV file ``scenario, month, rate[, fund_return]`` (module
    docstring); ``InputError`` naming every bad cell of the file at once."""
    if not _whole(months_needed) or months_needed < 0:
        raise ArgumentError.bad("months_needed", months_needed, "a whole number >= 0")
    path = Path(path)
    name = path.name
    frame, lines, cells = read_cells(path, columns=ECONOMIC_COLUMNS, what="the economic "
                                     "scenario file")
    if frame is None:
        raise InputError(cells)
    header = list(frame.columns)
    missing = [c for c in ECONOMIC_COLUMNS[:3] if c not in header]
    for c in missing:
        cells.append(BadCell(name, 1, c, "", "column present", "the columns: "
                             f"{', '.join(ECONOMIC_COLUMNS)} (fund_return optional)"))
    _check_header(name, frame, ECONOMIC_COLUMNS, "a row per scenario and month",
                  "add the rows: scenario, month, rate", cells)
    if missing or frame.empty:
        raise InputError(cells)
    has_fund = "fund_return" in header
    rows: dict[str, list[tuple[int, int, float, float]]] = {}  # scenario -> (month, line, r, f)
    broken: set[str] = set()  # scenarios with a bad month cell: their months not checked
    rate_words = f"an annual rate above -1 and at most {MAX_RATE:g} (0.03 = 3%)"
    for line, record in zip(lines, frame.to_dict("records"), strict=True):
        scen = record["scenario"]
        if not scen:
            cells.append(BadCell(name, line, "scenario", "", "the scenario's name",
                                 "name the scenario of the row"))
        month_text = record["month"]
        month = -1
        if WHOLE.match(month_text):
            month = int(float(month_text))
        else:
            cells.append(BadCell(name, line, "month", month_text, "a whole month from 0",
                                 "write the month as 0, 1, 2, ..."))
            broken.add(scen)
        rate = _number(record["rate"])
        if not (rate > -1.0 and rate <= MAX_RATE):
            cells.append(BadCell(name, line, "rate", record["rate"], rate_words,
                                 "write the rate as a decimal number"))
        fund = rate
        if has_fund and record["fund_return"] != "":
            fund = _number(record["fund_return"])
            if not (fund > -1.0 and fund <= MAX_RATE):
                cells.append(BadCell(name, line, "fund_return", record["fund_return"],
                                     f"empty (the rate) or {rate_words}",
                                     "write the return as a decimal number"))
        if scen:
            rows.setdefault(scen, []).append((month, line, rate, fund))
    lengths = {}
    for scen, items in rows.items():
        if scen in broken:
            continue
        n = _check_months(name, scen, items, cells)
        if n is not None:
            lengths[scen] = n
    if lengths:
        longest = max(lengths, key=lengths.get)
        target = max(lengths[longest], months_needed)
        for scen, n in lengths.items():
            if n >= target:
                continue
            last = max(rows[scen])[1]
            if n < months_needed:
                expected = (f"months 0 to {months_needed - 1}: the projection's {months_needed} "
                            "months")
                fix = "give longer paths, or project fewer months"
            else:
                expected = (f"months 0 to {target - 1}, as scenario {longest!r}: every scenario "
                            "the same months")
                fix = "give every scenario the same months"
            cells.append(BadCell(name, last, "month", str(n - 1), expected, fix))
    if cells:
        raise InputError(cells)
    names = tuple(rows)
    m = lengths[names[0]]
    rate = np.empty((len(names), m))
    fund = np.empty((len(names), m))
    for i, scen in enumerate(names):
        for month, _, r, f in rows[scen]:
            rate[i, month] = r
            fund[i, month] = f
    log_v = -np.cumsum(np.log1p(rate), axis=1) / 12.0
    discount = np.exp(np.concatenate((np.zeros((len(names), 1)), log_v), axis=1))
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return EconomicScenarios(discount=discount, fund_return=np.expm1(np.log1p(fund) / 12.0),
                             source=f"file {name} (sha256 {digest}): {len(names)} scenarios "
                             f"x {m} months", names=names)


def _check_months(name: str, scen: str, items, cells: list[BadCell]) -> int | None:
    """The number of months of a scenario whose months are 0 .. n - 1 each once; else None and
    a bad cell (a repeated month, or the row where the sequence breaks)."""
    seen: dict[int, int] = {}
    ok = True
    for month, line, _, _ in items:
        if month in seen:
            cells.append(BadCell(name, line, "month", str(month),
                                 f"each month once in scenario {scen!r} (line {seen[month]} "
                                 f"has month {month})", "remove the repeated row"))
            ok = False
        else:
            seen[month] = line
    months = sorted(seen)
    gap = next((k for k, m in enumerate(months) if m != k), None)
    if gap is not None:
        after = months[gap]
        cells.append(BadCell(name, seen[after], "month", str(after),
                             f"consecutive months from 0 in scenario {scen!r} (month {gap} "
                             "is missing)", f"add the row of month {gap}"))
        ok = False
    return len(months) if ok else None


# ---------------------------------------------------------------- shocks


@dataclass(frozen=True)
class Skipped:
    """A row of a stress scenario file the model-point projection does not take, and why."""

    scenario: str
    shock_type: str
    line: int
    reason: str

    def text(self) -> str:
        return f"scenario {self.scenario} line {self.line}: {self.shock_type} skipped ({self.reason})"


class ShockList(list):
    """The scenarios of a shocks or stress file, base first: a ``list`` of ``Shock``, with
    ``skipped`` (the stress rows not taken, ``Skipped``; empty for a shocks file) and
    ``kind`` (the file's format: ``shocks`` or ``stress``)."""

    def __init__(self, shocks: Sequence[Shock], skipped: Sequence[Skipped] = (),
                 kind: str = "shocks"):
        super().__init__(shocks)
        self.skipped: tuple[Skipped, ...] = tuple(skipped)
        self.kind = kind

    @property
    def skipped_types(self) -> tuple[str, ...]:
        """The shock types skipped, each once, in file order."""
        return tuple(dict.fromkeys(s.shock_type for s in self.skipped))


def read_shocks(path: str | Path) -> ShockList:
    """The shocks of a shocks file or a stress scenario file (module docstring), base first;
    ``InputError`` naming every bad cell at once."""
    path = Path(path)
    frame, lines, cells = read_cells(path, columns=SHOCK_COLUMNS, what="the shocks file")
    if frame is None:
        raise InputError(cells)
    header = list(frame.columns)
    if "shock_type" in header or "scenario_id" in header:
        scenarios, more = check_scenarios(frame, file=path.name, lines=lines)
        if cells or more:
            raise InputError([*cells, *more])
        return _from_stress(path.name, scenarios)
    if "scenario" not in header:
        raise InputError([*cells, BadCell(
            path.name, 1, None, ",".join(header), "the header of a shocks file ("
            f"{', '.join(SHOCK_COLUMNS)}) or of a stress scenario file (scenario_id, name, "
            "family, severity, shock_type, ...)", "write one of these headers")])
    return _from_shocks_file(path.name, frame, lines, cells)


def _check_header(name: str, frame, allowed, rows: str, fix: str,
                  cells: list[BadCell]) -> None:
    """A cell for each column not ``allowed`` and one for a file without data rows."""
    for c in frame.columns:
        if c not in allowed:
            cells.append(BadCell(name, 1, c, c, f"one of {', '.join(allowed)}",
                                 "rename or remove the column"))
    if frame.empty:
        cells.append(BadCell(name, None, None, "no data rows", rows, fix))


def _from_shocks_file(name: str, frame, lines, cells: list[BadCell]) -> ShockList:
    _check_header(name, frame, SHOCK_COLUMNS, "a row per scenario",
                  "add a row: the scenario's name and its shocks", cells)
    ranges = {
        "mortality": (0.0, MAX_MULTIPLIER, f"empty or a multiplier in [0, {MAX_MULTIPLIER:g}]"),
        "lapse": (0.0, MAX_MULTIPLIER, f"empty or a multiplier in [0, {MAX_MULTIPLIER:g}]"),
        "expense": (0.0, MAX_MULTIPLIER, f"empty or a multiplier in [0, {MAX_MULTIPLIER:g}]"),
        "mass_lapse": (0.0, 1.0, "empty or a share in [0, 1] (0.4 = 40% of the policies)"),
        "rate_shift": (-MAX_SHIFT, MAX_SHIFT, f"empty or a decimal shift in [{-MAX_SHIFT:g}, "
                       f"{MAX_SHIFT:g}] (0.01 = +100bp)"),
    }
    neutral = {f: getattr(BASE, f) for f in ranges}
    seen: dict[str, int] = {}
    shocks, base = [], None
    for line, record in zip(lines, frame.to_dict("records"), strict=True):
        scen = record["scenario"]
        bad_before = len(cells)
        if not scen:
            cells.append(BadCell(name, line, "scenario", "", "the scenario's name",
                                 "name the scenario of the row"))
        elif scen in seen:
            cells.append(BadCell(name, line, "scenario", scen, f"each scenario once (line "
                                 f"{seen[scen]} has {scen!r})", "merge the rows or rename one"))
        else:
            seen[scen] = line
        values = {}
        for column, (low, high, words) in ranges.items():
            text = record.get(column, "")
            if text == "":
                continue
            value = _number(text)
            if not low <= value <= high:
                cells.append(BadCell(name, line, column, text, words,
                                     "write a plain decimal number within that range"))
            elif scen == BASE_NAME and value != neutral[column]:
                cells.append(BadCell(name, line, column, text, "empty: the base scenario "
                                     "shocks nothing", "clear the cell, or rename the scenario"))
            else:
                values[column] = value
        if len(cells) == bad_before:
            shock = Shock(scen, **values)
            if scen == BASE_NAME:
                base = shock
            else:
                shocks.append(shock)
    if cells:
        raise InputError(cells)
    return ShockList([base or BASE, *shocks], kind="shocks")


def _from_stress(name: str, scenarios) -> ShockList:
    shocks, skipped, cells = [], [], []
    base = None
    for sc in scenarios:
        if not sc.shocks:
            if base is None:
                base = Shock(sc.scenario_id)
            else:
                shocks.append(Shock(sc.scenario_id))
            continue
        if sc.scenario_id == BASE_NAME:
            line = min(s.line for s in sc.shocks)
            cells.append(BadCell(name, line, "scenario_id", BASE_NAME, f"a scenario without "
                                 f"shocks (shock_type {NO_SHOCK}) for the id {BASE_NAME}",
                                 "rename the scenario"))
            continue
        fields = {"mortality": 1.0, "lapse": 1.0, "expense": 1.0, "mass_lapse": 0.0,
                  "rate_shift": 0.0}
        for s in sorted(sc.shocks, key=lambda s: s.line):
            reason = _why_skipped(s)
            if reason:
                skipped.append(Skipped(sc.scenario_id, s.shock_type, s.line, reason))
                continue
            # one row per field: the stress reader refuses a repeat of (type, product kind,
            # asset class, counterparty, unit, start month), and only one such key is taken
            target = LIFE_SHOCKS[s.shock_type][1]
            fields[target] = (s.value / 10_000.0 if target == "rate_shift"
                              else s.value / 100.0 if target == "mortality_add" else s.value)
        shocks.append(Shock(sc.scenario_id, **fields))
    if cells:
        raise InputError(cells)
    return ShockList([base or BASE, *shocks], skipped, kind="stress")


def _why_skipped(s) -> str:
    """Why a stress row is not taken ("" when it is)."""
    unit_field = LIFE_SHOCKS.get(s.shock_type)
    if unit_field is None or unit_field[0] != s.unit:
        return WHY_NOT.get(s.shock_type, NOT_MODELLED)
    if s.product_kind != PROGRAMME:
        return (f"applies to {s.product_kind} only: the projection's shocks apply to every "
                "product")
    if s.asset_class or s.counterparty:
        return (f"applies to {s.asset_class or s.counterparty} only: the projection's shocks "
                "apply to every policy and the whole curve")
    if s.shock_type == "mass_lapse":
        if s.start_month != 1 or (s.profile == "linear_in" and s.duration_months != 1):
            return "a mass lapse after the start: the projection's mass lapse is at the start"
        return ""
    if s.start_month != 1 or s.duration_months is not None:
        end = "the horizon" if s.duration_months is None else \
            f"month {s.start_month + s.duration_months - 1}"
        return (f"from month {s.start_month} to {end}: the projection's shocks hold from the "
                "first month to the horizon")
    return ""


# ---------------------------------------------------------------- statistics


def percentiles(values: np.ndarray, qs: Sequence[float] = QUANTILES) -> dict:
    """{q: L_(k)} with k = ceil(n q) of the values sorted along axis 0 (the paths): the
    empirical q-quantile (module docstring); an array per q when ``values`` has more axes."""
    v = np.asarray(values, dtype=np.float64)
    cells: list[BadCell] = []
    if v.ndim == 0 or v.shape[0] == 0 or not np.all(np.isfinite(v)):
        cells.append(BadCell(ARGUMENT, None, "values", str(v.shape), "finite values, at least "
                             "one, the paths along axis 0"))
    bad_q = [q for q in qs if not (is_finite_number(q) and 0.0 < q <= 1.0)]
    if bad_q:
        cells.append(BadCell(ARGUMENT, None, "qs", repr(bad_q), "levels in (0, 1]"))
    ArgumentError.raise_all(cells, "percentiles")
    sample = np.sort(v, axis=0)
    n = sample.shape[0]
    out = {}
    for q in qs:
        value = sample[empirical_rank(n, q) - 1]
        out[float(q)] = float(value) if np.ndim(value) == 0 else value
    return out


@dataclass(frozen=True)
class GuaranteeValue:
    """The time value of a guarantee (module docstring): ``value`` = ``stochastic`` (the mean
    PV over the paths) - ``deterministic`` (the certainty-equivalent PV), with its Monte Carlo
    ``standard_error`` over ``paths`` paths."""

    value: float
    standard_error: float
    stochastic: float
    deterministic: float
    paths: int
    antithetic: bool

    def interval(self, z: float = 1.96) -> tuple[float, float]:
        """value -+ z SE (95% by default)."""
        return self.value - z * self.standard_error, self.value + z * self.standard_error


def guarantee_value(stochastic_pv, deterministic_pv: float, *,
                    antithetic: bool = False) -> GuaranteeValue:
    """TV = mean_s PV_s - PV_CE and its standard error (module docstring): ``stochastic_pv``
    the PV of the benefits on each path, ``deterministic_pv`` on the curve; ``antithetic``
    paths 2k and 2k + 1 a pair (the error from the pairs' means)."""
    pv = np.asarray(stochastic_pv, dtype=np.float64)
    cells: list[BadCell] = []
    least = 4 if antithetic else 2
    if pv.ndim != 1 or pv.size < least or not np.all(np.isfinite(pv)) or \
            (antithetic and pv.size % 2):
        cells.append(BadCell(ARGUMENT, None, "stochastic_pv", str(pv.shape),
                             f"finite PVs, one per path, at least {least}"
                             + (" and an even number (antithetic pairs)" if antithetic else "")))
    if not is_finite_number(deterministic_pv):
        cells.append(BadCell(ARGUMENT, None, "deterministic_pv", repr(deterministic_pv),
                             "a finite PV"))
    if not isinstance(antithetic, bool):
        cells.append(BadCell(ARGUMENT, None, "antithetic", repr(antithetic), "True or False"))
    ArgumentError.raise_all(cells, "guarantee value")
    units = pv.reshape(-1, 2).mean(axis=1) if antithetic else pv
    mean = float(pv.mean())
    se = float(units.std(ddof=1) / math.sqrt(units.size))
    return GuaranteeValue(value=mean - float(deterministic_pv), standard_error=se,
                          stochastic=mean, deterministic=float(deterministic_pv),
                          paths=int(pv.size), antithetic=antithetic)


__all__ = ["LIFE_SHOCKS", "QUANTILES", "GuaranteeValue", "ShockList", "Skipped",
           "guarantee_value", "hull_white_scenarios", "percentiles", "read_economic_scenarios",
           "read_shocks"]
