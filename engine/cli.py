"""The ``reserva`` command line: parse, make one library call, print, exit code.

Errors of the engine become lines on stderr and a non-zero exit code (2 invalid input or
assumptions, 3 store, 4 computation, 70 internal error), never a traceback
(``RESERVA_DEBUG=1`` shows one for an internal error).
"""

from __future__ import annotations

import json
import math
import os
import re
import sys
from pathlib import Path

import click

from reserva.errors import EngineError
from reserva.reserves.claims import registry as ibnr_registry

DEFAULT_STORE = "reserva.duckdb"


class Finite(click.FloatRange):
    """A float option within bounds that refuses ``nan`` and ``inf`` (click's ranges let NaN
    through: every comparison with NaN is false)."""

    name = "finite float range"

    def convert(self, value, param, ctx):
        x = super().convert(value, param, ctx)
        if not math.isfinite(x):
            self.fail(f"{value!r} is not a finite number", param, ctx)
        return x

store_option = click.option(
    "--store", type=click.Path(dir_okay=False, path_type=Path), default=None,
    help=f"DuckDB store (default: {DEFAULT_STORE} beside the data for close, in the current folder otherwise).",
)
scenario_option = click.option(
    "--scenario", default="base", show_default=True, metavar="NAME",
    help="Scenario of the run's results (base: the close's; a stress check or a projection "
         "stores others under the run). An unknown one is an error listing the run's (exit 3).",
)


def variant_options(command):
    """--set, --multiply, --replace, --overrides: a variant of --assumptions (io.variants)."""
    for option in reversed([
        click.option("--set", "set_values", multiple=True, metavar="SECTION.KEY=VALUE",
                     help="A variant of the set: this setting's new value (repeatable)."),
        click.option("--multiply", "multiplies", multiple=True, metavar="SECTION.KEY=FACTOR",
                     help="A variant of the set: this number setting times FACTOR (repeatable)."),
        click.option("--replace", "replaces", multiple=True, metavar="FILE.csv=PATH",
                     help="A variant of the set: this table of the set replaced by the CSV file "
                          "PATH (repeatable)."),
        click.option("--overrides", "overrides_file", default=None, metavar="FILE",
                     type=click.Path(exists=True, dir_okay=False, path_type=Path),
                     help="A variant of the set: a TOML file of [set], [multiply] and [replace] "
                          "overrides."),
    ]):
        command = option(command)
    return command


def _assumption_set(assumptions: str, set_values, multiplies, replaces, overrides_file):
    """``assumptions`` itself, or its variant by the overrides options (a derived set)."""
    from reserva.io.assumptions import load_assumptions
    from reserva.io.variants import derive, from_options

    overrides = from_options(set_values, multiplies, replaces, overrides_file)
    if not overrides:
        return assumptions
    variant = derive(load_assumptions(assumptions), overrides)
    click.echo(f"assumption set {variant.set_id}: a variant of {assumptions} "
               f"(hash {variant.set_hash[:8]})", err=True)
    return variant


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="reserva")
def cli() -> None:
    """Reserva: period-end reserving, statements and KPIs for microinsurance programmes."""


@cli.command()
@click.argument("out_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--policies", type=click.IntRange(min=1), default=500_000, show_default=True,
              help="Number of policy rows (coverage terms) to generate.")
@click.option("--seed", type=int, default=20251231, show_default=True, help="Random seed.")
@click.option("--valuation-date", default="2025-12-31", show_default=True,
              help="Last day of the history (the extract date).")
@click.option("--history-start", default="2021-01-01", show_default=True,
              help="First day of the history.")
def sample(out_dir: Path, policies: int, seed: int, valuation_date: str, history_start: str) -> None:
    """Write a deterministic sample data pack for the five-product sample programme."""
    from reserva.sample.generate import write_sample

    s = write_sample(out_dir, policies=policies, seed=seed, history_start=history_start,
                     valuation_date=valuation_date)
    counts = ", ".join(f"{k} {v:,}" for k, v in s.rows.items())
    click.echo(f"sample data pack written to {out_dir} ({counts}) in {s.seconds:.1f} s")


@cli.command()
@click.argument("data_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--assumptions", default="default", show_default=True,
              help="Assumption set whose input limits and vocabularies the data must meet "
                   "(as the close on that set checks them).")
@variant_options
def validate(data_dir: Path, assumptions: str, set_values, multiplies, replaces,
             overrides_file) -> None:
    """Check every table of DATA_DIR as a close does: list every bad cell (exit 2), or say it is
    valid (exit 0), with the rows that break a warning rule as warnings on stderr."""
    import reserva.reserves.accrued.alr  # noqa: F401 - registers the mortality tables' ages
    from reserva.errors import MAX_CELL_LINES
    from reserva.io.limits import InputLimits
    from reserva.io.readers import read_pack

    assumptions = _assumption_set(assumptions, set_values, multiplies, replaces, overrides_file)
    pack = read_pack(data_dir, limits=InputLimits.of(assumptions))
    counts = ", ".join(f"{k} {len(v):,}" for k, v in pack.tables.items())
    for line in pack.warnings[:MAX_CELL_LINES]:
        click.echo(f"reserva: warning: {line}", err=True)
    rest = len(pack.warnings) - MAX_CELL_LINES
    if rest > 0:
        click.echo(f"reserva: warning: ... and {rest} more", err=True)
    warned = f"; {len(pack.warnings):,} warning{'s' if len(pack.warnings) != 1 else ''}" \
        if pack.warnings else ""
    click.echo(f"{data_dir}: valid ({counts}){warned}")


@cli.command()
@click.argument("data_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--valuation-date", "valuation_dates", multiple=True, required=True,
              help="Valuation date YYYY-MM-DD; repeat it to close several periods in order.")
@click.option("--assumptions", default="default", show_default=True,
              help="Assumption set: a folder name under assumptions/ or a path.")
@store_option
@click.option("--edition", type=click.Choice(["1", "2"]), default=None,
              help="Handbook edition for KPI order, definitions and thresholds (default: the set's).")
@click.option("--quiet", is_flag=True,
              help="Print only one line per period closed: no progress, no tables (warnings "
                   "are still printed).")
@click.option("--wait", type=Finite(min=0), default=0, show_default=True,
              metavar="SECONDS",
              help="When another close is writing to the store, wait up to SECONDS for it to "
                   "finish (0: fail at once, exit 3).")
@click.option("--rerun", is_flag=True,
              help="Close a date again even when its latest run used the same data, "
                   "assumptions and edition (a new run; nothing is overwritten).")
@variant_options
def close(data_dir: Path, valuation_dates, assumptions, store, edition, quiet, wait,
          rerun, set_values, multiplies, replaces, overrides_file) -> None:
    """Close the period(s) ending at the valuation date(s): reserves, statements, KPIs, stored.

    Each date is closed once, in date order; a date already closed with the same data,
    assumptions and edition is skipped unless --rerun. Progress goes to stderr (a bar on a
    terminal, plain lines otherwise); each date's line is printed as its run is stored.
    --set, --multiply, --replace and --overrides close on a variant of the set (its id
    SET+xxxxxxxx, printed on stderr, is stored with the run).
    """
    from reserva.batch import close_many
    from reserva.pipeline import CloseResult
    from reserva.report import terminal
    from reserva.report.builders import close_summary
    from reserva.report.progress import CloseProgress

    for d in valuation_dates:
        _check_date(d)
    assumptions = _assumption_set(assumptions, set_values, multiplies, replaces, overrides_file)
    store = store or data_dir / DEFAULT_STORE
    out = terminal.console()
    with CloseProgress(out, terminal.console(stderr=True), store=store, quiet=quiet) as shown:
        results = close_many(data_dir, valuation_dates, assumptions=assumptions, store=store,
                             edition=int(edition) if edition else None, rerun=rerun, wait=wait,
                             listener=shown)
    stored = [r for r in results if isinstance(r, CloseResult)]
    if stored and not quiet:
        terminal.show(close_summary(store, stored[-1].run_id), out)


@cli.command()
@click.argument("data_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--valuation-date", required=True, help="Valuation date YYYY-MM-DD.")
@click.option("--basis", default=None,
              help="Earning basis or profile for every product (default: each product kind's, "
                   "from the assumption set): daily, monthly, 24ths, 8ths, 12ths, expiry_month, "
                   "immediate, at_expiry, or a profile of earning_profiles.csv.")
@click.option("--perspective", type=click.Choice(["overall", "insurer", "agent"]), default=None,
              help="Perspective for premium components (default: the set's, overall).")
@click.option("--by", type=click.Choice(["product", "policy"]), default="product", show_default=True,
              help="Totals by product (with the earning basis used) or one row per policy.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table",
              show_default=True, help="Output format (CSV text cells safe for spreadsheets).")
@click.option("--assumptions", default="default", show_default=True,
              help="Assumption set: a folder name under assumptions/ or a path.")
def upr(data_dir, valuation_date, basis, perspective, by, fmt, assumptions) -> None:
    """Spot-check the UPR at a date (nothing is stored): by product or by policy."""
    from reserva.pipeline import spot_upr
    from reserva.report import spot, terminal
    from reserva.report.export import csv_text, records_json

    _check_date(valuation_date)
    result, names = spot_upr(data_dir, valuation_date, assumptions=assumptions, basis=basis,
                             perspective=perspective)
    if fmt == "csv":
        click.echo(csv_text(spot.upr_rows(result, names, by)), nl=False)
    elif fmt == "json":
        click.echo(records_json(spot.upr_rows(result, names, by)))
    else:
        terminal.show(spot.upr_report(result, names, by=by, valuation_date=valuation_date))


def _tail_option(ctx, param, value):
    if value is None or value == "exponential":
        return value
    try:
        factor = float(value)
    except ValueError:
        factor = float("nan")
    if not factor >= 1.0 or factor == float("inf"):
        raise click.BadParameter(f"{value!r}: expected a factor >= 1 or 'exponential'")
    return factor


def _apriori_option(ctx, param, value):
    if value is not None and not (0.0 < value < float("inf")):
        raise click.BadParameter(f"{value!r}: expected a finite expected loss ratio > 0 (e.g. 0.65)")
    return value


@cli.command()
@click.argument("triangle_csv", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--origin", default=None, help="Origin column of a long CSV (default: origin).")
@click.option("--development", default=None, help="Development-age column of a long CSV (default: development).")
@click.option("--value", default=None, help="Cumulative value column of a long CSV (default: value).")
@click.option("--method", type=click.Choice(ibnr_registry.triangle_choices()),
              default="chain_ladder", show_default=True,
              help="; ".join(f"{e.name}: {e.summary}" for e in ibnr_registry.METHODS.values()
                             if e.on_triangle)
                   + ". chainladder and capecod (the chainladder package's spellings) are read as "
                     "chain_ladder and cape_cod.")
@click.option("--exposure", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="CSV with columns origin, exposure (e.g. earned premium, > 0 for every origin) "
                   "for bf, cape_cod, benktander.")
@click.option("--apriori", type=float, default=None, callback=_apriori_option,
              help="Expected loss ratio (finite, > 0) for bf and benktander.")
@click.option("--zeros", type=click.Choice(["missing", "data"]), default="missing", show_default=True,
              help="How a cumulative 0 is read: missing (chainladder's convention: it enters no "
                   "link ratio, so results equal chainladder's) or data (a value: a 0 in the "
                   "last column then makes every ultimate 0, flagged as collapsed).")
@click.option("--tail", default=None, callback=_tail_option,
              help="Tail factor beyond the last age: a factor >= 1 or 'exponential' (a curve "
                   "fitted to the factors) [default: the assumption set's, 1.0 in the default set].")
@click.option("--sigma-extrapolation", type=click.Choice(["mack", "log-linear"]), default=None,
              help="Mack: how sigma^2 is filled where it cannot be estimated: mack (Mack 1993's "
                   "rule) or log-linear [default: the assumption set's, mack in the default set].")
@click.option("--assumptions", default="default", show_default=True,
              help="Assumption set whose ibnr_options.csv row --kind gives the factor options "
                   "(average, diagonals, drops, tail, sigma rule, link-ratio limit).")
@click.option("--kind", default="other", show_default=True,
              help="Product kind of that row.")
@click.option("--bootstrap", "bootstrap_sims", type=click.IntRange(0, 100_000), default=0,
              show_default=True,
              help="Simulations of the ODP chain ladder bootstrap of the total IBNR (0 = none, at "
                   "most 100,000; memory grows with simulations x cells, about 4.6 GB for "
                   "100,000 on a 10 x 10 triangle): mean, std and percentiles 75, 95, 99.5.")
@click.option("--seed", type=int, default=42, show_default=True,
              help="Random seed of the bootstrap (1 or more; the same seed gives the same figures).")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True, help="A table with review lines, or json (null where undefined).")
def ibnr(triangle_csv, origin, development, value, method, exposure, apriori, zeros, tail,
         sigma_extrapolation, assumptions, kind, bootstrap_sims, seed, fmt) -> None:
    """IBNR of a cumulative triangle CSV: long (origin, development, value) or wide.

    Cells are numbers or empty: an empty cell before an origin's last value is missing (its
    link ratios are left out); an empty latest cell (short of the diagonal), a repeated origin
    or a repeated cell is refused, as are cells and exposures above the assumption set's
    [input] max_money. A long CSV's rows may come in any order when its origins are numbers
    or ISO dates. Prints the IBNR by origin with its flags, the totals over the origins with a
    result, and the triangle's diagnostics (json: "diagnostics"; undefined values are null); a
    result that overflows (e.g. --tail 1e308) is an error (exit 4).
    """
    from reserva.report import terminal
    from reserva.report.spot import ibnr_report, triangle_ibnr_document

    doc = triangle_ibnr_document(
        triangle_csv, method, origin=origin, development=development, value=value,
        exposure_csv=exposure, apriori=apriori, zeros=zeros, tail=tail,
        sigma_extrapolation=sigma_extrapolation, assumptions=assumptions, kind=kind,
        bootstrap_sims=bootstrap_sims, seed=seed)
    if fmt == "json":
        click.echo(json.dumps(doc, indent=1, allow_nan=False))
        return
    terminal.show(ibnr_report(doc, name=triangle_csv.name, zeros=zeros))


@cli.command()
@click.option("--product", "plan", type=click.Choice(["whole_life", "endowment", "term"]), required=True,
              help="Contract: whole life, endowment (term + pure endowment) or term.")
@click.option("--age", type=click.IntRange(min=0), required=True, help="Age at issue (whole years).")
@click.option("--term", type=click.IntRange(min=1), default=None,
              help="Term in years (endowment, term; whole life runs to the end of the table).")
@click.option("--duration", type=Finite(min=0), default=0.0, show_default=True,
              help="Years since issue at which the reserve is wanted (fractions: uniform deaths).")
@click.option("--interest", type=Finite(min=-0.5, max=1.0, max_open=True), default=None,
              help="Annual interest rate (default: the assumption set's rate of the product kind).")
@click.option("--table", default=None, help="Mortality table of the assumption set (default: the kind's).")
@click.option("--sum-insured", type=Finite(min=0), default=1.0, show_default=True,
              help="Sum insured (paid on death, and at the end of an endowment).")
@click.option("--premium-mode", type=click.Choice(["annual", "semiannual", "quarterly", "monthly", "single"]),
              default="annual", show_default=True,
              help="Premium frequency (single: one premium at issue).")
@click.option("--premium-term", type=click.IntRange(min=1), default=None,
              help="Years of premium payment (default: the term).")
@click.option("--assumptions", default="default", show_default=True,
              help="Assumption set: a folder name under assumptions/ or a path.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True, help="Output format.")
def life(plan, age, term, duration, interest, table, sum_insured, premium_mode, premium_term,
         assumptions, fmt) -> None:
    """Net premium and net premium reserve of one contract: the actuary's spot check."""
    from reserva.api import life_reserve
    from reserva.errors import InputError
    from reserva.report import terminal
    from reserva.report.spot import life_report

    try:
        out = life_reserve(plan, age, term=term, duration=duration, interest=interest,
                           table=table, sum_insured=sum_insured, premium_mode=premium_mode,
                           premium_term=premium_term, assumptions=assumptions)
    except InputError as exc:  # a bad argument: name its option
        cells = [c for c in exc.cells if c.file == "argument"]
        if not cells:
            raise
        raise click.BadParameter("; ".join(f"{c.value}, expected {c.expected}"
                                           + (f" (fix: {c.fix})" if c.fix else "") for c in cells),
                                 param_hint=", ".join(f"--{c.column.replace('_', '-')}"
                                                      for c in cells)) from None
    if fmt == "json":
        click.echo(json.dumps(out, indent=1))
        return
    terminal.show(life_report(out, plan=plan, age=age, term=term, duration=duration,
                              premium_mode=premium_mode, sum_insured=sum_insured))


def _head(run_id: int, scenario: str) -> dict:
    """The head of a stored report's JSON: the run id, and the scenario when not base."""
    return {"run_id": run_id} if scenario == "base" else {"run_id": run_id, "scenario": scenario}


def _check_date(text: str) -> None:
    from reserva.io.arrays import day

    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            raise ValueError(text)
        day(text)
    except (ValueError, TypeError, OverflowError):
        raise click.BadParameter(f"{text!r} is not a date YYYY-MM-DD",
                                 param_hint="--valuation-date") from None


@cli.command()
@store_option
def runs(store) -> None:
    """List the runs in the store."""
    from reserva.report import terminal
    from reserva.report.builders import runs_report

    terminal.show(runs_report(store or Path(DEFAULT_STORE)))


@cli.command()
@click.option("--run", "run_id", type=click.IntRange(min=1), default=None, help="Run id (default: the latest completed run).")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table",
              show_default=True,
              help="table: the folded terminal table; json or csv: every row (CSV text cells "
                   "safe for spreadsheets).")
@store_option
@click.option("--trend", is_flag=True,
              help="Each indicator across the stored valuation dates (latest run of each date).")
@click.option("--product", default=None,
              help="One product (or ALL for the programme): its column of the run's table, or "
                   "with --trend its table.")
@click.option("--pending", is_flag=True,
              help="List the claims the run's timeliness schedule is waiting for (not yet processed).")
@click.option("--all", "show_all", is_flag=True,
              help="Show every indicator and cell of the table (by default families that are n/a "
                   "for a product are folded into one line with their reason).")
@scenario_option
def kpi(run_id, fmt, store, trend, product, pending, show_all, scenario) -> None:
    """Print a run's KPI table, or with --trend each indicator across the stored runs."""
    from reserva.report import builders, terminal
    from reserva.report.export import csv_text, json_text

    store = store or Path(DEFAULT_STORE)
    if trend:
        if run_id is not None:
            raise click.UsageError("--trend reads every stored run; drop --run")
        if fmt == "table":
            terminal.show(builders.trend_report(store, product, scenario))
        else:
            rows = builders.trend_rows(store, product, scenario)
            click.echo(csv_text(rows) if fmt == "csv" else json_text(trend=rows),
                       nl=fmt != "csv")
        return
    if pending:
        if fmt == "table":
            terminal.show(builders.pending_report(store, run_id, scenario))
        else:
            rid, rows = builders.pending_rows(store, run_id, scenario)
            click.echo(csv_text(rows) if fmt == "csv" else json_text(
                _head(rid, scenario), pending_claims=rows), nl=fmt != "csv")
        return
    if fmt == "table":
        terminal.show(builders.kpi_report(store, run_id, product=product, full=show_all,
                                          scenario=scenario))
    else:
        rid, rows = builders.kpi_rows(store, run_id, product, scenario)
        click.echo(csv_text(rows) if fmt == "csv" else json_text(_head(rid, scenario), kpis=rows),
                   nl=fmt != "csv")


@cli.command()
@click.option("--run", "run_id", type=click.IntRange(min=1), default=None, help="Run id (default: the latest completed run).")
@click.option("--product", default=None, help="One product (or ALL for the programme).")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table",
              show_default=True, help="Output format (CSV text cells safe for spreadsheets).")
@store_option
@scenario_option
def liquidity(run_id, product, fmt, store, scenario) -> None:
    """A run's liquidity ratios by method (projection, rule of thumb, balance-sheet factors) and
    horizon, and the static ratio, per product with assets and for the programme."""
    from reserva.report import builders, terminal
    from reserva.report.export import csv_text, json_text

    store = store or Path(DEFAULT_STORE)
    if fmt == "table":
        terminal.show(builders.liquidity_report(store, run_id, product, scenario))
        return
    rid, _, rows = builders.liquidity_rows(store, run_id, product, scenario)
    click.echo(csv_text(rows) if fmt == "csv" else json_text(_head(rid, scenario), liquidity=rows),
               nl=fmt != "csv")


@cli.command()
@click.option("--run", "run_id", type=click.IntRange(min=1), default=None, help="Run id (default: the latest completed run).")
@click.option("--scenarios", "scenarios_csv", default=None,
              type=click.Path(dir_okay=False, path_type=Path),
              help="A scenario file of your own (default: the set's stress_scenarios.csv).")
@click.option("--assumptions", default="default", show_default=True,
              help="Assumption set: [stress] settings, liquidity factors, scenario library.")
@click.option("--reverse", is_flag=True,
              help="Also search, for each shock type and combined scenario, the smallest "
                   "multiplier that breaks liquidity or solvency.")
@click.option("--simulations", type=click.IntRange(min=1), default=None,
              help="Also simulate next-year claims this many times (Monte Carlo).")
@click.option("--seed", type=click.IntRange(min=1, max=2**32 - 2), default=None,
              help="Seed of the simulation (default: the set's [stochastic] seed).")
@click.option("--by-product", is_flag=True, help="Also show every product's table.")
@click.option("--no-save", is_flag=True, help="Show the results without storing them.")
@click.option("--show", is_flag=True,
              help="Show the stress scenarios stored under the run (nothing computed).")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table",
              show_default=True, help="Output format (CSV: one row per scenario, product, "
                                      "metric and horizon).")
@store_option
def stress(run_id, scenarios_csv, assumptions, reverse, simulations, seed, by_product, no_save,
           show, fmt, store) -> None:
    """Stress a stored close with many scenarios at once: stressed liquidity ratios, survival
    horizon, shortfall and solvency per scenario; reverse stress; stochastic claims."""
    from reserva.report import terminal
    from reserva.report.export import csv_text, json_text
    from reserva.report.stress_view import reverse_rows, stress_report
    from reserva.stress_check import stress as run

    store = store or Path(DEFAULT_STORE)
    if show:
        if scenarios_csv or reverse or simulations or by_product or fmt != "table":
            raise click.UsageError("--show prints the stored checks as a table; it takes only "
                                   "--run and --store")
        from reserva.report.stress_view import stored_stress_report

        terminal.show(stored_stress_report(store, run_id))
        return
    done = set()

    def progress(stage: str, k: int, total: int) -> None:
        if fmt == "table" and total > 1 and (stage, k) not in done and sys.stderr.isatty():
            done.add((stage, k))
            click.echo(f"reserva: {stage} {k}/{total}", err=True)

    check = run(store, run_id, assumptions=assumptions, scenarios=scenarios_csv,
                reverse=reverse, simulations=simulations, seed=seed, save=not no_save,
                progress=progress)
    if fmt == "table":
        terminal.show(stress_report(check, per_product=by_product))
        return
    frame = check.result.frame()
    if fmt == "csv":
        click.echo(csv_text(frame), nl=False)
        return
    tables = {"stress": frame}
    if check.reverse:
        tables["reverse"] = reverse_rows(check)
    if check.stochastic is not None:
        tables["stochastic"] = check.stochastic.frame()
    click.echo(json_text({"run_id": check.run_id, "scenarios_file": check.scenarios_file,
                          "scenarios_sha256": check.file_hash,
                          "assumption_set": check.assumption_set,
                          "stored": list(check.stored), "notes": list(check.notes)}, **tables))


@cli.command()
@click.option("--run", "run_id", type=click.IntRange(min=1), default=None,
              help="Run id of the close to start from (default: the latest completed run).")
@click.option("--years", type=click.IntRange(min=0, max=10), default=None,
              help="Years projected (default: the set's [forecast] years; 0 = the close only).")
@click.option("--period", type=click.Choice(["quarter", "year"]), default=None,
              help="Projected period (default: the set's [forecast] period_months).")
@click.option("--scenarios", "scenarios_csv", default=None,
              help="Scenario file (columns of stress_scenarios.csv; default: the set's). The "
                   "business plan, scenario base, is always projected first.")
@click.option("--actions", "actions_csv", default=None,
              help="Management action file (columns of management_actions.csv; default: the "
                   "set's).")
@click.option("--no-actions", is_flag=True, help="Project without management actions.")
@click.option("--assumptions", default="default", show_default=True,
              help="Assumption set of the plan: a folder name under assumptions/ or a path.")
@click.option("--statements", "statements_of", default=None, metavar="SCENARIO",
              help="Also print this scenario's statements, reserves and ratios by period.")
@click.option("--no-save", is_flag=True, help="Show the projection without storing it.")
@click.option("--backtest", is_flag=True,
              help="Project --from-run to the date of --to-run under the plan and compare with "
                   "that close (nothing stored).")
@click.option("--from-run", type=click.IntRange(min=1), default=None,
              help="--backtest: the close projected.")
@click.option("--to-run", type=click.IntRange(min=1), default=None,
              help="--backtest: the later close compared with.")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table",
              show_default=True, help="table: the compact table and verdicts; json: every "
                                      "item; csv: every item as long rows.")
@store_option
def project(run_id, years, period, scenarios_csv, actions_csv, no_actions, assumptions,
            statements_of, no_save, backtest, from_run, to_run, fmt, store) -> None:
    """Project a stored close forward: the business plan and adverse scenarios, quarter by
    quarter or year by year, with management actions; statements, reserves, solvency and
    liquidity per period, the first breaches and an FCT-style verdict per scenario.
    --backtest compares a projection with a later close."""
    from reserva.forecast import project as run
    from reserva.report import terminal
    from reserva.report.export import csv_text, json_text
    from reserva.report.plan_view import backtest_report, projection_report

    store = store or Path(DEFAULT_STORE)
    if backtest or from_run or to_run:
        if not (backtest and from_run and to_run):
            raise click.UsageError("--backtest needs --from-run and --to-run (and they need it)")
        if run_id or years is not None or period or scenarios_csv or statements_of:
            raise click.UsageError("--backtest projects the plan quarter by quarter from "
                                   "--from-run to --to-run: leave out --run, --years, --period, "
                                   "--scenarios and --statements")
        from reserva.forecast import backtest as run_backtest

        if actions_csv:
            raise click.UsageError("--backtest takes the set's management actions or none "
                                   "(the default, --no-actions)")
        bt = run_backtest(store, from_run, to_run, assumptions=assumptions,
                          use_actions=False)
        if fmt == "table":
            terminal.show(backtest_report(bt))
        elif fmt == "csv":
            click.echo(csv_text(bt.frame), nl=False)
        else:
            click.echo(json_text({"from_run": bt.from_run, "to_run": bt.to_run,
                                  "from_date": bt.from_date, "to_date": bt.to_date,
                                  "months": bt.months, "period_months": bt.period_months,
                                  "assumption_set": bt.assumption_set}, backtest=bt.frame))
        return
    if statements_of is not None and fmt != "table":
        raise click.UsageError("--statements prints a table; json and csv hold every item")
    if no_actions and actions_csv:
        raise click.UsageError("--no-actions and --actions exclude each other")
    done = [0]

    def progress(k: int) -> None:  # a line per chunk of scenarios, on a terminal only
        done[0] += k
        if fmt == "table" and sys.stderr.isatty():
            click.echo(f"reserva: projected {done[0]} scenario(s)", err=True)

    res = run(store, run_id, assumptions=assumptions, years=years, period=period,
              scenarios=scenarios_csv, actions=actions_csv, use_actions=not no_actions,
              save=not no_save, statements=statements_of, progress=progress)
    if fmt == "table":
        terminal.show(projection_report(res, statements=statements_of))
        return
    frame = res.frame()
    if fmt == "csv":
        click.echo(csv_text(frame), nl=False)
        return
    click.echo(json_text({"run_id": res.run_id, "scenarios_file": res.scenarios_file,
                          "scenarios_sha256": res.file_hash, "actions_sha256": res.actions_hash,
                          "assumption_set": res.assumption_set,
                          "period_months": res.result.period_months,
                          "verdicts": dict(res.verdicts), "stored": list(res.stored),
                          "notes": list(res.notes)},
                         projection=frame, breaches=res.breaches))


def _year_range(text: str | None) -> tuple[int, int] | None:
    if text is None:
        return None
    import re

    m = re.fullmatch(r"(\d{4})(?:-(\d{4}))?", text)
    try:
        if m is None:
            raise ValueError(text)
        lo, hi = int(m[1]), int(m[2] or m[1])
    except ValueError:
        raise click.BadParameter(f"{text!r}: expected YEAR or FIRST-LAST (e.g. 2003-2015)",
                                 param_hint="--years") from None
    if lo > hi:
        raise click.BadParameter(f"{text!r}: the first year after the last",
                                 param_hint="--years")
    return lo, hi


@cli.command()
@click.argument("budget_set")
@click.option("--scenarios", "scenarios_csv", default=None,
              help="Scenario file (columns of budget_scenarios.csv; default: the set's own "
                   "budget_scenarios.csv, if any). The base is always projected first.")
@click.option("--years", "years_text", default=None, metavar="FIRST-LAST",
              help="The years shown (all are projected and stored).")
@click.option("--no-save", is_flag=True, help="Show the budget without storing it.")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table",
              show_default=True, help="table: the seed's three tables; json and csv: every "
                                      "item of every scenario and year.")
@store_option
def budget(budget_set, scenarios_csv, years_text, no_save, fmt, store) -> None:
    """Project a social health budget set (a folder, or a bundled set's name such as
    essalud): population x coverage x utilisation x cost against the wage bill and
    contributions, every scenario at once; income and expenditure, cost as % of the wage bill
    and per-capita cost by scenario and year."""
    from reserva.budgeting import budget as run
    from reserva.report import terminal
    from reserva.report.budget_view import budget_report
    from reserva.report.export import csv_text, json_text

    years = _year_range(years_text)
    store = None if no_save else (store or Path(DEFAULT_STORE))
    res = run(budget_set, scenarios=scenarios_csv, store=store, years=years)
    if fmt == "table":
        terminal.show(budget_report(res, years=years))
        return
    frame = res.frame()
    if years is not None:
        frame = frame[frame["year"].between(*years)]
    if fmt == "csv":
        click.echo(csv_text(frame), nl=False)
        return
    click.echo(json_text({"budget_id": res.budget_id, "set_id": res.budget_set.set_id,
                          "set_hash": res.budget_set.set_hash,
                          "scenarios_file": res.scenarios_file,
                          "scenarios_sha256": res.file_hash,
                          "premium_base": "protected" if res.budget_set.premium_base
                          else "wage_bill", "reserve_target": res.budget_set.reserve_target,
                          "general_average_premium": dict(zip(
                              res.scenario_ids, map(float, res.general_average_premium),
                              strict=True)),
                          "scaled_premium": dict(zip(
                              res.scenario_ids, map(float, res.scaled_premium),
                              strict=True))}, budget=frame))


@cli.command("project-points")
@click.argument("model_points_csv", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--basis", required=True, metavar="DIR|NAME",
              help="Basis folder (basis.toml, products.csv, mortality, schedules, discount "
                   "curve), or a bundled basis: microlife, basicterm_s, basicterm_me, sult.")
@click.option("--scenarios", "scenarios_file", default=None,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Shocks (scenario, mortality, lapse, mass_lapse, expense, rate_shift), a "
                   "stress scenario file, or economic paths (scenario, month, rate[, "
                   "fund_return]).")
@click.option("--stochastic", type=click.IntRange(min=1, max=100_000), default=None,
              metavar="N", help="N Hull-White paths calibrated to the basis' curve.")
@click.option("--seed", type=click.IntRange(min=0), default=None,
              help="Seed of the stochastic paths (required with --stochastic).")
@click.option("--by", default="product", show_default=True, metavar="point|product|kind|all|COLUMN",
              help="Group the results by point, product, kind, all, or a column of the "
                   "model-point file.")
@click.option("--cashflows", is_flag=True,
              help="Monthly cashflows by line (csv, json, parquet) instead of the PVs.")
@click.option("--months", type=click.IntRange(min=1, max=1200), default=None,
              help="Months projected (default: the basis', else to the last maturity).")
@click.option("--compress", type=click.IntRange(min=1), default=None, metavar="K",
              help="Cluster the points into K model points first and report the error of the "
                   "compressed run against the full one.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json", "parquet"]),
              default="table", show_default=True,
              help="table: PVs by group and scenario (and percentiles of stochastic paths); csv "
                   "and json: every row; parquet: written to --output.")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write csv, json or parquet to this file (parquet needs it).")
def project_points_command(model_points_csv, basis, scenarios_file, stochastic, seed, by,
                           cashflows, months, compress, fmt, output) -> None:
    """Project a model-point file on a basis: per-point and total cashflows and present values
    (lifelib's result_pv layout per point) under the base, shocked and stochastic scenarios."""
    from reserva.points import run_command

    run_command(model_points_csv, basis=basis, scenarios=scenarios_file,
                stochastic=stochastic, seed=seed, by=by, cashflows=cashflows, months=months,
                compress=compress, fmt=fmt, output=output)


@cli.group(invoke_without_command=True)
@click.option("--run", "run_id", type=click.IntRange(min=1), default=None, help="Run id (default: the latest completed run).")
@click.option("--product", default=None, help="One product (or ALL for the programme).")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True, help="Output format.")
@store_option
@scenario_option
@click.pass_context
def alm(ctx, run_id, product, fmt, store, scenario) -> None:
    """Asset-liability matching: a run's maturity ladder, PV surplus, shocks and
    investment-policy checks; `alm match` solves a cash-matching portfolio."""
    if ctx.invoked_subcommand is not None:
        return
    from reserva.report import builders, terminal
    from reserva.report.export import json_text

    store = store or Path(DEFAULT_STORE)
    if fmt == "json":
        rid, _, rows = builders.alm_rows(store, run_id, product, scenario)
        click.echo(json_text(_head(rid, scenario), **rows))
        return
    terminal.show(builders.alm_report(store, run_id, product, scenario))


@alm.command("match")
@click.option("--liabilities", "liabilities_csv", required=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="CSV with columns time, amount: the liability outflows to meet.")
@click.option("--bonds", "bonds_csv", required=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="CSV with bond_id, price, then one column per time (the header is the time) "
                   "holding the cash one unit of the bond pays then.")
@click.option("--reinvest-rate", type=Finite(min=-1, min_open=True), default=None,
              help="Carry each period's surplus forward at this annual rate (default: no surplus "
                   "carried).")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True, help="Output format.")
def alm_match(liabilities_csv, bonds_csv, reinvest_rate, fmt) -> None:
    """The least-cost bond portfolio whose cash meets every liability (a linear programme
    solved by HiGHS)."""
    from reserva.projection.matching import match_files

    result = match_files(liabilities_csv, bonds_csv, reinvest_rate)
    if fmt == "json":
        click.echo(json.dumps(result, indent=1))
        return
    from reserva.report import terminal
    from reserva.report.spot import match_report

    terminal.show(match_report(result, reinvest_rate))


@cli.group()
def assumptions() -> None:
    """Assumption sets: hash after editing, check before use."""


@assumptions.command("hash")
@click.argument("set_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
def assumptions_hash(set_dir: Path) -> None:
    """Write SET_DIR/manifest.toml with the sha256 of every file of the set."""
    from reserva.io.assumptions import write_manifest

    click.echo(f"{set_dir}: set hash {write_manifest(set_dir)}")


@assumptions.command("check")
@click.argument("set_id", default="default")
@variant_options
def assumptions_check(set_id: str, set_values, multiplies, replaces, overrides_file) -> None:
    """Verify a set against its manifest and read it (with overrides: derive the variant and
    check it, printing its id and hash)."""
    from reserva.io.assumptions import load_assumptions

    a = _assumption_set(set_id, set_values, multiplies, replaces, overrides_file)
    a = load_assumptions(a) if isinstance(a, str) else a
    click.echo(f"assumption set {a.set_id}: ok, hash {a.set_hash}, {len(a.file_hashes)} files")


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the CLI, turn every error into stderr lines and an exit code."""
    try:
        cli.main(args=argv, prog_name="reserva", standalone_mode=False)
        return 0
    except EngineError as exc:
        for line in exc.lines():
            click.echo(f"reserva: {line}", err=True)
        return exc.exit_code
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.Abort:
        click.echo("reserva: aborted", err=True)
        return 130
    except click.ClickException as exc:
        click.echo(f"reserva: {exc.format_message()}", err=True)
        return 2
    except Exception as exc:  # noqa: BLE001 - the last line of defence: never a traceback
        if os.environ.get("RESERVA_DEBUG"):
            raise
        click.echo(f"reserva: internal error: {type(exc).__name__}: {exc} "
                   "(set RESERVA_DEBUG=1 for the traceback)", err=True)
        return 70


if __name__ == "__main__":
    sys.exit(main())
