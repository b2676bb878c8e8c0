"""`icg-desk --smoke [FOLDER]`: prove a build works end to end, with no screen and no person.

It does what a scorer's first minutes do, through the real window: make the demo batch, open
it, score one factor, export the summary workbook and print the score reports; then it checks
the score reached the batch file and the files are there. Then a coordinator's last minutes, in
the Coordinator window: a demo cohort, released, its reports with names and its summary
workbook. Everything lands in FOLDER (a new temporary folder when none is given), which is kept
for a look at the PDFs and the workbooks.

The last line says `smoke: ok (...)` on stdout and exit code 0, or `smoke: FAILED: <why>` on
stderr and exit code 1. The same line is written to FOLDER/smoke-result.txt, because a windowed
app on Windows has no stdout to print to (and a windowed macOS app launched from Finder neither).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from icg_desk.ui.main_window import MainWindow
    from icg_desk.ui.tasks import Task
    from icg_desk.ui.window_shell import WindowShell

RESULT_FILE = "smoke-result.txt"
BATCH_NAME = "smoke.icgbatch"
SUMMARY_NAME = "smoke-summary.xlsx"
REPORTS_FOLDER = "reports"
PORTFOLIOS = 3
COHORT_FOLDER = "cohort"
COHORT_REPORTS_FOLDER = "cohort-reports"
COHORT_SUMMARY_NAME = "cohort-summary.xlsx"
COHORT_CANDIDATES = 4
STEP_TIMEOUT_S = 300
LEVEL = 3


class SmokeFailure(Exception):
    """A check of the smoke run that did not hold; its message is the reason printed."""


def main(folder: Path | None = None) -> int:
    """Run the smoke test in `folder` (made if missing, must be empty); return the exit code."""
    # Before Qt loads: a smoke run needs no screen, on a build server or over SSH. A platform
    # someone chose (xcb under Xvfb, say) is kept.
    if "PySide6.QtGui" not in sys.modules:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    started = time.monotonic()
    workdir: Path | None = None
    try:
        workdir = _workdir(folder)
        summary = _run(workdir)
    except SmokeFailure as exc:
        return _finish(workdir, f"smoke: FAILED: {exc}", ok=False)
    except Exception as exc:  # noqa: BLE001 - a bug: report it as a failure with its traceback
        if sys.stderr is not None:
            traceback.print_exc()
        return _finish(workdir, f"smoke: FAILED: {type(exc).__name__}: {exc}", ok=False)
    seconds = time.monotonic() - started
    return _finish(workdir, f"smoke: ok ({summary}; {seconds:.1f} s; in {workdir})", ok=True)


def _workdir(folder: Path | None) -> Path:
    if folder is None:
        return Path(tempfile.mkdtemp(prefix="icg-desk-smoke-"))
    folder = folder.resolve()
    if folder.exists() and not folder.is_dir():
        raise SmokeFailure(f"{folder}: is a file, not a folder")
    # An empty folder only: files of an earlier run would let a broken export pass the checks.
    if folder.is_dir() and any(folder.iterdir()):
        raise SmokeFailure(f"{folder}: is not empty; give a new or empty folder")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _finish(workdir: Path | None, line: str, *, ok: bool) -> int:
    stream = sys.stdout if ok else sys.stderr
    if stream is not None:  # None in a windowed Windows app
        print(line, file=stream, flush=True)
    if workdir is not None:
        try:
            (workdir / RESULT_FILE).write_text(line + "\n", encoding="utf-8")
        except OSError as exc:
            if sys.stderr is not None:
                print(f"smoke: cannot write {workdir / RESULT_FILE}: {exc}", file=sys.stderr)
            return 1
    return 0 if ok else 1


@contextmanager
def _environment(**values: str) -> Iterator[None]:
    """Set environment variables for the run and put back what was there (for in-process use)."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _application() -> QApplication:
    from PySide6.QtWidgets import QApplication

    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        # Inside a test session or a running app: one QApplication per process, and its look
        # is not ours to change.
        return existing
    from icg_desk.ui.app import application

    _filter_qt_messages()
    # The real start-up path (names, Fusion, the palette and stylesheet), as the app runs.
    return application()


def _filter_qt_messages() -> None:
    """Print Qt's messages as Qt would, less one the offscreen platform always gives."""
    from PySide6.QtCore import (
        QMessageLogContext,
        QtMsgType,
        qFormatLogMessage,
        qInstallMessageHandler,
    )

    def handler(mode: QtMsgType, context: QMessageLogContext, message: str) -> None:
        # The offscreen platform cannot resize windows to their size hints; harmless (as in
        # pyproject.toml's qt_log_ignore). Anything else is worth seeing.
        if message.startswith("This plugin does not support propagateSizeHints"):
            return
        if sys.stderr is not None:
            print(qFormatLogMessage(mode, context, message), file=sys.stderr)

    _keep.append(handler)  # Qt holds no Python reference to it
    qInstallMessageHandler(handler)


_keep: list[object] = []


def _run(workdir: Path) -> str:
    # The data folder and the settings are the run's own, never the person's.
    with _environment(ICG_DESK_DATA=str(workdir / "data")):
        return _scenario(workdir)


def _scenario(workdir: Path) -> str:
    from PySide6.QtCore import QSettings, QTimer
    from PySide6.QtWidgets import QMessageBox

    from icg_desk.demo.batch import write_demo_batch
    from icg_desk.ui.main_window import MainWindow

    app = _application()
    batch_path = write_demo_batch(workdir / BATCH_NAME, portfolios=PORTFOLIOS)
    settings = QSettings(str(workdir / "settings.ini"), QSettings.Format.IniFormat)

    # The window reports problems in modal message boxes; with nobody to click OK the run would
    # wait forever. Close any that opens, and fail with what it said.
    messages: list[str] = []

    def dismiss_messages() -> None:
        box = app.activeModalWidget()
        if isinstance(box, QMessageBox):
            messages.append(f"{box.windowTitle()}: {box.text()}")
            box.reject()

    watchdog = QTimer()
    watchdog.setInterval(100)
    watchdog.timeout.connect(dismiss_messages)
    watchdog.start()

    def fail_on_messages(step: str) -> None:
        if messages:
            raise SmokeFailure(f"{step}: the window said {' | '.join(messages)}")

    window = MainWindow(settings)
    try:
        # QtNetwork is in the bundle, and a second start would reach this window.
        from icg_desk.ui.single_instance import serve

        server = serve(window)
        if server is None:
            raise SmokeFailure("listening for a second start: the socket did not open")
        server.close()
        window.show()
        if not window.open_batch(batch_path):
            fail_on_messages("opening the demo batch")
            raise SmokeFailure(f"opening the demo batch: {batch_path} did not open")
        factor = _score_first_factor(window, batch_path)
        fail_on_messages("scoring")

        summary = _until_done(window, window.export_summary(target=workdir / SUMMARY_NAME))
        fail_on_messages("exporting the summary")
        if summary is None:
            raise SmokeFailure("exporting the summary: no workbook was written")
        _check_file(summary, b"PK")  # an .xlsx is a zip archive

        # The demo's 3 portfolios are none of them complete (its prefill starts at the fourth),
        # and the default prints only completed ones: ask for all of them.
        from icg_desk.operations.batch_ops import ReportChoice

        reports_task = window.print_reports(folder=workdir / REPORTS_FOLDER, which=ReportChoice.ALL)
        written = _until_done(window, reports_task)
        fail_on_messages("printing the score reports")
        pdfs = [p for p in written if p.suffix.lower() == ".pdf"]
        if len(pdfs) != PORTFOLIOS + 1:  # one per portfolio and the combined file
            raise SmokeFailure(
                f"printing the score reports: {len(pdfs)} PDFs written, not {PORTFOLIOS + 1}"
            )
        for pdf in pdfs:
            _check_file(pdf, b"%PDF")
    finally:
        window.close()
        window.deleteLater()
    try:
        cohort = _coordinate(workdir, settings, fail_on_messages)
    finally:
        watchdog.stop()
    settings.sync()
    return (
        f"scored {factor} {LEVEL}, {summary.name} {summary.stat().st_size:,} bytes, "
        f"{len(pdfs)} PDFs; {cohort}"
    )


@contextmanager
def _report_workers(count: int) -> Iterator[None]:
    from icg_desk.export.report_pool import WORKERS_ENV

    before = os.environ.get(WORKERS_ENV)
    os.environ[WORKERS_ENV] = str(count)
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(WORKERS_ENV, None)
        else:
            os.environ[WORKERS_ENV] = before


def _coordinate(workdir: Path, settings: QSettings, fail_on_messages: Callable[[str], None]) -> str:
    """A coordinator's last minutes: a merged cohort released, reports with names, the workbook.

    The sample roster has .docx documents: python-docx writes and reads them, so its template
    files must be in the build too.
    """
    from icg_desk.demo.cohort import build_demo_cohort
    from icg_desk.models.cohort_file import CohortFile
    from icg_desk.models.cohort_results import release_results
    from icg_desk.ui.coordinator_window import CoordinatorWindow

    path = build_demo_cohort(
        workdir / COHORT_FOLDER, candidates=COHORT_CANDIDATES, scorers=3, words_per_entry=60
    )
    with CohortFile.open(path) as cohort:
        release_results(cohort)
    window = CoordinatorWindow(settings)
    try:
        window.show()
        if not window.open_cohort(path):
            fail_on_messages("opening the demo cohort")
            raise SmokeFailure(f"opening the demo cohort: {path} did not open")
        _until_done(window, None)  # the dashboard reads the cohort first
        # By worker processes, as a cohort of hundreds is printed: in the frozen app each starts
        # as the executable itself, and must become a worker (freeze_support in __main__.py).
        with _report_workers(2):
            written = _until_done(
                window, window.print_reports(folder=workdir / COHORT_REPORTS_FOLDER)
            )
        fail_on_messages("printing the cohort's score reports")
        # One per candidate and the combined file.
        if len(written) != COHORT_CANDIDATES + 1:
            raise SmokeFailure(
                f"printing the cohort's score reports: {len(written)} files written, "
                f"not {COHORT_CANDIDATES + 1}"
            )
        for pdf in written:
            _check_file(pdf, b"%PDF")
        summary = _until_done(window, window.export_summary(target=workdir / COHORT_SUMMARY_NAME))
        fail_on_messages("exporting the cohort summary")
        if summary is None:
            raise SmokeFailure("exporting the cohort summary: no workbook was written")
        _check_file(summary, b"PK")
    finally:
        window.close()
        window.deleteLater()
    return f"cohort of {COHORT_CANDIDATES} released, {len(written)} PDFs, {summary.name}"


def _until_done(window: WindowShell, task: Task[Any] | None) -> Any:
    """Let the window's event loop run until its step (or, with None, every step) is done."""
    from PySide6.QtCore import QEventLoop
    from PySide6.QtWidgets import QApplication

    deadline = time.monotonic() + STEP_TIMEOUT_S
    while (task is not None and not task.done) or (task is None and window.tasks.busy):
        QApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        time.sleep(0.005)
        if time.monotonic() > deadline:
            raise SmokeFailure(f"a step did not finish in {STEP_TIMEOUT_S} s")
    return None if task is None else task.value


def _score_first_factor(window: MainWindow, batch_path: Path) -> str:
    """Score the first factor of the open portfolio through the window; check the file has it."""
    if window.session is None or window.rubric_panel is None:
        raise SmokeFailure("scoring: the batch opened but shows no portfolio")
    first = window.session.rubric.factor_keys[0]
    window.rubric_panel.set_current_factor(first)
    before = _saved_scores(batch_path)
    window.score_level(LEVEL)
    after = _saved_scores(batch_path)
    changed = {k: v for k, v in after.items() if before.get(k) != v}
    expected = window.session.rubric.scale.parse(str(LEVEL))
    if [(key[1], score) for key, score in changed.items()] != [(first, expected)]:
        raise SmokeFailure(
            f"scoring: after choosing level {LEVEL} on {first}, the batch file changed "
            f"{len(changed)} scores ({changed or 'none'}), not that one"
        )
    return first


def _saved_scores(batch_path: Path) -> dict[tuple[int, str], Fraction | None]:
    """Every saved score, read through a connection of its own: what the file really holds."""
    from sqlalchemy import select

    from icg_desk.models.batch_file import BatchFile
    from icg_desk.models.schema import FactorRead

    with BatchFile.open(batch_path) as batch, batch.reading() as session:
        rows = session.execute(
            select(FactorRead.portfolio_id, FactorRead.factor_key, FactorRead.score)
        )
        return {(portfolio, key): score for portfolio, key, score in rows}


def _check_file(path: Path, magic: bytes) -> None:
    if not path.is_file():
        raise SmokeFailure(f"{path}: was not written")
    with path.open("rb") as f:
        head = f.read(len(magic))
    if not head:
        raise SmokeFailure(f"{path}: is empty")
    if head != magic:
        raise SmokeFailure(f"{path}: does not start with {magic!r}; it is not the right kind")


if __name__ == "__main__":
    raise SystemExit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else None))
