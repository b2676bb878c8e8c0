"""The batch file: identity, pragmas, transactions, and refusing what it cannot open."""

import hashlib
import sqlite3
from fractions import Fraction as F
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from icg_desk.models.batch_file import (
    BatchFile,
    BatchFileError,
    DamagedBatchError,
    NewerBatchError,
    NotABatchError,
)
from icg_desk.models.portfolios import EntryContent, PortfolioContent, VideoContent, add_portfolios
from icg_desk.models.schema import (
    APPLICATION_ID,
    SCHEMA_VERSION,
    EntryDocument,
    FactorRead,
    Portfolio,
)


def make_batch(path: Path, rubric, portfolios: int = 2) -> Path:
    with BatchFile.create(
        path,
        batch_id="b-1",
        cohort="2026-27",
        scorer_id="S-1",
        scorer_name="Ana Scorer",
        rubric=rubric,
    ) as batch:
        add_portfolios(
            batch,
            [
                PortfolioContent(
                    f"C27-{i:05d}",
                    (
                        EntryContent(
                            1,
                            f"Entry one of {i}.\n\nSecond paragraph.",
                            (VideoContent("Clip 1", "https://youtu.be/abcdefghijk"),),
                        ),
                        EntryContent(2, f"Entry two of {i}."),
                    ),
                )
                for i in range(1, portfolios + 1)
            ],
        )
    return path


def fingerprint(path: Path) -> tuple[str, float, list[str]]:
    siblings = sorted(p.name for p in path.parent.iterdir())
    return hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime, siblings


def test_a_new_batch_reopens_with_its_identity_and_rubric(batch_path, revised):
    make_batch(batch_path, revised)
    with BatchFile.open(batch_path) as batch:
        ident = batch.identity
        assert (ident.batch_id, ident.cohort, ident.scorer_id, ident.scorer_name) == (
            "b-1",
            "2026-27",
            "S-1",
            "Ana Scorer",
        )
        assert ident.rubric_edition == "icg-revised"
        assert ident.format_version == SCHEMA_VERSION
        assert ident.created_at.tzinfo is not None
        assert ident.exported_at is None
        assert batch.rubric == revised
        assert batch.pragma("application_id") == APPLICATION_ID
        assert batch.pragma("user_version") == SCHEMA_VERSION
        assert batch.pragma("journal_mode") == "wal"
        assert batch.pragma("foreign_keys") == 1
        with batch.reading() as session:
            portfolios = session.scalars(select(Portfolio).order_by(Portfolio.position)).all()
            assert [p.candidate_code for p in portfolios] == ["C27-00001", "C27-00002"]
            assert [e.number for e in portfolios[0].entries] == [1, 2]
            assert portfolios[0].entries[0].text == "Entry one of 1.\n\nSecond paragraph."
            assert portfolios[0].entries[0].videos[0].url == "https://youtu.be/abcdefghijk"
            assert portfolios[0].status == "not_started"


def test_the_batch_holds_no_candidate_names_only_codes(batch_path, revised):
    make_batch(batch_path, revised)
    con = sqlite3.connect(batch_path)
    columns = {
        row[1]
        for table in ("portfolio", "entry")
        for row in con.execute(f"PRAGMA table_info({table})")
    }
    con.close()
    assert not {"name", "first_name", "last_name", "email"} & columns


def test_the_rubric_travels_with_the_batch(batch_path, tmp_path, revised, monkeypatch):
    make_batch(batch_path, revised)
    # Even where the rubric files are gone, the batch opens on the rubric it was made with.
    monkeypatch.setenv("ICG_DESK_RESOURCES", str(tmp_path / "nowhere"))
    with BatchFile.open(batch_path) as batch:
        assert batch.rubric == revised


def test_scores_are_stored_as_exact_decimal_text(batch_path, revised):
    make_batch(batch_path, revised)
    with BatchFile.open(batch_path) as batch:
        with batch.transaction() as session:
            session.add(
                FactorRead(
                    portfolio_id=1, factor_key="data", score=F("3.25"), look_fors_seen=[2, 0]
                )
            )
        with batch.reading() as session:
            read = session.scalars(select(FactorRead)).one()
            assert read.score == F("3.25")
            assert read.look_fors_seen == [0, 2]
    con = sqlite3.connect(batch_path)
    assert con.execute("SELECT score, look_fors_seen FROM factor_read").fetchone() == (
        "3.25",
        "[0, 2]",
    )
    con.close()


def test_a_failed_transaction_leaves_nothing_behind(batch_path, revised):
    make_batch(batch_path, revised)
    with BatchFile.open(batch_path) as batch:
        # The failure must come from inside the transaction, after a write.
        with pytest.raises(RuntimeError), batch.transaction() as session:  # noqa: PT012
            session.add(FactorRead(portfolio_id=1, factor_key="data", score=F(3)))
            session.flush()
            raise RuntimeError("the scorer's laptop had a bad moment")
        with batch.reading() as session:
            assert session.scalars(select(FactorRead)).all() == []


def test_foreign_keys_are_enforced(batch_path, revised):
    make_batch(batch_path, revised)
    with BatchFile.open(batch_path) as batch:
        with pytest.raises(IntegrityError), batch.transaction() as session:
            session.add(EntryDocument(portfolio_id=999, number=1, text="orphan"))


def test_closing_folds_the_log_into_the_single_file(batch_path, revised):
    make_batch(batch_path, revised)
    wal = batch_path.with_name(batch_path.name + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0
    # The file alone, copied elsewhere, is the whole batch.
    copy = batch_path.with_name("copy.icgbatch")
    copy.write_bytes(batch_path.read_bytes())
    with BatchFile.open(copy) as batch, batch.reading() as session:
        assert len(session.scalars(select(Portfolio)).all()) == 2


def test_creating_over_an_existing_file_needs_consent(batch_path, revised):
    make_batch(batch_path, revised)
    with pytest.raises(BatchFileError, match="already exists"):
        BatchFile.create(
            batch_path, batch_id="b", cohort="c", scorer_id="s", scorer_name="n", rubric=revised
        )


def _refused(path: Path, error: type[BatchFileError], message: str) -> None:
    before = fingerprint(path)
    with pytest.raises(error) as err:
        BatchFile.open(path)
    assert str(err.value).startswith(str(path))
    assert message in str(err.value)
    assert fingerprint(path) == before, "a refused file must be left exactly as it was"


def test_a_text_file_is_not_a_batch(tmp_path):
    path = tmp_path / "notes.icgbatch"
    path.write_text("Dear scorer,\n" * 20)
    _refused(path, NotABatchError, "is not an ICG Desk batch (it is not an SQLite database)")


def test_an_empty_file_is_not_a_batch(tmp_path):
    path = tmp_path / "empty.icgbatch"
    path.touch()
    _refused(path, NotABatchError, "is empty")


def test_another_programs_database_is_not_a_batch(tmp_path):
    path = tmp_path / "other.sqlite"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE t (x)")
    con.commit()
    con.close()
    _refused(path, NotABatchError, "SQLite database of another program")


def test_a_batch_from_a_newer_icg_desk_is_refused(batch_path, revised):
    make_batch(batch_path, revised)
    con = sqlite3.connect(batch_path)
    con.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    con.commit()
    con.close()
    _refused(batch_path, NewerBatchError, f"newer ICG Desk (batch format {SCHEMA_VERSION + 1}")


def test_a_truncated_batch_is_damaged(batch_path, revised):
    make_batch(batch_path, revised, portfolios=40)
    data = batch_path.read_bytes()
    batch_path.write_bytes(data[: len(data) // 2])
    _refused(batch_path, DamagedBatchError, "is damaged")


def test_a_batch_with_scribbled_pages_is_damaged(batch_path, revised):
    make_batch(batch_path, revised, portfolios=40)
    data = bytearray(batch_path.read_bytes())
    page = 4096
    for start in range(2 * page, len(data), 3 * page):  # page headers of every third page
        data[start : start + 12] = b"\xde\xad\xbe\xef" * 3
    batch_path.write_bytes(bytes(data))
    _refused(batch_path, DamagedBatchError, "is damaged")


def test_a_batch_missing_a_table_is_damaged(batch_path, revised):
    make_batch(batch_path, revised)
    con = sqlite3.connect(batch_path)
    con.execute("DROP TABLE change_log")
    con.commit()
    con.close()
    _refused(batch_path, DamagedBatchError, "table 'change_log' is missing")


def test_a_batch_with_a_broken_embedded_rubric_is_damaged(batch_path, revised):
    make_batch(batch_path, revised)
    con = sqlite3.connect(batch_path)
    con.execute("UPDATE batch SET rubric_text = 'format = 1'")
    con.commit()
    con.close()
    with pytest.raises(DamagedBatchError, match="embedded rubric is broken"):
        BatchFile.open(batch_path)


def test_missing_files_and_folders(tmp_path):
    with pytest.raises(BatchFileError, match="no such file"):
        BatchFile.open(tmp_path / "nope.icgbatch")
    with pytest.raises(NotABatchError, match="is a folder"):
        BatchFile.open(tmp_path)


def test_portfolios_must_match_the_rubrics_entries(batch_path, revised):
    with BatchFile.create(
        batch_path, batch_id="b", cohort="c", scorer_id="s", scorer_name="n", rubric=revised
    ) as batch, pytest.raises(ValueError, match=r"C27-1: has entries \[1\], the rubric asks for"):
        add_portfolios(batch, [PortfolioContent("C27-1", (EntryContent(1, "only one"),))])


def test_a_killed_process_loses_no_committed_change(batch_path, revised):
    import subprocess
    import sys

    make_batch(batch_path, revised)
    # Commit a score, then die without closing anything: the write-ahead log is left behind.
    script = f"""
import os
from fractions import Fraction
from pathlib import Path
from icg_desk.models.batch_file import BatchFile
from icg_desk.models.schema import FactorRead
batch = BatchFile.open(Path({str(batch_path)!r}))
with batch.transaction() as session:
    session.add(FactorRead(portfolio_id=2, factor_key="leadership", score=Fraction(13, 4)))
os._exit(9)
"""
    result = subprocess.run([sys.executable, "-c", script], check=False)
    assert result.returncode == 9
    assert batch_path.with_name(batch_path.name + "-wal").exists()
    with BatchFile.open(batch_path) as batch, batch.reading() as session:
        read = session.scalars(select(FactorRead)).one()
        assert (read.portfolio_id, read.factor_key, read.score) == (2, "leadership", F("3.25"))
