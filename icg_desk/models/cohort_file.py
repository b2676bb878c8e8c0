"""The one owner of a cohort database's engine and sessions (like BatchFile for a batch).

A cohort lives in one SQLite file by default (`.icgcohort`); its identity is checked from the
file header before anything is opened, and a file that is not a cohort, is newer or is damaged
is refused and left exactly as it was.
"""

from __future__ import annotations

from datetime import datetime
from functools import cached_property
from pathlib import Path

from sqlalchemy import select

from icg_desk.models.cohort_schema import (
    COHORT_APPLICATION_ID,
    COHORT_SCHEMA_VERSION,
    COHORT_TABLES,
    CohortBase,
    CohortInfo,
)
from icg_desk.models.rubric_file import RubricError, parse_rubric
from icg_desk.models.sqlite_file import (
    DamagedFileError,
    DatabaseFileError,
    NewerFileError,
    NotOurFileError,
    SqliteFile,
    check_sqlite_contents,
    check_sqlite_header,
    create_database,
    open_engine,
)
from icg_desk.scoring.rubric import Rubric

COHORT_SUFFIX = ".icgcohort"

# The cohort's names for the shared refusals; the messages say "cohort".
CohortFileError = DatabaseFileError
NotACohortError = NotOurFileError
NewerCohortError = NewerFileError
DamagedCohortError = DamagedFileError


class CohortFile(SqliteFile):
    """An open cohort database: engine, explicit transactions, and the cohort's rubric."""

    @classmethod
    def create(cls, path: Path, *, name: str, rubric: Rubric) -> CohortFile:
        if path.exists():
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
        path = Path(path)
        check_sqlite_header(
            path,
            application_id=COHORT_APPLICATION_ID,
            schema_version=COHORT_SCHEMA_VERSION,
            kind="cohort",
        )
        check_sqlite_contents(path, required_tables=COHORT_TABLES, identity_table="cohort")
        cohort = cls(path, open_engine(path))
        try:
            cohort._upgrade()
        except DatabaseFileError:
            cohort.close()
            raise
        try:
            cohort.rubric  # noqa: B018 - a cohort whose rubric cannot be read is no use
        except RubricError as exc:
            cohort.close()
            raise DamagedCohortError(path, f"its embedded rubric is broken: {exc}") from None
        return cohort

    def _upgrade(self) -> None:
        """Bring a cohort of an older format up to this one, in one transaction."""
        if self.pragma("user_version") >= COHORT_SCHEMA_VERSION:
            return
        with self.transaction() as session:
            con = session.connection()
            # Format 2 added merge_log.scores_as_of; older files' merges have none (never refused).
            columns = {row[1] for row in con.exec_driver_sql("PRAGMA table_info(merge_log)")}
            if "scores_as_of" not in columns:
                con.exec_driver_sql("ALTER TABLE merge_log ADD COLUMN scores_as_of VARCHAR(40)")
            con.exec_driver_sql(f"PRAGMA user_version = {COHORT_SCHEMA_VERSION}")

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
