"""Run every benchmark module in ``bench/`` (or those named): ``python -m bench [NAME ...]``.

A module is a benchmark when it defines ``run(results_dir) -> dict``; adding one is adding
``bench/<name>.py``. Exit code 1 when a benchmark raises or reports ``"bar_met": false``.
"""

from __future__ import annotations

import importlib
import json
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
RESULTS_DIR = BENCH_DIR / "results"

Benchmark = Callable[[Path], dict[str, Any]]


def discover(names: Sequence[str] = ()) -> dict[str, Benchmark]:
    """Benchmark name -> its ``run``, in file-name order; ``names`` selects some."""
    available = sorted(p.stem for p in BENCH_DIR.glob("*.py") if not p.stem.startswith("_"))
    unknown = sorted(set(names) - set(available))
    if unknown:
        raise SystemExit(f"python -m bench: no benchmark {unknown}; available: {available}")
    found: dict[str, Benchmark] = {}
    for name in names or available:
        module = importlib.import_module(f"bench.{name}")
        run = getattr(module, "run", None)
        if callable(run):
            found[name] = run
    return found


def main(argv: Sequence[str]) -> int:
    """Run the benchmarks, print each result as JSON, return the exit code."""
    failed: list[str] = []
    for name, run in discover(argv).items():
        print(f"== bench/{name}", flush=True)
        started = time.perf_counter()
        try:
            result = run(RESULTS_DIR)
        except Exception:
            traceback.print_exc()
            failed.append(f"{name} (raised)")
            continue
        print(json.dumps(result, indent=2, default=str))
        print(f"== bench/{name}: {time.perf_counter() - started:.1f}s", flush=True)
        if result.get("bar_met") is False:
            failed.append(f"{name} (bar missed)")
    if failed:
        print(f"python -m bench: failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
