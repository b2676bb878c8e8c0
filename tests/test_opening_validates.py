"""Opening is validating (issue 15, item 5): a batch or cohort is checked whole, read-only,
before anything writes to it or shows it.

A file holding any schema object ICG Desk does not make (a trigger, a view, another table or
index), a column it does not make, or a value it would not write (a score off the scale, an
unknown status, a time stamp without a zone, a JSON list nested without end) is refused with a
message naming it, on the command line with exit code 2 and in the window with the "Cannot open"
dialog, and is left byte for byte as it was: not switched to write-ahead logging, not migrated.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from test_migrations import (
    BATCH_DOWNGRADES,
    COHORT_DOWNGRADES,
    beside,
    downgrade,
    execute,
    journal_mode,
    make_batch,
    make_cohort,
    sha256,
    user_version,
)

from icg_desk.cli import main
from icg_desk.models.batch_file import BATCH_FORMAT, BatchFile
from icg_desk.models.cohort_file import COHORT_FORMAT, CohortFile
from icg_desk.models.file_checks import expected_objects
from icg_desk.models.sqlite_file import (
    DamagedFileError,
    check_sqlite_contents,
    validate_file,
)

TRIGGER = (
    "CREATE TRIGGER all_top AFTER UPDATE ON batch BEGIN UPDATE factor_read SET score = '4.25'; END"
)


def _ignoring_checks(*statements: str) -> Callable[[Path], None]:
    # What a hand-made file can hold: SQLite's CHECK constraints are the writer's choice.
    return lambda path: execute(path, "PRAGMA ignore_check_constraints = ON", *statements)


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


BATCH_CASES: dict[str, tuple[str, Callable[[Path], None]]] = {
    "an UPDATE trigger": ("trigger 'all_top' on table 'batch'", lambda p: execute(p, TRIGGER)),
    "a view": (
        "a view 'v'",
        lambda p: execute(p, "CREATE VIEW v AS SELECT * FROM portfolio"),
    ),
    "a view in a table's place": (
        "a view 'evidence'",
        lambda p: execute(
            p, "DROP TABLE evidence", "CREATE VIEW evidence AS SELECT * FROM portfolio"
        ),
    ),
    "another table": ("a table 'notes'", lambda p: execute(p, "CREATE TABLE notes (x)")),
    "a trigger beside another index": (
        "trigger 'all_top'",
        lambda p: execute(p, "CREATE INDEX aaa ON portfolio (status)", TRIGGER),
    ),
    "statistics of ANALYZE": ("a table 'sqlite_stat1'", lambda p: execute(p, "ANALYZE")),
    "another index": (
        "an index 'by_score'",
        lambda p: execute(p, "CREATE INDEX by_score ON factor_read (score)"),
    ),
    "another column": (
        "column 'extra'",
        lambda p: execute(p, "ALTER TABLE portfolio ADD COLUMN extra TEXT"),
    ),
    "a generated column": (
        "column 'twice'",
        lambda p: execute(
            p, "ALTER TABLE factor_read ADD COLUMN twice TEXT AS (score || score) VIRTUAL"
        ),
    ),
    "a score of Infinity": (
        "factor_read.score holds 'Infinity'",
        lambda p: execute(p, "UPDATE factor_read SET score = 'Infinity'"),
    ),
    "a score of NaN": (
        "factor_read.score holds 'NaN'",
        lambda p: execute(p, "UPDATE factor_read SET score = 'NaN'"),
    ),
    "a score of abc": (
        "factor_read.score holds 'abc'",
        lambda p: execute(p, "UPDATE factor_read SET score = 'abc'"),
    ),
    "a score of 1e999999999": (
        "factor_read.score holds '1e999999999'",
        lambda p: execute(p, "UPDATE factor_read SET score = '1e999999999'"),
    ),
    "a score between two scale points": (
        "'3.10': not on the scale",
        lambda p: execute(p, "UPDATE factor_read SET score = '3.10'"),
    ),
    "a score above the scale": (
        "'9.00': not on the scale",
        lambda p: execute(p, "UPDATE factor_read SET score = '9.00'"),
    ),
    "a score stored as bytes": (
        "factor_read.score holds 4 bytes of binary data: not a value of its type",
        lambda p: execute(p, "UPDATE factor_read SET score = x'332e3235'"),
    ),
    "a score label": (
        "factor_read.score holds '3+'",
        lambda p: execute(p, "UPDATE factor_read SET score = '3+'"),
    ),
    "an unknown status": (
        "portfolio.status holds 'done', which is not one of complete",
        _ignoring_checks("UPDATE portfolio SET status = 'done'"),
    ),
    "a time stamp without a zone": (
        "a time stamp without a time zone",
        lambda p: execute(p, "UPDATE batch SET created_at = '2026-06-01T10:00:00'"),
    ),
    "a time stamp that is not one": (
        "batch.created_at holds 'yesterday': not a time stamp",
        lambda p: execute(p, "UPDATE batch SET created_at = 'yesterday'"),
    ),
    "a look-for list that is not JSON": (
        "factor_read.look_fors_seen holds '[1,': not a JSON list",
        lambda p: execute(p, "UPDATE factor_read SET look_fors_seen = '[1,'"),
    ),
    "a look-for list nested without end": (
        "nested deeper than ICG Desk writes",
        lambda p: execute(p, f"UPDATE factor_read SET look_fors_seen = '{_nested(100_000)}'"),
    ),
    "a look-for list mixing kinds": (
        "a list mixing kinds of values",
        lambda p: execute(p, """UPDATE factor_read SET look_fors_seen = '[1, "a"]'"""),
    ),
    "a position that is text": (
        "portfolio.position holds 'first'",
        lambda p: execute(p, "UPDATE portfolio SET position = 'first'"),
    ),
}

COHORT_CASES: dict[str, tuple[str, Callable[[Path], None]]] = {
    "a trigger": (
        "trigger 'all_top' on table 'cohort'",
        lambda p: execute(
            p,
            "CREATE TRIGGER all_top AFTER UPDATE ON cohort BEGIN "
            "UPDATE read_score SET score = '4.25'; END",
        ),
    ),
    "a view": ("a view 'v'", lambda p: execute(p, "CREATE VIEW v AS SELECT 1")),
    "a read of Infinity": (
        "read_score.score holds 'Infinity'",
        lambda p: execute(
            p,
            "INSERT INTO assignment (candidate_ref, scorer_ref, assigned_at, kind, factors) "
            "VALUES (1, 1, '2026-06-01T10:00:00+00:00', 'read', '[]')",
            "INSERT INTO read_score (assignment_ref, factor_key, score, rationale) "
            "VALUES (1, 'data', 'Infinity', '')",
        ),
    ),
    "a banked score that is not a number": (
        "banked_score.score holds 'abc': a banked score is a number within the scale",
        lambda p: execute(
            p,
            "INSERT INTO banked_score (candidate_ref, factor_key, score, cycle, source, "
            "banked_at) VALUES (1, 'data', 'abc', '2025-26', '', '2026-06-01T10:00:00+00:00')",
        ),
    ),
    "a banked score off the scale": (
        "banked_score.score holds '9/2': not within the scale",
        lambda p: execute(
            p,
            "INSERT INTO banked_score (candidate_ref, factor_key, score, cycle, source, "
            "banked_at) VALUES (1, 'data', '9/2', '2025-26', '', '2026-06-01T10:00:00+00:00')",
        ),
    ),
    "an unknown role": (
        "scorer.role holds 'boss'",
        lambda p: execute(p, "UPDATE scorer SET role = 'boss'"),
    ),
    "an unknown flag state": (
        "flag.state holds 'gone'",
        _ignoring_checks(
            "INSERT INTO flag (candidate_ref, kind, factor_key, state, reads, detail, "
            "raised_at, closed_by, reason) VALUES (1, 'discrepancy', 'data', 'gone', '', '', "
            "'2026-06-01T10:00:00+00:00', '', '')"
        ),
    ),
}


def _refused_untouched(path: Path, opener: Callable[[Path], object], words: str) -> None:
    before, mode = sha256(path), path.read_bytes()[18]
    with pytest.raises(DamagedFileError) as refused:
        opener(path)
    assert str(refused.value).startswith(str(path))
    assert words in str(refused.value)
    assert sha256(path) == before
    assert path.read_bytes()[18] == mode  # not switched to write-ahead logging
    assert beside(path) == []


@pytest.mark.parametrize("case", sorted(BATCH_CASES))
def test_a_batch_holding_what_icg_desk_never_writes_is_refused_untouched(tmp_path, revised, case):
    words, spoil = BATCH_CASES[case]
    path = make_batch(tmp_path / "b.icgbatch", revised)
    spoil(path)
    _refused_untouched(path, BatchFile.open, words)


@pytest.mark.parametrize("case", sorted(COHORT_CASES))
def test_a_cohort_holding_what_icg_desk_never_writes_is_refused_untouched(tmp_path, revised, case):
    words, spoil = COHORT_CASES[case]
    path = make_cohort(tmp_path / "c.icgcohort", revised)
    spoil(path)
    _refused_untouched(path, CohortFile.open, words)


def test_a_rollback_journal_batch_with_a_trigger_is_not_switched_to_wal(tmp_path, revised):
    path = make_batch(tmp_path / "b.icgbatch", revised)
    execute(path, "PRAGMA journal_mode = DELETE", TRIGGER)
    assert journal_mode(path) == "delete"
    _refused_untouched(path, BatchFile.open, "trigger 'all_top'")
    assert journal_mode(path) == "delete"


def test_an_old_format_cohort_with_a_trigger_is_refused_before_it_is_upgraded(tmp_path, revised):
    path = make_cohort(tmp_path / "c.icgcohort", revised)
    downgrade(path, COHORT_FORMAT, COHORT_DOWNGRADES, 1)
    execute(path, "CREATE TRIGGER t AFTER INSERT ON merge_log BEGIN DELETE FROM scorer; END")
    _refused_untouched(path, CohortFile.open, "trigger 't' on table 'merge_log'")
    assert user_version(path) == 1


def test_an_old_format_batch_with_a_bad_score_is_refused_before_it_is_upgraded(tmp_path, revised):
    path = make_batch(tmp_path / "b.icgbatch", revised)
    downgrade(path, BATCH_FORMAT, BATCH_DOWNGRADES, 1)
    execute(path, "UPDATE factor_read SET score = 'NaN'")
    _refused_untouched(path, BatchFile.open, "factor_read.score holds 'NaN'")
    assert user_version(path) == 1


def test_an_old_format_cohort_holding_a_later_formats_table_is_refused(tmp_path, revised):
    # Format 3 had no withdrawal table: one found there was not made by ICG Desk's format 3.
    path = make_cohort(tmp_path / "c.icgcohort", revised)
    downgrade(path, COHORT_FORMAT, COHORT_DOWNGRADES, 3)
    execute(path, "CREATE TABLE withdrawal (candidate_ref INTEGER PRIMARY KEY)")
    _refused_untouched(path, CohortFile.open, "a table 'withdrawal'")
    assert user_version(path) == 3


def test_an_old_format_batch_may_lack_the_columns_its_migration_adds_and_no_others(
    tmp_path, revised
):
    path = make_batch(tmp_path / "b.icgbatch", revised)
    downgrade(path, BATCH_FORMAT, BATCH_DOWNGRADES, 1)
    assert validate_file(path, BATCH_FORMAT) == 1
    # A current batch must have every column; an old one is checked by what it has.
    current = make_batch(tmp_path / "current.icgbatch", revised)
    execute(current, "ALTER TABLE portfolio DROP COLUMN adjudicate")
    _refused_untouched(current, BatchFile.open, "column portfolio.adjudicate is missing")


@pytest.mark.parametrize(
    ("fmt", "make", "downgrades"),
    [
        (BATCH_FORMAT, make_batch, BATCH_DOWNGRADES),
        (COHORT_FORMAT, make_cohort, COHORT_DOWNGRADES),
    ],
    ids=["batch", "cohort"],
)
def test_each_formats_expected_objects_are_what_that_format_holds(
    tmp_path, revised, fmt, make, downgrades
):
    """The layout's objects of each version, worked out from the models less the tables later
    steps add, are exactly what a file of that version holds (and what the ladder makes of it):
    a step that adds a table without saying so in `tables_added` fails here."""
    assert fmt.layout is not None
    for version in range(fmt.oldest, fmt.version + 1):
        path = make(tmp_path / f"v{version}.icg", revised)
        downgrade(path, fmt, downgrades, version)
        with sqlite3.connect(path) as con:
            found = set(con.execute("SELECT type, name, tbl_name FROM sqlite_master"))
        con.close()
        assert found == expected_objects(fmt.layout, version), version
        assert validate_file(path, fmt) == version
        (BatchFile if fmt is BATCH_FORMAT else CohortFile).open(path).close()
        with sqlite3.connect(path) as con:
            climbed = set(con.execute("SELECT type, name, tbl_name FROM sqlite_master"))
        con.close()
        assert climbed == expected_objects(fmt.layout, fmt.version), version


def test_the_validation_connection_may_only_read(tmp_path, revised):
    """No ATTACH, no write, no pragma that sets anything: refused by SQLite itself on the
    connection that validates, whatever a check asks."""
    path = make_batch(tmp_path / "b.icgbatch", revised)
    before = sha256(path)
    other = tmp_path / "other.db"
    for statement in (
        f"ATTACH DATABASE '{other}' AS other",
        "PRAGMA journal_mode = WAL",
        "PRAGMA user_version = 9",
        "DELETE FROM portfolio",
        "CREATE TABLE t (x)",
    ):

        def check(_path: Path, con: sqlite3.Connection, sql: str = statement) -> None:
            con.execute(sql)

        with pytest.raises(DamagedFileError, match="not authorized"):
            check_sqlite_contents(
                path, required_tables=frozenset(), identity_table="batch", check=check
            )
    assert sha256(path) == before
    assert not other.exists()


def test_validation_runs_no_pragma_that_sets_and_no_attach(tmp_path, revised, monkeypatch):
    """Every statement SQLite runs while a batch and a cohort are validated, traced: reads."""
    statements: list[str] = []
    connect = sqlite3.connect

    def traced(*args, **kwargs):
        con = connect(*args, **kwargs)
        con.set_trace_callback(statements.append)
        return con

    batch = make_batch(tmp_path / "b.icgbatch", revised)
    cohort = make_cohort(tmp_path / "c.icgcohort", revised)
    monkeypatch.setattr(sqlite3, "connect", traced)
    validate_file(batch, BATCH_FORMAT)
    validate_file(cohort, COHORT_FORMAT)
    monkeypatch.undo()
    assert any("read_score" in s for s in statements)  # the trace saw the checks
    for statement in statements:
        words = statement.split()
        assert words[0].upper() in ("SELECT", "PRAGMA"), statement
        assert "=" not in statement.split("(")[0] or words[0].upper() == "SELECT", statement
        assert "ATTACH" not in statement.upper()


def test_batch_summary_on_a_batch_with_a_trigger_is_refused_with_exit_code_2(
    tmp_path, revised, capsys
):
    """Issue 15's failure 8: `batch summary` on a batch carrying an UPDATE trigger set every
    score to 4.25. Now the batch is refused before it is written, and nothing is exported."""
    path = make_batch(tmp_path / "b.icgbatch", revised)
    execute(path, TRIGGER)
    before = sha256(path)
    out = tmp_path / "summary.xlsx"
    with pytest.raises(SystemExit) as exited:
        main(["batch", "summary", str(path), str(out)])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert "trigger 'all_top' on table 'batch'" in err
    assert "Traceback" not in err
    assert sha256(path) == before
    assert beside(path) == []
    assert not out.exists()
    with sqlite3.connect(path) as con:
        assert con.execute("SELECT score FROM factor_read").fetchall() == [("3.25",)]
    con.close()


def test_a_cohort_command_on_a_cohort_with_a_trigger_is_refused_with_exit_code_2(
    tmp_path, revised, capsys
):
    path = make_cohort(tmp_path / "c.icgcohort", revised)
    execute(path, "CREATE TRIGGER t AFTER INSERT ON merge_log BEGIN DELETE FROM read_score; END")
    before = sha256(path)
    with pytest.raises(SystemExit) as exited:
        main(["cohort", "status", str(path)])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert "trigger 't' on table 'merge_log'" in err
    assert "Traceback" not in err
    assert sha256(path) == before
    assert beside(path) == []


def test_a_good_batch_and_cohort_still_open(tmp_path, revised, demo_copies):
    batch = demo_copies.batch(tmp_path / "demo.icgbatch", portfolios=6, seed=3)
    BatchFile.open(batch).close()
    cohort = demo_copies.cohort(tmp_path / "cohort")
    CohortFile.open(cohort).close()


# ---------------------------------------------------------------------------------------------
# The windows: the "Cannot open" dialog, by File > Open too
# ---------------------------------------------------------------------------------------------


def _dialog_of(qtbot, action) -> tuple[str, str, str]:
    """Run `action`, which opens a modal message box: its title, text and details."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox

    seen: list[tuple[str, str, str]] = []

    def close_it() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, QMessageBox):
            QTimer.singleShot(10, close_it)
            return
        seen.append((dialog.windowTitle(), dialog.text(), dialog.detailedText()))
        dialog.close()

    QTimer.singleShot(0, close_it)
    action()
    qtbot.waitUntil(lambda: bool(seen))
    return seen[0]


def _scorer_window(qtbot, tmp_path: Path):
    from PySide6.QtCore import QSettings

    from icg_desk.ui.main_window import MainWindow
    from icg_desk.ui.tasks import SyncTaskRunner

    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(settings, runner=SyncTaskRunner)
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    return window


@pytest.mark.parametrize("score", ["Infinity", "NaN", "abc"])
def test_file_open_on_a_batch_with_a_malformed_score_shows_cannot_open(
    qtbot, tmp_path, revised, monkeypatch, score
):
    """Issue 15's failure 6: File > Open on such a batch showed nothing (the window's open
    raised). Now the action the menu holds shows the dialog, and the window stays as it was."""
    from PySide6.QtWidgets import QFileDialog

    path = make_batch(tmp_path / "b.icgbatch", revised)
    execute(path, f"UPDATE factor_read SET score = '{score}'")
    before = sha256(path)
    window = _scorer_window(qtbot, tmp_path)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(path), ""))
    title, text, details = _dialog_of(qtbot, window.open_action.trigger)
    assert title == "Cannot open batch"
    assert "b.icgbatch" in text
    assert "damaged" in text
    assert f"factor_read.score holds '{score}'" in details
    assert window.session is None
    assert window.stack.currentWidget() is window.start_page
    assert sha256(path) == before
    assert beside(path) == []


def test_the_coordinator_window_refuses_a_cohort_with_a_trigger(qtbot, tmp_path, revised):
    from PySide6.QtCore import QSettings

    from icg_desk.ui.coordinator_window import CoordinatorWindow
    from icg_desk.ui.tasks import SyncTaskRunner

    path = make_cohort(tmp_path / "c.icgcohort", revised)
    execute(
        path,
        "CREATE TRIGGER t AFTER UPDATE ON candidate BEGIN UPDATE read_score SET score = '1.00'; "
        "END",
    )
    before = sha256(path)
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    window = CoordinatorWindow(settings, SyncTaskRunner)
    qtbot.addWidget(window)
    window.show()
    title, _text, details = _dialog_of(qtbot, lambda: window.open_cohort(path))
    assert title == "Cannot open cohort"
    assert "trigger 't' on table 'candidate'" in details
    assert sha256(path) == before
    assert beside(path) == []


@pytest.mark.parametrize(
    "stored",
    ["[[[1]]]", '[["a", ["b"]]]', "[[{}]]", "[" * 200_000, "[" * 50_000 + "]" * 50_000],
    ids=["three levels", "a list in a pair", "an object two down", "open", "closed"],
)
def test_a_list_nested_deeper_than_two_levels_is_refused_by_its_depth(
    stored: str,
) -> None:
    """The decoder's own nesting count (RecursionError) and the two levels ICG Desk writes,
    not a scan of the text: deep or endless nesting is named, never a traceback."""
    from icg_desk.models.file_checks import _json_problem

    assert _json_problem(stored, sort=False) == "a list nested deeper than ICG Desk writes"
    assert _json_problem('[["a", "b"], ["c", 1]]', sort=False) == ""
