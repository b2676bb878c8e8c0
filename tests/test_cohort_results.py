"""Results from merged reads, and release: what counts as a read, the means, the lock."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path

import pytest
from sqlalchemy import insert

from icg_desk.demo.cohort import build_demo_cohort, write_demo_inputs
from icg_desk.models.assignment import AssignmentError, assign, move_assignment
from icg_desk.models.cohort_file import CohortFile
from icg_desk.models.cohort_results import (
    ReleaseError,
    ResultsCancelled,
    cohort_results,
    release_results,
)
from icg_desk.models.cohort_schema import Assignment, Candidate, CandidateEntry, ReadScore, Scorer
from icg_desk.models.merge import REJECTED
from icg_desk.models.roster import ImportRejected
from icg_desk.models.rubric_file import builtin_rubric
from icg_desk.operations.merge import merge_files
from icg_desk.operations.roster_import import import_roster, import_scorers
from icg_desk.operations.sending import export_batches
from icg_desk.scoring import Status, decide

F = Fraction
RUBRIC = builtin_rubric()
KEYS = RUBRIC.factor_keys


@pytest.fixture
def cohort(tmp_path: Path) -> Iterator[CohortFile]:
    """Three candidates, each read by S-1 and S-2; reads are written by `reads()`."""
    with CohortFile.create(tmp_path / "c.icgcohort", name="2026-27", rubric=RUBRIC) as cohort:
        with cohort.transaction() as s:
            scorers = [Scorer(scorer_id=f"S-{i}", name=f"Scorer {i}") for i in (1, 2)]
            for i in (1, 2, 3):
                c = Candidate(candidate_id=f"100{i}", code=f"C27-00{i}", name=f"Name {i}")
                c.entries = [CandidateEntry(number=e.number, text="Text.") for e in RUBRIC.entries]
                s.add(c)
                for scorer in scorers:
                    s.add(Assignment(candidate=c, scorer=scorer, batch_id=f"B-{scorer.scorer_id}"))
        yield cohort


def reads(cohort: CohortFile, given: dict[tuple[str, str], dict[str, Fraction]]) -> None:
    """Write merged reads: (candidate id, scorer id) -> {factor: score}."""
    with cohort.transaction() as s:
        ids = {
            (a.candidate.candidate_id, a.scorer.scorer_id): a.id for a in s.query(Assignment).all()
        }
        rows = [
            {"assignment_ref": ids[who], "factor_key": key, "score": score, "rationale": ""}
            for who, scores in given.items()
            for key, score in scores.items()
        ]
        s.execute(insert(ReadScore), rows)


def every(score: Fraction) -> dict[str, Fraction]:
    return {key: score for key in KEYS}


def test_a_factor_score_is_the_mean_of_the_complete_reads(cohort: CohortFile) -> None:
    reads(
        cohort,
        {
            ("1001", "S-1"): every(F(3)),
            ("1001", "S-2"): every(F(13, 4)),  # 3+
        },
    )
    result = cohort_results(cohort).candidates[0]
    assert result.candidate_id == "1001"
    assert result.scores == {key: F(25, 8) for key in KEYS}  # 3.125, exactly
    assert (result.reads_in, result.reads_missing, result.reads_partial) == (2, 0, 0)
    assert result.decision == decide(RUBRIC, result.scores)
    assert result.decision.status is Status.CERTIFIED


def test_a_half_scored_read_neither_moves_a_mean_nor_counts_as_in(cohort: CohortFile) -> None:
    partial = every(F(1))
    del partial[KEYS[-1]]
    reads(cohort, {("1002", "S-1"): every(F(3)), ("1002", "S-2"): partial})
    result = cohort_results(cohort).candidates[1]
    assert result.scores == {key: F(3) for key in KEYS}
    assert (result.reads_in, result.reads_partial, result.reads_missing) == (1, 1, 1)


def test_no_read_yet_is_incomplete_with_every_read_missing(cohort: CohortFile) -> None:
    result = cohort_results(cohort).candidates[2]
    assert result.decision.status is Status.INCOMPLETE
    assert result.scores == {key: None for key in KEYS}
    assert result.reads_missing == 2


def test_discrepant_reads_are_flagged_per_factor(cohort: CohortFile) -> None:
    low = every(F(3))
    low["data"] = F(7, 4)  # 2-; the other read says 3+: a spread of 1.5
    reads(cohort, {("1001", "S-1"): low, ("1001", "S-2"): every(F(13, 4))})
    result = cohort_results(cohort).candidates[0]
    assert result.discrepant == ("data",)
    assert result.scores["data"] == F(5, 2)


def test_results_as_json_show_scores_as_two_decimal_strings(cohort: CohortFile) -> None:
    reads(cohort, {("1001", "S-1"): every(F(3)), ("1001", "S-2"): every(F(11, 4))})
    data = cohort_results(cohort).as_json()
    first = data["results"][0]  # type: ignore[index]
    assert first["factors"]["impact_cycle"] == "2.88"  # 2.875 half up
    assert first["overall"] == "2.88"
    assert first["status"] == "certified"
    assert data["reads_missing"] == 4  # candidates 1002 and 1003, two reads each
    assert data["waiting_for_reads"] == 2


def test_a_decision_is_settled_only_once_every_read_is_in(cohort: CohortFile) -> None:
    reads(
        cohort,
        {("1001", "S-1"): every(F(3)), ("1001", "S-2"): every(F(3)), ("1002", "S-1"): every(F(3))},
    )
    results = cohort_results(cohort)
    # 1002 certifies on the one read in so far, but is waiting: never counted as certified.
    assert results.candidates[1].decision.status is Status.CERTIFIED
    assert results.candidates[1].state.label == "Waiting: 1 read missing"
    assert results.count(Status.CERTIFIED) == results.settled(Status.CERTIFIED) == 1
    assert [c.candidate_id for c in results.missing] == ["1002", "1003"]
    assert [c.candidate_id for c in results.waiting] == ["1002", "1003"]


def test_progress_can_cancel_the_results(cohort: CohortFile) -> None:
    with pytest.raises(ResultsCancelled):
        cohort_results(cohort, progress=lambda done, total: False)


def test_release_refuses_while_reads_are_missing_and_names_who(cohort: CohortFile) -> None:
    reads(cohort, {("1001", "S-1"): every(F(3)), ("1001", "S-2"): every(F(3))})
    with pytest.raises(ReleaseError, match=r"2 candidates .*1002 \(0 of 2 reads in\), 1003"):
        release_results(cohort)
    assert cohort.released_at is None


def test_release_stamps_once_and_then_refuses_again(cohort: CohortFile) -> None:
    reads(
        cohort,
        {(c, s): every(F(2)) for c in ("1001", "1002", "1003") for s in ("S-1", "S-2")},
    )
    stamp = release_results(cohort)
    assert cohort.released_at == stamp
    assert cohort_results(cohort).released_at == stamp
    with pytest.raises(ReleaseError, match="already|released on"):
        release_results(cohort)
    assert cohort.released_at == stamp


# --- the lock, on a whole demo cohort ---------------------------------------------------------


@pytest.fixture(scope="module")
def demo_master(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_demo_cohort(tmp_path_factory.mktemp("demo"), candidates=6, scorers=3)


@pytest.fixture
def released(demo_master: Path, tmp_path: Path) -> Iterator[tuple[CohortFile, Path]]:
    folder = tmp_path / "demo"
    shutil.copytree(demo_master.parent, folder)
    with CohortFile.open(folder / demo_master.name) as cohort:
        release_results(cohort)
        yield cohort, folder


def test_the_demo_cohort_is_whole_and_every_read_is_in(demo_master: Path, tmp_path: Path) -> None:
    copy = tmp_path / "c.icgcohort"
    shutil.copy(demo_master, copy)
    with CohortFile.open(copy) as cohort:
        results = cohort_results(cohort)
    assert len(results.candidates) == 6
    assert all(c.reads_in == 2 and c.reads_missing == 0 for c in results.candidates)
    assert results.count(Status.INCOMPLETE) == 0
    assert len(results.reads) == 12


def test_after_release_nothing_can_change_the_results(
    released: tuple[CohortFile, Path], tmp_path: Path
) -> None:
    cohort, folder = released
    before = cohort_results(cohort)
    batches = sorted((folder / "batches").glob("*.icgbatch"))
    (outcome,) = merge_files(cohort, batches[:1])
    assert outcome.outcome == REJECTED
    assert "released" in outcome.reason
    assert "locked" in outcome.reason
    with pytest.raises(AssignmentError, match="locked"):
        assign(cohort, seed=2)
    with pytest.raises(AssignmentError, match="locked"):
        move_assignment(cohort, "1001", "S-01", "S-02")
    with pytest.raises(AssignmentError, match="locked"):
        export_batches(cohort, tmp_path / "out")
    inputs = write_demo_inputs(tmp_path / "more", candidates=2, scorers=1)
    with pytest.raises(ImportRejected, match="roster.csv: not imported: .*locked"):
        import_roster(cohort, inputs.roster, inputs.documents)
    with pytest.raises(ImportRejected, match="scorers.csv: not imported"):
        import_scorers(cohort, inputs.scorers)
    after = cohort_results(cohort)
    assert after.candidates == before.candidates
    assert after.reads == before.reads


@pytest.mark.parametrize("scorers", [2, 3, 4])
def test_the_demo_cohort_can_always_be_assigned(tmp_path: Path, scorers: int) -> None:
    """Whatever its size, the sample's district and conflict rules leave two scorers each."""
    for seed in (1, 2, 3):
        path = build_demo_cohort(
            tmp_path / f"{seed}", candidates=5, scorers=scorers, seed=seed, words_per_entry=30
        )
        with CohortFile.open(path) as cohort:
            assert all(c.reads_in == 2 for c in cohort_results(cohort).candidates)
