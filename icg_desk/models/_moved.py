"""TEMPORARY (issue 12): the four steps models/demo_cohort.py still calls by their old names.

They read or write files through `icg_desk.formats`, so they moved up to `icg_desk.operations`
(roster_import, sending, merge). models/demo_cohort.py is moving to `icg_desk/demo/` in a branch of
its own; until it imports the new names, these forward to them. This module is the one place in
`models` that reaches above it, and the import-linter contract ignores only it. Delete it, and
the four names re-exported from models.roster, models.assignment and models.merge, when the demo
moves.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from icg_desk.models.cohort_file import CohortFile


def import_roster(cohort: CohortFile, roster: Path, documents: Path, **options: Any) -> Any:
    from icg_desk.operations import roster_import

    return roster_import.import_roster(cohort, roster, documents, **options)


def import_scorers(cohort: CohortFile, sheet: Path) -> Any:
    from icg_desk.operations import roster_import

    return roster_import.import_scorers(cohort, sheet)


def export_batches(cohort: CohortFile, outdir: Path, **options: Any) -> Any:
    from icg_desk.operations import sending

    return sending.export_batches(cohort, outdir, **options)


def merge_files(
    cohort: CohortFile,
    files: Sequence[Path],
    *,
    progress: Callable[[int, int], bool] | None = None,
) -> Any:
    from icg_desk.operations import merge

    return merge.merge_files(cohort, files, progress=progress)
