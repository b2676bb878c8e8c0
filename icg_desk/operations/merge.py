"""Merging scorers' returned files into an open cohort, one file at a time: read, check, apply.

Each file is read whole (`formats.returned`), hashed from the very bytes judged, and then
checked against the cohort and applied in one transaction, or logged as rejected
(`models.merge.merge_returned`). Returned files are never written.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from icg_desk.formats.returned import hash_returned, read_returned
from icg_desk.models.cohort_file import CohortFile
from icg_desk.models.merge import MergeOutcome, Rejected, merge_returned
from icg_desk.scoring import Rubric


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
        outcomes.append(merge_file(cohort, rubric, Path(file)))
    if progress is not None:
        progress(len(outcomes), len(files))
    return outcomes


def merge_file(cohort: CohortFile, rubric: Rubric, path: Path) -> MergeOutcome:
    try:
        # The hash of the bytes read now: the audit log names exactly the file that was judged.
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
