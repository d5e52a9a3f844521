"""Reserva from Python (notebooks, scripts): one module, plain functions, nothing written unless
asked.

    load_pack(data_dir)                      -> DataPack      read and validate a data pack
    load_assumptions(set_id)                 -> AssumptionSet an assumption set, checked
    derive(set, settings=..., ...)           -> AssumptionSet a variant with its own identity
    close(pack, valuation_date, store=None)  -> CloseResult   the period-end close, in memory
    close_many(pack, valuation_dates, ...)   -> list          several dates, the pack read once
    upr_at(pack, valuation_date)             -> DataFrame     UPR spot check (by product or policy)
    triangle_ibnr(triangle, method)          -> DataFrame     IBNR of a cumulative triangle
    life_reserve(plan, age, ...)             -> dict          net premium and reserve of a contract
    runs(store)                              -> DataFrame     the runs of a store, with lineage
    results(store, table, run_id=None)       -> DataFrame     one results table of a stored run
    scenarios(store, run_id=None)            -> list          the scenarios of a stored run
    stored_report(store, kind="close")       -> Report        a stored run's report, as a model

Each function is the library call behind a command of the same purpose (``reserva validate``,
``close``, ``upr``, ``ibnr``, ``life``, ``runs``, ``kpi``, ``liquidity``, ``alm``);
``stored_report`` gives what such a command shows of a stored run as the report model
(``reserva.report.model``: frozen sections, tables of plain values and figure data) for
another renderer. Errors are the engine's (``reserva.errors``: ``InputError`` with every
bad cell, ``ArgumentError`` naming a bad argument, ``AssumptionError``, ``StoreError``,
``ComputationError``; the first three are also ``ValueError``). Unlike ``reserva close``, ``close`` here **writes nothing by default**: it
reads the store only when one is given (for the opening reserves) and stores the run only with
``write=True``. The package ``reserva`` re-exports these names (``reserva.close(...)``).
"""

from __future__ import annotations

import datetime as dt
import math
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from reserva.errors import ARGUMENT, ArgumentError, BadCell
from reserva.io.assumptions import AssumptionSet
from reserva.io.assumptions import load_assumptions as _load_assumptions
from reserva.io.readers import DataPack, read_pack
from reserva.pipeline import CloseResult, spot_upr

__all__ = [
    "load_pack", "load_assumptions", "derive", "close", "close_many", "upr_at", "triangle_ibnr",
    "life_reserve", "runs", "results", "scenarios", "stored_report", "stress", "project",
    "health_budget", "project_points", "DataPack",
    "AssumptionSet", "CloseResult",
]

PLANS = {"whole_life": "whole_life", "endowment": "endowment", "term": "individual_life"}


def load_pack(data_dir: str | Path, *, tables: Iterable[str] | None = None,
              assumptions: str | Path | AssumptionSet = "default") -> DataPack:
    """Read and validate a data pack (the checks of ``reserva validate``).

    Parameters
    ----------
    data_dir : str or Path
        The folder holding one file per table (``policies.csv`` or ``policies.parquet``, ...).
    tables : iterable of str, optional
        Read only these tables (references to tables not read are not checked).
    assumptions : str, Path or AssumptionSet
        The set whose input window, money bound and vocabularies the pack is checked against
        (the set the pack will be closed on; ``"default"`` by default).

    Returns
    -------
    DataPack
        The typed tables (``pack["policies"]`` is a DataFrame) and the sha256 of every file.

    Raises
    ------
    InputError
        Listing every bad cell of every file (``str(error)`` or ``error.lines()``).
    """
    return read_pack(Path(data_dir), tables=tables, limits=_set(assumptions))


def load_assumptions(set_id: str | Path = "default") -> AssumptionSet:
    """An assumption set, verified against its manifest (``reserva assumptions check``).

    Parameters
    ----------
    set_id : str or Path
        A set name under the project's ``assumptions/`` folder, or the path of a set folder.
    """
    return _load_assumptions(str(set_id))


def derive(
    assumptions: str | Path | AssumptionSet = "default",
    *,
    settings: Mapping[tuple[str, str], object] | None = None,
    multipliers: Mapping[tuple[str, str], float] | None = None,
    files: Mapping[str, str] | None = None,
) -> AssumptionSet:
    """A variant of an assumption set: new setting values, multiplied settings, whole tables.

    The variant is read and checked like any set; its identity is the parent's hash plus the
    canonical hash of the overrides (``set_id`` ``<parent>+<8 hex digits>``), recorded in the
    lineage of the runs closed on it. The parent is not changed.

    Parameters
    ----------
    assumptions : str, Path or AssumptionSet
        The base set (a variant is derived from a base set, all overrides at once).
    settings : mapping, optional
        ``{(section, key): value}`` of settings.toml, e.g. ``{("alm", "discount_rate"): 0.04}``.
    multipliers : mapping, optional
        ``{(section, key): factor}`` multiplying the parent's number.
    files : mapping, optional
        ``{file name: CSV text}`` replacing whole tables of the set.

    Returns
    -------
    AssumptionSet
        The variant (``parent_hash`` and ``overrides`` say how it was derived); without any
        override, the base set itself.

    Raises
    ------
    AssumptionError
        Naming an unknown setting or file, or a value the set's checks refuse.
    """
    from reserva.io.variants import Overrides
    from reserva.io.variants import derive as _derive

    return _derive(_set(assumptions), Overrides.of(settings, multipliers, files))


def _set(assumptions: str | Path | AssumptionSet) -> AssumptionSet:
    if isinstance(assumptions, AssumptionSet):
        return assumptions
    return load_assumptions(assumptions)


def _pack(data: str | Path | DataPack, a: AssumptionSet,
          tables: Iterable[str] | None = None) -> DataPack:
    """The pack as given, or read from its folder and checked against the set ``a``."""
    return data if isinstance(data, DataPack) else load_pack(data, tables=tables, assumptions=a)


def close(
    data: str | Path | DataPack,
    valuation_date: str | dt.date,
    *,
    assumptions: str | Path | AssumptionSet = "default",
    edition: int | None = None,
    store: str | Path | None = None,
    write: bool = False,
    rerun: bool = False,
) -> CloseResult:
    """Close the period ending at ``valuation_date``: reserves, statements, KPIs, liquidity, ALM.

    Parameters
    ----------
    data : str, Path or DataPack
        The data pack's folder, or a pack already read with ``load_pack``.
    valuation_date : str or date
        The end of the period (``YYYY-MM-DD``); the period is ``[period] months`` long.
    assumptions : str, Path or AssumptionSet
        The assumption set (default: ``default``).
    edition : int, optional
        Handbook edition of the KPIs, 1 or 2 (default: the set's ``[kpi] default_edition``).
    store : str or Path, optional
        A DuckDB store. Without one nothing is read or written: the opening reserves come from
        the pack's ``opening_balances`` or are recomputed at the period start. With one, the
        opening reserves come from its run at the period start, if any.
    write : bool
        Store the run in ``store`` (default False: nothing is written).
    rerun : bool
        With ``write``: store a new run even when the date's latest run used the same data,
        assumption set and edition (otherwise ``AlreadyClosed`` is raised and nothing stored).

    Returns
    -------
    CloseResult
        Everything the close computed: ``kpis`` (the tidy KPI table), ``closing`` and
        ``opening`` reserves by product, ``income`` and ``balance`` statements, ``upr``,
        ``ibnr``, ``alr``, ``liquidity``, ``alm``, ``notes``; ``run_id`` when written.
    """
    from reserva.pipeline import close as _close

    a = _set(assumptions)
    pack = _pack(data, a)
    _store_for_write(write, store)
    if store is not None:
        return _close(pack.root, valuation_date, assumptions=a, store=Path(store),
                      edition=edition, pack=pack, write=write, rerun=rerun)
    with tempfile.TemporaryDirectory() as empty:  # a store path that does not exist: no store
        return _close(pack.root, valuation_date, assumptions=a, store=Path(empty) / "none.duckdb",
                      edition=edition, pack=pack, write=False)


def close_many(
    data: str | Path | DataPack,
    valuation_dates: Iterable[str | dt.date],
    *,
    assumptions: str | Path | AssumptionSet = "default",
    edition: int | None = None,
    store: str | Path | None = None,
    write: bool = False,
    rerun: bool = False,
) -> list:
    """Close several period ends in date order, each once, reading the pack once.

    Parameters
    ----------
    data : str, Path or DataPack
        The data pack's folder, or a pack already read with ``load_pack``.
    valuation_dates : iterable of str or date
        The period ends (``YYYY-MM-DD``); a repeated date is closed once. A date the close
        would refuse is refused before any date is closed.
    assumptions : str, Path or AssumptionSet
        The assumption set (default: ``default``).
    edition : int, optional
        Handbook edition of the KPIs, 1 or 2 (default: the set's).
    store : str or Path, optional
        A DuckDB store, as for ``close``. Without ``write`` each date's opening reserves come
        from the store's runs (or are recomputed), not from the dates closed before it in
        this call; with ``write`` each date is stored before the next one opens from it.
    write : bool
        Store the runs in ``store`` (default False: nothing is written).
    rerun : bool
        With ``write``: close a date again even when its latest run used the same data and
        assumptions (otherwise that date is skipped: a ``Skipped`` in the list).

    Returns
    -------
    list
        One ``CloseResult`` (or ``Skipped``, when writing) per distinct date, in date order.
    """
    from reserva.batch import close_many as _close_many

    a = _set(assumptions)
    pack = _pack(data, a)
    _store_for_write(write, store)
    dates = list(valuation_dates)
    if store is not None:
        return _close_many(pack.root, dates, assumptions=a, store=Path(store), edition=edition,
                           pack=pack, write=write, rerun=rerun)
    with tempfile.TemporaryDirectory() as empty:  # a store path that does not exist: no store
        return _close_many(pack.root, dates, assumptions=a, store=Path(empty) / "none.duckdb",
                           edition=edition, pack=pack, write=False)


def _store_for_write(write: bool, store) -> None:
    if write and store is None:
        raise ArgumentError.bad("store", None, "a store path with write=True", "give store=PATH",
                                summary="write=True needs a store: give store=PATH")


def upr_at(
    data: str | Path | DataPack,
    valuation_date: str | dt.date,
    *,
    by: str = "product",
    basis: str | None = None,
    perspective: str | None = None,
    assumptions: str | Path | AssumptionSet = "default",
) -> pd.DataFrame:
    """The UPR at a date, a spot check (``reserva upr``): nothing is stored.

    Parameters
    ----------
    data : str, Path or DataPack
        The data pack (only ``products`` and ``policies`` are read from a folder).
    valuation_date : str or date
        The date of the UPR; the earned and written flows are those of the period ending then.
    by : {"product", "policy"}
        Totals by product (with the earning basis and components used) or one row per policy.
    basis : str, optional
        One earning basis or profile for every product (default: each product kind's).
    perspective : {"overall", "insurer", "agent"}, optional
        The perspective of premium components (default: the set's).
    assumptions : str, Path or AssumptionSet
        The assumption set.
    """
    from reserva.report.terminal import upr_by_policy, upr_by_product

    if by not in ("product", "policy"):
        raise ArgumentError.bad("by", by, "'product' or 'policy'",
                                summary=f"by={by!r}: expected 'product' or 'policy'")
    a = _set(assumptions)
    pack = _pack(data, a, tables=("products", "policies"))
    result, names = spot_upr(pack.root, valuation_date, assumptions=a, basis=basis,
                             perspective=perspective, pack=pack)
    if by == "policy":
        return upr_by_policy(result)
    return upr_by_product(result, names)


def triangle_ibnr(
    triangle: pd.DataFrame | str | Path,
    method: str = "chain_ladder",
    *,
    exposure: Sequence[float] | None = None,
    apriori: float | None = None,
    **options,
) -> pd.DataFrame:
    """IBNR by origin of a cumulative triangle you already have (``reserva ibnr``).

    Parameters
    ----------
    triangle : DataFrame, str or Path
        Cumulative values with the origins as the index and the development ages as the
        columns (empty = unknown), or the path of a triangle CSV (long or wide, as
        ``reserva ibnr`` reads it).
    method : {"chain_ladder", "mack", "bf", "cape_cod", "benktander"}
        The reserving method.
    exposure : sequence of float, optional
        Exposure (e.g. earned premium) of each origin, for bf, cape_cod and benktander.
    apriori : float, optional
        Expected loss ratio for bf and benktander.
    **options
        Passed on to ``reserva.reserves.claims.triangle_ibnr.triangle_ibnr`` (e.g.
        ``zeros="data"``, ``bootstrap_sims``, ``seed``).

    Returns
    -------
    DataFrame
        Indexed by origin: ``latest``, ``cdf``, ``ultimate``, ``ibnr``, for mack ``std_err``,
        and ``flags`` (e.g. a collapsed projection) when any origin has one.
    """
    from reserva.reserves.claims.triangle_ibnr import triangle_ibnr as _triangle_ibnr

    if isinstance(triangle, (str, Path)):
        from reserva.io.triangle_csv import read_triangle_csv

        tri = read_triangle_csv(Path(triangle))
        origins, values = list(tri.origins), tri.cumulative
    else:
        origins = list(triangle.index)
        values = triangle.apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
    exp = None if exposure is None else np.asarray(exposure, dtype=float)
    options.setdefault("origins", origins)
    r = _triangle_ibnr(values, method, exposure=exp, apriori=apriori, **options)
    frame = pd.DataFrame({"latest": r.latest, "cdf": r.cdf, "ultimate": r.ultimate,
                          "ibnr": r.ibnr}, index=pd.Index(origins, name="origin"))
    if r.std_err is not None:
        frame["std_err"] = r.std_err
    flags = getattr(r, "flags", ())
    if any(flags):
        frame["flags"] = [", ".join(f) for f in flags]
    return frame


def life_reserve(
    plan: str,
    age: int,
    *,
    term: int | None = None,
    duration: float = 0.0,
    interest: float | None = None,
    table: str | None = None,
    sum_insured: float = 1.0,
    premium_mode: str = "annual",
    premium_term: int | None = None,
    assumptions: str | Path | AssumptionSet = "default",
) -> dict:
    """Net premium and net premium reserve of one life contract (``reserva life``).

    Parameters
    ----------
    plan : {"whole_life", "endowment", "term"}
        The contract.
    age : int
        Age at issue, whole years.
    term : int, optional
        Term in years (endowment and term; whole life runs to the end of the table).
    duration : float
        Years since issue at which the reserve is wanted (fractions: uniform deaths).
    interest : float, optional
        Annual interest rate (default: the set's rate of the kind; term: ``individual_life``).
    table : str, optional
        Mortality table of the set (default: the kind's).
    sum_insured : float
        The sum insured.
    premium_mode : {"annual", "semiannual", "quarterly", "monthly", "single"}
        Premium frequency.
    premium_term : int, optional
        Years of premium payment (default: the term).
    assumptions : str, Path or AssumptionSet
        The assumption set.

    Returns
    -------
    dict
        ``annual_premium``, ``reserve``, ``annuity_at_issue``, ``assurance_at_issue``,
        ``annuity_at_duration``, ``assurance_at_duration``, with the inputs, the table and
        interest used and the table's provenance.
    """
    from reserva.reserves.accrued.alr import mortality_table
    from reserva.reserves.accrued.life import commutation, spot_check
    from reserva.vocab import PREMIUMS_PER_YEAR

    if plan not in PLANS:
        raise ArgumentError.bad("plan", plan, f"one of {', '.join(PLANS)}",
                                summary=f"plan {plan!r} unknown; expected one of {', '.join(PLANS)}")
    if premium_mode not in PREMIUMS_PER_YEAR:
        modes = ", ".join(PREMIUMS_PER_YEAR)
        raise ArgumentError.bad("premium_mode", premium_mode, f"one of {modes}",
                                summary=f"premium mode {premium_mode!r} unknown; expected one of "
                                        f"{modes}")
    _finite(duration=duration, interest=interest, sum_insured=sum_insured)
    a = _set(assumptions)
    kind = PLANS[plan]
    basis = a.life_basis.get(kind)
    name = table or (basis.mortality_table if basis else None)
    rate = interest if interest is not None else (basis.interest_rate if basis else None)
    if name is None or rate is None:  # neither given nor in the set
        raise ArgumentError([BadCell(ARGUMENT, None, arg, "missing",
                                     f"{what} (assumption set {a.set_id} has no life basis for "
                                     f"{kind})", f"give the {what}")
                             for arg, what, value in (("table", "mortality table", name),
                                                      ("interest", "interest rate", rate))
                             if value is None])
    if plan != "whole_life" and term is None:
        raise ArgumentError(BadCell(ARGUMENT, None, "term", "missing", f"a term in years for {plan}",
                                    "give the term (whole life needs none)"))
    t = mortality_table(a, name)
    last = t.min_age + t.q.size - 1
    if not t.min_age <= age <= last:
        raise ArgumentError(BadCell(
            ARGUMENT, None, "age", str(age),
            f"an issue age of mortality table {name}: {t.min_age} to {last}",
            "choose an age the table covers, or another table"))
    bad = []
    if plan != "whole_life" and age + term > last + 1:
        bad.append(BadCell(ARGUMENT, None, "term", str(term),
                           f"a term ending by age {last + 1}, the end of table {name}",
                           f"at most {last + 1 - age} years at age {age}"))
    if premium_term is not None and plan != "whole_life" and premium_term > term:
        bad.append(BadCell(ARGUMENT, None, "premium_term", str(premium_term),
                           f"at most the term ({term} years)", "premiums are paid within the term"))
    if bad:
        raise ArgumentError(bad)
    cm = commutation(t.q, t.min_age, rate)
    m = 1 if premium_mode == "single" else premium_term
    with np.errstate(all="ignore"):
        try:
            r = spot_check(cm, plan, age, None if plan == "whole_life" else term, duration,
                           sum_insured, PREMIUMS_PER_YEAR[premium_mode], m)
        except (ZeroDivisionError, FloatingPointError, OverflowError):
            r = None
    if r is None or not all(math.isfinite(x) for x in (r.annual_premium, r.reserve)):
        raise ArgumentError(BadCell(ARGUMENT, None, "interest", f"{rate:g}",
                                 "an interest rate at which the contract's values are finite",
                                 "use a rate nearer the usual range, e.g. 0.0 to 0.15"))
    return {
        "product": plan, "age": age, "term": term, "duration": duration, "interest": rate,
        "table": name, "sum_insured": sum_insured, "premium_mode": premium_mode,
        "annual_premium": r.annual_premium, "reserve": r.reserve,
        "annuity_at_issue": r.annuity_at_issue, "assurance_at_issue": r.assurance_at_issue,
        "annuity_at_duration": r.annuity_at_duration,
        "assurance_at_duration": r.assurance_at_duration, "table_provenance": t.provenance,
    }


def _finite(**values) -> None:
    """ArgumentError naming every argument that is given but not a finite number."""
    bad = [BadCell(ARGUMENT, None, k, repr(v), "a finite number")
           for k, v in values.items() if v is not None and not math.isfinite(float(v))]
    if bad:
        raise ArgumentError(bad)


def runs(store: str | Path) -> pd.DataFrame:
    """The runs of a store, oldest first, with their lineage (``reserva runs``).

    Parameters
    ----------
    store : str or Path
        The DuckDB store.
    """
    from reserva.store.runs import list_runs

    return list_runs(Path(store))


def results(store: str | Path, table: str = "kpis", run_id: int | None = None,
            scenario: str = "base") -> pd.DataFrame:
    """One results table of a stored run (``reserva kpi``, ``liquidity``, ``alm`` read these).

    Parameters
    ----------
    store : str or Path
        The DuckDB store.
    table : str
        A results table: ``kpis``, ``reserves``, ``upr_rollforward``, ``upr_policy``,
        ``ibnr_origin``, ``statements``, ``liquidity``, ... (``reserva.store.results.TABLES``).
    run_id : int, optional
        The run (default: the latest completed run having ``scenario``).
    scenario : str
        The scenario of the run's results (default ``base``, the close's).
    """
    from reserva.store.runs import read_results

    return read_results(Path(store), table, run_id, scenario)[1]


def scenarios(store: str | Path, run_id: int | None = None) -> list[str]:
    """The scenarios stored for a run, ``base`` (the close's) first, then by name.

    Parameters
    ----------
    store : str or Path
        The DuckDB store.
    run_id : int, optional
        The run (default: the latest completed run).
    """
    from reserva.store.runs import scenarios as _scenarios

    return _scenarios(Path(store), run_id)


def stored_report(store: str | Path, kind: str = "close", *, run_id: int | None = None,
                  scenario: str = "base", product: str | None = None, full: bool = False):
    """A report of a stored run as the report model, what the command of ``kind`` shows.

    The model (``reserva.report.model.Report``: sections of tables with plain values and their
    formats, KPI tables, flags, notes, and figure data) is frozen and formats nothing: the
    terminal is one renderer of it (``reserva.report.terminal.show(report)``), an HTML or
    spreadsheet report may be another.

    Parameters
    ----------
    store : str or Path
        The DuckDB store.
    kind : {"close", "kpi", "trend", "pending", "liquidity", "alm", "stress", "runs"}
        ``close``: what ``reserva close`` shows of a run (reserves, UPR roll-forward, IBNR
        analysis of change, ALR, KPIs and flags, liquidity, notes, a figure of the reserves);
        the others what ``reserva kpi`` (``--trend``, ``--pending``), ``liquidity``, ``alm``
        and ``runs`` show; ``stress`` what ``reserva stress --show`` shows (the stress
        scenarios stored under the run).
    run_id : int, optional
        The run (default: the latest completed run having ``scenario``); not for ``trend``
        and ``runs``.
    scenario : str
        The scenario of the run's results (default ``base``, the close's).
    product : str, optional
        One column (a product, or ``ALL``) of ``kpi``, ``trend``, ``liquidity``, ``alm``.
    full : bool
        ``kpi``: every indicator and cell (nothing folded).

    Returns
    -------
    reserva.report.model.Report
        The report: ``title``, ``sections`` (``report.section("kpis")``), ``figures``,
        ``run_id``.

    Raises
    ------
    ArgumentError
        An unknown ``kind``, an option the report does not read, a ``product`` the run lacks.
    StoreError
        No such store, run or scenario (the error lists the run's scenarios).
    """
    from reserva.report.builders import stored_report as _stored_report

    return _stored_report(Path(store), kind, run_id=run_id, scenario=scenario,
                          product=product, full=full)


def stress(store: str | Path, run_id: int | None = None, *,
           assumptions: str | Path | AssumptionSet = "default",
           scenarios: str | Path | None = None, reverse: bool = False,
           simulations: int | None = None, seed: int | None = None, write: bool = False):
    """Stress a stored close with many scenarios at once (``reserva stress``).

    The run's base position is read from the store (the close is not recomputed); every
    scenario's shocks are applied to it together (``reserva.projection.stress``), giving per
    scenario and column the stressed liquidity ratios (projection, factor and net methods at
    the ``[stress] horizons``), the liquid assets after haircuts, the survival horizon, the
    shortfall and its month, the solvency ratio and the surplus, against the base.

    Parameters
    ----------
    store : str or Path
        The DuckDB store holding the run.
    run_id : int, optional
        The run (default: the latest completed run).
    assumptions : set id, folder or AssumptionSet
        The set of the ``[stress]`` settings, the liquidity factors and the scenario library.
    scenarios : str or Path, optional
        A scenario file of your own (the set's ``stress_scenarios.csv`` when None).
    reverse : bool
        Also search the smallest multiplier of each shock type and combined scenario that
        breaks the programme's 3-month liquidity or its solvency.
    simulations : int, optional
        Also simulate next-year claims this many times.
    seed : int, optional
        The simulation's seed (default: the set's ``[stochastic] seed``).
    write : bool
        Store the results under the run (default False: nothing written).

    Returns
    -------
    reserva.stress_check.StressCheck
        ``result`` (``result.frame()``: one row per scenario, column, metric and horizon),
        ``reverse``, ``stochastic``, the lineage and the scenarios ``stored``.

    Raises
    ------
    InputError
        A bad scenario file (every bad cell at once).
    StoreError
        No such store or run.
    """
    from reserva.stress_check import stress as _stress

    return _stress(store, run_id, assumptions=assumptions, scenarios=scenarios,
                   reverse=reverse, simulations=simulations, seed=seed, save=write)


def project(store: str | Path, run_id: int | None = None, *,
            assumptions: str | Path | AssumptionSet = "default", years: int | None = None,
            period: str | None = None, scenarios: str | Path | None = None,
            actions: str | Path | None = None, use_actions: bool = True, write: bool = False):
    """Project a stored close forward under the business plan and scenarios
    (``reserva project``).

    The run's position and in-force run-off are read from the store (the close is not
    recomputed) and projected month by month over ``years`` in quarters or years
    (``reserva.projection.plan``), the plan and every scenario together, with the management
    actions applied inside the projection.

    Parameters
    ----------
    store : str or Path
        The DuckDB store holding the run.
    run_id : int, optional
        The run (default: the latest completed run).
    assumptions : set id, folder or AssumptionSet
        The set of the plan (plan.csv, new_business.csv, asset_yields.csv), the ``[forecast]``
        settings and the scenario and action libraries.
    years : int, optional
        0 to 10 (default ``[forecast] years``).
    period : {"quarter", "year"}, optional
        Default: ``[forecast] period_months``.
    scenarios : str or Path, optional
        A scenario file of your own (the set's ``stress_scenarios.csv`` when None); the plan,
        ``base``, is always projected first.
    actions : str or Path, optional
        A management action file of your own (the set's ``management_actions.csv`` when None).
    use_actions : bool
        False: no management action.
    write : bool
        Store the results under the run (default False: nothing written).

    Returns
    -------
    reserva.forecast.Projection
        ``result.values`` [scenario, column, period, item], ``table()``, ``statements()``,
        ``breaches``, ``verdicts``, the lineage and the scenarios ``stored``.

    Raises
    ------
    InputError
        A bad scenario or action file (every bad cell at once).
    ArgumentError
        A bad option, or a run stored before the close kept what a projection reads.
    StoreError
        No such store or run.
    """
    from reserva.forecast import project as _project

    return _project(store, run_id, assumptions=assumptions, years=years, period=period,
                    scenarios=scenarios, actions=actions, use_actions=use_actions, save=write)


def health_budget(budget_set: str | Path, *, scenarios: str | Path | None = None,
           store: str | Path | None = None, write: bool = False):
    """Project a social health budget set under its scenarios (``reserva budget``).

    Population x coverage x utilisation x cost against the wage bill and the contributions,
    year by year, every scenario at once (``reserva.budget.model``).

    Parameters
    ----------
    budget_set : str or Path
        A budget set folder, or the name of a bundled set.
    scenarios : str or Path, optional
        A ``budget_scenarios.csv`` of your own (default: the set's own, if it has one).
    store : str or Path, optional
        The DuckDB store to write the run to (with ``write=True``).
    write : bool
        Store the run (default False: nothing written).

    Returns
    -------
    reserva.budgeting.BudgetRun
        ``result.item("total_cost")`` [scenario, year], ``statement()``, ``by_scenario()``,
        ``frame()``, ``general_average_premium``, the lineage and ``budget_id`` once stored.

    Raises
    ------
    InputError
        A bad budget set or scenario file (every bad cell at once).
    ArgumentError
        ``write`` without a store.
    """
    from reserva.budgeting import budget as _budget

    if write and store is None:
        raise ArgumentError.bad("store", None, "a store to write the budget run to")
    return _budget(budget_set, scenarios=scenarios, store=store if write else None)


def project_points(model_points, basis, *, scenarios: str | Path | None = None,
                   stochastic: int | None = None, seed: int | None = None, by: str = "product",
                   months: int | None = None, point_values: bool = False):
    """Project a model-point file on a basis (``reserva project-points``): monthly cashflows and
    present values per group (or point) and scenario, nothing stored.

    Parameters
    ----------
    model_points : str, Path or reserva.projection.points.model_points.ModelPoints
        A model-point CSV (``point_id, product, sex, age_at_entry, duration_mth, ...``), or
        points built in memory.
    basis : str, Path or reserva.projection.points.basis.Basis
        A basis folder, or a bundled basis: ``microlife``, ``basicterm_s``, ``basicterm_me``.
    scenarios : str or Path, optional
        Shocks, a stress scenario file, or economic paths by scenario and month.
    stochastic : int, optional
        That many Hull–White paths calibrated to the basis' curve (the basis' a and sigma).
    seed : int, optional
        The paths' seed (required with ``stochastic``): the same seed, the same paths.
    by : str
        ``point``, ``product``, ``kind``, ``all`` or a column of the model-point file.
    months : int, optional
        Months projected (default: the basis', else to the last maturity).
    point_values : bool
        Keep each point's PVs (``result_pv()``: lifelib's layout).

    Returns
    -------
    reserva.points.PointsRun
        ``result`` (cashflows [group, scenario, month, line], pv), ``pv_frame()``,
        ``result_pv()``, ``cashflow_frame()``, ``percentiles()``, and what was used.

    Raises
    ------
    InputError
        A bad model-point or scenario file (every bad cell at once).
    AssumptionError
        A bad basis folder (every problem of its files at once).
    ArgumentError
        A bad argument (an unknown grouping, stochastic paths without a seed).
    """
    from reserva.points import project_points as _project_points

    return _project_points(model_points, basis, scenarios=scenarios, stochastic=stochastic,
                           seed=seed, by=by, months=months, point_values=point_values)
