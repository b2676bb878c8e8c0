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


STEPS = 200


def _key(key: object, modifier: object = None) -> None:
    """A key as the scorer types it, to whatever has focus (shortcuts included)."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    focused = QApplication.focusWidget()
    assert focused is not None, "no widget has focus: the keys would go nowhere"
    QTest.keyClick(focused, key, modifier or Qt.KeyboardModifier.NoModifier)


def _scorer_window(batch: Path) -> object:
    from PySide6.QtCore import QSettings

    from icg_desk.ui.app import application
    from icg_desk.ui.main_window import MainWindow

    app = application()
    window = MainWindow(QSettings(str(batch.with_suffix(".ini")), QSettings.Format.IniFormat))
    window.resize(1366, 768)
    window.show()
    window.activateWindow()
    while not window.isActiveWindow():  # keys go to the focus widget of the active window
        app.processEvents()
    window.open_batch(batch)
    app.processEvents()
    window.repaint()
    return window


def _next_portfolio(window: object) -> tuple[list[float], list[str]]:
    """Seconds from Alt+PgDown to the next portfolio fully drawn (layouts settled, every
    widget painted), and the entry text each step showed."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    assert app is not None
    times, texts = [], []
    before = window._view.id  # type: ignore[attr-defined]
    for _ in range(STEPS):
        start = time.perf_counter()
        _key(Qt.Key.Key_PageDown, Qt.KeyboardModifier.AltModifier)
        app.processEvents()  # deferred layouts, queued signals, posted update requests
        window.repaint()  # type: ignore[attr-defined]  # every widget painted, now
        times.append(time.perf_counter() - start)
        view = window._view  # type: ignore[attr-defined]
        assert view.id != before, "Alt+PgDown did not move to another portfolio"
        before = view.id
        shown = window.entry_panel.current_entry()  # type: ignore[attr-defined]
        texts.append(next(e.text for e in view.entries if e.number == shown))
    return times, texts


def _bare_repaints(texts: list[str]) -> list[float]:
    """The same texts shown in a bare QTextEdit of the same size: set, lay out, paint."""
    from PySide6.QtWidgets import QApplication, QTextEdit

    app = QApplication.instance()
    assert app is not None
    view = QTextEdit()
    view.setReadOnly(True)
    view.resize(1366, 768)
    view.show()
    app.processEvents()
    times = []
    for text in texts:
        start = time.perf_counter()
        view.setPlainText(text)
        app.processEvents()
        view.repaint()
        times.append(time.perf_counter() - start)
    view.close()
    return times


def _score_changes(window: object) -> list[float]:
    """Seconds per score key, from the key to the saved row and the updated summary."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    assert app is not None
    summary = window.summary  # type: ignore[attr-defined]
    panel = window.rubric_panel  # type: ignore[attr-defined]
    times = []
    for i in range(CHANGES):
        if i % 7 == 0:
            _key(Qt.Key.Key_Down, Qt.KeyboardModifier.AltModifier)  # next factor
            # What the next factor's card posts (its new layout) is done before the score key,
            # as it is between a person's two keys: otherwise one score key in seven was timed
            # with the previous key's card layout in it.
            app.processEvents()
        level = 1 + i % 4
        start = time.perf_counter()
        _key(getattr(Qt.Key, f"Key_{level}"))
        app.processEvents()  # the summary's labels repainted
        times.append(time.perf_counter() - start)
        assert summary.factor_scores[panel.current_factor()].text() == f"{level}.00"
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
    window = _scorer_window(batch)
    steps, texts = _next_portfolio(window)
    changes = _score_changes(window)
    window.close()  # type: ignore[attr-defined]
    repaints = _bare_repaints(texts)
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
            f"next portfolio (Alt+PgDown) to fully drawn, median of {STEPS}",
            statistics.median(steps) * ms,
            statistics.median(repaints) * ms,
            "ms",
            "bare QTextEdit: set the same entry text, lay out, repaint",
        ),
        Row(
            "  the same, 99th percentile",
            _percentile(steps, 0.99) * ms,
            _percentile(repaints, 0.99) * ms,
            "ms",
            "bare QTextEdit set + repaint, p99",
        ),
        Row(
            f"score key to saved row + summary, median of {CHANGES:,}",
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
