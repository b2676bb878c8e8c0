"""The two kinds of error, as the faces tell them apart: the person's, and the program's.

A `UserError` (or one of the few user errors defined where `UserError` cannot be imported) is shown
as its message: a dialog in the windows, stderr and exit code 2 on the command line. Anything else
is a programming error and keeps its traceback.
"""

from __future__ import annotations

from icg_desk.models.errors import UserError
from icg_desk.scoring import ScoreError

__all__ = ["FileBusy", "UserError", "user_message"]


class FileBusy(UserError):
    """The file is open in another window or command; the message names who holds it."""


# The scoring rules import nothing of ours, so their one user error cannot derive from UserError.
_ALSO_USER_ERRORS: tuple[type[Exception], ...] = (ScoreError,)


def user_message(exc: BaseException) -> str | None:
    """The message to show the person, or None when `exc` is a programming error."""
    if isinstance(exc, (UserError, *_ALSO_USER_ERRORS)):
        return str(exc)
    if isinstance(exc, OSError):  # the disk, the folder or the file: not the program's fault
        return _os_message(exc)
    return None


def _os_message(exc: OSError) -> str:
    where = exc.filename if exc.filename is not None else ""
    why = exc.strerror or str(exc)
    return f"{where}: {why}" if where else why
