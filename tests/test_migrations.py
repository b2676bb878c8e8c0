"""Migration ladders, read-only validation and SQLite's errors told by code.

Every older format climbs to the current one with its data; a file refused for any reason is
left byte for byte as it was, with nothing beside it; and a failure is told to the person by
SQLite's error code, never by the wording of its message.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import pytest
from sqlalchemy import select, text

from icg_desk.models.batch_file import BATCH_FORMAT, BatchFile
from icg_desk.models.cohort_file import COHORT_FORMAT, CohortFile
from icg_desk.models.cohort_schema import (
    Assignment,
    BankedScore,
    Candidate,
    CoordinatorEvent,
    Flag,
    FlagEvent,
    MergeConflict,
    MergeLog,
    Scorer,
    Withdrawal,
)
from icg_desk.models.portfolios import EntryContent, PortfolioContent, add_portfolios
from icg_desk.models.schema import FactorRead, Portfolio
from icg_desk.models.sqlite_file import (
    DamagedFileError,
    DatabaseFileError,
    FileFormat,
    NewerFileError,
    NotOurFileError,
    migrate_file,
    sqlite_user_error,
    validate_file,
)
from icg_desk.scoring.lineage import base_lineage

SIDE_FILES = ("-wal", "-shm", "-journal")


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def beside(path: Path) -> list[str]:
    return [s for s in SIDE_FILES if path.with_name(path.name + s).exists()]


def execute(path: Path, *statements: str) -> None:
    """Change a file as another program (or an older ICG Desk) would, behind ICG Desk's back."""
    con = sqlite3.connect(path, isolation_level=None)
    try:
        for statement in statements:
            con.execute(statement)
    finally:
        con.close()


def user_version(path: Path) -> int:
    return int.from_bytes(path.read_bytes()[60:64], "big")


def journal_mode(path: Path) -> str:
    # Header bytes 18-19: 1 for a rollback journal, 2 for write-ahead logging.
    return {1: "delete", 2: "wal"}[path.read_bytes()[18]]


def make_batch(path: Path, rubric) -> Path:
    with BatchFile.create(
        path, batch_id="b-1", cohort="2026-27", scorer_id="S-1", scorer_name="Ana", rubric=rubric
    ) as batch:
        entries = tuple(EntryContent(e.number, f"Entry {e.number} text") for e in rubric.entries)
        add_portfolios(batch, [PortfolioContent("C27-00001", entries)])
        with batch.transaction() as session:
            pid = session.scalars(select(Portfolio.id)).one()
            session.add(FactorRead(portfolio_id=pid, factor_key="data", score=Fraction(13, 4)))
    assert beside(path) == []
    return path


def make_cohort(path: Path, rubric) -> Path:
    with (
        CohortFile.create(path, name="2026-27", rubric=rubric) as cohort,
        cohort.transaction() as session,
    ):
        session.add(Candidate(candidate_id="1042", code="C27-00001", name="Zoë Ñúñez"))
        session.add(Scorer(scorer_id="S-1", name="Ana"))
        session.add(
            MergeLog(file_name="first.icgbatch", file_sha256="ab", outcome="accepted", changes=[])
        )
    assert beside(path) == []
    return path


# ---------------------------------------------------------------------------------------------
# Every older version climbs to the current one
# ---------------------------------------------------------------------------------------------

# How to turn a file of format v + 1 back into format v, as an ICG Desk of format v wrote it.
# Adding a step to a ladder without its downgrade here fails test_every_step_has_a_downgrade.
COHORT_DOWNGRADES: dict[int, Callable[[Path], None]] = {
    1: lambda path: execute(
        path,
        "ALTER TABLE merge_log DROP COLUMN scores_as_of",
        "PRAGMA user_version = 1",
    ),
    2: lambda path: execute(
        path, "DROP TABLE flag_event", "DROP TABLE flag", "PRAGMA user_version = 2"
    ),
    3: lambda path: execute(
        path,
        "ALTER TABLE scorer DROP COLUMN role",
        "ALTER TABLE assignment DROP COLUMN kind",
        "ALTER TABLE assignment DROP COLUMN factors",
        "PRAGMA user_version = 3",
    ),
    4: lambda path: execute(
        path,
        "DROP TABLE coordinator_event",
        "DROP TABLE withdrawal",
        "PRAGMA user_version = 4",
    ),
    5: lambda path: execute(path, "DROP TABLE banked_score", "PRAGMA user_version = 5"),
    6: lambda path: execute(
        path,
        "DROP TABLE merge_conflict",
        "ALTER TABLE assignment DROP COLUMN merged_revision",
        "ALTER TABLE assignment DROP COLUMN merged_lineage",
        "ALTER TABLE assignment DROP COLUMN merged_history",
        "PRAGMA user_version = 6",
    ),
    7: lambda path: execute(
        path,
        "DROP TABLE key_score",
        "ALTER TABLE candidate DROP COLUMN kind",
        "ALTER TABLE assignment DROP COLUMN of_read",
        "ALTER TABLE read_score DROP COLUMN changed_at",
        "ALTER TABLE cohort DROP COLUMN secret",
        "PRAGMA user_version = 7",
    ),
}
BATCH_DOWNGRADES: dict[int, Callable[[Path], None]] = {
    1: lambda path: execute(
        path,
        "ALTER TABLE portfolio DROP COLUMN adjudicate",
        "ALTER TABLE portfolio DROP COLUMN earlier_reads",
        "PRAGMA user_version = 1",
    ),
    2: lambda path: execute(
        path, "ALTER TABLE portfolio DROP COLUMN banked", "PRAGMA user_version = 2"
    ),
    3: lambda path: execute(
        path,
        "ALTER TABLE portfolio DROP COLUMN revision",
        "ALTER TABLE portfolio DROP COLUMN lineage",
        "ALTER TABLE change_log DROP COLUMN revision",
        "ALTER TABLE change_log DROP COLUMN lineage",
        "PRAGMA user_version = 3",
    ),
    4: lambda path: execute(
        path,
        "DROP TABLE practice_key",
        "ALTER TABLE batch DROP COLUMN unlock_hash",
        "ALTER TABLE batch DROP COLUMN unlocked_at",
        "ALTER TABLE portfolio DROP COLUMN key_shown_at",
        "PRAGMA user_version = 4",
    ),
}


def downgrade(path: Path, fmt: FileFormat, downgrades: dict, to: int) -> None:
    for version in range(fmt.version - 1, to - 1, -1):
        downgrades[version](path)
    assert user_version(path) == to


@pytest.mark.parametrize(
    ("fmt", "downgrades"), [(BATCH_FORMAT, BATCH_DOWNGRADES), (COHORT_FORMAT, COHORT_DOWNGRADES)]
)
def test_every_step_has_a_downgrade(fmt, downgrades):
    assert set(downgrades) == set(fmt.migrations) == set(range(fmt.oldest, fmt.version))


@pytest.mark.parametrize("version", range(COHORT_FORMAT.oldest, COHORT_FORMAT.version))
def test_a_cohort_of_every_older_format_climbs_to_the_current_one(tmp_path, revised, version):
    path = make_cohort(tmp_path / "c.icgcohort", revised)
    downgrade(path, COHORT_FORMAT, COHORT_DOWNGRADES, version)
    with CohortFile.open(path) as cohort:
        assert cohort.pragma("user_version") == COHORT_FORMAT.version
        assert cohort.name == "2026-27"
        with cohort.reading() as session:
            assert session.scalars(select(Candidate.name)).one() == "Zoë Ñúñez"
            log = session.scalars(select(MergeLog)).one()
            assert (log.file_name, log.scores_as_of) == ("first.icgbatch", None)
    # The migrated file is the current format in every column, not only in its version number.
    con = sqlite3.connect(path)
    columns = {row[1] for row in con.execute("PRAGMA table_info(merge_log)")}
    flag_columns = {row[1] for row in con.execute("PRAGMA table_info(flag)")}
    event_columns = {row[1] for row in con.execute("PRAGMA table_info(flag_event)")}
    ways_columns = {row[1] for row in con.execute("PRAGMA table_info(coordinator_event)")}
    withdrawal_columns = {row[1] for row in con.execute("PRAGMA table_info(withdrawal)")}
    banked_columns = {row[1] for row in con.execute("PRAGMA table_info(banked_score)")}
    con.close()
    assert set(BankedScore.__table__.columns.keys()) == banked_columns
    assert set(MergeLog.__table__.columns.keys()) <= columns
    assert set(Flag.__table__.columns.keys()) == flag_columns
    assert set(FlagEvent.__table__.columns.keys()) == event_columns
    assert set(CoordinatorEvent.__table__.columns.keys()) == ways_columns
    assert set(Withdrawal.__table__.columns.keys()) == withdrawal_columns
    con = sqlite3.connect(path)
    scorer_columns = {row[1] for row in con.execute("PRAGMA table_info(scorer)")}
    assignment_columns = {row[1] for row in con.execute("PRAGMA table_info(assignment)")}
    con.close()
    assert set(Scorer.__table__.columns.keys()) == scorer_columns
    assert set(Assignment.__table__.columns.keys()) == assignment_columns
    con = sqlite3.connect(path)
    conflict_columns = {row[1] for row in con.execute("PRAGMA table_info(merge_conflict)")}
    con.close()
    assert set(MergeConflict.__table__.columns.keys()) == conflict_columns
    with CohortFile.open(path) as cohort, cohort.reading() as session:
        # Every scorer of an older cohort is a scorer (format 4 added the adjudicator role).
        assert session.scalars(select(Scorer.role)).one() == "scorer"


def test_a_format_5_cohort_with_a_retake_opens_with_nothing_banked_and_can_bank(
    tmp_path, revised
):
    path = make_cohort(tmp_path / "c.icgcohort", revised)
    with CohortFile.open(path) as cohort, cohort.transaction() as session:
        session.scalars(select(Candidate)).one().retake_factors = ["data"]
    downgrade(path, COHORT_FORMAT, COHORT_DOWNGRADES, 5)
    con = sqlite3.connect(path)
    assert "banked_score" not in {
        r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
    }
    con.close()
    with CohortFile.open(path) as cohort:
        assert cohort.pragma("user_version") == COHORT_FORMAT.version
        with cohort.transaction() as session:
            # Nothing banked: the retake of a format-5 cohort is read in full, as it was.
            assert session.scalars(select(BankedScore)).all() == []
            person = session.scalars(select(Candidate)).one()
            assert person.retake_factors == ["data"]
            session.add(
                BankedScore(
                    candidate_ref=person.id,
                    factor_key="data",
                    score=Fraction(7, 3),
                    cycle="2025-26",
                )
            )
        with cohort.reading() as session:
            banked = session.scalars(select(BankedScore)).one()
            assert (banked.score, banked.cycle) == (Fraction(7, 3), "2025-26")  # exact, not 2.33
    con = sqlite3.connect(path)
    assert con.execute("SELECT score FROM banked_score").fetchone() == ("7/3",)
    con.close()


@pytest.mark.parametrize("version", range(BATCH_FORMAT.oldest, BATCH_FORMAT.version + 1))
def test_a_batch_of_every_format_opens_with_its_data(tmp_path, revised, version):
    path = make_batch(tmp_path / "b.icgbatch", revised)
    downgrade(path, BATCH_FORMAT, BATCH_DOWNGRADES, version)
    with BatchFile.open(path) as batch, batch.reading() as session:
        assert batch.pragma("user_version") == BATCH_FORMAT.version
        assert session.scalars(select(FactorRead.factor_key)).one() == "data"
        # A portfolio of a format-1 batch asks for every factor (format 2 added adjudication).
        portfolio = session.scalars(select(Portfolio)).one()
        assert (portfolio.adjudicate, portfolio.earlier_reads) == ([], [])
        # ... and no portfolio of an older batch is a retake (format 3 added banked factors).
        assert portfolio.banked == []
        # Format 4: revision 0 at the base the sending gives (batch id, scorer, code), which
        # the migration works out for a portfolio of an older batch.
        assert (portfolio.revision, portfolio.lineage) == (
            0,
            base_lineage("b-1", "S-1", portfolio.candidate_code),
        )
    assert migrate_file(path, BATCH_FORMAT) == []


# The ladder machinery, on a kind of file with three formats (the batch has only one yet).
def _add_note_table(con: sqlite3.Connection) -> None:
    con.execute("CREATE TABLE note (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")


def _add_item_label(con: sqlite3.Connection) -> None:
    con.execute("ALTER TABLE item ADD COLUMN label TEXT NOT NULL DEFAULT ''")
    con.execute("UPDATE item SET label = 'item ' || id")


TOY = FileFormat(
    kind="toy",
    application_id=0x544F5921,
    version=3,
    required_tables=frozenset({"toy", "item"}),
    identity_table="toy",
    migrations={1: _add_note_table, 2: _add_item_label},
)


def make_toy(path: Path, version: int) -> Path:
    statements = [
        f"PRAGMA application_id = {TOY.application_id}",
        "CREATE TABLE toy (id INTEGER PRIMARY KEY CHECK (id = 1))",
        "INSERT INTO toy VALUES (1)",
        "CREATE TABLE item (id INTEGER PRIMARY KEY, value TEXT)",
        "INSERT INTO item (value) VALUES ('kept'), ('also kept')",
    ]
    for step in range(1, version):
        statements.append(
            {1: "CREATE TABLE note (id INTEGER PRIMARY KEY, body TEXT NOT NULL)",
             2: "ALTER TABLE item ADD COLUMN label TEXT NOT NULL DEFAULT ''"}[step]
        )  # fmt: skip
    statements.append(f"PRAGMA user_version = {version}")
    execute(path, *statements)
    return path


@pytest.mark.parametrize("version", [1, 2, 3])
def test_the_ladder_climbs_from_every_version_one_step_at_a_time(tmp_path, version):
    path = make_toy(tmp_path / "t.toy", version)
    assert validate_file(path, TOY) == version
    assert migrate_file(path, TOY) == list(range(version, TOY.version))
    assert user_version(path) == TOY.version
    con = sqlite3.connect(path)
    assert con.execute("SELECT value FROM item ORDER BY id").fetchall() == [
        ("kept",),
        ("also kept",),
    ]
    assert con.execute("SELECT count(*) FROM note").fetchone() == (0,)
    con.close()
    assert beside(path) == []


def test_a_failing_step_leaves_the_file_at_the_version_before_it(tmp_path):
    def _breaks_halfway(con: sqlite3.Connection) -> None:
        con.execute("ALTER TABLE item ADD COLUMN label TEXT")
        con.execute("UPDATE item SET value = 'lost'")
        raise RuntimeError("a bug in a migration")

    broken = FileFormat(**{**TOY.__dict__, "migrations": {1: _add_note_table, 2: _breaks_halfway}})
    path = make_toy(tmp_path / "t.toy", 1)
    with pytest.raises(RuntimeError, match="a bug in a migration"):
        migrate_file(path, broken)
    # Step 1 committed on its own; step 2 left nothing of itself.
    assert user_version(path) == 2
    con = sqlite3.connect(path)
    assert [r[1] for r in con.execute("PRAGMA table_info(item)")] == ["id", "value"]
    assert con.execute("SELECT value FROM item ORDER BY id").fetchall() == [
        ("kept",),
        ("also kept",),
    ]
    con.close()
    assert migrate_file(path, TOY) == [2]  # and the fixed ladder carries on from there


def test_a_ladder_with_a_gap_is_a_programming_error():
    with pytest.raises(ValueError, match=r"one step from each of versions 1\.\.2"):
        FileFormat(**{**TOY.__dict__, "migrations": {2: _add_item_label}})


# ---------------------------------------------------------------------------------------------
# A refused file is left exactly as it was
# ---------------------------------------------------------------------------------------------


def _broken_rubric(table: str) -> Callable[[Path], None]:
    return lambda path: execute(path, f"UPDATE {table} SET rubric_text = 'format = 1'")


def _rollback_journal_with_broken_rubric(path: Path) -> None:
    execute(path, "PRAGMA journal_mode = DELETE", "UPDATE batch SET rubric_text = '[rubric'")
    assert journal_mode(path) == "delete"


def _truncated(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _scribbled(path: Path) -> None:
    data = bytearray(path.read_bytes())
    for start in range(2 * 4096, len(data), 2 * 4096):
        data[start : start + 12] = b"\xde\xad\xbe\xef" * 3
    path.write_bytes(bytes(data))


def _cohort_format_1(*changes: str) -> Callable[[Path], None]:
    def change(path: Path) -> None:
        downgrade(path, COHORT_FORMAT, COHORT_DOWNGRADES, 1)
        execute(path, *changes)

    return change


BATCH_REFUSALS = {
    "a text file": (NotOurFileError, "not an SQLite database", None),
    "a cohort": (NotOurFileError, "not an ICG Desk batch", "cohort"),
    "another program's database": (
        NotOurFileError,
        "another program",
        lambda p: execute(p, "PRAGMA application_id = 7"),
    ),
    "a newer batch": (
        NewerFileError,
        "newer ICG Desk",
        lambda p: execute(p, f"PRAGMA user_version = {BATCH_FORMAT.version + 1}"),
    ),
    "a batch of no version": (
        DamagedFileError,
        "no batch format version",
        lambda p: execute(p, "PRAGMA user_version = 0"),
    ),
    "a truncated batch": (DamagedFileError, "is damaged", _truncated),
    "scribbled pages": (DamagedFileError, "is damaged", _scribbled),
    "a missing table": (
        DamagedFileError,
        "table 'evidence' is missing",
        lambda p: execute(p, "DROP TABLE evidence"),
    ),
    "no identity row": (
        DamagedFileError,
        "no batch identity row",
        lambda p: execute(p, "DELETE FROM batch"),
    ),
    "a broken rubric": (DamagedFileError, "embedded rubric is broken", _broken_rubric("batch")),
    "a broken rubric, rollback journal": (
        DamagedFileError,
        "embedded rubric is broken",
        _rollback_journal_with_broken_rubric,
    ),
}

COHORT_REFUSALS = {
    "a text file": (NotOurFileError, "not an SQLite database", None),
    "a batch": (NotOurFileError, "not an ICG Desk cohort", "batch"),
    "a newer cohort": (
        NewerFileError,
        "newer ICG Desk",
        lambda p: execute(p, f"PRAGMA user_version = {COHORT_FORMAT.version + 1}"),
    ),
    "a truncated cohort": (DamagedFileError, "is damaged", _truncated),
    "a missing table": (
        DamagedFileError,
        "table 'scorer' is missing",
        lambda p: execute(p, "DROP TABLE scorer"),
    ),
    "a broken rubric": (DamagedFileError, "embedded rubric is broken", _broken_rubric("cohort")),
    "format 1 with a broken rubric": (
        DamagedFileError,
        "embedded rubric is broken",
        _cohort_format_1("UPDATE cohort SET rubric_text = 'format = 1'"),
    ),
    "format 1 with a missing table": (
        DamagedFileError,
        "table 'assignment' is missing",
        _cohort_format_1("DROP TABLE assignment"),
    ),
    "format 1 with no identity row": (
        DamagedFileError,
        "no cohort identity row",
        _cohort_format_1("DELETE FROM cohort"),
    ),
    "format 1, rollback journal, broken rubric": (
        DamagedFileError,
        "embedded rubric is broken",
        _cohort_format_1("PRAGMA journal_mode = DELETE", "UPDATE cohort SET rubric_text = ''"),
    ),
}


def _subject(tmp_path: Path, kind: str, rubric, how) -> Path:
    path = tmp_path / f"subject.icg{kind}"
    if how is None:
        path.write_text("Dear scorer,\n" * 20)
    elif how == "cohort":
        make_cohort(path, rubric)
    elif how == "batch":
        make_batch(path, rubric)
    else:
        (make_batch if kind == "batch" else make_cohort)(path, rubric)
        how(path)
    assert beside(path) == []
    return path


@pytest.mark.parametrize("case", sorted(BATCH_REFUSALS))
def test_a_refused_batch_is_left_byte_for_byte_as_it_was(tmp_path, revised, case):
    error, message, how = BATCH_REFUSALS[case]
    path = _subject(tmp_path, "batch", revised, how)
    before, mode = sha256(path), path.read_bytes()[18]
    with pytest.raises(error, match=message) as refused:
        BatchFile.open(path)
    assert str(refused.value).startswith(str(path))
    assert sha256(path) == before
    assert beside(path) == []
    assert path.read_bytes()[18] == mode  # a rollback-journal file is not switched to WAL


@pytest.mark.parametrize("case", sorted(COHORT_REFUSALS))
def test_a_refused_cohort_is_left_byte_for_byte_as_it_was(tmp_path, revised, case):
    error, message, how = COHORT_REFUSALS[case]
    path = _subject(tmp_path, "cohort", revised, how)
    before = sha256(path)
    with pytest.raises(error, match=message) as refused:
        CohortFile.open(path)
    assert str(refused.value).startswith(str(path))
    assert sha256(path) == before
    assert beside(path) == []


def test_a_good_rollback_journal_batch_opens_and_is_then_written_ahead(tmp_path, revised):
    path = make_batch(tmp_path / "b.icgbatch", revised)
    execute(path, "PRAGMA journal_mode = DELETE")
    with BatchFile.open(path) as batch:
        assert batch.pragma("journal_mode") == "wal"
    assert journal_mode(path) == "wal"


# ---------------------------------------------------------------------------------------------
# SQLite's failures, told by their code
# ---------------------------------------------------------------------------------------------


def _raised(code: int, message: str = "some words") -> sqlite3.Error:
    exc = sqlite3.OperationalError(message)
    exc.sqlite_errorcode = code  # type: ignore[attr-defined]
    exc.sqlite_errorname = "made up"  # type: ignore[attr-defined]
    return exc


def _caught(action: Callable[[], object]) -> sqlite3.Error:
    with pytest.raises(sqlite3.Error) as caught:
        action()
    return caught.value


@pytest.mark.parametrize(
    ("code", "kind", "words"),
    [
        (sqlite3.SQLITE_BUSY, DatabaseFileError, "is busy in another program"),
        (sqlite3.SQLITE_LOCKED, DatabaseFileError, "is busy in another program"),
        (sqlite3.SQLITE_READONLY, DatabaseFileError, "read-only"),
        (sqlite3.SQLITE_CANTOPEN, DatabaseFileError, "read-only"),
        (sqlite3.SQLITE_PERM, DatabaseFileError, "not yours to change"),
        (sqlite3.SQLITE_FULL, DatabaseFileError, "the disk is full"),
        (sqlite3.SQLITE_CORRUPT, DamagedFileError, "is damaged"),
        (sqlite3.SQLITE_NOTADB, DamagedFileError, "is damaged"),
        (sqlite3.SQLITE_IOERR, DatabaseFileError, "reported an error"),
        (778, DatabaseFileError, "reported an error"),  # SQLITE_IOERR_WRITE, an extended code
        (1544, DatabaseFileError, "read-only"),  # SQLITE_READONLY_DIRECTORY
    ],
)
def test_each_code_has_its_message_naming_the_file(tmp_path, code, kind, words):
    path = tmp_path / "x.icgbatch"
    error = sqlite_user_error(path, _raised(code))
    assert type(error) is kind
    assert str(error).startswith(f"{path}: ")
    assert words in str(error)


def test_a_file_that_cannot_be_opened_for_reading_is_not_said_to_be_unsaved(tmp_path):
    path = tmp_path / "x.icgbatch"
    error = sqlite_user_error(path, _raised(sqlite3.SQLITE_CANTOPEN), writing=False)
    assert str(error) == f"{path}: cannot be opened: you may not read it, or it was moved"


def test_the_words_of_a_message_decide_nothing(tmp_path):
    path = tmp_path / "x.icgbatch"
    assert sqlite_user_error(path, _raised(sqlite3.SQLITE_CONSTRAINT, "database is locked")) is None
    assert sqlite_user_error(path, sqlite3.OperationalError("database is locked")) is None
    assert sqlite_user_error(path, ValueError("disk is full")) is None


def test_real_failures_carry_the_codes_mapped(tmp_path, revised):
    path = make_batch(tmp_path / "b.icgbatch", revised)
    # Busy: another connection holds the write lock.
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    busy = _caught(lambda: other.execute("BEGIN IMMEDIATE"))
    holder.execute("ROLLBACK")
    holder.close()
    other.close()
    # Read-only: a connection that may not write.
    ro = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
    readonly = _caught(lambda: ro.execute("DELETE FROM change_log"))
    ro.close()
    # Cannot open: a folder that is not there.
    cantopen = _caught(lambda: sqlite3.connect(tmp_path / "gone" / "x.icgbatch"))
    # Full: the database may not grow past its size.
    full_con = sqlite3.connect(path, isolation_level=None)
    (pages,) = full_con.execute("PRAGMA page_count").fetchone()
    full_con.execute(f"PRAGMA max_page_count = {pages}")
    full = _caught(lambda: full_con.execute("UPDATE batch SET rubric_text = ?", ("x" * 10**6,)))
    full_con.close()
    # Not a database: a text file.
    notes = tmp_path / "notes.icgbatch"
    notes.write_text("Dear scorer,\n" * 40)
    notes_con = sqlite3.connect(notes)
    notadb = _caught(lambda: notes_con.execute("SELECT * FROM sqlite_master").fetchall())
    notes_con.close()
    # Corrupt: pages scribbled over.
    damaged = make_batch(tmp_path / "d.icgbatch", revised)
    _scribbled(damaged)
    damaged_con = sqlite3.connect(damaged)
    corrupt = _caught(lambda: damaged_con.execute("SELECT * FROM portfolio, entry").fetchall())
    damaged_con.close()

    for exc, code, words in (
        (busy, sqlite3.SQLITE_BUSY, "busy"),
        (readonly, sqlite3.SQLITE_READONLY, "read-only"),
        (cantopen, sqlite3.SQLITE_CANTOPEN, "read-only"),
        (full, sqlite3.SQLITE_FULL, "disk is full"),
        (notadb, sqlite3.SQLITE_NOTADB, "is damaged"),
        (corrupt, sqlite3.SQLITE_CORRUPT, "is damaged"),
    ):
        assert exc.sqlite_errorcode & 0xFF == code, exc  # type: ignore[attr-defined]
        assert words in str(sqlite_user_error(path, exc))


def test_a_busy_batch_is_told_as_busy_from_a_transaction(tmp_path, revised):
    path = make_batch(tmp_path / "b.icgbatch", revised)
    with BatchFile.open(path) as batch:
        batch.pragma("busy_timeout = 20")  # the pooled connection: no five-second wait here
        holder = sqlite3.connect(path, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        try:
            with pytest.raises(DatabaseFileError, match="is busy in another program"):
                with batch.transaction() as session:
                    session.execute(text("DELETE FROM change_log"))
        finally:
            holder.execute("ROLLBACK")
            holder.close()


def test_a_full_disk_is_told_from_a_transaction(tmp_path, revised):
    path = make_batch(tmp_path / "b.icgbatch", revised)
    with BatchFile.open(path) as batch:
        pages = batch.pragma("page_count")
        batch.pragma(f"max_page_count = {pages + 2}")
        with pytest.raises(DatabaseFileError, match="cannot be saved: the disk is full"):
            with batch.transaction() as session:
                session.execute(text("UPDATE batch SET rubric_text = :t"), {"t": "x" * 10**6})
        with batch.reading() as session:
            assert session.scalars(select(FactorRead.factor_key)).one() == "data"


def test_a_bug_keeps_its_traceback(tmp_path, revised):
    from sqlalchemy.exc import IntegrityError

    path = make_batch(tmp_path / "b.icgbatch", revised)
    with BatchFile.open(path) as batch:
        with pytest.raises(IntegrityError), batch.transaction() as session:
            session.execute(text("INSERT INTO batch (id) VALUES (2)"))
