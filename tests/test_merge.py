"""Merging returned batches and summaries: accepted, unchanged, no scores, replaced or rejected."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from fractions import Fraction
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from icg_desk.export.summary_xlsx import write_batch_summary
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
from icg_desk.models.merge import NOT_RETURNED_FILE, MergeOutcome, merge_report
from icg_desk.models.portfolios import EntryContent, PortfolioContent, add_portfolios
from icg_desk.models.rubric_file import builtin_rubric
from icg_desk.operations.batch_work import BatchWork
from icg_desk.operations.merge import merge_files

COHORT = "2026-27"
# batch id -> (scorer, the candidate codes assigned in it)
BATCHES = {"B-1": ("S-1", ("C27-001", "C27-002")), "B-2": ("S-2", ("C27-002", "C27-003"))}
F = Fraction
THREE = F(3)


@pytest.fixture
def cohort(tmp_path: Path) -> Iterator[CohortFile]:
    rubric = builtin_rubric()
    with CohortFile.create(tmp_path / "c.icgcohort", name=COHORT, rubric=rubric) as cohort:
        with cohort.transaction() as s:
            candidates = {}
            for i, code in enumerate(("C27-001", "C27-002", "C27-003", "C27-004"), 1):
                c = Candidate(candidate_id=str(1000 + i), code=code, name=f"Candidate {i}")
                c.entries = [CandidateEntry(number=e.number, text="Text.") for e in rubric.entries]
                candidates[code] = c
                s.add(c)
            for batch_id, (scorer_id, codes) in BATCHES.items():
                scorer = Scorer(scorer_id=scorer_id, name=f"Scorer {scorer_id}")
                s.add(scorer)
                for code in codes:
                    s.add(Assignment(candidate=candidates[code], scorer=scorer, batch_id=batch_id))
        yield cohort


def make_batch(
    path: Path,
    batch_id: str = "B-1",
    *,
    scorer_id: str | None = None,
    codes: tuple[str, ...] | None = None,
    cohort: str = COHORT,
    score: Fraction = THREE,
) -> Path:
    """A batch as a scorer returns it: every factor scored `score`, the first with a rationale."""
    rubric = builtin_rubric()
    default_scorer, default_codes = BATCHES.get(batch_id, ("S-1", ("C27-001",)))
    with BatchFile.create(
        path,
        batch_id=batch_id,
        cohort=cohort,
        scorer_id=scorer_id or default_scorer,
        scorer_name="A Scorer",
        rubric=rubric,
    ) as batch:
        entries = tuple(EntryContent(e.number, "Entry text.") for e in rubric.entries)
        add_portfolios(batch, [PortfolioContent(c, entries) for c in codes or default_codes])
        work = BatchWork(batch)
        for p in work.portfolios():
            for key in rubric.factor_keys:
                work.set_score(p.id, key, score)
            work.set_rationale(p.id, rubric.factor_keys[0], f"Why {p.candidate_code}.")
    return path


def rescore(path: Path, code: str, key: str, score: Fraction | None) -> None:
    with BatchFile.open(path) as batch:
        work = BatchWork(batch)
        (p,) = [p for p in work.portfolios() if p.candidate_code == code]
        work.set_score(p.id, key, score)


def read_scores(cohort: CohortFile) -> dict[tuple[str, str, str], tuple[Fraction | None, str]]:
    """(batch, code, factor) -> (score, rationale) of every merged read."""
    with cohort.reading() as s:
        rows = s.execute(
            select(
                Assignment.batch_id,
                Candidate.code,
                ReadScore.factor_key,
                ReadScore.score,
                ReadScore.rationale,
            )
            .join(Assignment, ReadScore.assignment_ref == Assignment.id)
            .join(Candidate, Assignment.candidate_ref == Candidate.id)
        ).all()
    return {(str(b), c, k): (score, rationale) for b, c, k, score, rationale in rows}


def row_counts(cohort: CohortFile) -> tuple[int, int]:
    with cohort.reading() as s:
        return (
            s.scalar(select(func.count()).select_from(ReadScore)) or 0,
            s.scalar(select(func.count()).select_from(MergeLog)) or 0,
        )


def logs(cohort: CohortFile) -> list[MergeLog]:
    with cohort.reading() as s:
        found = list(s.scalars(select(MergeLog).order_by(MergeLog.id)))
        s.expunge_all()  # loaded, and kept so: reading() rolls back, which would expire them
        return found


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --- accepted, unchanged, replaced ---------------------------------------------------------------


def test_a_returned_batch_is_accepted_with_its_scores_and_rationales(
    cohort: CohortFile, tmp_path: Path
) -> None:
    path = make_batch(tmp_path / "b1.icgbatch")
    (outcome,) = merge_files(cohort, [path])
    assert outcome == MergeOutcome(
        path, "accepted", "S-1", "B-1", outcome.reason, changed=2 * len(cohort.rubric.factors)
    )
    keys = cohort.rubric.factor_keys
    expected = {
        ("B-1", code, key): (F(3), f"Why {code}." if key == keys[0] else "")
        for code in ("C27-001", "C27-002")
        for key in keys
    }
    assert read_scores(cohort) == expected
    (log,) = logs(cohort)
    assert (log.file_name, log.file_sha256, log.scorer_id, log.batch_id, log.outcome) == (
        "b1.icgbatch",
        sha(path),
        "S-1",
        "B-1",
        "accepted",
    )
    assert ["C27-001", keys[0], None, "3.00"] in log.changes


def test_merging_the_same_file_twice_changes_nothing(cohort: CohortFile, tmp_path: Path) -> None:
    path = make_batch(tmp_path / "b1.icgbatch")
    first, second = merge_files(cohort, [path, path])
    assert (first.outcome, second.outcome, second.changed) == ("accepted", "unchanged", 0)
    before = read_scores(cohort)
    (third,) = merge_files(cohort, [path])
    assert third.outcome == "unchanged"
    assert read_scores(cohort) == before
    # Every file is logged, the unchanged ones too, with the same hash.
    assert [log.outcome for log in logs(cohort)] == ["accepted", "unchanged", "unchanged"]
    assert {log.file_sha256 for log in logs(cohort)} == {sha(path)}
    assert logs(cohort)[1].changes == []


def test_a_resubmission_replaces_the_scorers_earlier_scores_and_logs_the_changes(
    cohort: CohortFile, tmp_path: Path
) -> None:
    path = make_batch(tmp_path / "b1.icgbatch")
    other = make_batch(tmp_path / "b2.icgbatch", "B-2", score=F(2))
    merge_files(cohort, [path, other])
    first_hash = sha(path)
    keys = cohort.rubric.factor_keys
    rescore(path, "C27-002", keys[1], F(13, 4))
    rescore(path, "C27-001", keys[2], None)

    (outcome,) = merge_files(cohort, [path])
    assert (outcome.outcome, outcome.changed) == ("replaced", 2)
    scores = read_scores(cohort)
    assert scores[("B-1", "C27-002", keys[1])] == (F(13, 4), "")
    assert ("B-1", "C27-001", keys[2]) not in scores  # unscored now, and nothing else in it
    assert scores[("B-1", "C27-001", keys[0])] == (F(3), "Why C27-001.")
    # The other scorer's reads, of a shared candidate too, are not touched.
    assert scores[("B-2", "C27-002", keys[1])] == (F(2), "")
    log = logs(cohort)[-1]
    assert log.outcome == "replaced"
    assert log.file_sha256 == sha(path) != first_hash
    assert log.changes == [["C27-001", keys[2], "3.00", None], ["C27-002", keys[1], "3.00", "3.25"]]


def test_a_summary_workbook_is_merged_and_agrees_with_its_batch(
    cohort: CohortFile, tmp_path: Path
) -> None:
    path = make_batch(tmp_path / "b1.icgbatch")
    rescore(path, "C27-001", cohort.rubric.factor_keys[3], F(7, 4))
    summary = tmp_path / "b1.xlsx"
    with BatchFile.open(path) as batch:
        write_batch_summary(batch, summary)

    (from_summary,) = merge_files(cohort, [summary])
    assert (from_summary.outcome, from_summary.scorer_id, from_summary.batch_id) == (
        "accepted",
        "S-1",
        "B-1",
    )
    scores = read_scores(cohort)
    assert scores[("B-1", "C27-001", cohort.rubric.factor_keys[3])] == (F(7, 4), "")
    assert len(scores) == 2 * len(cohort.rubric.factors)
    # The batch brings the rationales the summary lacks; the summary again changes nothing,
    # since it carries no rationales to replace them with.
    batch_outcome, summary_again = merge_files(cohort, [path, summary])
    assert (batch_outcome.outcome, batch_outcome.changed) == ("replaced", 0)
    assert "2 rationales changed" in batch_outcome.reason
    assert summary_again.outcome == "unchanged"
    assert read_scores(cohort)[("B-1", "C27-001", cohort.rubric.factor_keys[0])][1] == (
        "Why C27-001."
    )


# --- an older copy never undoes a later file ---------------------------------------------------


def unscored_batch(path: Path, batch_id: str = "B-1") -> Path:
    """A batch as it was sent out: its portfolios, no score yet."""
    rubric = builtin_rubric()
    scorer_id, codes = BATCHES[batch_id]
    with BatchFile.create(
        path,
        batch_id=batch_id,
        cohort=COHORT,
        scorer_id=scorer_id,
        scorer_name="A Scorer",
        rubric=rubric,
    ) as batch:
        entries = tuple(EntryContent(e.number, "Entry text.") for e in rubric.entries)
        add_portfolios(batch, [PortfolioContent(c, entries) for c in codes])
    return path


def test_an_untouched_batch_says_it_has_no_scores_yet_not_unchanged(
    cohort: CohortFile, tmp_path: Path
) -> None:
    sent = unscored_batch(tmp_path / "sent.icgbatch")
    first, again = merge_files(cohort, [sent, sent])
    for outcome in (first, again):
        assert (outcome.outcome, outcome.changed) == ("no scores", 0)
        assert outcome.reason.startswith("no scores in it yet (batch)")
        assert "unchanged" not in outcome.reason
        assert "already merged" not in outcome.reason
    assert read_scores(cohort) == {}
    assert [log.outcome for log in logs(cohort)] == ["no scores", "no scores"]
    report = merge_report([first])
    assert "no scores in it yet" in report
    assert report.splitlines()[-1] == "1 file: 1 with no scores yet"
    # Once scored, the same batch merges as any other.
    for code in BATCHES["B-1"][1]:
        for key in cohort.rubric.factor_keys:
            rescore(sent, code, key, THREE)
    (scored,) = merge_files(cohort, [sent])
    assert scored.outcome == "accepted"


def test_scores_are_counted_by_the_portfolios_that_had_scores(
    cohort: CohortFile, tmp_path: Path
) -> None:
    path = unscored_batch(tmp_path / "b1.icgbatch")  # C27-001 and C27-002
    keys = cohort.rubric.factor_keys
    for key in keys:
        rescore(path, "C27-001", key, THREE)
    (outcome,) = merge_files(cohort, [path])
    assert outcome.outcome == "accepted"
    assert outcome.reason == (
        f"{len(keys)} scores of 1 portfolio merged (batch); 1 portfolio with no scores yet"
    )
    rescore(path, "C27-002", keys[0], THREE)
    other = make_batch(tmp_path / "b2.icgbatch", "B-2")
    _, second = merge_files(cohort, [path, other])
    assert second.reason == f"{2 * len(keys)} scores of 2 portfolios merged (batch)"


def test_the_batch_as_sent_cannot_wipe_the_scores_returned_from_it(
    cohort: CohortFile, tmp_path: Path
) -> None:
    sent = unscored_batch(tmp_path / "sent.icgbatch")
    returned = tmp_path / "returned.icgbatch"
    shutil.copyfile(sent, returned)
    keys = cohort.rubric.factor_keys
    for code in BATCHES["B-1"][1]:
        for key in keys:
            rescore(returned, code, key, THREE)
    (accepted,) = merge_files(cohort, [returned])
    assert accepted.outcome == "accepted"
    scores = read_scores(cohort)
    sent_bytes = sent.read_bytes()

    (stale,) = merge_files(cohort, [sent])
    assert (stale.outcome, stale.changed, stale.scorer_id, stale.batch_id) == (
        "older copy",
        0,
        "S-1",
        "B-1",
    )
    # Told by the data: the batch as sent is the base every merged version descends from.
    assert stale.reason.startswith("an older copy of what was already merged (batch)")
    assert "older copy, ignored: C27-001, C27-002" in stale.reason
    assert stale.reason.endswith(
        "ask scorer S-1 for their latest file; older copy, ignored: C27-001, C27-002"
    )
    assert read_scores(cohort) == scores
    assert sent.read_bytes() == sent_bytes
    log = logs(cohort)[-1]
    assert (log.outcome, log.changes) == ("older copy", [])
    # The scorer's latest file, even with a score taken back out, is still merged.
    rescore(returned, "C27-002", keys[0], None)
    (later,) = merge_files(cohort, [returned])
    assert (later.outcome, later.changed) == ("replaced", 1)


def test_an_older_summary_is_refused_and_one_of_the_same_scores_is_unchanged(
    cohort: CohortFile, tmp_path: Path
) -> None:
    path = make_batch(tmp_path / "b1.icgbatch")
    early = tmp_path / "early.xlsx"
    with BatchFile.open(path) as batch:
        write_batch_summary(batch, early)
    key = cohort.rubric.factor_keys[2]
    rescore(path, "C27-001", key, F(7, 4))
    late = tmp_path / "late.xlsx"
    with BatchFile.open(path) as batch:
        write_batch_summary(batch, late)

    merged, older, same = merge_files(cohort, [path, early, late])
    assert merged.outcome == "accepted"
    assert older.outcome == "older copy"  # the summary's version is in the batch's history
    assert "older copy, ignored: C27-001" in older.reason
    assert same.outcome == "unchanged"  # the batch's state exactly, rationales kept
    assert read_scores(cohort)[("B-1", "C27-001", key)] == (F(7, 4), "")
    assert read_scores(cohort)[("B-1", "C27-001", cohort.rubric.factor_keys[0])][1] == (
        "Why C27-001."
    )


def test_a_summary_merged_first_does_not_make_its_own_batch_look_older(
    cohort: CohortFile, tmp_path: Path
) -> None:
    # The summary is exported after the last change (whole seconds): it is as of that change,
    # so the batch that brings the rationales is not refused as older than it.
    path = make_batch(tmp_path / "b1.icgbatch")
    summary = tmp_path / "b1.xlsx"
    with BatchFile.open(path) as batch:
        write_batch_summary(batch, summary)
    from_summary, from_batch = merge_files(cohort, [summary, path])
    assert (from_summary.outcome, from_batch.outcome) == ("accepted", "replaced")
    assert from_batch.changed == 0
    assert "rationales changed" in from_batch.reason
    first, second = logs(cohort)
    assert first.scores_as_of == second.scores_as_of is not None


# --- rejected ------------------------------------------------------------------------------------


def edited_summary(tmp_path: Path) -> Path:
    path = make_batch(tmp_path / "for-summary.icgbatch")
    summary = tmp_path / "edited.xlsx"
    with BatchFile.open(path) as batch:
        write_batch_summary(batch, summary)
    workbook = load_workbook(summary)
    workbook["Scores"]["C3"] = 4.0  # the first portfolio's first factor, exported as 3.00
    workbook.save(summary)
    return summary


def truncated_batch(tmp_path: Path) -> Path:
    path = make_batch(tmp_path / "truncated.icgbatch")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def off_the_scale(tmp_path: Path) -> Path:
    """A batch whose Data score of C27-001 was changed outside ICG Desk to 4.50."""
    path = make_batch(tmp_path / "off.icgbatch")
    con = sqlite3.connect(path)
    with con:
        con.execute(
            "UPDATE factor_read SET score = '4.50' WHERE factor_key = 'data' AND portfolio_id = "
            "(SELECT id FROM portfolio WHERE candidate_code = 'C27-001')"
        )
    con.close()
    return path


def text_file(tmp_path: Path) -> Path:
    path = tmp_path / "notes.icgbatch"
    path.write_text("Not a batch, whatever its name says.\n", encoding="utf-8")
    return path


REJECTIONS: dict[str, tuple[Callable[[Path], Path], str]] = {
    "wrong cohort": (
        lambda t: make_batch(t / "x.icgbatch", cohort="2025-26"),
        "is a batch of cohort 2025-26, not of 2026-27",
    ),
    "unknown batch id": (
        lambda t: make_batch(t / "x.icgbatch", "B-9"),
        "batch id 'B-9' is not a batch of this cohort",
    ),
    "scorer mismatch": (
        lambda t: make_batch(t / "x.icgbatch", "B-1", scorer_id="S-2"),
        "batch B-1 was sent to scorer S-1, not to scorer S-2",
    ),
    "foreign candidate": (
        lambda t: make_batch(t / "x.icgbatch", "B-1", codes=("C27-001", "C27-004")),
        "candidate C27-004 is not assigned to scorer S-1 in batch B-1",
    ),
    "broken checksum": (edited_summary, "the checksum does not match the scores"),
    "text file": (text_file, "not a batch or summary"),
    "damaged batch": (truncated_batch, "damaged"),
    # The factor by its name, as everywhere a person reads it, not by its key ("data").
    "off the scale": (off_the_scale, "C27-001 Data: 4.50 is not on the scale"),
}


@pytest.mark.parametrize("case", REJECTIONS)
def test_a_rejected_file_changes_nothing_and_is_left_as_it_was(
    cohort: CohortFile, tmp_path: Path, case: str
) -> None:
    merge_files(cohort, [make_batch(tmp_path / "earlier.icgbatch", "B-2")])
    make, reason = REJECTIONS[case]
    path = make(tmp_path)
    before_file, before_scores = sha(path), read_scores(cohort)
    reads_before, logs_before = row_counts(cohort)

    (outcome,) = merge_files(cohort, [path])
    assert outcome.outcome == "rejected"
    assert outcome.changed == 0
    assert reason in outcome.reason
    assert sha(path) == before_file
    assert not path.with_name(path.name + "-wal").exists()
    assert read_scores(cohort) == before_scores
    assert row_counts(cohort) == (reads_before, logs_before + 1)
    log = logs(cohort)[-1]
    assert (log.outcome, log.file_sha256, log.changes) == ("rejected", before_file, [])
    assert reason in log.detail


def test_a_rejection_names_the_scorer_and_batch_it_claims(
    cohort: CohortFile, tmp_path: Path
) -> None:
    path = make_batch(tmp_path / "x.icgbatch", "B-1", scorer_id="S-2")
    (outcome,) = merge_files(cohort, [path])
    assert (outcome.scorer_id, outcome.batch_id) == ("S-2", "B-1")


# --- the report and progress ---------------------------------------------------------------------


def test_the_report_lists_every_file_with_its_outcome_and_reason(
    cohort: CohortFile, tmp_path: Path
) -> None:
    path = make_batch(tmp_path / "b1.icgbatch")
    outcomes = merge_files(cohort, [path, path, text_file(tmp_path)])
    rescore(path, "C27-001", cohort.rubric.factor_keys[0], F(1))
    outcomes += merge_files(cohort, [path])
    report = merge_report(outcomes)
    lines = report.splitlines()
    assert lines[0].split() == ["File", "Outcome", "Scorer", "Batch", "Changed", "Reason"]
    assert len(lines) == 1 + len(outcomes) + 1
    for line, outcome in zip(lines[1:], outcomes, strict=False):
        assert line.startswith(outcome.file.name)
        assert outcome.outcome in line
        assert outcome.reason in line
    assert "notes.icgbatch" in lines[3]
    assert "not a batch or summary" in lines[3]
    assert lines[-1] == "4 files: 1 accepted, 1 unchanged, 1 replaced, 1 rejected"


def test_progress_counts_files_and_can_stop_between_them(
    cohort: CohortFile, tmp_path: Path
) -> None:
    files = [make_batch(tmp_path / "b1.icgbatch"), make_batch(tmp_path / "b2.icgbatch", "B-2")]
    seen: list[tuple[int, int]] = []

    def count(done: int, total: int) -> bool:
        seen.append((done, total))
        return True

    assert len(merge_files(cohort, files, progress=count)) == 2
    assert seen == [(0, 2), (1, 2), (2, 2)]
    assert merge_files(cohort, files, progress=lambda d, t: d < 1)[0].outcome == "unchanged"
    assert len(logs(cohort)) == 3


# --- the audit log, read back --------------------------------------------------------------------


def test_recent_merges_lists_the_latest_files_newest_first(
    cohort: CohortFile, tmp_path: Path
) -> None:
    import dataclasses

    from icg_desk.models.merge import recent_merges

    assert recent_merges(cohort) == ()
    path = make_batch(tmp_path / "b1.icgbatch")
    outcomes = merge_files(cohort, [path, path, text_file(tmp_path)])
    newest, middle, oldest = recent_merges(cohort)
    assert [r.file_name for r in (oldest, middle, newest)] == [o.file.name for o in outcomes]
    assert [r.outcome for r in (oldest, middle, newest)] == ["accepted", "unchanged", "rejected"]
    assert (oldest.scorer_id, oldest.batch_id) == ("S-1", "B-1")
    assert oldest.changed == outcomes[0].changed > 0
    assert middle.changed == 0
    assert newest.detail == NOT_RETURNED_FILE
    assert newest.scorer_id is None
    assert oldest.at <= middle.at <= newest.at
    assert newest.at.tzinfo is not None
    assert recent_merges(cohort, limit=1) == (newest,)
    with pytest.raises(dataclasses.FrozenInstanceError):
        newest.outcome = "accepted"  # type: ignore[misc]
