"""The model-point projection job: a model-point file and a basis folder in, per-point and total
cashflows and present values out, under a base, shocked and stochastic scenarios.

``project_points(model_points_csv, basis)`` reads the basis (a folder, or the name of a bundled
basis such as ``microlife`` or ``basicterm_s``), the points, the scenarios (``scenarios``: a
shocks file, a stress scenario file, or an economic scenario file of rates by scenario and
month; ``stochastic``: that many Hull–White paths calibrated to the basis' curve with the
basis' ``[economic]`` a and sigma and ``seed``) and runs the engine
(``reserva.projection.points.engine``). The result keeps what was used: the basis' name and
hash, the scenario file's sha256, the generator and its seed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import click
import numpy as np
import pandas as pd

from reserva.errors import ArgumentError, BadCell
from reserva.projection.points.basis import Basis
from reserva.projection.points.engine import (
    BASE,
    PV_LINES,
    RESULT_LINES,
    EconomicScenarios,
    PointsResult,
    Shock,
    horizon,
    iter_chunks,
    project,
)
from reserva.projection.points.model_points import ModelPoints
from reserva.report.export import csv_text, json_text

ARGUMENT = "argument"
# lifelib's result_pv columns (lifelib basiclife: Premiums, Claims, Expenses, Commissions,
# Net Cashflow; Claims here hold every benefit so that the net is premiums less the rest)
RESULT_PV_COLUMNS = ("Premiums", "Claims", "Expenses", "Commissions", "Net Cashflow")
BENEFIT_FLOWS = ("claims", "maturities", "surrenders", "withdrawals", "annuities")
PERCENTILES = (0.005, 0.05, 0.25, 0.5, 0.75, 0.95, 0.995)
_POINT_PATHS = BadCell(ARGUMENT, None, "by", "point", "grouped results under economic paths "
                       "(a point's results on every path are too many to keep)",
                       "use --by product, kind, all or a column (per-point PVs: without paths)")


def bundled_bases() -> tuple[str, ...]:
    """The names of the bundled bases."""
    from reserva.projection.points.basis_files import bases_root

    return tuple(sorted(p.name for p in bases_root().iterdir()
                        if p.is_dir() and not p.name.startswith(("_", "."))))


def sample_points(basis: str) -> Path:
    """The sample model-point file of a bundled basis (``sample/model_points.csv``)."""
    from reserva.projection.points.basis_files import bases_root

    path = bases_root() / str(basis) / "sample" / "model_points.csv"
    if not path.is_file():
        raise ArgumentError(BadCell(ARGUMENT, None, "basis", str(basis),
                                    "a bundled basis with sample points: "
                                    + ", ".join(bundled_bases())))
    return path


def load_basis(basis: str | Path | Basis) -> Basis:
    """A basis folder, or the name of a bundled basis (``bundled_bases``)."""
    if isinstance(basis, Basis):
        return basis
    from reserva.projection.points.basis_files import read_basis

    return read_basis(basis)


def _sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@dataclass(frozen=True)
class Scenarios:
    """The run's scenarios and where they come from."""

    shocks: tuple[Shock, ...]
    economic: EconomicScenarios | None
    file: str | None
    file_hash: str | None
    skipped: tuple[str, ...]  # rows of a stress file that do not apply to a life book, and why


def scenarios_for(basis: Basis, *, scenarios: str | Path | None = None,
                  stochastic: int | None = None, seed: int | None = None,
                  months: int) -> Scenarios:
    """Base alone; or a scenario file (shocks, stress rows, or economic paths by month); or
    ``stochastic`` Hull–White paths (the base scenario first, then the paths)."""
    from reserva.projection.points import economic as econ

    if scenarios is not None and stochastic is not None:
        raise ArgumentError(BadCell(ARGUMENT, None, "scenarios", str(scenarios),
                                    "either a scenario file or stochastic paths, not both"))
    if stochastic is not None:
        if seed is None:
            raise ArgumentError(BadCell(ARGUMENT, None, "seed", "", "a seed with stochastic "
                                        "paths (the same seed gives the same paths)",
                                        "add --seed"))
        if basis.hull_white is None:
            raise ArgumentError(BadCell(ARGUMENT, None, "stochastic", str(stochastic),
                                        f"a basis with [economic] a and sigma ({basis.name} "
                                        "has none)", "add them to basis.toml"))
        a, sigma = basis.hull_white
        paths = econ.hull_white_scenarios(basis.curve, months, int(stochastic), seed=int(seed),
                                          a=a, sigma=sigma)
        return Scenarios((BASE,), paths, None, None, ())
    if scenarios is None:
        return Scenarios((BASE,), None, None, None, ())
    path = Path(scenarios)
    if not path.is_file():
        raise ArgumentError(BadCell(ARGUMENT, None, "scenarios", str(scenarios),
                                    "a scenario file", "check the path"))
    if _economic_file(path):
        paths = econ.read_economic_scenarios(path, months)
        return Scenarios((BASE,), paths, str(path), _sha256(path), ())
    shocks = econ.read_shocks(path)
    return Scenarios(tuple(shocks), None, str(path), _sha256(path),
                     tuple(s.text() for s in shocks.skipped))


def _economic_file(path: Path) -> bool:
    """A scenario file of economic paths (its header has a month column), not of shocks."""
    header = Path(path).read_text(encoding="utf-8-sig").splitlines()[:1]
    return "month" in ([c.strip() for c in header[0].split(",")] if header else [])


@dataclass(frozen=True)
class PointsRun:
    """A finished projection and what it used."""

    result: PointsResult
    points_file: str | None
    points_hash: str | None
    scenarios: Scenarios

    def pv_frame(self) -> pd.DataFrame:
        """One row per group and scenario: the PV of every flow and the net."""
        r = self.result
        g, s = np.meshgrid(np.arange(len(r.groups)), np.arange(len(r.scenarios)), indexing="ij")
        out = pd.DataFrame({_group_column(r.by): np.array(r.groups, dtype=object)[g.ravel()],
                            "scenario": np.array(r.scenarios, dtype=object)[s.ravel()]})
        values = r.pv.reshape(-1, len(PV_LINES))
        for k, line in enumerate(PV_LINES):
            out[f"pv_{line}"] = values[:, k]
        return out

    def result_pv(self, scenario: int = 0) -> pd.DataFrame:
        """lifelib's ``result_pv`` layout, per point (``point_values``) or per group."""
        r = self.result
        if r.point_pv is not None:
            values, index = r.point_pv[:, scenario], pd.Index(r.point_id, name="point_id")
        else:
            values, index = r.pv[:, scenario], pd.Index(r.groups, name=r.by)
        col = {line: values[:, k] for k, line in enumerate(PV_LINES)}
        return pd.DataFrame({
            "Premiums": col["premiums"],
            "Claims": sum(col[f] for f in BENEFIT_FLOWS),
            "Expenses": col["expenses"],
            "Commissions": col["commissions"],
            "Net Cashflow": col["net_cashflow"],
        }, index=index)

    def cashflow_frame(self) -> pd.DataFrame:
        """One row per group, scenario and month: every line (``RESULT_LINES``)."""
        return cashflow_rows(self.result)

    def percentiles(self, line: str = "net_cashflow") -> pd.DataFrame:
        """Percentiles of the book's PV over the economic paths (scenarios after the shocks)."""
        r = self.result
        n_paths = self.scenarios.economic.size if self.scenarios.economic else 0
        if n_paths == 0:
            return pd.DataFrame(columns=["statistic", "value"])
        from reserva.projection.points.economic import percentiles

        pv = r.total_pv()[-n_paths:, PV_LINES.index(line)]
        rows = [("mean", float(pv.mean())),
                ("standard error", float(pv.std(ddof=1) / np.sqrt(pv.size)) if pv.size > 1
                 else float("nan"))]
        rows += [(f"p{q * 100:g}", v) for q, v in percentiles(pv, PERCENTILES).items()]
        base = float(r.total_pv()[0, PV_LINES.index(line)])
        rows.append(("base (deterministic)", base))
        rows.append(("mean less base", float(pv.mean()) - base))
        return pd.DataFrame(rows, columns=["statistic", "value"])


def _group_column(by: str) -> str:
    return "point_id" if by == "point" else by


def cashflow_rows(r: PointsResult) -> pd.DataFrame:
    """One row per group, scenario and month: every line (``RESULT_LINES``)."""
    n_g, n_s, h, n_l = r.cashflows.shape
    g, s, m = np.meshgrid(np.arange(n_g), np.arange(n_s), np.arange(h), indexing="ij")
    out = pd.DataFrame({_group_column(r.by): np.array(r.groups, dtype=object)[g.ravel()],
                        "scenario": np.array(r.scenarios, dtype=object)[s.ravel()],
                        "month": m.ravel()})
    values = r.cashflows.reshape(-1, n_l)
    for k, line in enumerate(RESULT_LINES):
        out[line] = values[:, k]
    return out


def _read(model_points: str | Path | ModelPoints, basis: Basis) -> tuple[ModelPoints,
                                                                         str | None, str | None]:
    if isinstance(model_points, ModelPoints):
        return model_points, None, None
    from reserva.projection.points.points_file import read_points

    path = Path(model_points)
    if not path.is_file():
        raise ArgumentError(BadCell(ARGUMENT, None, "model points", str(model_points),
                                    "a model-point CSV file", "check the path"))
    return read_points(path, basis), str(path), _sha256(path)


def project_points(model_points: str | Path | ModelPoints, basis: str | Path | Basis, *,
                   scenarios: str | Path | None = None, stochastic: int | None = None,
                   seed: int | None = None, by: str = "product", months: int | None = None,
                   point_values: bool = False, chunk: int | None = None) -> PointsRun:
    """Read, project, and keep what was used (the module docstring)."""
    b = load_basis(basis)
    points, file, file_hash = _read(model_points, b)
    h = months if months is not None else horizon(points, b, None)
    sc = scenarios_for(b, scenarios=scenarios, stochastic=stochastic, seed=seed, months=h)
    if by == "point" and sc.economic is not None:
        raise ArgumentError(_POINT_PATHS)
    kwargs = {} if chunk is None else {"chunk": chunk}
    result = project(points, b, shocks=sc.shocks, economic=sc.economic, by=by, months=h,
                     point_values=point_values, **kwargs)
    return PointsRun(result, file, file_hash, sc)


def iter_point_rows(model_points: str | Path | ModelPoints, basis: str | Path | Basis, *,
                    scenarios: str | Path | None = None, months: int | None = None,
                    cashflows: bool = False, chunk: int = 4096) -> Iterator[pd.DataFrame]:
    """Per-point results chunk by chunk (the memory of one chunk): the result_pv layout per
    point and scenario, or (``cashflows``) every line by month."""
    b = load_basis(basis)
    points, _, _ = _read(model_points, b)
    h = months if months is not None else horizon(points, b, None)
    sc = scenarios_for(b, scenarios=scenarios, months=h)
    if sc.economic is not None:
        raise ArgumentError(_POINT_PATHS)
    for part in iter_chunks(points, b, shocks=sc.shocks, by="point", months=h, chunk=chunk):
        if cashflows:
            yield cashflow_rows(part)
            continue
        frames = []
        run = PointsRun(part, None, None, sc)
        for k, name in enumerate(part.scenarios):
            f = run.result_pv(k).reset_index()
            f.insert(1, "scenario", name)
            frames.append(f)
        yield pd.concat(frames, ignore_index=True)


# the command ``reserva project-points``: the report, or the exports written chunk by chunk when
# the results are per point, so that a large book never sits in memory whole
def _frames(model_points, basis, *, scenarios, stochastic, seed, by, cashflows, months):
    """The export's frames, one per chunk for per-point results, else one."""
    if by == "point":
        if stochastic is not None:
            raise ArgumentError(_POINT_PATHS)
        yield from iter_point_rows(model_points, basis, scenarios=scenarios, months=months,
                                   cashflows=cashflows)
        return
    run = project_points(model_points, basis, scenarios=scenarios, stochastic=stochastic,
                         seed=seed, by=by, months=months)
    yield run.cashflow_frame() if cashflows else run.pv_frame()


def run_command(model_points, *, basis, scenarios, stochastic, seed, by, cashflows, months,
                compress, fmt, output) -> None:
    """``reserva project-points`` (see its help)."""
    from reserva.report import terminal
    from reserva.report.points_view import points_report

    if fmt == "parquet" and output is None:
        raise ArgumentError(BadCell("argument", None, "--output", "", "a file for parquet",
                                    "add --output results.parquet"))
    if fmt == "table":
        if cashflows:
            raise ArgumentError(BadCell("argument", None, "--cashflows", "true",
                                        "--format csv, json or parquet",
                                        "the monthly lines are too many for a table"))
        run, error = _run_for_table(model_points, basis, scenarios, stochastic, seed, by,
                                    months, compress)
        terminal.show(points_report(run, error))
        return
    if compress is not None:
        raise ArgumentError(BadCell("argument", None, "--compress", str(compress),
                                    "--format table", "the compression's error is a report"))
    frames = _frames(model_points, basis, scenarios=scenarios, stochastic=stochastic,
                     seed=seed, by=by, cashflows=cashflows, months=months)
    _write(frames, fmt, output)


def _run_for_table(model_points, basis, scenarios, stochastic, seed, by, months, compress):
    b = load_basis(basis)
    error = None
    if compress is not None:
        from reserva.projection.points.compress import compress as cluster

        if by not in ("product", "kind", "all"):
            raise ArgumentError(BadCell(ARGUMENT, None, "--by", by, "product, kind or all with "
                                        "--compress", "a compressed point stands for policies "
                                        "of other points and columns"))
        from reserva.projection.points.engine import horizon

        points, _, _ = _read(model_points, b)
        h = months or horizon(points, b, None)
        sc = scenarios_for(b, scenarios=scenarios, months=h)
        comp = cluster(points, b, compress, shocks=sc.shocks)
        error = comp.error_report(b, sc.shocks, months=h)
        model_points = comp.points
    if by == "point":  # the table shows PVs: per point, without the monthly lines
        if stochastic is not None or (scenarios is not None and Path(scenarios).is_file()
                                      and _economic_file(Path(scenarios))):
            raise ArgumentError(_POINT_PATHS)
        run = project_points(model_points, b, scenarios=scenarios, stochastic=stochastic,
                             seed=seed, by="all", months=months, point_values=True)
        return run, error
    run = project_points(model_points, b, scenarios=scenarios, stochastic=stochastic,
                         seed=seed, by=by, months=months)
    return run, error


def _write(frames, fmt: str, output: Path | None) -> None:
    """Write the frames (an iterator: per-point results come chunk by chunk) to ``output`` or
    stdout. A file is written beside its final name and moved there only when every chunk is
    written: a run that fails leaves no file (and stdout gets nothing before the first chunk)."""
    if output is None:
        if fmt == "json":
            click.echo(json_text({}, results=pd.concat(list(frames), ignore_index=True)))
            return
        first = True
        for frame in frames:
            text = csv_text(frame)
            click.echo(text if first else text.split("\n", 1)[1], nl=False)  # header once
            first = False
        return
    output = Path(output)
    if not output.parent.is_dir():
        raise ArgumentError(BadCell(ARGUMENT, None, "--output", str(output),
                                    "a file in an existing folder", "create the folder first"))
    part = output.with_name(output.name + ".part")
    try:
        if fmt == "parquet":
            import pyarrow as pa
            import pyarrow.parquet as pq

            writer = None
            try:
                for frame in frames:
                    table = pa.Table.from_pandas(frame, preserve_index=False)
                    if writer is None:
                        writer = pq.ParquetWriter(part, table.schema)
                    writer.write_table(table)
            finally:
                if writer is not None:
                    writer.close()
        elif fmt == "json":
            part.write_text(json_text({}, results=pd.concat(list(frames), ignore_index=True))
                            + "\n", encoding="utf-8")
        else:
            with open(part, "w", encoding="utf-8", newline="") as out:
                first = True
                for frame in frames:
                    text = csv_text(frame)
                    out.write(text if first else text.split("\n", 1)[1])
                    first = False
        part.replace(output)
    finally:
        part.unlink(missing_ok=True)




__all__ = ["PointsRun", "run_command", "sample_points", "Scenarios", "bundled_bases", "iter_point_rows", "load_basis",
           "project_points", "scenarios_for"]
