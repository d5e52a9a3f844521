"""Assumption sets: ``assumptions/<set_id>/`` with ``manifest.toml`` listing every file and its sha256.

A set is read only if every file matches its recorded hash, so a run's (set id, set hash) pins the
numbers it used. ``set hash = sha256("name:sha256\\n" for each file, sorted by name)``.

The files are parsed once into frozen values: ``settings.toml`` into typed sections declared in
``reserva.io.settings`` (``a.settings.ibnr.max_origin_years``), each CSV table into its records.
Like the data pack, a set is checked whole: every problem of every file (file, line, column,
value, expected) is collected and raised as one ``SetProblems`` (an ``AssumptionError``).
"""

from __future__ import annotations

import hashlib
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from pathlib import Path
from types import MappingProxyType

import numpy as np
import pandas as pd

from reserva.errors import MAX_CELL_LINES, AssumptionError, BadCell, EngineError
from reserva.io.actions import COLUMNS as ACTION_COLUMNS
from reserva.io.actions import Action, check_actions
from reserva.io.scenarios import COLUMNS as SCENARIO_COLUMNS
from reserva.io.scenarios import Scenario, check_scenarios
from reserva.io.settings import Problem, Settings, parse_settings
from reserva.vocab import IBNR_METHODS

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
    "liability_map.csv": ("kind", "short_code", "long_code"),
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
    "stress_scenarios.csv": SCENARIO_COLUMNS,
    "management_actions.csv": ACTION_COLUMNS,
    "plan.csv": (
        "product_kind", "renewal_rate", "new_business_rate", "growth_rate", "term_months",
        "commission_rate", "ceded_share", "fixed_expense_share", "reporting_pattern",
        "instalments", "savings_share",
    ),
    "asset_yields.csv": ("asset_class", "yield"),
    "settings.toml": (),
})
EARNING_BASES = (
    "daily", "monthly", "24ths", "8ths", "12ths", "expiry_month", "loan", "curve", "immediate",
    "at_expiry",
)
PERSPECTIVES = ("overall", "insurer", "agent")
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
class PlanBasis:
    """The business plan of one product kind for the forward projection (plan.csv)."""

    product_kind: str
    renewal_rate: float  # share of the premium expiring that renews (the survivors' premium)
    new_business_rate: float  # monthly new premium / the close period's monthly written premium
    growth_rate: float  # annual growth of the monthly new premium
    term_months: int  # cover of a renewal or a new policy
    commission_rate: float  # share of the written premium paid as commission when written
    ceded_share: float  # quota share of the programme's treaty (premium ceded, claims recovered)
    fixed_expense_share: float  # share of the close's operating expenses that is fixed
    reporting_pattern: tuple[float, ...]  # share of a month's claims reported 0, 1, ... months later
    instalments: int  # premiums paid per term, evenly, in advance (1: a single premium)
    savings_share: float  # share of the premium earned credited to the savings (the ALR)


@dataclass(frozen=True)
class AssumptionSet:
    set_id: str
    set_hash: str
    path: Path
    file_hashes: Mapping[str, str]
    reserving: Mapping[str, ReservingBasis]  # by product kind
    ledger_map: pd.DataFrame  # line, p_code, sign
    asset_map: pd.DataFrame  # asset_class, admitted_code, non_admitted_code, liquid_share
    liability_map: pd.DataFrame  # kind, short_code (due within the horizon), long_code
    liquidity_factors: Mapping[str, float]  # item -> share payable within the horizon
    thresholds: Mapping[int, Mapping[str, Threshold]]  # edition -> indicator -> threshold
    settings: Settings  # typed sections: ``a.settings.ibnr.max_origin_years``
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
    stress_scenarios: tuple[Scenario, ...]  # the library of stress_scenarios.csv, file order
    management_actions: tuple[Action, ...]  # the library of management_actions.csv, file order
    plan_bases: Mapping[str, PlanBasis] = dataclass_field(default_factory=dict)  # plan.csv
    asset_yields: Mapping[str, float] = dataclass_field(default_factory=dict)  # by class
    # A set derived from another (reserva.io.variants.derive): the parent's set hash and the
    # canonical JSON of the overrides; None for a set read from its folder.
    parent_hash: str | None = None
    overrides: str | None = None
    parent_path: Path | None = None  # a derived set: its parent's folder (``path`` is a copy)

    def projection(self, product_kind: str) -> ProjectionBasis:
        try:
            return self.projection_bases[product_kind]
        except KeyError:
            raise AssumptionError(
                f"assumption set {self.set_id}: projection.csv has no row for product kind "
                f"{product_kind!r}; fix: add a row for it (basis none to leave it out)"
            ) from None

    def plan(self, product_kind: str) -> PlanBasis:
        try:
            return self.plan_bases[product_kind]
        except KeyError:
            raise AssumptionError(
                f"assumption set {self.set_id}: plan.csv has no row for product kind "
                f"{product_kind!r}; fix: add a row for it (renewal and new business rates 0 to "
                "project only its run-off)"
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


class SetProblems(AssumptionError):
    """Problems of an assumption set's files, every one at once: ``str`` is one sentence
    listing them, ``lines()`` (what the CLI prints) a summary and one line each, ``cells``
    one ``BadCell`` each."""

    def __init__(self, set_name: str, problems: list[Problem]):
        self.problems = list(problems)
        self.cells = [p.cell for p in self.problems]
        files = sorted({c.file for c in self.cells})
        n = len(self.problems)
        self.summary = f"assumption set {set_name}: {n} problems in {', '.join(files)}"
        head = f"{self.summary}: " if n > 1 else f"assumption set {set_name}: "
        super().__init__(head + "; ".join(p.text for p in self.problems))

    def lines(self) -> list[str]:
        if len(self.problems) == 1:
            return [str(self)]
        shown = [p.text for p in self.problems[:MAX_CELL_LINES]]
        rest = len(self.problems) - len(shown)
        more = [f"... and {rest} more problem{'s' if rest != 1 else ''}"] if rest > 0 else []
        return [self.summary, *shown, *more]


class _Problems:
    """Every problem of a set's files, collected file by file and raised once (``raise_all``).

    A problem is a ``Problem``: a ``BadCell`` (file, line, column, value, expected, fix) and
    the sentence shown. ``add`` words a cell as ``<file> line <n> <column> = <value>, expected
    <what>`` unless given its own sentence.
    """

    def __init__(self, set_name: str):
        self.set_name = set_name
        self.items: list[Problem] = []

    def add(self, file: str, row: int | None, column: str | None, value, expected: str,
            text: str | None = None, fix: str = "") -> None:
        said = text or f"{file} line {row} {column} = {value!r}, expected {expected}"
        self.items.append(Problem(BadCell(file, row, column, str(value), expected, fix), said))

    def has(self, *files: str) -> bool:
        """Whether any of ``files`` has a problem."""
        return any(p.cell.file in files for p in self.items)

    def guard(self, file: str, parse, *args, default=None):
        """``parse(*args)``, or ``default`` with a problem naming ``file`` if a value of it
        cannot be read (a value no check foresaw)."""
        try:
            return parse(*args)
        except EngineError:
            raise
        except (ValueError, TypeError, KeyError) as exc:
            self.add(file, None, None, "", "plain decimal numbers and the codes the README lists",
                     f"{file}: a value of its files cannot be read ({type(exc).__name__}: {exc})")
            return default

    def raise_all(self) -> None:
        """One AssumptionError (``SetProblems``) listing every problem."""
        if self.items:
            raise SetProblems(self.set_name, self.items)


def _probability(p: _Problems, i: int, row) -> float:
    text = str(row["ocs_payment_probability"]).strip()
    if text == "experience":
        return float("nan")
    value = _number(text)
    if value is None or not 0.0 <= value <= 1.0:
        p.add("reserving.csv", i, "ocs_payment_probability", text,
              "a probability between 0 and 1 or 'experience'",
              f"reserving.csv {row['product_kind']}: ocs_payment_probability {text!r}, expected a "
              "probability between 0 and 1 or 'experience'")
        return float("nan")
    return value


def _bool(value) -> bool:
    return str(value).strip().lower() in ("true", "1", "yes")


def _opt_float(value) -> float | None:
    return None if pd.isna(value) or value == "" else float(value)


def _read_settings(p: _Problems, set_dir: Path) -> Settings | None:
    """settings.toml of a set, typed by its declaration (``reserva.io.settings``): an unknown
    section or key, a missing key, a value of the wrong type or out of range is a problem."""
    name = "settings.toml"
    try:
        text = (set_dir / name).read_text(encoding="utf-8")
        doc = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        p.add(name, None, None, "", "TOML text",
              f"{name} cannot be read ({exc}); fix: correct the TOML syntax")
        return None
    settings, problems = parse_settings(doc, file=name, text=text)
    p.items.extend(problems)
    return settings


def load_assumptions(set_id: str = "default", root: Path | None = None) -> AssumptionSet:
    """Read and verify an assumption set; raises AssumptionError naming what is wrong.

    Every problem of every file is reported at once (file, line, column, value, expected; the
    error's ``cells`` hold them as ``BadCell``). A value that no check foresaw and that cannot
    be read as the number or code it stands for still ends as an AssumptionError (never a bare
    ValueError), quoting it.
    """
    try:
        return _load_assumptions(set_id, root)
    except EngineError:  # InputError, AssumptionError are ValueErrors too: already precise
        raise
    except (ValueError, TypeError, KeyError) as exc:
        raise AssumptionError(
            f"assumption set {Path(str(set_id)).name}: a value of its files cannot be read "
            f"({type(exc).__name__}: {exc}); fix: write plain decimal numbers and the codes the "
            "README lists, then run `reserva assumptions hash` on the set") from exc


def _set_dir(set_id: str, root: Path | None) -> Path:
    root = Path(root) if root else default_root()
    set_dir = Path(set_id) if Path(set_id).is_dir() else root / set_id
    if not set_dir.is_dir():
        raise AssumptionError(
            f"assumption set {set_id!r} not found under {root}; "
            "fix: pass --assumptions with a set folder name or path"
        )
    return set_dir


def _check_manifest(set_dir: Path) -> tuple[dict, dict]:
    """(manifest, listed files -> sha256); refused unless every file matches its hash."""
    manifest = _read_manifest(set_dir)
    listed: dict = manifest.get("files", {})
    problems = []
    absent = [n for n in REQUIRED_FILES if n not in listed and not (set_dir / n).exists()]
    if absent:  # a set written before the file was required: hashing again cannot help
        raise AssumptionError(
            f"assumption set {set_dir.name}: {', '.join(absent)} missing (every set needs "
            f"{'them' if len(absent) > 1 else 'it'}); fix: copy "
            f"{'them' if len(absent) > 1 else 'it'} from the bundled default set "
            f"({default_root() / 'default'}) and adapt, then run "
            f"`reserva assumptions hash {set_dir}`"
        )
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
    return manifest, listed


def _frames(p: _Problems, set_dir: Path) -> dict[str, pd.DataFrame]:
    """Every CSV file of REQUIRED_FILES as text cells; one without its columns is left out."""
    frames = {}
    for name, columns in REQUIRED_FILES.items():
        if not name.endswith(".csv"):
            continue
        frame = p.guard(name, lambda path: pd.read_csv(path, dtype=str, keep_default_na=False),
                        set_dir / name)
        if frame is None:
            continue
        missing = [c for c in columns if c not in frame.columns]
        if missing:
            p.add(name, 1, None, ",".join(frame.columns), f"the columns {', '.join(columns)}",
                  f"{name} lacks column(s) {', '.join(missing)}", fix="add them")
            continue
        frames[name] = frame
    return frames


def _load_assumptions(set_id: str, root: Path | None) -> AssumptionSet:
    set_dir = _set_dir(set_id, root)
    manifest, listed = _check_manifest(set_dir)
    p = _Problems(set_dir.name)
    frames = _frames(p, set_dir)
    empty = None  # a file with problems: the set is refused below, its value never used

    def parse(name: str, fn, *args, default):
        """``fn(p, frame, *args)`` for a file read with its columns, else ``default``."""
        if name not in frames:
            return default
        return p.guard(name, fn, p, frames[name], *args, default=default)

    settings = _read_settings(p, set_dir)
    reserving = parse("reserving.csv", _reserving, default={})
    ledger_map = parse("ledger_map.csv", _ledger_map, default=empty)
    asset_map = parse("asset_map.csv", _asset_map, default=empty)
    liability_map = parse("liability_map.csv", _liability_map, default=empty)
    by_horizon = parse("liquidity_factors.csv", _liquidity_factors, default={})
    thresholds = parse("kpi_thresholds.csv", _thresholds, default={})
    curves = parse("earning_curves.csv", _curves, default={})
    profiles = parse("earning_profiles.csv", _profiles, curves, default={})
    if not p.has("earning_profiles.csv", "earning_curves.csv"):
        _earning_bases(p, reserving, profiles)
    mortality = parse("mortality_tables.csv", _mortality, listed, default={})
    life_basis = parse("life_basis.csv", _life_basis, mortality, default={})
    if not p.has("life_basis.csv", "mortality_tables.csv"):
        _life_kinds(p, reserving, life_basis)
    ibnr_options = parse("ibnr_options.csv", _ibnr_options, default={})
    selections = parse("ibnr_selections.csv", _selections, default=empty)
    patterns = parse("payment_patterns.csv", _patterns, default={})
    crediting = parse("crediting_rates.csv", _crediting, default=empty)
    projection = parse("projection.csv", _projection, default={})
    new_business = parse("new_business.csv", _new_business, default=empty)
    limits = parse("investment_limits.csv", _limits, default=empty)
    scenarios = parse("stress_scenarios.csv", _scenarios, reserving, asset_map, default=())
    actions = parse("management_actions.csv", _actions, reserving, default=())
    plan = parse("plan.csv", _plan, projection, default={})
    yields = parse("asset_yields.csv", _asset_yields, asset_map, default={})
    p.raise_all()
    return AssumptionSet(
        set_id=manifest.get("set_id", set_dir.name),
        set_hash=set_hash(listed),
        path=set_dir,
        file_hashes=MappingProxyType(dict(listed)),
        reserving=MappingProxyType(reserving),
        ledger_map=ledger_map,
        asset_map=asset_map,
        liability_map=liability_map,
        liquidity_factors=MappingProxyType(by_horizon.get(3, {})),
        thresholds=MappingProxyType({k: MappingProxyType(v) for k, v in thresholds.items()}),
        settings=settings,
        earning_profiles=MappingProxyType(profiles),
        earning_curves=MappingProxyType(curves),
        ibnr_options=MappingProxyType(ibnr_options),
        ibnr_selections=selections,
        payment_patterns=MappingProxyType(patterns),
        mortality=MappingProxyType(mortality),
        life_basis=MappingProxyType(life_basis),
        crediting_rates=crediting,
        projection_bases=MappingProxyType(projection),
        new_business=new_business,
        investment_limits=limits,
        liquidity_factors_by_horizon=MappingProxyType(
            {h: MappingProxyType(f) for h, f in by_horizon.items()}),
        stress_scenarios=scenarios,
        management_actions=actions,
        plan_bases=MappingProxyType(plan),
        asset_yields=MappingProxyType(yields),
    )


RESERVING_CODES = (
    ("ibnr_method", IBNR_METHODS), ("thin_fallback", IBNR_METHODS), ("ocs_basis", OCS_BASES),
    ("alr_method", ALR_METHODS), ("refund_rule", REFUND_RULES),
)


def _reserving(p: _Problems, frame: pd.DataFrame) -> dict[str, ReservingBasis]:
    """reserving.csv: one ReservingBasis per product kind; codes checked against their lists."""
    name = "reserving.csv"
    out = {}
    for i, row in enumerate(frame.to_dict("records"), start=2):
        kind, ok = row["product_kind"], True
        for field, allowed in RESERVING_CODES:
            if row[field] not in allowed:
                ok = False
                p.add(name, i, field, row[field], f"one of {', '.join(allowed)}",
                      f"{name} {kind} {field} = {row[field]!r}, expected one of "
                      f"{', '.join(allowed)}")
        numbers = {}
        for column, read, what in (("expected_loss_ratio", float, "a number"),
                                   ("min_claims_for_chain_ladder", int, "a whole number")):
            try:
                numbers[column] = read(row[column])
            except ValueError as exc:
                ok = False
                p.add(name, i, column, row[column], what,
                      f"{name} line {i} {column}: a value of its files cannot be read "
                      f"(ValueError: {exc}), expected {what}")
        before = len(p.items)
        probability = _probability(p, i, row)
        if ok and len(p.items) == before:
            out[kind] = ReservingBasis(
                product_kind=kind,
                earning_basis=row["earning_basis"],
                ibnr_method=row["ibnr_method"],
                ocs_basis=row["ocs_basis"],
                ocs_payment_probability=probability,
                alr_method=row["alr_method"],
                renewal_applicable=_bool(row["renewal_applicable"]),
                min_claims_for_chain_ladder=numbers["min_claims_for_chain_ladder"],
                refund_rule=row["refund_rule"],
                expected_loss_ratio=numbers["expected_loss_ratio"],
                thin_fallback=row["thin_fallback"],
            )
    return out


def _earning_bases(p: _Problems, reserving: Mapping[str, ReservingBasis], profiles) -> None:
    """Each kind's earning basis is a plain basis or a profile of earning_profiles.csv."""
    for basis in reserving.values():
        if basis.earning_basis in ("loan", "curve"):
            p.add("reserving.csv", None, "earning_basis", basis.earning_basis,
                  "a basis without parameter or a profile",
                  f"reserving.csv {basis.product_kind} earning_basis {basis.earning_basis!r} "
                  "needs a parameter (loan rate or curve name); fix: define a profile in "
                  "earning_profiles.csv and name it instead")
        elif basis.earning_basis not in EARNING_BASES and not any(
                q == basis.earning_basis for q, _ in profiles):
            p.add("reserving.csv", None, "earning_basis", basis.earning_basis,
                  "a basis or a profile of earning_profiles.csv",
                  f"reserving.csv {basis.product_kind} earning_basis {basis.earning_basis!r} is "
                  "neither a basis nor a profile of earning_profiles.csv")


def _life_kinds(p: _Problems, reserving: Mapping[str, ReservingBasis], life_basis) -> None:
    """A kind valued by a premium ALR method needs a row of life_basis.csv."""
    for basis in reserving.values():
        if basis.alr_method.endswith("_premium") and basis.product_kind not in life_basis:
            p.add("life_basis.csv", None, "product_kind", basis.product_kind,
                  "a row for each kind valued by a premium method",
                  f"reserving.csv {basis.product_kind} alr_method {basis.alr_method!r} needs a "
                  "row of life_basis.csv; fix: add one")


def _ledger_map(p: _Problems, frame: pd.DataFrame) -> pd.DataFrame:
    """ledger_map.csv: line -> P-code and sign (a number)."""
    _cells(p, "ledger_map.csv", frame, {"sign": (float, "a number (1 or -1)")})
    if p.has("ledger_map.csv"):
        return frame
    return frame.assign(sign=lambda d: d["sign"].astype(float))


def _thresholds(p: _Problems, frame: pd.DataFrame) -> dict[int, dict[str, Threshold]]:
    """kpi_thresholds.csv: edition -> indicator -> threshold (empty bound = none)."""
    rows = _cells(p, "kpi_thresholds.csv", frame, {
        "edition": (int, "a handbook edition (1 or 2)"),
        "lower": (_blank_or(float), "a number or empty"),
        "upper": (_blank_or(float), "a number or empty"),
    })
    thresholds: dict[int, dict[str, Threshold]] = {}
    if p.has("kpi_thresholds.csv"):
        return thresholds
    for r, raw in zip(rows, frame.to_dict("records"), strict=True):
        thresholds.setdefault(r["edition"], {})[r["indicator"]] = Threshold(
            indicator=r["indicator"],
            lower=_opt_float(raw["lower"]),
            upper=_opt_float(raw["upper"]),
            lower_inclusive=_bool(r["lower_inclusive"]),
            upper_inclusive=_bool(r["upper_inclusive"]),
            source=r.get("source", ""),
        )
    return thresholds


def _cells(p: _Problems, file: str, frame: pd.DataFrame, spec: dict) -> list[dict]:
    """Parse columns of every row by ``spec`` (column -> (parser, expected)); every bad cell
    is a problem (its value left as the text, and the row marked ``_bad``)."""
    rows = []
    for i, raw in enumerate(frame.to_dict("records"), start=2):
        row = dict(raw)
        for col, (parse, expected) in spec.items():
            text = str(raw[col]).strip()
            try:
                row[col] = parse(text)
            except (TypeError, ValueError):
                p.add(file, i, col, text, expected)
                row["_bad"] = True
        rows.append(row)
    return rows


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


def _mortality(p: _Problems, frame: pd.DataFrame, listed: Mapping) -> dict:
    """mortality_tables.csv: every table named once, its source complete (files in the manifest)."""
    name = "mortality_tables.csv"
    rows = _cells(p, name, frame, {
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
            p.add(name, i, "source", source, f"one of {', '.join(MORTALITY_SOURCES)}",
                  f"{where} source = {source!r}, expected one of {', '.join(MORTALITY_SOURCES)}")
            continue
        if row["table"] in out:
            p.add(name, i, "table", row["table"], "each table named once",
                  f"{where} table {row['table']!r} is named twice")
        if source == "makeham" and None in (row["law_a"], row["law_b"], row["law_c"],
                                            row["min_age"], row["max_age"]):
            p.add(name, i, None, "", "law_a, law_b, law_c, min_age and max_age",
                  f"{where}: a makeham table needs law_a, law_b, law_c, min_age and max_age")
        if source in ("csv", "xtbml") and row["file"] not in listed:
            p.add(name, i, "file", row["file"], "a file of the set listed in its manifest",
                  f"{where} file = {row['file']!r}, expected a file of the set listed in its "
                  "manifest")
        if source == "package" and row["package_id"] is None:
            p.add(name, i, "package_id", "", "a table id",
                  f"{where}: a package table needs package_id")
        if not str(row["provenance"]).strip():
            p.add(name, i, "provenance", "", "where the numbers come from",
                  f"{where}: provenance is empty; say where the numbers come from")
        if row.get("_bad"):
            continue
        law = tuple(float(row[k] or 0.0) for k in ("law_a", "law_b", "law_c"))
        out[row["table"]] = MortalitySpec(
            row["table"], source, row["file"], row["package_id"], law,
            int(row["min_age"] or 0), int(row["max_age"] or 0), str(row["provenance"]).strip())
    return {} if p.has(name) else out


def _life_basis(p: _Problems, frame: pd.DataFrame, mortality: Mapping) -> dict:
    name = "life_basis.csv"
    rows = _cells(p, name, frame, {
        "interest_rate": (_rate, "an annual rate between -0.5 and 1"),
        "initial_expense": (_amount, "a share >= 0 of one annual premium"),
        "renewal_expense": (_share, "a share in [0, 1) of each premium"),
        "per_policy_expense": (_amount, "an amount >= 0"),
        "claim_expense": (_amount, "a share >= 0 of the death benefit"),
    })
    check_tables = not p.has("mortality_tables.csv")
    for i, row in enumerate(rows, start=2):
        if check_tables and row["mortality_table"] not in mortality:
            p.add(name, i, "mortality_table", row["mortality_table"],
                  "a table of mortality_tables.csv")
    if p.has(name):
        return {}
    return {row["product_kind"]: LifeBasis(**{k: row[k] for k in LifeBasis.__dataclass_fields__})
            for row in rows}


def _crediting(p: _Problems, frame: pd.DataFrame) -> pd.DataFrame:
    """crediting_rates.csv: guaranteed (and optionally credited) rate per product kind from a date."""
    rows = _cells(p, "crediting_rates.csv", frame, {
        "from_date": (lambda t: np.datetime64(t, "D"), "a date YYYY-MM-DD"),
        "credited_rate": (_blank_or(_rate), "an annual rate or empty (the rate of the data)"),
        "guaranteed_rate": (_rate, "an annual rate"),
    })
    columns = ["product_kind", "from_date", "credited_rate", "guaranteed_rate"]
    if p.has("crediting_rates.csv"):
        return pd.DataFrame(columns=columns)
    out = pd.DataFrame(rows, columns=columns)
    out["credited_rate"] = out["credited_rate"].astype("float64")
    return out.sort_values(["product_kind", "from_date"], ignore_index=True)


def _patterns(p: _Problems, frame: pd.DataFrame) -> dict:
    """Payment patterns of the unpaid reserves by product kind: shares by period, adding to 1."""
    out = {}
    for kind, rows in frame.groupby("product_kind", sort=True):
        periods = [_number(x) for x in rows["period"]]
        shares = [_number(x) for x in rows["share"]]
        ok = (all(q is not None for q in periods) and all(x is not None and x >= 0 for x in shares)
              and sorted(int(q) for q in periods) == list(range(1, len(periods) + 1))
              and abs(sum(shares) - 1.0) <= 1e-9)
        if not ok:
            p.add("payment_patterns.csv", int(rows.index[0]) + 2, "product_kind", kind,
                  "periods 1, 2, ... with shares >= 0 adding up to 1",
                  f"payment_patterns.csv {kind!r}: expected periods 1, 2, ... with shares >= 0 "
                  "adding up to 1")
            continue
        order = np.argsort([int(q) for q in periods])
        out[str(kind)] = tuple(float(shares[i]) for i in order)
    return out


def _selections(p: _Problems, frame: pd.DataFrame) -> pd.DataFrame:
    """The actuary's judgements: a selected factor from a lag (kind ``factor``), or a link
    ratio left out of the average (kind ``exclude``, for one origin)."""
    for i, r in enumerate(frame.to_dict("records"), start=2):
        lag = _number(r["from_lag"])
        ok = r["kind"] in ("factor", "exclude") and lag is not None and lag >= 1
        if r["kind"] == "factor":
            f = _number(r["factor"])
            ok = ok and f is not None and f > 0
        if r["kind"] == "exclude":
            ok = ok and bool(pd.to_datetime(r["origin_start"], errors="coerce") is not pd.NaT)
        if not ok:
            p.add("ibnr_selections.csv", i, None, ",".join(str(v) for v in r.values()),
                  "kind factor (from_lag >= 1, factor > 0) or exclude (origin_start YYYY-MM-DD, "
                  "from_lag >= 1)",
                  f"ibnr_selections.csv line {i}: expected kind factor (from_lag >= 1, "
                  "factor > 0) or exclude (origin_start YYYY-MM-DD, from_lag >= 1)")
    return frame.copy()


def _ibnr_options(p: _Problems, frame: pd.DataFrame) -> dict:
    out = {}
    for i, r in enumerate(frame.to_dict("records"), start=2):
        n_periods = _number(r["n_periods"]) if r["n_periods"] != "" else None
        numbers = [_number(r[c]) for c in ("drop_high", "drop_low", "max_link_ratio")]
        tail = r["tail"] if r["tail"] == "exponential" else _number(r["tail"])
        if (r["average"] not in ("volume", "simple", "regression")
                or r["sigma_extrapolation"] not in ("mack", "log-linear")
                or any(x is None or x < 0 for x in numbers)
                or (n_periods is not None and n_periods < 1)
                or tail is None or (not isinstance(tail, str) and tail < 1.0)):
            p.add("ibnr_options.csv", i, None, r["product_kind"], "valid options",
                  f"ibnr_options.csv {r['product_kind']}: expected average "
                  "volume|simple|regression, n_periods empty or >= 1, drop_high/drop_low >= 0, "
                  "tail >= 1 or 'exponential', sigma_extrapolation mack|log-linear, "
                  "max_link_ratio >= 0")
            continue
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


def _curves(p: _Problems, frame: pd.DataFrame) -> dict:
    """Cumulative earning curves: x strictly increasing in (0, 1] ending at 1, y rising to 1."""
    name = "earning_curves.csv"
    _cells(p, name, frame, {"elapsed_fraction": (float, "a number"),
                            "earned_fraction": (float, "a number")})
    if p.has(name):
        return {}
    curves = {}
    for curve, rows in frame.groupby("curve", sort=True):
        x = tuple(float(v) for v in rows["elapsed_fraction"])
        y = tuple(float(v) for v in rows["earned_fraction"])
        ok = (
            all(b > a for a, b in zip((0.0, *x), x, strict=False))
            and all(b >= a for a, b in zip((0.0, *y), y, strict=False))
            and x[-1] == 1.0 and y[-1] == 1.0
        )
        if not ok:
            p.add(name, int(rows.index[0]) + 2, "curve", curve,
                  "elapsed fractions rising strictly to 1 and earned fractions rising to 1",
                  f"earning_curves.csv curve {curve!r} must have elapsed fractions rising "
                  "strictly to 1 and earned fractions rising to 1")
            continue
        curves[str(curve)] = (x, y)
    return curves


def _profiles(p: _Problems, frame: pd.DataFrame, curves: dict) -> dict:
    """(profile, perspective) -> components; rows of perspective `all` apply to every one."""
    out: dict = {}
    bad = set()  # (line, column) already reported
    for name, rows in frame.groupby("profile", sort=True):
        for perspective in PERSPECTIVES:
            comps = []
            for component, crow in rows.groupby("component", sort=False):
                pick = crow[crow["perspective"] == perspective]
                if pick.empty:
                    pick = crow[crow["perspective"] == "all"]
                if pick.empty:
                    p.add("earning_profiles.csv", int(crow.index[0]) + 2, "perspective",
                          ",".join(crow["perspective"]), f"a row for {perspective} or all",
                          f"earning profile {name!r} component {component!r} has no row for "
                          f"the {perspective} perspective (or all)")
                    continue
                r, line = pick.iloc[0], int(pick.index[0]) + 2
                ok = _component(p, bad, name, component, r, line, curves)
                if ok:
                    comps.append(EarningComponent(str(component), float(r["share"]), r["basis"],
                                                  str(r["param"])))
            if len(comps) < rows["component"].nunique():
                continue
            total = sum(c.share for c in comps)
            if abs(total - 1.0) > 1e-9:
                p.add("earning_profiles.csv", int(rows.index[0]) + 2, "share", f"{total:g}",
                      "shares adding up to 1",
                      f"earning profile {name!r} shares add up to {total:g} for the "
                      f"{perspective} perspective, expected 1")
            out[(str(name), perspective)] = tuple(comps)
    return out


def _component(p: _Problems, bad: set, name, component, r, line: int, curves: dict) -> bool:
    """Whether one component row of a profile is valid; each bad cell reported once."""
    problems = []
    if r["basis"] not in EARNING_BASES:
        problems.append(("basis", r["basis"], f"one of {', '.join(EARNING_BASES)}",
                         f"earning profile {name!r} basis {r['basis']!r}, expected one of "
                         f"{', '.join(EARNING_BASES)}"))
    share = _number(r["share"])
    if share is None or share < 0:
        problems.append(("share", r["share"], "a number >= 0",
                         f"earning profile {name!r} component {component!r} share "
                         f"{r['share']!r}, expected a number >= 0"))
    if r["basis"] == "loan":
        rate = _number(r["param"])
        if rate is None or rate < 0:
            problems.append(("param", r["param"], "the loan's annual interest rate >= 0",
                             f"earning profile {name!r} component {component!r} uses the loan "
                             f"basis with param {r['param']!r}, expected the loan's annual "
                             "interest rate as a number >= 0 (0.24)"))
    if r["basis"] == "curve" and r["param"] not in curves:
        problems.append(("param", r["param"], "a curve of earning_curves.csv",
                         f"earning profile {name!r} uses curve {r['param']!r}, which "
                         "earning_curves.csv does not define"))
    for column, value, expected, text in problems:
        if (line, column) not in bad:
            bad.add((line, column))
            p.add("earning_profiles.csv", line, column, value, expected, text)
    return not problems


def _asset_map(p: _Problems, frame: pd.DataFrame) -> pd.DataFrame:
    """asset_map.csv: ``liquid_share`` counted as cash; ``haircut`` empty = not immediately
    convertible, else convertible at (1 - haircut) of its value."""
    rows = _cells(p, "asset_map.csv", frame, {
        "liquid_share": (_unit, "a share in [0, 1]"),
        "haircut": (_blank_or(_unit), "empty (not convertible at once) or a haircut in [0, 1]"),
    })
    if p.has("asset_map.csv"):
        return frame
    out = pd.DataFrame(rows, columns=list(frame.columns))
    out["liquid_share"] = out["liquid_share"].astype("float64")
    out["haircut"] = pd.to_numeric(out["haircut"]).astype("float64")
    return out


def _liability_map(p: _Problems, frame: pd.DataFrame) -> pd.DataFrame:
    """liability_map.csv: each liability kind once, with the B-code when due within the
    horizon (``short_code``) and after it (``long_code``)."""
    name = "liability_map.csv"
    seen = set()
    for i, row in enumerate(frame.to_dict("records"), start=2):
        kind = str(row["kind"]).strip()
        if not kind or kind in seen:
            p.add(name, i, "kind", kind, "a liability kind, each once")
        seen.add(kind)
        for column in ("short_code", "long_code"):
            if str(row[column]).strip() not in LIABILITY_CODES:
                p.add(name, i, column, row[column], "a liability line of the balance sheet "
                      f"({', '.join(LIABILITY_CODES)})")
    return frame.copy()


# the balance-sheet lines of liabilities other than the reserves (E2 BRS01)
LIABILITY_CODES = ("B21", "B26", "B28", "B30", "B32")


def _unit(text: str) -> float:
    value = float(text)
    if not 0.0 <= value <= 1.0:
        raise ValueError(text)
    return value


def _liquidity_factors(p: _Problems, frame: pd.DataFrame) -> dict[int, dict[str, float]]:
    """liquidity_factors.csv: share of each item payable within ``horizon_months`` (3 if the
    column is absent or empty), one factor per item and horizon."""
    name = "liquidity_factors.csv"
    spec = {"factor": (_unit, "a share in [0, 1]")}
    if "horizon_months" in frame.columns:
        spec["horizon_months"] = (_blank_or(_whole), "a whole number of months >= 1")
    rows = _cells(p, name, frame, spec)
    out: dict[int, dict[str, float]] = {}
    for i, row in enumerate(rows, start=2):
        h = row.get("horizon_months") or 3
        if isinstance(h, str) or isinstance(row["factor"], str):
            continue
        if row["item"] in out.get(h, {}):
            p.add(name, i, "item", row["item"], "each item once per horizon",
                  f"{name} line {i}: item {row['item']!r} is given twice for {h} months")
        else:
            out.setdefault(int(h), {})[row["item"]] = float(row["factor"])
    return {} if p.has(name) else out


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


def _projection(p: _Problems, frame: pd.DataFrame) -> dict[str, ProjectionBasis]:
    """projection.csv: one row per product kind (see ProjectionBasis)."""
    name = "projection.csv"
    rows = _cells(p, name, frame, {
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
                p.add(name, i, col, row[col], f"one of {', '.join(allowed)}")
        if (row["claims_basis"] == "frequency_severity"
                and (row["frequency"] is None or row["severity"] is None)):
            p.add(name, i, None, "", "frequency and severity",
                  f"{name} line {i}: the frequency_severity basis needs frequency and severity")
        if row["product_kind"] in out:
            p.add(name, i, "product_kind", row["product_kind"], "one row per product kind",
                  f"{name} line {i}: product kind {row['product_kind']!r} twice")
        if not p.has(name):
            out[row["product_kind"]] = ProjectionBasis(
                **{k: row[k] for k in ProjectionBasis.__dataclass_fields__})
    return {} if p.has(name) else out


def _plan(p: _Problems, frame: pd.DataFrame, projection: Mapping) -> dict[str, PlanBasis]:
    """plan.csv: one row per product kind (see PlanBasis); the reporting pattern never behind
    the kind's settlement pattern of projection.csv (a claim is reported before it is paid)."""
    name = "plan.csv"
    rows = _cells(p, name, frame, {
        "renewal_rate": (_unit, "a share in [0, 1]"),
        "new_business_rate": (_amount, "a ratio >= 0 of the close's monthly written premium"),
        "growth_rate": (_rate, "an annual rate between -0.5 and 1"),
        "term_months": (_whole, "a whole number of months >= 1"),
        "commission_rate": (_unit, "a share in [0, 1] of the written premium"),
        "ceded_share": (_unit, "a share in [0, 1]"),
        "fixed_expense_share": (_unit, "a share in [0, 1]"),
        "reporting_pattern": (_pattern, "shares >= 0 by month of lag separated by ';' adding "
                                        "to 1"),
        "instalments": (_whole, "a whole number >= 1 of premiums per term"),
        "savings_share": (_unit, "a share in [0, 1] of the premium"),
    })
    out = {}
    for i, row in enumerate(rows, start=2):
        kind = row["product_kind"]
        if kind in out:
            p.add(name, i, "product_kind", kind, "one row per product kind",
                  f"{name} line {i}: product kind {kind!r} twice")
            continue
        if row.get("_bad"):
            continue
        if row["term_months"] % row["instalments"]:
            p.add(name, i, "instalments", row["instalments"],
                  f"a divisor of term_months ({row['term_months']}): premiums every whole "
                  "number of months")
            continue
        basis = projection.get(kind)
        if basis is not None:
            rep_cum = np.cumsum(row["reporting_pattern"])
            pay_cum = np.cumsum(basis.settlement_pattern)
            k = max(rep_cum.size, pay_cum.size)
            rep_cum = np.pad(rep_cum, (0, k - rep_cum.size), constant_values=1.0)
            pay_cum = np.pad(pay_cum, (0, k - pay_cum.size), constant_values=1.0)
            if np.any(rep_cum < pay_cum - 1e-9):
                p.add(name, i, "reporting_pattern", ";".join(map(str, row["reporting_pattern"])),
                      "claims reported no later than paid: the cumulative reporting pattern at "
                      "least projection.csv's cumulative settlement pattern at every lag")
                continue
        out[kind] = PlanBasis(**{k: row[k] for k in PlanBasis.__dataclass_fields__})
    return {} if p.has(name) else out


def _asset_yields(p: _Problems, frame: pd.DataFrame,
                  asset_map: pd.DataFrame | None) -> dict[str, float]:
    """asset_yields.csv: the annual investment yield of each asset class of asset_map.csv
    (the forward projection's investment income)."""
    name = "asset_yields.csv"
    rows = _cells(p, name, frame, {"yield": (_rate, "an annual rate between -0.5 and 1")})
    classes = (None if asset_map is None or p.has("asset_map.csv")
               else {str(c) for c in asset_map["asset_class"]})
    out = {}
    named = {str(row["asset_class"]).strip() for row in rows}
    for i, row in enumerate(rows, start=2):
        cls = str(row["asset_class"]).strip()
        if classes is not None and cls not in classes:
            p.add(name, i, "asset_class", cls, "an asset class of asset_map.csv")
        elif cls in out:
            p.add(name, i, "asset_class", cls, "each asset class once")
        elif not row.get("_bad"):
            out[cls] = float(row["yield"])
    if classes is not None:
        missing = sorted(classes - named)
        if missing:
            p.add(name, None, "asset_class", "", "every class of asset_map.csv",
                  f"{name}: no yield for asset class(es) {', '.join(missing)}; fix: add a row "
                  "for each")
    return {} if p.has(name) else out


def _new_business(p: _Problems, frame: pd.DataFrame) -> pd.DataFrame:
    """new_business.csv: optional sales per product (none when the file has no rows)."""
    rows = _cells(p, "new_business.csv", frame, {
        "monthly_premium": (_amount, "a premium >= 0 sold each month"),
        "months": (lambda t: int(_amount(t)), "a whole number of months of sales >= 0"),
        "term_months": (_whole, "a whole number of months >= 1"),
        "commission_rate": (_amount, "a share >= 0 of the premium"),
    })
    columns = ["product_id", "monthly_premium", "months", "term_months", "commission_rate"]
    seen: set[str] = set()
    for i, row in enumerate(rows, start=2):
        pid = str(row["product_id"]).strip()
        if pid in seen:
            p.add("new_business.csv", i, "product_id", pid, "each product once",
                  f"new_business.csv line {i}: product {pid!r} twice (only one row of sales "
                  "per product)")
        seen.add(pid)
    if p.has("new_business.csv"):
        return pd.DataFrame(columns=columns)
    return pd.DataFrame([{c: r[c] for c in columns} for r in rows], columns=columns)


def _scenarios(p: _Problems, frame: pd.DataFrame, reserving: Mapping,
               asset_map: pd.DataFrame | None) -> tuple[Scenario, ...]:
    """stress_scenarios.csv (``reserva.io.scenarios``): product kinds checked against
    reserving.csv and asset classes against asset_map.csv, when those files are good."""
    name = "stress_scenarios.csv"
    kinds = None if p.has("reserving.csv") else tuple(reserving)
    classes = (None if asset_map is None or p.has("asset_map.csv")
               else tuple(str(c) for c in asset_map["asset_class"]))
    scenarios, cells = check_scenarios(frame, file=name, product_kinds=kinds,
                                       asset_classes=classes)
    for c in cells:
        p.add(c.file, c.row, c.column, c.value, c.expected, fix=c.fix)
    return scenarios


def _actions(p: _Problems, frame: pd.DataFrame, reserving: Mapping) -> tuple[Action, ...]:
    """management_actions.csv (``reserva.io.actions``): product kinds checked against
    reserving.csv when that file is good."""
    kinds = None if p.has("reserving.csv") else tuple(reserving)
    actions, cells = check_actions(frame, file="management_actions.csv", product_kinds=kinds)
    for c in cells:
        p.add(c.file, c.row, c.column, c.value, c.expected, fix=c.fix)
    return actions


def _limits(p: _Problems, frame: pd.DataFrame) -> pd.DataFrame:
    """investment_limits.csv: shares in [0, 1] for the share rules, a rating for min_rating."""
    name = "investment_limits.csv"
    for i, row in enumerate(frame.to_dict("records"), start=2):
        rule, limit = row["rule"], str(row["limit"]).strip()
        if rule not in LIMIT_RULES:
            p.add(name, i, "rule", rule, f"one of {', '.join(LIMIT_RULES)}")
        elif rule != "min_rating":
            try:
                _unit(limit)
            except ValueError:
                p.add(name, i, "limit", limit, "a share in [0, 1]")
        if rule in ("class_share", "min_rating") and not str(row["asset_class"]).strip():
            p.add(name, i, "asset_class", "", f"an asset class for {rule}",
                  f"{name} line {i}: {rule} needs an asset_class")
    return frame[["rule", "asset_class", "limit"]].copy()
