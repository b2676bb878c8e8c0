"""One scorer's window per person: a second `icg-desk open` hands its batch to the one running.

The running ICG Desk listens on a local socket (`QLocalServer`: a Unix domain socket in the data
folder, a named pipe on Windows), one per user and data folder. `hand_over(path)`, called by the
command line before it starts a window, asks it to come forward and open the batch there; with no
ICG Desk running (or a socket left by one that died) it returns None at once, and the command
line starts the window itself.

The conversation is one line each way, UTF-8 JSON: `{"open": "/abs/path.icgbatch"}` (or
`{"open": null}` to come forward only), answered `{"answer": "opened"}` or `{"answer": "shown"}`.
The answer goes back before the batch opens: opening may ask the person something (a damaged
file, a batch open elsewhere), and the second process must not wait for that.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer
from PySide6.QtNetwork import QLocalServer, QLocalSocket
from PySide6.QtWidgets import QApplication

from icg_desk.paths import data_dir

if TYPE_CHECKING:
    from icg_desk.ui.main_window import MainWindow

log = logging.getLogger("icg_desk")

#: How long a second start waits for the running ICG Desk before starting a window of its own.
HAND_OVER_TIMEOUT_S = 2.0
# Once connected, an ICG Desk is running: its answer is worth waiting for, even from a busy
# machine (starting a second window instead would only meet the first one's lock).
ANSWER_TIMEOUT_S = 15.0
_MAX_LINE = 64 * 1024
# A Unix socket's path must fit in sockaddr_un (108 bytes on Linux, 104 on macOS).
_MAX_SOCKET_PATH = 100


def server_name(folder: Path | None = None) -> str:
    """Where this user's running ICG Desk listens: its data folder's socket, or a pipe name.

    Per data folder, so a test's private folder (ICG_DESK_DATA) never reaches a real ICG Desk.
    """
    folder = folder if folder is not None else data_dir()
    digest = hashlib.sha256(os.fsencode(folder.resolve())).hexdigest()[:16]
    if sys.platform == "win32":
        user = os.environ.get("USERNAME", "user")
        return f"icg-desk-{user}-{digest}"  # \\.\pipe\<name>; only this user may connect
    path = folder / "instance.socket"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        if len(os.fsencode(path)) <= _MAX_SOCKET_PATH:
            return str(path)
    except OSError:
        pass  # a read-only home: the temporary folder, named for the user and the folder
    return str(Path(tempfile.gettempdir()) / f"icg-desk-{os.getuid()}-{digest}.socket")


# --- the running ICG Desk ------------------------------------------------------------------------


class InstanceServer(QObject):
    """Listens for a second start, and brings `window` forward with the batch it was handed."""

    def __init__(self, window: MainWindow, name: str | None = None) -> None:
        super().__init__(window)
        self.window = window
        self.name = name if name is not None else server_name()
        self.server = QLocalServer(self)
        self.server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        self.server.newConnection.connect(self._accept)

    def listen(self) -> bool:
        """Start listening; False (and the window goes on alone) when another ICG Desk does.

        A socket file left by an ICG Desk that died answers nobody: it is removed, then used.
        """
        # Asked first: on Unix, Qt makes a user-only socket beside the name and renames it over
        # the name, so listening would quietly take a live ICG Desk's place.
        if _answers(self.name):
            log.info("another ICG Desk listens on %s; this one does not", self.name)
            return False
        if self.server.listen(self.name):
            return True
        QLocalServer.removeServer(self.name)
        if self.server.listen(self.name):
            return True
        log.warning("cannot listen on %s: %s", self.name, self.server.errorString())
        return False

    def close(self) -> None:
        self.server.close()

    def _accept(self) -> None:
        while (socket := self.server.nextPendingConnection()) is not None:
            socket.readyRead.connect(lambda s=socket: self._read(s))
            socket.disconnected.connect(socket.deleteLater)

    def _read(self, socket: QLocalSocket) -> None:
        if not socket.canReadLine():
            if socket.bytesAvailable() > _MAX_LINE:
                socket.abort()
            return
        line = bytes(socket.readLine(_MAX_LINE).data())
        try:
            request = json.loads(line)
            path = request["open"] if isinstance(request, dict) else None
            if path is not None and not isinstance(path, str):
                raise TypeError(path)
        except (ValueError, KeyError, TypeError):
            socket.abort()
            return
        answer = self.handle(None if path is None else Path(path))
        socket.write(json.dumps({"answer": answer}).encode() + b"\n")
        socket.flush()
        socket.disconnectFromServer()

    def handle(self, batch: Path | None) -> str:
        """Come forward; open `batch` once this call has returned (and any step has ended)."""
        window = self.window
        if window.isMinimized():
            window.showNormal()
        else:
            window.show()
        window.raise_()
        window.activateWindow()
        # Where the desktop refuses to hand focus to another program, the taskbar says it.
        QApplication.alert(window)
        if batch is None:
            return "shown"
        log.info("a second start hands over %s", batch)
        QTimer.singleShot(0, lambda: self._open(batch))
        return "opened"

    def _open(self, batch: Path) -> None:
        window = self.window

        def open_it() -> None:
            window.open_batch(batch)  # a problem is the window's own dialog

        if window.tasks.busy:
            window.say_busy()
        window.tasks.when_idle(open_it)


def serve(window: MainWindow) -> InstanceServer | None:
    """Listen for second starts on `window`; None when another ICG Desk already does."""
    server = InstanceServer(window)
    if server.listen():
        return server
    server.deleteLater()
    return None


# --- a second start ------------------------------------------------------------------------------


def _answers(name: str) -> bool:
    socket = QLocalSocket()
    socket.connectToServer(name)
    connected = socket.waitForConnected(300)
    socket.abort()
    return connected


def hand_over(
    batch: Path | None, *, name: str | None = None, timeout: float = HAND_OVER_TIMEOUT_S
) -> str | None:
    """Ask the ICG Desk running for this user to come forward and open `batch` (None: only
    come forward). Its answer ("opened", "shown"), or None when none answers."""
    request = {"open": None if batch is None else str(Path(batch).resolve())}
    socket = QLocalSocket()
    socket.connectToServer(name if name is not None else server_name())
    if not socket.waitForConnected(int(timeout * 1000)):
        return None  # none running, or a socket left by one that died
    _allow_foreground()
    socket.write(json.dumps(request).encode() + b"\n")
    deadline = time.monotonic() + max(timeout, ANSWER_TIMEOUT_S)
    # Short waits: PySide6 holds Python's lock inside waitFor..., and the running ICG Desk may be
    # in this very process (the tests) and need that lock to answer.
    while not socket.canReadLine() and time.monotonic() < deadline:
        if socket.state() is not QLocalSocket.LocalSocketState.ConnectedState:
            break
        socket.waitForBytesWritten(20)
        socket.waitForReadyRead(20)
    line = bytes(socket.readLine(_MAX_LINE).data()) if socket.canReadLine() else b""
    socket.abort()
    try:
        answer = json.loads(line)["answer"]
    except (ValueError, KeyError, TypeError):
        return None
    return answer if isinstance(answer, str) else None


def _allow_foreground() -> None:
    """On Windows only the program in front may bring another forward: this start lets it."""
    if sys.platform == "win32":
        import ctypes

        asfw_any = -1
        ctypes.windll.user32.AllowSetForegroundWindow(asfw_any)
