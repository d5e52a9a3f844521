"""A budget set: the files describing one social health scheme, read into ``BudgetInputs``.

A budget set is a folder (``budgets/<set>/``, or any path) of CSV files and a ``manifest.toml``
with their sha256 (``reserva assumptions hash`` writes it; a set whose files do not match is
refused), in the programme currency of the scheme, amounts a year:

``scheme.csv`` (key, value, source, note): ``first_year``, ``last_year`` (the years projected,
at most 100), ``cpi`` (price inflation a year), ``medical_inflation`` (unit costs' inflation on
top of the CPI), ``cash_benefit_rate`` (cash benefits / the wage bill), ``admin_rate``
(administration / (health care + cash benefits)), ``capital_rate`` (capital spending / health
care), ``pension_outgo`` (the first year's pensions paid by the scheme) and
``pension_growth`` (a year, nominal), ``other_income`` and ``other_income_growth`` (nominal),
``reserve_opening`` (the reserve fund at the start of the first year) and ``reserve_return`` (a
year, nominal); optionally ``per_capita_scale``, the currency units of an amount per unit of
persons (1,000 for amounts in millions and persons in thousands; default 1), so that the
per-capita cost is in currency; ``reserve_target`` (years of the last year's global expenditure
wanted in reserve at the end: the scaled premium's target, default 0) and ``premium_base`` (1:
the scheme is financed by premiums, and its general average premium is the required tariff a
protected person a year at the first year's prices; default 0: a rate on the wage bill).

``population.csv`` (year, sex, age_from, age_to, persons): the population of every year by sex
(``male``, ``female``) and age band; the same bands every year, contiguous from the youngest.
Or the first year's only, at single ages (the last the open group), with ``mortality.csv``
(sex, age_from, age_to, qx: the probability of dying within the year), ``fertility.csv``
(age_from, age_to, rate: births per woman a year) and optionally ``migration.csv`` (sex,
age_from, age_to, persons: net migrants a year, spread evenly over the range's ages), rates
constant over the years, and scheme.csv's optional ``sex_ratio_at_birth`` (default 1.05): the
population is then projected by the cohort-component step of ``reserva.budget.population``.

``labour.csv`` (sex, age_from, age_to, participation, salaried_share): the share of the
population in the economically active population (PEA) and the share of the PEA salaried.

``categories.csv`` (category, base, age_from, age_to, contributes, dependants_per_titular,
wage_male, wage_female, wage_growth, density, contribution_rate, flat_contribution, and
optionally premium: a premium a protected person a year at the first year's prices): the insured
categories: their titulars counted on the salaried or non-salaried PEA or the population
(``base``) of the ages given, whether their wages (a pension, for pensioners) are in the wage
bill, their dependants per titular, the first year's average annual wage by sex and its real
growth a year (nominal = x (1 + cpi)), the share of the year contributed (``density``), the
contribution rate on the wage and a flat contribution a titular a year.

``coverage.csv`` (category, sex, rate): the first year's coverage of each category's base.

``dependants.csv`` (sex, age_from, age_to, share): how dependants spread over sex and age
(adding to 1).

``services.csv`` (service, unit, unit_cost, real_growth, volume): each service costed by the
``case`` or by the ``day`` (then ``volume`` days per case, e.g. the average stay), the first
year's unit cost and its real growth a year (nominal = x (1 + cpi) (1 + medical_inflation)).

``utilisation.csv`` (service, sex, age_from, age_to, rate, relative_cost): cases per protected
person a year by service, sex and age band, and the relative cost of a case (complexity; 1 =
the unit cost).

A row's ``age_from .. age_to`` covers the population's bands inside it; every band of every sex
is covered once per file (and per service or category where the file has one). Every bad cell of
every file is reported at once (file, line, column, value, expected, fix), as for a data pack.
Growth over the years is applied from the first year: year ``t`` (0 for the first) carries
``(1 + rate)^t``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from reserva.budget.model import BASES, BudgetInputs
from reserva.errors import BadCell, InputError
from reserva.io.assumptions import MANIFEST, set_hash, sha256_file
from reserva.io.textcsv import read_cells

__all__ = ["FILES", "SCHEME_KEYS", "SEXES", "BudgetSet", "budgets_root", "load_budget_set"]

SEXES = ("male", "female")
UNITS = ("case", "day")
FILES: Mapping[str, tuple[str, ...]] = {
    "scheme.csv": ("key", "value"),
    "population.csv": ("year", "sex", "age_from", "age_to", "persons"),
    "labour.csv": ("sex", "age_from", "age_to", "participation", "salaried_share"),
    "categories.csv": ("category", "base", "age_from", "age_to", "contributes",
                       "dependants_per_titular", "wage_male", "wage_female", "wage_growth",
                       "density", "contribution_rate", "flat_contribution"),
    "coverage.csv": ("category", "sex", "rate"),
    "dependants.csv": ("sex", "age_from", "age_to", "share"),
    "services.csv": ("service", "unit", "unit_cost", "real_growth", "volume"),
    "utilisation.csv": ("service", "sex", "age_from", "age_to", "rate", "relative_cost"),
}
# scheme.csv: key -> (expected words, low, high)
SCHEME_KEYS: Mapping[str, tuple[str, float, float]] = {
    "first_year": ("a year from 1900 to 2200", 1900, 2200),
    "last_year": ("a year from first_year to first_year + 99", 1900, 2299),
    "cpi": ("a rate a year between -0.5 and 1", -0.5, 1.0),
    "medical_inflation": ("a rate a year between -0.5 and 1", -0.5, 1.0),
    "cash_benefit_rate": ("a share of the wage bill in [0, 1]", 0.0, 1.0),
    "admin_rate": ("a share in [0, 1]", 0.0, 1.0),
    "capital_rate": ("a share in [0, 1]", 0.0, 1.0),
    "pension_outgo": ("an amount >= 0", 0.0, 1e15),
    "pension_growth": ("a rate a year between -0.5 and 1", -0.5, 1.0),
    "other_income": ("an amount >= 0", 0.0, 1e15),
    "other_income_growth": ("a rate a year between -0.5 and 1", -0.5, 1.0),
    "reserve_opening": ("an amount, negative for a deficit", -1e15, 1e15),
    "reserve_return": ("a rate a year between -0.5 and 1", -0.5, 1.0),
}
# keys scheme.csv may leave out, with their default
OPTIONAL_KEYS: Mapping[str, tuple[str, float, float, float]] = {
    "per_capita_scale": ("currency units of an amount per unit of persons, > 0 (1,000 for "
                         "amounts in millions and persons in thousands)", 1e-12, 1e12, 1.0),
    "reserve_target": ("years of the last year's global expenditure wanted in reserve at the "
                       "end, >= 0", 0.0, 100.0, 0.0),
    "premium_base": ("0 (the premium is a rate on the wage bill) or 1 (a tariff a protected "
                     "person a year: a scheme financed by premiums)", 0.0, 1.0, 0.0),
    "sex_ratio_at_birth": ("males born per female born, > 0 (a projected population)", 0.5,
                           2.0, 1.05),
}
# keys whose value is a whole number
WHOLE_KEYS = {"first_year": "a whole year", "last_year": "a whole year",
              "premium_base": "0 or 1"}
# the files of a projected population (optional: population.csv then gives the first year only)
DEMOGRAPHY: Mapping[str, tuple[str, ...]] = {
    "mortality.csv": ("sex", "age_from", "age_to", "qx"),
    "fertility.csv": ("age_from", "age_to", "rate"),
    "migration.csv": ("sex", "age_from", "age_to", "persons"),
}


@dataclass(frozen=True)
class BudgetSet:
    """A budget set read: its id and hash, the age bands and the inputs (one scenario)."""

    set_id: str
    set_hash: str
    path: Path
    age_bands: tuple[tuple[int, int], ...]
    inputs: BudgetInputs
    reserve_target: float = 0.0  # years of outgo wanted in reserve at the end
    premium_base: bool = False  # the premium a tariff a protected person, not a wage rate


def budgets_root() -> Path:
    """The folder of the bundled budget sets: ``budgets/`` of the source tree, or, in an
    installed wheel, the same folder shipped as the package data of ``reserva.budgets``."""
    here = Path(__file__).resolve()
    source = here.parents[2] / "budgets"
    if source.is_dir():
        return source
    return here.parents[1] / "budgets"


class _Problems:
    def __init__(self) -> None:
        self.cells: list[BadCell] = []

    def add(self, file, line, column, value, expected, fix="") -> None:
        self.cells.append(BadCell(file, line, column, str(value), expected, fix))

    def has(self, file: str) -> bool:
        return any(c.file == file for c in self.cells)


def _number(p: _Problems, file: str, line: int, column: str, text: str, expected: str,
            lo: float = -1e15, hi: float = 1e15) -> float | None:
    try:
        v = float(text)
    except ValueError:
        v = float("nan")
    if not (lo <= v <= hi):
        p.add(file, line, column, text, expected)
        return None
    return v


def _read(p: _Problems, folder: Path, name: str) -> list[tuple[int, dict[str, str]]]:
    """(line, row) of a file, the bad cells of its shape added to ``p``."""
    if not (folder / name).is_file():
        p.add(name, None, None, "missing", "a file of the budget set",
              f"write {name} with the columns {', '.join(FILES[name])}")
        return []
    return _rows_of(p, folder / name, FILES[name])


def _rows_of(p: _Problems, path: Path, columns: tuple[str, ...]
             ) -> list[tuple[int, dict[str, str]]]:
    """(line, row of stripped text cells) of a CSV with ``columns``; its bad cells to ``p``."""
    name = path.name
    frame, lines, bad = read_cells(path, columns=columns, what=name)
    p.cells.extend(bad)
    if frame is None:
        return []
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        p.add(name, 1, None, ",".join(frame.columns), f"the columns {', '.join(columns)}",
              f"add {', '.join(missing)}")
        return []
    return [(ln, {k: str(v).strip() for k, v in row.items()})
            for ln, row in zip(lines, frame.to_dict("records"), strict=True)]


def _bands(p: _Problems, rows) -> tuple[tuple[int, int], ...]:
    """The population's age bands (contiguous, the same every year and sex)."""
    seen: dict[tuple[str, str], set[tuple[int, int]]] = {}
    for ln, r in rows:
        a = _number(p, "population.csv", ln, "age_from", r["age_from"], "a whole age >= 0", 0,
                    130)
        b = _number(p, "population.csv", ln, "age_to", r["age_to"], "a whole age >= age_from",
                    0, 130)
        if a is not None and b is not None and a <= b:
            seen.setdefault((r["year"], r["sex"]), set()).add((int(a), int(b)))
    if not seen:
        return ()
    every = sorted(set.union(*seen.values()))
    for key, got in seen.items():
        if got != set(every):
            p.add("population.csv", None, "age_from", f"year {key[0]} {key[1]}",
                  "the same age bands for every year and sex")
    for (a0, b0), (a1, _b1) in zip(every, every[1:], strict=False):
        if a1 != b0 + 1:
            p.add("population.csv", None, "age_from", f"{a0}-{b0} then {a1}",
                  "contiguous age bands without overlap")
    return tuple(every)


def _band_mask(bands, a: float | None, b: float | None) -> np.ndarray | None:
    if a is None or b is None:
        return None
    return np.array([a <= lo and hi <= b for lo, hi in bands], bool)


def _sex(p: _Problems, file: str, ln: int, text: str) -> int | None:
    if text not in SEXES:
        p.add(file, ln, "sex", text, "male or female")
        return None
    return SEXES.index(text)


def _spread(p: _Problems, file: str, rows, bands, columns: tuple[str, ...], key: str | None,
            keys: tuple[str, ...] = (), *, shares: bool = False) -> dict[str, np.ndarray]:
    """Per value column, [key, band, sex] (or [band, sex]) from rows over age ranges; every
    band of every sex covered once per key."""
    nk = max(len(keys), 1)
    out = {c: np.zeros((nk, len(bands), 2)) for c in columns}
    count = np.zeros((nk, len(bands), 2), np.int64)
    for ln, r in rows:
        s = _sex(p, file, ln, r["sex"])
        k = 0
        if key is not None:
            if r[key] not in keys:
                p.add(file, ln, key, r[key], f"one of {', '.join(keys)}")
                continue
            k = keys.index(r[key])
        a = _number(p, file, ln, "age_from", r["age_from"], "a whole age >= 0", 0, 130)
        b = _number(p, file, ln, "age_to", r["age_to"], "a whole age >= age_from", 0, 130)
        mask = _band_mask(bands, a, b)
        if mask is not None and not mask.any():
            p.add(file, ln, "age_from", f"{r['age_from']}-{r['age_to']}",
                  "an age range holding at least one band of population.csv")
            continue
        vals = {c: _number(p, file, ln, c, r[c], "a share in [0, 1]" if shares else
                           "a number >= 0", 0.0, 1.0 if shares else 1e15) for c in columns}
        if s is None or mask is None or any(v is None for v in vals.values()):
            continue
        for c, v in vals.items():
            out[c][k, mask, s] = v
        count[k, mask, s] += 1
    if not p.has(file):
        for k, name in enumerate(keys or ("",)):
            for s, sex in enumerate(SEXES):
                for i, (lo, hi) in enumerate(bands):
                    if count[k, i, s] != 1:
                        p.add(file, None, "age_from", f"{name} {sex} {lo}-{hi}".strip(),
                              "every age band of every sex covered once",
                              "give one row whose ages hold the band")
    return out


def _read_optional(p: _Problems, folder: Path, name: str):
    """The rows of an optional file (None when the set has none)."""
    if not (folder / name).is_file():
        return None
    return _rows_of(p, folder / name, DEMOGRAPHY[name])


def _projected(p: _Problems, first: np.ndarray, n_years: int, bands, demography,
               sex_ratio: float) -> np.ndarray:
    """The population of every year from the first year's by the cohort-component step
    (``reserva.budget.population``): single-age bands, rates constant over the years."""
    from reserva.budget.population import project_population

    if any(lo != hi for lo, hi in bands[:-1]):
        p.add("population.csv", None, "age_from", "bands wider than one year",
              "single ages (the last band the open group) to project the population",
              "give every year's population, or single ages")
        return np.zeros((n_years, len(bands), 2))
    qx = _spread(p, "mortality.csv", demography["mortality.csv"], bands, ("qx",), None)["qx"][0]
    if (qx > 1).any():
        p.add("mortality.csv", None, "qx", f"{qx.max():g}", "probabilities of dying in [0, 1]")
    f = np.zeros(len(bands))
    for ln, r in demography["fertility.csv"] or []:
        a = _number(p, "fertility.csv", ln, "age_from", r["age_from"], "a whole age >= 1", 1,
                    130)
        b = _number(p, "fertility.csv", ln, "age_to", r["age_to"], "a whole age >= age_from",
                    1, 130)
        v = _number(p, "fertility.csv", ln, "rate", r["rate"], "births per woman a year >= 0",
                    0.0, 5.0)
        mask = _band_mask(bands, a, b)
        if mask is not None and v is not None:
            f[mask] = v
    mig = np.zeros((len(bands), 2))
    for ln, r in demography["migration.csv"] or []:
        sx = _sex(p, "migration.csv", ln, r["sex"])
        mask = _band_mask(bands, _number(p, "migration.csv", ln, "age_from", r["age_from"],
                                         "a whole age >= 0", 0, 130),
                          _number(p, "migration.csv", ln, "age_to", r["age_to"],
                                  "a whole age >= age_from", 0, 130))
        v = _number(p, "migration.csv", ln, "persons", r["persons"],
                    "net migrants a year (negative: emigration)", -1e12, 1e12)
        if sx is not None and mask is not None and v is not None:
            mig[mask, sx] = v / max(int(mask.sum()), 1)  # spread evenly over the range's ages
    if p.cells:
        return np.zeros((n_years, len(bands), 2))
    return project_population(first, n_years, qx=np.clip(qx, 0, 1)[None],
                              fertility=f[None], sex_ratio_at_birth=sex_ratio,
                              migration=mig[None])


def load_budget_set(path: str | Path) -> BudgetSet:
    """Read and check a budget set folder, or a bundled set by name (module docstring): every
    bad cell of every file at once, and the files against the manifest's sha256.

    Raises
    ------
    InputError
        Bad cells, a missing file or a file whose hash does not match the manifest.
    """
    import tomllib

    folder = Path(path)
    if not folder.is_dir() and (budgets_root() / str(path)).is_dir():
        folder = budgets_root() / str(path)  # a bundled set by its name
    p = _Problems()
    if not folder.is_dir():
        raise InputError([BadCell("budget set", None, None, str(path), "a budget set folder",
                                  "give the folder of the set's CSV files or the name of a "
                                  f"bundled set ({budgets_root()})")])
    listed: dict[str, str] = {}
    if (folder / MANIFEST).is_file():
        try:
            files = tomllib.loads((folder / MANIFEST).read_text()).get("files", {})
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            files = None
            p.add(MANIFEST, None, None, str(exc)[:80], "a manifest written by `reserva "
                  "assumptions hash`", f"run `reserva assumptions hash {folder}`")
        if isinstance(files, dict):
            listed = {str(k): str(v) for k, v in files.items()}
        elif files is not None:
            p.add(MANIFEST, None, "files", str(files)[:40], "a table of file = sha256",
                  f"run `reserva assumptions hash {folder}`")
    hashed = [n for n in (*FILES, *DEMOGRAPHY, "budget_scenarios.csv")
              if (folder / n).is_file()]
    for name in listed:
        if not (folder / name).is_file():
            p.add(name, None, None, "missing, though manifest.toml lists it",
                  "every file the manifest lists", f"restore it, or run `reserva assumptions "
                  f"hash {folder}` after an intended removal")
    for name in hashed:
        f = folder / name
        if listed.get(name) != sha256_file(f):
            p.add(name, None, None, "sha256 differs from manifest.toml",
                  "the file the manifest lists",
                  f"restore it, or run `reserva assumptions hash {folder}` after an intended "
                  "edit")
    rows = {name: _read(p, folder, name) for name in FILES}
    scheme: dict[str, float] = {}
    seen_keys: set[str] = set()
    for ln, r in rows["scheme.csv"]:
        key = r["key"]
        if key not in SCHEME_KEYS and key not in OPTIONAL_KEYS:
            p.add("scheme.csv", ln, "key", key,
                  f"one of {', '.join([*SCHEME_KEYS, *OPTIONAL_KEYS])}")
            continue
        if key in seen_keys:
            p.add("scheme.csv", ln, "key", key, "each key once")
            continue
        seen_keys.add(key)
        words, lo, hi = (SCHEME_KEYS[key] if key in SCHEME_KEYS else OPTIONAL_KEYS[key][:3])
        v = _number(p, "scheme.csv", ln, "value", r["value"], words, lo, hi)
        if v is not None and key in WHOLE_KEYS and v != int(v):
            p.add("scheme.csv", ln, "value", r["value"], WHOLE_KEYS[key])
            v = None
        if v is not None:
            scheme[key] = v
    for key in SCHEME_KEYS:
        if key not in seen_keys:
            p.add("scheme.csv", None, "key", key, "every key of the scheme once",
                  f"add a row {key},VALUE")
    y0, y1 = int(scheme.get("first_year", 0)), int(scheme.get("last_year", -1))
    if scheme and "first_year" in scheme and "last_year" in scheme and not y0 <= y1 <= y0 + 99:
        p.add("scheme.csv", None, "value", f"{y0}..{y1}", "last_year from first_year to "
              "first_year + 99")
    years = np.arange(y0, y1 + 1)
    bands = _bands(p, rows["population.csv"])
    pop = np.zeros((years.size, len(bands), 2))
    have = np.zeros(years.size, bool)
    cells = np.zeros((years.size, len(bands), 2), np.int64)
    for ln, r in rows["population.csv"]:
        s = _sex(p, "population.csv", ln, r["sex"])
        yr = _number(p, "population.csv", ln, "year", r["year"], "a year of the projection",
                     y0, y1)
        n = _number(p, "population.csv", ln, "persons", r["persons"], "a number >= 0", 0, 1e12)
        try:
            band = bands.index((int(float(r["age_from"])), int(float(r["age_to"]))))
        except ValueError:
            continue
        if s is None or yr is None or n is None:
            continue
        if cells[int(yr) - y0, band, s]:
            p.add("population.csv", ln, "persons", r["persons"],
                  "one row per year, sex and age band", "remove the repeated row")
        pop[int(yr) - y0, band, s] = n
        cells[int(yr) - y0, band, s] += 1
        have[int(yr) - y0] = True
    for t in np.flatnonzero(have):  # a year given is given whole
        for b, s in zip(*np.nonzero(cells[t] == 0), strict=True):
            lo, hi = bands[b]
            p.add("population.csv", None, "persons", f"{years[t]} {SEXES[s]} {lo}-{hi}",
                  "every age band of every sex of a year given", "add the row")
    demography = {name: _read_optional(p, folder, name) for name in DEMOGRAPHY}
    project = (years.size > 1 and have[0] and not have[1:].any()
               and demography["mortality.csv"] is not None)
    if project and demography["fertility.csv"] is None:
        p.add("fertility.csv", None, None, "missing", "fertility.csv beside mortality.csv to "
              "project the population", "write fertility.csv (age_from, age_to, rate)")
    if project and not p.has("population.csv"):
        pop = _projected(p, pop[0], years.size, bands, demography,
                         scheme.get("sex_ratio_at_birth", OPTIONAL_KEYS["sex_ratio_at_birth"][3]))
    elif years.size and not have.all() and not p.has("population.csv"):
        p.add("population.csv", None, "year", ", ".join(str(v) for v in years[~have][:5]),
              "every year of the projection", "give the population of each year, or the "
              "first year's with mortality.csv (and fertility.csv, migration.csv) to project it")
    labour = _spread(p, "labour.csv", rows["labour.csv"], bands,
                     ("participation", "salaried_share"), None, shares=True)
    deps = _spread(p, "dependants.csv", rows["dependants.csv"], bands, ("share",), None)
    cats, cat_rows = [], {}
    for ln, r in rows["categories.csv"]:
        if r["category"] in cat_rows or not r["category"]:
            p.add("categories.csv", ln, "category", r["category"], "a category, each once")
            continue
        cats.append(r["category"])
        cat_rows[r["category"]] = (ln, r)
    services = [r["service"] for _ln, r in rows["services.csv"]]
    for ln, r in rows["services.csv"]:
        if services.count(r["service"]) > 1 or not r["service"]:
            p.add("services.csv", ln, "service", r["service"], "a service, each once")
    services = list(dict.fromkeys(services))
    util = _spread(p, "utilisation.csv", rows["utilisation.csv"], bands,
                   ("rate", "relative_cost"), "service", tuple(services))
    cov = np.zeros((len(cats), 2))
    cov_n = np.zeros((len(cats), 2), np.int64)
    for ln, r in rows["coverage.csv"]:
        s = _sex(p, "coverage.csv", ln, r["sex"])
        if r["category"] not in cats:
            p.add("coverage.csv", ln, "category", r["category"], "a category of categories.csv")
            continue
        v = _number(p, "coverage.csv", ln, "rate", r["rate"], "a share in [0, 1]", 0.0, 1.0)
        if s is not None and v is not None:
            cov[cats.index(r["category"]), s] = v
            cov_n[cats.index(r["category"]), s] += 1
    if not p.has("coverage.csv"):
        for c, name in enumerate(cats):
            for s, sex in enumerate(SEXES):
                if cov_n[c, s] != 1:
                    p.add("coverage.csv", None, "category", f"{name} {sex}",
                          "one row per category and sex")
    cat = {k: np.zeros(len(cats)) for k in ("deps", "wm", "wf", "g", "density", "rate", "flat")}
    premium_c = np.zeros(len(cats))
    base = np.zeros(len(cats), np.int64)
    contributes = np.zeros(len(cats), bool)
    eligible = np.zeros((len(cats), len(bands)), bool)
    for c, name in enumerate(cats):
        ln, r = cat_rows[name]
        if r["base"] not in BASES:
            p.add("categories.csv", ln, "base", r["base"], f"one of {', '.join(BASES)}")
        else:
            base[c] = BASES.index(r["base"])
        if r["contributes"].lower() not in ("true", "false"):
            p.add("categories.csv", ln, "contributes", r["contributes"], "true or false")
        contributes[c] = r["contributes"].lower() == "true"
        mask = _band_mask(bands, _number(p, "categories.csv", ln, "age_from", r["age_from"],
                                         "a whole age >= 0", 0, 130),
                          _number(p, "categories.csv", ln, "age_to", r["age_to"],
                                  "a whole age >= age_from", 0, 130))
        if mask is not None:
            eligible[c] = mask
        for key, column, words, lo, hi in (
                ("deps", "dependants_per_titular", "a number >= 0", 0.0, 100.0),
                ("wm", "wage_male", "an amount >= 0", 0.0, 1e12),
                ("wf", "wage_female", "an amount >= 0", 0.0, 1e12),
                ("g", "wage_growth", "a rate a year between -0.5 and 1", -0.5, 1.0),
                ("density", "density", "a share in [0, 1]", 0.0, 1.0),
                ("rate", "contribution_rate", "a share in [0, 1]", 0.0, 1.0),
                ("flat", "flat_contribution", "an amount >= 0", 0.0, 1e12)):
            v = _number(p, "categories.csv", ln, column, r[column], words, lo, hi)
            cat[key][c] = 0.0 if v is None else v
        if r.get("premium", ""):  # optional: a premium a protected person a year
            v = _number(p, "categories.csv", ln, "premium", r["premium"], "an amount >= 0",
                        0.0, 1e12)
            premium_c[c] = 0.0 if v is None else v
    svc = {k: np.zeros(len(services)) for k in ("cost", "g", "volume")}
    per_day = [False] * len(services)
    for ln, r in rows["services.csv"]:
        if r["service"] not in services:
            continue
        j = services.index(r["service"])
        if r["unit"] not in UNITS:
            p.add("services.csv", ln, "unit", r["unit"], "case or day")
        for key, column, words, lo, hi in (("cost", "unit_cost", "an amount >= 0", 0.0, 1e12),
                                           ("g", "real_growth", "a rate a year between -0.5 "
                                            "and 1", -0.5, 1.0),
                                           ("volume", "volume", "days per case >= 0 (1 for a "
                                            "service costed by the case)", 0.0, 1e4)):
            v = _number(p, "services.csv", ln, column, r[column], words, lo, hi)
            svc[key][j] = 0.0 if v is None else v
        if r["unit"] == "case":
            svc["volume"][j] = 1.0
        per_day[j] = r["unit"] == "day"
    if bands and not p.has("dependants.csv") and abs(deps["share"].sum() - 1.0) > 1e-9:
        p.add("dependants.csv", None, "share", f"{deps['share'].sum():g}",
              "shares adding to 1 over sex and age")
    if p.cells:
        raise InputError(p.cells, summary=f"budget set {folder.name}: {len(p.cells)} bad "
                                          f"cell(s)")
    premium = premium_c
    t = (years - y0).astype(np.float64)
    cpi = scheme["cpi"]
    price = (1.0 + cpi) ** t  # [Y]
    ny = years.size

    def per_year(x: np.ndarray) -> np.ndarray:
        return np.broadcast_to(x, (1, ny, *x.shape)).copy()

    wage0 = np.stack([cat["wm"], cat["wf"]], axis=1)  # [C, 2]
    wage = wage0[None] * (price[:, None, None] * (1.0 + cat["g"])[None, :, None] ** t[:, None,
                                                                                       None])
    unit = svc["cost"][None] * ((1.0 + cpi) * (1.0 + scheme["medical_inflation"])
                                * (1.0 + svc["g"][None])) ** t[:, None]
    inputs = BudgetInputs(
        years=years, categories=tuple(cats), category_base=base, contributes=contributes,
        eligible=eligible, services=tuple(services),
        population=pop[None], participation=per_year(labour["participation"][0]),
        salaried_share=per_year(labour["salaried_share"][0]), coverage=per_year(cov),
        dependants_per_titular=per_year(cat["deps"]),
        dependant_distribution=per_year(deps["share"][0]),
        utilisation=per_year(util["rate"]), volume=per_year(svc["volume"]),
        relative_cost=per_year(util["relative_cost"]), unit_cost=unit[None],
        wage=wage[None], density=per_year(cat["density"]),
        contribution_rate=per_year(cat["rate"]), flat_contribution=per_year(cat["flat"]),
        cash_benefit_rate=np.full((1, ny), scheme["cash_benefit_rate"]),
        admin_rate=np.full((1, ny), scheme["admin_rate"]),
        capital_rate=np.full((1, ny), scheme["capital_rate"]),
        pension_outgo=(scheme["pension_outgo"] * (1.0 + scheme["pension_growth"]) ** t)[None],
        other_income=(scheme["other_income"] * (1.0 + scheme["other_income_growth"]) ** t)[None],
        reserve_return=np.full((1, ny), scheme["reserve_return"]),
        reserve_opening=np.array([scheme["reserve_opening"]]),
        per_capita_scale=scheme.get("per_capita_scale", OPTIONAL_KEYS["per_capita_scale"][3]),
        premium=None if not premium.any() else per_year(premium_c) * price[None, :, None],
        price_index=price[None].copy(), per_day=np.array(per_day, bool),
    )
    hashes = {name: sha256_file(folder / name) for name in hashed}
    return BudgetSet(folder.name, set_hash(hashes), folder, bands, inputs,
                     reserve_target=scheme.get("reserve_target", 0.0),
                     premium_base=bool(scheme.get("premium_base", 0.0)))
