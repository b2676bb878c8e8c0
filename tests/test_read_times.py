"""Each merged score keeps its own time (cohort format 8): the batch's `factor_read.updated_at`,
never later than the merge; the drift takes a read's time from it, so a batch returned once at
the end of the summer still shows the weeks its reads were made in."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from pathlib import Path

import pytest
from sqlalchemy import select

from icg_desk.models.agreement import agreement_reads, cohort_agreement
from icg_desk.models.batch_file import BatchFile
from icg_desk.models.cohort_file import CohortFile
from icg_desk.models.cohort_schema import (
    Assignment,
    Candidate,
    CandidateEntry,
    MergeLog,
    ReadScore,
    Scorer,
)
from icg_desk.models.portfolios import EntryContent, PortfolioContent, add_portfolios
from icg_desk.models.rubric_file import builtin_rubric
from icg_desk.operations.batch_work import BatchWork
from icg_desk.operations.merge import merge_files

RUBRIC = builtin_rubric()
KEYS = RUBRIC.factor_keys
COHORT = "2026-27"
CODES = tuple(f"C27-{n:03}" for n in range(1, 7))
WEEK1 = datetime(2026, 7, 1, 9, 30, tzinfo=UTC)  # a Wednesday of ISO week 2026-W27


@pytest.fixture
def cohort(tmp_path: Path) -> Iterator[CohortFile]:
    """Six candidates, each read by S-1 (batch B-1) and S-2 (batch B-2)."""
    with CohortFile.create(tmp_path / "c.icgcohort", name=COHORT, rubric=RUBRIC) as cohort:
        with cohort.transaction() as s:
            scorers = [Scorer(scorer_id=sid, name=f"Scorer {sid}") for sid in ("S-1", "S-2")]
            s.add_all(scorers)
            for i, code in enumerate(CODES, 1):
                c = Candidate(candidate_id=str(1000 + i), code=code, name=f"Candidate {i}")
                c.entries = [CandidateEntry(number=e.number, text="T.") for e in RUBRIC.entries]
                s.add(c)
                for n, scorer in enumerate(scorers, 1):
                    s.add(Assignment(candidate=c, scorer=scorer, batch_id=f"B-{n}"))
        yield cohort


def scored_batch(path: Path, batch_id: str, scorer_id: str, score: Fraction) -> Path:
    with BatchFile.create(
        path, batch_id=batch_id, cohort=COHORT, scorer_id=scorer_id, scorer_name="A", rubric=RUBRIC
    ) as batch:
        entries = tuple(EntryContent(e.number, "Entry text.") for e in RUBRIC.entries)
        add_portfolios(batch, [PortfolioContent(c, entries) for c in CODES])
    with BatchFile.open(path) as batch:
        work = BatchWork(batch)
        for p in work.portfolios():
            for key in KEYS:
                work.set_score(p.id, key, score)
            work.mark_complete(p.id)
    return path


def stamp(path: Path, times: dict[str, datetime]) -> None:
    """The times the scorer's batch recorded: each portfolio's reads made in its own week."""
    con = sqlite3.connect(path)
    with con:
        for code, moment in times.items():
            con.execute(
                "UPDATE factor_read SET updated_at = ? WHERE portfolio_id = "
                "(SELECT id FROM portfolio WHERE candidate_code = ?)",
                (moment.isoformat(timespec="microseconds"), code),
            )
    con.close()


def test_a_batch_returned_once_keeps_each_reads_week(cohort: CohortFile, tmp_path: Path) -> None:
    one = scored_batch(tmp_path / "one.icgbatch", "B-1", "S-1", Fraction(3))
    two = scored_batch(tmp_path / "two.icgbatch", "B-2", "S-2", Fraction(3))
    # S-1 read two portfolios in each of three weeks; S-2 all in the first week.
    weeks = {code: WEEK1 + timedelta(weeks=i // 2, hours=i) for i, code in enumerate(CODES)}
    stamp(one, weeks)
    stamp(two, dict.fromkeys(CODES, WEEK1))
    outcomes = merge_files(cohort, [one, two])
    assert [o.outcome for o in outcomes] == ["accepted", "accepted"]

    with cohort.reading() as s:
        stored = dict(
            s.execute(
                select(Candidate.code, ReadScore.changed_at)
                .join(Assignment, ReadScore.assignment_ref == Assignment.id)
                .join(Candidate, Assignment.candidate_ref == Candidate.id)
                .join(Scorer, Assignment.scorer_ref == Scorer.id)
                .where(Scorer.scorer_id == "S-1", ReadScore.factor_key == KEYS[0])
            ).all()
        )
        assert stored == weeks  # each score's own time, not the file's
        reads = {(r.scorer_id, r.portfolio): r.at for r in agreement_reads(s, RUBRIC, cohort)}
    assert reads[("S-1", CODES[5])] == weeks[CODES[5]]
    drift = cohort_agreement(cohort).figures.scorer("S-1").drift
    assert [w.week for w in drift.weeks] == ["2026-W27", "2026-W28", "2026-W29"]
    assert [w.reads for w in drift.weeks] == [2, 2, 2]


def test_a_clock_ahead_of_the_merge_counts_as_the_merge(cohort: CohortFile, tmp_path: Path) -> None:
    one = scored_batch(tmp_path / "one.icgbatch", "B-1", "S-1", Fraction(3))
    stamp(one, {CODES[0]: datetime(2099, 1, 1, tzinfo=UTC)})
    before = datetime.now(UTC)
    merge_files(cohort, [one])
    after = datetime.now(UTC)
    with cohort.reading() as s:
        times = set(
            s.scalars(
                select(ReadScore.changed_at)
                .join(Assignment, ReadScore.assignment_ref == Assignment.id)
                .join(Candidate, Assignment.candidate_ref == Candidate.id)
                .where(Candidate.code == CODES[0])
            )
        )
    (moment,) = times
    assert moment is not None
    assert before <= moment <= after


def test_a_score_with_no_time_of_its_own_takes_its_files(
    cohort: CohortFile, tmp_path: Path
) -> None:
    """A score merged by an older ICG Desk (or from a summary) has no time: the read takes the
    time its file's scores were last changed, from the merge log, as before format 8."""
    one = scored_batch(tmp_path / "one.icgbatch", "B-1", "S-1", Fraction(3))
    merge_files(cohort, [one])
    as_of = datetime(2026, 8, 3, 12, tzinfo=UTC)
    with cohort.transaction() as s:
        s.execute(ReadScore.__table__.update().values(changed_at=None))
        s.execute(MergeLog.__table__.update().values(scores_as_of=as_of))
    with cohort.reading() as s:
        reads = agreement_reads(s, RUBRIC, cohort)
    assert {r.at for r in reads} == {as_of}


@pytest.mark.parametrize("bad", ["yesterday", "2026-07-01T09:30:00", "", "2026-13-01T00:00+00:00"])
def test_a_read_time_that_is_not_a_zoned_time_rejects_the_file(
    cohort: CohortFile, tmp_path: Path, bad: str
) -> None:
    one = scored_batch(tmp_path / "one.icgbatch", "B-1", "S-1", Fraction(3))
    con = sqlite3.connect(one)
    with con:
        con.execute(
            "UPDATE factor_read SET updated_at = ? WHERE id = (SELECT min(id) FROM factor_read)",
            (bad,),
        )
    con.close()
    before = one.read_bytes()
    (outcome,) = merge_files(cohort, [one])
    assert outcome.outcome == "rejected"
    # Named as damage: the read's own time, or (text sorting after every time) the batch's last
    # change, which is the latest of them.
    assert outcome.reason.startswith("is damaged: ")
    assert "not a time" in outcome.reason
    assert one.read_bytes() == before
    with cohort.reading() as s:
        assert s.scalars(select(ReadScore)).all() == []
