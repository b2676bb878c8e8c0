"""The coordinator's window: one cohort database, where its scoring stands, and every step of it.

It calls the cohort domain and decides nothing itself. This file builds the window (its actions,
menus, toolbar and start page), makes, opens and closes cohorts and takes dropped files; the
steps themselves (import, assign, send, merge, release, print, export), and how each runs off
the UI thread, are `CoordinatorSteps` in coordinator_steps.py.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path

from PySide6.QtCore import QMimeData, QSettings, Qt, QTimer
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QFileDialog, QPushButton, QStackedWidget, QToolBar, QWidget

from icg_desk.models.agreement import CohortAgreement
from icg_desk.models.cohort_file import COHORT_SUFFIX
from icg_desk.models.rubric_file import builtin_rubric
from icg_desk.operations import agreement as agreement_ops
from icg_desk.operations import cohort as cohort_ops
from icg_desk.operations.cohort import CohortSnapshot
from icg_desk.operations.errors import UserError, user_message
from icg_desk.ui import palette, settings
from icg_desk.ui.backread_dialog import backread_sample
from icg_desk.ui.coordinator_dashboard import Dashboard, dashboard_stylesheet
from icg_desk.ui.coordinator_dialogs import NewCohortDialog
from icg_desk.ui.coordinator_keys import KeySteps
from icg_desk.ui.coordinator_steps import OpenCohort
from icg_desk.ui.coordinator_unlock import give_unlock_code
from icg_desk.ui.style import appearance, start_buttons_stylesheet
from icg_desk.ui.tasks import Outcome, RunnerFactory
from icg_desk.ui.window_shell import APP_NAME


class CoordinatorWindow(KeySteps):
    window_options = settings.COORDINATOR_WINDOW
    recent_option = settings.RECENT_COHORTS
    folder_option = settings.LAST_COHORT_FOLDER
    file_kind, file_suffix = "cohort", COHORT_SUFFIX
    # Nobody sends the coordinator a cohort: a good copy is the last one backed up.
    new_copy_step = (
        "Restore the cohort file from your latest backup (your IT support can help), or open "
        "another copy of it."
    )

    def __init__(self, settings: QSettings | None = None, runner: RunnerFactory | None = None):
        super().__init__(settings, runner)
        self.cohort = None
        self.snapshot = None
        self._path = None
        self._agreement_stale = True

        self.setObjectName("coordinatorWindow")
        self.setWindowTitle(f"Coordinator — {APP_NAME}")
        self.setAcceptDrops(True)
        self._restyle()
        appearance().changed.connect(self._restyle)
        self.fit_first_window()  # 90% of the screen; a remembered geometry replaces it
        self.stack = QStackedWidget()
        self.start_page = self._build_start_page()
        self.dashboard = Dashboard()
        self.dashboard.attention.accept_requested.connect(lambda: self.accept_flag())
        self.dashboard.attention.adjudicate_requested.connect(lambda: self.send_for_adjudication())
        self.dashboard.attention.resolve_requested.connect(lambda: self.resolve_conflict())
        self.dashboard.tabs.currentChanged.connect(self._tab_changed)
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

    def _restyle(self) -> None:
        """The window's own stylesheets in the theme and text scale now applied."""
        scale = appearance().scale
        self.setStyleSheet(dashboard_stylesheet(palette.current(), scale))
        if hasattr(self, "start_buttons"):
            self.start_buttons.setStyleSheet(start_buttons_stylesheet(palette.current(), scale))

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
        self.restore_action = a(
            "Restore &backup…",
            self.backups.restore,
            [],
            "File",
            "Bring the cohort back to one of its last few states",
        )
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
        self.bank_action = a(
            "&Bank retake scores…",
            self.bank_retakes,
            ["Ctrl+Shift+B"],
            "Cohort",
            "Bank retake candidates' scores from last cycle's cohort file or summary workbook",
        )
        self.import_keys_action = a(
            "Import &validity or practice portfolios…",
            self.import_keys,
            [],
            "Cohort",
            "Import portfolios with agreed scores, from a sheet or an earlier cohort",
        )
        self.seed_keys_action = a(
            "See&d validity and practice portfolios…",
            self.seed_keys,
            [],
            "Cohort",
            "Put validity and practice portfolios into each scorer's next batch",
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
        self.accept_action = a(
            "&Accept flag…",
            self.accept_flag,
            ["Ctrl+Shift+K"],
            "Results",
            "Accept the flag chosen in Needs attention, with a written reason",
        )
        self.adjudicate_action = a(
            "Send for a&djudication…",
            self.send_for_adjudication,
            ["Ctrl+Shift+J"],
            "Results",
            "Write one batch per adjudicator with the flagged portfolios (Needs attention)",
        )
        self.reassign_action = a(
            "&Take a read back…",
            self.reassign_read,
            [],
            "Cohort",
            "Take a read back from a scorer and give it to another, with a reason",
        )
        self.backread_action = a(
            "Backread a sam&ple…",
            lambda: backread_sample(self),
            ["Ctrl+Shift+P"],
            "Cohort",
            "Give an adjudicator a seeded random sample of each scorer's completed reads to read "
            "again",
        )
        self.withdraw_action = a(
            "&Withdraw candidate…",
            self.withdraw_candidate,
            [],
            "Cohort",
            "Withdraw a candidate, with a reason: their reads are no longer needed",
        )
        self.reinstate_action = a(
            "R&einstate candidate…",
            lambda: self.withdraw_candidate(undo=True),
            [],
            "Cohort",
            "Reinstate a withdrawn candidate, with a reason",
        )
        self.unlock_action = a(
            "Give an &unlock code…",
            lambda: give_unlock_code(self),
            [],
            "Cohort",
            "Let a scorer's batch open its live portfolios without qualifying, with a reason",
        )
        self.reopen_action = a(
            "Re&open results…",
            self.reopen_results,
            [],
            "Results",
            "Unlock released results, with a reason; reports after the next release say Amended",
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
        self.quality_action = a(
            "Print scoring &quality report…",
            self.print_quality_report,
            [],
            "Results",
            "The scorers' agreement, severity and drift, with charts, as a PDF for the records",
        )
        self.refresh_action = a(
            "&Refresh", self.refresh, ["F5"], "View", "Read the cohort file again"
        )
        self.agreement_action = a(
            "Scorer &agreement",
            self.show_agreement,
            ["Ctrl+Shift+G"],
            "View",
            "How far the scorers agree, who scores high or low, and who drifts",
            while_busy=True,
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
            self.bank_action,
            self.assign_action,
            self.send_action,
            self.merge_action,
            self.adjudicate_action,
            self.accept_action,
            self.release_action,
            self.reassign_action,
            self.withdraw_action,
            self.reinstate_action,
            self.import_keys_action,
            self.seed_keys_action,
            self.unlock_action,
            self.backread_action,
        )

    def _build_menus(self) -> None:
        bar = self.menuBar()
        self.fill_menu(
            bar.addMenu("&File"),
            [self.new_action, self.open_action, self.recent_menu, self.close_action,
             self.restore_action, None, self.quit_action],
        )  # fmt: skip
        self.fill_menu(
            bar.addMenu("&Cohort"),
            [self.import_roster_action, self.import_scorers_action, self.bank_action,
             self.import_keys_action, None,
             self.assign_action, self.seed_keys_action,
             self.send_action, self.merge_action, self.backread_action, None,
             self.reassign_action,
             self.withdraw_action, self.reinstate_action, self.unlock_action],
        )  # fmt: skip
        self.fill_menu(
            bar.addMenu("&Results"),
            [
                self.adjudicate_action,
                self.accept_action,
                self.release_action,
                self.reopen_action,
                None,
                self.reports_action,
                self.summary_action,
                self.quality_action,
            ],
        )
        self.fill_menu(
            bar.addMenu("&View"), [self.refresh_action, self.find_action, self.agreement_action]
        )
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
        self.backups.start(path)  # once the reading above is done
        return True

    open_file = open_cohort

    def close_file(self) -> None:
        self.close_cohort()

    def close_cohort(self) -> None:
        if self.cohort is None:
            return
        self.backups.stop()  # a last backup, if it changed, while the lock is still held
        self.dashboard.tabs.setCurrentIndex(0)  # the side panel shown, as its size is saved
        self.save_splitters(self.dashboard.splitters())
        self.stack.setCurrentWidget(self.start_page)
        self.cohort = None
        self.snapshot = None
        self._path = None
        self._agreement_stale = True
        self.dashboard.clear()
        self.release_lock()
        self.setWindowTitle(f"Coordinator — {APP_NAME}")
        self.refresh_recent()
        self.update_actions()

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

    # --- scorer agreement ---------------------------------------------------------------------

    def show_agreement(self) -> None:
        """View > Scorer agreement: the tab, its figures read again if the cohort changed."""
        if self.cohort is None:
            return
        self.dashboard.tabs.setCurrentWidget(self.dashboard.agreement)
        self._load_agreement()
        self.dashboard.agreement.scorer_view.setFocus()

    def _tab_changed(self, _index: int) -> None:
        showing = self.dashboard.tabs.currentWidget() is self.dashboard.agreement
        self.dashboard.show_agreement_tab(showing)
        if showing:
            self._load_agreement()

    def _show(self, snapshot: CohortSnapshot) -> None:
        super()._show(snapshot)
        # What the figures were read from changed: read them again when next shown (now, if
        # they are), once the step that changed the cohort has finished.
        self._agreement_stale = True
        if self.dashboard.tabs.currentWidget() is self.dashboard.agreement:
            QTimer.singleShot(0, self._load_agreement)

    def _load_agreement(self) -> None:
        """Read the agreement figures off the UI thread, unless those shown are current."""
        if self.cohort is None or not self._agreement_stale:
            return
        if self.tasks.busy:  # after the step that runs now
            self.tasks.when_idle(self._load_agreement)
            return
        ref = self.cohort.ref
        self._agreement_stale = False

        def job(progress: Callable[[int, int], bool]) -> CohortAgreement:
            return agreement_ops.agreement(ref)

        def finished(outcome: Outcome[CohortAgreement]) -> CohortAgreement | None:
            if self.cohort is None or self.cohort.ref is not ref:
                return None
            if outcome.error is not None:
                self._agreement_stale = True
                self.explain("Cannot read the agreement figures", "", outcome)
                return None
            self.dashboard.agreement.show_agreement(outcome.result)
            return outcome.result

        self.run_step(
            "Scorer agreement", "Reading the agreement figures…", job, finished, cancellable=False
        )

    def _find(self) -> None:
        if self.cohort is not None:
            self.dashboard.search.setFocus()
            self.dashboard.search.selectAll()

    def show_shortcuts(self) -> None:
        from icg_desk.ui.shortcuts_dialog import ShortcutsDialog

        ShortcutsDialog(self.actions(), self).exec()

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
            self.restore_action,
            self.reports_action,
            self.summary_action,
            self.quality_action,
            self.refresh_action,
            self.find_action,
            self.agreement_action,
        ):
            action.setEnabled(has_cohort)
        for action in self.locked_actions:
            action.setEnabled(has_cohort and not locked)
            base = str(action.property("baseTip") or "")
            self.set_tip(action, f"{base}. Off: {locked}" if locked else base)
        # Reopening is for released results only.
        self.reopen_action.setEnabled(has_cohort and bool(locked))
        # Release stays on (pressing it lists each thing it waits for), and says it first.
        waits = "" if locked else self._release_waits()
        if waits:
            base = str(self.release_action.property("baseTip") or "")
            self.set_tip(self.release_action, f"{base}. Not yet: {waits}")
        super().update_actions()

    def refresh_recent(self) -> None:
        super().refresh_recent()
        # The likely first action stands out: making a cohort, until there is one to go back to.
        recent = bool(self.recent_files())
        self.new_button.setDefault(not recent)
        self.open_button.setDefault(recent)

    def recent_cohorts(self) -> list[str]:
        return self.recent_files()
