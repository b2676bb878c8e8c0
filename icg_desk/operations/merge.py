"""Merging scorers' returned files into an open cohort, one file at a time: read, check, apply.

Each file is read whole (`formats.returned`), hashed from the very bytes judged, and then
checked against the cohort and applied in one transaction, or logged as rejected
(`models.merge.merge_returned`). Returned files are never written.

Every file is judged alone: whatever goes wrong with one file, a bug included, rejects that file
with its reason in the merge log and the report, its transaction rolled back, and the merge goes
on with the next. Only the cohort itself failing (busy, read-only, the disk full) stops it, with
the files before committed whole: `MergeStopped` says how far it got.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path

from icg_desk.formats.returned import hash_returned, read_returned
from icg_desk.models.cohort_file import CohortFile
from icg_desk.models.errors import UserError
from icg_desk.models.merge import MergeOutcome, Rejected, merge_returned
from icg_desk.models.sqlite_file import DatabaseFileError
from icg_desk.scoring import Rubric

log = logging.getLogger(__name__)
_MESSAGE_MAX = 200  # characters of an unexpected error's message in the report


class MergeStopped(UserError):
    """The cohort itself could not be written (busy, read-only, the disk full): the merge
    stopped at a file. The files before it were merged whole; `outcomes` says what became of
    them."""

    def __init__(self, message: str, outcomes: list[MergeOutcome]) -> None:
        super().__init__(message)
        self.outcomes = outcomes


def merge_files(
    cohort: CohortFile,
    files: Sequence[Path],
    *,
    progress: Callable[[int, int], bool] | None = None,
) -> list[MergeOutcome]:
    """Merge each file on its own, in order; one outcome per file merged.

    `progress(done, total)` is called before each file and at the end; when it returns False
    the merge stops there and the outcomes so far are returned (each file merged is already
    committed whole, so stopping never leaves a file half-merged).
    """
    rubric = cohort.rubric
    outcomes: list[MergeOutcome] = []
    for done, file in enumerate(files):
        if progress is not None and not progress(done, len(files)):
            return outcomes
        try:
            outcomes.append(merge_file(cohort, rubric, Path(file)))
        except DatabaseFileError as exc:  # the cohort's own (merge_file lets only those out)
            raise MergeStopped(
                _stopped(str(exc), Path(file).name, done, len(files)), outcomes
            ) from exc
    if progress is not None:
        progress(len(outcomes), len(files))
    return outcomes


def _stopped(problem: str, name: str, done: int, total: int) -> str:
    before = {0: "nothing was merged", 1: "the file before it was merged whole"}.get(
        done, f"the {done} files before it were merged whole"
    )
    after = total - done - 1
    left = f"nothing of it or of the {after} after it" if after else "nothing of it"
    return f"{problem}. Merging stopped at {name}: {before}; {left} was merged"


def merge_file(cohort: CohortFile, rubric: Rubric, path: Path) -> MergeOutcome:
    """One file, judged alone: its outcome, whatever goes wrong with it.

    A problem of the file is its rejection; so is a bug met while it is merged ("unexpected
    error", the traceback logged), after its transaction was rolled back. Only a
    `DatabaseFileError` of the cohort itself is raised: no other file could be merged either.
    """
    sha256 = ""  # the hash of the bytes read, once they are: the log names the file judged
    try:
        try:
            # Read in chunks, and refused past its size limit before any is read.
            head, sha256 = hash_returned(path)
        except OSError as exc:
            return merge_returned(cohort, path, "", Rejected(f"cannot be read: {exc.strerror}"))
        except Rejected as exc:
            return merge_returned(cohort, path, "", exc)
        try:
            returned = read_returned(path, head, cohort.name, rubric)
        except Rejected as exc:
            return merge_returned(cohort, path, sha256, exc)
        return merge_returned(cohort, path, sha256, returned)
    except DatabaseFileError as exc:
        if exc.path == cohort.path:
            raise
        return merge_returned(cohort, path, sha256, Rejected(str(exc)))
    except UserError as exc:
        return merge_returned(cohort, path, sha256, Rejected(str(exc)))
    except Exception as exc:  # one file's bug must not stop the merge
        log.error("merging %s: unexpected error", path, exc_info=exc)
        name, message = type(exc).__name__, " ".join(str(exc).split())
        if len(message) > _MESSAGE_MAX:
            message = message[:_MESSAGE_MAX] + "..."
        reason = (
            f"unexpected error: {name}: {message}; nothing of this file was merged. This is a "
            "fault in ICG Desk: please report it (the details are in ICG Desk's log)"
        )
        return merge_returned(cohort, path, sha256, Rejected(reason))
