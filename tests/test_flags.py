"""Flags: found in the complete reads, kept at merge, accepted with a reason, holding release."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from fractions import Fraction
from pathlib import Path

import pytest
from sqlalchemy import select

from icg_desk.models.cohort_file import CohortFile
from icg_desk.models.cohort_results import ReleaseError, cohort_results, release_results
from icg_desk.models.cohort_schema import (
    Assignment,
    Candidate,
    CandidateEntry,
    Flag,
    FlagEvent,
    Scorer,
)
from icg_desk.models.cohort_status import cohort_status
from icg_desk.models.flag_accept import AcceptRefused, accept_flag
from icg_desk.models.merge import ACCEPTED, REPLACED, Returned, merge_returned
from icg_desk.models.rubric_file import builtin_rubric
from icg_desk.scoring import Status, decide
from icg_desk.scoring.flags import (
    FlagKind,
    FlagState,
    Standing,
    flag_conditions,
    result_state,
)

F = Fraction
RUBRIC = builtin_rubric()
KEYS = RUBRIC.factor_keys


def every(score: Fraction, **others: Fraction) -> dict[str, Fraction]:
    return {key: others.get(key, score) for key in KEYS}


# --- the pure rules --------------------------------------------------------------------------


def test_a_factor_more_than_the_threshold_apart_is_a_discrepancy() -> None:
    found = flag_conditions(
        RUBRIC, [("S-2", every(F(3), data=F(3))), ("S-1", every(F(3), data=F(7, 4)))]
    )
    assert found == ()  # 1.25 apart: not more than the threshold
    (flag,) = flag_conditions(
        RUBRIC, [("S-2", every(F(3), data=F(13, 4))), ("S-1", every(F(3), data=F(7, 4)))]
    )
    assert (flag.kind, flag.factor) == (FlagKind.DISCREPANCY, "data")
    assert [r.text for r in flag.reads] == ["S-1: 1.75", "S-2: 3.25"]  # in scorer order
    assert "differ by 1.50, more than 1.25" in flag.reasons[0]
    assert flag.fingerprint == "S-1=1.75;S-2=3.25"


def test_reads_on_either_side_of_the_decision_are_a_split_without_any_discrepancy() -> None:
    # 3.00 and 2.25 overall: no factor more than 0.75 apart, yet one read certifies.
    (flag,) = flag_conditions(RUBRIC, [("S-1", every(F(3))), ("S-2", every(F(9, 4)))])
    assert flag.kind is FlagKind.DECISION_SPLIT
    assert flag.factor == ""
    assert "one read certifies and the other does not" in flag.reasons[0]
    assert [r.text for r in flag.reads] == ["S-1: Certified 3.00", "S-2: Not certified 2.25"]


def test_the_issues_worst_case_two_retakes_whose_mean_certifies_is_split() -> None:
    a = every(F(7, 2), data=F(3, 2))  # retake Data
    b = every(F(7, 2), playbook=F(3, 2))  # retake Playbook
    assert decide(RUBRIC, a).status is decide(RUBRIC, b).status is Status.NOT_CERTIFIED
    found = flag_conditions(RUBRIC, [("S-1", a), ("S-2", b)])
    (split,) = [f for f in found if f.kind is FlagKind.DECISION_SPLIT]
    assert any("Data is on either side of the factor floor" in r for r in split.reasons)
    assert any("Instructional Playbook is on either side" in r for r in split.reasons)


def test_one_read_raises_nothing_and_three_reads_compare_every_pair() -> None:
    assert flag_conditions(RUBRIC, [("S-1", every(F(1)))]) == ()
    found = flag_conditions(
        RUBRIC, [("S-1", every(F(3))), ("S-2", every(F(3))), ("S-3", every(F(9, 4)))]
    )
    (split,) = found
    assert len(split.reads) == 3
    assert all(r.endswith("]") for r in split.reasons)  # which pair, with three reads


def test_result_state_is_final_only_with_every_read_in_and_no_flag_open() -> None:
    certified = decide(RUBRIC, every(F(3)))
    final = result_state(
        reads_needed=2, reads_in=2, reads_in_progress=0, flags_open=(), decision=certified
    )
    assert final.standing is Standing.FINAL
    assert final.counts_as is Status.CERTIFIED
    assert final.label == "Final"
    waiting = result_state(
        reads_needed=2, reads_in=0, reads_in_progress=1, flags_open=("data",), decision=certified
    )
    assert waiting.counts_as is None
    assert waiting.label == "Waiting: 1 read missing; 1 read in progress; 1 flag open"


# --- kept in the cohort ----------------------------------------------------------------------


@pytest.fixture
def cohort(tmp_path: Path) -> Iterator[CohortFile]:
    """Two candidates, each read by S-1 (batch B-1) and S-2 (batch B-2)."""
    with CohortFile.create(tmp_path / "c.icgcohort", name="2026-27", rubric=RUBRIC) as cohort:
        with cohort.transaction() as s:
            scorers = [Scorer(scorer_id=f"S-{i}", name=f"Scorer {i}") for i in (1, 2)]
            for i in (1, 2):
                c = Candidate(candidate_id=f"100{i}", code=f"C27-00{i}", name=f"Name {i}")
                c.entries = [CandidateEntry(number=e.number, text="Text.") for e in RUBRIC.entries]
                s.add(c)
                for n, scorer in enumerate(scorers, start=1):
                    s.add(Assignment(candidate=c, scorer=scorer, batch_id=f"B-{n}"))
        yield cohort


def send(cohort: CohortFile, scorer: int, reads: dict[str, dict[str, Fraction]]) -> str:
    """Merge scorer S-<n>'s returned batch with these reads (candidate code -> scores)."""
    returned = Returned(
        kind="batch",
        batch_id=f"B-{scorer}",
        scorer_id=f"S-{scorer}",
        reads={(code, k): (v, "") for code, scores in reads.items() for k, v in scores.items()},
        as_of=datetime.now(UTC),
    )
    outcome = merge_returned(cohort, Path(f"S-{scorer}.icgbatch"), "ab" * 32, returned)
    assert outcome.outcome in (ACCEPTED, REPLACED), outcome.reason
    return outcome.outcome


def rows(cohort: CohortFile) -> list[tuple[str, str, str]]:
    with cohort.reading() as s:
        return [
            (f.kind, f.factor_key, f.state)
            for f in s.scalars(select(Flag).order_by(Flag.kind, Flag.factor_key))
        ]


def events(cohort: CohortFile) -> list[tuple[str, str, str]]:
    with cohort.reading() as s:
        return [
            (e.action, e.state, e.actor)
            for e in s.scalars(select(FlagEvent).order_by(FlagEvent.id))
        ]


def test_a_merge_raises_flags_and_keeps_them_with_the_audit_log(cohort: CohortFile) -> None:
    send(cohort, 1, {"C27-001": every(F(3), data=F(7, 4)), "C27-002": every(F(3))})
    assert rows(cohort) == []  # one read: nothing to compare yet
    send(cohort, 2, {"C27-001": every(F(3), data=F(13, 4)), "C27-002": every(F(3))})
    assert rows(cohort) == [("discrepancy", "data", "open")]
    assert events(cohort) == [("raised", "open", "merge")]
    results = cohort_results(cohort)
    first = results.candidates[0]
    assert [f.title(RUBRIC) for f in first.open_flags] == ["Data: discrepancy"]
    assert first.state.label == "Waiting: 1 flag open"
    assert first.decision.status is Status.CERTIFIED  # so far; but never counted so
    assert results.count(Status.CERTIFIED) == 1  # 1002 alone
    data = first.as_json(RUBRIC)
    assert data["status"] == "waiting"
    assert data["decision_so_far"] == "certified"
    assert data["flags"][0]["reads"][0] == {  # type: ignore[index]
        "scorer_id": "S-1",
        "score": "1.75",
        "overall": None,
        "decision": None,
    }


def test_release_is_refused_while_a_flag_is_open_listing_each(cohort: CohortFile) -> None:
    send(cohort, 1, {"C27-001": every(F(3), data=F(7, 4)), "C27-002": every(F(3))})
    send(cohort, 2, {"C27-001": every(F(3), data=F(13, 4)), "C27-002": every(F(9, 4))})
    with pytest.raises(ReleaseError) as refused:
        release_results(cohort)
    text = str(refused.value)
    assert "2 flags are open" in text
    assert "1001 (C27-001) Data: discrepancy" in text
    assert "1002 (C27-002) Decision split" in text
    assert cohort.released_at is None


def test_accepting_needs_a_reason_and_an_open_flag_then_release_goes(cohort: CohortFile) -> None:
    send(cohort, 1, {"C27-001": every(F(3), data=F(7, 4)), "C27-002": every(F(3))})
    send(cohort, 2, {"C27-001": every(F(3), data=F(13, 4)), "C27-002": every(F(3))})
    with pytest.raises(AcceptRefused, match="give a reason"):
        accept_flag(cohort, "C27-001", "data", "   ", "Ana")
    with pytest.raises(AcceptRefused, match="no open a decision split|--factor data"):
        accept_flag(cohort, "C27-001", None, "fine", "Ana")
    with pytest.raises(AcceptRefused, match="no open flag"):
        accept_flag(cohort, "C27-002", None, "fine", "Ana")
    with pytest.raises(AcceptRefused, match="not a factor"):
        accept_flag(cohort, "C27-001", "dta", "fine", "Ana")
    with pytest.raises(AcceptRefused, match="no candidate"):
        accept_flag(cohort, "C27-999", "data", "fine", "Ana")
    done = accept_flag(cohort, "1001", "data", "Both reads\nchecked: evidence is thin", "Ana")
    assert (done.code, done.reason, done.by) == (
        "C27-001",
        "Both reads checked: evidence is thin",
        "Ana",
    )
    with pytest.raises(AcceptRefused, match="already accepted by Ana"):
        accept_flag(cohort, "C27-001", "data", "again", "Ana")
    flag = cohort_results(cohort).candidates[0].flags[0]
    assert flag.state is FlagState.ACCEPTED
    assert flag.closed_text().startswith("accepted by Ana on ")
    assert events(cohort)[-1] == ("accepted", "accepted", "Ana")
    release_results(cohort)
    assert cohort.released_at is not None


def test_an_accepted_flag_opens_again_when_its_reads_change(cohort: CohortFile) -> None:
    send(cohort, 1, {"C27-001": every(F(3), data=F(7, 4))})
    send(cohort, 2, {"C27-001": every(F(3), data=F(13, 4))})
    accept_flag(cohort, "C27-001", "data", "checked", "Ana")
    # S-2 sends a later file: Data now 4.00, still discrepant, but not the reads accepted.
    assert send(cohort, 2, {"C27-001": every(F(3), data=F(4))}) == REPLACED
    assert rows(cohort) == [("discrepancy", "data", "open")]
    assert events(cohort)[-1][:2] == ("reopened", "open")
    # Then S-2 corrects Data to 2.75: the reads agree, and the flag is cleared, kept.
    send(cohort, 2, {"C27-001": every(F(3), data=F(11, 4))})
    assert rows(cohort) == [("discrepancy", "data", "cleared")]
    assert cohort_results(cohort).candidates[0].flags == ()
    # And disagreeing once more opens the same flag again.
    send(cohort, 2, {"C27-001": every(F(3), data=F(13, 4))})
    assert rows(cohort) == [("discrepancy", "data", "open")]
    assert [e[0] for e in events(cohort)] == [
        "raised", "accepted", "reopened", "cleared", "reopened",
    ]  # fmt: skip


def test_status_counts_a_read_returned_only_when_complete(cohort: CohortFile) -> None:
    half = {k: F(3) for k in KEYS[:3]}
    send(cohort, 1, {"C27-001": every(F(3)), "C27-002": half})
    status = cohort_status(cohort)
    assert (status.reads_returned, status.reads_in_progress) == (1, 1)
    assert status.per_scorer[0].returned == 1
    assert (status.certified, status.waiting) == (0, 2)


def test_a_cohort_of_format_2_shows_the_flags_of_reads_merged_before(cohort: CohortFile) -> None:
    send(cohort, 1, {"C27-001": every(F(3), data=F(7, 4))})
    send(cohort, 2, {"C27-001": every(F(3), data=F(13, 4))})
    with cohort.transaction() as s:  # as if merged before flags were kept
        for flag in s.scalars(select(Flag)):
            s.delete(flag)
    assert rows(cohort) == []
    (flag,) = cohort_results(cohort).candidates[0].flags
    assert flag.open
    with pytest.raises(ReleaseError, match="Data: discrepancy"):
        release_results(cohort)
