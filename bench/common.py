"""Small shared pieces of the benchmark: percentiles, memory readings, progress bars.

Progress goes to stderr through a :class:`Progress` object so that ``--json`` output on stdout
stays machine-readable and the smoke test can run every section silently.
"""

from __future__ import annotations

import math
import resource
import statistics
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0–100) by linear interpolation; 0.0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    k = (len(ordered) - 1) * q / 100.0
    lo, hi = math.floor(k), math.ceil(k)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def summary_ms(seconds: Sequence[float]) -> dict[str, float]:
    """Median and p95 in milliseconds of per-item times given in seconds."""
    return {"p50_ms": round(percentile(seconds, 50) * 1000, 3), "p95_ms": round(percentile(seconds, 95) * 1000, 3)}


def tenths(seconds: Sequence[float]) -> dict[str, float]:
    """Median of the first and of the last tenth, and their ratio: does a case get slower as cases pile up?"""
    k = max(1, len(seconds) // 10)
    first, last = statistics.median(seconds[:k]), statistics.median(seconds[-k:])
    return {"first_tenth_ms": round(first * 1000, 3), "last_tenth_ms": round(last * 1000, 3),
            "last_over_first": round(last / first, 2) if first else 0.0}


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far (ru_maxrss is KiB on Linux)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0, 1)


class Stopwatch:
    """Accumulates the time spent inside ``with watch:`` blocks (bench bookkeeping stays outside)."""

    def __init__(self) -> None:
        self.total = 0.0
        self._start = 0.0

    def __enter__(self) -> Stopwatch:
        self._start = time.perf_counter()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.total += time.perf_counter() - self._start


class Progress:
    """Progress bars and notes on stderr; ``Progress(quiet=True)`` prints nothing."""

    def __init__(self, quiet: bool = False) -> None:
        self.quiet = quiet

    def note(self, message: str) -> None:
        if not self.quiet:
            print(message, file=sys.stderr, flush=True)

    @contextmanager
    def bar(self, label: str, total: int) -> Iterator[Callable[[int], None]]:
        """Yield ``advance(n)``; a click progress bar when not quiet."""
        if self.quiet:
            yield lambda _n: None
            return
        import click

        with click.progressbar(length=total, label=label, file=sys.stderr, show_pos=True,
                               show_eta=True) as bar:
            yield bar.update
