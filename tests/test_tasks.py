"""Long work off the UI thread: progress, result, errors and cancel through the real dialog."""

import threading
import time

from PySide6.QtCore import QThreadPool, QTimer
from PySide6.QtWidgets import QApplication, QProgressDialog, QPushButton, QWidget

from icg_desk.ui import tasks
from icg_desk.ui.tasks import run_with_progress


def test_a_job_runs_off_the_ui_thread_and_returns_its_result(qtbot):
    parent = QWidget()
    qtbot.addWidget(parent)
    seen = []

    def job(progress):
        seen.append(threading.current_thread() is threading.main_thread())
        for i in range(5):
            progress(i + 1, 5)
        return "done"

    outcome = run_with_progress(parent, "Job", "Working…", job)
    assert outcome.ok and outcome.result == "done"
    assert seen == [False]


def test_a_users_error_comes_back_as_its_message(qtbot):
    parent = QWidget()
    qtbot.addWidget(parent)

    def job(progress):
        raise OSError(28, "No space left on device", "/media/usb/summary.xlsx")

    outcome = run_with_progress(parent, "Job", "Working…", job)
    assert not outcome.ok
    assert "No space left on device" in outcome.error
    assert "/media/usb/summary.xlsx" in outcome.error


def test_a_bug_comes_back_with_its_traceback(qtbot):
    parent = QWidget()
    qtbot.addWidget(parent)

    def job(progress):
        return {}["missing"]

    outcome = run_with_progress(parent, "Job", "Working…", job)
    assert "internal error" in outcome.error and "KeyError" in outcome.error


def test_cancel_in_the_dialog_stops_the_job(qtbot):
    parent = QWidget()
    qtbot.addWidget(parent)
    parent.show()
    steps = []

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
    outcome = run_with_progress(parent, "Job", "Working…", job)
    assert outcome.cancelled and outcome.result == "stopped"
    assert len(steps) < 1000


class _Witness:
    """Records the thread it is destroyed on."""

    def __init__(self, deaths: list[bool]) -> None:
        self.deaths = deaths

    def __del__(self) -> None:
        self.deaths.append(threading.current_thread() is threading.main_thread())


def test_the_job_and_what_it_holds_are_let_go_on_the_ui_thread(qtbot, monkeypatch):
    # A job's closure may hold widgets and the signals object lives on the UI thread: destroyed
    # on the pool thread they raced PySide's teardown and crashed the app now and then. A pool
    # thread that lingers after the job (here, on purpose) must not be left holding them.
    parent = QWidget()
    qtbot.addWidget(parent)
    deaths: list[bool] = []
    run = tasks._Runnable.run

    def lingering_run(self):
        run(self)
        time.sleep(0.05)

    monkeypatch.setattr(tasks._Runnable, "run", lingering_run)

    def make_job():
        witness = _Witness(deaths)

        def job(progress):
            progress(1, 1)
            return len(witness.deaths)

        return job

    for _ in range(5):
        outcome = run_with_progress(parent, "Job", "Working…", make_job())
        assert outcome.ok
    QThreadPool.globalInstance().waitForDone()
    assert deaths == [True] * 5
