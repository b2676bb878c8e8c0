"""Python's cyclic garbage collection, on the UI thread only.

The interpreter collects cycles on whichever thread happens to allocate when a threshold is
crossed, a worker of `run_with_progress` included. A cycle that holds a Qt object (a widget and
a lambda connected to one of its signals is enough) collected there destroys that object off
the UI thread, and Qt crashes: our suite died that way once in a few runs, "Garbage-collecting"
on the pool thread in the middle of a cohort query. So while the app runs, automatic collection
is off and a timer on the UI thread collects, generation by generation, when the interpreter
would have (the approach of pyqtgraph, Calibre and GitFourchette).
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

_INTERVAL_MS = 1000


class UiThreadGarbageCollector(QObject):
    """Turns automatic collection off and collects on its own (UI) thread's timer instead."""

    def __init__(self, parent: QObject, interval_ms: int = _INTERVAL_MS) -> None:
        super().__init__(parent)
        # The interpreter's own thresholds (700, 10, 10 unless someone tuned them) decide when.
        self.thresholds = gc.get_threshold()
        gc.disable()
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.collect_due)
        self.timer.start(interval_ms)

    def collect_due(self) -> int:
        """Collect the oldest generation that is over its threshold; how many objects were freed.

        Allocations are still counted while automatic collection is off, so this is the
        collection the interpreter would have run, only later and on this thread.
        """
        counts = gc.get_count()
        for generation in (2, 1, 0):
            if counts[generation] > self.thresholds[generation]:
                return gc.collect(generation)
        return 0


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
