"""Python's cyclic garbage collection, on the UI thread only.

The interpreter collects cycles on whichever thread happens to allocate when its counters cross
a threshold, a worker of the task runner included. A cycle that holds a Qt object (a widget and a
lambda connected to one of its signals is enough) collected there destroys that object off the UI
thread, and Qt crashes: the suite died that way once in a few runs. So once the app runs,
automatic collection is off and the UI thread collects instead (as Anki does): the young
generations on a short timer and after each finished task (what a job left behind is young), and
everything on a long timer, where a pause of some milliseconds goes unnoticed.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

YOUNG_INTERVAL_MS = 2_000
FULL_INTERVAL_MS = 60_000


class UiThreadGarbageCollector(QObject):
    """Turns automatic collection off and collects on its own (UI) thread's timers instead."""

    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        gc.disable()
        self.young = QTimer(self)
        self.young.timeout.connect(collect_young)
        self.young.start(YOUNG_INTERVAL_MS)
        self.full = QTimer(self)
        self.full.timeout.connect(collect_now)
        self.full.start(FULL_INTERVAL_MS)


def collect_young() -> int:
    """Collect the young generations, here and now: cheap, and where most cycles die."""
    return gc.collect(1)


def collect_now() -> int:
    """A full collection, here and now (call it on the UI thread); how many objects were freed."""
    return gc.collect()


# There is one QApplication per process, so one collector; the reference also keeps its
# Python side alive for as long as the app.
_installed: list[UiThreadGarbageCollector] = []


def collect_garbage_on_ui_thread(app: QObject) -> UiThreadGarbageCollector:
    """Install the collector on `app` once; later calls return the same one."""
    if not _installed:
        _installed.append(UiThreadGarbageCollector(app))
    return _installed[0]


def installed_collector() -> UiThreadGarbageCollector | None:
    return _installed[0] if _installed else None
