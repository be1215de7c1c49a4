"""`make bench`: run every bench/bench_*.py module's run() and collect bench/results.json."""

from __future__ import annotations

import importlib
import json
import pkgutil
import sys
import time
import traceback
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results.json"


def main(argv: list[str]) -> int:
    only = set(argv)
    failed = []
    names = sorted(m.name for m in pkgutil.iter_modules([str(RESULTS.parent)]) if m.name.startswith("bench_"))
    for name in names:
        if only and name not in only:
            continue
        print(f"== {name}", flush=True)
        t0 = time.perf_counter()
        try:
            module = importlib.import_module(f"bench.{name}")
            figures = module.run()
        except Exception:  # a failing benchmark must not hide the others' figures
            traceback.print_exc()
            failed.append(name)
            continue
        print(json.dumps(figures, indent=2, default=str))
        print(f"   ({time.perf_counter() - t0:.1f} s)", flush=True)
    print(f"results in {RESULTS}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
