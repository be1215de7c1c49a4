"""Shared benchmark helpers: merge figures into ``bench/results.json``, percentiles, timers."""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

RESULTS_FILE = Path(__file__).resolve().parent / "results.json"


def merge_results(figures: Mapping[str, Any], *, path: Path = RESULTS_FILE) -> dict[str, Any]:
    """Merge ``figures`` into the JSON dict at ``path`` (read-modify-write under a lock).

    Keys carry their unit (``recommend_p99_ms``, ``graph_load_ms``, ``rss_mb``). Existing keys
    from other benchmarks are kept; the same keys are overwritten. The file is replaced
    atomically, so a reader never sees half a file.

    Returns
    -------
    dict
        The whole merged document.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256(str(target.resolve()).encode()).hexdigest()[:12]
    with open(Path(tempfile.gettempdir()) / f"bench-results-{digest}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            current = json.loads(target.read_text(encoding="utf-8"))
            if not isinstance(current, dict):
                current = {}
        except (FileNotFoundError, json.JSONDecodeError):
            current = {}
        current.update(figures)
        fd, tmp = tempfile.mkstemp(prefix=".results.", suffix=".json", dir=target.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(current, fh, indent=2, sort_keys=True, default=str)
                fh.write("\n")
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    return current


def percentiles_ms(samples_s: Sequence[float], qs: Sequence[float] = (50, 99)) -> list[float]:
    """Percentiles of durations given in seconds, in milliseconds (rounded to 0.01)."""
    values = np.percentile(np.asarray(samples_s, dtype=np.float64) * 1000.0, list(qs))
    return [round(float(v), 2) for v in values]


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    """Run ``fn`` once; return (seconds, result)."""
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


def load_average() -> float:
    """One-minute load average (context for latency figures on a shared machine)."""
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return -1.0
