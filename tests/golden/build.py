"""Rebuild the golden files from a source tree: ``python -m tests.golden.build --source TREE``.

For each case of ``tests/golden/cases.py`` the engine of ``TREE`` (a checkout of another
commit, e.g. ``git worktree add ../parent HEAD~1``) closes the case's pack into a fresh store,
in a separate process that imports that tree under its own import name (``engine`` before
issue 14, ``reserva`` after; see ``tests/golden/trees.py``) and with that tree's bundled
assumption set. Every table of the store is then normalised (``tests/golden/compare.py``:
run ordinals, volatile columns dropped, rows sorted) and written to
``tests/golden/data/<case>/<table>.parquet``, with a ``manifest.json`` of each table's key,
the dates, the source commit and the sha256 of every pack file.

The packs of ``table9`` and ``handmade`` come from this tree's tests (so this tree must import:
``table9`` reads ``PACK`` from its test module); the sample pack is written by the source
tree's own generator (the pack hashes in the manifest let the test tell a changed generator
from a changed close).

When to rebuild: only when a change is *meant* to change stored results, and then from the
commit before that change, so that the golden files are what main stored before it; the test
(``tests/golden/test_golden.py``) run on the change then shows exactly what it changes (list
each such difference in ``INTENDED`` of ``compare.py`` with its reason until the golden files
are rebuilt from the new main). A refactor that must not change results does not rebuild:
it runs the test. Rebuilding from this very tree (``--source .``) only proves the cases are
reproducible.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.golden.cases import CASES, ROOT, pack_hashes, run_case
from tests.golden.compare import read_store, write_golden
from tests.golden.trees import check_engine, tree_path

DATA = Path(__file__).resolve().parent / "data"


def build(source: Path, out: Path = DATA, cases: list[str] | None = None) -> dict:
    """Close every case with ``source``'s engine and write the golden files under ``out``;
    returns, per case, the engine folder and the assumptions folder the worker used."""
    source = source.resolve()
    used = {}
    with tree_path(source) as (name, entry), tempfile.TemporaryDirectory() as tmp:
        for case_name in cases or list(CASES):
            case, workdir = CASES[case_name], Path(tmp) / case_name
            workdir.mkdir()
            if not case.generated:  # written here, from this tree's tests
                case.write_pack(workdir / "pack", name)
            used[case_name] = _run_worker(source, name, entry, case_name, workdir)
            extra = {"case": case_name, "dates": list(case.dates), "import_name": name,
                     "source_commit": _commit(source),
                     "pack_sha256": pack_hashes(workdir / "pack")}
            write_golden(read_store(workdir / "store.duckdb"), out / case_name, extra)
    return used


def _run_worker(source: Path, name: str, entry: str, case: str, workdir: Path) -> dict:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([entry, str(ROOT)])}
    out = subprocess.run(
        [sys.executable, "-P", "-m", "tests.golden.build", "--worker", name, case,
         str(workdir), str(source)],
        env=env, capture_output=True, text=True, cwd=workdir,
    )
    if out.returncode != 0:
        raise RuntimeError(f"case {case} failed under {source}:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _commit(tree: Path) -> str:
    out = subprocess.run(["git", "-C", str(tree), "rev-parse", "HEAD"], capture_output=True,
                         text=True)
    return out.stdout.strip() if out.returncode == 0 else "unknown"


def worker(name: str, case: str, workdir: Path, source: Path) -> None:
    """In the worker process: check the engine is ``source``'s, close the case, print JSON."""
    folder = check_engine(name, source)
    run_case(CASES[case], workdir, name)
    try:
        import importlib

        assumptions = str(importlib.import_module(f"{name}.io.assumptions").default_root())
    except (ImportError, AttributeError):
        assumptions = "unknown"
    print(json.dumps({"engine": str(folder), "assumptions": assumptions}))


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--worker"]:
        name, case, workdir, source = argv[1:5]
        worker(name, case, Path(workdir), Path(source))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, required=True,
                        help="source tree whose engine closes the cases")
    parser.add_argument("--out", type=Path, default=DATA)
    parser.add_argument("--cases", nargs="+", choices=sorted(CASES), default=None)
    args = parser.parse_args(argv)
    used = build(args.source, args.out, args.cases)
    for case, info in used.items():
        print(f"{case}: engine {info['engine']}, assumptions {info['assumptions']}")
    size = sum(p.stat().st_size for p in args.out.rglob("*") if p.is_file())
    print(f"golden files in {args.out}: {size / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
