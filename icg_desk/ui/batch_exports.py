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

from PySide6.QtWidgets import QFileDialog

from icg_desk.operations.batch_ops import (
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
    from icg_desk.ui.session import ScoringSession


class BatchExports(WindowShell):
    """File > Export summary, Print score reports and Send to coordinator, for the batch open."""

    #: Set by the window: the open batch's session, None on the start page.
    session: ScoringSession | None

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

    def print_reports(self, folder: Path | None = None) -> Task[Any]:
        """File > Print score reports: a PDF per portfolio and all of them in one file."""
        title = "Print score reports"
        if self.session is None:
            return Task.finished(title, [])
        batch_path = self.session.batch.path
        if folder is None:
            chosen = QFileDialog.getExistingDirectory(
                self, "Print score reports into", str(batch_path.parent)
            )
            if not chosen:
                return Task.finished(title, [])
            folder = Path(chosen)
        outdir = folder
        combined = outdir / f"{batch_path.stem}-reports.pdf"

        def job(progress: Callable[[int, int], bool]) -> ReportRun:
            return export_batch_reports(batch_path, outdir, combined=combined, progress=progress)

        def printed(outcome: Outcome[ReportRun]) -> list[Path]:
            if outcome.error is not None:
                self.explain("Reports not printed", "", outcome)
                return []
            run = outcome.result
            assert run is not None
            if outcome.cancelled or run.cancelled:
                self.statusBar().showMessage("Printing cancelled.", 5000)
                return run.written
            count = len([p for p in run.written if p != combined])
            message = f"Wrote {count} score reports and {combined.name} to {outdir}."
            if run.skipped:
                message += "\n\nSkipped:\n" + "\n".join(f"{c}: {why}" for c, why in run.skipped)
                self.error("Score reports printed, with problems", message)
            else:
                self.statusBar().showMessage(message, 8000)
            return run.written

        return self.run_step(title, "Printing reports…", job, printed)

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
