"""Run every bench module and print one table; also written to bench/results.md."""

from __future__ import annotations

import os

# Benchmarks draw no window on screen: the same offscreen platform as the tests.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import platform
import sys
from datetime import UTC, datetime
from pathlib import Path

from bench import (
    agreement,
    batch_rows,
    cohort_rows,
    open_rows,
    report_rows,
    scoring_rows,
    summary_rows,
    ui_rows,
)
from bench.harness import Row, render

MODULES = (
    scoring_rows,
    batch_rows,
    open_rows,
    ui_rows,
    summary_rows,
    report_rows,
    cohort_rows,
    agreement,
)


def main() -> int:
    rows: list[Row] = []
    for module in MODULES:
        name = module.__name__.rsplit(".", 1)[-1]
        print(f"measuring {name} ...", file=sys.stderr, flush=True)
        rows += module.rows()
    table = render(rows)
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    machine = f"{platform.machine()}, Python {platform.python_version()}, {platform.system()}"
    text = f"# ICG Desk benchmarks\n\n{stamp} on {machine}; medians of 3 runs.\n\n{table}"
    print(table)
    Path(__file__).with_name("results.md").write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
