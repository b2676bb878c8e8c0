"""The scorer's work on a real batch file, through `BatchWork` alone: no Qt, no window.

Every change is checked where it matters: in the file, read back through a second `BatchFile`
opened while the first is still open, as a crash right after the change would leave it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from fractions import Fraction as F
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, select, update

from icg_desk.demo.batch import generate_portfolios
from icg_desk.models.batch_file import BatchFile
from icg_desk.models.portfolios import (
    EntryContent,
    PortfolioContent,
    VideoContent,
    add_portfolios,
)
from icg_desk.models.rubric_file import builtin_rubric, parse_rubric
from icg_desk.models.schema import Change, Evidence, FactorRead, Portfolio, PortfolioStatus
from icg_desk.operations.batch_work import (
    BatchWork,
    Changed,
    EvidenceItem,
    NotReady,
    PortfolioLocked,
    ReadState,
    WorkError,
)
from icg_desk.scoring import Status
from icg_desk.scoring.rubric import Rubric

KEYS = (
    "impact_cycle",
    "playbook",
    "data",
    "communication",
    "partnership",
    "leadership",
    "system_support",
)
NAMES = {
    "impact_cycle": "Impact Cycle",
    "playbook": "Instructional Playbook",
    "data": "Data",
    "communication": "Communication",
    "partnership": "Working with Adults",
    "leadership": "Leadership",
    "system_support": "System Support",
}
NOT_STARTED = PortfolioStatus.NOT_STARTED
IN_PROGRESS = PortfolioStatus.IN_PROGRESS
COMPLETE = PortfolioStatus.COMPLETE
PORTFOLIOS, SEED = 6, 3


# --- what the file holds, read through a second connection --------------------------------------


@dataclass(frozen=True)
class SavedRead:
    score: F | None
    rationale: str
    look_fors_seen: list[int]
    evidence: list[tuple[int, int, int, int, str]]  # id, entry, start, end, quote


@dataclass(frozen=True)
class Saved:
    status: str
    completed_at: datetime | None
    reads: dict[str, SavedRead]
    # (factor_key, field, old_value, new_value), oldest first
    history: list[tuple[str | None, str, str | None, str | None]]

    def field(self, name: str) -> list[tuple[str | None, str, str | None, str | None]]:
        return [row for row in self.history if row[1] == name]


def saved(path: Path, portfolio_id: int) -> Saved:
    """The portfolio as a second program opening the file now would find it."""
    with BatchFile.open(path) as other, other.reading() as session:
        p = session.get(Portfolio, portfolio_id)
        assert p is not None
        reads = {
            r.factor_key: SavedRead(
                r.score,
                r.rationale,
                list(r.look_fors_seen),
                [(e.id, e.entry_number, e.start_offset, e.end_offset, e.quote) for e in r.evidence],
            )
            for r in session.scalars(
                select(FactorRead).where(FactorRead.portfolio_id == portfolio_id)
            )
        }
        history = [
            (c.factor_key, c.field, c.old_value, c.new_value)
            for c in session.scalars(
                select(Change).where(Change.portfolio_id == portfolio_id).order_by(Change.id)
            )
        ]
        return Saved(p.status, p.completed_at, reads, history)


def all_history(path: Path) -> list[tuple[int, str | None, str, str | None, str | None]]:
    with BatchFile.open(path) as other, other.reading() as session:
        return [
            (c.portfolio_id, c.factor_key, c.field, c.old_value, c.new_value)
            for c in session.scalars(select(Change).order_by(Change.id))
        ]


def row_counts(path: Path) -> tuple[int, int, int, int]:
    """factor_read, evidence and change_log rows, and portfolios not started."""
    with BatchFile.open(path) as other, other.reading() as session:
        return (
            len(session.scalars(select(FactorRead.id)).all()),
            len(session.scalars(select(Evidence.id)).all()),
            len(session.scalars(select(Change.id)).all()),
            len(
                session.scalars(
                    select(Portfolio.id).where(Portfolio.status == NOT_STARTED.value)
                ).all()
            ),
        )


def backdate_history(path: Path, by: timedelta) -> None:
    """As if the scorer had paused: every history row happened `by` earlier."""
    with BatchFile.open(path) as other, other.transaction() as session:
        for change in session.scalars(select(Change)):
            change.at = change.at - by


# --- fixtures -------------------------------------------------------------------------------------


@pytest.fixture
def demo_path(tmp_path: Path, demo_copies) -> Path:
    return demo_copies.batch(
        tmp_path / "demo.icgbatch", portfolios=PORTFOLIOS, seed=SEED, prefill=False
    )


@pytest.fixture
def batch(demo_path: Path) -> Iterator[BatchFile]:
    with BatchFile.open(demo_path) as b:
        yield b


@pytest.fixture
def work(batch: BatchFile) -> BatchWork:
    return BatchWork(batch)


@pytest.fixture
def first(work: BatchWork) -> int:
    return work.portfolios()[0].id


def rubric_needing_rationale(factor_key: str) -> Rubric:
    """The revised rubric with `rationale_required = true` for one factor, as a coordinator would
    edit it; the batch embeds this text and is scored on it wherever it is opened."""
    text = builtin_rubric("icg-revised").source_text
    marker = f'key = "{factor_key}"'
    head, tail = text.split(marker, 1)
    tail = tail.replace("rationale_required = false", "rationale_required = true", 1)
    rubric = parse_rubric(head + marker + tail, "strict rubric")
    assert [f.key for f in rubric.factors if f.rationale_required] == [factor_key]
    return rubric


@pytest.fixture
def strict_path(tmp_path: Path) -> Path:
    rubric = rubric_needing_rationale("data")
    path = tmp_path / "strict.icgbatch"
    with BatchFile.create(
        path,
        batch_id="b-strict",
        cohort="2026-27",
        scorer_id="S-2",
        scorer_name="Strict Scorer",
        rubric=rubric,
    ) as b:
        add_portfolios(b, generate_portfolios(rubric, 2, seed=SEED))
    return path


def score_all(work: BatchWork, portfolio_id: int, score: F = F(3)) -> Changed:
    changed = None
    for key in KEYS:
        changed = work.set_score(portfolio_id, key, score)
    assert changed is not None
    return changed


# --- scores ---------------------------------------------------------------------------------------


def test_the_first_score_starts_the_portfolio_and_is_saved(demo_path, work, first):
    assert work.portfolio(first).status is NOT_STARTED
    changed = work.set_score(first, "impact_cycle", F(13, 4))

    assert changed.portfolio_id == first
    assert (changed.factor_key, changed.field) == ("impact_cycle", "score")
    assert changed.status is IN_PROGRESS
    assert changed.read == ReadState("impact_cycle", score=F(13, 4))
    assert changed.decision.status is Status.INCOMPLETE
    assert changed.decision.headline == "Incomplete: 1 of 7 factors scored"
    assert changed.decision.overall == F(13, 4)
    assert changed.crossings == ()

    s = saved(demo_path, first)
    assert s.status == IN_PROGRESS.value
    assert s.reads["impact_cycle"].score == F(13, 4)
    assert s.field("score") == [("impact_cycle", "score", None, "3+")]
    assert s.field("status") == [(None, "status", "not_started", "in_progress")]
    # The view the window refreshes from says the same as the change did.
    assert work.portfolio(first).reads["impact_cycle"] == changed.read
    assert work.portfolio(first).status is IN_PROGRESS


def test_scoring_every_factor_decides_and_a_crossing_is_reported(demo_path, work, first):
    seen = [work.set_score(first, key, F(3)) for key in KEYS]
    assert [c.decision.headline for c in seen[:-1]] == [
        f"Incomplete: {n} of 7 factors scored" for n in range(1, 7)
    ]
    last = seen[-1]
    assert last.decision.status is Status.CERTIFIED
    assert last.decision.headline == "Certified"
    assert last.decision.overall == F(3)
    assert last.crossings == ()  # from incomplete to a decision is not a crossing

    # 6 x 3 + 1.25 = 19.25, overall exactly 2.75: certified on the overall, not on the floor.
    low = work.set_score(first, "data", F(5, 4))
    assert low.decision.status is Status.NOT_CERTIFIED
    assert low.decision.overall == F(11, 4)
    assert low.decision.retake == ("data",)
    assert low.decision.headline == "Retake: Data (1.25)"
    assert low.crossings == (
        "This change turned the decision from Certified to Not certified.",
        "Data is now below the factor floor 1.75.",
    )

    # Staying below the floor is not a new crossing.
    lower = work.set_score(first, "data", F(1))
    assert lower.decision.status is Status.NOT_CERTIFIED
    assert lower.crossings == ()

    back = work.set_score(first, "data", F(7, 4))
    assert back.decision.status is Status.CERTIFIED
    assert back.crossings == (
        "This change turned the decision from Not certified to Certified.",
        "Data is no longer below the factor floor.",
    )
    s = saved(demo_path, first)
    assert s.reads["data"].score == F(7, 4)
    assert [row[2:] for row in s.field("score") if row[0] == "data"] == [
        (None, "3"),
        ("3", "1+"),
        ("1+", "1"),
        ("1", "2-"),
    ]
    assert work.portfolios()[0].decision == back.decision


def test_a_score_can_be_cleared(demo_path, work, first):
    work.set_score(first, "leadership", F(4))
    changed = work.set_score(first, "leadership", None)
    assert changed.read is not None
    assert changed.read.score is None
    assert changed.decision.headline == "Incomplete: 0 of 7 factors scored"
    assert changed.decision.overall is None
    assert changed.status is IN_PROGRESS
    s = saved(demo_path, first)
    assert s.reads["leadership"].score is None
    assert s.field("score")[-1] == ("leadership", "score", "4", None)


def test_a_score_keeps_the_rest_of_the_read_and_says_it_whole(demo_path, work, first, revised):
    """A score key writes only the score (a few statements, not the ORM); what it says back is
    the whole read as saved, so the card it refreshes keeps its rationale, look-fors and
    evidence."""
    text = work.portfolio(first).entries[0].text
    work.set_rationale(first, "impact_cycle", "Clear cycle with data.")
    work.set_look_for(first, "impact_cycle", 1, True)
    work.add_evidence(first, "impact_cycle", 1, 5, 40, text[5:40])
    changed = work.set_score(first, "impact_cycle", F(11, 4))

    assert changed.read == work.portfolio(first).reads["impact_cycle"]
    assert changed.read is not None
    assert changed.read.rationale == "Clear cycle with data."
    assert changed.read.look_fors_seen == frozenset({1})
    assert [e.quote for e in changed.read.evidence] == [text[5:40]]
    assert changed.status is IN_PROGRESS
    s = saved(demo_path, first)
    assert s.reads["impact_cycle"].score == F(11, 4)
    assert s.field("score") == [("impact_cycle", "score", None, "3-")]
    # One start of the portfolio, logged before the first change, not again for the score.
    assert s.field("status") == [(None, "status", "not_started", "in_progress")]


@pytest.mark.parametrize("score", [F(7, 2), F(1, 3), F(1, 2), F(0), F(5), F(-1), F(9, 2)])
def test_a_score_off_the_scale_is_refused_and_nothing_is_written(demo_path, work, first, score):
    before = row_counts(demo_path)
    with pytest.raises(WorkError, match="is not on the scale"):
        work.set_score(first, "data", score)
    assert row_counts(demo_path) == before
    assert work.portfolio(first).status is NOT_STARTED


def test_every_value_on_the_scale_is_saved_exactly(demo_path, work, first, revised):
    for value in revised.scale.values:
        changed = work.set_score(first, "system_support", value.value)
        assert changed.read is not None
        assert changed.read.score == value.value
        assert saved(demo_path, first).reads["system_support"].score == value.value
    labels = [row[3] for row in saved(demo_path, first).field("score")]
    assert labels == list(revised.scale.labels)


def test_an_unknown_factor_is_a_key_error(demo_path, work, first):
    before = row_counts(demo_path)
    with pytest.raises(KeyError, match="no factor 'impact'"):
        work.set_score(first, "impact", F(3))
    with pytest.raises(KeyError):
        work.set_rationale(first, "impact", "text")
    with pytest.raises(KeyError):
        work.set_look_for(first, "impact", 0, True)
    with pytest.raises(KeyError):
        work.add_evidence(first, "impact", 1, 0, 5, "quote")
    with pytest.raises(KeyError):
        work.remove_evidence(first, "impact", 1)
    assert row_counts(demo_path) == before


def test_an_unknown_portfolio_is_a_work_error(demo_path, work):
    before = row_counts(demo_path)
    missing = 9999
    operations = [
        lambda: work.set_score(missing, "data", F(3)),
        lambda: work.set_rationale(missing, "data", "text"),
        lambda: work.set_look_for(missing, "data", 0, True),
        lambda: work.add_evidence(missing, "data", 1, 0, 5, "quote"),
        lambda: work.remove_evidence(missing, "data", 1),
        lambda: work.mark_complete(missing),
        lambda: work.reopen(missing),
        lambda: work.portfolio(missing),
    ]
    for operation in operations:
        with pytest.raises(WorkError, match="there is no portfolio 9999 in this batch"):
            operation()
    assert row_counts(demo_path) == before


# --- rationales and their history ---------------------------------------------------------------


def test_the_rationale_is_saved(demo_path, work, first):
    text = 'Goal is student-focused; <b>not</b> "PEERS" & =SUM(A1)\nSecond line. é ✓'
    changed = work.set_rationale(first, "playbook", text)
    assert changed.field == "rationale"
    assert changed.read == ReadState("playbook", rationale=text)
    assert changed.status is IN_PROGRESS
    assert changed.decision.headline == "Incomplete: 0 of 7 factors scored"
    s = saved(demo_path, first)
    assert s.reads["playbook"].rationale == text
    assert s.reads["playbook"].score is None
    assert s.field("rationale") == [("playbook", "rationale", "", text)]


def test_quick_edits_of_one_rationale_are_one_history_row(demo_path, work, first):
    work.set_rationale(first, "data", "Draft.")
    backdate_history(demo_path, timedelta(minutes=5))  # the draft was written a while ago
    for text in ("Draft. T", "Draft. Tea", "Draft. Teacher set", "Draft. Teacher set the goal."):
        changed = work.set_rationale(first, "data", text)
        assert changed.read is not None
        assert changed.read.rationale == text

    s = saved(demo_path, first)
    assert s.reads["data"].rationale == "Draft. Teacher set the goal."
    assert s.field("rationale") == [
        ("data", "rationale", "", "Draft."),
        ("data", "rationale", "Draft.", "Draft. Teacher set the goal."),
    ]


def test_an_edit_elsewhere_starts_a_new_history_row(demo_path, work, first):
    second = work.portfolios()[1].id
    work.set_rationale(first, "data", "a")
    work.set_rationale(first, "data", "ab")
    work.set_rationale(first, "leadership", "other factor")  # another factor in between
    work.set_rationale(first, "data", "abc")
    work.set_rationale(first, "data", "abcd")
    work.set_rationale(second, "data", "another portfolio")  # another portfolio in between
    work.set_rationale(first, "data", "abcde")
    work.set_score(first, "data", F(3))  # a score of the same factor in between
    work.set_rationale(first, "data", "abcdef")
    work.set_rationale(first, "data", "abcdefg")

    assert [row for row in all_history(demo_path) if row[2] == "rationale"] == [
        (first, "data", "rationale", "", "ab"),
        (first, "leadership", "rationale", "", "other factor"),
        (first, "data", "rationale", "ab", "abcd"),
        (second, "data", "rationale", "", "another portfolio"),
        (first, "data", "rationale", "abcd", "abcde"),
        (first, "data", "rationale", "abcde", "abcdefg"),
    ]
    assert saved(demo_path, first).reads["data"].rationale == "abcdefg"


def test_a_pause_in_typing_starts_a_new_history_row(demo_path, work, first):
    work.set_rationale(first, "communication", "First thought")
    work.set_rationale(first, "communication", "First thought, revised")
    backdate_history(demo_path, timedelta(minutes=3))
    work.set_rationale(first, "communication", "Second thought")
    work.set_rationale(first, "communication", "Second thought, final")
    assert saved(demo_path, first).field("rationale") == [
        ("communication", "rationale", "", "First thought, revised"),
        ("communication", "rationale", "First thought, revised", "Second thought, final"),
    ]


def test_typing_keeps_the_history_row_open_while_it_goes_on(demo_path, work, first):
    # The window slides: a long burst of typing, each keystroke within the window of the one
    # before, stays one row even when the whole burst is longer than the window.
    work.set_rationale(first, "partnership", "a")
    for text in ("ab", "abc", "abcd"):
        backdate_history(demo_path, timedelta(seconds=90))
        work.set_rationale(first, "partnership", text)
    assert saved(demo_path, first).field("rationale") == [("partnership", "rationale", "", "abcd")]


# --- look-fors ------------------------------------------------------------------------------------


def test_look_fors_toggle(demo_path, work, first, revised):
    look_fors = revised.factor("data").look_fors
    assert work.set_look_for(first, "data", 2, True).read == ReadState(
        "data", look_fors_seen=frozenset({2})
    )
    changed = work.set_look_for(first, "data", 0, True)
    assert changed.read is not None
    assert changed.read.look_fors_seen == {0, 2}
    assert changed.field == "look_for"
    assert changed.status is IN_PROGRESS
    again = work.set_look_for(first, "data", 0, True)  # seen twice is still seen once
    assert again.read is not None
    assert again.read.look_fors_seen == {0, 2}
    assert saved(demo_path, first).reads["data"].look_fors_seen == [0, 2]

    off = work.set_look_for(first, "data", 2, False)
    assert off.read is not None
    assert off.read.look_fors_seen == {0}
    last = len(look_fors) - 1
    work.set_look_for(first, "data", last, True)
    s = saved(demo_path, first)
    assert s.reads["data"].look_fors_seen == [0, last]
    assert s.field("look_for")[0] == ("data", "look_for", None, f"look-for 3 seen: {look_fors[2]}")
    assert s.field("look_for")[3] == (
        "data",
        "look_for",
        None,
        f"look-for 3 not seen: {look_fors[2]}",
    )
    assert work.portfolio(first).reads["data"].look_fors_seen == {0, last}


def test_a_look_for_out_of_range_is_refused(demo_path, work, first, revised):
    count = len(revised.factor("playbook").look_fors)
    before = row_counts(demo_path)
    for index in (count, count + 7, -1):
        with pytest.raises(WorkError, match="playbook has no look-for"):
            work.set_look_for(first, "playbook", index, True)
    assert row_counts(demo_path) == before


# --- evidence -------------------------------------------------------------------------------------


def test_evidence_is_attached_and_removed(demo_path, work, first):
    text = work.portfolio(first).entries[0].text
    changed = work.add_evidence(first, "impact_cycle", 1, 10, 80, text[10:80])
    assert changed.field == "evidence"
    assert changed.status is IN_PROGRESS
    assert changed.read is not None
    (item,) = changed.read.evidence
    assert isinstance(item.id, int)
    assert item == EvidenceItem(item.id, 1, 10, 80, text[10:80])

    other = work.add_evidence(first, "impact_cycle", 1, 200, 260, text[200:260])
    assert other.read is not None
    assert [e.id for e in other.read.evidence] == [item.id, other.read.evidence[1].id]
    assert other.read.evidence[1].id != item.id
    s = saved(demo_path, first)
    assert s.reads["impact_cycle"].evidence == [
        (item.id, 1, 10, 80, text[10:80]),
        (other.read.evidence[1].id, 1, 200, 260, text[200:260]),
    ]
    assert work.portfolio(first).reads["impact_cycle"].evidence == other.read.evidence

    removed = work.remove_evidence(first, "impact_cycle", item.id)
    assert removed.read is not None
    assert removed.read.evidence == (other.read.evidence[1],)
    s = saved(demo_path, first)
    assert [e[0] for e in s.reads["impact_cycle"].evidence] == [other.read.evidence[1].id]
    assert s.field("evidence") == [
        ("impact_cycle", "evidence", None, text[10:80]),
        ("impact_cycle", "evidence", None, text[200:260]),
        ("impact_cycle", "evidence", text[10:80], None),
    ]


def test_evidence_removed_twice_or_from_another_factor_is_refused(demo_path, work, first):
    text = work.portfolio(first).entries[0].text
    changed = work.add_evidence(first, "data", 1, 0, 40, text[:40])
    assert changed.read is not None
    evidence_id = changed.read.evidence[0].id
    with pytest.raises(WorkError, match="no longer attached"):
        work.remove_evidence(first, "playbook", evidence_id)
    work.remove_evidence(first, "data", evidence_id)
    before = row_counts(demo_path)
    with pytest.raises(WorkError, match="no longer attached"):
        work.remove_evidence(first, "data", evidence_id)
    assert row_counts(demo_path) == before


@pytest.mark.parametrize(
    ("start", "end", "quote", "problem"),
    [
        (0, 10, "", "select a passage"),
        (0, 10, "  \n\t ", "select a passage"),
        (20, 10, "backwards", "not valid"),
        (-1, 10, "before the start", "not valid"),
    ],
)
def test_empty_or_misplaced_evidence_is_refused(demo_path, work, first, start, end, quote, problem):
    # A quote that is not the entry's own words at that place is refused too (see below).
    before = row_counts(demo_path)
    with pytest.raises(WorkError, match=problem):
        work.add_evidence(first, "impact_cycle", 1, start, end, quote)
    assert row_counts(demo_path) == before


# --- complete, locked, reopened -------------------------------------------------------------------


def test_complete_needs_every_factor_scored(demo_path, work, first):
    code = work.portfolio(first).candidate_code
    before = row_counts(demo_path)
    with pytest.raises(NotReady) as refused:
        work.mark_complete(first)
    assert refused.value.reasons == tuple(f"{NAMES[k]} is not scored" for k in KEYS)
    assert str(refused.value).startswith(f"{code} cannot be marked complete: ")
    assert row_counts(demo_path) == before

    for key in ("impact_cycle", "data", "partnership", "leadership", "system_support"):
        work.set_score(first, key, F(3))
    with pytest.raises(NotReady) as refused:
        work.mark_complete(first)
    assert refused.value.reasons == (
        "Instructional Playbook is not scored",
        "Communication is not scored",
    )
    assert work.completion_problems(first) == refused.value.reasons
    assert saved(demo_path, first).status == IN_PROGRESS.value


def test_complete_needs_a_required_rationale(strict_path):
    with BatchFile.open(strict_path) as batch:
        work = BatchWork(batch)
        assert work.rubric.factor("data").rationale_required  # read from the embedded rubric
        pid = work.portfolios()[0].id
        score_all(work, pid)
        with pytest.raises(NotReady) as refused:
            work.mark_complete(pid)
        assert refused.value.reasons == ("Data needs a rationale",)

        work.set_rationale(pid, "data", "   \n ")  # blank is no rationale
        with pytest.raises(NotReady, match="Data needs a rationale"):
            work.mark_complete(pid)
        work.set_score(pid, "playbook", None)
        with pytest.raises(NotReady) as refused:
            work.mark_complete(pid)
        assert refused.value.reasons == (
            "Instructional Playbook is not scored",
            "Data needs a rationale",
        )

        work.set_score(pid, "playbook", F(3))
        work.set_rationale(pid, "data", "Goals set with the teacher; weekly student data.")
        done = work.mark_complete(pid)
        assert done.status is COMPLETE
        assert done.decision.status is Status.CERTIFIED
        assert saved(strict_path, pid).status == COMPLETE.value


def test_a_complete_portfolio_is_locked_until_reopened(demo_path, work, first):
    text = work.portfolio(first).entries[0].text
    score_all(work, first)
    evidence = work.add_evidence(first, "impact_cycle", 1, 0, 30, text[:30])
    assert evidence.read is not None
    evidence_id = evidence.read.evidence[0].id

    done = work.mark_complete(first)
    assert done == Changed(first, None, "status", COMPLETE, None, done.decision, ())
    assert done.decision.status is Status.CERTIFIED
    s = saved(demo_path, first)
    assert s.status == COMPLETE.value
    assert s.completed_at is not None
    assert work.portfolio(first).status is COMPLETE
    assert work.progress() == (1, PORTFOLIOS)

    before = row_counts(demo_path)
    locked = [
        lambda: work.set_score(first, "data", F(1)),
        lambda: work.set_score(first, "data", None),
        lambda: work.set_rationale(first, "data", "changed my mind"),
        lambda: work.set_look_for(first, "data", 0, True),
        lambda: work.add_evidence(first, "data", 1, 0, 10, text[:10]),
        lambda: work.remove_evidence(first, "impact_cycle", evidence_id),
    ]
    for change in locked:
        with pytest.raises(PortfolioLocked, match="reopen it"):
            change()
    assert row_counts(demo_path) == before
    assert saved(demo_path, first) == s
    with pytest.raises(WorkError, match="already complete"):
        work.mark_complete(first)
    assert saved(demo_path, first) == s  # completed_at and the history untouched

    reopened = work.reopen(first)
    assert reopened == Changed(first, None, "status", IN_PROGRESS, None, done.decision, ())
    s = saved(demo_path, first)
    assert s.status == IN_PROGRESS.value
    assert s.completed_at is None
    assert work.progress() == (0, PORTFOLIOS)

    changed = work.set_score(first, "data", F(1))
    assert changed.status is IN_PROGRESS
    assert "Data is now below the factor floor 1.75." in changed.crossings
    work.remove_evidence(first, "impact_cycle", evidence_id)
    assert saved(demo_path, first).reads["data"].score == F(1)

    again = work.mark_complete(first)
    assert again.status is COMPLETE
    assert again.decision.retake == ("data",)


def test_reopen_only_reopens_a_complete_portfolio(demo_path, work, first):
    code = work.portfolio(first).candidate_code
    with pytest.raises(WorkError, match=f"{code} is not complete"):
        work.reopen(first)
    work.set_score(first, "data", F(2))
    with pytest.raises(WorkError, match="is not complete"):
        work.reopen(first)
    assert saved(demo_path, first).status == IN_PROGRESS.value


def test_status_changes_are_in_the_history(demo_path, work, first):
    score_all(work, first)
    work.mark_complete(first)
    work.reopen(first)
    work.mark_complete(first)
    assert saved(demo_path, first).field("status") == [
        (None, "status", "not_started", "in_progress"),
        (None, "status", "in_progress", "complete"),
        (None, "status", "complete", "in_progress"),
        (None, "status", "in_progress", "complete"),
    ]


# --- the batch list, progress and the portfolio view ---------------------------------------------


def test_the_batch_list_and_progress(work, revised):
    codes = [p.candidate_code for p in generate_portfolios(revised, PORTFOLIOS, seed=SEED)]
    listed = work.portfolios()
    assert [p.candidate_code for p in listed] == codes
    assert [p.position for p in listed] == list(range(1, PORTFOLIOS + 1))
    assert all(p.status is NOT_STARTED for p in listed)
    assert all(p.decision.headline == "Incomplete: 0 of 7 factors scored" for p in listed)
    assert work.progress() == (0, PORTFOLIOS)

    a, b, c = (p.id for p in listed[:3])
    score_all(work, a)
    work.mark_complete(a)
    score_all(work, b, F(2))
    work.mark_complete(b)
    work.set_score(c, "data", F(4))

    listed = work.portfolios()
    assert [p.status for p in listed] == [COMPLETE, COMPLETE, IN_PROGRESS] + [NOT_STARTED] * 3
    assert [p.decision.headline for p in listed[:3]] == [
        "Certified",
        "Not certified: overall 2.00 is below 2.75",
        "Incomplete: 1 of 7 factors scored",
    ]
    assert listed[2].decision.overall == F(4)
    assert [p.candidate_code for p in listed] == codes
    assert work.progress() == (2, PORTFOLIOS)
    for summary in listed:
        view = work.portfolio(summary.id)
        assert (view.candidate_code, view.status, view.decision) == (
            summary.candidate_code,
            summary.status,
            summary.decision,
        )


def test_the_portfolio_view(work, first, revised):
    content = generate_portfolios(revised, PORTFOLIOS, seed=SEED)[0]
    view = work.portfolio(first)
    assert view.id == first
    assert view.candidate_code == content.candidate_code
    assert view.status is NOT_STARTED
    assert [e.number for e in view.entries] == [1, 2]
    for entry, sent in zip(view.entries, content.entries, strict=True):
        rubric_entry = revised.entry(entry.number)
        assert entry.title == rubric_entry.title
        assert entry.max_words == rubric_entry.max_words
        assert entry.text == sent.text
        assert entry.words == len(sent.text.split())
        assert 0 < entry.words <= entry.max_words
        assert [(v.label, v.url) for v in entry.videos] == [(v.label, v.url) for v in sent.videos]
        assert all(v.allowed for v in entry.videos)  # the demo's usual links are YouTube https
    assert [e.title for e in view.entries] == [
        "The Impact Cycle",
        "Partnership communication and approach",
    ]
    assert [e.max_words for e in view.entries] == [4000, 3000]
    assert list(view.reads) == list(KEYS)
    assert all(view.reads[k] == ReadState(k) for k in KEYS)
    assert view.decision.headline == "Incomplete: 0 of 7 factors scored"

    work.set_score(first, "data", F(9, 4))
    work.set_rationale(first, "data", "Some data.")
    work.set_look_for(first, "data", 1, True)
    view = work.portfolio(first)
    assert view.reads["data"] == ReadState("data", F(9, 4), "Some data.", frozenset({1}))
    assert all(view.reads[k] == ReadState(k) for k in KEYS if k != "data")
    assert view.decision.overall == F(9, 4)
    assert view.status is IN_PROGRESS


def test_video_links_are_allowed_only_by_the_rubric_link_policy(batch, work):
    links = [
        ("plain http", "http://www.youtube.com/watch?v=dQw4w9WgXcQ", False),
        ("youtube https", "https://www.youtube.com/watch?v=dQw4w9WgXcQ", True),
        ("short link", "https://youtu.be/dQw4w9WgXcQ", True),
        ("look-alike host", "https://youtube.com.clips.example/watch?v=x", False),
        ("another host", "https://vimeo.com/12345678", False),
        ("disguised", "https://www.youtube.com@evil.example/watch?v=x", False),
        ("other port", "https://www.youtube.com:8443/watch?v=x", False),
        ("script", "javascript:alert(1)", False),
    ]
    add_portfolios(
        batch,
        [
            PortfolioContent(
                "C27-LINKS",
                (
                    EntryContent(
                        1,
                        "Entry one with links.",
                        tuple(VideoContent(label, url) for label, url, _ in links),
                    ),
                    EntryContent(2, "Entry two."),
                ),
            )
        ],
    )
    listed = work.portfolios()
    assert listed[-1].candidate_code == "C27-LINKS"
    assert listed[-1].position == PORTFOLIOS + 1
    view = work.portfolio(listed[-1].id)
    one, two = view.entries
    assert [(v.label, v.url, v.allowed) for v in one.videos] == links
    assert two.videos == ()
    assert (one.words, two.words) == (4, 2)
    assert work.progress() == (0, PORTFOLIOS + 1)


# --- durability -----------------------------------------------------------------------------------


def test_every_change_is_saved_on_its_own(demo_path, batch, work, first):
    text = work.portfolio(first).entries[1].text
    steps: list[tuple[Any, Any]] = [
        (
            lambda: work.set_score(first, "partnership", F(11, 4)),
            lambda s: s.reads["partnership"].score == F(11, 4),
        ),
        (
            lambda: work.set_rationale(first, "partnership", "Teachers chose."),
            lambda s: s.reads["partnership"].rationale == "Teachers chose.",
        ),
        (
            lambda: work.set_look_for(first, "partnership", 4, True),
            lambda s: s.reads["partnership"].look_fors_seen == [4],
        ),
        (
            lambda: work.add_evidence(first, "partnership", 2, 5, 25, text[5:25]),
            lambda s: [e[1:] for e in s.reads["partnership"].evidence] == [(2, 5, 25, text[5:25])],
        ),
    ]
    for change, is_saved in steps:
        change()
        # Without closing the batch (its engine and write-ahead log are still open).
        assert is_saved(saved(demo_path, first))
    score_all(work, first)
    work.mark_complete(first)
    assert saved(demo_path, first).status == COMPLETE.value
    # The first BatchFile still works after the others came and went.
    assert work.portfolio(first).status is COMPLETE
    assert batch.pragma("journal_mode") == "wal"


def test_a_failed_change_leaves_no_trace(demo_path, work, first):
    before = row_counts(demo_path)
    # Removing evidence from a factor never touched would create its read; the refusal must not
    # leave that read, nor start the portfolio.
    with pytest.raises(WorkError):
        work.remove_evidence(first, "data", 12345)
    assert row_counts(demo_path) == before
    assert work.portfolio(first).status is NOT_STARTED
    assert work.portfolios()[0].status is NOT_STARTED


def test_a_change_and_its_checks_are_one_transaction(demo_path, batch, work, first):
    # Another program marks the portfolio complete right after this change has checked that it
    # is not: the change must hold the file from its check to its write, so the other waits.
    work.set_score(first, "data", F(3))
    refused: list[str] = []
    fired = False

    def interloper(conn, cursor, statement, parameters, context, executemany) -> None:
        nonlocal fired
        if fired or not statement.lstrip().startswith("SELECT portfolio."):
            return
        fired = True
        other = sqlite3.connect(demo_path, timeout=0)
        try:
            with other:
                other.execute("UPDATE portfolio SET status = 'complete' WHERE id = ?", (first,))
        except sqlite3.OperationalError as exc:
            refused.append(str(exc))
        finally:
            other.close()

    engine = batch._engine
    event.listen(engine, "after_cursor_execute", interloper)
    try:
        changed = work.set_score(first, "playbook", F(3))
    finally:
        event.remove(engine, "after_cursor_execute", interloper)
    assert fired
    s = saved(demo_path, first)
    # Never both: a portfolio marked complete and a score changed after its check said it was not.
    assert (s.status, s.reads["playbook"].score) == (IN_PROGRESS.value, F(3))
    assert changed.status is IN_PROGRESS
    assert refused == ["database is locked"]


def test_a_second_workstation_sees_the_same_batch(demo_path, work, first):
    work.set_score(first, "data", F(3))
    work.set_rationale(first, "data", "Shared.")
    work.add_evidence(first, "data", 1, 0, 12, work.portfolio(first).entries[0].text[:12])
    with BatchFile.open(demo_path) as other:
        them = BatchWork(other)
        assert them.portfolios() == work.portfolios()
        assert them.portfolio(first) == work.portfolio(first)
        assert them.progress() == work.progress()


# --- a whole day ----------------------------------------------------------------------------------


def test_a_scorers_day(demo_path, revised):
    with BatchFile.open(demo_path) as batch:
        work = BatchWork(batch)
        ids = [p.id for p in work.portfolios()]
        assert work.progress() == (0, PORTFOLIOS)

        # Morning: the first portfolio, read and scored carefully, certifies.
        p1 = ids[0]
        entry_one = work.portfolio(p1).entries[0].text
        for i, key in enumerate(KEYS):
            work.set_look_for(p1, key, 0, True)
            work.set_score(p1, key, F(3) if i % 2 else F(13, 4))
            work.set_rationale(p1, key, f"Clear evidence for {NAMES[key]}.")
        work.add_evidence(p1, "impact_cycle", 1, 0, 50, entry_one[:50])
        assert work.mark_complete(p1).decision.status is Status.CERTIFIED
        assert work.progress() == (1, PORTFOLIOS)

        # The second: one factor forgotten, then scored low: a retake.
        p2 = ids[1]
        for key in KEYS[:-1]:
            work.set_score(p2, key, F(11, 4))
        with pytest.raises(NotReady, match="System Support is not scored"):
            work.mark_complete(p2)
        low = work.set_score(p2, "system_support", F(3, 4))
        assert low.decision.headline == "Retake: System Support (0.75)"
        assert low.crossings == ("System Support is now below the factor floor 1.75.",)
        work.mark_complete(p2)

        # The third, started before lunch.
        p3 = ids[2]
        work.set_score(p3, "data", F(2))
        work.set_rationale(p3, "data", "Only one data point")

        # After lunch: a second look at the first changes the decision.
        work.reopen(p1)
        crossed = work.set_score(p1, "leadership", F(5, 4))
        assert crossed.crossings == (
            "This change turned the decision from Certified to Not certified.",
            "Leadership is now below the factor floor 1.75.",
        )
        work.set_rationale(p1, "leadership", "Looked again: little evidence of stewardship.")
        work.mark_complete(p1)
        before_close = work.portfolios()
        views = {pid: work.portfolio(pid) for pid in ids}

    # Next morning: everything is there, in the single file.
    assert not demo_path.with_name(demo_path.name + "-wal").exists()
    with BatchFile.open(demo_path) as batch:
        work = BatchWork(batch)
        assert work.portfolios() == before_close
        assert {pid: work.portfolio(pid) for pid in ids} == views
        assert work.progress() == (2, PORTFOLIOS)
        statuses = [p.status for p in work.portfolios()]
        assert statuses == [COMPLETE, COMPLETE, IN_PROGRESS] + [NOT_STARTED] * 3
        first_view = work.portfolio(p1)
        assert first_view.decision.retake == ("leadership",)
        assert first_view.reads["impact_cycle"].look_fors_seen == {0}
        assert first_view.reads["impact_cycle"].evidence[0].quote == entry_one[:50]
        assert work.portfolio(p3).reads["data"].rationale == "Only one data point"
        history = saved(demo_path, p1).history
        assert history[0] == (None, "status", "not_started", "in_progress")
        assert history[-1] == (None, "status", "in_progress", "complete")
        assert (None, "status", "complete", "in_progress") in history
        assert ("leadership", "score", "3", "1+") in history


def test_reads_are_not_changes(demo_path, work, first):
    before = row_counts(demo_path)
    work.portfolios()
    work.portfolio(first)
    work.progress()
    work.completion_problems(first)
    assert row_counts(demo_path) == before
    # A query that ran in between must not break the next change's history coalescing.
    work.set_rationale(first, "data", "x")
    work.portfolio(first)
    work.set_rationale(first, "data", "xy")
    assert saved(demo_path, first).field("rationale") == [("data", "rationale", "", "xy")]


def test_history_rows_carry_utc_times_in_order(demo_path, work, first):
    work.set_score(first, "data", F(3))
    work.set_rationale(first, "data", "why")
    work.set_look_for(first, "data", 0, True)
    with BatchFile.open(demo_path) as other, other.reading() as session:
        times = session.scalars(select(Change.at).order_by(Change.id)).all()
        stamps = session.scalars(select(FactorRead.updated_at)).all()
    assert all(t.utcoffset() == timedelta(0) for t in [*times, *stamps])
    assert times == sorted(times)


def test_a_change_starts_from_what_the_file_holds(demo_path, work, first):
    # The coordinator's tools may edit the file between sessions (e.g. correct a typo in
    # a rationale): a later edit starts from what the file holds, not from a stale copy.
    work.set_rationale(first, "data", "teh goal")
    with BatchFile.open(demo_path) as other, other.transaction() as session:
        session.execute(
            update(FactorRead)
            .where(FactorRead.portfolio_id == first, FactorRead.factor_key == "data")
            .values(rationale="the goal")
        )
    changed = work.set_rationale(first, "data", "the goal, met")
    assert changed.read is not None
    assert changed.read.rationale == "the goal, met"
    assert saved(demo_path, first).reads["data"].rationale == "the goal, met"


def test_evidence_must_be_the_entrys_own_words_on_the_factors_entry(demo_path, work, first):
    text = work.portfolio(first).entries[0].text
    before = row_counts(demo_path)
    with pytest.raises(WorkError, match="the entry has other words at that place"):
        work.add_evidence(first, "impact_cycle", 1, 0, 10, "not these!")
    with pytest.raises(WorkError, match="the entry has other words"):
        work.add_evidence(first, "impact_cycle", 1, len(text) - 2, len(text) + 5, text[-2:])
    with pytest.raises(WorkError, match="Data is scored on entry 1, not entry 2"):
        work.add_evidence(first, "data", 2, 0, 10, text[:10])
    assert row_counts(demo_path) == before
