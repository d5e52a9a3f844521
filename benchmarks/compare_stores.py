"""Compare every table of two stores exactly: ``python benchmarks/compare_stores.py OLD NEW``.

The comparison is the golden test's (``tests/golden/compare.py``, one implementation): run ids
become run ordinals, the volatile columns of ``runs`` (timestamps, timings, data folder,
package version) are dropped, rows are matched by key and floats compared bit for bit. The
intended differences of ``INTENDED`` are listed but pass unless ``--strict``. Exit 0 when
the stores agree, 1 with the differences listed (table, key, column, old -> new).

Typical use: close the same pack with two versions of the engine (e.g. the two stores of
``bench_close.py --against TREE --keep-stores``) and check that nothing changed.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # the comparison lives with the golden test
    sys.path.insert(0, str(ROOT))

from tests.golden.compare import INTENDED, compare, read_store  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old", type=Path, help="the reference store")
    parser.add_argument("new", type=Path, help="the store to check against it")
    parser.add_argument("--strict", action="store_true",
                        help="no intended differences: every difference fails")
    parser.add_argument("--limit", type=int, default=12,
                        help="differences shown per table and column (default 12)")
    args = parser.parse_args(argv)
    for path in (args.old, args.new):
        if not path.is_file():
            print(f"compare_stores: no store at {path}", file=sys.stderr)
            return 2
    outcome = compare(read_store(args.old), read_store(args.new),
                      () if args.strict else INTENDED)
    print(outcome.report(args.limit))
    return 0 if not outcome.failing else 1


if __name__ == "__main__":
    sys.exit(main())
