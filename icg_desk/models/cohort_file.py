"""The one owner of a cohort database's engine and sessions (like BatchFile for a batch).

A cohort lives in one SQLite file by default (`.icgcohort`). Opening checks the whole file
through a read-only connection first (header, integrity, tables, identity row, embedded rubric):
a file that is not a cohort, is newer or is damaged is refused and left exactly as it was. A
cohort of an older format is then migrated (the ladder is cohort_schema.COHORT_MIGRATIONS), and
only then opened for writing.
"""

from __future__ import annotations

import os
from datetime import datetime
from functools import cached_property
from pathlib import Path

from sqlalchemy import select

from icg_desk.models.cohort_schema import (
    ASSIGNMENT_KINDS,
    CANDIDATE_KINDS,
    COHORT_APPLICATION_ID,
    COHORT_MIGRATIONS,
    COHORT_SCHEMA_VERSION,
    COHORT_TABLES,
    CONFLICT_STATES,
    ROLES,
    CohortBase,
    CohortInfo,
)
from icg_desk.models.file_checks import Layout
from icg_desk.models.rubric_file import parse_rubric
from icg_desk.models.sqlite_file import (
    DamagedFileError,
    DatabaseFileError,
    FileFormat,
    NewerFileError,
    NotOurFileError,
    SqliteFile,
    create_database,
    embedded_rubric_check,
    migrate_file,
    open_engine,
    validate_file,
)
from icg_desk.scoring.flags import FlagKind, FlagState
from icg_desk.scoring.rubric import Rubric

COHORT_SUFFIX = ".icgcohort"

# The cohort's names for the shared refusals; the messages say "cohort".
CohortFileError = DatabaseFileError
NotACohortError = NotOurFileError
NewerCohortError = NewerFileError
DamagedCohortError = DamagedFileError

COHORT_FORMAT = FileFormat(
    kind="cohort",
    application_id=COHORT_APPLICATION_ID,
    version=COHORT_SCHEMA_VERSION,
    required_tables=COHORT_TABLES,
    identity_table="cohort",
    migrations=COHORT_MIGRATIONS,
    layout=Layout(
        metadata=CohortBase.metadata,
        # The tables each step of the ladder creates (a step that adds columns only is not
        # listed): a file of that version or older has none of them.
        tables_added={
            2: frozenset({"flag", "flag_event"}),
            4: frozenset({"coordinator_event", "withdrawal"}),
            5: frozenset({"banked_score"}),
            6: frozenset({"merge_conflict"}),
            7: frozenset({"key_score"}),
        },
        known_values={
            ("scorer", "role"): frozenset(ROLES),
            ("assignment", "kind"): frozenset(ASSIGNMENT_KINDS),
            ("candidate", "kind"): frozenset(CANDIDATE_KINDS),
            ("flag", "kind"): frozenset(k.value for k in FlagKind),
            ("flag", "state"): frozenset(s.value for s in FlagState),
            ("merge_conflict", "state"): frozenset(CONFLICT_STATES),
        },
    ),
)


def validate_cohort(path: Path) -> int:
    """All that opening checks, read-only; the cohort's format version, or a `CohortFileError`
    and nothing written."""
    return validate_file(path, COHORT_FORMAT, check=embedded_rubric_check("cohort"))


class CohortFile(SqliteFile):
    """An open cohort database: engine, explicit transactions, and the cohort's rubric."""

    @classmethod
    def create(cls, path: Path, *, name: str, rubric: Rubric) -> CohortFile:
        if os.path.lexists(path):  # a dangling link too: never followed to create the file
            raise CohortFileError(path, "already exists")
        if not rubric.source_text:
            raise ValueError("a cohort needs the rubric's file text to embed")
        engine = create_database(
            path,
            application_id=COHORT_APPLICATION_ID,
            schema_version=COHORT_SCHEMA_VERSION,
            metadata=CohortBase.metadata,
        )
        cohort = cls(path, engine)
        with cohort.transaction() as session:
            session.add(
                CohortInfo(
                    name=name,
                    rubric_edition=rubric.edition,
                    rubric_text=rubric.source_text,
                    format_version=COHORT_SCHEMA_VERSION,
                )
            )
        return cohort

    @classmethod
    def open(cls, path: Path) -> CohortFile:
        """Check (read-only), migrate, then open for writing; a refused file is untouched."""
        path = Path(path)
        if validate_cohort(path) < COHORT_SCHEMA_VERSION:
            migrate_file(path, COHORT_FORMAT)
        return cls(path, open_engine(path))

    @cached_property
    def name(self) -> str:
        with self.reading() as session:
            return session.scalars(select(CohortInfo.name)).one()

    @property
    def released_at(self) -> datetime | None:
        """When the results were released (locked), or None; read fresh each time."""
        with self.reading() as session:
            return session.scalars(select(CohortInfo.released_at)).one()

    @cached_property
    def rubric(self) -> Rubric:
        with self.reading() as session:
            text = session.scalars(select(CohortInfo.rubric_text)).one()
        return parse_rubric(text, f"{self.path} (embedded rubric)")
