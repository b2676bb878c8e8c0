"""The coordinator's window: one cohort database, where its scoring stands, and every step of it.

It calls the cohort domain (models/cohort_status, cohort_results, roster, assignment, merge and
the cohort exports) and decides nothing itself. Every step runs off the UI thread through
`run_with_progress`; each job ends by reading a fresh `CohortSnapshot` on the worker, and the
dashboard is redrawn from it, so the window always shows what the file now holds.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from PySide6.QtCore import QLockFile, QMimeData, QSettings, Qt, QTimer
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QKeySequence,
)
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMenu,
    QMessageBox,
    QPushButton,
    QStackedWidget,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from icg_desk.models import assignment as assigning
from icg_desk.models import merge as merging
from icg_desk.models import roster as roster_io
from icg_desk.models.batch_file import BATCH_SUFFIX
from icg_desk.models.cohort_file import COHORT_SUFFIX, CohortFile, CohortFileError
from icg_desk.models.cohort_results import (
    CohortResults,
    ReleaseError,
    ResultsCancelled,
    ResultsLocked,
    cohort_results,
    release_results,
)
from icg_desk.models.cohort_status import CohortStatus, cohort_status
from icg_desk.models.rubric_file import RubricError, builtin_rubric
from icg_desk.ui.coordinator_dashboard import DASHBOARD_STYLESHEET, Dashboard
from icg_desk.ui.coordinator_dialogs import (
    AssignDialog,
    ImportProblemsDialog,
    MergeReportDialog,
    NewCohortDialog,
)
from icg_desk.ui.rubric_panel import plain_label
from icg_desk.ui.style import ACCENT
from icg_desk.ui.tasks import Outcome, run_with_progress

if TYPE_CHECKING:
    from icg_desk.export.pdf_report import ReportRun

APP_NAME = "ICG Desk"
MAX_RECENT = 8
T = TypeVar("T")

# The start page's two buttons, larger than a dialog's; the default one (the likely first step)
# in the accent colour, so it reads as the way in. Not bold: the default moves between the two,
# and a bold label would outgrow the width measured for it.
START_STYLESHEET = f"""
#startButtons QPushButton {{ padding: 7px 18px; border: 1px solid #c9ced6; border-radius: 5px;
                             background: #ffffff; color: #1f2933; }}
#startButtons QPushButton:hover {{ border-color: {ACCENT}; }}
#startButtons QPushButton:focus {{ border: 2px solid #7fa3c7; padding: 6px 17px; }}
#startButtons QPushButton:default {{ background: {ACCENT}; border-color: {ACCENT};
                                     color: #ffffff; }}
#startButtons QPushButton:default:hover {{ background: #284f76; }}
#startButtons QPushButton:pressed {{ background: #e3e6ea; }}
#startButtons QPushButton:default:pressed {{ background: #22445f; }}
"""

# Problems the coordinator can act on: their message says what and where. Anything else is a bug
# and reaches tasks.run_with_progress, which reports it with its traceback.
_USER_ERRORS: tuple[type[BaseException], ...] = (
    roster_io.ImportRejected,
    assigning.AssignmentError,
    ReleaseError,
    ResultsLocked,
    CohortFileError,
    OSError,
    ValueError,
)


@dataclass(frozen=True)
class CohortSnapshot:
    """Everything the dashboard shows, read in one go on a worker thread."""

    status: CohortStatus
    results: CohortResults
    merges: tuple[merging.MergeRecord, ...]

    @property
    def released_at(self) -> datetime | None:
        return self.results.released_at


def load_snapshot(
    cohort: CohortFile, progress: Callable[[int, int], bool] | None = None
) -> CohortSnapshot:
    return CohortSnapshot(
        status=cohort_status(cohort),
        results=cohort_results(cohort, progress=progress),
        merges=merging.recent_merges(cohort),
    )


class _Shown(Exception):
    """A bug already shown to the coordinator with its traceback: not to be shown again."""


@dataclass(frozen=True)
class _Done:
    """A job's value, or the problem the coordinator can act on; and the cohort afterwards."""

    value: Any
    problem: BaseException | None
    snapshot: CohortSnapshot | None


def local_time(when: datetime) -> str:
    return f"{when.astimezone():%Y-%m-%d %H:%M}"


class CoordinatorWindow(QMainWindow):
    def __init__(self, settings: QSettings | None = None) -> None:
        super().__init__()
        self.settings = settings if settings is not None else QSettings()
        self.cohort: CohortFile | None = None
        self.snapshot: CohortSnapshot | None = None
        self._path: Path | None = None
        self._lock: QLockFile | None = None
        # While a step runs: the progress dialog blocks the window only once it shows (after
        # 300 ms), so until then a second step or closing the cohort under the worker is refused.
        self._busy = 0

        self.setObjectName("coordinatorWindow")
        self.setWindowTitle(f"Coordinator — {APP_NAME}")
        self.setAcceptDrops(True)
        self.setStyleSheet(DASHBOARD_STYLESHEET)
        self.resize(1280, 800)
        self.stack = QStackedWidget()
        self.start_page = self._build_start_page()
        self.dashboard = Dashboard()
        self.stack.addWidget(self.start_page)
        self.stack.addWidget(self.dashboard)
        self.setCentralWidget(self.stack)
        self._build_actions()
        self._build_menus()
        self._build_toolbar()
        self._restore_window()
        self._refresh_recent()
        self._update_actions()

    # --- building -----------------------------------------------------------------------------

    def _build_start_page(self) -> QWidget:
        page = QWidget()
        title = plain_label("ICG Desk — Coordinator", wrap=False, object_name="startTitle")
        hint = plain_label(
            "Make a new cohort database (.icgcohort), or open one, to import the roster, assign "
            "portfolios, send batches, merge what scorers return and release the results. Drop "
            "a cohort file on this window to open it.",
            object_name="startHint",
        )
        self.new_button = QPushButton("New cohort…")
        self.new_button.setObjectName("newCohortButton")
        self.new_button.setToolTip("Make a new cohort database (Ctrl+N)")
        self.new_button.clicked.connect(lambda: self.new_cohort())
        self.open_button = QPushButton("Open cohort…")
        self.open_button.setObjectName("openCohortButton")
        self.open_button.setToolTip("Open a cohort database (Ctrl+Shift+O)")
        self.open_button.clicked.connect(self.choose_cohort)
        button_row = QWidget()
        button_row.setObjectName("startButtons")
        button_row.setStyleSheet(START_STYLESHEET)
        buttons = QHBoxLayout(button_row)
        buttons.setContentsMargins(0, 0, 0, 0)
        buttons.setSpacing(10)
        buttons.addWidget(self.new_button)
        buttons.addWidget(self.open_button)
        buttons.addStretch(1)
        self.recent_list = QListWidget()
        self.recent_list.setObjectName("recentList")
        self.recent_list.itemActivated.connect(
            lambda item: self.open_cohort(Path(item.data(Qt.ItemDataRole.UserRole)))
        )
        column = QVBoxLayout()
        column.addStretch(1)
        column.addWidget(title)
        column.addWidget(hint)
        column.addSpacing(12)
        column.addWidget(button_row)
        column.addSpacing(18)
        # Both hidden until there is a cohort to go back to: an empty list is only a white box.
        self.recent_title = plain_label("Recent cohorts", wrap=False)
        column.addWidget(self.recent_title)
        column.addWidget(self.recent_list)
        column.addStretch(2)
        outer = QHBoxLayout(page)
        outer.addStretch(1)
        outer.addLayout(column, 2)
        outer.addStretch(1)
        return page

    def _action(
        self,
        text: str,
        slot: Callable[[], object],
        shortcuts: Sequence[str] = (),
        group: str = "General",
        tip: str = "",
    ) -> QAction:
        action = QAction(text, self)
        if shortcuts:
            action.setShortcuts([QKeySequence(s) for s in shortcuts])
        action.setProperty("shortcutGroup", group)
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.setProperty("baseTip", tip)
        self._set_tip(action, tip)
        action.triggered.connect(lambda _checked=False: None if self._busy else slot())
        self.addAction(action)
        return action

    @staticmethod
    def _set_tip(action: QAction, tip: str) -> None:
        keys = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
        text = tip or action.text().replace("&", "")
        action.setToolTip(f"{text} ({keys})" if keys else text)
        action.setStatusTip(text)

    def _build_actions(self) -> None:
        a = self._action
        self.new_action = a(
            "&New cohort…",
            self.new_cohort,
            ["Ctrl+N"],
            "File",
            "Make a new cohort database (.icgcohort)",
        )
        self.open_action = a(
            "&Open cohort…",
            self.choose_cohort,
            ["Ctrl+Shift+O", "Ctrl+O"],
            "File",
            "Open a cohort database (.icgcohort)",
        )
        self.close_action = a("&Close cohort", self.close_cohort, ["Ctrl+W"], "File")
        self.quit_action = a("&Quit", self.close, ["Ctrl+Q"], "File")
        self.import_roster_action = a(
            "Import &roster…",
            self.import_roster,
            ["Ctrl+I"],
            "Cohort",
            "Import candidates from a roster (.xlsx or .csv) and their entry documents",
        )
        self.import_scorers_action = a(
            "Import &scorers…",
            self.import_scorers,
            ["Ctrl+Shift+I"],
            "Cohort",
            "Import scorers from a sheet (.xlsx or .csv)",
        )
        self.assign_action = a(
            "&Assign…",
            self.assign_reads,
            ["Ctrl+Shift+A"],
            "Cohort",
            "Give every portfolio the reads it still needs, to eligible scorers",
        )
        self.send_action = a(
            "Send &batches…",
            self.send_batches,
            ["Ctrl+B"],
            "Cohort",
            "Write one batch file per scorer with the reads not yet sent",
        )
        self.merge_action = a(
            "&Merge returned files…",
            self.merge_returned,
            ["Ctrl+M"],
            "Cohort",
            "Merge scorers' returned batches (.icgbatch) or summaries (.xlsx); "
            "or drop them on the window",
        )
        self.release_action = a(
            "Re&lease results…",
            self.release,
            ["Ctrl+Shift+R"],
            "Results",
            "Lock the results once every candidate has all reads in",
        )
        self.reports_action = a(
            "&Print reports…",
            self.print_reports,
            ["Ctrl+P"],
            "Results",
            "Print every candidate's score report (previews before release)",
        )
        self.summary_action = a(
            "&Export summary…",
            self.export_summary,
            ["Ctrl+Shift+S"],
            "Results",
            "Write the cohort's results workbook (.xlsx)",
        )
        self.refresh_action = a(
            "&Refresh", self.refresh, ["F5"], "View", "Read the cohort file again"
        )
        self.find_action = a(
            "&Find candidate", self._find, ["Ctrl+F"], "View", "Filter the results"
        )
        self.shortcuts_action = a("&Keyboard shortcuts", self.show_shortcuts, ["F1"], "Help")
        self.locked_actions = (
            self.import_roster_action,
            self.import_scorers_action,
            self.assign_action,
            self.send_action,
            self.merge_action,
            self.release_action,
        )

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        file_menu.addAction(self.new_action)
        file_menu.addAction(self.open_action)
        self.recent_menu = QMenu("Open &recent", self)
        file_menu.addMenu(self.recent_menu)
        file_menu.addAction(self.close_action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        cohort = bar.addMenu("&Cohort")
        for action in (
            self.import_roster_action,
            self.import_scorers_action,
            None,
            self.assign_action,
            self.send_action,
            self.merge_action,
        ):
            cohort.addSeparator() if action is None else cohort.addAction(action)
        results = bar.addMenu("&Results")
        for action in (self.release_action, None, self.reports_action, self.summary_action):
            results.addSeparator() if action is None else results.addAction(action)
        view = bar.addMenu("&View")
        view.addAction(self.refresh_action)
        view.addAction(self.find_action)
        help_menu = bar.addMenu("&Help")
        help_menu.addAction(self.shortcuts_action)

    def _build_toolbar(self) -> None:
        bar = QToolBar("Cohort steps", self)
        bar.setObjectName("coordinatorToolbar")
        bar.setMovable(False)
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        for action in (
            self.import_roster_action,
            self.import_scorers_action,
            None,
            self.assign_action,
            self.send_action,
            self.merge_action,
            None,
            self.release_action,
            self.reports_action,
            self.summary_action,
        ):
            bar.addSeparator() if action is None else bar.addAction(action)
        self.toolbar = bar
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, bar)

    # --- making, opening and closing -----------------------------------------------------------

    def new_cohort(
        self, path: Path | None = None, name: str | None = None, edition: str | None = None
    ) -> bool:
        """File > New cohort: its name and rubric edition, then where to save it; then open it.

        Asks only for what is not given. Never writes over a file: an existing one is refused.
        """
        if name is None or edition is None:
            dialog = NewCohortDialog(name=name or "", edition=edition, parent=self)
            if dialog.exec() != NewCohortDialog.DialogCode.Accepted:
                return False
            name, edition = dialog.values()
        name = name.strip()
        if not name:
            self._error("Cohort not created", "A cohort needs a name, such as 2026-27.")
            return False
        try:
            rubric = builtin_rubric(edition)
        except RubricError as exc:
            self._error("Cohort not created", str(exc))
            return False
        if path is None:
            # The name as a file name: no folder separators or characters Windows refuses.
            stem = re.sub(r'[\\/:*?"<>|\x00-\x1f]+', "-", name).strip(" .") or "cohort"
            chosen, _ = QFileDialog.getSaveFileName(
                self,
                "Save the new cohort as",
                str(Path(self._last_folder()) / f"{stem}{COHORT_SUFFIX}"),
                f"ICG Desk cohorts (*{COHORT_SUFFIX})",
                # An existing file is refused below; "replace it?" here would say it could be.
                options=QFileDialog.Option.DontConfirmOverwrite,
            )
            if not chosen:
                return False
            path = Path(chosen)
        if path.suffix.lower() != COHORT_SUFFIX:
            path = path.with_name(path.name + COHORT_SUFFIX)
        if path.exists():
            self._error(
                "Cohort not created",
                f"{path}: already exists. A new cohort is never written over another file: "
                "choose another name or folder.",
            )
            return False
        if not path.parent.is_dir():
            self._error("Cohort not created", f"{path.parent}: no such folder.")
            return False
        try:
            CohortFile.create(path, name=name, rubric=rubric).close()
        except (CohortFileError, OSError) as exc:
            self._error("Cohort not created", str(exc))
            return False
        return self.open_cohort(path)

    # --- opening and closing ------------------------------------------------------------------

    def choose_cohort(self) -> None:
        folder = str(self.settings.value("coordinator/lastFolder", str(Path.home())))
        path, _ = QFileDialog.getOpenFileName(
            self, "Open cohort", folder, f"ICG Desk cohorts (*{COHORT_SUFFIX});;All files (*)"
        )
        if path:
            self.open_cohort(Path(path))

    def open_cohort(self, path: Path) -> bool:
        """Open a cohort; on any problem, say so in a dialog and keep what was open."""
        path = Path(path).resolve()
        if self._path == path:
            return True
        lock = QLockFile(str(path) + ".lock")
        # 0: stale only when its process is gone, never by age (a cohort stays open all day).
        lock.setStaleLockTime(0)
        if path.exists() and not lock.tryLock(100):
            info = lock.getLockInfo()  # (pid, host, app), with a leading ok flag in some releases
            pid, host = info[-3], info[-2]
            self._error(
                "Cohort already open",
                f"{path}: is already open in ICG Desk (process {pid} on "
                f"{host or 'this computer'}). Close it there first. If no ICG Desk has it open, "
                f"delete {path.name}.lock beside it.",
            )
            return False
        try:
            cohort = CohortFile.open(path)
        except CohortFileError as exc:
            lock.unlock()
            self._error("Cannot open cohort", str(exc))
            return False
        self.close_cohort()
        self.cohort, self._path, self._lock = cohort, path, lock
        self.dashboard.set_source(path)
        self.stack.setCurrentWidget(self.dashboard)
        self._restore_splitters()
        self.dashboard.results_view.setFocus()
        self.setWindowTitle(f"{cohort.name} — {path.name} — {APP_NAME}")
        self._remember_recent(path)
        self.settings.setValue("coordinator/lastFolder", str(path.parent))
        self.refresh()
        self._update_actions()
        return True

    def close_cohort(self) -> None:
        if self.cohort is None:
            return
        self._save_splitters()
        self.stack.setCurrentWidget(self.start_page)
        self.cohort.close()
        self.cohort = None
        self.snapshot = None
        self._path = None
        self.dashboard.clear()
        if self._lock is not None:
            self._lock.unlock()
            self._lock = None
        self.setWindowTitle(f"Coordinator — {APP_NAME}")
        self._refresh_recent()
        self._update_actions()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._busy:
            event.ignore()  # a worker is using the cohort; the progress dialog can cancel it
            return
        self.settings.setValue("coordinator/geometry", self.saveGeometry())
        self.settings.setValue("coordinator/state", self.saveState())
        self.close_cohort()
        self.settings.sync()
        super().closeEvent(event)

    # --- running the steps --------------------------------------------------------------------

    def _run(
        self, title: str, label: str, work: Callable[[Callable[[int, int], bool]], T]
    ) -> _Done:
        """Run one step on a worker, read the cohort again there, and show it; never raises.

        A problem the coordinator can act on comes back in `_Done.problem` for the caller to
        explain; a bug is shown here with its traceback and comes back as `problem`.
        """
        cohort = self.cohort
        assert cohort is not None

        def job(progress: Callable[[int, int], bool]) -> _Done:
            try:
                value, problem = work(progress), None
            except _USER_ERRORS as exc:
                value, problem = None, exc
            # Read after the step whatever became of it: the window shows what the file holds.
            return _Done(value, problem, load_snapshot(cohort))

        outcome = self._with_progress(title, label, job)
        if outcome.error:
            self._error(title, outcome.error)
            return _Done(None, _Shown(outcome.error), None)
        done = outcome.result
        assert done is not None
        if done.snapshot is not None:
            self._show(done.snapshot)
        return done

    def refresh(self) -> None:
        """Read the cohort again (F5); other steps do this themselves when they finish."""
        cohort = self.cohort
        if cohort is None:
            return

        def job(progress: Callable[[int, int], bool]) -> CohortSnapshot | None:
            try:
                return load_snapshot(cohort, progress)
            except ResultsCancelled:
                return None

        outcome = self._with_progress("Reading the cohort", "Reading the cohort…", job)
        if outcome.error:
            self._error("Cannot read the cohort", outcome.error)
        elif outcome.result is not None:
            self._show(outcome.result)

    def _with_progress(self, title: str, label: str, job: Callable[..., T]) -> Outcome[T]:
        self._busy += 1
        try:
            return run_with_progress(self, title, label, job)
        finally:
            self._busy -= 1

    def _show(self, snapshot: CohortSnapshot) -> None:
        self.snapshot = snapshot
        self.dashboard.show_snapshot(snapshot.status, snapshot.results, snapshot.merges)
        self._update_actions()

    def import_roster(self, roster: Path | None = None, documents: Path | None = None) -> bool:
        """Cohort > Import roster: the roster file, then the folder of entry documents."""
        if self.cohort is None:
            return False
        if roster is None:
            chosen, _ = QFileDialog.getOpenFileName(
                self,
                "Import roster",
                self._last_folder(),
                "Rosters (*.xlsx *.csv);;All files (*)",
            )
            if not chosen:
                return False
            roster = Path(chosen)
        if documents is None:
            guess = roster.parent / "documents"
            chosen = QFileDialog.getExistingDirectory(
                self,
                "The folder of entry documents",
                str(guess if guess.is_dir() else roster.parent),
            )
            if not chosen:
                return False
            documents = Path(chosen)
        self.settings.setValue("coordinator/lastFolder", str(roster.parent))
        cohort, sheet, docs = self.cohort, roster, documents

        def attempt(valid_only: bool) -> _Done:
            return self._run(
                "Import roster",
                "Importing candidates…",
                lambda _progress: roster_io.import_roster(
                    cohort, sheet, docs, valid_only=valid_only
                ),
            )

        done = attempt(False)
        if isinstance(done.problem, roster_io.ImportLocked):
            # Nothing to fix in the roster, no valid rows to import: only the lock to say.
            self._error("Roster not imported", self._import_locked(sheet, done.problem))
            return False
        if isinstance(done.problem, roster_io.ImportRejected):
            dialog = ImportProblemsDialog(
                "Roster not imported",
                f"{sheet}: nothing was imported. Fix these problems and import it again, or "
                "import the valid rows now.",
                done.problem.problems,
                offer_valid_only=True,
                parent=self,
            )
            dialog.exec()
            if not dialog.chose_valid_only:
                return False
            done = attempt(True)
            if isinstance(done.problem, roster_io.ImportLocked):  # released meanwhile
                self._error("Roster not imported", self._import_locked(sheet, done.problem))
                return False
        if isinstance(done.problem, roster_io.ImportRejected):
            # Still refused with the valid rows only: a problem with the roster as a whole.
            ImportProblemsDialog(
                "Roster not imported",
                f"{sheet}: nothing was imported.",
                done.problem.problems,
                parent=self,
            ).exec()
            return False
        if done.problem is not None:
            self._explain("Roster not imported", f"{sheet}: nothing was imported.", done.problem)
            return False
        result: roster_io.ImportResult = done.value
        message = f"Imported {result.imported} candidates from {sheet.name}"
        if result.skipped:
            message += f"; skipped {result.skipped} rows with problems"
        self.statusBar().showMessage(message + ".", 10000)
        if result.problems:
            ImportProblemsDialog(
                "Roster imported, with rows skipped",
                f"{message}. These rows were not imported:",
                result.problems,
                parent=self,
            ).exec()
        return True

    def import_scorers(self, sheet: Path | None = None) -> bool:
        """Cohort > Import scorers: every row or none."""
        if self.cohort is None:
            return False
        if sheet is None:
            chosen, _ = QFileDialog.getOpenFileName(
                self, "Import scorers", self._last_folder(), "Scorers (*.xlsx *.csv);;All files (*)"
            )
            if not chosen:
                return False
            sheet = Path(chosen)
        self.settings.setValue("coordinator/lastFolder", str(sheet.parent))
        cohort, source = self.cohort, sheet
        done = self._run(
            "Import scorers",
            "Importing scorers…",
            lambda _progress: roster_io.import_scorers(cohort, source),
        )
        if isinstance(done.problem, roster_io.ImportLocked):
            self._error("Scorers not imported", self._import_locked(sheet, done.problem))
            return False
        if isinstance(done.problem, roster_io.ImportRejected):
            ImportProblemsDialog(
                "Scorers not imported",
                f"{sheet}: no scorer was imported. Fix these problems and import it again.",
                done.problem.problems,
                parent=self,
            ).exec()
            return False
        if done.problem is not None:
            self._explain("Scorers not imported", f"{sheet}: no scorer was imported.", done.problem)
            return False
        self.statusBar().showMessage(
            f"Imported {done.value.imported} scorers from {sheet.name}.", 10000
        )
        return True

    def assign_reads(self, seed: int | None = None, reads: int | None = None) -> bool:
        """Cohort > Assign: the seed and reads per portfolio in a small dialog, then assign."""
        if self.cohort is None:
            return False
        cohort = self.cohort
        if seed is None or reads is None:
            scorers = self.snapshot.status.scorers if self.snapshot is not None else 0
            dialog = AssignDialog(
                reads=reads or cohort.rubric.reads.per_portfolio,
                scorers=scorers,
                seed=seed,
                parent=self,
            )
            if dialog.exec() != AssignDialog.DialogCode.Accepted:
                return False
            seed, reads = dialog.values()
        chosen_seed, chosen_reads = seed, reads
        done = self._run(
            "Assign",
            "Assigning portfolios…",
            lambda _progress: assigning.assign(cohort, seed=chosen_seed, reads=chosen_reads),
        )
        if done.problem is not None:
            self._explain("Not assigned", "No read was assigned.", done.problem)
            return False
        plan: assigning.Plan = done.value
        load = ", ".join(f"{sid} {n}" for sid, n in sorted(plan.load.items()))
        self.statusBar().showMessage(
            f"{plan.summary(chosen_seed)}. Portfolios per scorer: {load}.",
            15000,
        )
        return True

    def send_batches(self, folder: Path | None = None) -> list[Path]:
        """Cohort > Send batches: one batch file per scorer with reads not yet sent."""
        if self.cohort is None:
            return []
        if folder is None:
            chosen = QFileDialog.getExistingDirectory(
                self, "Write the scorers' batches into", self._last_folder()
            )
            if not chosen:
                return []
            folder = Path(chosen)
        cohort, outdir = self.cohort, folder
        done = self._run(
            "Send batches",
            "Writing batches…",
            lambda _progress: assigning.export_batches(cohort, outdir),
        )
        if done.problem is not None:
            self._explain("Batches not written", f"Nothing was written to {folder}.", done.problem)
            return []
        batches: list[assigning.ExportedBatch] = done.value
        if not batches:
            self._inform(
                "Nothing to send",
                "Every assigned read was already sent out. Assign first if portfolios still "
                "need reads.",
            )
            return []
        lines = "\n".join(
            f"{b.scorer_id}: {b.path.name} ({b.portfolios} portfolios)" for b in batches
        )
        self._inform(
            "Batches written",
            f"Wrote {len(batches)} batches to {folder}. Send each scorer their own file:\n\n"
            f"{lines}",
        )
        return [b.path for b in batches]

    def merge_returned(self, files: Sequence[Path] | None = None) -> list[merging.MergeOutcome]:
        """Cohort > Merge returned files (or a drop): merge each, then show the report."""
        if self.cohort is None:
            return []
        if files is None:
            chosen, _ = QFileDialog.getOpenFileNames(
                self,
                "Merge returned files",
                self._last_folder(),
                f"Returned batches and summaries (*{BATCH_SUFFIX} *.xlsx);;All files (*)",
            )
            if not chosen:
                return []
            files = [Path(p) for p in chosen]
        if self.snapshot is not None and self.snapshot.released_at is not None:
            self._error("Not merged", self._locked_reason() + " Nothing was merged.")
            return []
        cohort, paths = self.cohort, [Path(f) for f in files]
        self.settings.setValue("coordinator/lastFolder", str(paths[0].parent))
        done = self._run(
            "Merge returned files",
            "Merging…",
            lambda progress: merging.merge_files(cohort, paths, progress=progress),
        )
        if done.problem is not None:
            self._explain("Not merged", "The returned files were not merged.", done.problem)
            return []
        outcomes: list[merging.MergeOutcome] = done.value
        if len(outcomes) < len(paths):
            self.statusBar().showMessage(
                f"Merging stopped: {len(outcomes)} of {len(paths)} files merged.", 10000
            )
        if outcomes:
            MergeReportDialog(outcomes, self).exec()
        return outcomes

    def release(self) -> bool:
        """Results > Release: confirm that it locks the results, then release."""
        if self.cohort is None:
            return False
        cohort = self.cohort
        if not self._ask(
            "Release results",
            f"Release the results of cohort {cohort.name}?\n\n"
            "This locks the results: from then on nothing is imported, assigned, sent out or "
            "merged, and the score reports print with the candidates' names. It cannot be "
            "undone.",
            "Release and lock",
        ):
            return False
        done = self._run("Release results", "Releasing…", lambda _progress: release_results(cohort))
        if done.problem is not None:
            self._explain("Results not released", "Nothing was released.", done.problem)
            return False
        self.statusBar().showMessage(
            f"Released the results of {cohort.name} on {local_time(done.value)}. "
            "They are locked; print the score reports (Ctrl+P).",
            15000,
        )
        return True

    def print_reports(self, folder: Path | None = None, preview: bool | None = None) -> list[Path]:
        """Results > Print reports: every candidate's score report; previews before release."""
        if self.cohort is None:
            return []
        released = self.snapshot is not None and self.snapshot.released_at is not None
        if preview is None:
            preview = not released
            if preview and not self._ask(
                "Print previews",
                "The results are not released yet: the candidates' score reports print once "
                "they are.\n\nPrint previews now, to check them? Every page is marked as the "
                'coordinator\'s preview and every file name ends in "(preview)".',
                "Print previews",
            ):
                return []
        if folder is None:
            chosen = QFileDialog.getExistingDirectory(
                self, "Print score reports into", self._last_folder()
            )
            if not chosen:
                return []
            folder = Path(chosen)
        from icg_desk.export.cohort_reports import write_cohort_reports

        cohort, outdir, as_preview = self.cohort, folder, preview

        def work(progress: Callable[[int, int], bool]) -> ReportRun:
            # The folder is made by the printing itself, once it is allowed: a refusal (results
            # not released, no preview asked for) leaves nothing behind.
            return write_cohort_reports(
                cohort_results(cohort), outdir, preview=as_preview, progress=progress
            )

        kind = "previews" if preview else "score reports"
        done = self._run("Print reports", f"Printing {kind}…", work)
        if done.problem is not None:
            self._explain("Reports not printed", f"The {kind} were not printed.", done.problem)
            return []
        run: ReportRun = done.value
        if run.cancelled:
            self.statusBar().showMessage(
                f"Printing cancelled after {len(run.written)} files.", 8000
            )
            return run.written
        message = (
            f"Wrote {len(run.written)} PDF files to {folder}: the {kind}, one per candidate, "
            "and one file with them all."
        )
        if run.skipped:
            skipped = "\n".join(f"{who}: {why}" for who, why in run.skipped)
            self._error("Reports printed, with problems", f"{message}\n\nSkipped:\n{skipped}")
        else:
            self.statusBar().showMessage(message, 10000)
        return run.written

    def export_summary(self, target: Path | None = None) -> Path | None:
        """Results > Export summary: the cohort's results workbook."""
        if self.cohort is None:
            return None
        if target is None:
            assert self._path is not None
            suggested = self._path.with_name(f"{self._path.stem}-summary.xlsx")
            chosen, _ = QFileDialog.getSaveFileName(
                self, "Export summary", str(suggested), "Excel workbooks (*.xlsx)"
            )
            if not chosen:
                return None
            target = Path(chosen)
        if target.suffix.lower() != ".xlsx":
            target = target.with_suffix(".xlsx")
        from icg_desk.export.cohort_summary import write_cohort_summary
        from icg_desk.export.summary_xlsx import SummaryCancelled

        cohort, out = self.cohort, target

        def work(progress: Callable[[int, int], bool]) -> Path | None:
            try:
                return write_cohort_summary(cohort_results(cohort), out, progress=progress)
            except SummaryCancelled:
                return None

        done = self._run("Export summary", "Writing the summary…", work)
        if done.problem is not None:
            self._explain("Summary not written", f"{target}: was not written.", done.problem)
            return None
        if done.value is None:
            self.statusBar().showMessage("Export cancelled; no file was written.", 8000)
            return None
        self.statusBar().showMessage(f"Summary written to {done.value}", 10000)
        return Path(done.value)

    # --- dropping returned files --------------------------------------------------------------

    @staticmethod
    def dropped_paths(mime: QMimeData) -> list[Path]:
        if not mime.hasUrls():
            return []
        return [Path(url.toLocalFile()) for url in mime.urls() if url.isLocalFile()]

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if self.dropped_paths(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if self.dropped_paths(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = self.dropped_paths(event.mimeData())
        if not paths:
            event.ignore()
            return
        event.acceptProposedAction()
        # After the drop returns: a modal merge inside it would hold the file manager's drag.
        QTimer.singleShot(0, lambda: self.handle_drop(paths))

    def handle_drop(self, paths: Sequence[Path]) -> None:
        """A cohort file opens; returned batches and summaries are merged."""
        if self._busy:
            self.statusBar().showMessage("Wait for the step under way to finish.", 5000)
            return
        if len(paths) == 1 and paths[0].suffix.lower() == COHORT_SUFFIX:
            self.open_cohort(paths[0])
            return
        if self.cohort is None:
            self._error(
                "No cohort open",
                "Open the cohort first (Ctrl+Shift+O), then drop the scorers' returned files on "
                "the window to merge them.",
            )
            return
        self.merge_returned(paths)

    # --- the rest -----------------------------------------------------------------------------

    def _find(self) -> None:
        if self.cohort is not None:
            self.dashboard.search.setFocus()
            self.dashboard.search.selectAll()

    def show_shortcuts(self) -> None:
        from icg_desk.ui.shortcuts_dialog import ShortcutsDialog

        ShortcutsDialog(self.actions(), self).exec()

    @staticmethod
    def _import_locked(file: Path, problem: roster_io.ImportLocked) -> str:
        return (
            f"The results were released on {local_time(problem.released_at)} and are locked: "
            f"nothing was imported from {file.name}."
        )

    def _locked_reason(self) -> str:
        when = self.snapshot.released_at if self.snapshot is not None else None
        if when is None:
            return ""
        return f"The results were released on {local_time(when)} and are locked."

    def _update_actions(self) -> None:
        has_cohort = self.cohort is not None
        self.toolbar.setVisible(has_cohort)  # on the start page every step would be greyed
        locked = self._locked_reason()
        for action in (
            self.close_action,
            self.reports_action,
            self.summary_action,
            self.refresh_action,
            self.find_action,
        ):
            action.setEnabled(has_cohort)
        for action in self.locked_actions:
            action.setEnabled(has_cohort and not locked)
            base = str(action.property("baseTip") or "")
            self._set_tip(action, f"{base}. Off: {locked}" if locked else base)

    def _last_folder(self) -> str:
        default = str(self._path.parent) if self._path is not None else str(Path.home())
        return str(self.settings.value("coordinator/lastFolder", default))

    def _explain(self, title: str, what: str, problem: BaseException) -> None:
        if not isinstance(problem, _Shown):
            self._error(title, f"{what}\n\n{problem}")

    def _message(self, icon: QMessageBox.Icon, title: str, text: str) -> QMessageBox:
        box = QMessageBox(icon, title, text, QMessageBox.StandardButton.Ok, self)
        box.setTextFormat(Qt.TextFormat.PlainText)  # file names and messages are not markup
        return box

    def _error(self, title: str, message: str) -> None:
        box = self._message(QMessageBox.Icon.Warning, title, message)
        box.setObjectName("errorDialog")
        box.exec()

    def _inform(self, title: str, message: str) -> None:
        box = self._message(QMessageBox.Icon.Information, title, message)
        box.setObjectName("infoDialog")
        box.exec()

    def _ask(self, title: str, question: str, yes: str) -> bool:
        box = self._message(QMessageBox.Icon.Question, title, question)
        box.setObjectName("confirmDialog")
        box.setStandardButtons(QMessageBox.StandardButton.Cancel)
        go = box.addButton(yes, QMessageBox.ButtonRole.AcceptRole)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.exec()
        return box.clickedButton() is go

    # --- remembered between sessions ----------------------------------------------------------

    def _restore_window(self) -> None:
        geometry = self.settings.value("coordinator/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        state = self.settings.value("coordinator/state")
        if state is not None:
            self.restoreState(state)

    def _restore_splitters(self) -> None:
        for splitter in self.dashboard.splitters():
            saved = self.settings.value(f"coordinator/{splitter.objectName()}")
            if saved is None or not splitter.restoreState(saved):
                self.dashboard.default_sizes(splitter)

    def _save_splitters(self) -> None:
        for splitter in self.dashboard.splitters():
            self.settings.setValue(f"coordinator/{splitter.objectName()}", splitter.saveState())

    def recent_cohorts(self) -> list[str]:
        value: Any = self.settings.value("recentCohorts", [])
        if isinstance(value, str):  # QSettings gives a lone string for a one-item list
            value = [value]
        return [str(v) for v in value or []]

    def _remember_recent(self, path: Path) -> None:
        recent = [str(path)] + [p for p in self.recent_cohorts() if p != str(path)]
        self.settings.setValue("recentCohorts", recent[:MAX_RECENT])
        self._refresh_recent()

    def _refresh_recent(self) -> None:
        recent = self.recent_cohorts()
        self.recent_menu.clear()
        self.recent_list.clear()
        for p in recent:
            action = self.recent_menu.addAction(p.replace("&", "&&"))  # "&" is not a mnemonic
            action.triggered.connect(lambda _=False, p=p: self.open_cohort(Path(p)))
            item = QListWidgetItem(f"{Path(p).name}    {Path(p).parent}")
            item.setData(Qt.ItemDataRole.UserRole, p)
            self.recent_list.addItem(item)
        self.recent_menu.setEnabled(bool(recent))
        self.recent_title.setVisible(bool(recent))
        self.recent_list.setVisible(bool(recent))
        # The likely first action stands out: making a cohort, until there is one to go back to.
        self.new_button.setDefault(not recent)
        self.open_button.setDefault(bool(recent))
