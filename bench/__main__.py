"""Run the benchmarks: ``python -m bench [FILTER ...]`` from the repository root.

Each module in CASE_MODULES exposes ``CASES``: a tuple of ``(name, run)`` pairs where
``run()`` returns one JSON-serialisable dict. A case runs when no filter is given or
any filter is a substring of its name. Results go to stdout as one JSON line per
case (easy to diff and to collect in CI); errors go to stderr and set exit code 1.
"""

from __future__ import annotations

import importlib
import json
import sys
import traceback

CASE_MODULES: tuple[str, ...] = (
    "bench.matching_bench",
    "bench.telegram_bench",
    "bench.matrix_bench",
    "bench.delivery_bench",
)


def main(argv: list[str]) -> int:
    filters = argv
    failed = False
    for module_name in CASE_MODULES:
        try:
            module = importlib.import_module(module_name)
        except Exception:
            print(f"bench: cannot import {module_name}", file=sys.stderr)
            traceback.print_exc()
            failed = True
            continue
        for name, run in module.CASES:
            if filters and not any(f in name for f in filters):
                continue
            try:
                result = run()
            except Exception:
                print(f"bench: case {name} failed", file=sys.stderr)
                traceback.print_exc()
                failed = True
                continue
            print(json.dumps(result), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
