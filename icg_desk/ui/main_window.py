"""The scorer's window: the batch on the left, the entry in the centre, the rubric on the right,
and the live summary above them. It wires widgets to the `ScoringSession`; it decides nothing
about scores itself.

This file builds the window and opens and closes batches; showing and scoring the portfolio
open is `ScoringActions` (scoring_actions.py), the exports are `BatchExports`
(batch_exports.py).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QSettings, Qt, QUrl
from PySide6.QtGui import QAction, QActionGroup, QDesktopServices
from PySide6.QtWidgets import (
    QApplication,
    QFileDialog,
    QMessageBox,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from icg_desk.models.batch_file import BATCH_SUFFIX, BatchFile
from icg_desk.models.cohort_file import COHORT_SUFFIX
from icg_desk.models.rubric_file import builtin_rubric
from icg_desk.models.schema import PortfolioStatus
from icg_desk.operations.file_lock import SCORER_WINDOW, lock_file
from icg_desk.ui import settings
from icg_desk.ui.batch_exports import BatchExports
from icg_desk.ui.batch_panel import BatchPanel
from icg_desk.ui.calibration_view import Calibrating, KeyComparison
from icg_desk.ui.entry_panel import EntryPanel
from icg_desk.ui.palette import THEMES
from icg_desk.ui.rubric_panel import RubricPanel, SteadyLabel, plain_label
from icg_desk.ui.session import ScoringSession
from icg_desk.ui.style import appearance
from icg_desk.ui.summary_bar import SummaryBar
from icg_desk.ui.tasks import RunnerFactory
from icg_desk.ui.window_shell import APP_NAME

if TYPE_CHECKING:
    from icg_desk.ui.coordinator_window import CoordinatorWindow


THEME_LABELS = ("&System", "&Light", "&Dark", "&High contrast")
TEXT_SCALE_STEP = 0.1  # of the normal size, per Ctrl++ or Ctrl+-


class MainWindow(Calibrating, BatchExports):
    window_options = settings.SCORER_WINDOW
    recent_option = settings.RECENT_BATCHES
    folder_option = settings.LAST_BATCH_FOLDER
    file_kind, file_suffix = "batch", BATCH_SUFFIX

    def __init__(
        self,
        settings: QSettings | None = None,
        *,
        open_url: Callable[[QUrl], bool] | None = None,
        runner: RunnerFactory | None = None,
    ) -> None:
        super().__init__(settings, runner)
        self._open_url = open_url or QDesktopServices.openUrl
        self.session = None
        self._view = None
        self._reads = {}
        self._status = PortfolioStatus.NOT_STARTED
        # Built per batch, because they depend on its rubric.
        self.rubric_panel = None
        self.summary = None
        # File > Open cohort's window: held here, or Python would collect it once shown.
        self.coordinator: CoordinatorWindow | None = None

        self.setWindowTitle(APP_NAME)
        self.fit_first_window()  # 90% of the screen; a remembered geometry replaces it
        self.stack = QStackedWidget()
        self.start_page = self._build_start_page()
        self.stack.addWidget(self.start_page)
        self.setCentralWidget(self.stack)
        # One size for every time: a label sized by its text asked the window for a new layout
        # whenever a key's save showed a new second.
        self.saved_label = SteadyLabel("", ("Saved 00:00:00",), object_name="savedTime")
        self.statusBar().addPermanentWidget(self.saved_label)
        self._build_actions()
        self._build_menus()
        app = QApplication.instance()
        assert isinstance(app, QApplication)
        app.focusChanged.connect(self._focus_moved)
        self.restore_window()
        self.refresh_recent()
        self.update_actions()

    # --- building -----------------------------------------------------------------------------

    def _build_start_page(self) -> QWidget:
        open_button = QPushButton("Open batch…")
        open_button.setDefault(True)
        open_button.clicked.connect(self.choose_file)
        return self.build_start_page(
            "ICG Desk",
            "Open the batch of portfolios your coordinator sent you. Every change you make is "
            "saved at once.",
            [open_button],
            "Recent batches",
        )

    def _build_actions(self) -> None:
        # The file's own steps wait for a running one; scoring goes on meanwhile (it writes
        # through this thread's connection, the running step reads through its own).
        file = self.action
        self.open_action = file("&Open batch…", self.choose_file, ["Ctrl+O"], "File")
        self.open_cohort_action = file(
            "Open co&hort…", self.open_cohort_window, ["Ctrl+Shift+O"], "File"
        )
        self.close_action = file("&Close batch", self.close_batch, ["Ctrl+W"], "File")
        self.restore_action = file(
            "Restore &backup…",
            self.backups.restore,
            [],
            "File",
            "Bring the batch back to one of its last few states",
        )
        self.export_action = file(
            "&Export summary…", self.export_summary, ["Ctrl+Shift+S"], "File"
        )
        self.reports_action = file(
            "Export score &reports (PDF)…", self.print_reports, ["Ctrl+P"], "File"
        )
        self.send_action = file(
            "Se&nd to coordinator…", self.send_to_coordinator, ["Ctrl+Shift+E"], "File"
        )

        def a(
            text: str, slot: Callable[[], object], keys: list[str], group: str
        ) -> QAction:
            return self.action(text, slot, keys, group, while_busy=True)

        self.quit_action = a("&Quit", self.close, ["Ctrl+Q"], "File")

        self.undo_action = a("&Undo", self._undo, ["Ctrl+Z"], "Edit")
        self.redo_action = a("&Redo", self._redo, ["Ctrl+Shift+Z", "Ctrl+Y"], "Edit")
        self.find_action = a("&Find in entry…", self._find, ["Ctrl+F"], "Edit")
        self.attach_action = a(
            "&Attach selected passage", self.attach_selection, ["Ctrl+E"], "Scoring"
        )
        self.rationale_action = a("Edit &rationale", self._edit_rationale, ["F2"], "Scoring")
        self.filter_action = a("F&ilter candidates", self.focus_filter, ["Ctrl+L"], "Moving")

        self.level_actions = [
            a(f"Score level {n}", partial(self.score_level, n), [str(n)], "Scoring")
            for n in (1, 2, 3, 4)
        ]
        self.plus_action = a("Modifier +", lambda: self.score_modifier("+"), ["+", "="], "Scoring")
        self.minus_action = a("Modifier −", lambda: self.score_modifier("-"), ["-"], "Scoring")
        self.clear_action = a("Clear score", self.clear_score, ["Delete"], "Scoring")
        self.next_factor_action = a(
            "Next factor", lambda: self.step_factor(1), ["Alt+Down"], "Moving"
        )
        self.previous_factor_action = a(
            "Previous factor", lambda: self.step_factor(-1), ["Alt+Up"], "Moving"
        )
        self.next_entry_action = a(
            "Next entry", lambda: self.step_entry(1), ["Ctrl+Tab", "Alt+Right"], "Moving"
        )
        self.previous_entry_action = a(
            "Previous entry", lambda: self.step_entry(-1), ["Ctrl+Shift+Tab", "Alt+Left"], "Moving"
        )
        self.next_portfolio_action = a(
            "Next portfolio",
            lambda: self.step_portfolio(1),
            ["Alt+PgDown", "Ctrl+PgDown"],
            "Moving",
        )
        self.previous_portfolio_action = a(
            "Previous portfolio",
            lambda: self.step_portfolio(-1),
            ["Alt+PgUp", "Ctrl+PgUp"],
            "Moving",
        )
        self.next_unscored_action = a(
            "Next portfolio to score", lambda: self.step_unscored(1), ["Alt+N"], "Moving"
        )
        self.previous_unscored_action = a(
            "Previous portfolio to score", lambda: self.step_unscored(-1), ["Alt+Shift+N"], "Moving"
        )
        self.complete_action = a(
            "&Mark portfolio complete", self.mark_complete, ["Ctrl+Return", "Ctrl+Enter"], "Scoring"
        )
        self.complete_next_action = a(
            "Complete and &next", self.complete_and_next, ["Alt+Return", "Alt+Enter"], "Scoring"
        )
        self.look_for_actions = [
            a(
                f"Look-for {n} of the current factor",
                partial(self.toggle_look_for, n),
                [f"Alt+{n}"],
                "Scoring",
            )
            for n in range(1, 7)
        ]
        self.reopen_action = a("&Reopen portfolio", self.reopen, ["Ctrl+Shift+Return"], "Scoring")
        # Calibration before live scoring (practice portfolios; calibration_view.py).
        self.compare_action = a(
            "&Compare with the agreed scores", self.compare_with_key, ["Ctrl+K"], "Calibration"
        )
        self.unlock_action = a(
            "Enter &unlock code…", self.enter_unlock_code, ["Ctrl+Shift+U"], "Calibration"
        )
        self.calibration_status_action = a(
            "&Where my calibration stands", self.show_calibration_status, ["F6"], "Calibration"
        )

        # The whole window's text, with or without a batch, and while a step runs.
        self.zoom_in_action = a("&Larger text", lambda: self._zoom(1), ["Ctrl++", "Ctrl+="], "View")
        self.zoom_out_action = a("&Smaller text", lambda: self._zoom(-1), ["Ctrl+-"], "View")
        self.zoom_reset_action = a("&Normal text size", lambda: self._zoom(0), ["Ctrl+0"], "View")
        self.theme_actions = {
            theme: a(label, partial(self._choose_theme, theme), [], "View")
            for theme, label in zip(THEMES, THEME_LABELS, strict=True)
        }
        themes = QActionGroup(self)
        for theme, action in self.theme_actions.items():
            action.setCheckable(True)
            action.setChecked(theme == self.options.get(settings.THEME))
            themes.addAction(action)
        self.calculator_action = a("Score &calculator…", self.show_calculator, [], "Tools")
        self.shortcuts_action = a("&Keyboard shortcuts", self.show_shortcuts, ["F1"], "Help")
        self.about_action = a("&About ICG Desk", self._about, [], "Help")

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        file_menu.addAction(self.open_action)
        file_menu.addMenu(self.recent_menu)
        file_menu.addAction(self.open_cohort_action)
        file_menu.addAction(self.close_action)
        file_menu.addAction(self.restore_action)
        file_menu.addSeparator()
        file_menu.addAction(self.export_action)
        file_menu.addAction(self.reports_action)
        file_menu.addAction(self.send_action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        edit = bar.addMenu("&Edit")
        for action in (
            self.undo_action,
            self.redo_action,
            None,
            self.find_action,
            self.filter_action,
            self.attach_action,
            self.rationale_action,
        ):
            edit.addSeparator() if action is None else edit.addAction(action)
        score = bar.addMenu("&Score")
        for action in (
            *self.level_actions,
            self.plus_action,
            self.minus_action,
            self.clear_action,
            None,
            self.complete_action,
            self.complete_next_action,
            self.reopen_action,
        ):
            score.addSeparator() if action is None else score.addAction(action)
        look_fors = score.addMenu("&Look-fors")
        for action in self.look_for_actions:
            look_fors.addAction(action)
        calibration = bar.addMenu("&Calibration")
        for action in (self.compare_action, self.unlock_action, self.calibration_status_action):
            calibration.addAction(action)
        go = bar.addMenu("&Go")
        for action in (
            self.next_factor_action,
            self.previous_factor_action,
            None,
            self.next_entry_action,
            self.previous_entry_action,
            None,
            self.next_portfolio_action,
            self.previous_portfolio_action,
            self.next_unscored_action,
            self.previous_unscored_action,
        ):
            go.addSeparator() if action is None else go.addAction(action)
        view = bar.addMenu("&View")
        view.addAction(self.zoom_in_action)
        view.addAction(self.zoom_out_action)
        view.addAction(self.zoom_reset_action)
        view.addSeparator()
        theme_menu = view.addMenu("&Theme")
        for action in self.theme_actions.values():
            theme_menu.addAction(action)
        tools = bar.addMenu("&Tools")
        tools.addAction(self.calculator_action)
        help_menu = bar.addMenu("&Help")
        help_menu.addAction(self.shortcuts_action)
        help_menu.addAction(self.about_action)

    def _build_workspace(self, session: ScoringSession) -> QWidget:
        rubric = session.rubric
        self.batch_panel = BatchPanel()
        self.entry_panel = EntryPanel(open_url=self._open_url)
        self.rubric_panel = RubricPanel(rubric)
        self.summary = SummaryBar(rubric)
        self.locked_banner = plain_label(
            "This portfolio is marked complete. Reopen it (Ctrl+Shift+Return) to change it.",
            object_name="lockedBanner",
        )
        self.locked_banner.hide()
        # An adjudication portfolio says which factors it asks for (and the earlier reads of
        # them when the rubric shows them); set by show_portfolio.
        self.adjudication_banner = plain_label("", object_name="adjudicationBanner")
        self.adjudication_banner.hide()
        # Calibration: which practice portfolio this is, the live portfolios waiting for the
        # practice, and a practice portfolio's agreed scores beside the scorer's.
        self.practice_banner = plain_label("", object_name="practiceBanner")
        self.practice_banner.hide()
        self.calibration_banner = plain_label("", object_name="calibrationBanner")
        self.calibration_banner.hide()
        self.key_comparison = KeyComparison()

        rubric_column = QWidget()
        rubric_layout = QVBoxLayout(rubric_column)
        rubric_layout.setContentsMargins(0, 0, 0, 0)
        rubric_layout.setSpacing(0)
        rubric_layout.addWidget(self.locked_banner)
        rubric_layout.addWidget(self.adjudication_banner)
        rubric_layout.addWidget(self.practice_banner)
        rubric_layout.addWidget(self.calibration_banner)
        rubric_layout.addWidget(self.key_comparison, 1)
        rubric_layout.addWidget(self.rubric_panel, 1)

        self.reading_splitter = QSplitter(Qt.Orientation.Horizontal)
        self.reading_splitter.setObjectName("readingSplitter")
        self.reading_splitter.addWidget(self.entry_panel)
        self.reading_splitter.addWidget(rubric_column)
        self.reading_splitter.setStretchFactor(0, 3)
        self.reading_splitter.setStretchFactor(1, 2)
        self.reading_splitter.setChildrenCollapsible(False)

        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.setSpacing(0)
        right_layout.addWidget(self.summary)
        right_layout.addWidget(self.reading_splitter, 1)

        self.main_splitter = QSplitter(Qt.Orientation.Horizontal)
        self.main_splitter.setObjectName("mainSplitter")
        self.main_splitter.addWidget(self.batch_panel)
        self.main_splitter.addWidget(right)
        self.main_splitter.setStretchFactor(0, 0)
        self.main_splitter.setStretchFactor(1, 1)
        self.main_splitter.setChildrenCollapsible(False)

        workspace = QWidget()
        workspace.setObjectName("workspace")
        layout = QVBoxLayout(workspace)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.main_splitter)

        self.batch_panel.portfolioSelected.connect(self.show_portfolio)
        self.batch_panel.doneFiltering.connect(self.focus_scoring_surface)
        self.entry_panel.currentEntryChanged.connect(self._entry_changed)
        self.entry_panel.fontSizeChanged.connect(
            lambda size: self.options.set(settings.ENTRY_FONT_SIZE, float(size))
        )
        self.entry_panel.set_font_point_size(self.options.get(settings.ENTRY_FONT_SIZE))
        panel = self.rubric_panel
        panel.scoreChosen.connect(self._score_chosen)
        panel.lookForToggled.connect(self._look_for_toggled)
        panel.rationaleEdited.connect(self._rationale_edited)
        panel.attachRequested.connect(self._attach_to)
        panel.evidenceShown.connect(self.entry_panel.show_passage)
        panel.evidenceRemoved.connect(self._remove_evidence)
        self.watch_locked_typing()
        session.changed.connect(self._on_changed)
        session.aboutToTouch.connect(self._show_before_undo)
        session.failed.connect(self._on_failed)
        # Bound methods, not lambdas: Qt drops these connections when the window goes, so a
        # stack emptied during shutdown does not call into a deleted window.
        session.undo_stack.canUndoChanged.connect(self._undo_state_changed)
        session.undo_stack.canRedoChanged.connect(self._undo_state_changed)
        return workspace

    # --- opening and closing ------------------------------------------------------------------

    def open_batch(self, path: Path) -> bool:
        """Open a batch for scoring; on any problem, say so in a dialog and keep what was open."""
        path = Path(path).resolve()
        if self.session is not None and self.session.batch.path == path:
            return True
        batch = self.open_locked(
            path, lambda: lock_file(path, SCORER_WINDOW), lambda _lock: BatchFile.open(path)
        )
        if batch is None:
            return False
        self.session = ScoringSession(batch, self)
        workspace = self._build_workspace(self.session)
        self.stack.addWidget(workspace)
        self.stack.setCurrentWidget(workspace)
        # Lay the workspace out at its real size before restoring the splitters: restored into a
        # splitter not yet sized, the saved widths would be rescaled away.
        workspace.resize(self.stack.size())
        layout = workspace.layout()
        if layout is not None:
            layout.activate()
        self.restore_splitters([self.main_splitter, self.reading_splitter], self._default_sizes)
        self.batch_panel.set_portfolios(self.session.work.portfolios())
        self.batch_panel.set_live_locked(not self.session.work.calibration().live_open)
        self.remember_recent(path)
        self.remember_folder(path.parent)
        ident = batch.identity
        self.statusBar().showMessage(
            f"Batch of {ident.scorer_name} ({ident.scorer_id}), cohort {ident.cohort}, "
            f"rubric {ident.rubric_edition}",
            8000,
        )
        self._select_start_portfolio(ident.batch_id)
        self.update_actions()
        self.focus_scoring_surface()  # not the first field of the new page: the filter
        self.backups.start(path)
        return True

    open_file = open_batch

    def _select_start_portfolio(self, batch_id: str) -> None:
        last = self.options.get(settings.LAST_PORTFOLIO.of(batch_id))
        if last is not None and self.batch_panel.select_portfolio(last):
            return
        # The list already holds every portfolio's status: no second pass over the batch.
        model = self.batch_panel.model
        for portfolio_id in model.portfolio_ids():
            summary = model.summary(portfolio_id)
            if summary is not None and summary.status is not PortfolioStatus.COMPLETE:
                self.batch_panel.select_portfolio(portfolio_id)
                return
        self.batch_panel.step(0)

    def open_cohort_window(self, path: Path | None = None) -> bool:
        """File > Open cohort: a cohort database in the coordinator's window."""
        if path is None:
            folder = str(self.options.get(settings.LAST_COHORT_FOLDER) or Path.home())
            chosen, _ = QFileDialog.getOpenFileName(
                self, "Open cohort", folder, f"ICG Desk cohorts (*{COHORT_SUFFIX});;All files (*)"
            )
            if not chosen:
                return False
            path = Path(chosen)
        from icg_desk.ui.coordinator_window import CoordinatorWindow

        if self.coordinator is None:
            self.coordinator = CoordinatorWindow(self.settings, self.runner_factory)
        if self.coordinator.isVisible():
            self.coordinator.raise_()  # already open, perhaps behind this one
        self.coordinator.show()
        self.coordinator.activateWindow()
        return self.coordinator.open_cohort(path)

    def close_file(self) -> None:
        self.close_batch()

    def close_batch(self) -> None:
        if self.session is None:
            return
        self.backups.stop()  # a last backup, if it changed, while it is still open and locked
        self.save_splitters([self.main_splitter, self.reading_splitter])
        workspace = self.stack.currentWidget()
        self.stack.setCurrentWidget(self.start_page)
        if workspace is not None and workspace is not self.start_page:
            self.stack.removeWidget(workspace)
            workspace.deleteLater()
        self.session.batch.close()
        self.session.deleteLater()
        self.session = None
        self.rubric_panel = None
        self.summary = None
        self._view = None
        self._reads = {}
        self.release_lock()
        self.setWindowTitle(APP_NAME)
        self.refresh_recent()
        self.update_actions()

    # --- the rest -----------------------------------------------------------------------------

    def _find(self) -> None:
        if self.session is not None:
            self.entry_panel.show_find()

    def _zoom(self, step: int) -> None:
        """Every text in the window a step larger (1), smaller (-1) or back to normal (0): the
        application's text scale, remembered; the entry text takes the same step in its own
        size, as Ctrl+wheel over it does."""
        look = appearance()
        look.set_scale(1.0 if step == 0 else look.scale + step * TEXT_SCALE_STEP)
        self.options.set(settings.TEXT_SCALE, look.scale)
        if self.session is None:
            return  # the entry panel is built with a batch, at its remembered size
        if step == 0:
            self.entry_panel.set_font_point_size(settings.DEFAULT_ENTRY_FONT_SIZE)
        elif step > 0:
            self.entry_panel.zoom_in()
        else:
            self.entry_panel.zoom_out()

    def _choose_theme(self, theme: str) -> None:
        """View > Theme: applied to the whole application at once, and remembered."""
        self.options.set(settings.THEME, theme)
        appearance().set_theme(theme)
        self.theme_actions[theme].setChecked(True)

    def show_calculator(self) -> None:
        from icg_desk.ui.calculator import ScoreCalculatorDialog

        rubric = self.session.rubric if self.session is not None else builtin_rubric()
        ScoreCalculatorDialog(rubric, self).exec()

    def show_shortcuts(self) -> None:
        from icg_desk.ui.shortcuts_dialog import ShortcutsDialog

        ShortcutsDialog(self.actions(), self).exec()

    def _about(self) -> None:
        from icg_desk import __version__

        QMessageBox.about(
            self,
            "About ICG Desk",
            f"ICG Desk {__version__}\nThe scoring workstation for the ICG Coaching Certification.",
        )

    def _undo_state_changed(self, _can: bool) -> None:
        self.update_actions()

    def update_actions(self) -> None:
        has_batch = self.session is not None
        has_portfolio = has_batch and self._view is not None
        for action in (
            self.close_action,
            self.restore_action,
            self.export_action,
            self.reports_action,
            self.send_action,
            self.find_action,
            self.filter_action,
            self.next_entry_action,
            self.previous_entry_action,
            self.next_portfolio_action,
            self.previous_portfolio_action,
            self.next_unscored_action,
            self.previous_unscored_action,
            self.unlock_action,
            self.calibration_status_action,
        ):
            action.setEnabled(has_batch)
        self.compare_action.setEnabled(has_portfolio)
        complete = self._status is PortfolioStatus.COMPLETE
        self.complete_action.setEnabled(has_portfolio and not complete)
        self.reopen_action.setEnabled(has_portfolio and complete)
        # The editing keys stay on for a complete portfolio: there they say why nothing changes.
        for action in (
            self.next_factor_action,
            self.previous_factor_action,
            self.rationale_action,
            *self.level_actions,
            self.plus_action,
            self.minus_action,
            self.clear_action,
            self.attach_action,
            *self.look_for_actions,
            self.complete_next_action,
        ):
            action.setEnabled(has_portfolio)
        stack = self.session.undo_stack if self.session is not None else None
        self.undo_action.setEnabled(stack is not None and stack.canUndo())
        self.redo_action.setEnabled(stack is not None and stack.canRedo())
        if stack is not None:
            self.undo_action.setText(f"&Undo {stack.undoText()}" if stack.canUndo() else "&Undo")
            self.redo_action.setText(f"&Redo {stack.redoText()}" if stack.canRedo() else "&Redo")

    # --- remembered between sessions ----------------------------------------------------------

    @staticmethod
    def _default_sizes(splitter: QSplitter) -> None:
        splitter.setSizes([260, 1020] if splitter.objectName() == "mainSplitter" else [560, 440])

    def recent_batches(self) -> list[str]:
        return self.recent_files()
