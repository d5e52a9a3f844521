"""House conventions that keep the code base coherent (DESIGN.md, house style)."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ENGINE = ROOT / "engine"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
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
                                "reserva.close", "pandas", "duckdb"))}
        assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"


def test_only_triangles_imports_chainladder():
    users = [p.relative_to(ROOT).as_posix() for p in _modules()
             if any(m.split(".")[0] == "chainladder" for m in _imports(p))]
    assert users == ["engine/reserves/claims/triangles.py"]


def test_imports_point_one_way():
    # lower layers never import the layers above them
    above = {
        "engine/io": ("reserva.reserves", "reserva.statements", "reserva.kpi", "reserva.store",
                      "reserva.report", "reserva.close", "reserva.cli"),
        "engine/reserves": ("reserva.statements", "reserva.kpi", "reserva.store", "reserva.report",
                            "reserva.close", "reserva.cli"),
        "engine/statements": ("reserva.kpi", "reserva.store", "reserva.report", "reserva.close",
                              "reserva.cli"),
        "engine/store": ("reserva.report", "reserva.close", "reserva.cli", "reserva.kpi"),
        "engine/report": ("reserva.close", "reserva.cli"),
    }
    for folder, forbidden in above.items():
        for path in (ROOT / folder).rglob("*.py"):
            bad = {m for m in _imports(path) if m.startswith(forbidden)}
            assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"


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
    "reserva.close": ["close", "close_many", "CloseResult", "period_start_of"],
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
    "reserva.projection.business": ["project_business", "latest_snapshot"],
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
    assert set(config["packages"]) == folders | {"reserva.assumptions"} | sets
    assert config["package-dir"] == {"reserva": "engine", "reserva.assumptions": "assumptions"}
    assert all(config["package-data"].get(s) == ["*"] for s in sets)


def test_the_calendar_is_the_bottom_layer_and_defined_once():
    """engine/calendar.py imports nothing of the engine; its day arithmetic and NEVER are
    defined there only (every other module imports them). The sample generator keeps numpy
    array forms of add_months and whole_months (engine/sample/dates.py)."""
    calendar = ENGINE / "calendar.py"
    assert not {m for m in _imports(calendar) if m.startswith("reserva")}
    names = {"NEVER", "civil", "days_from_civil", "add_months", "whole_months", "is_month_end"}
    array_forms = {ENGINE / "sample" / "dates.py": {"add_months", "whole_months"}}
    for path in _modules():
        if path == calendar:
            continue
        allowed = array_forms.get(path, set())
        tree = ast.parse(path.read_text())
        defined = {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}
        defined |= {t.id for n in tree.body if isinstance(n, ast.Assign)
                    for t in n.targets if isinstance(t, ast.Name)}
        again = (defined & names) - allowed
        assert not again, f"{path.relative_to(ROOT)} defines {sorted(again)}"


def test_the_import_name_is_reserva_everywhere():
    """The source folder is engine/, mapped to the import name ``reserva`` by pyproject's
    package-dir: importing it as ``engine`` would load every module a second time."""
    paths = [*_modules(), *(ROOT / "tests").rglob("*.py"), *(ROOT / "benchmarks").rglob("*.py")]
    for path in paths:
        bad = {m for m in _imports(path) if m == "engine" or m.startswith("engine.")}
        assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"
