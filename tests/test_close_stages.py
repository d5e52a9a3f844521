"""The close is orchestration over stage modules with typed inputs (issue 14, item 4).

No stage module reads the data pack (it takes the array bundles of ``reserva.io.bundles``);
the opening is loaded once, before the first stage; the test hook that makes a close fail is
a module attribute, not a parameter of ``close``.
"""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import reserva.pipeline as close_module
from reserva.pipeline import close

ROOT = Path(__file__).resolve().parents[1]
HANDMADE = ROOT / "tests" / "data" / "handmade"
STAGE_MODULES = (
    "engine/reserves/claims/stage.py", "engine/reserves/claims/analysis.py",
    "engine/statements/mapping.py", "engine/projection/liquidity_stage.py",
    "engine/store/opening.py", "engine/period.py", "engine/finite.py",
    "engine/projection/alm.py",
)


def _public_parameters(path: Path):
    tree = ast.parse(path.read_text())
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and not node.name.startswith("_"):
            args = node.args
            for arg in (*args.posonlyargs, *args.args, *args.kwonlyargs):
                yield node.name, arg.arg, ast.unparse(arg.annotation) if arg.annotation else ""


def test_no_stage_module_reads_the_pack_or_takes_a_frame_of_inputs():
    for rel in STAGE_MODULES:
        path = ROOT / rel
        imports = {n.module for n in ast.walk(ast.parse(path.read_text()))
                   if isinstance(n, ast.ImportFrom)}
        assert "reserva.io.readers" not in imports, f"{rel} imports reserva.io.readers"
        for func, arg, annotation in _public_parameters(path):
            assert "DataPack" not in annotation and "DataFrame" not in annotation, (
                f"{rel}: {func}({arg}: {annotation}) takes the pack or a frame")


def test_the_pipeline_hands_no_table_of_the_pack_to_a_stage():
    """The close and the batch read the pack's metadata (its hashes, warnings, folder) and hand
    the stages its array bundles: never ``pack[table]``, ``pack.tables`` or a frame of it."""
    for rel in ("engine/pipeline.py", "engine/batch.py"):
        tree = ast.parse((ROOT / rel).read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name):
                assert node.value.id != "pack", f"{rel}: {ast.unparse(node)}"
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                    and node.value.id == "pack"):
                assert node.attr in ("file_hashes", "warning_notes", "root"), (
                    f"{rel}: {ast.unparse(node)}")


def test_close_has_no_test_hook_among_its_parameters():
    assert "fail_after" not in inspect.signature(close).parameters
    assert close_module.FAIL_AFTER is None


def test_the_opening_is_loaded_once_before_the_first_stage(monkeypatch):
    stages: list[str] = []
    calls: list[tuple[int, str]] = []
    real = close_module.load_opening

    def counted(*args, **kwargs):
        opening = real(*args, **kwargs)
        calls.append((len(stages), opening.source))
        return opening

    monkeypatch.setattr(close_module, "load_opening", counted)
    r = close(HANDMADE, "2024-03-31", write=False, progress=stages.append)
    assert calls == [(0, r.opening_source)]  # once, before "read" was reported
    assert stages[:2] == ["read", "upr"]


STAGE_PACKAGES = ("engine/reserves", "engine/statements", "engine/projection", "engine/kpi")
# public functions of the stage packages that take a frame on purpose: (module, function) -> why
FRAME_PARAMETERS_ALLOWED = {
    ("engine/projection/inforce.py", "life_model_points"):
        "the frame edge of model_points for tests that write contracts as rows (pinned public "
        "API); the close calls model_points on the life_policies bundle",
    ("engine/projection/liquidity_table.py", "kpi_rows"):
        "reads the liquidity table the liquidity stage itself built (a result, not an input "
        "of the pack) into the KPI stage's ratios",
}


def _public_functions(tree: ast.Module):
    """Module-level public functions and the public methods of public classes."""
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and \
                not node.name.startswith("_"):
            yield node.name, node
        elif isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
            for item in node.body:
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef) and \
                        not item.name.startswith("_"):
                    yield f"{node.name}.{item.name}", item


def _frame_parameters(source: str):
    for name, func in _public_functions(ast.parse(source)):
        args = func.args
        for arg in (*args.posonlyargs, *args.args, *args.kwonlyargs):
            annotation = ast.unparse(arg.annotation) if arg.annotation else ""
            if "DataFrame" in annotation or "Series" in annotation:
                yield name, arg.arg, annotation


def test_the_scan_finds_a_frame_parameter():
    source = ("import pandas as pd\n"
              "def stage(x: pd.DataFrame, *, y: 'pd.Series | None' = None): ...\n"
              "def _private(x: pd.DataFrame): ...\n"
              "class Result:\n    def of(self, t: pd.DataFrame): ...\n")
    assert list(_frame_parameters(source)) == [
        ("stage", "x", "pd.DataFrame"), ("stage", "y", "'pd.Series | None'"),
        ("Result.of", "t", "pd.DataFrame")]


def test_no_public_stage_function_takes_a_frame_or_a_series():
    """Issue 14: the stages take the array bundles of ``reserva.io.bundles`` (and arrays of
    each other's results), never a ``pd.DataFrame`` or ``pd.Series`` of raw inputs."""
    found = set()
    for package in STAGE_PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            for func, arg, annotation in _frame_parameters(path.read_text()):
                found.add((rel, func))
                assert (rel, func) in FRAME_PARAMETERS_ALLOWED, (
                    f"{rel}: {func}({arg}: {annotation}) takes a frame; give it the bundles "
                    "or arrays")
    stale = set(FRAME_PARAMETERS_ALLOWED) - found
    assert not stale, f"allowed but no longer taking a frame (remove them): {sorted(stale)}"
