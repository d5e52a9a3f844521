"""House conventions that keep the code base coherent (DESIGN.md, house style)."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ENGINE = ROOT / "engine"


def _imports(path: Path, *, runtime_only: bool = False) -> set[str]:
    """Modules a file imports; ``runtime_only`` leaves out those under ``if TYPE_CHECKING:``."""
    tree = ast.parse(path.read_text())
    if runtime_only:
        for node in ast.walk(tree):
            if isinstance(node, ast.If) and getattr(node.test, "id", "") == "TYPE_CHECKING":
                node.body = []
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def _modules():
    return sorted(p for p in ENGINE.rglob("*.py"))


def test_kernels_import_no_io_store_cli_or_pandas():
    kernels = [ENGINE / "reserves/upr/_kernels.py", ENGINE / "reserves/accrued/savings.py",
               ENGINE / "reserves/accrued/life.py",
               ENGINE / "reserves/accrued/apv.py", ENGINE / "reserves/claims/ocs.py"]
    kernels += [p for p in (ENGINE / "kpi").glob("*.py") if p.name != "assemble.py"]
    for path in kernels:
        bad = {m for m in _imports(path)
               if m.startswith(("reserva.io", "reserva.store", "reserva.cli", "reserva.report",
                                "reserva.pipeline", "pandas", "duckdb"))}
        assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"


def test_only_triangles_imports_chainladder():
    users = [p.relative_to(ROOT).as_posix() for p in _modules()
             if any(m.split(".")[0] == "chainladder" for m in _imports(p))]
    assert users == ["engine/reserves/claims/triangles.py"]


# The layers of the engine, lowest first: a module imports only modules of its own layer or of
# the layers below it (DESIGN.md, "The pipeline"). A package's modules are in its layer unless a
# module is named on its own (the KPI formulas are kernels any stage may call; the KPI stage
# that assembles them runs after the projection). `reserva` itself (the package's __init__,
# the curated public API) stands above them all.
LAYERS = (
    ("errors", "calendar", "vocab"),  # the bottom layer imports nothing of the engine
    ("finite",),
    ("kpi",),  # the KPI formula kernels (every module of kpi/ but the stage, kpi/assemble.py)
    ("io",),
    ("reserves",),
    ("period",),  # the period a close covers and the dates it refuses
    ("statements",),
    ("projection",),
    ("budget",),  # the social health budget: its own kernels, beside the projection
    ("kpi.assemble",),
    ("store",),
    ("report",),
    ("pipeline", "batch", "stress_check", "forecast", "budgeting", "points"),  # batch: close_many over the close (the pipeline
    # re-exports it); stress_check: a stress check of a stored close; forecast: a forward
    # projection of a stored close; budgeting: a social health budget run; points: a
    # model-point projection
    ("api",),
    ("sample",),  # an entry point of its own: the CLI writes a sample pack with it
    ("cli",),
    ("__init__",),
)


def _unit(path: Path) -> str:
    """The layer unit of an engine module: its package, its own name for a top-level module, or
    its dotted name where LAYERS names the module on its own."""
    rel = path.relative_to(ENGINE).with_suffix("")
    dotted = ".".join(rel.parts)
    if any(dotted in layer for layer in LAYERS):
        return dotted
    return rel.parts[0]


def _layer_of(unit: str) -> int:
    return next(i for i, layer in enumerate(LAYERS) if unit in layer)


def _engine_imports(path: Path) -> set[str]:
    """The engine modules a module imports (dotted, without ``reserva.``), relative imports
    resolved; ``import reserva`` alone (the package, e.g. for its version) is left out."""
    tree = ast.parse(path.read_text())
    package = path.relative_to(ENGINE).parent.parts
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("reserva.")}
        elif isinstance(node, ast.ImportFrom) and node.level:
            base = package[:len(package) - node.level + 1]
            found.add(".".join(("reserva", *base, *(node.module or "").split("."))).rstrip("."))
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("reserva."):
            found.add(node.module)
    return {m.removeprefix("reserva.") for m in found}


def _unit_of_import(name: str) -> str:
    parts = name.split(".")
    for k in range(len(parts), 0, -1):
        if any(".".join(parts[:k]) in layer for layer in LAYERS):
            return ".".join(parts[:k])
    return parts[0]


def test_every_engine_module_has_a_layer():
    units = {_unit(p) for p in _modules()}
    placed = {u for layer in LAYERS for u in layer}
    assert units <= placed, f"place {sorted(units - placed)} in LAYERS"


def test_imports_point_one_way():
    # lower layers never import the layers above them, across every package
    wrong = []
    for path in _modules():
        unit = _unit(path)
        own = _layer_of(unit)
        for name in sorted(_engine_imports(path)):
            other = _unit_of_import(name)
            if other in {u for layer in LAYERS for u in layer} and _layer_of(other) > own:
                wrong.append(f"{path.relative_to(ROOT)} ({unit}) imports reserva.{name}")
    assert not wrong, "imports against the layer order:\n" + "\n".join(wrong)


def test_the_import_test_can_fail():
    # the projection takes the KPI formulas but never the KPI stage; the store no stage's module
    assert _layer_of(_unit_of_import("kpi.assemble")) > _layer_of("projection")
    assert _layer_of(_unit_of_import("kpi.ratio")) < _layer_of("projection")
    assert _layer_of(_unit_of_import("kpi.ratio")) < _layer_of("io")  # kernels read no io
    assert _layer_of(_unit(ENGINE / "kpi" / "assemble.py")) > _layer_of(_unit(ENGINE / "projection"
                                                                             / "grid.py"))
    assert _layer_of("vocab") == _layer_of("calendar") == 0


def test_errors_come_from_one_hierarchy():
    for path in _modules():
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef) and any(
                isinstance(b, ast.Name) and b.id in ("Exception", "ValueError", "RuntimeError")
                for b in node.bases
            ):
                assert path.name == "errors.py", f"{path}: exception class {node.name} outside engine/errors.py"


def test_every_assumption_file_is_in_the_manifest_and_read():
    from reserva.io.assumptions import MANIFEST, REQUIRED_FILES, load_assumptions

    a = load_assumptions("default")
    files = {p.name for p in (ROOT / "assumptions/default").iterdir() if p.name != MANIFEST}
    assert files == set(a.file_hashes)
    assert files == set(REQUIRED_FILES)  # every file is read by the loader


def test_every_cli_command_is_documented_in_the_readme():
    from reserva.cli import cli

    readme = (ROOT / "README.md").read_text()
    for name, command in cli.commands.items():
        subs = getattr(command, "commands", None)
        for full in ([f"{name} {s}" for s in subs] if subs else [name]):
            assert f"reserva {full}" in readme, f"`reserva {full}` is not documented in README.md"


PUBLIC_API = {
    "reserva.pipeline": ["close", "CloseResult", "period_start_of"],
    "reserva.batch": ["close_many", "CloseListener", "Skipped"],
    "reserva.io.readers": ["read_pack", "DataPack"],
    "reserva.io.assumptions": ["load_assumptions", "write_manifest", "AssumptionSet"],
    "reserva.reserves.upr.upr": ["policy_arrays", "compute_upr", "UprResult"],
    "reserva.reserves.claims.ibnr": ["compute_ibnr", "IbnrResult"],
    "reserva.reserves.claims.triangles": ["reporting_triangle", "chain_ladder", "bootstrap_odp"],
    "reserva.reserves.claims.ocs": ["ocs_at", "Payments"],
    "reserva.reserves.accrued.savings": ["accrued_savings", "roll_forward", "RateSchedule",
                                        "guarantee_exposure"],
    "reserva.reserves.accrued.life": ["commutation", "policy_values", "spot_check", "Expenses"],
    "reserva.reserves.accrued.mortality": ["MortalityTable", "makeham", "read_csv_table",
                                          "read_xtbml", "from_package"],
    "reserva.reserves.accrued.alr": ["compute_alr", "AlrResult", "policy_durations"],
    "reserva.reserves.accrued.apv": ["apv"],
    "reserva.statements.income": ["income_statement"],
    "reserva.statements.balance": ["balance_sheet"],
    "reserva.kpi.assemble": ["kpi_table", "kpi_results", "KpiResults"],
    "reserva.kpi.catalogue": ["ORDER", "HEADLINE", "family", "unit", "label"],
    "reserva.kpi.renewal": ["renewal", "cohort_outcomes", "summarise", "household_renewal"],
    "reserva.kpi.persistency": ["persistency"],
    "reserva.kpi.timeliness": ["timeliness", "select_claims", "EDITION_DEFAULTS"],
    "reserva.kpi.value": ["value_ratios", "exposure_years", "claim_experience"],
    "reserva.kpi.health": ["fund_indices", "claims_index", "financing_index", "plan_adjustment"],
    "reserva.projection.assets": ["asset_cashflows", "pv", "macaulay_duration",
                                 "modified_duration", "convexity"],
    "reserva.projection.ladder": ["maturity_ladder", "pv_surplus", "policy_checks"],
    "reserva.projection.matching": ["cash_match", "redington", "match_files"],
    "reserva.projection.inforce": ["project_life", "project_term_life", "life_model_points",
                                  "LifeModelPoints", "Projection"],
    "reserva.projection.grid": ["policy_flows", "settle", "split_runoff", "savings_runoff",
                               "new_business", "month_edges", "month_of", "CashflowGrid", "LINES"],
    "reserva.projection.business": ["project_business"],
    "reserva.projection.liquidity_table": ["liquidity_table", "growth_margin", "kpi_rows",
                                          "LiquidityInputs", "METHODS"],
    "reserva.projection.alm": ["alm_report", "investment_limits", "AlmReport"],
    "reserva.store.runs": ["save_run", "list_runs", "read_results", "opening_reserves"],
}


@pytest.mark.parametrize("module", sorted(PUBLIC_API))
def test_public_api_is_pinned(module):
    mod = importlib.import_module(module)
    for name in PUBLIC_API[module]:
        assert hasattr(mod, name), f"{module}.{name} is part of the public API"


def test_every_data_pack_column_is_documented_in_the_readme():
    from reserva.io.schema import TABLES

    readme = (ROOT / "README.md").read_text()
    for table in TABLES:
        assert f"`{table.name}.csv`" in readme
        for column in table.columns:
            assert f"| `{column.name}` |" in readme, f"{table.name}.{column.name} not in README.md"


def test_pyproject_lists_every_package_and_ships_the_bundled_sets():
    """The wheel's package list (explicit, for the bundled sets) covers every folder of the
    engine, and each bundled set ships as package data (a plain `pip install .` finds it)."""
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    folders = {"reserva" + "".join(f".{p}" for p in init.parent.relative_to(ENGINE).parts)
               for init in ENGINE.rglob("__init__.py")}
    sets = {f"reserva.assumptions.{d.name}" for d in (ROOT / "assumptions").iterdir()
            if (d / "manifest.toml").is_file()}
    budgets = {f"reserva.budgets.{d.name}" for d in (ROOT / "budgets").iterdir()
               if (d / "manifest.toml").is_file()}
    assert set(config["packages"]) == (folders | {"reserva.assumptions", "reserva.budgets"}
                                       | sets | budgets)
    assert config["package-dir"] == {"reserva": "engine", "reserva.assumptions": "assumptions",
                                     "reserva.budgets": "budgets"}
    assert all(config["package-data"].get(s) == ["*"] for s in budgets)
    assert all(config["package-data"].get(s) == ["*"] for s in sets)


def _top_level_assignments(tree: ast.Module):
    """(name, value node) of every module-level assignment."""
    for n in tree.body:
        if isinstance(n, ast.Assign):
            for t in n.targets:
                targets = t.elts if isinstance(t, ast.Tuple) else [t]
                yield from ((x.id, n.value) for x in targets if isinstance(x, ast.Name))
        elif isinstance(n, ast.AnnAssign) and isinstance(n.target, ast.Name) and n.value:
            yield n.target.id, n.value


def _literal(node):
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return None


def test_the_calendar_is_the_bottom_layer_and_defined_once():
    """engine/calendar.py and engine/vocab.py import nothing of the engine but its errors; the
    calendar's day arithmetic, NEVER, the day-count conventions and every vocabulary constant of vocab.py are
    defined there only (every other module imports them): no module assigns one of their names,
    nor a literal equal to one of their values (a copy under another name), nor writes the
    programme column's "ALL" as a bare string. The sample generator keeps numpy array forms of
    add_months and whole_months (engine/sample/dates.py); the store's SQL text uses the keyword
    ALL (ORDER BY ALL). No module writes the days of a year (365.0, 365.25, ...) as a float:
    it names the convention of DAY_COUNTS, chosen by the assumption set."""
    import reserva.vocab as vocab
    from reserva.calendar import DAY_COUNTS

    bottom = {ENGINE / "calendar.py", ENGINE / "vocab.py"}
    for path in bottom:
        assert {m for m in _imports(path) if m.startswith("reserva")} <= {"reserva.errors"}, path
    words = set(vocab.__all__)
    assert words == {n for n in vars(vocab) if n.isupper()}, "vocab.__all__ lists every constant"
    names = {"NEVER", "civil", "days_from_civil", "add_months", "whole_months", "is_month_end",
             "DAY_COUNTS", "days_per_year"} | words
    values = [getattr(vocab, n) for n in words if isinstance(getattr(vocab, n), tuple | dict)]
    array_forms = {ENGINE / "sample" / "dates.py": {"add_months", "whole_months"}}
    for path in _modules():
        if path in bottom:
            continue
        where = path.relative_to(ROOT)
        allowed = array_forms.get(path, set())
        tree = ast.parse(path.read_text())
        defined = {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}
        assigned = list(_top_level_assignments(tree))
        defined |= {name for name, _ in assigned}
        again = (defined & names) - allowed
        assert not again, f"{where} defines {sorted(again)}"
        for name, node in assigned:
            value = _literal(node)
            copy = value is not None and any(value == v and type(value) is type(v)
                                             for v in values)
            assert not copy, f"{where}: {name} copies a vocabulary of reserva.vocab"
        years = [n.lineno for n in ast.walk(tree) if isinstance(n, ast.Constant)
                 and type(n.value) is float and n.value in DAY_COUNTS.values()]
        assert not years, f"{where}:{years}: name the day count (reserva.calendar.DAY_COUNTS)"
        if path.parent.name != "store":
            bare = [n.lineno for n in ast.walk(tree)
                    if isinstance(n, ast.Constant) and n.value == vocab.PROGRAMME]
            assert not bare, f"{where}:{bare}: write reserva.vocab.PROGRAMME, not a bare 'ALL'"


def test_vocabulary_codes_are_indices():
    """A coded value's integer code is its index in its vocabulary (the array bundles, the
    kernels and the sample generator share one encoding)."""
    from reserva import vocab

    assert [vocab.CLAIM_OPEN, vocab.CLAIM_PAID, vocab.CLAIM_REJECTED, vocab.CLAIM_PARTIAL] == [
        vocab.CLAIM_STATUSES.index(s) for s in ("open", "paid", "rejected", "partial")]
    assert vocab.CLAIM_STATUS_CODES == {s: i for i, s in enumerate(vocab.CLAIM_STATUSES)}
    assert (vocab.DEATH, vocab.MAX_AGE) == ("death", "max_age")
    assert set(vocab.INTERVAL_MONTHS) == set(vocab.PREMIUMS_PER_YEAR) == set(
        vocab.PREMIUM_FREQUENCIES)
    for f in vocab.PREMIUM_FREQUENCIES:  # 12 months between premiums <=> one premium a year
        months = vocab.INTERVAL_MONTHS[f]
        assert months == 0 or months * vocab.PREMIUMS_PER_YEAR[f] == 12
    assert set(vocab.SCHEDULED_ASSETS + vocab.CASH_ASSETS + vocab.UNSCHEDULED_ASSETS) == set(
        vocab.ASSET_CLASSES)
    assert vocab.PROGRAMME == "ALL"


def test_the_import_name_is_reserva_everywhere():
    """The source folder is engine/, mapped to the import name ``reserva`` by pyproject's
    package-dir: importing it as ``engine`` would load every module a second time."""
    paths = [*_modules(), *(ROOT / "tests").rglob("*.py"), *(ROOT / "benchmarks").rglob("*.py")]
    for path in paths:
        bad = {m for m in _imports(path) if m == "engine" or m.startswith("engine.")}
        assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"


def test_no_stage_reads_the_raw_pack():
    """Stages take the pack's array bundles (reserva.io.bundles), never the DataPack: no module
    under reserves, statements, projection or kpi imports the readers or names DataPack."""
    for folder in ("reserves", "statements", "projection", "kpi"):
        for path in (ENGINE / folder).rglob("*.py"):
            bad = {m for m in _imports(path) if m == "reserva.io.readers"}
            assert not bad, f"{path.relative_to(ROOT)} imports reserva.io.readers"
            tree = ast.parse(path.read_text())
            names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
            names |= {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
            names |= {n.value for n in ast.walk(tree)
                      if isinstance(n, ast.Constant) and isinstance(n.value, str)
                      and n.value.strip() == "DataPack"}
            assert "DataPack" not in names, f"{path.relative_to(ROOT)} takes a DataPack"


def test_settings_are_read_as_typed_attributes_outside_the_assumption_loader():
    """No ``a.setting("section", "key")`` string lookup and no ``settings["section"]`` subscript
    outside the loader (io/assumptions.py, io/settings.py, io/variants.py): a setting is read
    as ``a.settings.<section>.<key>``, typed and checked when the set was loaded."""
    loader = {ENGINE / "io" / n for n in ("assumptions.py", "settings.py", "variants.py")}
    for path in _modules():
        if path in loader:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                assert node.func.attr != "setting", f"{path.relative_to(ROOT)}:{node.lineno}"
            if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Attribute):
                assert node.value.attr != "settings", f"{path.relative_to(ROOT)}:{node.lineno}"


def test_calendar_and_vocabulary_names_are_imported_from_where_they_are_defined():
    """A name of the bottom layer (``reserva.calendar``, ``reserva.vocab``) is imported from its
    own module, never through a module that imported it: one definition, one way to reach it.
    The sample generator's numpy array forms of add_months and whole_months are its own."""
    array_forms = {"reserva.sample.dates": {"add_months", "whole_months"}}
    defined = {}
    for name in ("calendar", "vocab"):
        tree = ast.parse((ENGINE / f"{name}.py").read_text())
        for node in tree.body:
            targets = ([node.name] if isinstance(node, (ast.FunctionDef, ast.ClassDef)) else
                       [t.id for t in node.targets if isinstance(t, ast.Name)]
                       if isinstance(node, ast.Assign) else
                       [node.target.id] if isinstance(node, ast.AnnAssign)
                       and isinstance(node.target, ast.Name) else [])
            defined.update({t: f"reserva.{name}" for t in targets})
    for path in _modules():
        package = "reserva." + ".".join(path.relative_to(ENGINE).parent.parts)
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.ImportFrom):
                continue
            if node.level:  # a relative import, resolved against the module's package
                parts = package.rstrip(".").split(".")
                base = parts[: len(parts) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            if not module.startswith("reserva"):
                continue
            for alias in node.names:
                home = defined.get(alias.name)
                if alias.name in array_forms.get(module, ()):
                    continue
                assert home is None or module == home, (
                    f"{path.relative_to(ROOT)}:{node.lineno} imports {alias.name} from {module}, "
                    f"not from {home}")
