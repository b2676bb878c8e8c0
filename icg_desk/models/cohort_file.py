"""The one owner of a cohort database's engine and sessions (like BatchFile for a batch).

A cohort lives in one SQLite file by default (`.icgcohort`); its identity is checked from the
file header before anything is opened, and a file that is not a cohort, is newer or is damaged
is refused and left exactly as it was.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from icg_desk.models.batch_file import (
    BatchFileError,
    DamagedBatchError,
    NewerBatchError,
    NotABatchError,
    check_sqlite_contents,
    check_sqlite_header,
)
from icg_desk.models.cohort_schema import (
    COHORT_APPLICATION_ID,
    COHORT_SCHEMA_VERSION,
    COHORT_TABLES,
    CohortBase,
    CohortInfo,
)
from icg_desk.models.rubric_file import RubricError, parse_rubric
from icg_desk.scoring.rubric import Rubric

COHORT_SUFFIX = ".icgcohort"

# The same three kinds of refusal as a batch; the messages say "cohort".
CohortFileError = BatchFileError
NotACohortError = NotABatchError
NewerCohortError = NewerBatchError
DamagedCohortError = DamagedBatchError


def _engine(path: Path) -> Engine:
    engine = create_engine(f"sqlite:///{path}")

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = FULL")
        cursor.execute("PRAGMA busy_timeout = 5000")
        cursor.close()

    return engine


class CohortFile:
    """An open cohort database: engine, explicit transactions, and the cohort's rubric."""

    def __init__(self, path: Path, engine: Engine) -> None:
        self.path = path
        self._engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @classmethod
    def create(cls, path: Path, *, name: str, rubric: Rubric) -> CohortFile:
        if path.exists():
            raise CohortFileError(path, "already exists")
        if not rubric.source_text:
            raise ValueError("a cohort needs the rubric's file text to embed")
        engine = _engine(path)
        with engine.begin() as con:
            con.exec_driver_sql(f"PRAGMA application_id = {COHORT_APPLICATION_ID}")
            con.exec_driver_sql(f"PRAGMA user_version = {COHORT_SCHEMA_VERSION}")
            CohortBase.metadata.create_all(con)
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
        cohort = cls(path, _engine(path))
        try:
            cohort.rubric  # noqa: B018 - a cohort whose rubric cannot be read is no use
        except RubricError as exc:
            cohort.close()
            raise DamagedCohortError(path, f"its embedded rubric is broken: {exc}") from None
        return cohort

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One write transaction holding the file's write lock from its first statement."""
        with self._sessions() as session:
            try:
                with session.begin():
                    connection = session.connection()
                    driver = connection.connection.driver_connection
                    if not getattr(driver, "in_transaction", True):
                        connection.exec_driver_sql("BEGIN IMMEDIATE")
                    yield session
            except DBAPIError as exc:
                message = str(exc.orig)
                if "locked" in message or "full" in message or "readonly" in message:
                    raise CohortFileError(self.path, f"cannot be written: {message}") from exc
                raise

    @contextmanager
    def reading(self) -> Iterator[Session]:
        with self._sessions() as session:
            try:
                yield session
            finally:
                session.rollback()

    @cached_property
    def name(self) -> str:
        with self.reading() as session:
            return session.scalars(select(CohortInfo.name)).one()

    @cached_property
    def rubric(self) -> Rubric:
        with self.reading() as session:
            text = session.scalars(select(CohortInfo.rubric_text)).one()
        return parse_rubric(text, f"{self.path} (embedded rubric)")

    def close(self) -> None:
        try:
            with self._engine.connect() as con:
                con.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        except DBAPIError:
            pass
        self._engine.dispose()

    def __enter__(self) -> CohortFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
