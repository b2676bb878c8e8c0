"""The scorer's exports: the summary workbook sent back beside the batch, score reports, and
the two files sent back to the coordinator.

Each runs off the UI thread through the window's task runner, on a connection of the worker's
own. A module of its own so the scorer's window keeps to building itself and opening and
closing batches: `MainWindow` takes these from `BatchExports`, a `WindowShell` that expects the
window to set the attributes declared on it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from icg_desk.operations.batch_ops import (
    ReportChoice,
    SentFiles,
    export_batch_reports,
    export_batch_summary,
)
from icg_desk.operations.batch_ops import send_to_coordinator as write_files_to_send
from icg_desk.ui import settings
from icg_desk.ui.tasks import Outcome, Task
from icg_desk.ui.window_shell import WindowShell

if TYPE_CHECKING:
    from icg_desk.export.pdf_report import ReportRun
    from icg_desk.operations.batch_work import PortfolioView
    from icg_desk.ui.session import ScoringSession

REPORTS_TITLE = "Export score reports (PDF)"


class ReportsDialog(QDialog):
    """Which portfolios' score reports to write, and the folder they go in.

    The completed portfolios are the default; "this portfolio" is the one shown (off when none
    is); all of them includes the unscored ones.
    """

    def __init__(self, parent: QWidget | None, folder: Path, current: str | None) -> None:
        super().__init__(parent)
        self.setObjectName("reportsDialog")
        self.setWindowTitle(REPORTS_TITLE)
        self.completed = QRadioButton("&Completed portfolios")
        self.current = QRadioButton(
            f"&This portfolio ({current})" if current is not None else "&This portfolio"
        )
        self.current.setEnabled(current is not None)
        self.all = QRadioButton("&All portfolios, the unscored ones included")
        self.choices = QButtonGroup(self)
        for button in (self.completed, self.current, self.all):
            self.choices.addButton(button)
        self.completed.setChecked(True)
        self.folder = QLineEdit(str(folder))
        self.folder.setObjectName("reportsFolder")
        browse = QPushButton("C&hoose…")
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.folder, 1)
        row.addWidget(browse)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText("&Export")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        column = QVBoxLayout(self)
        column.addWidget(QLabel("Write a PDF score report for:"))
        for button in (self.completed, self.current, self.all):
            column.addWidget(button)
        folder_label = QLabel("Into the &folder (with all of them in one combined file):")
        folder_label.setBuddy(self.folder)
        column.addWidget(folder_label)
        column.addLayout(row)
        column.addWidget(buttons)
        self.completed.setFocus()

    def choice(self) -> ReportChoice:
        if self.current.isChecked():
            return ReportChoice.CURRENT
        if self.all.isChecked():
            return ReportChoice.ALL
        return ReportChoice.COMPLETED

    def chosen_folder(self) -> Path | None:
        text = self.folder.text().strip()
        return Path(text) if text else None

    def _browse(self) -> None:
        chosen = QFileDialog.getExistingDirectory(
            self, "Export score reports into", self.folder.text()
        )
        if chosen:
            self.folder.setText(chosen)


class BatchExports(WindowShell):
    """File > Export summary, Export score reports (PDF) and Send to coordinator, for the
    batch open."""

    #: Set by the window: the open batch's session, None on the start page.
    session: ScoringSession | None
    #: Set by the window: the portfolio shown, None when none is.
    _view: PortfolioView | None

    def export_summary(self, target: Path | None = None) -> Task[Any]:
        """File > Export summary: the Excel workbook a scorer sends back beside the batch."""
        title = "Export summary"
        if self.session is None:
            return Task.finished(title, None)
        from icg_desk.export.summary_xlsx import SummaryCancelled

        batch_path = self.session.batch.path
        out = self.workbook_target(title, target, batch_path)
        if out is None:
            return Task.finished(title, None)

        lock = self._lock

        def job(progress: Callable[[int, int], bool]) -> Path | None:
            # A connection of the worker's own: SQLite connections stay on their thread.
            try:
                return export_batch_summary(batch_path, out, progress=progress, lock=lock).path
            except SummaryCancelled:
                return None

        def written(outcome: Outcome[Path | None]) -> Path | None:
            if outcome.error is not None:
                self.explain("Summary not written", "", outcome)
                return None
            if outcome.cancelled or outcome.result is None:
                self.statusBar().showMessage("Export cancelled; no file was written.", 5000)
                return None
            self.statusBar().showMessage(f"Summary written to {outcome.result}", 8000)
            return outcome.result

        return self.run_step(title, "Writing the summary…", job, written)

    def choose_reports(self) -> tuple[ReportChoice, Path] | None:
        """Ask which reports and where (the `ReportsDialog`); None when cancelled."""
        assert self.session is not None
        view = self._view
        dialog = ReportsDialog(
            self,
            self.session.batch.path.parent,
            view.candidate_code if view is not None else None,
        )
        try:
            if dialog.exec() != QDialog.DialogCode.Accepted:
                return None
            folder = dialog.chosen_folder()
            if folder is None:
                return None
            return dialog.choice(), folder
        finally:
            dialog.deleteLater()

    def print_reports(
        self, folder: Path | None = None, which: ReportChoice = ReportChoice.COMPLETED
    ) -> Task[Any]:
        """File > Export score reports (PDF): a PDF per portfolio chosen (the completed ones
        unless told; CURRENT is the one shown) and all of them in one file. Without `folder`
        the dialog asks which and where."""
        title = REPORTS_TITLE
        if self.session is None:
            return Task.finished(title, [])
        batch_path = self.session.batch.path
        if folder is None:
            chosen = self.choose_reports()
            if chosen is None:
                return Task.finished(title, [])
            which, folder = chosen
        portfolio_id = None
        if which is ReportChoice.CURRENT:
            if self._view is None:
                return Task.finished(title, [])
            portfolio_id = self._view.id
        outdir = folder
        combined = outdir / f"{batch_path.stem}-reports.pdf"

        def job(progress: Callable[[int, int], bool]) -> ReportRun:
            return export_batch_reports(
                batch_path,
                outdir,
                which=which,
                portfolio_id=portfolio_id,
                combined=combined,
                progress=progress,
            )

        def label(done: int, total: int) -> str:
            reports = total - 1  # and the combined file, the last step
            if total <= 0:
                return "Writing score reports…"
            if done >= reports:
                return f"Writing {combined.name}: the {reports:,} reports in one file…"
            return f"Writing score reports…  {done:,} of {reports:,} reports"

        def printed(outcome: Outcome[ReportRun]) -> list[Path]:
            if outcome.error is not None:
                self.explain("No score reports written", "", outcome)
                return []
            run = outcome.result
            assert run is not None
            if outcome.cancelled or run.cancelled:
                self.statusBar().showMessage("Export cancelled.", 5000)
                return run.written
            count = len([p for p in run.written if p != combined])
            reports = f"{count} score report{'' if count == 1 else 's'}"
            message = f"Wrote {reports} and {combined.name} to {outdir}."
            if run.skipped:
                message += "\n\nSkipped:\n" + "\n".join(f"{c}: {why}" for c, why in run.skipped)
                self.error("Score reports written, with problems", message)
            else:
                self.statusBar().showMessage(message, 8000)
            return run.written

        return self.run_step(title, label, job, printed)

    def send_to_coordinator(self, folder: Path | None = None) -> Task[Any]:
        """File > Send to coordinator: a copy of the batch that is one whole file, and its
        summary, in a folder the scorer chooses (asked for unless given); then says where they
        are and that these two are what to send."""
        title = "Send to coordinator"
        if self.session is None:
            return Task.finished(title, None)
        from icg_desk.export.summary_xlsx import SummaryCancelled

        batch_path = self.session.batch.path
        if folder is None:
            last = self.options.get(settings.SEND_FOLDER)
            start = last if last is not None and last.is_dir() else batch_path.parent
            chosen = QFileDialog.getExistingDirectory(
                self, "Save the files for your coordinator in", str(start)
            )
            if not chosen:
                return Task.finished(title, None)
            folder = Path(chosen)
        into = folder
        lock = self._lock

        def job(progress: Callable[[int, int], bool]) -> SentFiles | None:
            # A connection of the worker's own, while the scorer may go on scoring.
            try:
                return write_files_to_send(batch_path, into, lock=lock, progress=progress)
            except SummaryCancelled:
                return None

        def written(outcome: Outcome[SentFiles | None]) -> SentFiles | None:
            if outcome.error is not None:
                self.explain("Nothing to send was written", "", outcome)
                return None
            if outcome.cancelled or outcome.result is None:
                self.statusBar().showMessage("Cancelled; no file was written.", 5000)
                return None
            sent = outcome.result
            self.options.set(settings.SEND_FOLDER, into)
            self.statusBar().showMessage(f"Saved {sent.batch_copy.name} for your coordinator", 8000)
            self.inform(
                title,
                "Send these two files to your coordinator:\n\n"
                f"{sent.batch_copy.name}\n{sent.summary.name}\n\n"
                f"They are in {into}, and hold every change saved until now. What you change "
                "from now on is not in them: send again when you have finished.",
            )
            return sent

        return self.run_step(title, "Writing the batch and its summary…", job, written)
