"""Rotating backups of an open batch or cohort (issue 15, item 9): the operations, no Qt.

A backup is SQLite's online backup of the file as committed (the write-ahead log's part
included, while the file is open), written whole or not at all; at most KEEP are kept; restoring
checks the backup like any file opened, backs up the state it replaces first, and applies it in
one transaction.
"""

from __future__ import annotations

import os
import sqlite3
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from pathlib import Path

import pytest
from sqlalchemy import select, update
from test_migrations import execute, make_batch, make_cohort, sha256

from icg_desk.models.batch_file import BatchFile, validate_batch
from icg_desk.models.cohort_file import CohortFile, validate_cohort
from icg_desk.models.schema import FactorRead, Portfolio
from icg_desk.models.sqlite_file import DatabaseFileError
from icg_desk.operations.backups import (
    BackupError,
    BackupSchedule,
    backup_folder,
    fingerprint,
    list_backups,
    make_backup,
    restore_backup,
)
from icg_desk.operations.errors import FileBusy
from icg_desk.operations.file_lock import SCORER_WINDOW, lock_file

T0 = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)


def scores(path: Path) -> list[str]:
    con = sqlite3.connect(path)
    try:
        return [row[0] for row in con.execute("SELECT score FROM factor_read ORDER BY id")]
    finally:
        con.close()


def set_score(batch: BatchFile, score: str) -> None:
    with batch.transaction() as session:
        session.execute(update(FactorRead).values(score=Fraction(score)))


def test_a_backup_of_an_open_batch_holds_what_is_committed_even_in_the_log(tmp_path, revised):
    path = make_batch(tmp_path / "b.icgbatch", revised)
    with BatchFile.open(path) as batch:
        set_score(batch, "4.25")
        assert path.with_name("b.icgbatch-wal").stat().st_size > 0  # still in the log
        backup = make_backup(path, base=tmp_path / "data")
    assert backup.parent == backup_folder(path, tmp_path / "data")
    assert backup.parent.is_relative_to(tmp_path / "data" / "backups")
    assert validate_batch(backup) >= 1  # a batch like any other, whole
    assert scores(backup) == ["4.25"]
    assert [p.name for p in backup.parent.iterdir()] == [backup.name]  # nothing else left


def test_at_most_keep_backups_are_kept_the_oldest_removed(tmp_path, revised):
    path = make_batch(tmp_path / "b.icgbatch", revised)
    base = tmp_path / "data"
    made = [make_backup(path, base=base, keep=3, now=T0 + timedelta(minutes=i)) for i in range(5)]
    left = sorted(p.name for p in backup_folder(path, base).iterdir())
    assert left == sorted(p.name for p in made[-3:])


def test_the_listing_is_newest_first_with_what_each_holds(tmp_path, revised):
    path = make_batch(tmp_path / "b.icgbatch", revised)
    base = tmp_path / "data"
    make_backup(path, base=base, now=T0)
    execute(path, "UPDATE portfolio SET status = 'complete'")
    make_backup(path, base=base, now=T0 + timedelta(minutes=10))
    listed = list_backups(path, base=base)
    assert [b.made_at for b in listed] == [T0 + timedelta(minutes=10), T0]
    assert [b.contents for b in listed] == [
        "1 of 1 portfolios complete, 0 in progress",
        "0 of 1 portfolios complete, 0 in progress",
    ]


def test_a_link_or_another_file_in_the_folder_is_neither_listed_nor_removed(tmp_path, revised):
    path = make_batch(tmp_path / "b.icgbatch", revised)
    base = tmp_path / "data"
    first = make_backup(path, base=base, keep=1, now=T0)
    folder = first.parent
    precious = tmp_path / "precious.icgbatch"
    precious.write_bytes(b"mine")
    (folder / "2020-01-01T00-00-00.000000Z.icgbatch").symlink_to(precious)
    (folder / "notes.txt").write_text("keep me")
    make_backup(path, base=base, keep=1, now=T0 + timedelta(minutes=10))
    assert [b.made_at for b in list_backups(path, base=base)] == [T0 + timedelta(minutes=10)]
    assert precious.read_bytes() == b"mine"
    assert (folder / "notes.txt").exists()
    assert os.path.islink(folder / "2020-01-01T00-00-00.000000Z.icgbatch")


def test_restoring_brings_the_state_back_and_can_itself_be_undone(tmp_path, revised):
    path = make_batch(tmp_path / "b.icgbatch", revised)
    base = tmp_path / "data"
    older = make_backup(path, base=base, now=T0)  # the score is 3.25 here
    with BatchFile.open(path) as batch:
        set_score(batch, "1.75")
    undo = restore_backup(path, older, base=base)
    assert scores(path) == ["3.25"]
    assert scores(undo) == ["1.75"]  # the state replaced, kept first
    with BatchFile.open(path) as batch, batch.reading() as session:
        assert session.scalars(select(Portfolio.candidate_code)).one() == "C27-00001"
    restore_backup(path, undo, base=base)
    assert scores(path) == ["1.75"]


def test_a_tampered_backup_is_refused_and_the_file_is_left_as_it_was(tmp_path, revised):
    path = make_batch(tmp_path / "b.icgbatch", revised)
    base = tmp_path / "data"
    backup = make_backup(path, base=base, now=T0)
    execute(backup, "CREATE TRIGGER t AFTER UPDATE ON batch BEGIN DELETE FROM portfolio; END")
    before = sha256(path)
    with pytest.raises(BackupError, match="cannot be restored.*trigger 't'"):
        restore_backup(path, backup, base=base)
    assert sha256(path) == before
    assert len(list_backups(path, base=base)) == 1  # nor backed up for nothing


def test_a_backup_of_another_batch_is_refused(tmp_path, revised):
    path = make_batch(tmp_path / "b.icgbatch", revised)
    base = tmp_path / "data"
    other = make_batch(tmp_path / "other.icgbatch", revised)
    execute(other, "UPDATE batch SET batch_id = 'b-2'")
    stranger = make_backup(other, base=base, now=T0)
    planted = backup_folder(path, base) / stranger.name
    planted.parent.mkdir(parents=True)
    stranger.rename(planted)
    before = sha256(path)
    with pytest.raises(BackupError, match="backup of another batch"):
        restore_backup(path, planted, base=base)
    with pytest.raises(BackupError, match="not one of the backups"):
        restore_backup(path, other, base=base)
    assert sha256(path) == before


def test_a_file_open_elsewhere_is_not_restored_over(tmp_path, revised):
    path = make_batch(tmp_path / "b.icgbatch", revised)
    base = tmp_path / "data"
    backup = make_backup(path, base=base, now=T0)
    before = sha256(path)
    with lock_file(path, SCORER_WINDOW), pytest.raises(FileBusy):
        restore_backup(path, backup, base=base)
    assert sha256(path) == before


def test_a_failed_backup_leaves_nothing_in_the_folder(tmp_path):
    path = tmp_path / "not.icgbatch"
    path.write_text("Dear scorer,\n" * 20)
    with pytest.raises(DatabaseFileError, match="is damaged"):
        make_backup(path, base=tmp_path / "data")
    folder = backup_folder(path, tmp_path / "data")
    assert list(folder.iterdir()) == []


def test_a_cohort_is_backed_up_and_restored_too(tmp_path, revised):
    path = make_cohort(tmp_path / "c.icgcohort", revised)
    base = tmp_path / "data"
    backup = make_backup(path, base=base, now=T0)
    assert validate_cohort(backup) >= 1
    assert list_backups(path, base=base)[0].contents == "1 candidates, 0 of 0 reads scored"
    execute(path, "DELETE FROM merge_log")
    restore_backup(path, backup, base=base)
    with CohortFile.open(path) as cohort:
        assert cohort.name == "2026-27"
    con = sqlite3.connect(path)
    assert con.execute("SELECT count(*) FROM merge_log").fetchone() == (1,)
    con.close()


def test_the_schedule_backs_up_on_open_then_every_so_often_while_it_changes():
    schedule = BackupSchedule(every=timedelta(minutes=10))
    assert schedule.due((1,), T0)  # on open
    schedule.done((1,), T0)
    assert not schedule.due((1,), T0 + timedelta(hours=5))  # nothing changed
    assert not schedule.due((2,), T0 + timedelta(minutes=9))  # changed, too soon
    assert schedule.due((2,), T0 + timedelta(minutes=10))
    assert schedule.due((2,), T0 + timedelta(minutes=1), closing=True)  # on close if changed
    assert not schedule.due((1,), T0 + timedelta(minutes=1), closing=True)


def test_the_fingerprint_changes_when_the_batch_is_written(tmp_path, revised):
    path = make_batch(tmp_path / "b.icgbatch", revised)
    with BatchFile.open(path) as batch:
        seen = fingerprint(path)
        assert fingerprint(path) == seen
        set_score(batch, "2.75")
        assert fingerprint(path) != seen
