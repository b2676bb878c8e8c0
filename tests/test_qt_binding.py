"""The Qt binding itself: a release that leaks references to None kills a long session."""

import sys

from PySide6.QtWidgets import QWidget


def test_qt_calls_returning_nothing_keep_none_alive(qtbot):
    # PySide6 6.12.0 on Python 3.11 dropped one reference to None per such call; after some
    # tens of thousands of calls (an hour of scoring) Python aborts. Pinned away in pyproject.
    widget = QWidget()
    qtbot.addWidget(widget)
    before = sys.getrefcount(None)
    for _ in range(2000):
        widget.resize(10, 10)
    assert sys.getrefcount(None) >= before - 50
