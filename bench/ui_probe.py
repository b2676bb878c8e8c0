"""One cold start, in a process of its own: `python -m bench.ui_probe ours BATCH` or `... bare`.

Prints one JSON line: seconds from the first line of this script to a window that answers
input (imports included, as a scorer waits for them too), and the process's peak memory.
"""

from __future__ import annotations

import time

START = time.perf_counter()

import json  # noqa: E402
import os  # noqa: E402
import resource  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    mode = sys.argv[1]
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication, QMainWindow

    app = QApplication(sys.argv[:1])
    if mode == "bare":
        window = QMainWindow()
        window.resize(1280, 800)
        window.show()
    else:
        from icg_desk.ui.app import application
        from icg_desk.ui.main_window import MainWindow

        application()
        ini = Path(tempfile.mkdtemp()) / "settings.ini"
        window = MainWindow(QSettings(str(ini), QSettings.Format.IniFormat))
        window.show()
        if not window.open_batch(Path(sys.argv[2])):
            return 1
    app.processEvents()  # laid out and painted: the window answers input from here on
    seconds = time.perf_counter() - START
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "peak_mib": peak_mib}))
    window.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
