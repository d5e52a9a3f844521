"""The ``reserva`` command line: parse, make one library call, print, exit code.

Errors of the engine become lines on stderr and a non-zero exit code (2 invalid input or
assumptions, 3 store, 4 computation, 70 internal error), never a traceback
(``RESERVA_DEBUG=1`` shows one for an internal error).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from engine.errors import EngineError

DEFAULT_STORE = "reserva.duckdb"
store_option = click.option(
    "--store", type=click.Path(dir_okay=False, path_type=Path), default=None,
    help=f"DuckDB store (default: {DEFAULT_STORE} beside the data for close, in the current folder otherwise).",
)


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
    from engine.sample.generate import write_sample

    s = write_sample(out_dir, policies=policies, seed=seed, history_start=history_start,
                     valuation_date=valuation_date)
    counts = ", ".join(f"{k} {v:,}" for k, v in s.rows.items())
    click.echo(f"sample data pack written to {out_dir} ({counts}) in {s.seconds:.1f} s")


@cli.command()
@click.argument("data_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
def validate(data_dir: Path) -> None:
    """Check every table of DATA_DIR; list every bad cell (exit 2) or say it is clean."""
    from engine.io.readers import read_pack

    pack = read_pack(data_dir)
    counts = ", ".join(f"{k} {len(v):,}" for k, v in pack.tables.items())
    click.echo(f"{data_dir}: valid ({counts})")


@cli.command()
@click.argument("data_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--valuation-date", "valuation_dates", multiple=True, required=True,
              help="Valuation date YYYY-MM-DD; repeat it to close several periods in order.")
@click.option("--assumptions", default="default", show_default=True,
              help="Assumption set: a folder name under assumptions/ or a path.")
@store_option
@click.option("--edition", type=click.Choice(["1", "2"]), default=None,
              help="Handbook edition for KPI order, definitions and thresholds (default: the set's).")
@click.option("--quiet", is_flag=True, help="Print only one line per closed period.")
def close(data_dir: Path, valuation_dates, assumptions, store, edition, quiet) -> None:
    """Close the period(s) ending at the valuation date(s): reserves, statements, KPIs, stored."""
    from engine.close import close_many
    from engine.report import terminal

    for d in valuation_dates:
        _check_date(d)
    store = store or data_dir / DEFAULT_STORE
    err = terminal.console(stderr=True)
    progress = None
    if err.is_terminal:
        status = err.status("reading data pack")
        status.start()
        progress = lambda stage: status.update(f"closing: {stage} done")  # noqa: E731
    try:
        results = close_many(data_dir, valuation_dates, assumptions=assumptions, store=store,
                             edition=int(edition) if edition else None, progress=progress)
    finally:
        if progress:
            status.stop()
    out = terminal.console()
    for r in results:
        out.print(
            f"run {r.run_id}: closed {r.period_start} .. {r.valuation_date} "
            f"(opening from {r.opening_source}) in {r.timings['total']:.2f} s -> {store}"
        )
    last = results[-1]
    if not quiet:
        from engine.store.runs import read_results

        _, reserves = read_results(store, "reserves", last.run_id)
        out.print(terminal.reserves_table(reserves, f"Reserves at {last.valuation_date}"))
        _, roll = read_results(store, "upr_rollforward", last.run_id)
        out.print(terminal.frame_table(
            terminal.rollforward_frame(roll),
            f"UPR roll-forward {last.period_start} .. {last.valuation_date}: "
            "opening + written - cancelled - earned = closing"))
        _, change = read_results(store, "ibnr_change", last.run_id)
        out.print(terminal.frame_table(
            terminal.change_frame(change),
            f"IBNR analysis of change {last.period_start} .. {last.valuation_date}"))
        alr = terminal.alr_frame(last.products, last.alr)
        if len(alr):
            out.print(terminal.frame_table(
                alr, f"ALR at {last.valuation_date}: savings accounts and life contracts"))
        out.print(terminal.kpi_table(last.kpis, f"KPIs, period {last.period_start} .. {last.valuation_date} (run {last.run_id})"))
        for line in terminal.flag_lines(last.kpis):
            out.print(line)
        liq = last.liquidity[(last.liquidity["product_id"] == "ALL")
                             & (last.liquidity["horizon_months"] == 3)]
        out.print("Liquidity, programme, 3 months: " + "; ".join(
            f"{r.method}{' (KPI)' if r.kpi else ''} "
            f"{terminal.half_up(100 * r.ratio, 1) + '%' if r.ratio == r.ratio else 'n/a'}"
            for r in liq.itertuples(index=False))
            + f" -- `reserva liquidity --run {last.run_id}`, `reserva alm --run {last.run_id}`")
        if len(last.kpi_pending):
            out.print(f"{len(last.kpi_pending)} claims selected for the timeliness schedule are not "
                      f"yet processed: `reserva kpi --pending --run {last.run_id}` lists them")
        for note in last.notes:
            out.print(f"note: {note}")


@cli.command()
@click.argument("data_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--valuation-date", required=True, help="Valuation date YYYY-MM-DD.")
@click.option("--basis", default=None,
              help="Earning basis or profile for every product (default: each product kind's, "
                   "from the assumption set): daily, monthly, 24ths, 8ths, 12ths, expiry_month, "
                   "immediate, at_expiry, or a profile of earning_profiles.csv.")
@click.option("--perspective", type=click.Choice(["overall", "insurer", "agent"]), default=None,
              help="Perspective for premium components (default: the set's, overall).")
@click.option("--by", type=click.Choice(["product", "policy"]), default="product", show_default=True)
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table",
              show_default=True)
@click.option("--assumptions", default="default", show_default=True)
def upr(data_dir, valuation_date, basis, perspective, by, fmt, assumptions) -> None:
    """Spot-check the UPR at a date (nothing is stored): by product or by policy."""
    from engine.close import spot_upr
    from engine.report import terminal

    _check_date(valuation_date)
    result, names = spot_upr(data_dir, valuation_date, assumptions=assumptions, basis=basis,
                             perspective=perspective)
    if by == "policy":
        frame = terminal.upr_by_policy(result)
    else:
        frame = terminal.upr_by_product(result, names)
    if fmt == "csv":
        click.echo(frame.to_csv(index=False), nl=False)
    elif fmt == "json":
        click.echo(frame.to_json(orient="records", double_precision=10))
    else:
        terminal.console().print(terminal.frame_table(
            frame, f"UPR at {valuation_date} (period from {terminal.day_text(result.period_start_day)})"))


@cli.command()
@click.argument("triangle_csv", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--origin", default=None, help="Origin column of a long CSV (default: origin).")
@click.option("--development", default=None, help="Development-age column of a long CSV (default: development).")
@click.option("--value", default=None, help="Cumulative value column of a long CSV (default: value).")
@click.option("--method", type=click.Choice(["chainladder", "mack", "bf", "capecod", "benktander"]),
              default="chainladder", show_default=True)
@click.option("--exposure", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="CSV with columns origin, exposure (e.g. earned premium) for bf, capecod, benktander.")
@click.option("--apriori", type=float, default=None, help="Expected loss ratio for bf and benktander.")
@click.option("--bootstrap", "bootstrap_sims", type=click.IntRange(min=0), default=0, show_default=True,
              help="Simulations of the ODP chain ladder bootstrap of the total IBNR (0 = none): "
                   "mean, std and percentiles 75, 95, 99.5.")
@click.option("--seed", type=int, default=42, show_default=True,
              help="Random seed of the bootstrap (1 or more; the same seed gives the same figures).")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
def ibnr(triangle_csv, origin, development, value, method, exposure, apriori, bootstrap_sims, seed,
         fmt) -> None:
    """IBNR of a cumulative triangle CSV: long (origin, development, value) or wide."""
    from engine.io.triangle_csv import read_exposure_csv, read_triangle_csv
    from engine.report import terminal
    from engine.reserves.claims.triangle_ibnr import triangle_ibnr

    tri = read_triangle_csv(triangle_csv, origin=origin, development=development, value=value)
    exp = read_exposure_csv(exposure, tri.origins) if exposure else None
    r = triangle_ibnr(tri.cumulative, method, exposure=exp, apriori=apriori,
                      bootstrap_sims=bootstrap_sims, seed=seed)
    frame = terminal.triangle_ibnr_frame(tri.origins, r)
    boot = r.bootstrap
    if fmt == "json":
        totals = {k: float(frame[k].sum()) for k in ("latest", "ultimate", "ibnr")}
        if r.total_std_err is not None:
            totals["std_err"] = r.total_std_err
        out = {"method": method, "origins": json.loads(frame.to_json(orient="records")),
               "totals": totals, "ldf": r.ldf.tolist()}
        if boot is not None:
            out["bootstrap"] = {
                "model": "odp chain ladder", "n_sims": boot.n_sims, "seed": boot.seed,
                "mean": float(boot.mean[0]), "std": float(boot.std[0]),
                "percentiles": {f"{p:g}": float(v)
                                for p, v in zip(boot.percentiles, boot.total_quantiles[0], strict=True)},
                "by_origin_mean": boot.by_origin_mean[0].tolist(),
            }
        click.echo(json.dumps(out, indent=1))
    else:
        total = frame.drop(columns=["origin"]).sum(numeric_only=True)
        if r.total_std_err is not None:
            total["std_err"] = r.total_std_err
        total["cdf"] = float("nan")
        shown = frame.copy()
        shown.loc[len(shown)] = {"origin": "total", **total.to_dict()}
        title = f"IBNR of {triangle_csv.name} ({method})"
        if boot is not None:
            lines = [("bootstrap mean", boot.mean[0]), ("bootstrap std", boot.std[0])]
            lines += [(f"bootstrap p{p:g}", v)
                      for p, v in zip(boot.percentiles, boot.total_quantiles[0], strict=True)]
            for label, v in lines:
                shown.loc[len(shown)] = {"origin": label, "ibnr": float(v)}
            title += f"; bootstrap: ODP chain ladder, {boot.n_sims} sims, seed {boot.seed}"
        terminal.console().print(terminal.frame_table(shown, title))


@cli.command()
@click.option("--product", "plan", type=click.Choice(["whole_life", "endowment", "term"]), required=True,
              help="Contract: whole life, endowment (term + pure endowment) or term.")
@click.option("--age", type=click.IntRange(min=0), required=True, help="Age at issue (whole years).")
@click.option("--term", type=click.IntRange(min=1), default=None,
              help="Term in years (endowment, term; whole life runs to the end of the table).")
@click.option("--duration", type=click.FloatRange(min=0), default=0.0, show_default=True,
              help="Years since issue at which the reserve is wanted (fractions: uniform deaths).")
@click.option("--interest", type=click.FloatRange(min=-0.5, max=1.0, max_open=True), default=None,
              help="Annual interest rate (default: the assumption set's rate of the product kind).")
@click.option("--table", default=None, help="Mortality table of the assumption set (default: the kind's).")
@click.option("--sum-insured", type=click.FloatRange(min=0), default=1.0, show_default=True)
@click.option("--premium-mode", type=click.Choice(["annual", "semiannual", "quarterly", "monthly", "single"]),
              default="annual", show_default=True)
@click.option("--premium-term", type=click.IntRange(min=1), default=None,
              help="Years of premium payment (default: the term).")
@click.option("--assumptions", default="default", show_default=True)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
def life(plan, age, term, duration, interest, table, sum_insured, premium_mode, premium_term,
         assumptions, fmt) -> None:
    """Net premium and net premium reserve of one contract: the actuary's spot check."""
    from engine.errors import ComputationError
    from engine.io.assumptions import load_assumptions
    from engine.report import terminal
    from engine.reserves.accrued.alr import PREMIUMS_PER_YEAR, mortality_table
    from engine.reserves.accrued.life import commutation, spot_check

    a = load_assumptions(assumptions)
    kind = {"whole_life": "whole_life", "endowment": "endowment", "term": "individual_life"}[plan]
    basis = a.life_basis.get(kind)
    name = table or (basis.mortality_table if basis else None)
    rate = interest if interest is not None else (basis.interest_rate if basis else None)
    if name is None or rate is None:
        raise ComputationError(f"assumption set {a.set_id} has no life basis for {kind}; "
                               "fix: give --table and --interest")
    if plan != "whole_life" and term is None:
        raise ComputationError(f"a {plan} contract needs --term")
    t = mortality_table(a, name)
    cm = commutation(t.q, t.min_age, rate)
    k = PREMIUMS_PER_YEAR[premium_mode]
    m = 1 if premium_mode == "single" else premium_term
    r = spot_check(cm, plan, age, None if plan == "whole_life" else term, duration, sum_insured,
                   k, m)
    out = {
        "product": plan, "age": age, "term": term, "duration": duration, "interest": rate,
        "table": name, "sum_insured": sum_insured, "premium_mode": premium_mode,
        "annual_premium": r.annual_premium, "reserve": r.reserve,
        "annuity_at_issue": r.annuity_at_issue, "assurance_at_issue": r.assurance_at_issue,
        "annuity_at_duration": r.annuity_at_duration,
        "assurance_at_duration": r.assurance_at_duration, "table_provenance": t.provenance,
    }
    if fmt == "json":
        click.echo(json.dumps(out, indent=1))
        return
    h = int(duration)
    what = {"whole_life": "A_x", "endowment": "A_x:n", "term": "A1_x:n"}[plan]
    rows = [
        ("net annual premium", f"{r.annual_premium:,.2f}"),
        (f"reserve at duration {duration:g}", f"{r.reserve:,.2f}"),
        (f"ä at issue (age {age}, premiums {premium_mode})", f"{r.annuity_at_issue:.6f}"),
        (f"{what} at issue (age {age})", f"{r.assurance_at_issue:.6f}"),
        (f"ä at duration {h} (age {age + h})", f"{r.annuity_at_duration:.6f}"),
        (f"{what} at duration {h} (age {age + h})", f"{r.assurance_at_duration:.6f}"),
    ]
    title = (f"{plan.replace('_', ' ')}, age {age}" + (f", term {term}" if term else "")
             + f", sum insured {sum_insured:,.2f}, {name} at {rate:.2%}")
    terminal.console().print(terminal.pairs_table(rows, title))


def _check_date(text: str) -> None:
    from engine.io.arrays import day

    try:
        day(text)
    except (ValueError, TypeError):
        raise click.BadParameter(f"{text!r} is not a date YYYY-MM-DD",
                                 param_hint="--valuation-date") from None


@cli.command()
@store_option
def runs(store) -> None:
    """List the runs in the store."""
    from engine.report import terminal
    from engine.store.runs import list_runs

    terminal.console().print(terminal.runs_table(list_runs(store or Path(DEFAULT_STORE))))


@cli.command()
@click.option("--run", "run_id", type=int, default=None, help="Run id (default: the latest completed run).")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True)
@store_option
@click.option("--trend", is_flag=True,
              help="Each indicator across the stored valuation dates (latest run of each date).")
@click.option("--product", default=None, help="With --trend: one product (or ALL for the programme).")
@click.option("--pending", is_flag=True,
              help="List the claims the run's timeliness schedule is waiting for (not yet processed).")
def kpi(run_id, fmt, store, trend, product, pending) -> None:
    """Print a run's KPI table, or with --trend each indicator across the stored runs."""
    from engine.report import terminal
    from engine.store.runs import kpi_trend, read_results, run_record

    store = store or Path(DEFAULT_STORE)
    if trend:
        if run_id is not None:
            raise click.UsageError("--trend reads every stored run; drop --run")
        t = kpi_trend(store, product)
        if fmt == "csv":
            click.echo(t.drop(columns=["position"]).to_csv(index=False), nl=False)
        elif fmt == "json":
            click.echo(json.dumps({"trend": json.loads(
                t.drop(columns=["position"]).to_json(orient="records"))}, indent=1))
        else:
            out = terminal.console()
            for p in dict.fromkeys(t["product_id"]):
                out.print(terminal.trend_table(t, p, f"KPI trend, {p} (latest run of each valuation date)"))
        return
    if pending:
        rid, frame = read_results(store, "kpi_pending_claims", run_id)
        frame["report_date"] = frame["report_date"].astype(str)
        if fmt == "csv":
            click.echo(frame.to_csv(index=False), nl=False)
        elif fmt == "json":
            click.echo(json.dumps({"run_id": rid, "pending_claims": json.loads(
                frame.to_json(orient="records"))}, indent=1))
        else:
            terminal.console().print(terminal.frame_table(
                frame, f"Run {rid}: {len(frame)} claims selected for the timeliness schedule, "
                       "not yet processed"))
        return
    rid, kpis = read_results(store, "kpis", run_id)
    if fmt == "csv":
        click.echo(kpis.drop(columns=["position"]).to_csv(index=False), nl=False)
    elif fmt == "json":
        rows = json.loads(kpis.drop(columns=["position"]).to_json(orient="records"))
        click.echo(json.dumps({"run_id": rid, "kpis": rows}, indent=1))
    else:
        rec = run_record(store, rid)
        out = terminal.console()
        out.print(terminal.kpi_table(
            kpis, f"KPIs, period {rec['period_start'].date()} .. {rec['valuation_date'].date()} (run {rid}, edition {rec['edition']})"))
        for line in terminal.flag_lines(kpis):
            out.print(line)


def _columns(frame, product: str | None) -> list[str]:
    cols = list(dict.fromkeys(frame["product_id"]))
    if product is None:
        return cols
    if product not in cols:
        raise click.UsageError(f"--product {product}: the run has {', '.join(cols) or 'no rows'}")
    return [product]


@cli.command()
@click.option("--run", "run_id", type=int, default=None, help="Run id (default: the latest completed run).")
@click.option("--product", default=None, help="One product (or ALL for the programme).")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True)
@store_option
def liquidity(run_id, product, fmt, store) -> None:
    """A run's liquidity ratios by method (projection, rule of thumb, balance-sheet factors) and
    horizon, and the static ratio, per product with assets and for the programme."""
    from engine.report import terminal
    from engine.store.runs import read_results

    rid, liq = read_results(store or Path(DEFAULT_STORE), "liquidity", run_id)
    cols = _columns(liq, product)
    liq = liq[liq["product_id"].isin(cols)]
    if fmt == "csv":
        click.echo(liq.to_csv(index=False), nl=False)
        return
    if fmt == "json":
        click.echo(json.dumps({"run_id": rid, "liquidity": json.loads(
            liq.to_json(orient="records"))}, indent=1))
        return
    out = terminal.console()
    for p in cols:
        out.print(terminal.frame_table(terminal.liquidity_frame(liq, p),
                                       f"Run {rid}: liquidity, {p}"))


@cli.group(invoke_without_command=True)
@click.option("--run", "run_id", type=int, default=None, help="Run id (default: the latest completed run).")
@click.option("--product", default=None, help="One product (or ALL for the programme).")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@store_option
@click.pass_context
def alm(ctx, run_id, product, fmt, store) -> None:
    """Asset-liability matching: a run's maturity ladder, PV surplus, shocks and
    investment-policy checks; `alm match` solves a cash-matching portfolio."""
    if ctx.invoked_subcommand is not None:
        return
    from engine.report import terminal
    from engine.store.runs import read_results

    store = store or Path(DEFAULT_STORE)
    rid, ladder = read_results(store, "alm_ladder", run_id)
    _, measures = read_results(store, "alm_measures", rid)
    _, checks = read_results(store, "alm_checks", rid)
    cols = _columns(ladder, product) if len(ladder) or product else []
    if fmt == "json":
        pick = (lambda f: f[f["product_id"].isin(cols)])  # noqa: E731
        click.echo(json.dumps({"run_id": rid, **{
            name: json.loads(frame.to_json(orient="records"))
            for name, frame in (("ladder", pick(ladder)), ("measures", pick(measures)),
                                ("checks", checks))}}, indent=1))
        return
    out = terminal.console()
    for p in cols:
        out.print(terminal.frame_table(terminal.ladder_frame(ladder, p),
                                       f"Run {rid}: maturity ladder, {p}"))
        out.print(terminal.frame_table(terminal.measures_frame(measures, p),
                                       f"Run {rid}: PV surplus and shocks, {p}"))
    out.print(f"Investment-policy checks (run {rid}):")
    for line in terminal.check_lines(checks):
        out.print(line, markup=False, highlight=False)


@alm.command("match")
@click.option("--liabilities", "liabilities_csv", required=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="CSV with columns time, amount: the liability outflows to meet.")
@click.option("--bonds", "bonds_csv", required=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="CSV with bond_id, price, then one column per time (the header is the time) "
                   "holding the cash one unit of the bond pays then.")
@click.option("--reinvest-rate", type=float, default=None,
              help="Carry each period's surplus forward at this annual rate (default: no surplus "
                   "carried).")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True)
def alm_match(liabilities_csv, bonds_csv, reinvest_rate, fmt) -> None:
    """The least-cost bond portfolio whose cash meets every liability (a linear programme
    solved by HiGHS)."""
    from engine.projection.matching import match_files

    result = match_files(liabilities_csv, bonds_csv, reinvest_rate)
    if fmt == "json":
        click.echo(json.dumps(result, indent=1))
        return
    import pandas as pd

    from engine.report import terminal

    out = terminal.console()
    carried = ("no surplus carried" if reinvest_rate is None
               else f"surplus carried at {100 * reinvest_rate:g}% a year")
    out.print(f"Cash-matching portfolio: cost {result['cost']:,.2f} ({carried})")
    out.print(terminal.frame_table(pd.DataFrame({
        "bond_id": list(result["holdings"]), "units": list(result["holdings"].values())}),
        "Holdings"))
    surplus = pd.Series(result["surplus"]).round(2) + 0.0  # + 0.0: no "-0.00"
    out.print(terminal.frame_table(pd.DataFrame({
        "time": surplus.index, "surplus": surplus.to_numpy()}), "Surplus after each payment"))


@cli.group()
def assumptions() -> None:
    """Assumption sets: hash after editing, check before use."""


@assumptions.command("hash")
@click.argument("set_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
def assumptions_hash(set_dir: Path) -> None:
    """Write SET_DIR/manifest.toml with the sha256 of every file of the set."""
    from engine.io.assumptions import write_manifest

    click.echo(f"{set_dir}: set hash {write_manifest(set_dir)}")


@assumptions.command("check")
@click.argument("set_id", default="default")
def assumptions_check(set_id: str) -> None:
    """Verify a set against its manifest and read it."""
    from engine.io.assumptions import load_assumptions

    a = load_assumptions(set_id)
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
