"""Long work off the UI thread: progress, result, errors and cancel, through the real runner."""

from __future__ import annotations

import threading
import time

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QProgressDialog, QPushButton, QWidget

from icg_desk.models.errors import UserError
from icg_desk.ui.app import application
from icg_desk.ui.tasks import Outcome, SyncTaskRunner, Task, TaskRunner


@pytest.fixture
def window(qtbot) -> QWidget:
    application()  # the app's own set-up: cycles collected on the UI thread only
    widget = QWidget()
    qtbot.addWidget(widget)
    return widget


@pytest.fixture
def runner(window):
    runner = TaskRunner(window)
    yield runner
    runner.shutdown()


def finish(qtbot, task: Task | None, timeout: int = 10000) -> Task:
    assert task is not None, "the runner refused the job"
    qtbot.waitUntil(lambda: task.done, timeout=timeout)
    return task


def on_ui_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


def test_a_job_runs_off_the_ui_thread_and_its_outcome_comes_back_on_it(qtbot, runner):
    seen: list[str] = []

    def job(progress):
        seen.append("job on the UI thread" if on_ui_thread() else "job on a worker")
        for i in range(5):
            progress(i + 1, 5)
        return "done"

    def on_done(outcome: Outcome[str]) -> str:
        seen.append("outcome on the UI thread" if on_ui_thread() else "outcome on a worker")
        return f"{outcome.result}!"

    task = runner.run("Job", "Working…", job, on_done)
    assert task is not None
    assert not task.done
    finish(qtbot, task)
    assert task.value == "done!"
    assert task.outcome is not None
    assert task.outcome.ok
    assert seen == ["job on a worker", "outcome on the UI thread"]


def test_a_users_error_comes_back_as_the_exception_without_a_traceback(qtbot, runner):
    def job(progress):
        raise OSError(28, "No space left on device", "/media/usb/summary.xlsx")

    task = finish(qtbot, runner.run("Job", "Working…", job, lambda outcome: outcome))
    outcome = task.value
    assert not outcome.ok
    assert not outcome.is_bug
    assert isinstance(outcome.error, OSError)
    assert "/media/usb/summary.xlsx" in str(outcome.error)

    task = finish(qtbot, runner.run("Job", "…", _raise(UserError("roster.csv: row 3")), _same))
    assert str(task.value.error) == "roster.csv: row 3"
    assert task.value.details == ""


def _raise(exc: BaseException):
    def job(progress):
        raise exc

    return job


def _same(outcome):
    return outcome


def test_a_bug_comes_back_with_its_traceback(qtbot, runner):
    task = finish(qtbot, runner.run("Job", "Working…", lambda progress: {}["missing"], _same))
    outcome = task.value
    assert outcome.is_bug
    assert isinstance(outcome.error, KeyError)
    assert "Traceback" in outcome.details
    assert "KeyError" in outcome.details


def test_one_job_at_a_time_and_the_busy_state_says_so(qtbot, runner):
    states: list[bool] = []
    runner.busyChanged.connect(states.append)
    gate = threading.Event()

    def slow(progress):
        gate.wait(5)
        return 1

    first = runner.run("First", "…", slow, _same)
    assert runner.busy
    assert runner.current_title == "First"
    assert runner.run("Second", "…", lambda progress: 2, _same) is None  # refused, not queued
    gate.set()
    finish(qtbot, first)
    assert not runner.busy
    assert states == [True, False]
    later: list[str] = []
    runner.when_idle(lambda: later.append("idle"))
    assert later == ["idle"]


def test_when_idle_runs_after_the_jobs_on_done(qtbot, runner):
    order: list[str] = []
    gate = threading.Event()
    task = runner.run("Job", "…", lambda progress: gate.wait(5), lambda o: order.append("done"))
    runner.when_idle(lambda: order.append("idle"))
    assert order == []
    gate.set()
    finish(qtbot, task)
    assert order == ["done", "idle"]


def test_cancel_in_the_progress_dialog_stops_the_job(qtbot, window, runner):
    window.show()
    steps: list[int] = []

    def job(progress):
        for i in range(1000):
            steps.append(i)
            if not progress(i, 1000):
                return "stopped"
            time.sleep(0.005)
        return "ran to the end"

    def press_cancel():
        dialogs = [
            w
            for w in QApplication.topLevelWidgets()
            if isinstance(w, QProgressDialog) and w.isVisible()
        ]
        if not dialogs:
            QTimer.singleShot(20, press_cancel)
            return
        dialogs[0].findChild(QPushButton).click()  # the person's Cancel

    QTimer.singleShot(400, press_cancel)
    task = finish(qtbot, runner.run("Job", "Working…", job, _same))
    assert task.value.cancelled
    assert task.value.result == "stopped"
    assert len(steps) < 1000
    # The dialog went with the job.
    qtbot.waitUntil(
        lambda: not any(
            isinstance(w, QProgressDialog) and w.isVisible() for w in QApplication.topLevelWidgets()
        )
    )


class _Witness:
    """Records the thread it is destroyed on."""

    def __init__(self, deaths: list[bool]) -> None:
        self.deaths = deaths

    def __del__(self) -> None:
        self.deaths.append(on_ui_thread())


def test_the_job_and_what_it_holds_die_on_the_ui_thread(qtbot, runner):
    # A job's closure may hold things that must die on the UI thread. The worker lets go of it
    # before it reports; the runner drops the last reference after on_done.
    deaths: list[bool] = []

    def make_job():
        witness = _Witness(deaths)

        def job(progress):
            time.sleep(0.01)
            return len(witness.deaths)

        return job

    for _ in range(5):
        finish(qtbot, runner.run("Job", "…", make_job(), _same))
    assert deaths == [True] * 5


def test_a_result_arrives_while_a_modal_dialog_is_open(qtbot, window, runner):
    # The old runner waited in a nested event loop: a dialog opened while it waited held the
    # step's result back until the person closed the dialog. Now nothing waits.
    window.show()
    box = QMessageBox(QMessageBox.Icon.Information, "Meanwhile", "A dialog", parent=window)
    arrived: list[bool] = []
    gate = threading.Event()

    def open_dialog():
        task = runner.run("Job", "…", lambda progress: gate.wait(5), lambda o: arrived.append(1))
        QTimer.singleShot(50, gate.set)

        def check_then_close():
            arrived.append(bool(task and task.done))
            box.close()

        QTimer.singleShot(2000, check_then_close)
        box.exec()

    QTimer.singleShot(0, open_dialog)
    qtbot.waitUntil(lambda: len(arrived) == 2, timeout=10000)
    assert arrived == [1, True]  # on_done ran, and the task was done before the dialog closed


def test_hundreds_of_jobs_while_dialogs_open_and_close(qtbot, window, runner):
    """A long session in a few seconds: chained jobs, modal dialogs opening and closing on top
    of them, and widgets in reference cycles dropped on the UI thread while workers allocate.

    Work goes on while a dialog is open: each outcome starts the next job from inside the
    dialog's own loop. The old runner waited for each job in a nested loop, so a dialog opened
    over it held the next job back until it closed: at most one job finished per dialog."""
    window.show()
    jobs, finished, threads = 200, [], set()
    per_dialog: list[int] = []
    stop = threading.Event()

    def job(n):
        def work(progress):
            threads.add(threading.current_thread().name)
            garbage = [[i] for i in range(2000)]  # allocations on the worker
            time.sleep(0.002)
            progress(1, 1)
            return n, len(garbage)

        return work

    def on_done(outcome):
        assert outcome.ok, outcome.details
        n, _ = outcome.result
        finished.append(n)
        assert on_ui_thread()
        if n + 1 < jobs:
            assert runner.run("Job", "…", job(n + 1), on_done) is not None
        else:
            stop.set()

    def churn():
        # A widget in a cycle with a lambda connected to its own signal: garbage that only the
        # cycle collector frees, and that must die on this thread.
        for _ in range(5):
            button = QPushButton("x")
            button.clicked.connect(lambda _=False, b=button: b.text())
        if not stop.is_set():
            QTimer.singleShot(3, churn)

    def modal():
        if stop.is_set():
            return
        box = QMessageBox(QMessageBox.Icon.Information, "Meanwhile", "…", parent=window)
        QTimer.singleShot(40, box.close)
        before = len(finished)
        box.exec()
        per_dialog.append(len(finished) - before)
        box.deleteLater()
        QTimer.singleShot(5, modal)

    churn()
    QTimer.singleShot(0, modal)
    assert runner.run("Job", "…", job(0), on_done) is not None
    qtbot.waitUntil(stop.is_set, timeout=120000)
    assert finished == list(range(jobs))
    assert threads
    assert all(name.startswith("icg-desk-task") for name in threads)
    assert len(per_dialog) >= 3, per_dialog
    assert max(per_dialog) >= 2, per_dialog


def test_the_synchronous_runner_runs_the_job_and_on_done_at_once(qtbot, window):
    runner = SyncTaskRunner(window)
    task = runner.run("Job", "…", lambda progress: 6 * 7, lambda outcome: outcome.result)
    assert task is not None
    assert task.done
    assert task.value == 42
    task = runner.run("Job", "…", _raise(UserError("no")), _same)
    assert task is not None
    assert str(task.value.error) == "no"
