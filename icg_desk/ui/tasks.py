"""One way to run long work: on a worker thread, with a progress dialog that can cancel it.

The job is a plain function that takes a progress callback `(done, total) -> keep going` and
returns a result; it must not touch a widget. Its progress, result or error come back to the UI
thread through queued signals, as Anki's task manager and Picard's run_task do.
"""

from __future__ import annotations

import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QEventLoop, QObject, QRunnable, Qt, QThreadPool, Signal
from PySide6.QtWidgets import QProgressDialog, QWidget

from icg_desk.models.batch_file import BatchFileError

T = TypeVar("T")
Job = Callable[[Callable[[int, int], bool]], T]

# Errors the person can act on (a full disk, a locked or damaged file): their message is enough.
# Anything else is a bug, and the dialog carries the traceback so it can be reported.
USER_ERRORS: tuple[type[BaseException], ...] = (BatchFileError, OSError, ValueError)


@dataclass(frozen=True)
class Outcome(Generic[T]):
    result: T | None = None
    error: str = ""
    cancelled: bool = False

    @property
    def ok(self) -> bool:
        return not self.error and not self.cancelled


class _Signals(QObject):
    progressed = Signal(int, int)
    finished = Signal(object)  # Outcome


class _Runnable(QRunnable):
    """Runs the job on a pool thread, then lets go of everything the UI thread owns.

    The signals object lives on the UI thread and the job's closure may hold widgets: Qt objects
    must only die on that thread (garbage.py keeps Python's cycle collector there for the same
    reason). If the worker dropped the last reference to either, they would die on the worker.
    So the worker takes them out of `self`, drops them when `_run_once` returns, and only then
    sets `released`; run_with_progress keeps its own references until it has seen `released`,
    so the last reference always dies on the UI thread.
    """

    def __init__(
        self, job: Job[Any], signals: _Signals, cancel: threading.Event, released: threading.Event
    ) -> None:
        super().__init__()
        self.job: Job[Any] | None = job
        self.signals: _Signals | None = signals
        self.cancel, self.released = cancel, released

    def run(self) -> None:
        try:
            self._run_once()
        finally:
            self.released.set()

    def _run_once(self) -> None:
        job, signals, cancel = self.job, self.signals, self.cancel
        self.job = self.signals = None
        assert job is not None and signals is not None, "a _Runnable runs once"

        def progress(done: int, total: int) -> bool:
            signals.progressed.emit(done, total)
            return not cancel.is_set()

        try:
            result = job(progress)
        except USER_ERRORS as exc:
            outcome: Outcome[Any] = Outcome(error=str(exc))
        except Exception:  # noqa: BLE001 - a bug: hand the whole story to the UI thread
            outcome = Outcome(error="ICG Desk hit an internal error:\n\n" + traceback.format_exc())
        else:
            outcome = Outcome(result=result, cancelled=cancel.is_set())
        signals.finished.emit(outcome)


def run_with_progress(parent: QWidget, title: str, label: str, job: Job[T]) -> Outcome[T]:
    """Run `job` off the UI thread behind a window-modal progress dialog; return its outcome.

    The dialog's Cancel asks the job to stop at its next progress call. The UI stays responsive
    (it repaints, the dialog moves) while the window underneath takes no input.
    """
    dialog = QProgressDialog(label, "Cancel", 0, 0, parent)
    dialog.setWindowTitle(title)
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    dialog.setMinimumDuration(300)  # quick jobs finish without a flash of dialog
    dialog.setAutoClose(False)
    dialog.setAutoReset(False)
    dialog.setValue(0)

    cancel, released = threading.Event(), threading.Event()
    signals = _Signals()
    loop = QEventLoop()
    outcome: list[Outcome[T]] = []

    def progressed(done: int, total: int) -> None:
        if dialog.maximum() != total:
            dialog.setMaximum(total)
        dialog.setValue(done)
        dialog.setLabelText(f"{label}  {done:,} of {total:,}")

    def finished(result: Outcome[T]) -> None:
        outcome.append(result)
        loop.quit()

    signals.progressed.connect(progressed, Qt.ConnectionType.QueuedConnection)
    signals.finished.connect(finished, Qt.ConnectionType.QueuedConnection)
    dialog.canceled.connect(cancel.set)
    QThreadPool.globalInstance().start(_Runnable(job, signals, cancel, released))
    if not outcome:
        loop.exec()
    # The worker has emitted `finished`; wait the moment until it has also let go of `job` and
    # `signals`, so that they die here, on the UI thread, when this function returns.
    released.wait()
    dialog.close()
    dialog.deleteLater()
    return outcome[0]
