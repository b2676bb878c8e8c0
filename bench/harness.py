"""Measuring: medians of repeated runs, and the table every bench module adds rows to."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Row:
    figure: str
    value: float
    baseline: float
    unit: str
    baseline_is: str  # what the baseline measures, in a few words

    @property
    def ratio(self) -> float:
        return self.value / self.baseline if self.baseline else float("inf")


def median_seconds(
    run: Callable[[], object], *, repeat: int = 3, setup: Callable[[], object] | None = None
) -> float:
    """The median wall time of `run` over `repeat` runs; `setup` runs untimed before each."""
    times = []
    for _ in range(repeat):
        if setup is not None:
            setup()
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def render(rows: list[Row]) -> str:
    header = "| figure | value | baseline | ratio | baseline is |\n|---|---:|---:|---:|---|\n"
    lines = [
        f"| {r.figure} | {r.value:.3f} {r.unit} | {r.baseline:.3f} {r.unit} | {r.ratio:.2f}x | "
        f"{r.baseline_is} |"
        for r in rows
    ]
    return header + "\n".join(lines) + "\n"
