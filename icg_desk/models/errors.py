"""The one kind of error a person can act on, for every layer above the scoring rules."""

from __future__ import annotations


class UserError(Exception):
    """A problem the person can fix (a bad row, a locked or damaged file, a refused step).

    Its message is the whole story, naming the file, row or argument: the command line prints it
    and exits with code 2, the window shows it in a dialog. Anything else is a bug and keeps its
    traceback.
    """
