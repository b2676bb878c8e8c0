"""What every `icg-desk` command shares: the usage error, the exit code, the progress bar.

Its own module so that cli.py (the parser and `main`) and cli_cohort.py (the coordinator's
commands) both import it and neither imports the other's internals: no import cycle.
"""

from __future__ import annotations

import argparse
import sys
from typing import NoReturn, TextIO

from icg_desk.models.errors import UserError

EXIT_USAGE = 2


class UsageError(UserError):
    """Input the person can fix; printed without a traceback, exit code 2."""


def fail(prog: str, message: str) -> NoReturn:
    print(f"{prog}: error: {message}", file=sys.stderr)
    raise SystemExit(EXIT_USAGE)


class ProgressBar:
    """A progress bar on stderr when it is a terminal; one closing line otherwise.

    `then` says what is left once every step is done (e.g. "putting them in one file"), for
    work that goes on after the last step it counts.
    """

    def __init__(self, label: str, stream: TextIO | None = None, *, then: str = "") -> None:
        self.label = label
        self.stream = stream or sys.stderr
        self.live = self.stream.isatty()
        self.total = 0
        self.then = then

    def __call__(self, done: int, total: int) -> bool:
        self.total = total
        if self.live:
            width = 30
            filled = width * done // max(total, 1)
            bar = "#" * filled + "." * (width - filled)
            after = f", {self.then}…" if self.then and total and done >= total else ""
            self.stream.write(f"\r{self.label} [{bar}] {done:,}/{total:,}{after}")
            self.stream.flush()
        return True

    def close(self) -> None:
        """End the bar's line (once: a second call does nothing)."""
        if self.live:
            self.stream.write("\n")
            self.stream.flush()
            self.live = False


def seconds(text: str) -> float:
    """An argparse type: a number of seconds, 0 or more."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not 0 <= value <= 24 * 3600:
        raise argparse.ArgumentTypeError(f"{value:g} is out of range (0 to 86400 seconds)")
    return value
