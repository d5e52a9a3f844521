"""A basis folder read into a frozen ``Basis`` (``basis.py``): the file boundary of the
model-point engine on the side of the assumptions.

A basis folder (the bundled ones: ``assumptions/bases/<name>/``) holds

    basis.toml            ``description``; ``[timing]`` premiums, expenses, benefits = start, mid
                          or end; ``[discount]`` kind = zero or forward; ``[projection]``
                          horizon_years (optional: to the end of the longest point) and
                          fund_return (optional annual return of the savings fund; absent: the
                          curve's one-month forwards); ``[economic]`` (optional) a and sigma,
                          the Hull–White mean reversion (> 0) and volatility (>= 0) of the
                          stochastic paths (``Basis.hull_white``)
    products.csv          one row per product: ``PRODUCT_COLUMNS`` (the required ones) and the
                          optional ``PRODUCT_OPTIONS``; an empty cell, or an absent optional
                          column, takes the default of ``ProductBasis`` (an empty schedule: 0)
    mortality_tables.csv  table, source (csv, xtbml or makeham), file, law_a, law_b, law_c,
                          min_age, max_age, provenance
    schedules.csv         schedule, policy_year (0, 1, ... in order), rate: lapse, commission
                          and surrender-charge rates by policy year, the last holding on
    discount.csv          year (0, 1, ... in order), rate: the annual rates of the curve
    premium_table.csv     optional: product, age_at_entry, policy_term (years), rate (premium per
                          unit of sum assured per instalment)
    manifest.toml         optional: every file of the folder and its sha256, as an assumption
                          set's (``reserva.io.assumptions.write_manifest``)

Mortality tables (``SelectTable``: q by attained age y and policy year d, the last column the
ultimate rate):

    makeham  q_y = 1 - exp(-A - B c^y (c - 1) / ln c) at ages min_age..max_age, q = 1 at
             max_age (``reserva.reserves.accrued.mortality.makeham``; AMLCR 2nd ed. 2013, §2.6)
    csv      columns ``age`` then ``q`` (ultimate) or ``0, 1, ..., k`` (policy years; column k
             the ultimate rate, used from policy year k on): the layout of lifelib basiclife's
             ``mort_table`` (attained age x duration)
    xtbml    an SOA XTbML file read whole: its ultimate table by age and, if any, its select
             table by issue age x and duration t = t_1..t_k become

                 q[x + d, d] = select[x, t_1 + d]   (policy year d = 0..k-1, attained age x + d)
                 q[y, k]     = ultimate[y]

             a cell the select table does not give (an issue age outside it, an empty <Y/>)
             holds the ultimate rate of its age, the ultimate's first rate below its first age

A csv or xtbml table whose last rates are below 1 gets one more age with q = 1 (as
``mortality.py`` does: nobody is older). Every problem of every file is collected (file, line,
column, value, expected, fix) and raised at once, one ``SetProblems`` (an ``AssumptionError``).
The basis' ``set_hash`` is ``reserva.io.assumptions.set_hash`` of every file of the folder but
the manifest, whether or not a manifest is there; with one, each file must match its sha256.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Callable
from pathlib import Path
from types import MappingProxyType

import numpy as np
import pandas as pd

from reserva.errors import AssumptionError
from reserva.io.assumptions import MANIFEST, _Problems, default_root, set_hash, sha256_file
from reserva.io.settings import _line_of
from reserva.projection.points.basis import (
    CURVE_KINDS,
    PREMIUM_RULES,
    TIMED_LINES,
    Basis,
    DiscountCurve,
    ProductBasis,
    SelectTable,
)
from reserva.reserves.accrued.mortality import (
    _integer,
    _number,
    _text,
    makeham,
    ultimate_rates,
    xtbml_document,
)
from reserva.vocab import CASHFLOW_TIMINGS, POINT_KINDS

BASES = "bases"  # the bundled bases: <assumptions root>/bases/<name>/
BASIS_TOML = "basis.toml"
PRODUCTS = "products.csv"
TABLES = "mortality_tables.csv"
SCHEDULES = "schedules.csv"
DISCOUNT = "discount.csv"
PREMIUM_TABLE = "premium_table.csv"
REQUIRED_FILES = (BASIS_TOML, PRODUCTS, TABLES, SCHEDULES, DISCOUNT)
TABLE_SOURCES = ("csv", "xtbml", "makeham")
TABLE_COLUMNS = ("table", "source", "file", "law_a", "law_b", "law_c", "min_age", "max_age",
                 "provenance")
PRODUCT_COLUMNS = ("product", "kind", "mortality_male", "mortality_female")
SCHEDULE_COLUMNS = ("lapse", "commission", "surrender_charge")
RATED_KINDS = tuple(k for k in POINT_KINDS if k not in ("annuity", "savings"))
HASH_FIX = ("restore the file or, if the change is intended, run `reserva assumptions hash` on "
            "the basis")
_BAD = object()  # a cell that does not parse (its problem is recorded)


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(text)
    return value


def _between(lo: float, hi: float, *, lo_open: bool = False, hi_open: bool = False):
    def parse(text: str) -> float:
        value = _finite(text)
        if value < lo or value > hi or (lo_open and value == lo) or (hi_open and value == hi):
            raise ValueError(text)
        return value
    return parse


def _whole(text: str) -> int:
    value = _finite(text)
    if value != int(value):
        raise ValueError(text)
    return int(value)


def _whole_from(lo: int, hi: int | None = None):
    def parse(text: str) -> int:
        value = _whole(text)
        if value < lo or (hi is not None and value > hi):
            raise ValueError(text)
        return value
    return parse


_AMOUNT = (_between(0.0, math.inf), "an amount >= 0")
_SHARE = (_between(0.0, 1.0), "a share from 0 to 1")
_RATE = (_between(-0.5, 1.0, lo_open=True, hi_open=True), "an annual rate between -0.5 and 1")

# products.csv: optional column -> (ProductBasis field, parse, expected); empty = the default
PRODUCT_OPTIONS: dict[str, tuple[str, Callable, str]] = {
    "acquisition_expense": ("acquisition", *_AMOUNT),
    "maintenance_expense": ("maintenance", *_AMOUNT),
    "expense_pct_premium": ("expense_pct", *_SHARE),
    "inflation": ("inflation", *_RATE),
    "premium_rule": ("premium_rule", lambda t: PREMIUM_RULES[PREMIUM_RULES.index(t)],
                     f"one of {', '.join(PREMIUM_RULES)}"),
    "loading": ("loading", *_AMOUNT),
    "premium_decimals": ("premium_decimals", _whole_from(0, 10), "a whole number from 0 to 10 "
                         "or empty (not rounded)"),
    "premium_charge": ("premium_charge", *_SHARE),
    "policy_fee": ("policy_fee", *_AMOUNT),
    "management_charge": ("management_charge", _between(0.0, 1.0, hi_open=True),
                          "an annual share from 0 to below 1"),
    "fund_spread": ("fund_spread", *_RATE),
    "guaranteed_rate": ("guaranteed_rate", *_RATE),
    "credited_rate": ("credited_rate", *_RATE),
    "withdrawal_rate": ("withdrawal_rate", *_SHARE),
    "dynamic_beta": ("dynamic_beta", _finite, "a number"),
    "dynamic_min": ("dynamic_min", *_AMOUNT),
    "dynamic_max": ("dynamic_max", *_AMOUNT),
}
KNOWN_PRODUCT_COLUMNS = (*PRODUCT_COLUMNS, *SCHEDULE_COLUMNS, *PRODUCT_OPTIONS)


def bases_root() -> Path:
    """The folder of the bundled bases (``assumptions/bases`` of the source tree, or the same
    folder shipped with ``reserva.assumptions`` in a wheel)."""
    return default_root() / BASES


def read_basis(folder: Path | str) -> Basis:
    """The basis of ``folder`` (a path, or the name of a bundled basis); every problem of its
    files at once in one ``SetProblems`` (the module docstring)."""
    folder = _folder(folder)
    p = _Problems(folder.name)
    digest = _hashes(p, folder)
    settings = _basis_toml(p, folder)
    frames = {name: _frame(p, folder, name, required=name in REQUIRED_FILES)
              for name in (PRODUCTS, TABLES, SCHEDULES, DISCOUNT, PREMIUM_TABLE)}
    schedules = _schedules(p, frames[SCHEDULES])
    tables, declared = _tables(p, folder, frames[TABLES])
    curve_rates = _discount(p, frames[DISCOUNT])
    products, rules = _products(p, frames[PRODUCTS], schedules, tables, declared)
    premium_tables = _premium_table(p, frames[PREMIUM_TABLE], products, rules)
    p.raise_all()
    built: dict[str, ProductBasis] = {}
    try:
        for name, (values, _line) in products.items():
            built[name] = ProductBasis(premium_table=MappingProxyType(premium_tables.get(name, {})),
                                       **values)
        return Basis(name=folder.name, set_hash=digest,
                     products=MappingProxyType(built), tables=MappingProxyType(tables),
                     curve=DiscountCurve(settings["kind"], curve_rates),
                     timing=MappingProxyType(settings["timing"]),
                     horizon_months=settings["horizon_months"],
                     fund_return=settings["fund_return"], hull_white=settings["hull_white"])
    except AssumptionError as exc:  # a check the files' own did not foresee
        p.add(folder.name, None, None, "", "a consistent basis", f"{exc}")
        p.raise_all()
        raise


def _folder(folder: Path | str) -> Path:
    path = Path(folder)
    if path.is_dir():
        return path
    bundled = bases_root() / str(folder)
    if path.name == str(folder) and bundled.is_dir():
        return bundled
    raise AssumptionError(f"basis {str(folder)!r} not found (neither a folder nor a bundled "
                          f"basis under {bases_root()}); fix: give the folder of a basis")


def _add(p: _Problems, file: str, line: int | None, column: str | None, value, expected: str,
         fix: str = "", text: str | None = None) -> None:
    where = file if line is None else f"{file} line {line}"
    said = text or (f"{where} {column} = {value!r}, expected {expected}" if column
                    else f"{where}: {value!r}, expected {expected}")
    p.add(file, line, column, value, expected, text=said + (f" (fix: {fix})" if fix else ""),
          fix=fix)


def _cell(p: _Problems, file: str, line: int, column: str, raw: str, parse, expected: str,
          fix: str = ""):
    """``parse(raw.strip())`` or ``_BAD`` with the problem recorded."""
    try:
        return parse(raw.strip())
    except (ValueError, TypeError):
        _add(p, file, line, column, raw, expected, fix)
        return _BAD


# ---------------------------------------------------------------------------------------------
# the files


def _hashes(p: _Problems, folder: Path) -> str:
    """The set hash of every file of the folder but the manifest; with a manifest, each file
    must match its recorded sha256 and be listed."""
    files = sorted(f.name for f in folder.iterdir() if f.is_file() and f.name != MANIFEST)
    hashes = {name: sha256_file(folder / name) for name in files}
    manifest = folder / MANIFEST
    if not manifest.is_file():
        return set_hash(hashes)
    try:
        text = manifest.read_text(encoding="utf-8")
        listed = tomllib.loads(text).get("files", {})
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        _add(p, MANIFEST, None, None, "", "TOML text", HASH_FIX,
             f"{MANIFEST} cannot be read ({exc})")
        return set_hash(hashes)
    if not isinstance(listed, dict):
        _add(p, MANIFEST, None, "files", "", "a [files] table of names and sha256", HASH_FIX)
        return set_hash(hashes)
    for name, digest in listed.items():
        line = _line_of(text, "files", name)
        if name not in hashes:
            _add(p, MANIFEST, line, "files", name, "a file of the basis", HASH_FIX,
                 f"{MANIFEST} lists {name}, which is missing")
        elif hashes[name] != digest:
            _add(p, name, None, None, hashes[name], f"the sha256 {digest} of {MANIFEST}",
                 HASH_FIX, f"{name} does not match its sha256 in {MANIFEST}")
    for name in files:
        if name not in listed:
            _add(p, name, None, None, hashes[name], f"a file listed in {MANIFEST}", HASH_FIX,
                 f"{name} is not listed in {MANIFEST}")
    return set_hash(hashes)


def read_text_table(path: Path) -> pd.DataFrame:
    """A CSV file as text cells (``dtype=str``, empty cells ""), column names stripped; blank
    lines are dropped but the index keeps each row's place: its line is ``index + 2``."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, skip_blank_lines=False,
                        encoding="utf-8-sig")
    frame.columns = [str(c).strip() for c in frame.columns]
    blank = (frame.apply(lambda col: col.str.strip()) == "").all(axis=1)
    return frame[~blank]


def _frame(p: _Problems, folder: Path, name: str, *, required: bool) -> pd.DataFrame | None:
    path = folder / name
    if not path.is_file():
        if required:
            _add(p, name, None, None, "", "a file of the basis", f"add {name}",
                 f"{name} is missing")
        return None
    try:
        return read_text_table(path)
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        _add(p, name, None, None, "", "a CSV file with a header line", f"correct {name}",
             f"{name} cannot be read ({type(exc).__name__}: {str(exc).strip()})")
        return None


def _columns(p: _Problems, name: str, frame: pd.DataFrame | None, required,
             known=None) -> bool:
    """Whether ``frame`` holds the required columns (and, given ``known``, no other)."""
    if frame is None:
        return False
    missing = [c for c in required if c not in frame.columns]
    for c in missing:
        _add(p, name, 1, c, "", f"the column {c}", f"add the column {c}")
    if known is not None:
        for c in frame.columns:
            if c not in known:
                _add(p, name, 1, c, c, f"a column of {name} ({', '.join(known)})",
                     "rename or remove it")
    return not missing


def _basis_toml(p: _Problems, folder: Path) -> dict:
    """basis.toml -> kind, timing, horizon_months, fund_return (defaults where it is bad)."""
    out = {"kind": "zero", "timing": dict.fromkeys(TIMED_LINES, "start"),
           "horizon_months": None, "fund_return": None, "hull_white": None}
    path = folder / BASIS_TOML
    if not path.is_file():
        _add(p, BASIS_TOML, None, None, "", "a file of the basis", f"add {BASIS_TOML}",
             f"{BASIS_TOML} is missing")
        return out
    try:
        text = path.read_text(encoding="utf-8")
        doc = tomllib.loads(text)
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        _add(p, BASIS_TOML, None, None, "", "TOML text", "correct the TOML syntax",
             f"{BASIS_TOML} cannot be read ({exc})")
        return out

    def bad(section: str, key: str | None, value, expected: str, fix: str = "") -> None:
        """A problem at the key's line (a missing key: its section's line)."""
        column = f"[{section}]" + (f" {key}" if key else "") if section else key
        line = _top_line(text, key) if not section else (
            _line_of(text, section, key) or _line_of(text, section, None))
        _add(p, BASIS_TOML, line, column, value, expected, fix)

    sections = {"timing": TIMED_LINES, "discount": ("kind",),
                "projection": ("horizon_years", "fund_return"), "economic": ("a", "sigma")}
    for key, value in doc.items():
        if key == "description":
            if not isinstance(value, str):
                bad("", key, repr(value), "a quoted text")
        elif key not in sections:
            bad("", key, key, f"description or a section [{'], ['.join(sections)}]",
                "remove it")
        elif not isinstance(value, dict):
            bad("", key, repr(value), f"a section [{key}]")
        else:
            for inner in value:
                if inner not in sections[key]:
                    bad(key, inner, inner, f"a key of [{key}]: {', '.join(sections[key])}",
                        "remove it")
    timing = doc.get("timing") if isinstance(doc.get("timing"), dict) else {}
    for line in TIMED_LINES:
        value = timing.get(line)
        if value not in CASHFLOW_TIMINGS:
            bad("timing", line, "" if value is None else str(value),
                f"one of {', '.join(CASHFLOW_TIMINGS)}",
                "" if value is not None else f"add {line} = \"start\" (or mid, end) to [timing]")
        else:
            out["timing"][line] = value
    discount = doc.get("discount") if isinstance(doc.get("discount"), dict) else {}
    if discount.get("kind") not in CURVE_KINDS:
        bad("discount", "kind", str(discount.get("kind", "")), f"one of {', '.join(CURVE_KINDS)}")
    else:
        out["kind"] = discount["kind"]
    projection = doc.get("projection") if isinstance(doc.get("projection"), dict) else {}
    if "horizon_years" in projection:
        h = projection["horizon_years"]
        if isinstance(h, bool) or not isinstance(h, int) or h < 1:
            bad("projection", "horizon_years", str(h), "a whole number of years >= 1")
        else:
            out["horizon_months"] = 12 * h
    if "fund_return" in projection:
        f = projection["fund_return"]
        if (isinstance(f, bool) or not isinstance(f, int | float) or not math.isfinite(f)
                or not -0.5 < f < 1.0):
            bad("projection", "fund_return", str(f), _RATE[1])
        else:
            out["fund_return"] = float(f)
    economic = doc.get("economic") if isinstance(doc.get("economic"), dict) else None
    if economic is not None:
        got = {}
        for key, lo, expected in (("a", 0.0, "a mean-reversion speed > 0 (per year)"),
                                  ("sigma", None, "a volatility >= 0 (per sqrt(year))")):
            v = economic.get(key)
            if (isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v)
                    or (lo is not None and v <= lo) or v < 0):
                bad("economic", key, "" if v is None else str(v), expected,
                    "" if v is not None else f"add {key} to [economic] (both a and sigma)")
            else:
                got[key] = float(v)
        if len(got) == 2:
            out["hull_white"] = (got["a"], got["sigma"])
    return out


def _top_line(text: str, key: str) -> int | None:
    """The line of a top-level ``key = ...`` (before any section)."""
    for i, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if line.startswith("["):
            return None
        if line.split("=")[0].strip().strip('"') == key:
            return i
    return None


def _schedules(p: _Problems, frame: pd.DataFrame | None) -> dict[str, dict] | None:
    """schedules.csv -> name -> {"rates": [...], "lines": [...]} (years 0, 1, ... in order);
    None when the file cannot be read (its problem is recorded)."""
    if not _columns(p, SCHEDULES, frame, ("schedule", "policy_year", "rate"),
                    ("schedule", "policy_year", "rate")):
        return None
    out: dict[str, dict] = {}
    for index, row in frame.iterrows():
        line = int(index) + 2
        name = str(row["schedule"]).strip()
        if not name:
            _add(p, SCHEDULES, line, "schedule", row["schedule"], "a schedule name")
            continue
        entry = out.setdefault(name, {"rates": [], "lines": [], "bad": False})
        year = _cell(p, SCHEDULES, line, "policy_year", row["policy_year"], _whole,
                     f"{len(entry['rates'])} (policy years 0, 1, ... in order)")
        if year is not _BAD and year != len(entry["rates"]):
            _add(p, SCHEDULES, line, "policy_year", row["policy_year"],
                 f"{len(entry['rates'])} (policy years 0, 1, ... in order)",
                 "number the years of each schedule 0, 1, 2, ... with no gap")
        rate = _cell(p, SCHEDULES, line, "rate", row["rate"], *_AMOUNT[:1],
                     "an annual rate >= 0")
        entry["bad"] |= year is _BAD or rate is _BAD
        entry["rates"].append(math.nan if rate is _BAD else rate)
        entry["lines"].append(line)
    return out


def _tables(p: _Problems, folder: Path,
            frame: pd.DataFrame | None) -> tuple[dict[str, SelectTable], set[str]]:
    """mortality_tables.csv and the table files it names: the tables read, and the names
    declared (a table with problems is declared but not read)."""
    if not _columns(p, TABLES, frame, TABLE_COLUMNS, TABLE_COLUMNS):
        return {}, set()
    out: dict[str, SelectTable] = {}
    seen: set[str] = set()
    for index, row in frame.iterrows():
        line = int(index) + 2
        name = str(row["table"]).strip()
        if not name or name in seen:
            _add(p, TABLES, line, "table", row["table"], "a table name, each once")
        seen.add(name)
        provenance = str(row["provenance"]).strip()
        if not provenance:
            _add(p, TABLES, line, "provenance", row["provenance"],
                 "where the rates come from", "name the publication or the source")
        source = str(row["source"]).strip()
        if source not in TABLE_SOURCES:
            _add(p, TABLES, line, "source", row["source"], f"one of {', '.join(TABLE_SOURCES)}")
            continue
        law = ("law_a", "law_b", "law_c", "min_age", "max_age")
        if source == "makeham":
            a, b, c = (_cell(p, TABLES, line, k, row[k], _finite, "a number")
                       for k in law[:3])
            lo, hi = (_cell(p, TABLES, line, k, row[k], _whole_from(0), "a whole age >= 0")
                      for k in law[3:])
            if str(row["file"]).strip():
                _add(p, TABLES, line, "file", row["file"], "empty for a makeham table")
            if c is not _BAD and (c <= 0.0 or c == 1.0):
                _add(p, TABLES, line, "law_c", row["law_c"], "c > 0 and c != 1")
                c = _BAD
            if _BAD not in (lo, hi) and lo > hi:
                _add(p, TABLES, line, "max_age", row["max_age"], f"an age >= min_age {lo}")
                hi = _BAD
            if _BAD in (a, b, c, lo, hi) or not name or not provenance:
                continue
            t = makeham(name, a, b, c, lo, hi, provenance)
            out[name] = SelectTable(name, t.min_age, t.q.reshape(-1, 1), provenance)
            continue
        for k in law:
            if str(row[k]).strip():
                _add(p, TABLES, line, k, row[k], f"empty for a {source} table (the file gives "
                     "the rates and ages)", f"leave {k} empty")
        file = str(row["file"]).strip()
        if not file or Path(file).name != file or not (folder / file).is_file():
            _add(p, TABLES, line, "file", row["file"], "the name of a file of the basis folder",
                 "put the table file in the basis folder and name it here")
            continue
        if not name or not provenance:
            continue
        read = _csv_table if source == "csv" else _xtbml_table
        table = read(p, folder / file, name, provenance)
        if table is not None:
            out[name] = table
    return out, seen


def _close(q: np.ndarray) -> np.ndarray:
    """One more age with q = 1 when the last age's rates are not all 1."""
    return q if np.all(q[-1] == 1.0) else np.vstack((q, np.ones((1, q.shape[1]))))


def _csv_table(p: _Problems, path: Path, name: str, provenance: str) -> SelectTable | None:
    """age, then q or the policy years 0..k (the last the ultimate rate)."""
    file = path.name
    try:
        frame = read_text_table(path)
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        _add(p, file, None, None, "", "a CSV file of rates", f"correct {file}",
             f"{file} cannot be read ({type(exc).__name__}: {str(exc).strip()})")
        return None
    columns = list(frame.columns)
    rates = columns[1:]
    layout = "age, then q (ultimate) or the policy years 0, 1, ..., k (select, k the ultimate)"
    if (not columns or columns[0] != "age" or not rates
            or (rates != ["q"] and rates != [str(d) for d in range(len(rates))])):
        _add(p, file, 1, None, ",".join(columns), f"the columns {layout}",
             "write the header as age,q or age,0,1,...")
        return None
    if frame.empty:
        _add(p, file, None, None, "", "a row per age", "add the rates")
        return None
    q = np.full((len(frame), len(rates)), np.nan)
    ages = []
    ok = True
    for r, (index, row) in enumerate(frame.iterrows()):
        line = int(index) + 2
        age = _cell(p, file, line, "age", row["age"], _whole_from(0), "a whole age >= 0")
        if age is not _BAD and ages and ages[0] is not _BAD and age != ages[0] + r:
            _add(p, file, line, "age", row["age"], f"{ages[0] + r} (ages consecutive from "
                 f"{ages[0]})")
            ok = False
        ages.append(age)
        for j, col in enumerate(rates):
            value = _cell(p, file, line, col, row[col], _between(0.0, 1.0),
                          "a probability from 0 to 1")
            if value is _BAD:
                ok = False
            else:
                q[r, j] = value
    if not ok or _BAD in ages:
        return None
    return SelectTable(name, ages[0], _close(q), provenance)


def _xtbml_table(p: _Problems, path: Path, name: str, provenance: str) -> SelectTable | None:
    """An SOA XTbML file read whole (the module docstring)."""
    file = path.name
    try:
        doc = xtbml_document(path.read_bytes(), file)
    except (OSError, AssumptionError) as exc:
        _add(p, file, None, None, "", "an SOA XTbML file", "give the table's XTbML file",
             f"{file}: {exc}")
        return None
    select = [t for t, k in zip(doc.tables, doc.kinds, strict=True) if k == "select"]
    ultimate = [t for t, k in zip(doc.tables, doc.kinds, strict=True) if k == "ultimate"]
    if len(ultimate) != 1 or len(select) > 1:
        _add(p, file, None, None, f"{len(select)} select, {len(ultimate)} ultimate",
             "one ultimate table by age and at most one select table (issue age x duration)",
             "give one select-and-ultimate series per file",
             f"{file} holds {len(select)} select and {len(ultimate)} ultimate tables, expected "
             "one ultimate table by age and at most one select table (issue age x duration)")
        return None
    try:
        u_min, u_q = ultimate_rates(ultimate[0], f"{file} ultimate table")
    except AssumptionError as exc:
        _add(p, file, None, None, "", "the ultimate rates by age", "correct the file",
             f"{file}: {exc}")
        return None
    stated = f"{provenance}; {doc.provenance}"
    if not select:
        return SelectTable(name, u_min, _close(u_q.reshape(-1, 1)), stated)
    cells = _select_cells(p, file, select[0])
    if cells is None:
        return None
    values, k = cells

    def ultimate_at(ages: np.ndarray) -> np.ndarray:
        return u_q[np.clip(ages - u_min, 0, u_q.size - 1)]

    lo = min(u_min, min(x for x, _ in values))
    hi = max(u_min + u_q.size - 1, max(x + d for x, d in values))
    ages = np.arange(lo, hi + 1)
    q = np.repeat(ultimate_at(ages)[:, None], k + 1, axis=1)
    for (x, d), rate in values.items():
        q[x + d - lo, d] = rate
    return SelectTable(name, lo, _close(q), stated)


def _select_cells(p: _Problems, file: str, tab) -> tuple[dict, int] | None:
    """{(issue age, policy year d): q} of an XTbML select table and its select period k."""
    where = f"{file} select table"
    problems: list[str] = []
    scaling = _number(_text(tab, "MetaData/ScalingFactor") or "0")
    if scaling is None or scaling != int(scaling):
        problems.append(f"ScalingFactor {_text(tab, 'MetaData/ScalingFactor')!r} is not a "
                        "whole number")
        scaling = 0
    defs = tab.findall("MetaData/AxisDef")
    first = _integer(_text(defs[1], "MinScaleValue"))
    last = _integer(_text(defs[1], "MaxScaleValue"))
    age_lo = _integer(_text(defs[0], "MinScaleValue"))
    age_hi = _integer(_text(defs[0], "MaxScaleValue"))
    raw: dict[tuple[int, int], float] = {}
    for row in tab.findall("Values/Axis"):
        x = _integer(row.get("t"))
        if x is None or x < 0:
            problems.append(f"issue age {row.get('t')!r} is not a whole age")
            continue
        if (age_lo is not None and x < age_lo) or (age_hi is not None and x > age_hi):
            problems.append(f"issue age {x} is outside the declared axis {age_lo}-{age_hi}")
        for y in row.iter("Y"):
            if not (y.text and y.text.strip()):
                continue  # an empty <Y/>: no select rate there
            t = _integer(y.get("t"))
            value = _number(y.text)
            if t is None:
                problems.append(f"issue age {x}: duration {y.get('t')!r} is not a whole number")
            elif value is None:
                problems.append(f"issue age {x} duration {t}: value {y.text.strip()!r} is not "
                                "a number")
            elif (x, t) in raw:
                problems.append(f"issue age {x} duration {t} appears twice")
            else:
                q = value / 10.0 ** int(scaling)
                if not 0.0 <= q <= 1.0:
                    problems.append(f"issue age {x} duration {t}: q = {q:g}, expected 0..1")
                raw[(x, t)] = q
    if not raw and not problems:
        problems.append("holds no rates")
    if raw:
        durations = [t for _, t in raw]
        first = min(durations) if first is None else first
        last = max(durations) if last is None else last
        outside = sorted({t for t in durations if not first <= t <= last})
        if outside:
            problems.append(f"duration(s) {outside} outside the declared axis {first}-{last}")
    for text in problems:
        _add(p, file, None, None, "", "an XTbML select table of rates from 0 to 1",
             "correct the file", f"{where}: {text}")
    if problems:
        return None
    return {(x, t - first): q for (x, t), q in raw.items()}, last - first + 1


def _discount(p: _Problems, frame: pd.DataFrame | None) -> np.ndarray:
    if not _columns(p, DISCOUNT, frame, ("year", "rate"), ("year", "rate")):
        return np.zeros(1)
    rates = []
    for index, row in frame.iterrows():
        line = int(index) + 2
        year = _cell(p, DISCOUNT, line, "year", row["year"], _whole,
                     f"{len(rates)} (years 0, 1, ... in order)")
        if year is not _BAD and year != len(rates):
            _add(p, DISCOUNT, line, "year", row["year"], f"{len(rates)} (years 0, 1, ... in "
                 "order)", "number the years 0, 1, 2, ... with no gap")
        rate = _cell(p, DISCOUNT, line, "rate", row["rate"], *_RATE)
        rates.append(0.0 if rate is _BAD else rate)
    if not rates:
        _add(p, DISCOUNT, None, None, "", "a rate for year 0 at least", "add the curve's rates",
             f"{DISCOUNT} has no rates")
        return np.zeros(1)
    return np.array(rates)


def _products(p: _Problems, frame: pd.DataFrame | None, schedules: dict | None, tables: dict,
              declared: set[str]) -> tuple[dict[str, tuple[dict, int]], dict[str, str]]:
    """products.csv -> (name -> (ProductBasis fields, line) of the good products, name -> its
    premium rule as written, for every product named)."""
    if not _columns(p, PRODUCTS, frame, PRODUCT_COLUMNS, KNOWN_PRODUCT_COLUMNS):
        return {}, {}
    rules: dict[str, str] = {}
    uses: dict[str, set[str]] = {}  # schedule -> the uses it is put to
    out: dict[str, tuple[dict, int]] = {}
    for index, row in frame.iterrows():
        line = int(index) + 2
        ok = True
        name = str(row["product"]).strip()
        if not name or name in rules:
            _add(p, PRODUCTS, line, "product", row["product"], "a product name, each once")
            ok = False
        rules.setdefault(name, str(row.get("premium_rule", "")).strip() or "given")
        kind = str(row["kind"]).strip()
        if kind not in POINT_KINDS:
            _add(p, PRODUCTS, line, "kind", row["kind"], f"one of {', '.join(POINT_KINDS)}")
            ok = False
        values: dict = {"product": name, "kind": kind}
        mortality = {}
        for sex, column in (("M", "mortality_male"), ("F", "mortality_female")):
            table = str(row[column]).strip()
            if table in declared and table not in tables:
                ok = False  # its own problems are reported
            elif table not in tables:
                _add(p, PRODUCTS, line, column, row[column], "a table of mortality_tables.csv",
                     "add the table to mortality_tables.csv or correct the name")
                ok = False
            mortality[sex] = table
        values["mortality"] = MappingProxyType(mortality)
        for column in SCHEDULE_COLUMNS:
            ref = str(row.get(column, "")).strip()
            if not ref:
                values[column] = np.zeros(1)
            elif schedules is None:
                ok = False  # schedules.csv cannot be read: reported
            elif ref not in schedules:
                _add(p, PRODUCTS, line, column, row[column], f"a schedule of {SCHEDULES} or "
                     "empty (0)", "add the schedule to schedules.csv or correct the name")
                ok = False
            elif schedules[ref]["bad"]:
                ok = False  # its own problems are reported
            else:
                values[column] = np.array(schedules[ref]["rates"])
                uses.setdefault(ref, set()).add(column)
        for column, (field, parse, expected) in PRODUCT_OPTIONS.items():
            raw = row.get(column, "")
            if not str(raw).strip():
                continue
            value = _cell(p, PRODUCTS, line, column, raw, parse, expected)
            if value is _BAD:
                ok = False
            else:
                values[field] = value
        if values.get("dynamic_max", 10.0) < values.get("dynamic_min", 0.0):
            _add(p, PRODUCTS, line, "dynamic_max", row.get("dynamic_max", ""),
                 f"a factor >= dynamic_min ({values.get('dynamic_min', 0.0):g})")
            ok = False
        if values.get("premium_rule") == "rated" and kind in POINT_KINDS \
                and kind not in RATED_KINDS:
            _add(p, PRODUCTS, line, "premium_rule", row["premium_rule"],
                 f"given or table for a {kind} product (rated premiums are the net premium of "
                 "claims and maturities)", "give the premiums, or a premium table")
            ok = False
        if ok:
            out[name] = (values, line)
    for ref, used in uses.items():  # a lapse or surrender-charge rate is a share
        if used & {"lapse", "surrender_charge"}:
            entry = schedules[ref]
            for rate, line in zip(entry["rates"], entry["lines"], strict=True):
                if rate > 1.0:
                    _add(p, SCHEDULES, line, "rate", f"{rate:g}", "a rate from 0 to 1 (schedule "
                         f"{ref} is used as {' and '.join(sorted(used))})")
    return out, rules


def _premium_table(p: _Problems, frame: pd.DataFrame | None, products: dict,
                   rule: dict[str, str]) -> dict[str, dict[tuple[int, int], float]]:
    """premium_table.csv -> product -> (age at entry, term in years) -> rate."""
    out: dict[str, dict[tuple[int, int], float]] = {}
    if frame is not None and _columns(p, PREMIUM_TABLE, frame,
                                      ("product", "age_at_entry", "policy_term", "rate"),
                                      ("product", "age_at_entry", "policy_term", "rate")):
        for index, row in frame.iterrows():
            line = int(index) + 2
            name = str(row["product"]).strip()
            if name not in rule:
                _add(p, PREMIUM_TABLE, line, "product", row["product"],
                     f"a product of {PRODUCTS}", "add the product or correct the name")
            elif rule[name] != "table" and rule[name] in PREMIUM_RULES:
                _add(p, PREMIUM_TABLE, line, "product", row["product"],
                     f"a product whose premium_rule is table (not {rule[name]})",
                     "set its premium_rule to table or remove the rows")
            age = _cell(p, PREMIUM_TABLE, line, "age_at_entry", row["age_at_entry"],
                        _whole_from(0), "a whole age >= 0")
            term = _cell(p, PREMIUM_TABLE, line, "policy_term", row["policy_term"],
                         _whole_from(1), "a whole number of years >= 1")
            rate = _cell(p, PREMIUM_TABLE, line, "rate", row["rate"], *_AMOUNT[:1],
                         "a premium >= 0 per unit of sum assured")
            if _BAD in (age, term, rate):
                continue
            rates = out.setdefault(name, {})
            if (age, term) in rates:
                _add(p, PREMIUM_TABLE, line, "age_at_entry", row["age_at_entry"],
                     f"each age and term once for {name} (age {age}, term {term} twice)")
            rates[(age, term)] = rate
    for name, (values, line) in products.items():
        if values.get("premium_rule") == "table" and name not in out:
            _add(p, PRODUCTS, line, "premium_rule", "table",
                 f"rates of {name} in {PREMIUM_TABLE} for the table rule",
                 f"add its rates to {PREMIUM_TABLE}")
    return out


__all__ = ["BASES", "PRODUCT_OPTIONS", "bases_root", "read_basis", "read_text_table"]
