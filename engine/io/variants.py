"""Assumption variants: a set derived from a base set by overrides, with its own identity.

A variant changes settings (a new value, or the parent's value times a factor) and replaces
whole CSV tables of the set. Each new setting is checked by the settings' declaration
(``reserva.io.settings``): an unknown section or key (with the closest known one), a value of
the wrong type or out of its range is refused, every one at once. It is built by copying the parent's files, applying the overrides
and reading the copy with the ordinary reader, so every check of a set applies to it too.

Identity::

    overrides JSON = canonical JSON of {"files": [[name, text]], "multiply": [[section, key, f]],
                     "set": [[section, key, value]]}, each list sorted, keys sorted, no spaces
    set_hash       = sha256(parent set_hash + overrides JSON)
    set_id         = "<parent set_id>+<first 8 hex digits of set_hash>"

so the same overrides (given in any order) on the same parent give the same identity, and a
run records the parent's hash and the overrides JSON as its lineage. A variant is derived from
a base set only (all overrides at once), so that lineage always names a set that exists, and
``rebuild`` derives a stored run's variant again from it (the analysis of change of the next
close needs the opening run's set). A value is held in the type its setting declares (a whole
number given for a ``float`` setting is that number as a float, a date its ``YYYY-MM-DD``
text), so ``1`` and ``1.0`` are the same override.

On the command line (``from_options``): ``--set SECTION.KEY=VALUE`` (the value as in
settings.toml, quotes optional for a text, a list also as ``a,b,c``), ``--multiply
SECTION.KEY=FACTOR``, ``--replace FILE.csv=PATH``, each repeatable, and ``--overrides FILE``,
a TOML file of ``[set]``, ``[multiply]`` and ``[replace]`` tables of the same overrides (its
paths relative to it). The same overrides given there or to ``Overrides.of`` give the same
identity.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import math
import re
import shutil
import tempfile
import tomllib
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from reserva.errors import ArgumentError, AssumptionError
from reserva.io.assumptions import (
    MANIFEST,
    AssumptionSet,
    load_assumptions,
    sha256_file,
    write_manifest,
)
from reserva.io.settings import SECTIONS, check_value, unknown


@dataclass(frozen=True)
class Overrides:
    """What a variant changes; build it with :meth:`Overrides.of`.

    ``values``: (section, key, value) of settings.toml; ``multipliers``: (section, key, factor)
    multiplying the parent's number; ``files``: (file name, CSV text) replacing a whole table.
    Each is held sorted, so equal overrides compare (and hash) equal whatever their order.
    """

    values: tuple[tuple[str, str, object], ...] = ()
    multipliers: tuple[tuple[str, str, float], ...] = ()
    files: tuple[tuple[str, str], ...] = ()

    def __post_init__(self):
        values = tuple(sorted((str(s), str(k), _value(s, k, v)) for s, k, v in self.values))
        multipliers = tuple(sorted((str(s), str(k), _factor(s, k, f))
                                   for s, k, f in self.multipliers))
        files = tuple(sorted((str(n), _text(n, t)) for n, t in self.files))
        settings = [(s, k) for s, k, _ in values + multipliers]
        twice = sorted({f"[{s}] {k}" for s, k in settings if settings.count((s, k)) > 1}
                       | {n for n, _ in files if [m for m, _ in files].count(n) > 1})
        if twice:
            raise AssumptionError(f"overrides give {', '.join(twice)} more than once; fix: give "
                                  "each setting one value or one multiplier, each file once")
        object.__setattr__(self, "values", values)
        object.__setattr__(self, "multipliers", multipliers)
        object.__setattr__(self, "files", files)

    @classmethod
    def of(cls, settings: Mapping[tuple[str, str], object] | None = None,
           multipliers: Mapping[tuple[str, str], float] | None = None,
           files: Mapping[str, str] | None = None) -> Overrides:
        """``Overrides.of(settings={("alm", "discount_rate"): 0.04},
        multipliers={("alm", "shock_bp"): 2}, files={"reserving.csv": text})``."""
        return cls(
            values=tuple((s, k, v) for (s, k), v in (settings or {}).items()),
            multipliers=tuple((s, k, f) for (s, k), f in (multipliers or {}).items()),
            files=tuple((files or {}).items()),
        )

    @classmethod
    def from_json(cls, text: str) -> Overrides:
        """The overrides whose ``canonical_json()`` is ``text`` (as a run stores them)."""
        try:
            doc = json.loads(text)
            return cls(values=tuple(tuple(v) for v in doc["set"]),
                       multipliers=tuple(tuple(m) for m in doc["multiply"]),
                       files=tuple(tuple(f) for f in doc["files"]))
        except (ValueError, TypeError, KeyError) as exc:
            raise AssumptionError(f"stored overrides {text[:60]!r} cannot be read ({exc}); fix: "
                                  "derive the set again from its overrides") from None

    def __bool__(self) -> bool:
        return bool(self.values or self.multipliers or self.files)

    def canonical_json(self) -> str:
        """The overrides as canonical JSON (sorted, compact, UTF-8 text kept as is)."""
        doc = {
            "files": [list(f) for f in self.files],
            "multiply": [list(m) for m in self.multipliers],
            "set": [[s, k, _plain(v)] for s, k, v in self.values],
        }
        return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                          allow_nan=False)


def variant_hash(parent_hash: str, overrides: Overrides) -> str:
    """``sha256(parent_hash + overrides.canonical_json())`` as hex."""
    return hashlib.sha256((parent_hash + overrides.canonical_json()).encode()).hexdigest()


def derive(parent: AssumptionSet, overrides: Overrides) -> AssumptionSet:
    """The set ``parent`` with ``overrides`` applied, read and checked like any set.

    Parameters
    ----------
    parent : a base set (as read by ``load_assumptions``); it is not changed.
    overrides : the changes; empty overrides give ``parent`` itself.

    Returns
    -------
    A new AssumptionSet whose ``set_id``/``set_hash`` are the variant's identity (module
    docstring) and whose ``parent_hash``/``overrides`` record the derivation.

    Raises
    ------
    AssumptionError naming an unknown setting or file, a value the set's checks refuse, a
    parent that is itself a variant, or a parent whose files changed since it was read.
    """
    if not isinstance(overrides, Overrides):
        raise AssumptionError("overrides must be built with Overrides.of(...)")
    if not overrides:
        return parent
    if parent.parent_hash is not None:
        raise AssumptionError(
            f"assumption set {parent.set_id} is itself a variant of {parent.parent_hash[:8]}; "
            "fix: derive from the base set with all the overrides at once")
    settings = _apply_settings(parent, overrides)
    _check_files(parent, overrides)
    tmp = Path(tempfile.mkdtemp(prefix="reserva-variant-"))
    try:
        folder = _copy_set(parent, tmp / parent.path.name)
        for name, text in overrides.files:
            (folder / name).write_text(text, encoding="utf-8")
        if settings is not None:
            (folder / "settings.toml").write_text(_toml(settings), encoding="utf-8")
        write_manifest(folder)
        try:
            child = load_assumptions(str(folder))
        except AssumptionError as exc:
            raise AssumptionError(f"overrides of assumption set {parent.set_id}: {exc}") from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    digest = variant_hash(parent.set_hash, overrides)
    variant = dataclasses.replace(
        child, set_id=f"{parent.set_id}+{digest[:8]}", set_hash=digest,
        parent_hash=parent.set_hash, overrides=overrides.canonical_json(),
        parent_path=Path(parent.path))
    # The copy holds the files the set may still read (mortality tables): it lives as long as
    # the variant does.
    weakref.finalize(variant, shutil.rmtree, tmp, True)
    return variant


def rebuild(parent: AssumptionSet, set_hash: str, parent_hash: str,
            overrides_json: str) -> AssumptionSet:
    """The variant a run recorded (``set_hash``, ``parent_hash``, ``overrides_json``), derived
    again from ``parent``.

    Raises
    ------
    AssumptionError when ``parent`` is not the set the variant was derived from (its hash is
    not ``parent_hash``: its files changed since), or the overrides no longer give
    ``set_hash``.
    """
    if parent.set_hash != parent_hash:
        raise AssumptionError(
            f"assumption set {parent.set_id} has hash {parent.set_hash[:8]}, not "
            f"{parent_hash[:8]} the variant was derived from; fix: restore the set's files")
    variant = derive(parent, Overrides.from_json(overrides_json))
    if variant.set_hash != set_hash:
        raise AssumptionError(
            f"the overrides of {variant.set_id} give hash {variant.set_hash[:8]}, not the "
            f"stored {set_hash[:8]}; fix: close again on the variant")
    return variant


def parent_id(set_id: str) -> str:
    """The parent's set id of a variant's ``set_id`` (``default+1a2b3c4d`` -> ``default``)."""
    return set_id.rsplit("+", 1)[0]


# ------------------------------------------------------------------------ command line

def from_options(sets: Sequence[str] = (), multiplies: Sequence[str] = (),
                 replaces: Sequence[str] = (), file: Path | str | None = None) -> Overrides:
    """The overrides of the command line: ``--set SECTION.KEY=VALUE``, ``--multiply
    SECTION.KEY=FACTOR``, ``--replace FILE.csv=PATH`` (each repeatable) and ``--overrides
    FILE`` (module docstring).

    A value is typed by its setting's declaration: ``--set ibnr.max_origin_years=8`` is the
    whole number 8, ``--set liquidity.kpi_method=projection`` the text, ``--set
    liquidity.horizons=1,3,6`` (or ``[1, 3, 6]``) the list, as ``Overrides.of`` takes them. An
    option that is not ``NAME=VALUE`` or a file that cannot be read is an ArgumentError (exit
    2); an unknown setting or a bad value is refused by ``derive``, every one at once.
    """
    values: list[tuple[str, str, object]] = []
    factors: list[tuple[str, str, object]] = []
    files: list[tuple[str, str]] = []
    if file is not None:
        values, factors, files = _overrides_file(Path(file))
    for text in sets:
        section, key, value = _setting_option("--set", text)
        values.append((section, key, _typed_text(section, key, value)))
    for text in multiplies:
        section, key, value = _setting_option("--multiply", text)
        try:
            factors.append((section, key, float(value)))
        except ValueError:
            raise ArgumentError.bad("--multiply", text, "SECTION.KEY=FACTOR, a number",
                                    "give a number such as 1.1") from None
    for text in replaces:
        name, path = _pair("--replace", text, "FILE.csv=PATH")
        files.append((name, _read_text("--replace", Path(path))))
    return Overrides(values=tuple(values), multipliers=tuple(factors), files=tuple(files))


def _pair(option: str, text: str, form: str) -> tuple[str, str]:
    name, eq, value = text.partition("=")
    if not eq or not name.strip():
        raise ArgumentError.bad(option, text, form, f"write {option} {form}")
    return name.strip(), value.strip()


def _setting_option(option: str, text: str) -> tuple[str, str, str]:
    """(section, key, value text) of ``SECTION.KEY=VALUE``."""
    form = "SECTION.KEY=VALUE" if option == "--set" else "SECTION.KEY=FACTOR"
    name, value = _pair(option, text, form)
    section, dot, key = name.partition(".")
    if not dot or not key:
        raise ArgumentError.bad(option, text, form,
                                "name the setting as section.key, e.g. ibnr.max_origin_years")
    return section, key, value


def _read_text(option: str, path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ArgumentError.bad(option, str(path), "a readable UTF-8 CSV file",
                                f"check the path ({type(exc).__name__})") from None


def _literal(text: str):
    """``text`` read as a TOML value (number, true/false, "text", [list], date), else the text
    itself (a bare word)."""
    try:
        doc = tomllib.loads(f"v = {text}")
    except tomllib.TOMLDecodeError:
        return text
    return doc["v"] if len(doc) == 1 else text


def _kind(section: str, key: str) -> str | None:
    """The declared type of ``[section] key`` as written (``"int"``, ...); None if unknown."""
    cls = SECTIONS.get(section)
    field = None if cls is None else cls.__dataclass_fields__.get(key)
    return None if field is None else str(field.type)


def _typed_text(section: str, key: str, text: str):
    """The value of ``--set section.key=text`` as its setting declares it."""
    kind, value = _kind(section, key), _literal(text)
    if kind == "str" and not isinstance(value, str):
        return text
    if kind is not None and kind.startswith("tuple") and not isinstance(value, list):
        parts = [p.strip() for p in text.split(",")] if text.strip() else []
        return [_literal(p) if kind == "tuple[int, ...]" else _unquote(p) for p in parts]
    return value


def _unquote(text: str):
    value = _literal(text)
    return value if isinstance(value, str) else text


def _overrides_file(path: Path) -> tuple[list, list, list]:
    """(values, factors, files) of an overrides TOML file (module docstring)."""
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ArgumentError.bad("--overrides", str(path), "a readable TOML file",
                                f"check the path ({type(exc).__name__})") from None
    except tomllib.TOMLDecodeError as exc:
        raise AssumptionError(f"overrides file {path}: {exc}; fix: write TOML tables [set], "
                              "[multiply] and [replace]") from None
    extra = sorted(set(doc) - {"set", "multiply", "replace"})
    if extra:
        raise AssumptionError(f"overrides file {path}: {', '.join(extra)} is not a table of "
                              "overrides; fix: use [set], [multiply] and [replace]")
    values, factors = (_settings_table(path, doc, name) for name in ("set", "multiply"))
    files = []
    for name, target in _flat(_table(path, doc, "replace")):
        if not isinstance(target, str):
            raise AssumptionError(f"overrides file {path}: [replace] {name} = {target!r}; fix: "
                                  "give the path of the CSV file as a quoted text")
        files.append((name, _read_text("--overrides", path.parent / target)))
    return values, factors, files


def _settings_table(path: Path, doc: Mapping, name: str) -> list[tuple[str, str, object]]:
    """(section, key, value) of the ``[name]`` table: ``section.key = value`` or sub-tables."""
    table = _table(path, doc, name)
    out = []
    for section, values in table.items():
        if not isinstance(values, dict) and "." in section:  # a quoted key "period.months" = 3
            head, _, key = section.partition(".")
            out.append((head, key, _date_text(values)))
            continue
        if not isinstance(values, dict):
            raise AssumptionError(f"overrides file {path}: [{name}] {section} = {values!r}; "
                                  "fix: name the setting as section.key = value")
        out.extend((section, key, _date_text(v)) for key, v in values.items())
    return out


def _table(path: Path, doc: Mapping, name: str) -> Mapping:
    table = doc.get(name, {})
    if not isinstance(table, dict):
        raise AssumptionError(f"overrides file {path}: {name} = {table!r} is not a table; fix: "
                              f"write [{name}] followed by its lines")
    return table


def _flat(table, prefix: str = ""):
    """(dotted name, value) of a TOML table (``reserving.csv = ...`` unquoted is nested)."""
    for key, value in table.items():
        if isinstance(value, dict):
            yield from _flat(value, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key}", value


def _date_text(value):
    """A TOML date as its ``YYYY-MM-DD`` text (as a value of an override holds it)."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value.isoformat()
    return value


def _apply_settings(parent: AssumptionSet, overrides: Overrides) -> dict | None:
    """The parent's settings with the overrides applied (a copy, as TOML values), or None when
    none apply. Each new value is checked by the settings' declaration (``reserva.io.settings``):
    an unknown section or key, or a value of the wrong type or out of range, is refused naming
    it, every one at once."""
    if not (overrides.values or overrides.multipliers):
        return None
    settings = {s: {k: _toml_ready(v) for k, v in values.items()}
                for s, values in parent.settings.items()}
    problems: list[str] = []
    for section, key, value in overrides.values:
        _, problem = check_value(section, key, _toml_ready(value))
        if problem is not None:
            problems.append(problem.text)
        else:
            settings[section][key] = _toml_ready(value)
    for section, key, factor in overrides.multipliers:
        if section not in settings or key not in settings[section]:
            problems.append(unknown(section, key).text)
            continue
        old = settings[section][key]
        if isinstance(old, bool) or not isinstance(old, int | float):
            problems.append(f"[{section}] {key} = {old!r} is not a number to multiply; fix: give "
                            "it a value instead")
            continue
        new = old * factor
        whole = isinstance(old, int) and math.isfinite(new) and float(new).is_integer()
        new = int(new) if whole else new  # an int stays whole when it can
        _, problem = check_value(section, key, new)
        if problem is not None:
            problems.append(problem.text)
        else:
            settings[section][key] = new
    if problems:
        raise AssumptionError(f"overrides of assumption set {parent.set_id}: "
                              + "; ".join(problems))
    return settings


def _toml_ready(value):
    """A typed setting as a TOML value: tuples as lists."""
    return [_toml_ready(v) for v in value] if isinstance(value, tuple) else value


def _check_files(parent: AssumptionSet, overrides: Overrides) -> None:
    for name, _ in overrides.files:
        if name not in parent.file_hashes or not name.endswith(".csv"):
            raise AssumptionError(
                f"overrides of assumption set {parent.set_id}: {name!r} is not a CSV file of the "
                "set; fix: name a .csv file listed in its manifest")


def _copy_set(parent: AssumptionSet, folder: Path) -> Path:
    """Copy the parent's files, each checked against the hash it was read with."""
    folder.mkdir()
    for name, expected in parent.file_hashes.items():
        source = Path(parent.path) / name
        if not source.is_file() or sha256_file(source) != expected:
            raise AssumptionError(
                f"assumption set {parent.set_id}: {name} changed since the set was read; "
                "fix: read the set again before deriving from it")
        shutil.copyfile(source, folder / name)
    shutil.copyfile(Path(parent.path) / MANIFEST, folder / MANIFEST)
    return folder


def _value(section, key, value):
    """A setting's value in canonical form: bool, int, finite float, text, or a tuple of them;
    a whole number of a ``float`` setting as a float, a date of a ``dt.date`` one as text."""
    kind = _kind(str(section), str(key))
    if kind == "float" and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if kind == "dt.date" and isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, bool | int | str):
        return value
    if isinstance(value, float) and math.isfinite(value):
        return value
    if isinstance(value, list | tuple):
        return tuple(_value(section, key, v) for v in value)
    raise AssumptionError(f"override of [{section}] {key} = {value!r}: expected true/false, a "
                          "finite number, a text or a list of them")


def _factor(section, key, factor) -> float:
    if isinstance(factor, bool) or not isinstance(factor, int | float) \
            or not math.isfinite(factor):
        raise AssumptionError(f"multiplier of [{section}] {key} = {factor!r}: expected a finite "
                              "number")
    return float(factor)


def _text(name, text) -> str:
    if not isinstance(text, str):
        raise AssumptionError(f"override of {name!r}: expected the file's CSV text")
    return text


def _plain(value):
    return [_plain(v) for v in value] if isinstance(value, tuple) else value


_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def _toml(settings: Mapping) -> str:
    """settings.toml text of sections of scalars and lists (nested sections as dotted)."""
    lines: list[str] = []

    def table(name: str, values: Mapping) -> None:
        lines.append(f"[{name}]")
        lines.extend(f"{_key(k)} = {_toml_value(v)}" for k, v in values.items()
                     if not isinstance(v, dict))
        lines.append("")
        for k, v in values.items():
            if isinstance(v, dict):
                table(f"{name}.{_key(k)}", v)

    for section, values in settings.items():
        if isinstance(values, dict):
            table(_key(section), values)
        else:
            lines.insert(0, f"{_key(section)} = {_toml_value(values)}")
    return "\n".join(lines)


def _key(key: str) -> str:
    return key if _BARE_KEY.match(key) else json.dumps(key, ensure_ascii=False)


def _toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else ("nan" if value != value else
                                                         ("inf" if value > 0 else "-inf"))
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    raise AssumptionError(f"settings value {value!r} cannot be written back to TOML")
