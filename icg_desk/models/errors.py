"""The one kind of error a person can act on, shared by every layer above `scoring`.

A `UserError` is a problem with what the person gave or asked (a file, a row, an argument, a
cohort whose results are locked): its `str()` is the whole message, naming the file, row or
argument, and the faces show it as it is (a dialog, or stderr and exit code 2). Anything else that
escapes is a programming error and keeps its traceback.
"""

from __future__ import annotations


class UserError(Exception):
    """A problem the person can act on; the message names the file, row or argument and why."""
