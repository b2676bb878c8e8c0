"""Adjudication: the flagged portfolios go to adjudicators, whose scores settle the flags.

**Who.** A scorer whose role is `adjudicator` (the scorers sheet's `role` column). An
adjudicator may adjudicate a portfolio they did not read (nor adjudicated before), with no
declared conflict with the candidate and not from the candidate's organisation; the
portfolios are shared out so that each adjudicator has as few as the rules allow (the most
constrained portfolio first, then the least loaded adjudicator, ties by id).

**What.** Only the flagged candidates with an open flag: each open discrepancy's factor, and for
an open decision split the factors that split it (scoring.flags.split_factors). A candidate
whose adjudication is still out (sent, not every factor back) is not sent again.

**Kept apart.** An adjudication is an assignment of kind "adjudication" with the factors asked:
never one of the reads compared for flags or averaged. When its factors are all merged, its
score replaces the factor score (scoring.combine_reads(adjudicated=...)), and the merge closes
the flags it settles as adjudicated, with the adjudicator and when (`settle_flags`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

from sqlalchemy import select
from sqlalchemy.orm import Session

from icg_desk.models.adjudicated import adjudications_of
from icg_desk.models.assignment import AssignmentError, _ineligibility
from icg_desk.models.cohort_schema import (
    ADJUDICATION,
    ADJUDICATOR,
    Assignment,
    Candidate,
    Flag,
    ReadScore,
    Scorer,
    Withdrawal,
)
from icg_desk.models.flags import close_flag, complete_reads
from icg_desk.scoring import Rubric, format_score
from icg_desk.scoring.flags import FlagKind, FlagState, adjudication_factors, split_factors


class AdjudicationRefused(AssignmentError):
    """Nothing was sent for adjudication; the message says why, naming each candidate."""


@dataclass(frozen=True)
class AdjudicationItem:
    """One flagged portfolio to adjudicate: whose, which factors, by whom."""

    candidate_ref: int
    candidate_id: str
    code: str
    factors: tuple[str, ...]  # in rubric order
    adjudicator_id: str
    earlier_reads: tuple[tuple[str, str], ...]  # (factor key, score) when the rubric shows them
    factor_names: tuple[str, ...] = ()  # the factors as the rubric names them, for people


@dataclass(frozen=True)
class AdjudicationPlan:
    items: tuple[AdjudicationItem, ...]
    still_out: tuple[str, ...]  # candidate ids whose adjudication was sent and is not back


def plan_adjudication(session: Session, rubric: Rubric) -> AdjudicationPlan:
    """Who adjudicates which flagged portfolio, checked whole; AdjudicationRefused when any
    flagged portfolio has no eligible adjudicator (nothing is then sent)."""
    open_flags: dict[int, list[tuple[FlagKind, str]]] = defaultdict(list)
    # A withdrawn candidate's flags hold nothing up and are not worth an adjudicator's time.
    withdrawn = set(session.scalars(select(Withdrawal.candidate_ref)))
    for cref, kind, factor in session.execute(
        select(Flag.candidate_ref, Flag.kind, Flag.factor_key).where(Flag.state == FlagState.OPEN)
    ):
        if cref not in withdrawn:
            open_flags[cref].append((FlagKind(kind), factor))
    if not open_flags:
        return AdjudicationPlan((), ())
    people = {
        c.id: c
        for c in session.scalars(select(Candidate).where(Candidate.id.in_(list(open_flags))))
    }
    adjudicators = sorted(
        session.scalars(select(Scorer).where(Scorer.role == ADJUDICATOR)).all(),
        key=lambda s: s.scorer_id,
    )
    readers, load, out = _work_so_far(session, [s.scorer_id for s in adjudicators])
    reads = complete_reads(session, rubric, list(open_flags))
    done = adjudications_of(session, rubric, list(open_flags))

    wanted: list[tuple[Candidate, tuple[str, ...], list[str]]] = []
    problems: list[str] = []
    still_out: list[str] = []
    for cref in sorted(open_flags, key=lambda r: people[r].candidate_id):
        person = people[cref]
        if cref in out:
            still_out.append(person.candidate_id)
            continue
        factors = adjudication_factors(
            rubric, reads.get(cref, []), open_flags[cref], list(done.get(cref, {}))
        )
        if not factors:
            continue
        eligible, why = _eligible(person, adjudicators, readers[cref])
        if not eligible:
            detail = "; ".join(why) if why else "the scorers sheet names no adjudicator"
            problems.append(f"candidate {person.candidate_id} ({person.code}): {detail}")
            continue
        wanted.append((person, factors, eligible))
    if problems:
        raise AdjudicationRefused(
            "no adjudicator may adjudicate "
            + ("this flagged portfolio" if len(problems) == 1 else "these flagged portfolios")
            + " (an adjudicator is a scorer whose role is adjudicator, who did not read the "
            "portfolio and has no conflict with the candidate); nothing was sent:\n  "
            + "\n  ".join(problems)
        )
    # The most constrained first, then the least loaded adjudicator, ties by id.
    wanted.sort(key=lambda w: (len(w[2]), w[0].candidate_id))
    items: list[AdjudicationItem] = []
    for person, factors, eligible in wanted:
        chosen = min(eligible, key=lambda sid: (load[sid], sid))
        load[chosen] += 1
        earlier: tuple[tuple[str, str], ...] = ()
        if rubric.reads.adjudicator_sees_reads:
            earlier = tuple(
                (key, format_score(scores[key]))
                for _, scores in sorted(reads.get(person.id, []))
                for key in factors
            )
        items.append(
            AdjudicationItem(
                person.id,
                person.candidate_id,
                person.code,
                factors,
                chosen,
                earlier,
                tuple(rubric.factor(k).name for k in factors),
            )
        )
    items.sort(key=lambda i: (i.adjudicator_id, i.code))
    return AdjudicationPlan(tuple(items), tuple(still_out))


def _work_so_far(
    session: Session, adjudicator_ids: Sequence[str]
) -> tuple[dict[int, set[str]], dict[str, int], set[int]]:
    """Who read or adjudicated each candidate; each adjudicator's adjudications so far; and the
    candidates whose adjudication is out (sent, not every factor asked back)."""
    scorer_of = {s.id: s.scorer_id for s in session.scalars(select(Scorer))}
    readers: dict[int, set[str]] = defaultdict(set)
    load = dict.fromkeys(adjudicator_ids, 0)
    adjudications: list[tuple[int, int, list[str]]] = []
    for aid, cref, sref, kind, factors in session.execute(
        select(
            Assignment.id,
            Assignment.candidate_ref,
            Assignment.scorer_ref,
            Assignment.kind,
            Assignment.factors,
        )
    ):
        readers[cref].add(scorer_of[sref])
        if kind == ADJUDICATION:
            adjudications.append((aid, cref, factors))
            if scorer_of[sref] in load:
                load[scorer_of[sref]] += 1
    out: set[int] = set()
    if adjudications:
        scored: dict[int, set[str]] = defaultdict(set)
        for ref, key in session.execute(
            select(ReadScore.assignment_ref, ReadScore.factor_key).where(
                ReadScore.assignment_ref.in_([a for a, _, _ in adjudications]),
                ReadScore.score.is_not(None),
            )
        ):
            scored[ref].add(key)
        out = {cref for aid, cref, factors in adjudications if not set(factors) <= scored[aid]}
    return readers, load, out


def _eligible(
    person: Candidate, adjudicators: Sequence[Scorer], readers: set[str]
) -> tuple[list[str], list[str]]:
    """The adjudicators who may adjudicate this candidate, and why each other may not."""
    eligible: list[str] = []
    why: list[str] = []
    for s in adjudicators:
        if s.scorer_id in readers:
            why.append(f"{s.scorer_id} read it already")
            continue
        reason = _ineligibility(
            person.candidate_id, person.organisation, s.organisation, frozenset(s.conflicts)
        )
        if reason is not None:
            why.append(f"{s.scorer_id} {reason}")
            continue
        eligible.append(s.scorer_id)
    return eligible, why


def settle_flags(session: Session, rubric: Rubric, candidate_refs: Iterable[int]) -> int:
    """Close as adjudicated the open flags the merged adjudications of these candidates settle:
    a discrepancy whose factor is adjudicated; a decision split whose splitting factors all are.
    In the merge's transaction, after the flags are in line with the reads; returns how many."""
    refs = list(candidate_refs)
    if not refs:
        return 0
    done = adjudications_of(session, rubric, refs)
    if not done:
        return 0
    reads = complete_reads(session, rubric, list(done))
    closed = 0
    for flag in session.scalars(
        select(Flag).where(Flag.candidate_ref.in_(list(done)), Flag.state == FlagState.OPEN)
    ):
        adjudicated: Mapping[str, tuple[Fraction, str]] = done[flag.candidate_ref]
        if flag.kind == FlagKind.DISCREPANCY:
            keys: Sequence[str] = (flag.factor_key,)
        else:
            keys = split_factors(rubric, reads.get(flag.candidate_ref, []))
        if not keys or not all(k in adjudicated for k in keys):
            continue
        by = sorted({adjudicated[k][1] for k in keys})
        note = "; ".join(
            f"{rubric.factor(k).name} adjudicated {format_score(adjudicated[k][0])} "
            f"by {adjudicated[k][1]}"
            for k in keys
        )
        close_flag(session, flag, FlagState.ADJUDICATED, ", ".join(by), note)
        closed += 1
    return closed
