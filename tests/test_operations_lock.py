"""The cross-process lock on batch and cohort files: refused while held, named, never stale."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from icg_desk.operations.errors import FileBusy, UserError, user_message
from icg_desk.operations.file_lock import (
    COORDINATOR_WINDOW,
    FileLock,
    lock_file,
    lock_path,
    read_holder,
)

pytestmark = pytest.mark.skipif(os.name != "posix", reason="holds the lock from a POSIX child")

# A child that holds the lock as the Coordinator window would, says so, and waits to be told.
HOLDER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from icg_desk.operations.file_lock import lock_file
    lock = lock_file(Path(sys.argv[1]), sys.argv[2])
    print("held", flush=True)
    sys.stdin.readline()  # until the test closes our stdin (or kills us)
    lock.release()
    """
)


def hold(path: Path, program: str = COORDINATOR_WINDOW) -> subprocess.Popen[str]:
    """A child process holding `path`'s lock; the test ends it."""
    child = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(path), program],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[1],  # this checkout's icg_desk first
    )
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "held"
    return child


def test_a_lock_held_by_another_process_is_refused_naming_the_holder(tmp_path: Path) -> None:
    path = tmp_path / "summer.icgcohort"
    path.write_bytes(b"cohort")
    child = hold(path)
    try:
        with pytest.raises(FileBusy) as refused:
            lock_file(path, "icg-desk cohort merge")
        message = str(refused.value)
        assert message.startswith(f"{path}: is open in the Coordinator window (process ")
        assert f"process {child.pid} on this computer since " in message
        assert message.endswith("Close it there first, then try again.")
        assert isinstance(refused.value, UserError)
        assert user_message(refused.value) == message
        holder = read_holder(path)
        assert holder is not None
        assert holder.pid == child.pid
    finally:
        child.communicate("")  # the child releases and ends
    with lock_file(path, "icg-desk cohort merge") as lock:  # free again
        assert lock.held
    assert path.read_bytes() == b"cohort"  # the file locked is never touched


def test_the_lock_dies_with_its_process(tmp_path: Path) -> None:
    path = tmp_path / "c.icgcohort"
    child = hold(path)
    os.kill(child.pid, signal.SIGKILL)  # no release, no clean-up: the system drops the lock
    child.communicate()  # reaps it and closes our ends of its pipes
    lock = lock_file(path, COORDINATOR_WINDOW)
    try:
        holder = read_holder(path)
        assert holder is not None
        assert holder.pid == os.getpid()
    finally:
        lock.release()


def test_a_second_lock_in_the_same_process_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "b.icgbatch"
    first = lock_file(path, "the scorer's window")
    try:
        with pytest.raises(FileBusy, match=r"is open in the scorer's window \(process "):
            lock_file(path, "icg-desk batch summary")
        # ... from another thread of this process too
        seen: list[BaseException] = []

        def other() -> None:
            try:
                lock_file(path, "a worker")
            except FileBusy as exc:
                seen.append(exc)

        thread = threading.Thread(target=other)
        thread.start()
        thread.join()
        assert len(seen) == 1
    finally:
        first.release()
    assert not first.held
    lock_file(path, "again").release()
    assert not lock_path(path).exists()  # nothing left beside the file
    assert read_holder(path) is None


def test_wait_gets_the_lock_once_the_holder_lets_go(tmp_path: Path) -> None:
    path = tmp_path / "c.icgcohort"
    first = lock_file(path, COORDINATOR_WINDOW)
    threading.Timer(0.3, first.release).start()
    started = time.monotonic()
    with FileLock(path, "icg-desk cohort merge").acquire(wait=5) as second:
        assert second.held
        assert time.monotonic() - started >= 0.2


def test_wait_gives_up_after_its_time(tmp_path: Path) -> None:
    path = tmp_path / "c.icgcohort"
    with lock_file(path, COORDINATOR_WINDOW):
        started = time.monotonic()
        with pytest.raises(FileBusy):
            lock_file(path, "icg-desk cohort merge", wait=0.3)
        assert time.monotonic() - started >= 0.3


def test_programming_errors_have_no_user_message() -> None:
    assert user_message(KeyError("x")) is None
    assert user_message(FileBusy("c: is open")) == "c: is open"
