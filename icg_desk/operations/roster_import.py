"""Importing a roster (candidates and their entry documents) and a scorers sheet into a cohort.

Read whole (`formats.roster_table`, `formats.documents`), then checked row by row and written in
one transaction (`models.roster`): every problem names its file, row and column, and nothing is
written unless all is well (or the coordinator asks for the valid rows only). The roster and the
documents are only ever read.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from icg_desk.formats.documents import find_entry_documents
from icg_desk.formats.roster_table import (
    CANDIDATES_SHEET,
    SCORERS_SHEET,
    read_table,
)
from icg_desk.models.cohort_file import CohortFile
from icg_desk.models.input_limits import InputRefused
from icg_desk.models.roster import (
    SCORER_COLUMNS,
    EntryDocuments,
    ImportProblem,
    ImportRejected,
    ImportResult,
    RosterTable,
    add_candidates,
    add_scorers,
    refuse_import_when_released,
    required_columns,
)


def import_roster(
    cohort: CohortFile, roster: Path, documents: Path, *, valid_only: bool = False
) -> ImportResult:
    """Import candidates and their entries; ImportRejected (nothing written) on any problem.

    With `valid_only`, rows with problems are skipped and the rest imported; problems with the
    roster as a whole (unreadable, missing columns, no documents folder) still reject it.
    """
    refuse_import_when_released(cohort, roster)  # said first: nothing else matters once locked
    table, found = read_sheet_and_documents(
        roster, CANDIDATES_SHEET, required_columns(cohort.rubric), documents, "candidate"
    )
    return add_candidates(cohort, table, found, valid_only=valid_only)


def read_sheet_and_documents(
    sheet: Path, sheet_name: str, columns: Sequence[str], documents: Path, rows_of: str
) -> tuple[RosterTable, EntryDocuments]:
    """A roster-like sheet read whole, and its folder of entry documents found: ImportRejected
    (naming the file) when the sheet cannot be read, lacks columns or has no `rows_of` rows,
    or the folder is not one, cannot be read or is a link. The rows are not checked here."""
    table = read_table(sheet, sheet_name, columns)
    if not table.problems and not table.rows:
        table.problems.append(ImportProblem(sheet, None, None, f"has no {rows_of} rows"))
    if not documents.is_dir():
        table.problems.append(ImportProblem(documents, None, None, "is not a folder"))
    if table.problems:
        raise ImportRejected(table.problems)
    try:
        found = find_entry_documents(documents)
    except InputRefused as exc:  # a link to a folder: never followed
        raise ImportRejected([ImportProblem(documents, None, None, str(exc))]) from None
    except OSError as exc:
        message = f"cannot be read: {exc.strerror or exc}"
        raise ImportRejected([ImportProblem(documents, None, None, message)]) from None
    return table, found


def import_scorers(cohort: CohortFile, sheet: Path) -> ImportResult:
    """Import scorers from a .xlsx ("Scorers" sheet, else the first) or .csv; all or nothing."""
    refuse_import_when_released(cohort, sheet)
    table = read_table(sheet, SCORERS_SHEET, SCORER_COLUMNS)
    if not table.problems and not table.rows:
        table.problems.append(ImportProblem(sheet, None, None, "has no scorer rows"))
    if table.problems:
        raise ImportRejected(table.problems)
    return add_scorers(cohort, table)
