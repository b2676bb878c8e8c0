"""Test set-up: Qt offscreen before any QApplication exists, and a private data folder."""

from __future__ import annotations

import gc
import os
import random
import shutil
from pathlib import Path
from types import SimpleNamespace

# Before anything imports Qt: with no display and no platform, Qt aborts the whole run. The
# offscreen screen is 800x800 unless told otherwise; a laptop-sized one lets windows keep the
# sizes and splitter positions a scorer would have.
_SCREEN = Path(__file__).with_name("offscreen-screen.json")
if os.environ.get("QT_QPA_PLATFORM", "offscreen") == "offscreen":
    os.environ["QT_QPA_PLATFORM"] = f"offscreen:configfile={_SCREEN}"
os.environ.setdefault("LANG", "C.UTF-8")

from collections.abc import Iterator  # noqa: E402

import pytest  # noqa: E402

from icg_desk.models.rubric_file import builtin_rubric  # noqa: E402
from icg_desk.scoring.rubric import Rubric  # noqa: E402


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "qtbot" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.gui)


@pytest.fixture(scope="session", autouse=True)
def _private_settings(tmp_path_factory: pytest.TempPathFactory) -> None:
    # A window made without explicit settings must not read or write the developer's own.
    from PySide6.QtCore import QSettings

    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    folder = str(tmp_path_factory.mktemp("settings"))
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, folder)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.SystemScope, folder)


@pytest.fixture(scope="session")
def qapp(_private_settings: None):  # the pytest-qt fixture every GUI test gets its app from
    """The application as ICG Desk makes it: its names, its style sheet and fonts. A window laid
    out without them is not the window a scorer sees (sizes, wrapping, what fits)."""
    from icg_desk.ui.app import application

    return application()


@pytest.fixture(autouse=True)
def _garbage_on_the_ui_thread(request: pytest.FixtureRequest) -> Iterator[None]:
    # As in the app (icg_desk/ui/garbage.py): automatic collection is off once Qt runs, and the
    # cycles a test leaves behind (widgets among them) are collected here, on the UI thread,
    # never by a later test's worker thread.
    from icg_desk.ui.garbage import collect_garbage_on_ui_thread, collect_now, collect_young

    if "qtbot" in request.fixturenames:
        collect_garbage_on_ui_thread(request.getfixturevalue("qapp"))
    yield
    if not gc.isenabled():
        # The young generations after every test; everything now and then (a full collection
        # of a test session's heap takes tens of milliseconds).
        _tests_run[0] += 1
        collect_now() if _tests_run[0] % 25 == 0 else collect_young()


_tests_run = [0]


@pytest.fixture(autouse=True)
def _no_stray_windows(request: pytest.FixtureRequest) -> Iterator[None]:
    """Fails a GUI test in which a widget opened as a window of its own while another was
    showing: a label or button shown before it had a parent does that, and the new window takes
    the active window, and the scorer's keys, away from the workstation."""
    if "qtbot" not in request.fixturenames:
        yield
        return
    from PySide6.QtCore import QEvent, QObject, Qt
    from PySide6.QtWidgets import QApplication, QDialog, QMainWindow, QWidget

    class Watch(QObject):
        def __init__(self) -> None:
            super().__init__()
            self.strays: list[str] = []

        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if (
                event.type() == QEvent.Type.Show
                and isinstance(watched, QWidget)
                and watched.windowType() == Qt.WindowType.Window
                and not isinstance(watched, QMainWindow | QDialog)
                and any(
                    w is not watched and w.isVisible() and w.windowType() == Qt.WindowType.Window
                    for w in QApplication.topLevelWidgets()
                )
            ):
                self.strays.append(f"{type(watched).__name__} {watched.objectName()!r}")
            return False

    app = request.getfixturevalue("qapp")
    watch = Watch()
    app.installEventFilter(watch)
    yield
    app.removeEventFilter(watch)
    assert not watch.strays, f"widgets shown as windows of their own: {watch.strays}"


@pytest.fixture(autouse=True)
def _private_data_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    # Nothing a test does lands in the developer's own ICG Desk folders.
    monkeypatch.setenv("ICG_DESK_DATA", str(tmp_path_factory.mktemp("data")))


@pytest.fixture(scope="session")
def revised() -> Rubric:
    return builtin_rubric("icg-revised")


@pytest.fixture(scope="session")
def pilot() -> Rubric:
    return builtin_rubric("icg-pilot")


@pytest.fixture
def batch_path(tmp_path: Path) -> Path:
    return tmp_path / "test.icgbatch"


class DemoCopies:
    """Demo batches and cohorts made once per test run and copied for each test that asks.

    Generating a demo takes a good part of a second; most tests need a fresh copy of the same
    one, not a new one.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._made: dict[tuple[object, ...], Path] = {}

    def batch(self, target: Path, **options: object) -> Path:
        """A copy at `target` of the demo batch `write_demo_batch(..., **options)` makes."""
        key = ("batch", *sorted(options.items()))
        template = self._made.get(key)
        if template is None:
            from icg_desk.demo.batch import write_demo_batch

            template = self.folder / f"batch-{len(self._made)}.icgbatch"
            write_demo_batch(template, **options)  # type: ignore[arg-type]
            self._made[key] = template
        _copy_database(template, target)
        return target

    def cohort(self, folder: Path, **options: object) -> Path:
        """A copy in `folder` of the demo cohort (with its inputs and batches) built with
        `build_demo_cohort(..., **options)`; returns the cohort file's path."""
        key = ("cohort", *sorted(options.items()))
        template = self._made.get(key)
        if template is None:
            from icg_desk.demo.cohort import build_demo_cohort

            template = build_demo_cohort(self.folder / f"cohort-{len(self._made)}", **options)  # type: ignore[arg-type]
            self._made[key] = template
        shutil.copytree(template.parent, folder)
        return folder / template.name


def _copy_database(source: Path, target: Path) -> None:
    # Closed cleanly, a database is its one file; a log beside it would be part of it.
    assert not source.with_name(source.name + "-wal").exists(), f"{source} is still open"
    shutil.copyfile(source, target)


@pytest.fixture(scope="session")
def demo_copies(tmp_path_factory: pytest.TempPathFactory) -> DemoCopies:
    return DemoCopies(tmp_path_factory.mktemp("demo-templates"))


@pytest.fixture
def scorer_window(qtbot, tmp_path: Path):
    """Opens the scorer's window on a batch, as a scorer would see it: its own settings file,
    the synchronous task runner, shown, active, at 1280x800."""
    from PySide6.QtCore import QSettings

    from icg_desk.ui.main_window import MainWindow
    from icg_desk.ui.tasks import SyncTaskRunner

    def open_window(batch: Path) -> MainWindow:
        settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
        window = MainWindow(settings, runner=SyncTaskRunner)
        qtbot.addWidget(window)
        window.resize(1280, 800)
        window.show()
        window.activateWindow()
        qtbot.waitUntil(window.isActiveWindow)
        assert window.open_batch(batch)
        return window

    return open_window


# The roster import draws candidate codes at random, and a demo cohort's made-up reads follow
# from its codes, so how many of its candidates were flagged varied from run to run (2 to 10
# of 30 over 15 runs): tests that need a flag, or one per adjudicator, failed now and then.
# Every test draws the same codes in every run: the draw is seeded, and seeded again at the
# start of each test (a module's fixtures are built at its first test, so they are the same too).
_CANDIDATE_CODES = random.Random(11)


@pytest.fixture(scope="session", autouse=True)
def _seeded_candidate_codes() -> Iterator[None]:
    from icg_desk.models import roster

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(roster, "secrets", SimpleNamespace(randbelow=_CANDIDATE_CODES.randrange))
        yield


@pytest.fixture(autouse=True)
def _candidate_codes_from_the_start() -> None:
    _CANDIDATE_CODES.seed(11)
