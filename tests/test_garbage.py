"""Cycles are collected on the UI thread only, never by a worker that happens to allocate."""

import gc
import threading

from icg_desk.ui.app import application
from icg_desk.ui.garbage import installed_collector


class _Cycle:
    """Garbage only the cyclic collector can free; records the thread that freed it."""

    def __init__(self, deaths: list[bool]) -> None:
        self.deaths = deaths
        self.me = self

    def __del__(self) -> None:
        self.deaths.append(threading.current_thread() is threading.main_thread())


def test_the_app_turns_automatic_collection_off_and_collects_on_its_timer(qtbot):
    app = application()
    assert installed_collector() is not None
    assert installed_collector().parent() is app
    assert not gc.isenabled()

    deaths: list[bool] = []
    _Cycle(deaths)
    kept: list[list[int]] = []

    def allocate() -> None:
        # Far past the interpreter's thresholds: with automatic collection on, this thread
        # would free the cycle itself.
        kept.extend([i] for i in range(100_000))

    worker = threading.Thread(target=allocate)
    worker.start()
    worker.join()
    assert deaths == []  # the worker collected nothing
    qtbot.waitUntil(lambda: deaths != [], timeout=5000)
    assert deaths == [True]
    assert len(kept) == 100_000


def test_a_finished_task_collects_at_once_on_the_ui_thread(qtbot):
    from PySide6.QtWidgets import QWidget

    from icg_desk.ui.tasks import TaskRunner

    application()
    gc.collect()
    window = QWidget()
    qtbot.addWidget(window)
    runner = TaskRunner(window)
    deaths: list[bool] = []

    def job(progress):
        _Cycle(deaths)  # made on the worker, garbage at once
        return "made"

    task = runner.run("Job", "Working…", job, lambda outcome: outcome.result)
    qtbot.waitUntil(lambda: task.done, timeout=5000)
    # Freed by the collection after the task, before any timer could have run it.
    assert task.value == "made"
    assert deaths == [True]
    runner.shutdown()
