"""One way to run long work: a job on a worker, its outcome to a callback on the UI thread.

Each window owns one `TaskRunner`. A job is a plain function of plain data (paths, ids,
options) and a `progress(done, total) -> keep_going` callback; it opens its own database
connections on the worker and never touches a widget. When it ends, its outcome comes back to
the UI thread through one queued signal and goes to the `on_done` callback given with it (the
shape of Anki's `aqt/taskman.py`). Nothing waits for a job in a nested event loop: the window
goes on running its own loop, shows the runner's progress dialog, and refuses commands that would
conflict while the runner is busy.

Tests use `SyncTaskRunner`, which runs the job and its `on_done` at once on the calling thread
(the idea of Picard's `FakeThreadPool`), so a test reads a step's result straight away.
"""

from __future__ import annotations

import contextlib
import threading
import traceback
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtWidgets import QLabel, QProgressDialog, QWidget

from icg_desk.operations.errors import user_message
from icg_desk.ui.garbage import collect_young

T = TypeVar("T")
Progress = Callable[[int, int], bool]
Job = Callable[[Progress], T]
#: What the progress dialog says: a text, followed by "12 of 50"; or a function of (done, total)
#: that words the whole line ("Writing score reports…  12 of 50 reports").
Label = str | Callable[[int, int], str]


def label_text(label: Label, done: int, total: int) -> str:
    if callable(label):
        return label(done, total)
    return f"{label}  {done:,} of {total:,}"


def is_user_error(exc: BaseException) -> bool:
    """Can the person act on this (a locked or damaged file, a full disk, a bad row)?

    Anything else is a bug: it is shown with its traceback so that it can be reported.
    """
    return user_message(exc) is not None


@dataclass(frozen=True)
class Outcome(Generic[T]):
    """How a job ended: its result, the exception it raised, or cancelled by the person."""

    result: T | None = None
    error: BaseException | None = None
    details: str = ""  # the traceback of a bug; empty for a user's error
    cancelled: bool = False

    @property
    def ok(self) -> bool:
        return self.error is None and not self.cancelled

    @property
    def is_bug(self) -> bool:
        return self.error is not None and bool(self.details)


class Task(Generic[T]):
    """One job handed to the runner; `value` is what its `on_done` returned, once done."""

    def __init__(self, title: str) -> None:
        self.title = title
        self.done = False
        self.outcome: Outcome[T] | None = None
        self.value: Any = None

    @classmethod
    def finished(cls, title: str, value: Any) -> Task[Any]:
        """A step that ended before any job ran (nothing open, the person cancelled a dialog)."""
        task: Task[Any] = cls(title)
        task.done, task.value = True, value
        return task


def _execute(job: Job[T], progress: Progress, cancel: threading.Event) -> Outcome[T]:
    try:
        result = job(progress)
    except Exception as exc:  # noqa: BLE001 - every failure goes back to the UI thread
        details = "" if is_user_error(exc) else traceback.format_exc()
        return Outcome(error=exc, details=details)
    return Outcome(result=result, cancelled=cancel.is_set())


class _Signals(QObject):
    """Rings the UI thread's bell. The signals carry nothing: what the worker reports waits in
    `_Mailbox`, under a lock, until the UI thread takes it. (A Python object carried through a
    queued signal from a non-Qt thread crashed PySide now and then, as in PYSIDE-3124.)"""

    progressed = Signal()
    finished = Signal()


class _Mailbox:
    """What a worker hands to the UI thread: the latest progress, and finished jobs."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._progress: tuple[int, int] | None = None
        self._finished: list[tuple[Task[Any], Outcome[Any]]] = []

    def put_progress(self, done: int, total: int) -> None:
        with self._lock:
            self._progress = (done, total)

    def take_progress(self) -> tuple[int, int] | None:
        with self._lock:
            progress, self._progress = self._progress, None
            return progress

    def put_finished(self, task: Task[Any], outcome: Outcome[Any]) -> None:
        with self._lock:
            self._finished.append((task, outcome))

    def take_finished(self) -> list[tuple[Task[Any], Outcome[Any]]]:
        with self._lock:
            finished, self._finished = self._finished, []
            return finished


class _Call:
    """The worker's hold on a job, which it lets go of before it reports the outcome.

    The UI thread keeps its own reference to the job until `on_done` has run, so the job's
    closure (and anything it holds) always dies on the UI thread, never on the worker.
    """

    def __init__(self, job: Job[Any]) -> None:
        self.job: Job[Any] | None = job

    def take(self) -> Job[Any]:
        job, self.job = self.job, None
        assert job is not None, "a job runs once"
        return job


class TaskRunner(QObject):
    """Runs a window's long work, one job at a time, with the window's progress dialog."""

    busyChanged = Signal(bool)

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self.window = window
        self._mailbox = _Mailbox()
        self._signals = _Signals(self)
        self._signals.progressed.connect(self._progressed, Qt.ConnectionType.QueuedConnection)
        self._signals.finished.connect(self._finished, Qt.ConnectionType.QueuedConnection)
        # One worker: a window's steps never race each other for its file.
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="icg-desk-task")
        self._cancel = threading.Event()
        self._current: tuple[Task[Any], Job[Any], Callable[[Outcome[Any]], Any], Label] | None = (
            None
        )
        self._dialog: QProgressDialog | None = None
        self._after_idle: list[Callable[[], None]] = []

    @property
    def busy(self) -> bool:
        return self._current is not None

    @property
    def current_title(self) -> str:
        return self._current[0].title if self._current is not None else ""

    def run(
        self,
        title: str,
        label: Label,
        job: Job[T],
        on_done: Callable[[Outcome[T]], Any],
        *,
        cancellable: bool = True,
    ) -> Task[T] | None:
        """Start `job` on the worker; `on_done(outcome)` runs on the UI thread when it ends.

        Returns None, and starts nothing, while another job runs: the caller says so.
        """
        if self._current is not None:
            return None
        task: Task[T] = Task(title)
        self._cancel = threading.Event()
        self._current = (task, job, on_done, label)
        self.busyChanged.emit(True)
        self._start(task, job, label, cancellable)
        return task

    def _start(self, task: Task[Any], job: Job[Any], label: Label, cancellable: bool) -> None:
        """Hand the job to the worker, behind the progress dialog."""
        self._show_dialog(task.title, label, cancellable)
        self._executor.submit(
            self._work, task, _Call(job), self._cancel, self._mailbox, self._signals
        )

    def cancel(self) -> None:
        """Ask the job to stop at its next progress call."""
        self._cancel.set()

    def when_idle(self, callback: Callable[[], None]) -> None:
        """Call `callback` once no job runs: now, or after the current job's `on_done`."""
        if self._current is None:
            callback()
        else:
            self._after_idle.append(callback)

    def shutdown(self) -> None:
        """Stop taking jobs and wait for the worker (the window is going away)."""
        self._cancel.set()
        self._executor.shutdown(wait=True)

    # --- on the worker --------------------------------------------------------------------------

    @staticmethod
    def _work(
        task: Task[Any], call: _Call, cancel: threading.Event, mailbox: _Mailbox, bell: _Signals
    ) -> None:
        def progress(done: int, total: int) -> bool:
            mailbox.put_progress(done, total)
            _ring(bell.progressed)
            return not cancel.is_set()

        mailbox.put_finished(task, _execute(call.take(), progress, cancel))
        _ring(bell.finished)

    # --- on the UI thread ---------------------------------------------------------------------

    def _show_dialog(self, title: str, label: Label, cancellable: bool) -> None:
        text = label if isinstance(label, str) else label(0, 0)
        dialog = QProgressDialog(text, "Cancel" if cancellable else "", 0, 0, self.window)
        dialog.setObjectName("taskProgress")
        # Its label may name a file or a candidate: shown as typed, never as markup.
        for text_label in dialog.findChildren(QLabel):
            text_label.setTextFormat(Qt.TextFormat.PlainText)
        dialog.setWindowTitle(title)
        # Not modal: a modal progress dialog runs the event loop inside setValue(), and the job's
        # outcome would then arrive in the middle of a progress update. The commands that would
        # conflict are off while the runner is busy instead.
        dialog.setWindowModality(Qt.WindowModality.NonModal)
        dialog.setMinimumDuration(300)  # quick jobs finish without a flash of dialog
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        if not cancellable:
            dialog.setCancelButton(None)
        dialog.canceled.connect(self._cancel.set)
        dialog.setValue(0)
        self._dialog = dialog

    @Slot()
    def _progressed(self) -> None:
        progress, dialog, current = self._mailbox.take_progress(), self._dialog, self._current
        if progress is None or dialog is None or current is None:
            return  # already shown, or a late report of a job that has ended
        done, total = progress
        dialog.setLabelText(label_text(current[3], done, total))
        if dialog.maximum() != total:
            dialog.setMaximum(total)
        dialog.setValue(done)

    @Slot()
    def _finished(self) -> None:
        for task, outcome in self._mailbox.take_finished():
            self._complete(task, outcome)
            collect_young()
        self._run_after_idle()

    def _complete(self, task: Task[Any], outcome: Outcome[Any]) -> None:
        current = self._current
        assert current is not None
        assert current[0] is task
        on_done = current[2]
        self._current = None  # the job's last reference goes here, on the UI thread
        self._close_dialog()
        self.busyChanged.emit(False)
        _deliver(task, outcome, on_done)

    def _run_after_idle(self) -> None:
        while self._after_idle and self._current is None:
            self._after_idle.pop(0)()

    def _close_dialog(self) -> None:
        if self._dialog is not None:
            self._dialog.close()
            self._dialog.deleteLater()
            self._dialog = None


def _ring(bell: Any) -> None:
    with contextlib.suppress(RuntimeError):  # the window, and its runner, were deleted meanwhile
        bell.emit()


def _deliver(
    task: Task[Any], outcome: Outcome[Any], on_done: Callable[[Outcome[Any]], Any]
) -> None:
    task.outcome = outcome
    try:
        task.value = on_done(outcome)
    finally:
        task.done = True


class SyncTaskRunner(TaskRunner):
    """For tests: the job and its `on_done` run at once, on the calling thread."""

    def _start(self, task: Task[Any], job: Job[Any], label: Label, cancellable: bool) -> None:
        outcome = _execute(job, lambda _done, _total: not self._cancel.is_set(), self._cancel)
        self._complete(task, outcome)
        self._run_after_idle()


RunnerFactory = Callable[[QWidget], TaskRunner]
