"""The one owner of a batch file's engine and sessions.

Opening is checked before anything is written: a file that is not a batch, comes from a newer
ICG Desk, is damaged or carries a rubric that cannot be read is refused with a message naming
it, and is left exactly as it was. A batch of an older format is then migrated (the ladder is
schema.MIGRATIONS), and only then opened for writing.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from pathlib import Path

from sqlalchemy import select

from icg_desk.models.file_checks import Layout
from icg_desk.models.rubric_file import parse_rubric
from icg_desk.models.schema import (
    APPLICATION_ID,
    MIGRATIONS,
    REQUIRED_TABLES,
    SCHEMA_VERSION,
    Base,
    BatchInfo,
    PortfolioStatus,
    utcnow,
)
from icg_desk.models.sqlite_file import (
    DamagedFileError,
    DatabaseFileError,
    FileFormat,
    NewerFileError,
    NotOurFileError,
    SqliteFile,
    check_sqlite_contents,
    check_sqlite_header,
    create_database,
    embedded_rubric_check,
    migrate_file,
    open_engine,
    validate_file,
)
from icg_desk.scoring.rubric import Rubric

BATCH_SUFFIX = ".icgbatch"


# The batch's names for the shared refusals (a cohort file has the same three).
BatchFileError = DatabaseFileError
NotABatchError = NotOurFileError
NewerBatchError = NewerFileError
DamagedBatchError = DamagedFileError

BATCH_FORMAT = FileFormat(
    kind="batch",
    application_id=APPLICATION_ID,
    version=SCHEMA_VERSION,
    required_tables=REQUIRED_TABLES,
    identity_table="batch",
    migrations=MIGRATIONS,
    # Format 1 had every table of format 2 (the step added columns only); 4 -> 5 adds the
    # practice key.
    layout=Layout(
        metadata=Base.metadata,
        tables_added={4: frozenset({"practice_key"})},
        known_values={("portfolio", "status"): frozenset(s.value for s in PortfolioStatus)},
    ),
)


@dataclass(frozen=True)
class BatchIdentity:
    """What a batch is, read once; handy for titles, exports and merge checks."""

    batch_id: str
    cohort: str
    scorer_id: str
    scorer_name: str
    rubric_edition: str
    format_version: int
    created_at: datetime
    exported_at: datetime | None


def inspect_batch(path: Path) -> None:
    """Raise a `BatchFileError` unless `path` is a batch of this ICG Desk's format or older,
    whole, with its tables and identity row; writes nothing. (What a merge reads; opening a
    batch also checks its embedded rubric: `validate_batch`.)"""
    check_sqlite_header(
        path, application_id=APPLICATION_ID, schema_version=SCHEMA_VERSION, kind="batch"
    )
    check_sqlite_contents(path, required_tables=REQUIRED_TABLES, identity_table="batch")


def validate_batch(path: Path) -> int:
    """All that opening checks, read-only: `inspect_batch` and the embedded rubric. Returns
    the batch's format version; raises a `BatchFileError` and writes nothing otherwise."""
    return validate_file(path, BATCH_FORMAT, check=embedded_rubric_check("batch"))


class BatchFile(SqliteFile):
    """An open batch: the engine, explicit transactions, and the rubric it carries."""

    @classmethod
    def create(
        cls,
        path: Path,
        *,
        batch_id: str,
        cohort: str,
        scorer_id: str,
        scorer_name: str,
        rubric: Rubric,
        overwrite: bool = False,
    ) -> BatchFile:
        """A new, empty batch at `path`; fills in its identity and rubric in one transaction.

        Anything at `path` is "already exists" unless `overwrite`, a symbolic link included (a
        dangling one would otherwise be followed and the batch written where it points), except
        an empty regular file: the one `formats.atomic.atomic_create` makes to be written.
        """
        if not rubric.source_text:
            raise ValueError("a batch needs the rubric's file text to embed")
        try:
            found = os.lstat(path)
        except FileNotFoundError:
            found = None
        if found is not None and not (stat.S_ISREG(found.st_mode) and found.st_size == 0):
            if not overwrite:
                raise BatchFileError(path, "already exists")
            for suffix in ("", "-wal", "-shm"):
                path.with_name(path.name + suffix).unlink(missing_ok=True)
        engine = create_database(
            path,
            application_id=APPLICATION_ID,
            schema_version=SCHEMA_VERSION,
            metadata=Base.metadata,
        )
        batch = cls(path, engine)
        with batch.transaction() as session:
            session.add(
                BatchInfo(
                    batch_id=batch_id,
                    cohort=cohort,
                    scorer_id=scorer_id,
                    scorer_name=scorer_name,
                    rubric_edition=rubric.edition,
                    rubric_text=rubric.source_text,
                    format_version=SCHEMA_VERSION,
                    created_at=utcnow(),
                )
            )
        return batch

    @classmethod
    def open(cls, path: Path) -> BatchFile:
        """Check (read-only), migrate, then open for writing; a refused file is untouched."""
        path = Path(path)
        if validate_batch(path) < SCHEMA_VERSION:
            migrate_file(path, BATCH_FORMAT)
        return cls(path, open_engine(path))

    @cached_property
    def identity(self) -> BatchIdentity:
        with self.reading() as session:
            info = session.scalars(select(BatchInfo)).one()
            return BatchIdentity(
                batch_id=info.batch_id,
                cohort=info.cohort,
                scorer_id=info.scorer_id,
                scorer_name=info.scorer_name,
                rubric_edition=info.rubric_edition,
                format_version=info.format_version,
                created_at=info.created_at,
                exported_at=info.exported_at,
            )

    @cached_property
    def rubric(self) -> Rubric:
        with self.reading() as session:
            text_ = session.scalars(select(BatchInfo.rubric_text)).one()
        return parse_rubric(text_, f"{self.path} (embedded rubric)")
