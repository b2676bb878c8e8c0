"""One program at a time on a batch or cohort file: a lock any process can see, without Qt.

The lock is an operating-system lock on `<file>.lock` beside the file: `flock` on POSIX,
`msvcrt.locking` on Windows. The system drops it when its holder's process ends, however it
ends, so there are no stale locks to clean up. Whoever holds it writes who they are into the lock
file (process, computer, program, since when), so a refusal can say where the file is open.

The lock is per open file, not per process: a second `FileLock` on the same file in the same
process is refused too, so a window and a worker job of the same program cannot both write.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import socket
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

from icg_desk.models.environment import environment_error
from icg_desk.models.errors import UserError
from icg_desk.operations.errors import FileBusy

# Imported here, not when locking: a lock let go by __del__ at interpreter exit can import nothing.
if sys.platform == "win32":  # pragma: no cover - Windows only
    import msvcrt
else:
    import fcntl

COORDINATOR_WINDOW = "the Coordinator window"
SCORER_WINDOW = "the scorer's window"
LOCK_SUFFIX = ".lock"
_POLL = 0.1  # seconds between attempts while waiting
# Windows locks a byte range; one far past the holder's details leaves them readable.
_WINDOWS_LOCK_OFFSET = 1 << 30
_MAX_INFO = 4096


class LockUnavailable(UserError):
    """The lock file cannot be made beside the batch or cohort; the message names the file."""


def lock_path(path: Path) -> Path:
    return path.with_name(path.name + LOCK_SUFFIX)


@dataclass(frozen=True)
class Holder:
    """Who holds a file's lock, as they wrote it."""

    pid: int
    host: str
    program: str
    since: datetime

    def describe(self) -> str:
        where = "this computer" if self.host == socket.gethostname() else f"computer {self.host}"
        local = self.since.astimezone()
        when = (
            f"{local:%H:%M}"
            if local.date() == datetime.now().astimezone().date()
            else f"{local:%Y-%m-%d %H:%M}"
        )
        return f"{self.program} (process {self.pid} on {where} since {when})"


def _os_lock(fd: int) -> bool:
    """Try once to lock `fd`; False when another open file holds the lock."""
    if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
        os.lseek(fd, _WINDOWS_LOCK_OFFSET, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _os_unlock(fd: int) -> None:
    if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
        os.lseek(fd, _WINDOWS_LOCK_OFFSET, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
        return
    fcntl.flock(fd, fcntl.LOCK_UN)


def read_holder(path: Path) -> Holder | None:
    """Who holds `path`'s lock, as written in its lock file; None when unknown or not held."""
    try:
        with lock_path(path).open("rb") as stream:
            data = json.loads(stream.read(_MAX_INFO).decode("utf-8"))
        return Holder(
            int(data["pid"]),
            str(data["host"]),
            str(data["program"]),
            datetime.fromisoformat(data["since"]),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None  # no file, or written at this very moment, or cleared at release


class FileLock:
    """The lock on one batch or cohort file, held by `program` (as a person would name it).

    `acquire` raises FileBusy naming the holder when another window or command has the file;
    `wait` seconds are spent trying again first. Use as a context manager, or acquire/release.
    """

    def __init__(self, path: Path, program: str) -> None:
        self.path = Path(path)
        self.program = program
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self, *, wait: float = 0.0) -> FileLock:
        if self._fd is not None:
            raise RuntimeError(f"{self.path}: this lock is held already")
        deadline = time.monotonic() + max(0.0, wait)
        while True:
            # Not truncated on opening: the holder's details stay readable until we hold it.
            try:
                fd = os.open(
                    lock_path(self.path),
                    os.O_RDWR | os.O_CREAT | getattr(os, "O_BINARY", 0),
                    0o666,
                )
            except OSError as exc:
                raise self._cannot_lock(exc) from exc
            try:
                locked = _os_lock(fd)
            except BaseException:
                os.close(fd)
                raise
            if locked and _still_there(fd, lock_path(self.path)):
                self._fd = fd
                self._write_holder(fd)
                return self
            os.close(fd)
            if locked:
                continue  # the holder removed the file as we opened it: take the new one
            if time.monotonic() >= deadline:
                raise FileBusy(self._busy_message())
            time.sleep(_POLL)

    def _write_holder(self, fd: int) -> None:
        info = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "program": self.program,
            "since": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, json.dumps(info).encode("utf-8"))

    def _cannot_lock(self, exc: OSError) -> UserError:
        """The lock file cannot be made beside the file (a read-only folder, a folder that
        does not exist, the disk full): said about the file the person named."""
        if exc.errno == errno.ENOENT:
            return LockUnavailable(f"{self.path}: no such file: its folder does not exist")
        problem = environment_error(exc, lock_path(self.path))
        return LockUnavailable(
            f"{self.path}: cannot be opened for changes: ICG Desk keeps a lock file beside it "
            f"while it is open, and {problem}"
        )

    def _busy_message(self) -> str:
        holder = read_holder(self.path)
        who = holder.describe() if holder is not None else "another window or command"
        return f"{self.path}: is open in {who}. Close it there first, then try again."

    def release(self) -> None:
        """Let go, and remove the lock file: nothing is left beside the batch or cohort.

        Removed while still held. A process that opened the old file meanwhile finds, once it
        has the lock, that the name no longer leads to it, and tries again (`_still_there`).
        Windows cannot remove an open file; there it stays, empty.
        """
        fd, self._fd = self._fd, None
        if fd is None:
            return
        try:
            os.ftruncate(fd, 0)  # no stale details for the next reader
            if sys.platform != "win32":
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(lock_path(self.path))
            _os_unlock(fd)
        finally:
            os.close(fd)

    def __enter__(self) -> FileLock:
        if not self.held:
            self.acquire()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()

    def __del__(self) -> None:  # a lock forgotten by its owner must not outlive it
        if getattr(self, "_fd", None) is not None:
            self.release()


def _still_there(fd: int, path: Path) -> bool:
    """Is the locked file still the one at `path` (not removed by a holder letting go)?"""
    if sys.platform == "win32":
        return True  # an open file cannot be removed there
    try:
        named = os.stat(path)
    except FileNotFoundError:
        return False
    held = os.fstat(fd)
    return (held.st_dev, held.st_ino) == (named.st_dev, named.st_ino)


def lock_file(path: Path, program: str, *, wait: float = 0.0) -> FileLock:
    """A held lock on `path` for `program`; FileBusy naming the holder when it is taken."""
    return FileLock(path, program).acquire(wait=wait)
