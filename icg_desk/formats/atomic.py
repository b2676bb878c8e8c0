"""Writing a file whole or not at all: the one helper every writer of a finished file uses.

The content goes to a temporary file beside the target (same folder, so the final rename stays on
one file system and is atomic), created exclusively under a random name so two writers never share
it; it is flushed to disk and only then renamed over the target. A failure or a cancel removes the
temporary file and leaves any earlier file under the target's name as it was.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn


class Staged:
    """The temporary file a block writes; `keep` says whether it replaces the target at the end."""

    def __init__(self, path: Path, keep: bool) -> None:
        self.path = path
        self.keep = keep


def raise_naming(exc: OSError, target: Path) -> NoReturn:
    """The same error about the file the person asked for, not our temporary name for it."""
    if exc.errno is None:
        raise exc
    # OSError picks the subclass from the number: PermissionError for EACCES, and so on.
    raise OSError(exc.errno, exc.strerror, str(target)) from exc


def _create_exclusive(target: Path) -> Path:
    for _ in range(100):
        temp = target.with_name(f".{target.name}.{secrets.token_hex(6)}.tmp")
        try:
            # 0o666 less the umask: the usual permissions of a file to share, not mkstemp's 0600.
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            continue
        except OSError as exc:
            raise_naming(exc, target)
        os.close(fd)
        return temp
    raise FileExistsError(f"{target}: no free temporary name beside it")  # pragma: no cover


def _flush_to_disk(path: Path) -> None:
    # Before the rename: otherwise a crash soon after can leave the new name on empty content.
    fd = os.open(path, os.O_RDWR | getattr(os, "O_BINARY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _flush_folder(folder: Path) -> None:
    if os.name != "posix":
        return  # Windows has no directory handles to flush; the rename is durable enough there
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems refuse; the file itself is already on disk
    finally:
        os.close(fd)


@contextmanager
def atomic_write(target: Path, *, keep: bool = True) -> Iterator[Staged]:
    """Yield a `Staged` temporary file beside `target`; replace `target` with it at the end.

    The block writes `staged.path` (by name: openpyxl and ReportLab open it themselves). When the
    block raises, or sets `staged.keep = False` (or never sets it, with `keep=False`), the
    temporary file is removed and `target` is untouched. An OSError names `target`.
    """
    target = Path(target)
    staged = Staged(_create_exclusive(target), keep)
    try:
        yield staged
        if staged.keep:
            try:
                _flush_to_disk(staged.path)
                os.replace(staged.path, target)
            except OSError as exc:
                raise_naming(exc, target)
            _flush_folder(target.parent)
    finally:
        staged.path.unlink(missing_ok=True)  # gone already when it replaced the target
