"""The one error path for the environment: the disk, the folder, the file, another program.

`environment_error` turns what the operating system or SQLite reports (a read-only file or
folder, permission denied, a file busy or locked in another program, the disk full, a path
through a file, an I/O error) into a `UserError` whose message names the file and says what the
person can do. Every face shows it as it shows any `UserError`: a dialog in the windows, stderr
and exit code 2 on the command line. Anything else is a bug and keeps its traceback.

Classified by number (`errno`, SQLite's primary error code), never by the wording of a message,
which the system and its language change. `sqlite_file.sqlite_user_error` is the SQLite half.
"""

from __future__ import annotations

import errno
import os
import sqlite3
from pathlib import Path

from sqlalchemy.exc import DBAPIError

from icg_desk.models.errors import UserError
from icg_desk.models.sqlite_file import sqlite_user_error

# Windows' own numbers for a file another program has open (ERROR_SHARING_VIOLATION,
# ERROR_LOCK_VIOLATION): Python reports them as PermissionError with EACCES.
_WINDOWS_BUSY = frozenset((32, 33))


class EnvironmentProblem(UserError):
    """The disk, the folder or another program stopped a step; the message names the file."""

    def __init__(self, path: str | None, problem: str) -> None:
        super().__init__(f"{path}: {problem}" if path else problem)
        self.path, self.problem = path, problem


def _os_problem(exc: OSError, writing: bool) -> str:
    number, windows = exc.errno, getattr(exc, "winerror", None)
    if windows in _WINDOWS_BUSY or number in (errno.EBUSY, errno.ETXTBSY):
        return "is busy: another program has it open; close it there and try again"
    # ICG Desk's own words for it ("the folder ... does not exist"): not the system's text for
    # the number (Windows words its own errors, and says which by `winerror`).
    if windows is None and number is not None and exc.strerror not in (None, os.strerror(number)):
        return exc.strerror
    if number in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        return "cannot be saved: the disk is full (or your share of it is used up)"
    if number == errno.EROFS:
        return "cannot be saved: it is on a read-only disk or share"
    if number in (errno.EACCES, errno.EPERM):
        if writing:
            return (
                "cannot be saved: permission denied (the file or its folder is read-only, or not "
                "yours to change)"
            )
        return "cannot be read: permission denied"
    if number == errno.ENOTDIR:
        return "a part of this path is a file, not a folder"
    if number == errno.EISDIR:
        return "is a folder, not a file"
    if number == errno.ENOENT:
        return "no such file or folder"
    if number == errno.EEXIST:
        return "already exists"
    if number == errno.ENAMETOOLONG:
        return "the name is too long"
    if number == errno.EIO:
        return "cannot be read or written: the disk or network drive reported an error"
    return exc.strerror or str(exc) or type(exc).__name__


def environment_error(
    exc: BaseException, path: Path | str | None = None, *, writing: bool = True
) -> UserError | None:
    """The person's error for `exc`, naming the file; None when `exc` is a bug.

    `path` is the file the step was working on, when the error does not say (SQLite's never
    does; an OSError names the file it was about, and that name wins, except the hidden
    temporary name of a file being written, which `formats.atomic` already replaces).
    `writing` is False for a step that only reads: a file that may not be opened is then one
    that cannot be read, not one that cannot be saved.
    """
    if isinstance(exc, UserError):
        return exc
    if isinstance(exc, OSError):
        named = exc.filename2 if exc.filename2 is not None else exc.filename
        where = str(named) if named is not None else (str(path) if path is not None else None)
        return EnvironmentProblem(where, _os_problem(exc, writing))
    if isinstance(exc, sqlite3.Error | DBAPIError):
        if path is not None:
            return sqlite_user_error(Path(path), exc, writing=writing)
        # Without the file's name, the kind of failure still says what to do.
        anywhere = sqlite_user_error(Path("a batch or cohort file"), exc, writing=writing)
        return None if anywhere is None else EnvironmentProblem(None, str(anywhere))
    return None
