"""A second start hands its batch to the ICG Desk already running (issue 13, item 8).

The two "instances" are one test process: the server listens on a window, and the second start
(the client function, or the whole command line) runs on a thread of its own, as it would in a
process of its own, while the window's event loop answers it.
"""

from __future__ import annotations

import socket
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings

from icg_desk import cli
from icg_desk.ui import single_instance
from icg_desk.ui.main_window import MainWindow
from icg_desk.ui.single_instance import InstanceServer, hand_over, serve, server_name
from icg_desk.ui.tasks import SyncTaskRunner

unix_only = pytest.mark.skipif(sys.platform == "win32", reason="named pipes leave no file")


@pytest.fixture
def window(qtbot, tmp_path: Path) -> MainWindow:
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(settings, runner=SyncTaskRunner)
    qtbot.addWidget(window)
    window.show()
    # Noted, not done: the offscreen platform warns that it cannot raise a window.
    window.raised = []  # type: ignore[attr-defined]
    window.raise_ = lambda: window.raised.append("raise")  # type: ignore[method-assign,attr-defined]
    return window


@pytest.fixture
def batch(tmp_path: Path, demo_copies) -> Path:
    return demo_copies.batch(tmp_path / "summer.icgbatch", portfolios=2, seed=3, prefill=False)


@pytest.fixture
def server(window) -> Iterator[InstanceServer]:
    running = serve(window)
    assert running is not None
    yield running
    running.close()


def on_a_thread(qtbot, call: Callable[[], Any]) -> Any:
    """`call()` on a thread of its own, this thread's event loop running meanwhile."""
    result: list[Any] = []
    thread = threading.Thread(target=lambda: result.append(call()), daemon=True)
    thread.start()
    qtbot.waitUntil(lambda: not thread.is_alive(), timeout=10000)
    assert result, "the call raised"
    return result[0]


def test_a_second_start_opens_its_batch_in_the_running_window(
    qtbot, window, server, batch, monkeypatch
):
    raised = window.raised
    window.activateWindow = lambda: raised.append("activate")  # type: ignore[method-assign]
    assert window.session is None

    # A path relative to the second start's folder is the file it meant.
    monkeypatch.chdir(batch.parent)
    answer = on_a_thread(qtbot, lambda: hand_over(Path(batch.name)))
    assert answer == "opened"
    assert raised == ["raise", "activate"]
    qtbot.waitUntil(lambda: window.session is not None)
    assert window.session.batch.path == batch.resolve()

    # The same batch again only brings the window forward; no argument, the same.
    assert on_a_thread(qtbot, lambda: hand_over(batch)) == "opened"
    assert on_a_thread(qtbot, lambda: hand_over(None)) == "shown"
    assert len(raised) == 6
    assert window.session.batch.path == batch.resolve()


def test_a_minimized_window_comes_back(qtbot, window, server):
    window.showMinimized()
    assert on_a_thread(qtbot, lambda: hand_over(None)) == "shown"
    assert not window.isMinimized()
    assert window.isVisible()


def test_the_command_line_hands_over_and_exits_0(qtbot, window, server, batch, capsys, monkeypatch):
    monkeypatch.setattr(
        "icg_desk.ui.app.run", lambda *a: pytest.fail("a second window was started")
    )
    code = on_a_thread(qtbot, lambda: cli.main(["open", str(batch)]))
    assert code == 0
    assert "Opened in the ICG Desk already running" in capsys.readouterr().out
    qtbot.waitUntil(lambda: window.session is not None)
    assert window.session.batch.path == batch.resolve()


def test_with_none_running_the_command_line_starts_its_own_window(tmp_path, batch, monkeypatch):
    started: list[Path | None] = []
    monkeypatch.setattr("icg_desk.ui.app.run", lambda b=None: started.append(b) or 0)
    assert hand_over(batch, timeout=0.5) is None
    assert cli.main(["open", str(batch)]) == 0
    assert started == [batch]


def test_a_second_window_does_not_take_the_first_ones_place(qtbot, window, server, tmp_path):
    other = MainWindow(
        QSettings(str(tmp_path / "other.ini"), QSettings.Format.IniFormat), runner=SyncTaskRunner
    )
    qtbot.addWidget(other)
    assert serve(other) is None
    assert on_a_thread(qtbot, lambda: hand_over(None)) == "shown"


@unix_only
def test_a_socket_left_by_a_dead_icg_desk_is_cleaned_up(qtbot, window):
    name = server_name()
    # What a killed ICG Desk leaves: the socket file, and nobody listening on it.
    dead = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    dead.bind(name)
    dead.close()
    assert Path(name).exists()

    assert hand_over(None, timeout=0.5) is None  # at once, not after the timeout
    server = serve(window)
    assert server is not None
    try:
        assert on_a_thread(qtbot, lambda: hand_over(None)) == "shown"
    finally:
        server.close()


def test_a_garbled_request_is_dropped_and_the_server_goes_on(qtbot, window, server):
    def garbled() -> bytes:
        from PySide6.QtNetwork import QLocalSocket

        s = QLocalSocket()
        s.connectToServer(server.name)
        assert s.waitForConnected(1000)
        s.write(b"not json\n")
        s.waitForBytesWritten(1000)
        for _ in range(50):
            s.waitForReadyRead(20)
        reply = bytes(s.readAll().data())
        s.abort()
        return reply

    assert on_a_thread(qtbot, garbled) == b""
    assert on_a_thread(qtbot, lambda: hand_over(None)) == "shown"


def test_the_address_is_per_data_folder_and_fits_a_unix_socket(tmp_path, monkeypatch):
    assert server_name(tmp_path / "a") != server_name(tmp_path / "b")
    deep = tmp_path.joinpath(*["a-long-folder-name"] * 8)
    name = server_name(deep)
    if sys.platform != "win32":
        assert len(name.encode()) <= single_instance._MAX_SOCKET_PATH
        assert name == server_name(deep)
