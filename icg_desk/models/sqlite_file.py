"""What a batch file and a cohort database share: refusing a file that is not ours, newer or
damaged without writing to it, the engine and its pragmas, and the one way to transact.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Self

from sqlalchemy import Engine, MetaData, create_engine, event, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

_SQLITE_MAGIC = b"SQLite format 3\x00"


class DatabaseFileError(Exception):
    """A batch or cohort file problem the person can act on; the message names the file."""

    def __init__(self, path: Path, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path, self.problem = path, problem


class NotOurFileError(DatabaseFileError):
    pass


class NewerFileError(DatabaseFileError):
    pass


class DamagedFileError(DatabaseFileError):
    pass


def check_sqlite_header(path: Path, *, application_id: int, schema_version: int, kind: str) -> None:
    """Is `path` an ICG Desk `kind` ("batch", "cohort") this version opens? Reads 100 bytes."""
    if not path.exists():
        raise DatabaseFileError(path, "no such file")
    if not path.is_file():
        raise NotOurFileError(path, f"is a folder, not a {kind} file")
    try:
        with path.open("rb") as f:
            header = f.read(100)
    except OSError as exc:
        raise DatabaseFileError(path, f"cannot be read: {exc.strerror or exc}") from None
    if not header:
        raise NotOurFileError(path, f"is empty: not an ICG Desk {kind}")
    if len(header) < 100 or not header.startswith(_SQLITE_MAGIC):
        raise NotOurFileError(path, f"is not an ICG Desk {kind} (it is not an SQLite database)")
    # The header keeps both numbers at fixed offsets: reading them needs no SQLite connection.
    user_version = int.from_bytes(header[60:64], "big")
    found_id = int.from_bytes(header[68:72], "big")
    if found_id != application_id:
        raise NotOurFileError(
            path, f"is an SQLite database of another program, not an ICG Desk {kind}"
        )
    if user_version > schema_version:
        raise NewerFileError(
            path,
            f"was written by a newer ICG Desk ({kind} format {user_version}; this version "
            f"opens format {schema_version} and older). Update ICG Desk to open it.",
        )
    if user_version < 1:
        raise DamagedFileError(path, f"is damaged: it has no {kind} format version")


def check_sqlite_contents(
    path: Path, *, required_tables: frozenset[str], identity_table: str
) -> None:
    """Integrity, tables and the one identity row, through a connection that writes nothing."""
    # With no write-ahead log beside it the file is the whole database, and immutable=1 reads it
    # without so much as a lock file; with a log, read-only mode applies it without writing.
    wal = path.with_name(path.name + "-wal")
    mode = "mode=ro" if wal.exists() else "immutable=1"
    uri = f"{path.resolve().as_uri()}?{mode}"
    try:
        con = sqlite3.connect(uri, uri=True)
    except sqlite3.Error as exc:
        raise DamagedFileError(path, f"cannot be opened: {exc}") from None
    try:
        problems = [row[0] for row in con.execute("PRAGMA quick_check(5)")]
        if problems != ["ok"]:
            raise DamagedFileError(path, "is damaged: " + "; ".join(problems))
        tables = {
            row[0] for row in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        }
        missing = required_tables - tables
        if missing:
            raise DamagedFileError(path, f"is damaged: table {sorted(missing)[0]!r} is missing")
        (rows,) = con.execute(f"SELECT count(*) FROM {identity_table}").fetchone()
        if rows != 1:
            raise DamagedFileError(path, f"is damaged: it has no {identity_table} identity row")
    except sqlite3.DatabaseError as exc:
        raise DamagedFileError(path, f"is damaged: {exc}") from None
    finally:
        con.close()


def open_engine(path: Path) -> Engine:
    # The pool keeps the connection open between transactions: reopening one per score change
    # would checkpoint the write-ahead log every time. close() disposes of it.
    engine = create_engine(f"sqlite:///{path}")

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
        # FULL: a score the scorer saw saved survives a power cut, not only a crash.
        cursor.execute("PRAGMA synchronous = FULL")
        cursor.execute("PRAGMA busy_timeout = 5000")
        cursor.close()

    return engine


def create_database(
    path: Path, *, application_id: int, schema_version: int, metadata: MetaData
) -> Engine:
    """A new file stamped with whose it is and its format, its tables made, in one transaction."""
    engine = open_engine(path)
    with engine.begin() as con:
        con.exec_driver_sql(f"PRAGMA application_id = {application_id}")
        con.exec_driver_sql(f"PRAGMA user_version = {schema_version}")
        metadata.create_all(con)
    return engine


class SqliteFile:
    """An open ICG Desk database file: its engine, explicit transactions, a clean close."""

    def __init__(self, path: Path, engine: Engine) -> None:
        self.path = path
        self._engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session in one write transaction: committed when the block ends, rolled back on error.

        It holds the file's write lock from its first statement (BEGIN IMMEDIATE): the driver
        would otherwise begin only at the first INSERT or UPDATE, and the reads a change is checked
        against (is the portfolio complete?) could see a state another writer then changes.
        """
        with self._sessions() as session:
            try:
                with session.begin():
                    connection = session.connection()
                    driver = connection.connection.driver_connection
                    if not getattr(driver, "in_transaction", True):
                        connection.exec_driver_sql("BEGIN IMMEDIATE")
                    yield session
            except DBAPIError as exc:
                raise self._user_error(exc) from exc

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A session for reads only; nothing it does is committed."""
        with self._sessions() as session:
            try:
                yield session
            finally:
                session.rollback()

    def _user_error(self, exc: DBAPIError) -> Exception:
        message = str(exc.orig)
        if "database is locked" in message:
            return DatabaseFileError(self.path, "is busy in another program; try again")
        if "disk is full" in message or "database or disk is full" in message:
            return DatabaseFileError(self.path, "cannot be saved: the disk is full")
        if "readonly" in message:
            return DatabaseFileError(self.path, "cannot be saved: the file is read-only")
        if "malformed" in message:
            return DamagedFileError(self.path, "is damaged: " + message)
        return exc  # a bug, not the person's problem: keep the traceback

    def pragma(self, name: str) -> Any:
        with self._engine.connect() as con:
            return con.execute(text(f"PRAGMA {name}")).scalar()

    def close(self) -> None:
        """Fold the write-ahead log back into the file, so the single file is the whole batch."""
        try:
            with self._engine.connect() as con:
                con.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        except DBAPIError:
            pass  # another reader holds the log; the next open folds it in
        self._engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
