"""Assumption sets: ``assumptions/<set_id>/`` with ``manifest.toml`` listing every file and its sha256.

A set is read only if every file matches its recorded hash, so a run's (set id, set hash) pins the
numbers it used. ``set hash = sha256("name:sha256\\n" for each file, sorted by name)``.
"""

from __future__ import annotations

import hashlib
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

import numpy as np
import pandas as pd

from reserva.errors import AssumptionError

MANIFEST = "manifest.toml"
# The files every set must have, with the columns each must hold.
REQUIRED_FILES: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "reserving.csv": (
        "product_kind", "earning_basis", "ibnr_method", "ocs_basis", "ocs_payment_probability",
        "alr_method", "renewal_applicable", "min_claims_for_chain_ladder", "refund_rule",
        "expected_loss_ratio", "thin_fallback",
    ),
    "ledger_map.csv": ("line", "p_code", "sign"),
    "asset_map.csv": ("asset_class", "admitted_code", "non_admitted_code", "liquid_share", "haircut"),
    "liquidity_factors.csv": ("item", "factor"),
    "kpi_thresholds.csv": (
        "edition", "indicator", "lower", "upper", "lower_inclusive", "upper_inclusive",
    ),
    "earning_profiles.csv": ("profile", "component", "share", "basis", "param", "perspective"),
    "earning_curves.csv": ("curve", "elapsed_fraction", "earned_fraction"),
    "payment_patterns.csv": ("product_kind", "period", "share"),
    "ibnr_selections.csv": ("product_id", "kind", "origin_start", "from_lag", "factor"),
    "ibnr_options.csv": (
        "product_kind", "average", "n_periods", "drop_high", "drop_low", "tail",
        "sigma_extrapolation", "max_link_ratio",
    ),
    "mortality_tables.csv": (
        "table", "source", "file", "package_id", "law_a", "law_b", "law_c", "min_age", "max_age",
        "provenance",
    ),
    "life_basis.csv": (
        "product_kind", "mortality_table", "interest_rate", "initial_expense", "renewal_expense",
        "per_policy_expense", "claim_expense",
    ),
    "crediting_rates.csv": ("product_kind", "from_date", "credited_rate", "guaranteed_rate"),
    "projection.csv": (
        "product_kind", "basis", "claims_basis", "loss_ratio", "frequency", "severity",
        "expense_ratio", "lapse_rate", "withdrawal_rate", "interest_rate", "settlement_pattern",
    ),
    "new_business.csv": ("product_id", "monthly_premium", "months", "term_months", "commission_rate"),
    "investment_limits.csv": ("rule", "asset_class", "limit"),
    "settings.toml": (),
})
EARNING_BASES = (
    "daily", "monthly", "24ths", "8ths", "12ths", "expiry_month", "loan", "curve", "immediate",
    "at_expiry",
)
PERSPECTIVES = ("overall", "insurer", "agent")
IBNR_METHODS = (
    "chain_ladder", "mack", "bf", "cape_cod", "benktander", "expected", "count_severity", "none",
)
OCS_BASES = ("claimed", "case_reserve", "max")
ALR_METHODS = (
    "none", "savings", "net_premium", "gross_premium", "savings+net_premium",
    "savings+gross_premium",
)
MORTALITY_SOURCES = ("makeham", "csv", "xtbml", "package")
REFUND_RULES = ("data", "pro_rata", "none")
PROJECTION_BASES = ("exposure", "life", "none")
CLAIMS_BASES = ("loss_ratio", "frequency_severity")
LIMIT_RULES = ("real_estate_share", "class_share", "single_issuer_share", "min_rating")


def default_root() -> Path:
    """The folder of the bundled sets: ``assumptions/`` of the source tree, or, in an installed
    wheel, the same folder shipped as the package data of ``reserva.assumptions``."""
    here = Path(__file__).resolve()
    source = here.parents[2] / "assumptions"
    if (source / "default" / MANIFEST).is_file():
        return source
    return here.parents[1] / "assumptions"


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def set_hash(file_hashes: Mapping[str, str]) -> str:
    """sha256 over ``name:hash`` lines sorted by name."""
    text = "".join(f"{k}:{file_hashes[k]}\n" for k in sorted(file_hashes))
    return hashlib.sha256(text.encode()).hexdigest()


def write_manifest(set_dir: Path, *, description: str | None = None) -> str:
    """Hash every data file of a set into its manifest; returns the set hash."""
    set_dir = Path(set_dir)
    old = _read_manifest(set_dir) if (set_dir / MANIFEST).exists() else {}
    description = description or old.get("description", f"assumption set {set_dir.name}")
    files = sorted(p.name for p in set_dir.iterdir() if p.is_file() and p.name != MANIFEST)
    hashes = {name: sha256_file(set_dir / name) for name in files}
    lines = [
        "# Written by `reserva assumptions hash`: every file of the set and its sha256.",
        f'set_id = "{set_dir.name}"',
        f'description = "{description}"',
        "",
        "[files]",
        *[f'"{name}" = "{hashes[name]}"' for name in files],
        "",
    ]
    (set_dir / MANIFEST).write_text("\n".join(lines))
    return set_hash(hashes)


def _read_manifest(set_dir: Path) -> dict:
    try:
        return tomllib.loads((set_dir / MANIFEST).read_text())
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise AssumptionError(
            f"assumption set {set_dir}: cannot read {MANIFEST} ({exc}); "
            "fix: run `reserva assumptions hash SET`"
        ) from exc


@dataclass(frozen=True)
class ReservingBasis:
    """How one product kind is reserved."""

    product_kind: str
    earning_basis: str
    ibnr_method: str
    ocs_basis: str
    ocs_payment_probability: float  # NaN = "experience": 1 - rejection rate of decided claims
    alr_method: str
    renewal_applicable: bool
    min_claims_for_chain_ladder: int
    refund_rule: str  # data | pro_rata | none: the refund of a cancelled policy
    expected_loss_ratio: float  # a priori loss ratio of BF, Benktander and expected claims
    thin_fallback: str  # IBNR method when too few claims are known for ibnr_method


@dataclass(frozen=True)
class IbnrOptions:
    """How the development factors of one product kind are selected (ibnr_options.csv)."""

    average: str  # volume | simple | regression
    n_periods: int | None  # last-n diagonals; None = all
    drop_high: int
    drop_low: int
    tail: float | str  # a factor, or "exponential"
    sigma_extrapolation: str  # mack | log-linear
    max_link_ratio: float  # link ratios above this are flagged


@dataclass(frozen=True)
class EarningComponent:
    """One premium component of an earning profile, as earned from one perspective."""

    component: str
    share: float
    basis: str
    param: str  # loan: annual interest rate; curve: curve name; else empty


@dataclass(frozen=True)
class Threshold:
    indicator: str
    lower: float | None
    upper: float | None
    lower_inclusive: bool
    upper_inclusive: bool
    source: str


@dataclass(frozen=True)
class MortalitySpec:
    """Where a mortality table comes from (mortality_tables.csv); built by the reserves layer."""

    table: str
    source: str  # makeham | csv | xtbml | package
    file: str  # csv / xtbml: a file of the set
    package_id: int | None  # package: the table id in the package (SOA table id for pymort)
    law: tuple[float, float, float]  # makeham: A, B, c
    min_age: int
    max_age: int
    provenance: str


@dataclass(frozen=True)
class LifeBasis:
    """Valuation basis of the life contracts of one product kind (life_basis.csv)."""

    product_kind: str
    mortality_table: str
    interest_rate: float
    initial_expense: float  # share of one annual gross premium, at issue
    renewal_expense: float  # share of every gross premium
    per_policy_expense: float  # amount at each policy anniversary
    claim_expense: float  # share of each death benefit


@dataclass(frozen=True)
class ProjectionBasis:
    """How the business in force of one product kind is projected (projection.csv)."""

    product_kind: str
    basis: str  # exposure (policies table) | life (life_policies) | none
    claims_basis: str  # loss_ratio | frequency_severity
    loss_ratio: float | None  # None: the expected loss ratio of reserving.csv
    frequency: float | None  # claims per insured-year
    severity: float | None  # mean claim amount
    expense_ratio: float  # share of the premium spent as it is earned
    lapse_rate: float  # annual
    withdrawal_rate: float  # annual share of the savings balance withdrawn
    interest_rate: float  # annual rate credited to the savings balance
    settlement_pattern: tuple[float, ...]  # share of a month's claims paid 0, 1, 2, ... months later


@dataclass(frozen=True)
class AssumptionSet:
    set_id: str
    set_hash: str
    path: Path
    file_hashes: Mapping[str, str]
    reserving: Mapping[str, ReservingBasis]  # by product kind
    ledger_map: pd.DataFrame  # line, p_code, sign
    asset_map: pd.DataFrame  # asset_class, admitted_code, non_admitted_code, liquid_share
    liquidity_factors: Mapping[str, float]  # item -> share payable within the horizon
    thresholds: Mapping[int, Mapping[str, Threshold]]  # edition -> indicator -> threshold
    settings: Mapping
    earning_profiles: Mapping[tuple[str, str], tuple[EarningComponent, ...]]  # (profile, perspective)
    earning_curves: Mapping[str, tuple[tuple[float, ...], tuple[float, ...]]]  # name -> (x, y)
    ibnr_options: Mapping[str, IbnrOptions]  # by product kind
    ibnr_selections: pd.DataFrame  # product_id, kind (factor|exclude), origin_start, from_lag, factor
    payment_patterns: Mapping[str, tuple[float, ...]]  # kind -> share paid in period 1, 2, ...
    mortality: Mapping[str, MortalitySpec]  # by table name
    life_basis: Mapping[str, LifeBasis]  # by product kind
    crediting_rates: pd.DataFrame  # product_kind, from_date, credited_rate (NaN = data), guaranteed_rate
    projection_bases: Mapping[str, ProjectionBasis]  # by product kind
    new_business: pd.DataFrame  # product_id, monthly_premium, months, term_months, commission_rate
    investment_limits: pd.DataFrame  # rule, asset_class, limit (text: a share or a rating)
    liquidity_factors_by_horizon: Mapping[int, Mapping[str, float]]  # horizon -> item -> share
    # A set derived from another (reserva.io.variants.derive): the parent's set hash and the
    # canonical JSON of the overrides; None for a set read from its folder.
    parent_hash: str | None = None
    overrides: str | None = None

    def projection(self, product_kind: str) -> ProjectionBasis:
        try:
            return self.projection_bases[product_kind]
        except KeyError:
            raise AssumptionError(
                f"assumption set {self.set_id}: projection.csv has no row for product kind "
                f"{product_kind!r}; fix: add a row for it (basis none to leave it out)"
            ) from None

    def life(self, product_kind: str) -> LifeBasis:
        try:
            return self.life_basis[product_kind]
        except KeyError:
            raise AssumptionError(
                f"assumption set {self.set_id}: life_basis.csv has no row for product kind "
                f"{product_kind!r}, whose ALR method needs one; fix: add a row for it"
            ) from None

    def ibnr(self, product_kind: str) -> IbnrOptions:
        try:
            return self.ibnr_options[product_kind]
        except KeyError:
            raise AssumptionError(
                f"assumption set {self.set_id}: ibnr_options.csv has no row for product kind "
                f"{product_kind!r}; fix: add one"
            ) from None

    def earning(self, name: str, perspective: str) -> tuple[EarningComponent, ...]:
        """The components of an earning basis or profile; a plain basis is one component."""
        if (name, perspective) in self.earning_profiles:
            return self.earning_profiles[(name, perspective)]
        if name in EARNING_BASES and name not in ("loan", "curve"):
            return (EarningComponent("premium", 1.0, name, ""),)
        raise AssumptionError(
            f"assumption set {self.set_id}: earning basis {name!r} is neither a basis "
            f"({', '.join(EARNING_BASES)}) nor a profile of earning_profiles.csv for the "
            f"{perspective} perspective; fix: add it"
        )

    def basis(self, product_kind: str) -> ReservingBasis:
        try:
            return self.reserving[product_kind]
        except KeyError:
            raise AssumptionError(
                f"assumption set {self.set_id}: reserving.csv has no row for product kind "
                f"{product_kind!r}; fix: add a row for it"
            ) from None

    def setting(self, section: str, key: str):
        try:
            return self.settings[section][key]
        except KeyError:
            raise AssumptionError(
                f"assumption set {self.set_id}: settings.toml has no [{section}] {key}; "
                "fix: add it"
            ) from None


def _probability(row) -> float:
    text = str(row["ocs_payment_probability"]).strip()
    if text == "experience":
        return float("nan")
    value = _number(text)
    if value is None or not 0.0 <= value <= 1.0:
        raise AssumptionError(
            f"reserving.csv {row['product_kind']}: ocs_payment_probability {text!r}, expected a "
            "probability between 0 and 1 or 'experience'"
        )
    return value


def _bool(value) -> bool:
    return str(value).strip().lower() in ("true", "1", "yes")


def _opt_float(value) -> float | None:
    return None if pd.isna(value) or value == "" else float(value)


# Settings whose value may be a word or a number (the bundled set shows only one of them).
WORD_OR_NUMBER = frozenset({("liquidity", "growth_margin")})


def _type_name(value) -> str:
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, int):
        return "a whole number"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a quoted text"
    if isinstance(value, list):
        return "a list [...]"
    return "a table"


def _same_kind(value, like) -> bool:
    """Whether ``value`` has the TOML type of ``like`` (an integer is a number too)."""
    if isinstance(like, bool) or isinstance(value, bool):
        return isinstance(value, bool) and isinstance(like, bool)
    if isinstance(like, float):
        return isinstance(value, int | float)
    if isinstance(like, list):
        return isinstance(value, list) and all(
            _same_kind(v, like[0]) for v in value) if like else isinstance(value, list)
    return isinstance(value, type(like))


def _read_settings(set_dir: Path) -> dict:
    """settings.toml of a set, each value checked against the type of the same setting in the
    bundled default set (the reference): ``months = "three"`` is refused here, naming it."""
    where = f"assumption set {set_dir.name}: settings.toml"
    try:
        settings = tomllib.loads((set_dir / "settings.toml").read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise AssumptionError(f"{where} cannot be read ({exc}); fix: correct the TOML syntax")\
            from None
    reference_file = default_root() / "default" / "settings.toml"
    if set_dir.resolve() == reference_file.parent.resolve() or not reference_file.exists():
        return settings
    reference = tomllib.loads(reference_file.read_text(encoding="utf-8"))
    problems = []
    for section, values in settings.items():
        if not isinstance(values, dict):
            problems.append(f"{section} = {values!r}, expected a [{section}] section")
            continue
        for key, value in values.items():
            like = reference.get(section, {}).get(key)
            if like is None:
                continue  # not a setting the engine reads; a typo shows as a missing setting
            word_or_number = (section, key) in WORD_OR_NUMBER and isinstance(
                value, str | int | float) and not isinstance(value, bool)
            if not (word_or_number or _same_kind(value, like)):
                problems.append(f"[{section}] {key} = {value!r}, expected {_type_name(like)} "
                                f"(like {like!r} in the default set)")
    if problems:
        raise AssumptionError(f"{where}: {'; '.join(problems)}; fix: correct the value")
    return settings


def load_assumptions(set_id: str = "default", root: Path | None = None) -> AssumptionSet:
    """Read and verify an assumption set; raises AssumptionError naming what is wrong.

    The checks of each file name the file, row and column; a value that no check foresaw and
    that cannot be read as the number or code it stands for still ends as an AssumptionError
    (never a bare ValueError), quoting it.
    """
    try:
        return _load_assumptions(set_id, root)
    except (ValueError, TypeError, KeyError) as exc:
        raise AssumptionError(
            f"assumption set {Path(str(set_id)).name}: a value of its files cannot be read "
            f"({type(exc).__name__}: {exc}); fix: write plain decimal numbers and the codes the "
            "README lists, then run `reserva assumptions hash` on the set") from exc


def _load_assumptions(set_id: str, root: Path | None) -> AssumptionSet:
    root = Path(root) if root else default_root()
    set_dir = Path(set_id) if Path(set_id).is_dir() else root / set_id
    if not set_dir.is_dir():
        raise AssumptionError(
            f"assumption set {set_id!r} not found under {root}; "
            "fix: pass --assumptions with a set folder name or path"
        )
    manifest = _read_manifest(set_dir)
    listed: dict = manifest.get("files", {})
    problems = []
    for name in REQUIRED_FILES:
        if name not in listed:
            problems.append(f"{name} is not in the manifest")
    for name, expected in listed.items():
        path = set_dir / name
        if not path.exists():
            problems.append(f"{name} is listed but missing")
        elif sha256_file(path) != expected:
            problems.append(f"{name} does not match its sha256 in the manifest")
    unlisted = sorted(
        p.name for p in set_dir.iterdir() if p.is_file() and p.name != MANIFEST and p.name not in listed
    )
    problems += [f"{name} is not listed in the manifest" for name in unlisted]
    if problems:
        raise AssumptionError(
            f"assumption set {set_dir.name}: {'; '.join(problems)}; "
            f"fix: restore the files or, if the change is intended, run "
            f"`reserva assumptions hash {set_dir}`"
        )

    frames = {}
    for name, columns in REQUIRED_FILES.items():
        if not name.endswith(".csv"):
            continue
        frame = pd.read_csv(set_dir / name, dtype=str, keep_default_na=False)
        missing = [c for c in columns if c not in frame.columns]
        if missing:
            raise AssumptionError(
                f"assumption set {set_dir.name}: {name} lacks column(s) {', '.join(missing)}"
            )
        frames[name] = frame
    settings = _read_settings(set_dir)

    reserving = {}
    for row in frames["reserving.csv"].to_dict("records"):
        basis = ReservingBasis(
            product_kind=row["product_kind"],
            earning_basis=row["earning_basis"],
            ibnr_method=row["ibnr_method"],
            ocs_basis=row["ocs_basis"],
            ocs_payment_probability=_probability(row),
            alr_method=row["alr_method"],
            renewal_applicable=_bool(row["renewal_applicable"]),
            min_claims_for_chain_ladder=int(row["min_claims_for_chain_ladder"]),
            refund_rule=row["refund_rule"],
            expected_loss_ratio=float(row["expected_loss_ratio"]),
            thin_fallback=row["thin_fallback"],
        )
        for field, allowed in (
            ("ibnr_method", IBNR_METHODS), ("thin_fallback", IBNR_METHODS),
            ("ocs_basis", OCS_BASES), ("alr_method", ALR_METHODS),
            ("refund_rule", REFUND_RULES),
        ):
            if getattr(basis, field) not in allowed:
                raise AssumptionError(
                    f"assumption set {set_dir.name}: reserving.csv {basis.product_kind} "
                    f"{field} = {getattr(basis, field)!r}, expected one of {', '.join(allowed)}"
                )
        reserving[basis.product_kind] = basis

    ledger_map = frames["ledger_map.csv"].assign(sign=lambda d: d["sign"].astype(float))
    asset_map = _asset_map(set_dir.name, frames["asset_map.csv"])
    by_horizon = _liquidity_factors(set_dir.name, frames["liquidity_factors.csv"])
    factors = by_horizon.get(3, {})
    thresholds: dict[int, dict[str, Threshold]] = {}
    for r in frames["kpi_thresholds.csv"].to_dict("records"):
        thresholds.setdefault(int(r["edition"]), {})[r["indicator"]] = Threshold(
            indicator=r["indicator"],
            lower=_opt_float(r["lower"]),
            upper=_opt_float(r["upper"]),
            lower_inclusive=_bool(r["lower_inclusive"]),
            upper_inclusive=_bool(r["upper_inclusive"]),
            source=r.get("source", ""),
        )
    curves = _curves(set_dir.name, frames["earning_curves.csv"])
    profiles = _profiles(set_dir.name, frames["earning_profiles.csv"], curves)
    for basis in reserving.values():
        if basis.earning_basis in ("loan", "curve"):
            raise AssumptionError(
                f"assumption set {set_dir.name}: reserving.csv {basis.product_kind} earning_basis "
                f"{basis.earning_basis!r} needs a parameter (loan rate or curve name); fix: "
                "define a profile in earning_profiles.csv and name it instead"
            )
        if basis.earning_basis not in EARNING_BASES and not any(
            p == basis.earning_basis for p, _ in profiles
        ):
            raise AssumptionError(
                f"assumption set {set_dir.name}: reserving.csv {basis.product_kind} "
                f"earning_basis {basis.earning_basis!r} is neither a basis nor a profile of "
                "earning_profiles.csv"
            )
    mortality = _mortality(set_dir, frames["mortality_tables.csv"], listed)
    life_basis = _life_basis(set_dir.name, frames["life_basis.csv"], mortality)
    for basis in reserving.values():
        if basis.alr_method.endswith("_premium") and basis.product_kind not in life_basis:
            raise AssumptionError(
                f"assumption set {set_dir.name}: reserving.csv {basis.product_kind} alr_method "
                f"{basis.alr_method!r} needs a row of life_basis.csv; fix: add one"
            )
    return AssumptionSet(
        set_id=manifest.get("set_id", set_dir.name),
        set_hash=set_hash(listed),
        path=set_dir,
        file_hashes=MappingProxyType(dict(listed)),
        reserving=MappingProxyType(reserving),
        ledger_map=ledger_map,
        asset_map=asset_map,
        liquidity_factors=MappingProxyType(factors),
        thresholds=MappingProxyType({k: MappingProxyType(v) for k, v in thresholds.items()}),
        settings=MappingProxyType(settings),
        earning_profiles=MappingProxyType(profiles),
        earning_curves=MappingProxyType(curves),
        ibnr_options=MappingProxyType(_ibnr_options(set_dir.name, frames["ibnr_options.csv"])),
        ibnr_selections=_selections(set_dir.name, frames["ibnr_selections.csv"]),
        payment_patterns=MappingProxyType(_patterns(set_dir.name, frames["payment_patterns.csv"])),
        mortality=MappingProxyType(mortality),
        life_basis=MappingProxyType(life_basis),
        crediting_rates=_crediting(set_dir.name, frames["crediting_rates.csv"]),
        projection_bases=MappingProxyType(_projection(set_dir.name, frames["projection.csv"])),
        new_business=_new_business(set_dir.name, frames["new_business.csv"]),
        investment_limits=_limits(set_dir.name, frames["investment_limits.csv"]),
        liquidity_factors_by_horizon=MappingProxyType(
            {h: MappingProxyType(f) for h, f in by_horizon.items()}),
    )


def _cells(set_name: str, file: str, frame: pd.DataFrame, spec: dict) -> tuple[list[dict], list[str]]:
    """Parse columns of every row by ``spec`` (column -> (parser, expected)); collect every bad cell."""
    rows, problems = [], []
    for i, raw in enumerate(frame.to_dict("records"), start=2):
        row = dict(raw)
        for col, (parse, expected) in spec.items():
            text = str(raw[col]).strip()
            try:
                row[col] = parse(text)
            except (TypeError, ValueError):
                problems.append(f"{file} line {i} {col} = {text!r}, expected {expected}")
        rows.append(row)
    return rows, problems


def _rate(text: str) -> float:
    value = float(text)
    if not -0.5 < value < 1.0:
        raise ValueError(text)
    return value


def _share(text: str) -> float:
    value = float(text)
    if not 0.0 <= value < 1.0:
        raise ValueError(text)
    return value


def _amount(text: str) -> float:
    value = float(text)
    if not value >= 0.0:
        raise ValueError(text)
    return value


def _blank_or(parse):
    return lambda text: None if text == "" else parse(text)


def _fail(set_name: str, problems: list[str]) -> None:
    if problems:
        raise AssumptionError(f"assumption set {set_name}: {'; '.join(problems)}")


def _mortality(set_dir: Path, frame: pd.DataFrame, listed: Mapping) -> dict:
    """mortality_tables.csv: every table named once, its source complete (files in the manifest)."""
    name = "mortality_tables.csv"
    rows, problems = _cells(set_dir.name, name, frame, {
        "min_age": (_blank_or(int), "a whole age or empty"),
        "max_age": (_blank_or(int), "a whole age or empty"),
        "package_id": (_blank_or(int), "a table id (whole number) or empty"),
        "law_a": (_blank_or(float), "a number or empty"),
        "law_b": (_blank_or(float), "a number or empty"),
        "law_c": (_blank_or(float), "a number or empty"),
    })
    out: dict[str, MortalitySpec] = {}
    for i, row in enumerate(rows, start=2):
        where = f"{name} line {i}"
        source = row["source"]
        if source not in MORTALITY_SOURCES:
            problems.append(f"{where} source = {source!r}, expected one of {', '.join(MORTALITY_SOURCES)}")
            continue
        if row["table"] in out:
            problems.append(f"{where} table {row['table']!r} is named twice")
        if source == "makeham" and None in (row["law_a"], row["law_b"], row["law_c"], row["min_age"],
                                            row["max_age"]):
            problems.append(f"{where}: a makeham table needs law_a, law_b, law_c, min_age and max_age")
        if source in ("csv", "xtbml") and row["file"] not in listed:
            problems.append(f"{where} file = {row['file']!r}, expected a file of the set listed in "
                            "its manifest")
        if source == "package" and row["package_id"] is None:
            problems.append(f"{where}: a package table needs package_id")
        if not str(row["provenance"]).strip():
            problems.append(f"{where}: provenance is empty; say where the numbers come from")
        law = tuple(float(row[k] or 0.0) for k in ("law_a", "law_b", "law_c"))
        out[row["table"]] = MortalitySpec(
            row["table"], source, row["file"], row["package_id"], law,
            int(row["min_age"] or 0), int(row["max_age"] or 0), str(row["provenance"]).strip())
    _fail(set_dir.name, problems)
    return out


def _life_basis(set_name: str, frame: pd.DataFrame, mortality: Mapping) -> dict:
    rows, problems = _cells(set_name, "life_basis.csv", frame, {
        "interest_rate": (_rate, "an annual rate between -0.5 and 1"),
        "initial_expense": (_amount, "a share >= 0 of one annual premium"),
        "renewal_expense": (_share, "a share in [0, 1) of each premium"),
        "per_policy_expense": (_amount, "an amount >= 0"),
        "claim_expense": (_amount, "a share >= 0 of the death benefit"),
    })
    out = {}
    for i, row in enumerate(rows, start=2):
        if row["mortality_table"] not in mortality:
            problems.append(f"life_basis.csv line {i} mortality_table = {row['mortality_table']!r}, "
                            "expected a table of mortality_tables.csv")
        if not problems:
            out[row["product_kind"]] = LifeBasis(**{k: row[k] for k in LifeBasis.__dataclass_fields__})
    _fail(set_name, problems)
    return out


def _crediting(set_name: str, frame: pd.DataFrame) -> pd.DataFrame:
    """crediting_rates.csv: guaranteed (and optionally credited) rate per product kind from a date."""
    rows, problems = _cells(set_name, "crediting_rates.csv", frame, {
        "from_date": (lambda t: np.datetime64(t, "D"), "a date YYYY-MM-DD"),
        "credited_rate": (_blank_or(_rate), "an annual rate or empty (the rate of the data)"),
        "guaranteed_rate": (_rate, "an annual rate"),
    })
    _fail(set_name, problems)
    out = pd.DataFrame(rows, columns=["product_kind", "from_date", "credited_rate", "guaranteed_rate"])
    out["credited_rate"] = out["credited_rate"].astype("float64")
    return out.sort_values(["product_kind", "from_date"], ignore_index=True)


def _patterns(set_name: str, frame: pd.DataFrame) -> dict:
    """Payment patterns of the unpaid reserves by product kind: shares by period, adding to 1."""
    out = {}
    for kind, rows in frame.groupby("product_kind", sort=True):
        periods = [_number(x) for x in rows["period"]]
        shares = [_number(x) for x in rows["share"]]
        ok = (all(p is not None for p in periods) and all(x is not None and x >= 0 for x in shares)
              and sorted(int(p) for p in periods) == list(range(1, len(periods) + 1))
              and abs(sum(shares) - 1.0) <= 1e-9)
        if not ok:
            raise AssumptionError(
                f"assumption set {set_name}: payment_patterns.csv {kind!r}: expected periods "
                "1, 2, ... with shares >= 0 adding up to 1"
            )
        order = np.argsort([int(p) for p in periods])
        out[str(kind)] = tuple(float(shares[i]) for i in order)
    return out


def _selections(set_name: str, frame: pd.DataFrame) -> pd.DataFrame:
    """The actuary's judgements: a selected factor from a lag (kind ``factor``), or a link
    ratio left out of the average (kind ``exclude``, for one origin)."""
    bad = []
    for i, r in enumerate(frame.to_dict("records"), start=2):
        lag = _number(r["from_lag"])
        ok = r["kind"] in ("factor", "exclude") and lag is not None and lag >= 1
        if r["kind"] == "factor":
            f = _number(r["factor"])
            ok = ok and f is not None and f > 0
        if r["kind"] == "exclude":
            ok = ok and bool(pd.to_datetime(r["origin_start"], errors="coerce") is not pd.NaT)
        if not ok:
            bad.append(str(i))
    if bad:
        raise AssumptionError(
            f"assumption set {set_name}: ibnr_selections.csv line(s) {', '.join(bad)}: expected "
            "kind factor (from_lag >= 1, factor > 0) or exclude (origin_start YYYY-MM-DD, "
            "from_lag >= 1)"
        )
    return frame.copy()


def _ibnr_options(set_name: str, frame: pd.DataFrame) -> dict:
    out = {}
    for r in frame.to_dict("records"):
        where = f"assumption set {set_name}: ibnr_options.csv {r['product_kind']}"
        n_periods = _number(r["n_periods"]) if r["n_periods"] != "" else None
        numbers = [_number(r[c]) for c in ("drop_high", "drop_low", "max_link_ratio")]
        tail = r["tail"] if r["tail"] == "exponential" else _number(r["tail"])
        if (r["average"] not in ("volume", "simple", "regression")
                or r["sigma_extrapolation"] not in ("mack", "log-linear")
                or any(x is None or x < 0 for x in numbers)
                or (n_periods is not None and n_periods < 1)
                or tail is None or (not isinstance(tail, str) and tail < 1.0)):
            raise AssumptionError(
                f"{where}: expected average volume|simple|regression, n_periods empty or >= 1, "
                "drop_high/drop_low >= 0, tail >= 1 or 'exponential', sigma_extrapolation "
                "mack|log-linear, max_link_ratio >= 0"
            )
        out[r["product_kind"]] = IbnrOptions(
            average=r["average"], n_periods=None if n_periods is None else int(n_periods),
            drop_high=int(numbers[0]), drop_low=int(numbers[1]), tail=tail,
            sigma_extrapolation=r["sigma_extrapolation"], max_link_ratio=float(numbers[2]),
        )
    return out


def _number(text) -> float | None:
    try:
        value = float(text)
    except (TypeError, ValueError):
        return None
    return value if value == value else None  # NaN is not a number here


def _curves(set_name: str, frame: pd.DataFrame) -> dict:
    """Cumulative earning curves: x strictly increasing in (0, 1] ending at 1, y rising to 1."""
    curves = {}
    for name, rows in frame.groupby("curve", sort=True):
        x = tuple(float(v) for v in rows["elapsed_fraction"])
        y = tuple(float(v) for v in rows["earned_fraction"])
        ok = (
            all(b > a for a, b in zip((0.0, *x), x, strict=False))
            and all(b >= a for a, b in zip((0.0, *y), y, strict=False))
            and x[-1] == 1.0 and y[-1] == 1.0
        )
        if not ok:
            raise AssumptionError(
                f"assumption set {set_name}: earning_curves.csv curve {name!r} must have elapsed "
                "fractions rising strictly to 1 and earned fractions rising to 1"
            )
        curves[str(name)] = (x, y)
    return curves


def _profiles(set_name: str, frame: pd.DataFrame, curves: dict) -> dict:
    """(profile, perspective) -> components; rows of perspective `all` apply to every one."""
    out: dict = {}
    for name, rows in frame.groupby("profile", sort=True):
        for perspective in PERSPECTIVES:
            comps = []
            for component, crow in rows.groupby("component", sort=False):
                pick = crow[crow["perspective"] == perspective]
                if pick.empty:
                    pick = crow[crow["perspective"] == "all"]
                if pick.empty:
                    raise AssumptionError(
                        f"assumption set {set_name}: earning profile {name!r} component "
                        f"{component!r} has no row for the {perspective} perspective (or all)"
                    )
                r = pick.iloc[0]
                if r["basis"] not in EARNING_BASES:
                    raise AssumptionError(
                        f"assumption set {set_name}: earning profile {name!r} basis "
                        f"{r['basis']!r}, expected one of {', '.join(EARNING_BASES)}"
                    )
                share = _number(r["share"])
                if share is None or share < 0:
                    raise AssumptionError(
                        f"assumption set {set_name}: earning profile {name!r} component "
                        f"{component!r} share {r['share']!r}, expected a number >= 0"
                    )
                if r["basis"] == "loan":
                    rate = _number(r["param"])
                    if rate is None or rate < 0:
                        raise AssumptionError(
                            f"assumption set {set_name}: earning profile {name!r} component "
                            f"{component!r} uses the loan basis with param {r['param']!r}, "
                            "expected the loan's annual interest rate as a number >= 0 (0.24)"
                        )
                if r["basis"] == "curve" and r["param"] not in curves:
                    raise AssumptionError(
                        f"assumption set {set_name}: earning profile {name!r} uses curve "
                        f"{r['param']!r}, which earning_curves.csv does not define"
                    )
                comps.append(EarningComponent(str(component), float(r["share"]), r["basis"],
                                              str(r["param"])))
            total = sum(c.share for c in comps)
            if abs(total - 1.0) > 1e-9:
                raise AssumptionError(
                    f"assumption set {set_name}: earning profile {name!r} shares add up to "
                    f"{total:g} for the {perspective} perspective, expected 1"
                )
            out[(str(name), perspective)] = tuple(comps)
    return out


def _asset_map(set_name: str, frame: pd.DataFrame) -> pd.DataFrame:
    """asset_map.csv: ``liquid_share`` counted as cash; ``haircut`` empty = not immediately
    convertible, else convertible at (1 - haircut) of its value."""
    rows, problems = _cells(set_name, "asset_map.csv", frame, {
        "liquid_share": (_unit, "a share in [0, 1]"),
        "haircut": (_blank_or(_unit), "empty (not convertible at once) or a haircut in [0, 1]"),
    })
    _fail(set_name, problems)
    out = pd.DataFrame(rows, columns=list(frame.columns))
    out["liquid_share"] = out["liquid_share"].astype("float64")
    out["haircut"] = pd.to_numeric(out["haircut"]).astype("float64")
    return out


def _unit(text: str) -> float:
    value = float(text)
    if not 0.0 <= value <= 1.0:
        raise ValueError(text)
    return value


def _liquidity_factors(set_name: str, frame: pd.DataFrame) -> dict[int, dict[str, float]]:
    """liquidity_factors.csv: share of each item payable within ``horizon_months`` (3 if the
    column is absent or empty), one factor per item and horizon."""
    spec = {"factor": (_unit, "a share in [0, 1]")}
    if "horizon_months" in frame.columns:
        spec["horizon_months"] = (_blank_or(_whole), "a whole number of months >= 1")
    rows, problems = _cells(set_name, "liquidity_factors.csv", frame, spec)
    out: dict[int, dict[str, float]] = {}
    for i, row in enumerate(rows, start=2):
        h = row.get("horizon_months") or 3
        if isinstance(h, str):
            continue
        if row["item"] in out.get(h, {}):
            problems.append(f"liquidity_factors.csv line {i}: item {row['item']!r} is given twice "
                            f"for {h} months")
        elif not problems:
            out.setdefault(int(h), {})[row["item"]] = float(row["factor"])
    _fail(set_name, problems)
    return out


def _whole(text: str) -> int:
    value = int(text)
    if value < 1:
        raise ValueError(text)
    return value


def _pattern(text: str) -> tuple[float, ...]:
    shares = tuple(float(x) for x in text.split(";"))
    if not shares or any(not x >= 0 for x in shares) or abs(sum(shares) - 1.0) > 1e-9:
        raise ValueError(text)
    return shares


def _projection(set_name: str, frame: pd.DataFrame) -> dict[str, ProjectionBasis]:
    """projection.csv: one row per product kind (see ProjectionBasis)."""
    rows, problems = _cells(set_name, "projection.csv", frame, {
        "loss_ratio": (_blank_or(_amount), "empty (reserving.csv's expected loss ratio) or a ratio >= 0"),
        "frequency": (_blank_or(_amount), "empty or claims per insured-year >= 0"),
        "severity": (_blank_or(_amount), "empty or a mean claim amount >= 0"),
        "expense_ratio": (_amount, "a share >= 0 of the premium"),
        "lapse_rate": (_unit, "an annual rate in [0, 1]"),
        "withdrawal_rate": (_unit, "an annual rate in [0, 1]"),
        "interest_rate": (_rate, "an annual rate between -0.5 and 1"),
        "settlement_pattern": (_pattern, "shares >= 0 by month of lag separated by ';' adding to 1"),
    })
    out = {}
    for i, row in enumerate(rows, start=2):
        for col, allowed in (("basis", PROJECTION_BASES), ("claims_basis", CLAIMS_BASES)):
            if row[col] not in allowed:
                problems.append(f"projection.csv line {i} {col} = {row[col]!r}, expected one of "
                                f"{', '.join(allowed)}")
        if (row["claims_basis"] == "frequency_severity"
                and (row["frequency"] is None or row["severity"] is None)):
            problems.append(f"projection.csv line {i}: the frequency_severity basis needs "
                            "frequency and severity")
        if row["product_kind"] in out:
            problems.append(f"projection.csv line {i}: product kind {row['product_kind']!r} twice")
        if not problems:
            out[row["product_kind"]] = ProjectionBasis(
                **{k: row[k] for k in ProjectionBasis.__dataclass_fields__})
    _fail(set_name, problems)
    return out


def _new_business(set_name: str, frame: pd.DataFrame) -> pd.DataFrame:
    """new_business.csv: optional sales per product (none when the file has no rows)."""
    rows, problems = _cells(set_name, "new_business.csv", frame, {
        "monthly_premium": (_amount, "a premium >= 0 sold each month"),
        "months": (lambda t: int(_amount(t)), "a whole number of months of sales >= 0"),
        "term_months": (_whole, "a whole number of months >= 1"),
        "commission_rate": (_amount, "a share >= 0 of the premium"),
    })
    _fail(set_name, problems)
    columns = ["product_id", "monthly_premium", "months", "term_months", "commission_rate"]
    return pd.DataFrame([{c: r[c] for c in columns} for r in rows], columns=columns)


def _limits(set_name: str, frame: pd.DataFrame) -> pd.DataFrame:
    """investment_limits.csv: shares in [0, 1] for the share rules, a rating for min_rating."""
    problems = []
    for i, row in enumerate(frame.to_dict("records"), start=2):
        rule, limit = row["rule"], str(row["limit"]).strip()
        if rule not in LIMIT_RULES:
            problems.append(f"investment_limits.csv line {i} rule = {rule!r}, expected one of "
                            f"{', '.join(LIMIT_RULES)}")
        elif rule != "min_rating":
            try:
                _unit(limit)
            except ValueError:
                problems.append(f"investment_limits.csv line {i} limit = {limit!r}, expected a "
                                "share in [0, 1]")
        if rule in ("class_share", "min_rating") and not str(row["asset_class"]).strip():
            problems.append(f"investment_limits.csv line {i}: {rule} needs an asset_class")
    _fail(set_name, problems)
    return frame[["rule", "asset_class", "limit"]].copy()
