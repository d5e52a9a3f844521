"""Mortality tables as assumption data: Makeham laws, CSV files, SOA XTbML files, pymort.

A table holds q_x for the consecutive integer ages ``min_age..max_age`` and closes with
``q = 1`` at ``max_age`` (no life survives past it), so that (Dickson, Hardy & Waters, AMLCR
2nd ed. 2013, §3.3)

    l_{min_age} = radix,   l_{x+1} = l_x (1 - q_x),   l_{max_age+1} = 0.

Makeham's law (AMLCR §2.6; the SOA Standard Ultimate Life Table of AMLCR Appendix D is
A = 0.00022, B = 2.7e-6, c = 1.124, an assumption-set parameter, never a constant here):

    mu_x = A + B c^x,   p_x = exp(-A - B c^x (c - 1) / ln c),   q_x = 1 - p_x.

Closing rules: a Makeham table forces ``q = 1`` at its ``max_age``; a CSV or XTbML table whose
last rate is below 1 gets one more age, ``max_age + 1``, with ``q = 1`` (the table as printed is
kept whole, the extra age only says "nobody is older").
"""

from __future__ import annotations

import importlib
import importlib.resources
import math
import re
import sys
import types
import xml.etree.ElementTree as ET
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from reserva.errors import MAX_CELL_LINES, AssumptionError, BadCell

CSV_COLUMNS = ("age", "q_x", "provenance")
XTBML_CHOICES = ("ultimate", "select-last")


@dataclass(frozen=True)
class MortalityTable:
    """q[k] = q_{min_age + k} for k = 0..len(q) - 1; q[-1] = 1 (the table closes)."""

    name: str
    min_age: int  # age of q[0]
    q: np.ndarray  # float64, read-only
    provenance: str  # where the numbers come from (publication, file, package + id)

    def __post_init__(self):
        where = f"mortality table {self.name!r}"
        if not isinstance(self.min_age, (int, np.integer)) or self.min_age < 0:
            raise AssumptionError(f"{where}: min_age {self.min_age!r}, expected an integer >= 0")
        q = np.array(self.q, dtype=np.float64)  # a private copy
        if q.ndim != 1 or q.size == 0:
            raise AssumptionError(f"{where}: expected a non-empty 1-D array of rates q_x")
        bad = np.flatnonzero(~((q >= 0.0) & (q <= 1.0)))  # also catches NaN
        if bad.size:
            shown = ", ".join(f"age {self.min_age + k}: {q[k]!r}" for k in bad[:MAX_CELL_LINES])
            raise AssumptionError(f"{where}: q_x must lie in [0, 1] ({shown})")
        if q[-1] != 1.0:
            raise AssumptionError(
                f"{where}: q at the last age {self.min_age + q.size - 1} is {q[-1]!r}, expected "
                "1 (a table must close); fix: add an age with q = 1"
            )
        if not self.provenance.strip():
            raise AssumptionError(f"{where}: no provenance; fix: say where the rates come from")
        q.setflags(write=False)
        object.__setattr__(self, "q", q)
        object.__setattr__(self, "min_age", int(self.min_age))

    def __eq__(self, other):
        if not isinstance(other, MortalityTable):
            return NotImplemented
        return (self.name, self.min_age, self.provenance) == (
            other.name, other.min_age, other.provenance
        ) and np.array_equal(self.q, other.q)

    def __hash__(self):
        return hash((self.name, self.min_age, self.provenance, self.q.tobytes()))

    @property
    def max_age(self) -> int:
        """The last age of the table, the one with q = 1."""
        return self.min_age + len(self.q) - 1

    def qx(self, age) -> np.ndarray:
        """q_x at integer ages (any shape); ages past ``max_age`` get 1.0 (the table is closed)."""
        a = np.asarray(age)
        if a.dtype.kind == "f" and np.all(np.isfinite(a)) and np.all(a == np.floor(a)):
            a = a.astype(np.int64)
        if a.dtype.kind not in "iu":
            raise AssumptionError(
                f"mortality table {self.name!r}: ages must be integers, got {np.ravel(a)[:5]!r}"
            )
        if a.size and a.min() < self.min_age:
            raise AssumptionError(
                f"mortality table {self.name!r} starts at age {self.min_age}; age {int(a.min())} "
                "is below it; fix: use a table that covers the ages of the portfolio"
            )
        k = np.minimum(a.astype(np.int64) - self.min_age, len(self.q) - 1)
        return np.asarray(self.q[k], dtype=np.float64)

    def lx(self, radix: float = 100_000.0) -> np.ndarray:
        """l_x at ages min_age..max_age + 1: l_{min_age} = radix, l_{x+1} = l_x (1 - q_x)."""
        return radix * np.concatenate(([1.0], np.cumprod(1.0 - self.q)))


def makeham(
    name: str, a: float, b: float, c: float, min_age: int, max_age: int, provenance: str
) -> MortalityTable:
    """q_x = 1 - exp(-A - B c^x (c - 1) / ln c) for x < max_age, q_{max_age} = 1 (AMLCR §2.6)."""
    where = f"mortality table {name!r}"
    if not all(math.isfinite(v) for v in (a, b, c)) or c <= 0.0 or c == 1.0:
        raise AssumptionError(
            f"{where}: Makeham parameters A = {a!r}, B = {b!r}, c = {c!r}; expected finite "
            "numbers with c > 0 and c != 1"
        )
    if int(min_age) != min_age or int(max_age) != max_age or not 0 <= min_age <= max_age:
        raise AssumptionError(
            f"{where}: ages {min_age!r}..{max_age!r}, expected integers 0 <= min_age <= max_age"
        )
    x = np.arange(int(min_age), int(max_age) + 1, dtype=np.float64)
    q = -np.expm1(-a - b * c**x * (c - 1.0) / math.log(c))
    q[-1] = 1.0
    return MortalityTable(name, int(min_age), q, provenance)


# ---------------------------------------------------------------------------------------------
# CSV


def read_csv_table(path: Path, name: str | None = None) -> MortalityTable:
    """A table from CSV columns ``age, q_x, provenance`` (ages consecutive, ascending).

    ``provenance`` may be given on the first row only or repeated unchanged. If the last q_x is
    below 1 the table is closed with q = 1 at ``max_age + 1``. Every bad cell is listed in one
    AssumptionError (its ``cells`` attribute holds them as BadCell).
    """
    path = Path(path)
    where = f"mortality table {path}"
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise AssumptionError(f"{where}: cannot read it ({exc}); fix: give a CSV file") from exc
    frame.columns = [str(col).strip() for col in frame.columns]
    missing = [col for col in CSV_COLUMNS if col not in frame.columns]
    if missing:
        raise AssumptionError(
            f"{where}: lacks column(s) {', '.join(missing)}; expected columns "
            f"{', '.join(CSV_COLUMNS)}"
        )
    if frame.empty:
        raise AssumptionError(f"{where}: has no rows; expected one row per age")
    cells: list[BadCell] = []
    file = path.name
    ages: list[int] = []
    rates: list[float] = []
    provenance = ""
    previous: int | None = None
    for i, row in enumerate(frame[list(CSV_COLUMNS)].itertuples(index=False), start=2):
        age_text, q_text, prov = (str(v).strip() for v in row)
        age = _integer(age_text)
        if age is None or age < 0:
            cells.append(BadCell(file, i, "age", age_text, "an integer age >= 0"))
        elif previous is not None and age != previous + 1:
            cells.append(BadCell(file, i, "age", age_text,
                                 f"{previous + 1} (ages consecutive and ascending)"))
        previous = age
        q = _number(q_text)
        if q is None or not 0.0 <= q <= 1.0:
            cells.append(BadCell(file, i, "q_x", q_text, "a probability between 0 and 1"))
        if prov and not provenance:
            provenance = prov
        elif prov and prov != provenance:
            cells.append(BadCell(file, i, "provenance", prov,
                                 f"{provenance!r} or empty (one provenance per table)"))
        ages.append(-1 if age is None else age)
        rates.append(math.nan if q is None else q)
    if not provenance:
        cells.append(BadCell(file, 2, "provenance", "",
                             "where the rates come from (publication, file, package + id)"))
    if cells:
        shown = "; ".join(c.line() for c in cells[:MAX_CELL_LINES])
        rest = len(cells) - MAX_CELL_LINES
        more = f"; ... and {rest} more" if rest > 0 else ""
        err = AssumptionError(
            f"{where}: {len(cells)} bad cell{'s' if len(cells) != 1 else ''}: {shown}{more}"
        )
        err.cells = cells
        raise err
    return MortalityTable(name or path.stem, ages[0], _closed(rates), provenance)


# ---------------------------------------------------------------------------------------------
# SOA XTbML


def read_xtbml(
    source: Path | bytes | str, name: str | None = None, *, table: str = "ultimate"
) -> MortalityTable:
    """A table from an SOA XTbML file (a path, or the XML as bytes or text); q = value / 10^s.

    ``table``: ``"ultimate"`` the one table by age alone (1-D); ``"select-last"`` the rates of
    the select table's last duration, by the row's age (a choice the caller must make; the
    rates are not shifted to attained age); ``"N"`` the N-th ``<Table>`` (1-based), which
    must be by age alone. DOCTYPE (and so ENTITY) declarations are refused.
    """
    if isinstance(source, bytes):
        data, where = source, "XTbML text"
    elif isinstance(source, str) and source.lstrip("\ufeff \t\r\n").startswith("<"):
        data, where = source.lstrip("\ufeff"), "XTbML text"
    else:
        path = Path(source)
        where = str(path)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise AssumptionError(f"mortality table {path}: cannot read it ({exc})") from exc
    return _from_xtbml(data, where, name, table)


class _NoDoctype(ET.TreeBuilder):
    """Tree builder that stops at a DOCTYPE, before any ENTITY of it is declared."""

    def __init__(self, where: str):
        super().__init__()
        self.where = where

    def doctype(self, name, pubid, system):
        raise AssumptionError(
            f"mortality table {self.where}: holds a DOCTYPE declaration, which is refused "
            "(entity declarations can expand without bound); XTbML files have none; fix: "
            "remove it"
        )


def _parse_xml(data: bytes | str, where: str) -> ET.Element:
    parser = ET.XMLParser(target=_NoDoctype(where))
    try:
        parser.feed(data)
        return parser.close()
    except ET.ParseError as exc:
        raise AssumptionError(f"mortality table {where}: not well-formed XML ({exc})") from None


def _text(element: ET.Element | None, path: str) -> str:
    found = None if element is None else element.find(path)
    return "" if found is None or found.text is None else found.text.strip()


def _axis_is(axis_def: ET.Element, word: str) -> bool:
    names = (axis_def.get("id", ""), _text(axis_def, "AxisName"), _text(axis_def, "ScaleType"))
    return any(re.search(rf"\b{word}\b", n, re.IGNORECASE) for n in names)


def _kind(tab: ET.Element) -> str:
    """ultimate (values by age alone), select (age x duration) or other."""
    axis_defs = tab.findall("MetaData/AxisDef")
    axes = tab.findall("Values/Axis")
    two_d = any(ax.find("Axis") is not None for ax in axes)
    by_age = bool(axis_defs) and _axis_is(axis_defs[0], "age")
    if by_age and not two_d and len(axes) == 1:
        return "ultimate"
    if by_age and two_d and len(axis_defs) >= 2 and _axis_is(axis_defs[1], "duration"):
        return "select"
    return "other"


@dataclass(frozen=True)
class XtbmlDocument:
    """The parts of an XTbML document: its ``<Table>`` elements with their kinds (``_kind``:
    ultimate, select or other), its identity and the provenance it states."""

    tables: tuple  # of ET.Element
    kinds: tuple  # of str
    table_id: str
    table_name: str
    provenance: str


def xtbml_document(data: bytes | str, where: str) -> XtbmlDocument:
    """Parse an XTbML document (DOCTYPE refused, root ``<XTbML>``) into its tables and identity;
    ``where`` names it in the errors."""
    root = _parse_xml(data, where)
    if root.tag != "XTbML":
        raise AssumptionError(
            f"mortality table {where}: root element <{root.tag}>, expected <XTbML>"
        )
    cc = root.find("ContentClassification")
    table_id, table_name = _text(cc, "TableIdentity"), _text(cc, "TableName")
    reference = _text(cc, "TableReference")
    provenance = f"SOA table {table_id}" if table_id else f"XTbML {where}"
    provenance += f": {table_name or 'unnamed'}" + (f"; {reference}" if reference else "")
    tables = tuple(root.findall("Table"))
    return XtbmlDocument(tables, tuple(_kind(t) for t in tables), table_id, table_name,
                         provenance)


def ultimate_rates(tab: ET.Element, where: str) -> tuple[int, np.ndarray]:
    """(min_age, closed q) of an XTbML ``<Table>`` by age alone (``_kind`` ultimate)."""
    pairs = [(y.get("t"), y.text) for y in tab.find("Values/Axis").findall("Y")
             if y.text and y.text.strip()]  # an empty <Y/> is a missing age
    return _table_rates(tab, pairs, where)


def _table_rates(tab: ET.Element, pairs, where: str) -> tuple[int, np.ndarray]:
    """``_rates`` of (age, stored value) pairs with the table's age axis and scaling factor."""
    age_def = tab.find("MetaData/AxisDef")
    declared = (_integer(_text(age_def, "MinScaleValue")),
                _integer(_text(age_def, "MaxScaleValue")))
    scaling = _text(tab, "MetaData/ScalingFactor") or "0"
    return _rates(pairs, where, scaling, declared, _text(age_def, "Increment"))


def _from_xtbml(data: bytes | str, where: str, name: str | None, table: str) -> MortalityTable:
    table = str(table)
    doc = xtbml_document(data, where)
    tables, kinds = doc.tables, doc.kinds
    table_id, table_name, provenance = doc.table_id, doc.table_name, doc.provenance
    listing = "; ".join(
        f"{i}: {_text(t, 'MetaData/TableDescription') or '(no description)'} [{k}]"
        for i, (t, k) in enumerate(zip(tables, kinds, strict=True), start=1)
    )
    wanted = "ultimate" if table == "ultimate" or table.isdigit() else "select"
    if table.isdigit():
        n = int(table)
        if not 1 <= n <= len(tables) or kinds[n - 1] != "ultimate":
            raise AssumptionError(
                f"mortality table {where}: table={table!r}, expected the number of a table by "
                f"age alone among: {listing or 'none'}"
            )
        pick = [n]
    elif table in XTBML_CHOICES:
        pick = [i for i, k in enumerate(kinds, start=1) if k == wanted]
    else:
        raise AssumptionError(
            f"mortality table {where}: table={table!r}, expected 'ultimate', 'select-last' or "
            "the number of a <Table>"
        )
    if not pick and wanted == "ultimate" and "select" in kinds:
        raise AssumptionError(
            f"mortality table {where}: holds only a select table (age x duration), no ultimate "
            "table by age alone; fix: pass table='select-last' to take the select table's last "
            "duration as the rates by age, or use the ultimate table of the series"
        )
    if len(pick) != 1:
        found = "no" if not pick else "several"
        raise AssumptionError(
            f"mortality table {where}: {found} {wanted} table(s) by age among: "
            f"{listing or 'none'}; fix: pass table='N' for the N-th table by age alone, or "
            "table='select-last'"
        )
    n = pick[0]
    tab = tables[n - 1]
    label = f"{where} table {n}"
    if wanted == "ultimate":
        min_age, q = ultimate_rates(tab, label)
    else:
        pairs = []
        for row in tab.findall("Values/Axis"):
            given = [y for y in row.iter("Y") if y.text and y.text.strip()]
            if given:
                last = max(given, key=lambda y: _duration(y.get("t")))
                pairs.append((row.get("t"), last.text))
        min_age, q = _table_rates(tab, pairs, label)
    return MortalityTable(name or table_name or f"SOA table {table_id}", min_age, q, provenance)


def _rates(pairs, where: str, scaling, declared, increment: str = "") -> tuple[int, np.ndarray]:
    """(min_age, closed q) from (age, stored value) pairs: q = value / 10^scaling, every age of
    the declared range present once, 0 <= q <= 1."""
    problems = []
    s = _number(scaling)
    if s is None or s != int(s):
        raise AssumptionError(f"mortality table {where}: ScalingFactor {scaling!r}, expected an integer")
    values: dict[int, float] = {}
    for t, text in pairs:
        age = _integer(t)
        value = _number(text)
        if age is None:
            problems.append(f"age {t!r} is not an integer")
        elif value is None:
            problems.append(f"age {age}: value {text!r} is not a number")
        elif age in values:
            problems.append(f"age {age} appears twice")
        else:
            q = value / 10.0 ** int(s)
            if not 0.0 <= q <= 1.0:
                problems.append(f"age {age}: q = {value} / 10^{int(s)} = {q:g}, expected 0..1")
            values[age] = q
    if not values and not problems:
        raise AssumptionError(f"mortality table {where}: holds no rates")
    if values:
        lo = declared[0] if declared[0] is not None else min(values)
        hi = declared[1] if declared[1] is not None else max(values)
        missing = [a for a in range(lo, hi + 1) if a not in values]
        outside = sorted(a for a in values if not lo <= a <= hi)
        if missing:
            step = f" (the age axis steps by {increment})" if increment not in ("", "1") else ""
            problems.append(f"missing age(s) {_ranges(missing)} of {lo}-{hi}{step}; "
                            "expected every integer age")
        if outside:
            problems.append(f"age(s) {_ranges(outside)} outside the declared axis {lo}-{hi}")
    if problems:
        rest = len(problems) - MAX_CELL_LINES
        more = f"; ... and {rest} more" if rest > 0 else ""
        raise AssumptionError(
            f"mortality table {where}: {'; '.join(problems[:MAX_CELL_LINES])}{more}"
        )
    return lo, _closed([values[a] for a in range(lo, hi + 1)])


# ---------------------------------------------------------------------------------------------
# pymort (optional)


def from_package(table_id: int, *, package: str = "pymort", name: str | None = None) -> MortalityTable:
    """The ultimate table ``table_id`` of the SOA tables bundled in ``package`` (pymort).

    The package's own copy of the XTbML is parsed with ``read_xtbml`` when it can be found (the
    ``t<id>.xml`` resource next to ``MortXML``, or a raw-XML attribute of the loaded object);
    otherwise the table is rebuilt from ``MortXML(...).Tables`` (the one 1-D table by age).
    """
    try:
        module = importlib.import_module(package)
    except ImportError:
        raise AssumptionError(
            f"mortality table {table_id} needs the optional package {package}: "
            "pip install 'reserva[tables]'"
        ) from None
    where = f"{package} table {table_id}"
    version = str(getattr(module, "__version__", "")).strip()
    try:
        raw = _bundled_xml(module, table_id)
        loaded = None
        if raw is None:
            cls = module.MortXML
            loaded = cls.from_id(table_id) if hasattr(cls, "from_id") else cls(table_id)
            raw = next((v for v in (getattr(loaded, a, None) for a in ("xml", "xml_str", "raw_xml"))
                        if isinstance(v, (str, bytes))), None)
        out = (_from_xtbml(raw, where, name, "ultimate") if raw is not None
               else _from_loaded(loaded, where, name))
    except AssumptionError:
        raise
    except Exception as exc:  # anything inside a third-party package
        raise AssumptionError(
            f"mortality table {table_id}: the package {package} could not load it "
            f"({type(exc).__name__}: {exc}); fix: check the table id"
        ) from exc
    via = f"{package} {version}".strip()
    return replace(out, provenance=f"{out.provenance} [{via}, table {table_id}]")


def _bundled_xml(module: types.ModuleType, table_id: int) -> bytes | None:
    """pymort keeps each XTbML as ``t<id>.xml`` in the data package its MortXML module reads."""
    cls = getattr(module, "MortXML", None)
    data = getattr(sys.modules.get(getattr(cls, "__module__", ""), None), "data", None)
    if not isinstance(data, types.ModuleType):
        return None
    resource = importlib.resources.files(data) / f"t{int(table_id)}.xml"
    return resource.read_bytes() if resource.is_file() else None


def _from_loaded(loaded, where: str, name: str | None) -> MortalityTable:
    """Rebuild from pymort objects: ``.Tables[i].Values`` (index Age, column vals)."""
    tables = list(loaded.Tables)
    ultimate = [t for t in tables if t.Values.index.nlevels == 1]
    if len(ultimate) != 1:
        raise AssumptionError(
            f"mortality table {where}: {len(ultimate)} tables by age alone among "
            f"{len(tables)}, expected exactly one ultimate table"
        )
    tab = ultimate[0]
    meta = getattr(tab, "MetaData", None)
    axis_defs = list(getattr(meta, "AxisDefs", None) or [])
    first = axis_defs[0] if axis_defs else None
    declared = (getattr(first, "MinScaleValue", None), getattr(first, "MaxScaleValue", None))
    scaling = getattr(meta, "ScalingFactor", None) or 0
    values = tab.Values["vals"]
    pairs = list(zip(values.index.tolist(), values.tolist(), strict=True))
    min_age, q = _rates(pairs, where, scaling, declared, str(getattr(first, "Increment", "")))
    cc = getattr(loaded, "ContentClassification", None)
    table_id = getattr(cc, "TableIdentity", "")
    table_name = str(getattr(cc, "TableName", "") or "")
    reference = str(getattr(cc, "TableReference", "") or "")
    provenance = f"SOA table {table_id}: {table_name or 'unnamed'}"
    provenance += f"; {reference}" if reference else ""
    return MortalityTable(name or table_name or f"SOA table {table_id}", min_age, q, provenance)


# ---------------------------------------------------------------------------------------------
# helpers


def _closed(rates) -> np.ndarray:
    """The rates, with q = 1 appended at max_age + 1 when the last rate is below 1."""
    q = np.asarray(rates, dtype=np.float64)
    return q if q[-1] == 1.0 else np.append(q, 1.0)


def _number(text) -> float | None:
    try:
        value = float(text)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def _duration(text) -> float:
    """A duration label as a number for ordering; unreadable labels sort first."""
    value = _number(text)
    return -math.inf if value is None else value


def _integer(text) -> int | None:
    value = _number(text)
    return int(value) if value is not None and value == int(value) else None


def _ranges(ages: list[int]) -> str:
    """[1, 2, 3, 7] -> '1-3, 7'."""
    parts, start = [], ages[0]
    for prev, cur in zip(ages, [*ages[1:], None], strict=True):
        if cur is None or cur != prev + 1:
            parts.append(str(start) if start == prev else f"{start}-{prev}")
            start = cur
    return ", ".join(parts)
