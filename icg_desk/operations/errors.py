"""The two kinds of error, as the faces tell them apart: the person's, and the program's.

A `UserError` (or one of the few user errors defined where `UserError` cannot be imported) is shown
as its message: a dialog in the windows, stderr and exit code 2 on the command line. So is an
environment error (read-only, busy, permission denied, disk full: an OSError, or SQLite saying
so), through the one helper `models.environment.environment_error`. Anything else is a
programming error and keeps its traceback.
"""

from __future__ import annotations

from icg_desk.models.environment import environment_error
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
    # The disk, the folder, the file or another program: not the program's fault.
    problem = environment_error(exc)
    return None if problem is None else str(problem)
