"""The Excel summary of a batch with practice portfolios: their rows stay, marked practice, so
that the merge of a summary stays right (a summary has no key; the cohort knows which of its
assignments are practice). A summary without those rows would read to the merge as their
scores removed from a copy it had merged: a conflict on every practice portfolio."""

from __future__ import annotations

from collections.abc import Iterator
from fractions import Fraction as F
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from test_calibration_work import CODE, KEY_A, KEYS, make_batch

from icg_desk.export.summary_xlsx import write_batch_summary
from icg_desk.formats.summary import read_batch_summary
from icg_desk.models.batch_file import BatchFile
from icg_desk.models.cohort_file import CohortFile
from icg_desk.models.cohort_schema import (
    PRACTICE,
    Assignment,
    Candidate,
    CandidateEntry,
    ReadScore,
    Scorer,
)
from icg_desk.models.rubric_file import builtin_rubric
from icg_desk.operations.batch_work import BatchWork
from icg_desk.operations.merge import merge_files


def calibrated(path: Path) -> Path:
    """A batch whose scorer practised on the first practice portfolio (compared with its key),
    was let through with the unlock code, and scored the first live portfolio."""
    make_batch(path)
    with BatchFile.open(path) as batch:
        work = BatchWork(batch)
        rows = work.portfolios()
        practice = rows[0].id
        for key, score in KEY_A.items():
            work.set_score(practice, key, score)
        work.mark_complete(practice)
        work.show_key(practice)
        work.unlock(CODE)
        for key in KEYS:
            work.set_score(rows[2].id, key, F(3))
    return path


def test_practice_rows_are_marked_in_every_sheet(tmp_path: Path) -> None:
    batch_path = calibrated(tmp_path / "calib.icgbatch")
    out = tmp_path / "calib.xlsx"
    with BatchFile.open(batch_path) as batch:
        write_batch_summary(batch, out)
    book = load_workbook(out)
    scores = book["Scores"]
    keys = [c.value for c in scores[1]]
    assert keys[:3] == ["candidate_code", "status", "practice"]
    assert [c.value for c in scores[2]][:3] == ["Candidate code", "Status", "Practice"]
    rows = {r[0]: r[2] for r in scores.iter_rows(min_row=3, values_only=True)}
    practice_marks = {code: mark for code, mark in rows.items() if code.startswith("P27-")}
    assert practice_marks == {"P27-00001": "Practice 1", "P27-00002": "Practice 2"}
    assert all(mark is None for code, mark in rows.items() if not code.startswith("P27-"))
    # The hidden columns moved with it, still hidden, still the last two.
    assert keys[-2:] == ["exported_scores", "version"]
    hidden = [letter for letter, dim in scores.column_dimensions.items() if dim.hidden]
    assert sorted(hidden) == sorted([chr(ord("A") + len(keys) - 2), chr(ord("A") + len(keys) - 1)])
    rationales = book["Rationales"]
    assert [c.value for c in rationales[1]][-1] == "Practice"
    marks = {r[0]: r[-1] for r in rationales.iter_rows(min_row=2, values_only=True)}
    assert marks["P27-00001"] == "Practice 1"
    assert [mark for code, mark in marks.items() if code != "P27-00001"] == [None]
    about = {r[0]: r[1] for r in book["About"].iter_rows(min_row=2, values_only=True)}
    assert about["Practice portfolios"].startswith("2: P27-00001, P27-00002. Calibration")
    assert about["Portfolios"] == 5
    # Read back as every summary is: every portfolio, practice ones with their scores.
    back = read_batch_summary(out)
    assert set(back.scores) == set(rows)
    assert back.scores["P27-00001"] == KEY_A


def test_a_batch_without_practice_keeps_its_layout(tmp_path: Path) -> None:
    path = make_batch(tmp_path / "plain.icgbatch", keys=())
    out = tmp_path / "plain.xlsx"
    with BatchFile.open(path) as batch:
        write_batch_summary(batch, out)
    book = load_workbook(out)
    assert [c.value for c in book["Scores"][1]][:3] == ["candidate_code", "status", KEYS[0]]
    assert [c.value for c in book["Rationales"][1]][-1] == "Rationale"
    labels = [r[0] for r in book["About"].iter_rows(min_row=2, values_only=True)]
    assert "Practice portfolios" not in labels


# --- the merge of a summary stays right --------------------------------------------------------


@pytest.fixture
def cohort(tmp_path: Path) -> Iterator[CohortFile]:
    """A cohort whose batch b-calib-1 went to S-9: the live portfolios as reads, the practice
    portfolios as practice rows with practice assignments (as the sending makes them)."""
    rubric = builtin_rubric()
    batch = make_batch(tmp_path / "sent.icgbatch")
    with BatchFile.open(batch) as sent:
        codes = [p.candidate_code for p in BatchWork(sent).portfolios()]
    with CohortFile.create(tmp_path / "c.icgcohort", name="2026-27", rubric=rubric) as cohort:
        with cohort.transaction() as s:
            scorer = Scorer(scorer_id="S-9", name="Calibrating Scorer")
            s.add(scorer)
            for i, code in enumerate(codes, 1):
                practice = code.startswith("P27-")
                c = Candidate(
                    candidate_id=str(1000 + i),
                    code=code,
                    name="" if practice else f"Candidate {i}",
                    kind=PRACTICE if practice else "candidate",
                )
                c.entries = [CandidateEntry(number=e.number, text="Text.") for e in rubric.entries]
                s.add(c)
                s.add(
                    Assignment(
                        candidate=c,
                        scorer=scorer,
                        batch_id="b-calib-1",
                        kind=PRACTICE if practice else "read",
                    )
                )
        yield cohort


def merged(cohort: CohortFile) -> dict[tuple[str, str], F | None]:
    with cohort.reading() as s:
        rows = s.execute(
            select(Candidate.code, ReadScore.factor_key, ReadScore.score)
            .join(Assignment, ReadScore.assignment_ref == Assignment.id)
            .join(Candidate, Assignment.candidate_ref == Candidate.id)
        ).all()
    return {(code, key): score for code, key, score in rows}


def test_a_summary_after_its_batch_merges_without_a_conflict(
    cohort: CohortFile, tmp_path: Path
) -> None:
    path = calibrated(tmp_path / "calib.icgbatch")
    (first,) = merge_files(cohort, [path])
    assert first.outcome == "accepted"
    practice_read = {k: v for k, v in merged(cohort).items() if k[0] == "P27-00001"}
    assert practice_read == {("P27-00001", key): score for key, score in KEY_A.items()}
    # The scorer goes on with a live portfolio and sends the summary.
    with BatchFile.open(path) as batch:
        work = BatchWork(batch)
        live = work.portfolios()[2]
        work.set_score(live.id, KEYS[1], F(13, 4))
        summary = tmp_path / "calib.xlsx"
        write_batch_summary(batch, summary)
    (second,) = merge_files(cohort, [summary])
    assert second.outcome == "replaced", second.reason
    assert second.changed == 1
    assert "conflict" not in second.reason
    now = merged(cohort)
    assert now[(live.candidate_code, KEYS[1])] == F(13, 4)
    assert {k: v for k, v in now.items() if k[0] == "P27-00001"} == practice_read


def test_a_summary_alone_brings_the_practice_reads(cohort: CohortFile, tmp_path: Path) -> None:
    path = calibrated(tmp_path / "calib.icgbatch")
    summary = tmp_path / "calib.xlsx"
    with BatchFile.open(path) as batch:
        write_batch_summary(batch, summary)
    (outcome,) = merge_files(cohort, [summary])
    assert outcome.outcome == "accepted", outcome.reason
    now = merged(cohort)
    assert {k: v for k, v in now.items() if k[0] == "P27-00001"} == {
        ("P27-00001", key): score for key, score in KEY_A.items()
    }
    # Then the batch itself: the same versions, nothing else changes but the rationales.
    (again,) = merge_files(cohort, [path])
    assert again.outcome in {"unchanged", "replaced"}
    assert again.changed == 0
