"""What a batch file and a cohort database share: refusing a file that is not ours, newer or
damaged without writing to it, the migration ladder, the engine and its pragmas, SQLite's
failures told to the person, and the one way to transact.

Opening a file is check, migrate, open: the whole file is validated through a connection that
cannot write (header, integrity, tables, identity row, and whatever the kind adds, such as its
embedded rubric); only a file that passes is migrated, one atomic step per format version, and
only then does the writing engine open it (which switches it to write-ahead logging). A refused
file is left byte for byte as it was, with nothing beside it.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterator, Mapping
from contextlib import closing, contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Self

from sqlalchemy import Engine, MetaData, create_engine, event, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from icg_desk.models.errors import UserError
from icg_desk.models.file_checks import Layout, Refusal, check_columns, check_objects
from icg_desk.models.rubric_file import RubricError, parse_rubric

_SQLITE_MAGIC = b"SQLite format 3\x00"


class DatabaseFileError(UserError):
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


# ---------------------------------------------------------------------------------------------
# SQLite's failures, by error code
# ---------------------------------------------------------------------------------------------

_BUSY = frozenset((sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED))
_NOT_WRITABLE = frozenset((sqlite3.SQLITE_READONLY, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_PERM))
_DAMAGED = frozenset((sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB))


def sqlite_user_error(
    path: Path, exc: BaseException, *, writing: bool = True
) -> DatabaseFileError | None:
    """The person's message for an SQLite failure on `path`, or None for a bug.

    `writing` is False while a file is only being read (checked before opening): then a file
    SQLite may not open is one that cannot be read, not one that cannot be saved.

    Classified by SQLite's error code (`sqlite_errorcode`, the primary code in its low byte),
    never by the wording of the message, which SQLite and the driver may change. `exc` is an
    `sqlite3.Error` or SQLAlchemy's `DBAPIError` wrapping one.
    """
    original = exc.orig if isinstance(exc, DBAPIError) else exc
    code = getattr(original, "sqlite_errorcode", None)
    if not isinstance(original, sqlite3.Error) or not isinstance(code, int):
        return None
    primary = code & 0xFF
    if primary in _BUSY:
        return DatabaseFileError(path, "is busy in another program; try again")
    if primary in _NOT_WRITABLE and not writing:
        return DatabaseFileError(path, "cannot be opened: you may not read it, or it was moved")
    if primary in _NOT_WRITABLE:
        return DatabaseFileError(
            path, "cannot be saved: the file or its folder is read-only, or not yours to change"
        )
    if primary == sqlite3.SQLITE_FULL:
        return DatabaseFileError(path, "cannot be saved: the disk is full")
    if primary in _DAMAGED:
        return DamagedFileError(path, f"is damaged: {original}")
    if primary == sqlite3.SQLITE_IOERR:
        return DatabaseFileError(
            path, "cannot be read or written: the disk or network drive reported an error"
        )
    return None


# ---------------------------------------------------------------------------------------------
# Formats and their migration ladders
# ---------------------------------------------------------------------------------------------

# One step of a ladder: brings a file from its version to the next, on a plain sqlite3
# connection inside the step's transaction (the runner begins, bumps user_version and commits).
MigrationStep = Callable[[sqlite3.Connection], None]


@dataclass(frozen=True)
class FileFormat:
    """One kind of ICG Desk file: how to tell it, which versions open, and how to migrate them.

    `migrations[v]` brings format v to v + 1; every version from `oldest` up to `version` has a
    step, so a file of any version this ICG Desk opens climbs the whole ladder.
    `required_tables` are the tables every one of those versions has. `layout` says exactly what
    each version holds (models/file_checks.py): with it, opening refuses any other schema
    object (a trigger, a view) and any value ICG Desk would not have written.
    """

    kind: str  # "batch" or "cohort", as the person reads it
    application_id: int
    version: int
    required_tables: frozenset[str]
    identity_table: str
    migrations: Mapping[int, MigrationStep] = field(default_factory=dict)
    oldest: int = 1
    layout: Layout | None = None

    def __post_init__(self) -> None:
        if set(self.migrations) != set(range(self.oldest, self.version)):
            raise ValueError(
                f"the {self.kind} ladder must have one step from each of versions "
                f"{self.oldest}..{self.version - 1}, has {sorted(self.migrations)}"
            )


def check_sqlite_header(
    path: Path, *, application_id: int, schema_version: int, kind: str, oldest: int = 1
) -> int:
    """Is `path` an ICG Desk `kind` this version opens? Reads 100 bytes; returns its version."""
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
    if user_version < oldest:
        raise NotOurFileError(
            path,
            f"is a {kind} of format {user_version}, older than this ICG Desk opens "
            f"(format {oldest} and newer)",
        )
    return user_version


def read_only_uri(path: Path) -> str:
    """A URI that reads `path` and cannot write it, or anything beside it.

    With no write-ahead log or rollback journal beside it the file is the whole database, and
    immutable=1 reads it without so much as a lock file; with one, read-only mode applies it
    without writing to the file.
    """
    beside = (path.with_name(path.name + s) for s in ("-wal", "-journal"))
    mode = "mode=ro" if any(p.exists() for p in beside) else "immutable=1"
    return f"{path.resolve().as_uri()}?{mode}"


# A check a kind adds to validation, on the read-only connection; raises DatabaseFileError.
ContentCheck = Callable[[Path, sqlite3.Connection], None]

# The pragmas validation runs, none of which writes; any other pragma may only be read.
_READING_PRAGMAS = frozenset(("quick_check", "integrity_check", "table_info", "table_xinfo"))
_READING_ACTIONS = frozenset((sqlite3.SQLITE_SELECT, sqlite3.SQLITE_READ, sqlite3.SQLITE_FUNCTION))


def _only_reading(action: int, arg1: str | None, arg2: str | None, *_where: str | None) -> int:
    """The validation connection's authorizer: reading, and nothing else. No ATTACH, no write,
    no pragma that sets anything; on top of the read-only connection itself, so that a query
    added to validation later cannot write either."""
    if action in _READING_ACTIONS:
        return sqlite3.SQLITE_OK
    if action == sqlite3.SQLITE_PRAGMA and (arg1 in _READING_PRAGMAS or arg2 is None):
        return sqlite3.SQLITE_OK
    return sqlite3.SQLITE_DENY


def check_sqlite_contents(
    path: Path,
    *,
    required_tables: frozenset[str],
    identity_table: str,
    check: ContentCheck | None = None,
    objects: ContentCheck | None = None,
) -> None:
    """Integrity, `objects` (the file's schema, before any table is read), tables, the one
    identity row and `check`, through a connection that writes nothing."""
    try:
        con = sqlite3.connect(read_only_uri(path), uri=True)
    except sqlite3.Error as exc:
        raise sqlite_user_error(path, exc, writing=False) or DamagedFileError(
            path, f"cannot be opened: {exc}"
        ) from None
    try:
        con.set_authorizer(_only_reading)
        problems = [row[0] for row in con.execute("PRAGMA quick_check(5)")]
        if problems != ["ok"]:
            raise DamagedFileError(path, "is damaged: " + "; ".join(problems))
        if objects is not None:
            objects(path, con)
        tables = {
            row[0] for row in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        }
        missing = required_tables - tables
        if missing:
            raise DamagedFileError(path, f"is damaged: table {sorted(missing)[0]!r} is missing")
        (rows,) = con.execute(f"SELECT count(*) FROM {identity_table}").fetchone()
        if rows != 1:
            raise DamagedFileError(path, f"is damaged: it has no {identity_table} identity row")
        if check is not None:
            check(path, con)
    except sqlite3.Error as exc:
        user = sqlite_user_error(path, exc, writing=False)
        if user is not None and not isinstance(user, DamagedFileError):
            raise user from None  # busy, unreadable: not the file's fault
        raise DamagedFileError(path, f"is damaged: {exc}") from None
    except UnicodeDecodeError:
        # Text Python cannot decode, in SQLite's own report of a damaged page (quick_check
        # quotes what it found there): ICG Desk writes only UTF-8, so this is damage too.
        raise DamagedFileError(path, "is damaged: it holds text that is not UTF-8") from None
    finally:
        con.close()


def embedded_rubric_check(table: str) -> ContentCheck:
    """The check that `table`'s rubric_text is a rubric: a file scored on a rubric nobody can
    read is no use to anyone, and is refused before anything is written to it."""

    def check(path: Path, con: sqlite3.Connection) -> None:
        (source,) = con.execute(f"SELECT rubric_text FROM {table}").fetchone()
        if not isinstance(source, str):
            raise DamagedFileError(path, "its embedded rubric is broken: it is not text")
        try:
            parse_rubric(source, f"{path} (embedded rubric)")
        except RubricError as exc:
            raise DamagedFileError(path, f"its embedded rubric is broken: {exc}") from None

    return check


def _layout_checks(
    fmt: FileFormat, version: int, check: ContentCheck | None
) -> tuple[ContentCheck | None, ContentCheck | None]:
    """The schema-object check and the content check (`check`, then every column and value
    on the embedded rubric's scale) of a `fmt` file of `version`."""
    layout = fmt.layout
    if layout is None:
        return None, check

    def objects(path: Path, con: sqlite3.Connection) -> None:
        try:
            check_objects(con, layout, version)
        except Refusal as exc:
            raise DamagedFileError(path, f"is not opened: {exc}") from None

    def contents(path: Path, con: sqlite3.Connection) -> None:
        if check is not None:
            check(path, con)
        (source,) = con.execute(f"SELECT rubric_text FROM {fmt.identity_table}").fetchone()
        try:
            scale = parse_rubric(source, f"{path} (embedded rubric)").scale
        except RubricError as exc:
            raise DamagedFileError(path, f"its embedded rubric is broken: {exc}") from None
        try:
            check_columns(con, layout, version, fmt.version, scale)
        except Refusal as exc:
            raise DamagedFileError(path, f"is not opened: {exc}") from None

    return objects, contents


def validate_file(path: Path, fmt: FileFormat, check: ContentCheck | None = None) -> int:
    """Raise a `DatabaseFileError` unless `path` is a `fmt` file this version opens (once
    migrated); writes nothing and leaves nothing beside it. Returns the file's version.

    With the format's `layout` the file must hold exactly the schema objects of its version
    and only values ICG Desk writes (models/file_checks.py); `check` (the embedded rubric)
    runs before the values are checked on the rubric's scale.
    """
    version = check_sqlite_header(
        path,
        application_id=fmt.application_id,
        schema_version=fmt.version,
        kind=fmt.kind,
        oldest=fmt.oldest,
    )
    objects, contents = _layout_checks(fmt, version, check)
    check_sqlite_contents(
        path,
        required_tables=fmt.required_tables,
        identity_table=fmt.identity_table,
        check=contents,
        objects=objects,
    )
    return version


def migrate_file(path: Path, fmt: FileFormat) -> list[int]:
    """Bring a validated file up to `fmt.version`, one step per transaction; the versions it
    started each step from (empty when it was current).

    Each step and its new user_version commit together or not at all, so a failed step leaves
    the file at the version before it, whole. The version is read again inside each
    transaction: another ICG Desk that migrated the file meanwhile is not migrated over. A
    plain connection with the file's own journal mode runs them; foreign keys are off, as
    SQLite asks for while tables are being altered.
    """
    done: list[int] = []
    try:
        with closing(sqlite3.connect(path, isolation_level=None, timeout=5.0)) as con:
            con.execute("PRAGMA foreign_keys = OFF")
            while True:
                con.execute("BEGIN IMMEDIATE")
                try:
                    (version,) = con.execute("PRAGMA user_version").fetchone()
                    if version >= fmt.version:
                        con.execute("ROLLBACK")
                        return done
                    fmt.migrations[version](con)
                    con.execute(f"PRAGMA user_version = {version + 1}")
                    con.execute("COMMIT")
                except BaseException:
                    if con.in_transaction:
                        con.execute("ROLLBACK")
                    raise
                done.append(version)
    except sqlite3.Error as exc:
        user = sqlite_user_error(path, exc)
        if user is None:
            raise
        raise user from exc


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
    """A new file stamped with whose it is and its format, its tables made, in one transaction.

    When SQLite cannot make it (a read-only folder, the disk full), a `DatabaseFileError` naming
    the file, and nothing left behind that was not there before.
    """
    existed = os.path.lexists(path)
    engine = open_engine(path)
    try:
        with engine.begin() as con:
            con.exec_driver_sql(f"PRAGMA application_id = {application_id}")
            con.exec_driver_sql(f"PRAGMA user_version = {schema_version}")
            metadata.create_all(con)
    except DBAPIError as exc:
        engine.dispose()
        if not existed:
            for suffix in ("", "-wal", "-shm", "-journal"):
                with suppress(OSError):
                    os.unlink(path.with_name(path.name + suffix))
        user = sqlite_user_error(path, exc)
        if user is None:
            raise
        raise user from exc
    return engine


class SqliteFile:
    """An open ICG Desk database file: its engine, explicit transactions, a clean close."""

    def __init__(self, path: Path, engine: Engine) -> None:
        self.path = path
        self._engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._closed = False

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
                user = sqlite_user_error(self.path, exc)
                if user is None:
                    raise  # a bug, not the person's problem: keep the traceback
                raise user from exc

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A session for reads only, in one read transaction; nothing it does is committed.

        Every statement of it sees the same moment of the file (BEGIN: in WAL mode, the snapshot
        of the first read): the driver would otherwise run each SELECT in a transaction of its
        own, and a merge committed between two of them (from the command line, while the window
        reads) would give results whose reads and flags are of different moments.
        """
        with self._sessions() as session:
            try:
                connection = session.connection()
                driver = connection.connection.driver_connection
                if not getattr(driver, "in_transaction", True):
                    connection.exec_driver_sql("BEGIN")
                yield session
            except DBAPIError as exc:  # busy, read-only: said naming the file, as in writing
                # Reading writes too: the first connection turns on write-ahead logging.
                user = sqlite_user_error(self.path, exc)
                if user is None:
                    raise
                raise user from exc
            finally:
                session.rollback()

    def pragma(self, name: str) -> Any:
        with self._engine.connect() as con:
            return con.execute(text(f"PRAGMA {name}")).scalar()

    def checkpoint(self) -> bool:
        """Copy what the write-ahead log holds into the file itself, so that a plain copy of the
        file alone (without its `-wal`) holds every transaction committed so far.

        PASSIVE: it never waits for a reader and never blocks a writer, so the window may call
        it between two keys. True when the whole log is in the file; False when a reader (an
        export on the worker) kept part of it there for now, or the file is closed.
        """
        if self._closed:
            return False  # a timer that fires after close must not open the file again
        try:
            with self._engine.connect() as con:
                row = con.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)").one()
        except DBAPIError:
            return False
        _blocked, log_frames, copied = row
        return bool(log_frames == copied)

    def backup_into(self, target: sqlite3.Connection) -> None:
        """Copy the whole database as committed now, the write-ahead log's part included, into
        `target` through SQLite's online backup, in one step (one consistent snapshot: changes
        made meanwhile through other connections are not half in it)."""
        raw = self._engine.raw_connection()
        try:
            source = raw.driver_connection
            assert isinstance(source, sqlite3.Connection)
            source.backup(target)
        finally:
            raw.close()

    def close(self) -> None:
        """Fold the write-ahead log back into the file, so the single file is the whole batch."""
        self._closed = True
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
