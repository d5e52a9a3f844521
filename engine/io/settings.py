"""The run settings of an assumption set (``settings.toml``), each declared once, typed and documented.

Every key of ``settings.toml`` is a field of one frozen section dataclass below: the field's
name is the key, its annotation the type, and its metadata (``setting(...)``) the unit, the
allowed values or range, the meaning and the source. From this one declaration

- ``parse_settings(doc)`` turns the TOML document of a set into a frozen ``Settings``
  (``a.settings.ibnr.max_origin_years`` is an ``int``), refusing an unknown section or key (naming
  the closest known one), a missing key, a value of the wrong type or outside its range, and a
  value breaking its rule (``Rule``: ``[stress] horizons`` each once, ascending, with 3), every
  problem at once;
- ``settings_doc()`` writes the README's table of settings (``python -m reserva.io.settings``
  prints it; the README holds it between ``<!-- settings:begin -->`` and ``<!-- settings:end -->``
  and a test checks that the two agree).

Types (the annotation, as written): ``int`` a whole number; ``float`` a number (a whole number is
taken as the same number); ``bool`` true or false; ``str`` a quoted text; ``dt.date`` a date
``"YYYY-MM-DD"`` (quoted, or a TOML date); ``tuple[int, ...]`` / ``tuple[str, ...]`` a list
``[...]`` of them; ``float | str`` a number or one of the listed words; ``bool | str`` true, false
or one of the listed words. Lists are held as tuples so that a parsed set is immutable.

Sources: E1/E2 = the first/second edition of the microinsurance performance-indicator handbook
(``L`` = line of its text), spec = ``spec/seed-spec.md``; "illustrative" marks a number chosen
for the default set, to be set by the actuary.
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from reserva.calendar import DAY_COUNTS
from reserva.errors import BadCell

FILE = "settings.toml"
BEGIN = "<!-- settings:begin -->"
END = "<!-- settings:end -->"


@dataclass(frozen=True)
class Rule:
    """A condition on a whole value beyond its type and bounds: its words (added to what is
    expected), the fix, and the test."""

    words: str
    fix: str
    holds: Callable[[Any], bool]


# a list of horizons: each once, ascending, with the 3-month horizon the handbook's ratio uses
HORIZONS = Rule("each once, in ascending order, with 3",
                "list each horizon once, in ascending order, with 3 (e.g. [1, 3, 12])",
                lambda v: 3 in v and list(v) == sorted(set(v)))


# a projected period: a quarter or a year
PERIODS = Rule("3 or 12", "write 3 (quarters) or 12 (years)", lambda v: v in (3, 12))


@dataclass(frozen=True)
class Spec:
    """What one setting may hold and what it means (the metadata of its field)."""

    meaning: str
    unit: str = ""
    min: float | None = None  # inclusive bounds of a number (of each number of a list)
    max: float | None = None
    choices: tuple[str, ...] = ()  # the words a text (or the word of a union) may be
    source: str = ""
    rule: Rule | None = None  # a condition on the whole value (a list's order, ...)


def setting(meaning: str, *, unit: str = "", min: float | None = None,  # noqa: A002
            max: float | None = None, choices: tuple[str, ...] = (),  # noqa: A002
            source: str = "", rule: Rule | None = None):
    """A field of a section: a required key of ``settings.toml`` documented by ``Spec``."""
    return field(metadata={"spec": Spec(meaning, unit, min, max, tuple(choices), source,
                                        rule)})


class Section(Mapping):
    """A section of settings: attributes by key, and read-only mapping access (``s["key"]``)."""

    def __getitem__(self, key: str) -> Any:
        if key not in self.__dataclass_fields__:  # type: ignore[attr-defined]
            raise KeyError(key)
        return getattr(self, key)

    def __iter__(self) -> Iterator[str]:
        return iter(self.__dataclass_fields__)  # type: ignore[attr-defined]

    def __len__(self) -> int:
        return len(self.__dataclass_fields__)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Period(Section):
    """[period]: the span of a close."""

    months: int = setting("a close covers the months ending at the valuation date",
                          unit="months", min=1, max=12, source="house choice (quarterly: 3)")


@dataclass(frozen=True)
class Input(Section):
    """[input]: the limits input data is checked against (``reserva validate`` too)."""

    earliest_date: dt.date = setting(
        "a date before this in any table is an input error (a mistyped year)", unit="date",
        source="house choice")
    latest_date: dt.date = setting(
        "a date after this is an input error (leave an optional date empty rather than "
        "9999-12-31)", unit="date", source="house choice")
    max_money: float = setting("a money cell above this is an input error",
                               unit="programme currency", min=0, source="house choice")
    claim_cover_grace_days: int = setting(
        "a claim's event may fall this many days outside its policy's cover before the pack is "
        "flagged (a warning)", unit="days", min=0, source="house choice")


@dataclass(frozen=True)
class Snapshots(Section):
    """[snapshots]: how old the asset and liability snapshots may be."""

    note_age_days: int = setting(
        "the run notes an asset or liability snapshot older than this at the valuation date",
        unit="days", min=0, source="house choice")
    max_age_days: int = setting(
        "a close whose latest asset or liability snapshot is older than this is refused",
        unit="days", min=0, source="house choice")


@dataclass(frozen=True)
class Ibnr(Section):
    """[ibnr]: the reporting-lag triangles and the bootstrap (per kind: ibnr_options.csv)."""

    origin_grain_months: int = setting("event (origin) period of the reporting-lag triangle",
                                       unit="months", min=1, max=12, source="spec §3.4")
    development_grain_months: int = setting("report-lag (development) period", unit="months",
                                            min=1, max=12, source="spec §3.4")
    segment_by: tuple[str, ...] = setting(
        "claim columns splitting each product's triangle (e.g. [\"cause\"]); methods without "
        "exposure only", unit="claim columns", source="house choice")
    bootstrap_sims: int = setting(
        "ODP bootstrap simulations of the chain-ladder IBNR per close (0 = off, else >= 2)",
        unit="simulations", min=0, source="England & Verrall (2002)")
    bootstrap_seed: int = setting("the bootstrap's seed (same seed, same distribution)",
                                  min=1, max=2**32 - 2, source="house choice")
    max_origin_years: int = setting(
        "triangles start at most this many years before the valuation date; older events are "
        "left out of them (the run notes how many)", unit="years", min=1, source="house choice")


@dataclass(frozen=True)
class Upr(Section):
    """[upr]: how premium components are earned."""

    perspective: str = setting("premium components earned as for the KPIs",
                               choices=("overall", "insurer", "agent"), source="E2 Table 8")


@dataclass(frozen=True)
class Ocs(Section):
    """[ocs]: outstanding claims."""

    experience_days: int = setting(
        "ocs_payment_probability = experience: rejection rate of the claims decided in this "
        "window", unit="days", min=1, source="house choice")


@dataclass(frozen=True)
class Cashflows(Section):
    """[cashflows]: the unpaid claims cashflows and the cashflow grid."""

    horizon_months: int = setting(
        "monthly buckets of the unpaid claims cashflows and of the cashflow grid (projection.csv)",
        unit="months", min=1, source="house choice")
    fallback_periods: int = setting(
        "without payment history: reserves paid evenly over this many triangle periods",
        unit="triangle periods", min=1, source="house choice")


@dataclass(frozen=True)
class Renewal(Section):
    """[renewal]: the renewal and persistency ratios."""

    window_months: int = setting("renewal is followed over this window", unit="months", min=1,
                                 source="E2 L1789-1791")
    grace_days: int = setting(
        "a new term starting within this many days after expiry is a renewal", unit="days",
        min=0, source="house choice")
    modified_exclusions: tuple[str, ...] = setting(
        "exit reasons outside the insured's control, left out of the modified renewal ratio",
        unit="exit reasons", source="E2 L1917-1920")
    dependant_relationships: tuple[str, ...] = setting(
        "dependants whose renewal is tracked apart", unit="relationships",
        source="E2 Box 7 (b)")
    persistency_kinds: tuple[str, ...] = setting(
        "long-term product kinds: persistency over the window instead of renewal",
        unit="product kinds", source="E1 L1056-1061")


@dataclass(frozen=True)
class Timeliness(Section):
    """[timeliness]: the claims timeliness schedule (``edition``: the edition's rule)."""

    buckets: tuple[int, ...] = setting(
        "upper ends of the day buckets: [7, 30, 90] = [0,7], [8,30], [31,90], [91,inf)",
        unit="days", min=0, source="E2 L2552-2566")
    selection: str = setting(
        "the claims counted (E2: processed in the period, E1: reported)",
        choices=("edition", "reported_in_period", "processed_in_period", "paid_in_period"),
        source="E2 L2434-2498, E1 L1129-1148")
    start: str = setting("clock start (E2: event, E1: report)",
                         choices=("edition", "event", "report"), source="E2 L2434-2498")
    include_rejected: bool | str = setting(
        "whether rejected claims count (E2: yes, E1: paid claims only)",
        choices=("edition", "true", "false"), source="E2 L2434-2498, E1 L1129-1148")


@dataclass(frozen=True)
class Growth(Section):
    """[growth]: the growth indicators."""

    periods: int = setting("multi-period growth over this many periods", unit="periods", min=1,
                           source="E2 L2233")


@dataclass(frozen=True)
class Health(Section):
    """[health]: the health-fund indices."""

    kinds: tuple[str, ...] = setting("product kinds given the health-fund indices",
                                     unit="product kinds", source="spec section 1B")
    emergency_categories: tuple[str, ...] = setting(
        "claims.benefit_category values processed as emergencies", unit="benefit categories",
        source="spec section 1B")
    annualise: bool = setting("also show cost per affiliate and coverage consumption x 12/months",
                              source="spec section 1B")


@dataclass(frozen=True)
class Liquidity(Section):
    """[liquidity]: the liquidity ratio and its table."""

    horizon_months: int = setting(
        "the handbook's horizon; also the due window of short-term liabilities on the balance "
        "sheet", unit="months", min=1, source="E2 L3168")
    horizons: tuple[int, ...] = setting(
        "horizons of the liquidity table (with 3, within [cashflows] horizon_months)",
        unit="months", min=1, source="E2 L3208-3211", rule=HORIZONS)
    kpi_method: str = setting("method of the KPI's short-term liabilities",
                              choices=("projection", "rule_of_thumb", "factor"),
                              source="spec §4.1")
    include_convertible: bool = setting(
        "numerator: cash + immediately convertible investments less their haircut "
        "(asset_map.csv)", source="E2 L3168-3175")
    rule_of_thumb_share: float = setting(
        "share of the last 12 months' claims payable in 3 months; scaled to the horizon",
        unit="share", min=0, max=1, source="E2 L3190-3192")
    growth_margin: float | str = setting(
        "extra margin after growth: observed = the growth of the last 12 months' claims over "
        "the 12 before (0 if none), or a number", unit="share", min=0, choices=("observed",),
        source="E2 L3192-3193")
    expense_add_on_months: float = setting(
        "operating expenses of this many months per 3-month horizon added to the factor "
        "estimate", unit="months", min=0, source="E2 L3205-3206")


@dataclass(frozen=True)
class Alm(Section):
    """[alm]: asset-liability measures."""

    discount_rate: float = setting("flat annual effective rate of the PVs and durations",
                                   unit="annual rate", min=-0.99, max=1,
                                   source="illustrative")
    shock_bp: int = setting("parallel shock of the surplus test", unit="basis points",
                            min=0, source="illustrative")
    cash_in_first_bucket: bool = setting(
        "the ladder counts the cash held now as an inflow of 0-1m", source="house choice")


@dataclass(frozen=True)
class Kpi(Section):
    """[kpi]: the indicators."""

    default_edition: int = setting("handbook edition of the KPIs when none is asked",
                                   min=1, max=2, source="E1, E2")


@dataclass(frozen=True)
class Alr(Section):
    """[alr]: accrued liabilities of savings and life contracts."""

    compounding: str = setting(
        "savings interest: daily (1 + i)^(days/365) or monthly (credited at month ends)",
        choices=("daily", "monthly"), source="house choice")
    earned_yield: float = setting(
        "assumed investment yield; guarantee exposure = balance x max(guaranteed - yield, 0)",
        unit="annual rate", min=-0.99, max=1, source="illustrative")


@dataclass(frozen=True)
class DayCount(Section):
    """[day_count]: the day-count convention of each use (year fraction = actual days / B)."""

    exposure: str = setting(
        "insured-years of the claim frequency and of the grid's frequency x severity claims",
        choices=tuple(DAY_COUNTS), source="E1 footnote 15")
    savings_interest: str = setting(
        "savings interest compounded daily, (1 + i)^(days/B) ([alr] compounding = daily)",
        choices=tuple(DAY_COUNTS), source="2006 ISDA Definitions 4.16(d)")
    asset_interest: str = setting(
        "interest of a deposit accrued to its maturity (asset cashflows of the ALM and "
        "liquidity)", choices=tuple(DAY_COUNTS), source="2006 ISDA Definitions 4.16(d)")


@dataclass(frozen=True)
class Stochastic(Section):
    """[stochastic]: the Monte Carlo of next-year claims (projection/stochastic.py)."""

    simulations: int = setting("simulated years of claims", unit="simulations", min=1,
                               source="house choice")
    seed: int = setting("the simulation's seed (same seed, same simulated claims)",
                        min=1, max=2**32 - 2, source="house choice")
    count_model: str = setting(
        "claim counts: Poisson, or negative binomial = Poisson with a gamma-mixed mean",
        choices=("poisson", "negbin"), source="Klugman, Panjer & Willmot, Loss Models §6.3")
    dispersion: float = setting(
        "negbin only: variance of the mean-1 gamma mixing factor; Var N = mu (1 + dispersion "
        "x mu) per product and month", unit="variance", min=0, source="illustrative")
    severity_model: str = setting("claim amounts: lognormal or gamma",
                                  choices=("lognormal", "gamma"),
                                  source="Klugman, Panjer & Willmot, Loss Models App. A")
    severity_cv: float = setting("coefficient of variation of one claim amount (0 = fixed)",
                                 unit="ratio", min=0, source="illustrative")
    common_shock_cv: float = setting(
        "coefficient of variation of a mean-1 gamma factor on every product's claim rate in "
        "a simulated year (catastrophes; 0 = off)", unit="ratio", min=0,
        source="illustrative")
    level: float = setting("confidence level of VaR and TVaR", unit="probability", min=0.5,
                           max=0.9999, source="Solvency II Art. 101(3) (99.5%)")


@dataclass(frozen=True)
class Stress(Section):
    """[stress]: stress checks of a stored close (projection/stress.py)."""

    horizons: tuple[int, ...] = setting(
        "horizons of the stressed liquidity ratios (with 3, within [cashflows] horizon_months)",
        unit="months", min=1, source="E2 L3168, L3208-3211; EIOPA LRMP short/medium/long",
        rule=HORIZONS)
    liquidity_threshold: float = setting(
        "a stressed liquidity ratio below this fails (1 = resources cover the needs)",
        unit="ratio", min=0, source="E2 L3168-3175 (liquidity ratio at least 100%)")
    solvency_threshold: float = setting(
        "a stressed solvency ratio below this fails (1 = assets cover the liabilities)",
        unit="ratio", min=0, source="E2 L3073-3074 (technically solvent >= 1); FCT severe "
        "scenarios: assets exceed liabilities")
    solvency_months: int = setting(
        "months of the stress whose cost moves the solvency ratio: a one-year view",
        unit="months", min=1, source="Solvency II Art. 101(3) and IAIS ICS: a one-year horizon")
    chunk_scenarios: int = setting(
        "scenarios computed together (bounds the memory: about 8 x columns x lines x months "
        "bytes per scenario)", unit="scenarios", min=1, source="house choice")
    at_close: bool = setting("run the set's stress scenarios at the end of every close and "
                             "store them with the run", source="house choice")
    reverse_high: float = setting(
        "reverse stress: the largest multiplier searched (a shock this many times its size)",
        unit="multiplier", min=1, source="house choice")
    reverse_tolerance: float = setting(
        "reverse stress: the multiplier is found within this much", unit="multiplier",
        min=1e-9, source="house choice")


@dataclass(frozen=True)
class Forecast(Section):
    """[forecast]: forward projections of a stored close (projection/plan.py)."""

    period_months: int = setting(
        "months of a projected period: 3 (quarters) or 12 (years)", unit="months",
        source="house choice; FCT and ORSA report by year, boards by quarter", rule=PERIODS)
    years: int = setting("years projected unless the command says otherwise", unit="years",
                         min=1, max=10, source="FCT: at least 3 years; ORSA: 3 to 5 years")
    internal_target: float = setting(
        "the base scenario passes when its solvency ratio stays at or above this in every "
        "period", unit="ratio", min=0, source="spec §1.10: solvency target 120% (E2); FCT: "
        "the base meets the internal target")
    regulatory_minimum: float = setting(
        "a going-concern scenario passes when its solvency ratio stays at or above this",
        unit="ratio", min=0, source="E2 L3073-3074 (technically solvent >= 1); FCT: "
        "going-concern scenarios stay above the regulatory minimum")
    liquidity_threshold: float = setting(
        "a projected 3-month liquidity ratio below this is a breach", unit="ratio", min=0,
        source="E2 L3168-3175 (liquidity ratio at least 100%)")
    expense_inflation: float = setting(
        "annual growth of the fixed expenses", unit="rate", min=-0.5, max=1,
        source="illustrative")
    chunk_scenarios: int = setting(
        "scenarios projected together (memory about 8 x 20 x products x months bytes each)",
        unit="scenarios", min=1, source="house choice")


@dataclass(frozen=True)
class Settings(Mapping):
    """Every section of ``settings.toml``, typed; also a read-only mapping section -> Section."""

    period: Period
    input: Input
    snapshots: Snapshots
    ibnr: Ibnr
    upr: Upr
    ocs: Ocs
    cashflows: Cashflows
    renewal: Renewal
    timeliness: Timeliness
    growth: Growth
    health: Health
    liquidity: Liquidity
    alm: Alm
    kpi: Kpi
    alr: Alr
    day_count: DayCount
    stochastic: Stochastic
    stress: Stress
    forecast: Forecast

    def __getitem__(self, section: str) -> Section:
        if section not in self.__dataclass_fields__:
            raise KeyError(section)
        return getattr(self, section)

    def __iter__(self) -> Iterator[str]:
        return iter(self.__dataclass_fields__)

    def __len__(self) -> int:
        return len(self.__dataclass_fields__)


SECTIONS: Mapping[str, type[Section]] = {
    f.name: f.type if isinstance(f.type, type) else globals()[f.type] for f in fields(Settings)
}


def specs() -> Iterator[tuple[str, str, str, Spec]]:
    """(section, key, type as written, Spec) of every setting, in declaration order."""
    for section, cls in SECTIONS.items():
        for f in fields(cls):
            yield section, f.name, str(f.type), f.metadata["spec"]


# ------------------------------------------------------------------------------ parsing

KINDS = ("int", "float", "bool", "str", "dt.date", "tuple[int, ...]", "tuple[str, ...]",
         "float | str", "bool | str")
_UNKNOWN_KINDS = [(s, k, t) for s, k, t, _ in specs() if t not in KINDS]
if _UNKNOWN_KINDS:  # pragma: no cover - a declaration error, caught by any import
    raise TypeError(f"settings of an unknown type: {_UNKNOWN_KINDS}")


@dataclass(frozen=True)
class Problem:
    """One problem of an assumption file: where it is (a ``BadCell``) and the sentence shown."""

    cell: BadCell
    text: str


def _num(x: float) -> str:
    return f"{x:g}"


def expected(kind: str, spec: Spec) -> str:
    """What a setting must hold, in words (the README's and the errors' wording)."""
    words = ", ".join(spec.choices)
    bounds = ""
    if spec.min is not None and spec.max is not None:
        bounds = f" from {_num(spec.min)} to {_num(spec.max)}"
    elif spec.min is not None:
        bounds = f" >= {_num(spec.min)}"
    elif spec.max is not None:
        bounds = f" <= {_num(spec.max)}"
    said = {
        "int": f"a whole number{bounds}",
        "float": f"a number{bounds}",
        "bool": "true or false",
        "str": f"a quoted text: one of {words}" if words else "a quoted text",
        "dt.date": "a date \"YYYY-MM-DD\"",
        "tuple[int, ...]": f"a list [...] of whole numbers{bounds}",
        "tuple[str, ...]": "a list [...] of quoted texts",
        "float | str": f"a number{bounds} or {words}",
        "bool | str": f"true or false or {words}",
    }[kind]
    return f"{said}, {spec.rule.words}" if spec.rule is not None else said


def _is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_number(v) -> bool:
    return (_is_int(v) or isinstance(v, float)) and math.isfinite(v)


def _in_range(x, spec: Spec) -> bool:
    return (spec.min is None or x >= spec.min) and (spec.max is None or x <= spec.max)


def convert(kind: str, spec: Spec, value):
    """The typed value of a TOML value; ValueError when it is not what ``kind``/``spec`` allow."""
    if kind == "int" and _is_int(value) and _in_range(value, spec):
        return value
    if kind == "float" and _is_number(value) and _in_range(value, spec):
        return float(value)
    if kind == "bool" and isinstance(value, bool):
        return value
    if kind == "str" and isinstance(value, str) and (not spec.choices or value in spec.choices):
        return value
    if kind == "dt.date":
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return value
        if isinstance(value, str):
            return dt.date.fromisoformat(value)  # ValueError if not a date
    if kind == "tuple[int, ...]" and isinstance(value, list | tuple) and all(
            _is_int(v) and _in_range(v, spec) for v in value):
        return tuple(value)
    if kind == "tuple[str, ...]" and isinstance(value, list | tuple) and all(
            isinstance(v, str) for v in value):
        return tuple(value)
    if kind == "float | str":
        if isinstance(value, str) and value in spec.choices:
            return value
        if _is_number(value) and _in_range(value, spec):
            return value
    if kind == "bool | str" and (isinstance(value, bool) or value in spec.choices):
        return value
    raise ValueError(value)


def _line_of(text: str, section: str, key: str | None) -> int | None:
    """The line of ``[section]`` (key None) or of ``key = ...`` within it; None if not found."""
    inside = False
    for i, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if line.startswith("["):
            inside = line.split("#")[0].strip().strip("[]").strip() == section
            if inside and key is None:
                return i
        elif inside and key is not None and line.split("=")[0].strip().strip('"') == key:
            return i
    return None


def _near(word: str, known) -> str | None:
    """The known name closest to ``word`` (difflib), if any is close."""
    close = difflib.get_close_matches(word, list(known), n=1)
    return close[0] if close else None


def _problem(file: str, text: str | None, section: str, key: str | None, value: str,
             expected_text: str, fix: str, sentence: str, *, missing: bool = False) -> Problem:
    """A Problem whose cell is ``[section] key`` at its line (a missing key: its section's)."""
    row = _line_of(text, section, None if missing else key) if text is not None else None
    column = f"[{section}]" + (f" {key}" if key else "")
    return Problem(BadCell(file, row, column, value, expected_text, fix), sentence)


def check_value(section: str, key: str, value, *, file: str = FILE,
                text: str | None = None) -> tuple[Any, Problem | None]:
    """(typed value, None) or (None, the problem) for ``[section] key = value``."""
    cls = SECTIONS.get(section)
    if cls is None or key not in cls.__dataclass_fields__:
        return None, unknown(section, key, file=file, text=text)
    f = cls.__dataclass_fields__[key]
    kind, spec = str(f.type), f.metadata["spec"]
    fix = "correct the value"
    try:
        typed = convert(kind, spec, value)
        if spec.rule is None or spec.rule.holds(typed):
            return typed, None
        fix = spec.rule.fix
    except (ValueError, TypeError):
        pass
    said = expected(kind, spec)
    return None, _problem(file, text, section, key, repr(value), said, fix,
                          f"{file} [{section}] {key} = {value!r}, expected {said} "
                          f"(fix: {fix})")


def unknown(section: str, key: str | None, *, file: str = FILE,
            text: str | None = None) -> Problem:
    """The problem of a section or key that is not a setting, naming the closest known one."""
    where = f"{file} [{section}]" + (f" {key}" if key is not None else "")
    if section not in SECTIONS:
        near = _near(section, SECTIONS)
        fix = f"did you mean [{near}]?" if near else "remove it"
        return _problem(file, text, section, None, f"[{section}]", "a section of the settings",
                        fix, f"{where}: [{section}] is not a section of the settings (fix: {fix}; "
                        f"the sections: {', '.join(SECTIONS)})")
    keys = SECTIONS[section].__dataclass_fields__
    near = _near(str(key), keys)
    fix = f"did you mean {near!r}?" if near else "remove it"
    return _problem(file, text, section, key, str(key), f"a key of [{section}]", fix,
                    f"{where} is not a setting (fix: {fix}; [{section}] holds "
                    f"{', '.join(keys)})")


def parse_settings(doc: Mapping, *, file: str = FILE,
                   text: str | None = None) -> tuple[Settings | None, list[Problem]]:
    """The typed settings of a TOML document, or None and every problem of it.

    Parameters
    ----------
    doc : the document as ``tomllib`` reads it.
    file : the file name the problems name.
    text : the file's text, to give each problem its line number (else the row is None).
    """
    problems: list[Problem] = []
    sections: dict[str, Section] = {}
    meant_sections = {_near(s, SECTIONS) for s in doc if s not in SECTIONS}
    for section in doc:
        if section not in SECTIONS:
            problems.append(unknown(section, None, file=file, text=text))
        elif not isinstance(doc[section], dict):
            problems.append(_problem(file, text, section, None, repr(doc[section]),
                                     f"a [{section}] section", "write it as a section",
                                     f"{file} {section} = {doc[section]!r}, expected a "
                                     f"[{section}] section"))
    for section, cls in SECTIONS.items():
        values = doc.get(section)
        if not isinstance(values, dict):
            if section not in doc and section not in meant_sections:
                problems.append(_problem(file, text, section, None, "", f"a [{section}] section",
                                         "add it",
                                         f"{file} has no [{section}] section (fix: add it with "
                                         f"{', '.join(cls.__dataclass_fields__)})"))
            continue
        typed, meant = {}, set()
        for key, value in values.items():
            got, problem = check_value(section, key, value, file=file, text=text)
            if problem is not None:
                problems.append(problem)
                if key not in cls.__dataclass_fields__:
                    meant.add(_near(key, cls.__dataclass_fields__))
            else:
                typed[key] = got
        for key in cls.__dataclass_fields__:
            if key not in values and key not in meant:  # a misspelt key says it already
                problems.append(_problem(file, text, section, key, "", "a value", "add it",
                                         f"{file} [{section}] has no {key} (fix: add it)",
                                         missing=True))
        if len(typed) == len(cls.__dataclass_fields__):
            sections[section] = cls(**typed)
    if problems:
        return None, problems
    return Settings(**sections), []


# ------------------------------------------------------------------------------ README table

def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def settings_doc() -> str:
    """The README table of every setting, between the markers."""
    out = [BEGIN, "", "| setting | type | unit | allowed | meaning | source |",
           "|---|---|---|---|---|---|"]
    for section, key, kind, spec in specs():
        out.append(f"| `[{section}] {key}` | `{kind}` | {_cell(spec.unit)} | "
                   f"{_cell(expected(kind, spec))} | {_cell(spec.meaning)} | "
                   f"{_cell(spec.source)} |")
    out += ["", END]
    return "\n".join(out)


if __name__ == "__main__":  # pragma: no cover - prints the README section
    print(settings_doc())
