"""Run the engine of another source tree under that tree's own import name.

Trees before issue 14 import themselves as ``engine``; from issue 14 on as ``reserva`` (the
folder stays ``engine/``, mapped by pyproject's package-dir). A process meant to run another
tree gets a temporary folder holding one symlink, ``<import name> -> TREE/engine``, first on
``PYTHONPATH``: path entries are searched before the editable install's finder (which
setuptools appends to ``sys.meta_path``), so this tree's ``reserva`` is never picked up by
accident. Run such a process with ``python -P`` (no script folder or working directory
prepended to ``sys.path``), or from a script outside any tree's top level: a working
directory holding an ``engine/`` folder would otherwise shadow the symlink. The process should
check ``engine_folder`` of what it imported.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path


def _pipeline_file(tree: Path) -> Path:
    """The tree's close pipeline: engine/pipeline.py, or engine/close.py before issue 14."""
    for name in ("pipeline.py", "close.py"):
        path = Path(tree) / "engine" / name
        if path.is_file():
            return path
    raise FileNotFoundError(f"{tree} holds no engine/pipeline.py: not a source tree")


def import_name_of(tree: Path) -> str:
    """``reserva`` when the tree's pipeline imports ``reserva.*``, else ``engine``."""
    text = _pipeline_file(tree).read_text(encoding="utf-8")
    return "reserva" if "from reserva." in text else "engine"


def close_function(import_name: str):
    """The close of the engine imported as ``import_name`` (its pipeline module is
    ``pipeline``, or ``close`` in trees before issue 14)."""
    try:
        module = importlib.import_module(f"{import_name}.pipeline")
    except ModuleNotFoundError:
        module = importlib.import_module(f"{import_name}.close")
    return module.close


@contextlib.contextmanager
def tree_path(tree: Path) -> Iterator[tuple[str, str]]:
    """(import name, PYTHONPATH entry) for running ``tree``'s engine; the entry is a temporary
    folder with the symlink, removed on exit."""
    tree = Path(tree).resolve()
    name = import_name_of(tree)
    with tempfile.TemporaryDirectory(prefix="engine-tree-") as tmp:
        os.symlink(tree / "engine", Path(tmp) / name, target_is_directory=True)
        yield name, tmp


def engine_folder(import_name: str) -> Path:
    """The resolved source folder of the engine imported as ``import_name``."""
    module = importlib.import_module(import_name)
    return Path(module.__file__).resolve().parent


def check_engine(import_name: str, tree: Path) -> Path:
    """The engine folder imported as ``import_name``; raises when it is not ``tree``'s."""
    folder = engine_folder(import_name)
    want = (Path(tree) / "engine").resolve()
    if folder != want:
        raise RuntimeError(f"{import_name} was imported from {folder}, not from {want}")
    return folder
