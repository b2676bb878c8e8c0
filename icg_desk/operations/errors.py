"""The two kinds of error, as the faces tell them apart: the person's, and the program's.

A `UserError` (or one of the few user errors defined where `UserError` cannot be imported) is shown
as its message: a dialog in the windows, stderr and exit code 2 on the command line. Anything else
is a programming error and keeps its traceback.
"""

from __future__ import annotations

from icg_desk.models.errors import UserError
from icg_desk.models.sqlite_file import DatabaseFileError
from icg_desk.scoring import ScoreError

__all__ = ["FileBusy", "UserError", "user_message"]


class FileBusy(UserError):
    """The file is open in another window or command; the message names who holds it."""


# User errors from modules that cannot derive from UserError: scoring imports nothing of ours,
# and models/sqlite_file.py (batch and cohort file errors) is owned elsewhere for now.
_ALSO_USER_ERRORS: tuple[type[Exception], ...] = (ScoreError, DatabaseFileError)


def user_message(exc: BaseException) -> str | None:
    """The message to show the person, or None when `exc` is a programming error."""
    if isinstance(exc, (UserError, *_ALSO_USER_ERRORS)):
        return str(exc)
    return None
