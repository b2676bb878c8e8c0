"""The coordinator's window: one cohort database, where its scoring stands, and every step of it.

It calls the cohort domain and decides nothing itself. Every step runs off the UI thread through
the window's task runner: the job opens the cohort on the worker, does the step, reads a fresh
`CohortSnapshot` there, and the dashboard is redrawn from it when the outcome comes back, so the
window always shows what the file now holds.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QMimeData, QSettings, Qt, QTimer
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QFileDialog, QPushButton, QStackedWidget, QToolBar, QWidget

from icg_desk.models.assignment import Plan
from icg_desk.models.batch_file import BATCH_SUFFIX
from icg_desk.models.cohort_file import COHORT_SUFFIX
from icg_desk.models.cohort_results import ResultsCancelled
from icg_desk.models.merge import MergeOutcome
from icg_desk.models.roster import ImportLocked, ImportRejected, ImportResult
from icg_desk.models.rubric_file import builtin_rubric
from icg_desk.operations import cohort as cohort_ops
from icg_desk.operations.changes import Changes, Done
from icg_desk.operations.cohort import CohortInfo, CohortRef, CohortSnapshot
from icg_desk.operations.errors import UserError, user_message
from icg_desk.operations.file_lock import FileLock
from icg_desk.operations.sending import ExportedBatch
from icg_desk.ui import palette, settings
from icg_desk.ui.coordinator_dashboard import Dashboard, dashboard_stylesheet
from icg_desk.ui.coordinator_dialogs import (
    AssignDialog,
    ImportProblemsDialog,
    MergeReportDialog,
    NewCohortDialog,
)
from icg_desk.ui.style import start_buttons_stylesheet
from icg_desk.ui.tasks import Outcome, RunnerFactory, Task, is_user_error
from icg_desk.ui.window_shell import APP_NAME, WindowShell

if TYPE_CHECKING:
    from icg_desk.export.pdf_report import ReportRun
    from icg_desk.scoring import Rubric

@dataclass(frozen=True)
class OpenCohort:
    """The cohort this window has open: what it shows of it, and how its steps reach it."""

    info: CohortInfo
    ref: CohortRef

    @classmethod
    def read(cls, path: Path, lock: FileLock) -> OpenCohort:
        """The cohort at `path`, which this window holds `lock` on; UserError if not one."""
        ref = CohortRef(path, lock=lock)
        return cls(cohort_ops.describe(ref), ref)

    @property
    def path(self) -> Path:
        return self.info.path

    @property
    def name(self) -> str:
        return self.info.name

    @property
    def rubric(self) -> Rubric:
        return self.info.rubric


@dataclass(frozen=True)
class _Done:
    """A step's value, or the problem the coordinator can act on; and the cohort afterwards."""

    value: Any
    problem: BaseException | None
    snapshot: CohortSnapshot


StepWork = Callable[[CohortRef, Callable[[int, int], bool]], Done[Any]]


def local_time(when: datetime) -> str:
    return f"{when.astimezone():%Y-%m-%d %H:%M}"


class CoordinatorWindow(WindowShell):
    window_options = settings.COORDINATOR_WINDOW
    recent_option = settings.RECENT_COHORTS
    folder_option = settings.LAST_COHORT_FOLDER
    file_kind, file_suffix = "cohort", COHORT_SUFFIX

    def __init__(self, settings: QSettings | None = None, runner: RunnerFactory | None = None):
        super().__init__(settings, runner)
        self.cohort: OpenCohort | None = None
        self.snapshot: CohortSnapshot | None = None
        self._path: Path | None = None

        self.setObjectName("coordinatorWindow")
        self.setWindowTitle(f"Coordinator — {APP_NAME}")
        self.setAcceptDrops(True)
        self.setStyleSheet(dashboard_stylesheet(palette.current()))
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
        self.restore_window()
        self.refresh_recent()
        self.update_actions()

    # --- building -----------------------------------------------------------------------------

    def _build_start_page(self) -> QWidget:
        self.new_button = QPushButton("New cohort…")
        self.new_button.setObjectName("newCohortButton")
        self.new_button.setToolTip("Make a new cohort database (Ctrl+N)")
        self.new_button.clicked.connect(lambda: self.new_cohort())
        self.open_button = QPushButton("Open cohort…")
        self.open_button.setObjectName("openCohortButton")
        self.open_button.setToolTip("Open a cohort database (Ctrl+Shift+O)")
        self.open_button.clicked.connect(self.choose_file)
        page = self.build_start_page(
            "ICG Desk — Coordinator",
            "Make a new cohort database (.icgcohort), or open one, to import the roster, assign "
            "portfolios, send batches, merge what scorers return and release the results. Drop "
            "a cohort file on this window to open it.",
            [self.new_button, self.open_button],
            "Recent cohorts",
        )
        # The default button (the likely first step) in the accent colour: the way in.
        self.start_buttons.setStyleSheet(start_buttons_stylesheet(palette.current()))
        return page

    def _build_actions(self) -> None:
        a = self.action
        self.new_action = a(
            "&New cohort…",
            self.new_cohort,
            ["Ctrl+N"],
            "File",
            "Make a new cohort database (.icgcohort)",
        )
        self.open_action = a(
            "&Open cohort…",
            self.choose_file,
            ["Ctrl+Shift+O", "Ctrl+O"],
            "File",
            "Open a cohort database (.icgcohort)",
        )
        self.close_action = a("&Close cohort", self.close_cohort, ["Ctrl+W"], "File")
        self.quit_action = a("&Quit", self.close, ["Ctrl+Q"], "File", while_busy=True)
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
            "&Find candidate", self._find, ["Ctrl+F"], "View", "Filter the results", while_busy=True
        )
        self.shortcuts_action = a(
            "&Keyboard shortcuts", self.show_shortcuts, ["F1"], "Help", while_busy=True
        )
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
        self.fill_menu(
            bar.addMenu("&File"),
            [self.new_action, self.open_action, self.recent_menu, self.close_action, None,
             self.quit_action],
        )  # fmt: skip
        self.fill_menu(
            bar.addMenu("&Cohort"),
            [self.import_roster_action, self.import_scorers_action, None, self.assign_action,
             self.send_action, self.merge_action],
        )  # fmt: skip
        self.fill_menu(
            bar.addMenu("&Results"),
            [self.release_action, None, self.reports_action, self.summary_action],
        )
        self.fill_menu(bar.addMenu("&View"), [self.refresh_action, self.find_action])
        self.fill_menu(bar.addMenu("&Help"), [self.shortcuts_action])

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
            self.error("Cohort not created", "A cohort needs a name, such as 2026-27.")
            return False
        try:
            rubric = builtin_rubric(edition)
        except UserError as exc:
            self.error("Cohort not created", str(exc))
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
            self.error(
                "Cohort not created",
                f"{path}: already exists. A new cohort is never written over another file: "
                "choose another name or folder.",
            )
            return False
        if not path.parent.is_dir():
            self.error("Cohort not created", f"{path.parent}: no such folder.")
            return False
        try:
            cohort_ops.create_cohort(path, name, rubric)
        except (UserError, OSError) as exc:
            self.error("Cohort not created", user_message(exc) or str(exc))
            return False
        return self.open_cohort(path)

    def open_cohort(self, path: Path) -> bool:
        """Open a cohort; on any problem, say so in a dialog and keep what was open."""
        path = Path(path).resolve()
        if self._path == path:
            return True
        # The lock first: a cohort open elsewhere is refused before it is even read.
        opened = self.open_locked(
            path, lambda: cohort_ops.lock_for_window(path), partial(OpenCohort.read, path)
        )
        if opened is None:
            return False
        info = opened.info
        self.cohort, self._path = opened, path
        self.dashboard.set_source(path)
        self.stack.setCurrentWidget(self.dashboard)
        self.restore_splitters(self.dashboard.splitters(), self.dashboard.default_sizes)
        self.dashboard.results_view.setFocus()
        self.setWindowTitle(f"{info.name} — {path.name} — {APP_NAME}")
        self.remember_recent(path)
        self.remember_folder(path.parent)
        self.refresh()
        self.update_actions()
        return True

    open_file = open_cohort

    def close_file(self) -> None:
        self.close_cohort()

    def close_cohort(self) -> None:
        if self.cohort is None:
            return
        self.save_splitters(self.dashboard.splitters())
        self.stack.setCurrentWidget(self.start_page)
        self.cohort = None
        self.snapshot = None
        self._path = None
        self.dashboard.clear()
        self.release_lock()
        self.setWindowTitle(f"Coordinator — {APP_NAME}")
        self.refresh_recent()
        self.update_actions()

    # --- running the steps --------------------------------------------------------------------

    def _step(
        self,
        title: str,
        label: str,
        work: StepWork,
        on_done: Callable[[_Done], Any],
        *,
        cancellable: bool = True,
        failed: Any = None,
    ) -> Task[Any]:
        """Run one step on the worker, read there what it changed, and show it.

        `on_done` gets the step's value, or the problem the coordinator can act on, with the
        cohort as it is afterwards; a bug is shown here with its details, and the task's value
        is then `failed`.
        """
        assert self.cohort is not None
        ref, previous = self.cohort.ref, self.snapshot

        def job(progress: Callable[[int, int], bool]) -> _Done:
            changes: Changes | None
            try:
                done = work(ref, progress)
                value, problem, changes = done.value, None, done.changes
            except Exception as exc:
                if not is_user_error(exc):
                    raise
                # Refused whole: read it all again, for the window to show what the file holds.
                value, problem, changes = None, exc, None
            snapshot = cohort_ops.snapshot(ref, previous=previous, changes=changes)
            return _Done(value, problem, snapshot)

        def finished(outcome: Outcome[_Done]) -> Any:
            if outcome.error is not None:
                self.explain(title, "", outcome)
                return failed
            done = outcome.result
            assert done is not None
            if self.cohort is not None and self.cohort.ref is ref:
                self._show(done.snapshot)
            return on_done(done)

        return self.run_step(title, label, job, finished, cancellable=cancellable)

    def refresh(self) -> Task[Any]:
        """Read the cohort again (F5); other steps read what they changed themselves."""
        if self.cohort is None:
            return Task.finished("Refresh", None)
        ref = self.cohort.ref

        def job(progress: Callable[[int, int], bool]) -> CohortSnapshot | None:
            try:
                return cohort_ops.snapshot(ref, progress=progress)
            except ResultsCancelled:
                return None

        def finished(outcome: Outcome[CohortSnapshot | None]) -> CohortSnapshot | None:
            if outcome.error is not None:
                self.explain("Cannot read the cohort", "", outcome)
            elif outcome.result is not None and self.cohort is not None and self.cohort.ref is ref:
                self._show(outcome.result)
            return outcome.result

        return self.run_step("Reading the cohort", "Reading the cohort…", job, finished)

    def _show(self, snapshot: CohortSnapshot) -> None:
        self.snapshot = snapshot
        self.dashboard.show_snapshot(snapshot.status, snapshot.results, snapshot.merges)
        self.update_actions()

    def _not_done(self, title: str, what: str, problem: BaseException) -> bool:
        self.error(title, f"{what}\n\n{problem}")
        return False

    def import_roster(self, roster: Path | None = None, documents: Path | None = None) -> Task[Any]:
        """Cohort > Import roster: the roster file, then the folder of entry documents."""
        title = "Import roster"
        if self.cohort is None:
            return Task.finished(title, False)
        if roster is None:
            chosen, _ = QFileDialog.getOpenFileName(
                self, title, self._last_folder(), "Rosters (*.xlsx *.csv);;All files (*)"
            )
            if not chosen:
                return Task.finished(title, False)
            roster = Path(chosen)
        if documents is None:
            guess = roster.parent / "documents"
            chosen = QFileDialog.getExistingDirectory(
                self,
                "The folder of entry documents",
                str(guess if guess.is_dir() else roster.parent),
            )
            if not chosen:
                return Task.finished(title, False)
            documents = Path(chosen)
        self.remember_folder(roster.parent)
        sheet, docs = roster, documents
        refused = "Roster not imported"

        def attempt(valid_only: bool) -> Task[Any]:
            return self._step(
                title,
                "Importing candidates…",
                lambda ref, _p: cohort_ops.import_roster(ref, sheet, docs, valid_only=valid_only),
                lambda done: imported(done, valid_only),
                failed=False,
            )

        def imported(done: _Done, valid_only: bool) -> Any:
            if isinstance(done.problem, ImportLocked):
                # Nothing to fix in the roster, no valid rows to import: only the lock to say.
                self.error(refused, self._import_locked(sheet, done.problem))
                return False
            if isinstance(done.problem, ImportRejected):
                if valid_only:
                    # Still refused with the valid rows only: the roster as a whole is wrong.
                    ImportProblemsDialog(
                        refused,
                        f"{sheet}: nothing was imported.",
                        done.problem.problems,
                        parent=self,
                    ).exec()
                    return False
                dialog = ImportProblemsDialog(
                    refused,
                    f"{sheet}: nothing was imported. Fix these problems and import it again, or "
                    "import the valid rows now.",
                    done.problem.problems,
                    offer_valid_only=True,
                    parent=self,
                )
                dialog.exec()
                if not dialog.chose_valid_only:
                    return False
                return attempt(True)
            if done.problem is not None:
                return self._not_done(refused, f"{sheet}: nothing was imported.", done.problem)
            result: ImportResult = done.value
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

        return attempt(False)

    def import_scorers(self, sheet: Path | None = None) -> Task[Any]:
        """Cohort > Import scorers: every row or none."""
        title, refused = "Import scorers", "Scorers not imported"
        if self.cohort is None:
            return Task.finished(title, False)
        if sheet is None:
            chosen, _ = QFileDialog.getOpenFileName(
                self, title, self._last_folder(), "Scorers (*.xlsx *.csv);;All files (*)"
            )
            if not chosen:
                return Task.finished(title, False)
            sheet = Path(chosen)
        self.remember_folder(sheet.parent)
        source = sheet

        def imported(done: _Done) -> bool:
            if isinstance(done.problem, ImportLocked):
                self.error(refused, self._import_locked(source, done.problem))
                return False
            if isinstance(done.problem, ImportRejected):
                ImportProblemsDialog(
                    refused,
                    f"{source}: no scorer was imported. Fix these problems and import it again.",
                    done.problem.problems,
                    parent=self,
                ).exec()
                return False
            if done.problem is not None:
                return self._not_done(refused, f"{source}: no scorer was imported.", done.problem)
            self.statusBar().showMessage(
                f"Imported {done.value.imported} scorers from {source.name}.", 10000
            )
            return True

        return self._step(
            title,
            "Importing scorers…",
            lambda ref, _p: cohort_ops.import_scorers(ref, source),
            imported,
            failed=False,
        )

    def assign_reads(self, seed: int | None = None, reads: int | None = None) -> Task[Any]:
        """Cohort > Assign: the seed and reads per portfolio in a small dialog, then assign."""
        if self.cohort is None:
            return Task.finished("Assign", False)
        if seed is None or reads is None:
            scorers = self.snapshot.status.scorers if self.snapshot is not None else 0
            dialog = AssignDialog(
                reads=reads or self.cohort.rubric.reads.per_portfolio,
                scorers=scorers,
                seed=seed,
                parent=self,
            )
            if dialog.exec() != AssignDialog.DialogCode.Accepted:
                return Task.finished("Assign", False)
            seed, reads = dialog.values()
        chosen_seed, chosen_reads = seed, reads

        def assigned(done: _Done) -> bool:
            if done.problem is not None:
                return self._not_done("Not assigned", "No read was assigned.", done.problem)
            plan: Plan = done.value
            load = ", ".join(f"{sid} {n}" for sid, n in sorted(plan.load.items()))
            self.statusBar().showMessage(
                f"{plan.summary(chosen_seed)}. Portfolios per scorer: {load}.", 15000
            )
            return True

        return self._step(
            "Assign",
            "Assigning portfolios…",
            lambda ref, _p: cohort_ops.assign(ref, seed=chosen_seed, reads=chosen_reads),
            assigned,
            failed=False,
        )

    def send_batches(self, folder: Path | None = None) -> Task[Any]:
        """Cohort > Send batches: one batch file per scorer with reads not yet sent."""
        if self.cohort is None:
            return Task.finished("Send batches", [])
        if folder is None:
            chosen = QFileDialog.getExistingDirectory(
                self, "Write the scorers' batches into", self._last_folder()
            )
            if not chosen:
                return Task.finished("Send batches", [])
            folder = Path(chosen)
        outdir = folder

        def sent(done: _Done) -> list[Path]:
            if done.problem is not None:
                self._not_done("Batches not written", f"Nothing was written to {outdir}.",
                               done.problem)  # fmt: skip
                return []
            batches: list[ExportedBatch] = done.value
            if not batches:
                self.inform(
                    "Nothing to send",
                    "Every assigned read was already sent out. Assign first if portfolios still "
                    "need reads.",
                )
                return []
            lines = "\n".join(
                f"{b.scorer_id}: {b.path.name} ({b.portfolios} portfolios)" for b in batches
            )
            self.inform(
                "Batches written",
                f"Wrote {len(batches)} batches to {outdir}. Send each scorer their own file:"
                f"\n\n{lines}",
            )
            return [b.path for b in batches]

        return self._step(
            "Send batches",
            "Writing batches…",
            lambda ref, _p: cohort_ops.send_batches(ref, outdir),
            sent,
            failed=[],
        )

    def merge_returned(self, files: Sequence[Path] | None = None) -> Task[Any]:
        """Cohort > Merge returned files (or a drop): merge each, then show the report."""
        title = "Merge returned files"
        if self.cohort is None:
            return Task.finished(title, [])
        if files is None:
            chosen, _ = QFileDialog.getOpenFileNames(
                self,
                title,
                self._last_folder(),
                f"Returned batches and summaries (*{BATCH_SUFFIX} *.xlsx);;All files (*)",
            )
            if not chosen:
                return Task.finished(title, [])
            files = [Path(p) for p in chosen]
        if self.snapshot is not None and self.snapshot.released_at is not None:
            self.error("Not merged", self._locked_reason() + " Nothing was merged.")
            return Task.finished(title, [])
        paths = [Path(f) for f in files]
        self.remember_folder(paths[0].parent)

        def merged(done: _Done) -> list[MergeOutcome]:
            if done.problem is not None:
                self._not_done("Not merged", "The returned files were not merged.", done.problem)
                return []
            outcomes: list[MergeOutcome] = done.value
            if len(outcomes) < len(paths):
                self.statusBar().showMessage(
                    f"Merging stopped: {len(outcomes)} of {len(paths)} files merged.", 10000
                )
            if outcomes:
                MergeReportDialog(outcomes, self).exec()
            return outcomes

        return self._step(
            title,
            "Merging…",
            lambda ref, progress: cohort_ops.merge(ref, paths, progress=progress),
            merged,
            failed=[],
        )

    def release(self) -> Task[Any]:
        """Results > Release: confirm that it locks the results, then release."""
        if self.cohort is None:
            return Task.finished("Release results", False)
        if not self.ask(
            "Release results",
            f"Release the results of cohort {self.cohort.name}?\n\n"
            "This locks the results: from then on nothing is imported, assigned, sent out or "
            "merged, and the score reports print with the candidates' names. It cannot be "
            "undone.",
            "Release and lock",
        ):
            return Task.finished("Release results", False)
        name = self.cohort.name

        def released(done: _Done) -> bool:
            if done.problem is not None:
                return self._not_done("Results not released", "Nothing was released.",
                                      done.problem)  # fmt: skip
            self.statusBar().showMessage(
                f"Released the results of {name} on {local_time(done.value)}. "
                "They are locked; print the score reports (Ctrl+P).",
                15000,
            )
            return True

        return self._step(
            "Release results",
            "Releasing…",
            lambda ref, _p: cohort_ops.release(ref),
            released,
            cancellable=False,
            failed=False,
        )

    def print_reports(self, folder: Path | None = None, preview: bool | None = None) -> Task[Any]:
        """Results > Print reports: every candidate's score report; previews before release."""
        title = "Print reports"
        if self.cohort is None:
            return Task.finished(title, [])
        released = self.snapshot is not None and self.snapshot.released_at is not None
        if preview is None:
            preview = not released
            if preview and not self.ask(
                "Print previews",
                "The results are not released yet: the candidates' score reports print once "
                "they are.\n\nPrint previews now, to check them? Every page is marked as the "
                'coordinator\'s preview and every file name ends in "(preview)".',
                "Print previews",
            ):
                return Task.finished(title, [])
        if folder is None:
            chosen = QFileDialog.getExistingDirectory(
                self, "Print score reports into", self._last_folder()
            )
            if not chosen:
                return Task.finished(title, [])
            folder = Path(chosen)
        outdir, as_preview = folder, preview
        kind = "previews" if preview else "score reports"

        def work(ref: CohortRef, progress: Callable[[int, int], bool]) -> Done[ReportRun]:
            # The folder is made by the printing itself, once it is allowed: a refusal (results
            # not released, no preview asked for) leaves nothing behind.
            _, run = cohort_ops.print_reports(ref, outdir, preview=as_preview, progress=progress)
            return Done(run, Changes())

        def printed(done: _Done) -> list[Path]:
            if done.problem is not None:
                self._not_done("Reports not printed", f"The {kind} were not printed.",
                               done.problem)  # fmt: skip
                return []
            run: ReportRun = done.value
            if run.cancelled:
                self.statusBar().showMessage(
                    f"Printing cancelled after {len(run.written)} files.", 8000
                )
                return run.written
            message = (
                f"Wrote {len(run.written)} PDF files to {outdir}: the {kind}, one per "
                "candidate, and one file with them all."
            )
            if run.skipped:
                skipped = "\n".join(f"{who}: {why}" for who, why in run.skipped)
                self.error("Reports printed, with problems", f"{message}\n\nSkipped:\n{skipped}")
            else:
                self.statusBar().showMessage(message, 10000)
            return run.written

        return self._step(title, f"Printing {kind}…", work, printed, failed=[])

    def export_summary(self, target: Path | None = None) -> Task[Any]:
        """Results > Export summary: the cohort's results workbook."""
        title = "Export summary"
        if self.cohort is None or self._path is None:
            return Task.finished(title, None)
        from icg_desk.export.summary_xlsx import SummaryCancelled

        out = self.workbook_target(title, target, self._path)
        if out is None:
            return Task.finished(title, None)

        def work(ref: CohortRef, progress: Callable[[int, int], bool]) -> Done[Path | None]:
            try:
                _, written = cohort_ops.export_summary(ref, out, progress=progress)
            except SummaryCancelled:
                return Done(None, Changes())
            return Done(written, Changes())

        def written(done: _Done) -> Path | None:
            if done.problem is not None:
                self._not_done("Summary not written", f"{out}: was not written.", done.problem)
                return None
            if done.value is None:
                self.statusBar().showMessage("Export cancelled; no file was written.", 8000)
                return None
            self.statusBar().showMessage(f"Summary written to {done.value}", 10000)
            return Path(done.value)

        return self._step(title, "Writing the summary…", work, written)

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
        if self.tasks.busy:
            self.say_busy()
            return
        if len(paths) == 1 and paths[0].suffix.lower() == COHORT_SUFFIX:
            self.open_cohort(paths[0])
            return
        if self.cohort is None:
            self.error(
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
    def _import_locked(file: Path, problem: ImportLocked) -> str:
        return (
            f"The results were released on {local_time(problem.released_at)} and are locked: "
            f"nothing was imported from {file.name}."
        )

    def _locked_reason(self) -> str:
        when = self.snapshot.released_at if self.snapshot is not None else None
        if when is None:
            return ""
        return f"The results were released on {local_time(when)} and are locked."

    def update_actions(self) -> None:
        has_cohort = self.cohort is not None
        self.toolbar.setVisible(has_cohort)  # on the start page every step would be greyed
        locked = self._locked_reason()
        for action in (
            self.new_action,
            self.open_action,
            self.quit_action,
            self.shortcuts_action,
        ):
            action.setEnabled(True)
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
            self.set_tip(action, f"{base}. Off: {locked}" if locked else base)
        super().update_actions()

    def _last_folder(self) -> str:
        return str(self.last_folder(self._path.parent if self._path is not None else None))

    def refresh_recent(self) -> None:
        super().refresh_recent()
        # The likely first action stands out: making a cohort, until there is one to go back to.
        recent = bool(self.recent_files())
        self.new_button.setDefault(not recent)
        self.open_button.setDefault(recent)

    def recent_cohorts(self) -> list[str]:
        return self.recent_files()
