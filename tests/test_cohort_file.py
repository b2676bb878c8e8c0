"""The cohort database file: made, reopened, and told apart from batches and strangers."""

import hashlib
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import select

from icg_desk.models.batch_file import BatchFile
from icg_desk.models.cohort_file import (
    CohortFile,
    CohortFileError,
    DamagedCohortError,
    NewerCohortError,
    NotACohortError,
)
from icg_desk.models.cohort_schema import COHORT_SCHEMA_VERSION, Candidate, MergeLog, Scorer


def make(path: Path, rubric) -> Path:
    with (
        CohortFile.create(path, name="2026-27", rubric=rubric) as cohort,
        cohort.transaction() as s,
    ):
        s.add(
            Candidate(
                candidate_id="1042",
                code="C27-00001",
                name="Zoë Ñúñez",
                organisation="Lincoln USD",
                retake_factors=["data"],
            )
        )
        s.add(Scorer(scorer_id="S-1", name="Ana", conflicts=["1042"]))
    return path


def test_a_cohort_reopens_with_its_name_rubric_and_rows(tmp_path, revised):
    path = make(tmp_path / "c.icgcohort", revised)
    with CohortFile.open(path) as cohort, cohort.reading() as session:
        assert cohort.name == "2026-27"
        assert cohort.rubric == revised
        candidate = session.scalars(select(Candidate)).one()
        assert (candidate.name, candidate.retake_factors) == ("Zoë Ñúñez", ["data"])
        assert session.scalars(select(Scorer.conflicts)).one() == ["1042"]


def test_creating_over_a_file_is_refused(tmp_path, revised):
    path = make(tmp_path / "c.icgcohort", revised)
    with pytest.raises(CohortFileError, match="already exists"):
        CohortFile.create(path, name="x", rubric=revised)


def refused(path: Path, error, message: str) -> None:
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    with pytest.raises(error, match=message):
        CohortFile.open(path)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before


def test_a_batch_is_not_a_cohort(tmp_path, revised):
    path = tmp_path / "b.icgbatch"
    BatchFile.create(
        path, batch_id="b", cohort="c", scorer_id="s", scorer_name="n", rubric=revised
    ).close()
    refused(path, NotACohortError, "not an ICG Desk cohort")


def test_a_text_file_and_a_newer_cohort_are_refused(tmp_path, revised):
    text = tmp_path / "notes.icgcohort"
    text.write_text("hello " * 40)
    refused(text, NotACohortError, r"is not an ICG Desk cohort \(it is not an SQLite database\)")
    path = make(tmp_path / "c.icgcohort", revised)
    con = sqlite3.connect(path)
    con.execute(f"PRAGMA user_version = {COHORT_SCHEMA_VERSION + 1}")
    con.commit()
    con.close()
    refused(path, NewerCohortError, "newer ICG Desk")


def test_a_damaged_cohort_is_refused(tmp_path, revised):
    path = make(tmp_path / "c.icgcohort", revised)
    con = sqlite3.connect(path)
    con.execute("DROP TABLE merge_log")
    con.commit()
    con.close()
    refused(path, DamagedCohortError, "table 'merge_log' is missing")


def test_a_cohort_of_format_1_is_brought_up_to_date_when_opened(tmp_path, revised):
    # Format 1 had no merge_log.scores_as_of, nor the tables later formats added: the file as
    # an earlier ICG Desk left it (opening refuses a table its format did not have).
    path = make(tmp_path / "c.icgcohort", revised)
    con = sqlite3.connect(path)
    con.execute("ALTER TABLE merge_log DROP COLUMN scores_as_of")
    later = ("flag_event", "flag", "coordinator_event", "withdrawal", "banked_score", "key_score")
    for table in (*later, "merge_conflict"):
        con.execute(f"DROP TABLE {table}")
    con.execute(
        "INSERT INTO merge_log (at, file_name, file_sha256, outcome, detail, changes) "
        "VALUES ('2026-07-01T09:00:00.000000+00:00', 'old.icgbatch', 'ab', 'accepted', '', '[]')"
    )
    con.execute("PRAGMA user_version = 1")
    con.commit()
    con.close()

    with CohortFile.open(path) as cohort:
        assert cohort.pragma("user_version") == COHORT_SCHEMA_VERSION == 8
        with cohort.reading() as session:
            log = session.scalars(select(MergeLog)).one()
            assert (log.file_name, log.scores_as_of) == ("old.icgbatch", None)
            assert session.scalars(select(Candidate.name)).one() == "Zoë Ñúñez"
    with CohortFile.open(path) as cohort:  # and opens again as it now is
        assert cohort.pragma("user_version") == COHORT_SCHEMA_VERSION
