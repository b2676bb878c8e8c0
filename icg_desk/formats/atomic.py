"""Writing a file whole or not at all: the one helper every writer of a finished file uses.

The content goes to a temporary file beside the target (same folder, so the final rename stays on
one file system and is atomic), created exclusively (O_EXCL) under a random name, so two writers
never share it and nothing planted at a name can be written through: O_EXCL refuses a name that
exists, a symbolic link included, and the random part is drawn again. It is flushed to disk and
only then moved to the target's name:

- `atomic_write` replaces whatever is under that name. A symbolic link there is replaced by the
  file itself (a rename replaces the link, never what it points to), so a link planted at the
  final name, dangling or not, is never written through.
- `atomic_create` never replaces anything: the file is linked into place (`os.link`, which
  refuses any existing name, a dangling link included) and FileExistsError names the target.

Before the move, the temporary name must still be the very file created (same device and inode,
a regular file): a writer that opened it by name (openpyxl, ReportLab, SQLite) wrote into it, and
it is not swapped for another file on the way to the target's name.

A failure or a cancel removes the temporary file and leaves any earlier file under the target's
name as it was. A process killed mid-write leaves its temporary file behind: the next write into
the same folder (once per folder and process) removes temporary files of ICG Desk's own naming,
owned by this user, regular files only, untouched for `STALE_AFTER_SECONDS`, and nothing else.
"""

from __future__ import annotations

import os
import re
import secrets
import stat
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn

from icg_desk.models.errors import UserError

# A temporary file is alive while its writer writes; the longest is the combined PDF of a whole
# cohort's reports (minutes for 10,000 on two cores), created when the run starts. An hour is
# far past any run, so a file that old is a leftover of a process that was killed.
STALE_AFTER_SECONDS = 60 * 60

# ".<target name>.<12 hex>.tmp", ours now; the same with 8 hex digits or ".part" (earlier
# versions), and SQLite's own files beside a batch written under such a name.
_TEMPORARY = re.compile(
    r"^\.(?P<name>.+)\.(?:[0-9a-f]{12}\.(?:tmp|part)|[0-9a-f]{8}\.tmp)(?:-journal|-wal|-shm)?$"
)
# The fixed name an early version used: ".<name>.tmp", only for the kinds of file it wrote.
_FIXED_TEMPORARY = re.compile(r"^\.(?P<name>.+\.(?:xlsx|pdf|icgbatch|icgcohort))\.tmp$")

_cleaned: set[str] = set()  # the folders cleaned by this process
_cleaned_lock = threading.Lock()


class Staged:
    """The temporary file a block writes; `keep` says whether it replaces the target at the end."""

    def __init__(self, path: Path, keep: bool) -> None:
        self.path = path
        self.keep = keep


class TemporaryReplaced(UserError):
    """The temporary file was replaced by something else while it was written: nothing saved."""


def raise_naming(exc: OSError, target: Path) -> NoReturn:
    """The same error about the file the person asked for, not our temporary name for it."""
    if exc.errno is None:
        raise exc
    # OSError picks the subclass from the number: PermissionError for EACCES, and so on.
    raise OSError(exc.errno, exc.strerror, str(target)) from exc


def temporary_name(target: Path) -> Path:
    """A fresh random temporary name beside `target`, in ICG Desk's own pattern."""
    return target.with_name(f".{target.name}.{secrets.token_hex(6)}.tmp")


def is_temporary_name(name: str) -> bool:
    """Whether `name` is in the pattern of ICG Desk's temporary files (now or earlier)."""
    return bool(_TEMPORARY.match(name) or _FIXED_TEMPORARY.match(name))


def _create_exclusive(target: Path) -> tuple[Path, tuple[int, int]]:
    """A new empty file beside `target` and its (device, inode)."""
    for _ in range(100):
        temp = temporary_name(target)
        try:
            # 0o666 less the umask: the usual permissions of a file to share, not mkstemp's 0600.
            # O_EXCL with O_CREAT never follows a symbolic link: one at the name is "exists".
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
            fd = os.open(temp, flags, 0o666)
        except FileExistsError:
            continue
        except OSError as exc:
            raise_naming(exc, target)
        try:
            st = os.fstat(fd)
        finally:
            os.close(fd)
        return temp, (st.st_dev, st.st_ino)
    raise FileExistsError(f"{target}: no free temporary name beside it")  # pragma: no cover


def _check_still_ours(staged: Path, identity: tuple[int, int], target: Path) -> None:
    try:
        st = os.lstat(staged)
    except OSError as exc:
        raise_naming(exc, target)
    if not stat.S_ISREG(st.st_mode) or (st.st_dev, st.st_ino) != identity:
        raise TemporaryReplaced(
            f"{target}: not saved: its temporary file {staged.name} was replaced by another "
            "file while it was being written; save it again, in a folder only you can write to"
        )


def _flush_to_disk(path: Path) -> None:
    # Before the rename: otherwise a crash soon after can leave the new name on empty content.
    fd = os.open(path, os.O_RDWR | getattr(os, "O_BINARY", 0) | getattr(os, "O_NOFOLLOW", 0))
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


def _move_without_replacing(staged: Path, target: Path) -> None:
    """Give the staged file the target's name only if nothing has that name (FileExistsError)."""
    try:
        os.link(staged, target)
    except FileExistsError:
        raise
    except OSError:
        # No hard links here (FAT, some network shares): a rename, after a look. Windows'
        # rename itself refuses an existing name; elsewhere the gap is this one line.
        if os.path.lexists(target):
            raise FileExistsError(17, os.strerror(17), str(target)) from None
        os.rename(staged, target)
    else:
        staged.unlink()


@contextmanager
def _staged(target: Path, keep: bool, *, replace: bool) -> Iterator[Staged]:
    target = Path(target)
    clean_folder_once(target.parent)
    path, identity = _create_exclusive(target)
    staged = Staged(path, keep)
    try:
        yield staged
        if staged.keep:
            _check_still_ours(staged.path, identity, target)
            try:
                _flush_to_disk(staged.path)
                if replace:
                    os.replace(staged.path, target)
                else:
                    _move_without_replacing(staged.path, target)
            except OSError as exc:
                raise_naming(exc, target)
            _flush_folder(target.parent)
    finally:
        # Gone already when it became the target; never a file someone put in its place.
        try:
            if stat.S_ISREG(os.lstat(staged.path).st_mode):
                os.unlink(staged.path)
        except OSError:
            pass
        for suffix in ("-journal", "-wal", "-shm"):  # SQLite's, when a database was staged
            Path(f"{staged.path}{suffix}").unlink(missing_ok=True)


@contextmanager
def atomic_write(target: Path, *, keep: bool = True) -> Iterator[Staged]:
    """Yield a `Staged` temporary file beside `target`; replace `target` with it at the end.

    The block writes `staged.path` (by name: openpyxl and ReportLab open it themselves). When the
    block raises, or sets `staged.keep = False` (or never sets it, with `keep=False`), the
    temporary file is removed and `target` is untouched. An OSError names `target`. A symbolic
    link at `target` is replaced by the file, never written through.
    """
    with _staged(target, keep, replace=True) as staged:
        yield staged


@contextmanager
def atomic_create(target: Path) -> Iterator[Staged]:
    """Like `atomic_write`, but `target` must not exist when the block ends: FileExistsError
    (naming it) if anything has its name then, a symbolic link (even a dangling one) included;
    nothing is ever replaced or written through."""
    with _staged(target, True, replace=False) as staged:
        yield staged


# --- leftovers of killed writers -----------------------------------------------------------------


def clean_stale_temporaries(folder: Path, *, now: float | None = None) -> list[Path]:
    """Remove ICG Desk's temporary files left in `folder` by a killed process; the ones removed.

    Only names in ICG Desk's own patterns, only regular files (a link or folder by such a name is
    not ours), only this user's (on POSIX), only untouched for STALE_AFTER_SECONDS. Best effort:
    what cannot be listed or removed is left as it is.
    """
    moment = time.time() if now is None else now
    uid = os.getuid() if hasattr(os, "getuid") else None
    removed: list[Path] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        if not is_temporary_name(entry.name):
            continue
        try:
            st = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        if not stat.S_ISREG(st.st_mode) or (uid is not None and st.st_uid != uid):
            continue
        if moment - st.st_mtime < STALE_AFTER_SECONDS:
            continue  # perhaps another window's export, still writing
        try:
            os.unlink(entry.path)
        except OSError:
            continue
        removed.append(Path(entry.path))
    return removed


def clean_folder_once(folder: Path) -> None:
    """`clean_stale_temporaries` the first time this process writes into `folder`."""
    try:
        key = os.path.realpath(folder)
    except (OSError, ValueError):
        return
    with _cleaned_lock:
        if key in _cleaned:
            return
        _cleaned.add(key)
    clean_stale_temporaries(folder)
