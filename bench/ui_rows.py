"""The scorer's window on a 1,000-portfolio batch: cold start, memory, and one score change."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.harness import Row
from icg_desk.demo.batch import write_demo_batch

PORTFOLIOS = 1_000
WORDS = 3_000
CHANGES = 1_000
STARTS = 3


def _probe(*args: str) -> dict[str, float]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    out = subprocess.run(
        [sys.executable, "-m", "bench.ui_probe", *args],
        check=True,
        capture_output=True,
        text=True,
        env=env,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def _score_changes(batch: Path) -> list[float]:
    """Seconds per change, from the scorer's key to the saved row and the updated summary."""
    from PySide6.QtCore import QSettings

    from icg_desk.ui.app import application
    from icg_desk.ui.main_window import MainWindow

    app = application()
    window = MainWindow(QSettings(str(batch.with_suffix(".ini")), QSettings.Format.IniFormat))
    window.show()
    window.open_batch(batch)
    app.processEvents()
    assert window.summary is not None
    times = []
    for i in range(CHANGES):
        if i % 7 == 0:
            window.step_factor(1)
        level = 1 + i % 4
        start = time.perf_counter()
        window.score_level(level)  # what the key 1-4 triggers
        times.append(time.perf_counter() - start)
        assert window.summary.factor_scores[window.rubric_panel.current_factor()].text() == (
            f"{level}.00"
        )
    window.close()
    return times


def _bare_updates(batch: Path) -> list[float]:
    """The same number of single-row UPDATE + COMMITs, same pragmas, with sqlite3 alone."""
    con = sqlite3.connect(batch)
    con.execute("PRAGMA journal_mode = WAL")
    con.execute("PRAGMA synchronous = FULL")
    (read_id,) = con.execute("SELECT id FROM factor_read LIMIT 1").fetchone()
    times = []
    for i in range(CHANGES):
        start = time.perf_counter()
        con.execute("UPDATE factor_read SET score = ? WHERE id = ?", (f"{1 + i % 4}.00", read_id))
        con.commit()
        times.append(time.perf_counter() - start)
    con.close()
    return times


def rows() -> list[Row]:
    folder = Path(tempfile.mkdtemp(prefix="icg-bench-ui-"))
    batch = write_demo_batch(folder / "big.icgbatch", portfolios=PORTFOLIOS, words_per_entry=WORDS)
    ours = [_probe("ours", str(batch)) for _ in range(STARTS)]
    bare = [_probe("bare") for _ in range(STARTS)]
    changes = _score_changes(batch)
    copy = folder / "copy.icgbatch"
    shutil.copy(batch, copy)
    updates = _bare_updates(copy)
    shutil.rmtree(folder)
    ms = 1000
    return [
        Row(
            f"open a {PORTFOLIOS:,}-portfolio batch to an interactive window",
            statistics.median(r["seconds"] for r in ours),
            statistics.median(r["seconds"] for r in bare),
            "s",
            "bare PySide6 QMainWindow start, same process set-up",
        ),
        Row(
            "  peak memory of that start",
            max(r["peak_mib"] for r in ours),
            max(r["peak_mib"] for r in bare),
            "MiB",
            "bare PySide6 QMainWindow start",
        ),
        Row(
            f"score change to saved row + summary, median of {CHANGES:,}",
            statistics.median(changes) * ms,
            statistics.median(updates) * ms,
            "ms",
            "bare sqlite3 UPDATE + COMMIT (WAL, synchronous=FULL)",
        ),
        Row(
            "  the same, 99th percentile",
            _percentile(changes, 0.99) * ms,
            _percentile(updates, 0.99) * ms,
            "ms",
            "bare sqlite3 UPDATE + COMMIT, p99",
        ),
    ]
