"""Assigning portfolios to scorers, moving reads by hand, and sending out one batch per scorer.

The plan itself (`plan_assignments`) is a pure function of ids, organisations and conflicts, so
its rules (distinct scorers, no clash of organisation, no declared conflict, balanced load,
reproducible from a seed) can be tested without a database; `assign` and `move_assignment` are
the thin cohort-database layer around it. Sending the batches out writes files named by
`formats.naming`, so it is an operation: `operations.sending.export_batches`.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from icg_desk.models.banked import RETAKE_READS, banked_of
from icg_desk.models.cohort_file import CohortFile
from icg_desk.models.cohort_results import ResultsLocked, refuse_when_released
from icg_desk.models.cohort_schema import (
    ADJUDICATOR,
    CANDIDATE,
    READ,
    Assignment,
    Candidate,
    Scorer,
    Withdrawal,
)
from icg_desk.models.errors import UserError
from icg_desk.models.schema import utcnow


class AssignmentError(UserError, ValueError):
    """An assignment the coordinator asked for cannot be made; the message says whose and why."""


@dataclass(frozen=True)
class Plan:
    """Who reads which portfolio: the result of planning, before anything is written."""

    reads: dict[str, tuple[str, ...]]  # candidate id -> scorer ids
    load: dict[str, int]  # scorer id -> portfolios
    added: int = 0  # reads placed by this plan (the seed decides where)
    kept: int = 0  # reads already assigned, kept as they were (whatever seed placed them)
    # Retake candidates (banked scores), each given at least `retake_reads` reads.
    retakes: int = 0
    retake_reads: int = 0

    def summary(self, seed: int) -> str:
        """What assigning did, in one sentence: a seed only places the reads not yet assigned."""
        said = self._summary(seed)
        if self.retakes:
            noun = "retake is" if self.retakes == 1 else "retakes are"
            said += (
                f"; the {self.retakes} {noun} read {self.retake_reads} times, whatever the "
                "reads per portfolio (retakes are always read twice)"
            )
        return said

    def _summary(self, seed: int) -> str:
        if not self.added and not self.kept:
            return "Nothing to assign: the cohort has no candidates yet"
        if not self.added:
            return (
                f"Already assigned: {self.kept} reads kept as they were; nothing changed "
                f"(seed {seed} only places reads not yet assigned)"
            )
        if not self.kept:
            return f"Assigned {self.added} reads (seed {seed})"
        return (
            f"Assigned {self.added} new reads (seed {seed}); "
            f"kept the {self.kept} already assigned as they were"
        )


def _organisation(value: str) -> str:
    # Rosters are typed by hand: "Lincoln USD " and "lincoln usd" are the same employer.
    return value.strip().casefold()


def _ineligibility(
    candidate_id: str, candidate_org: str, scorer_org: str, conflicts: frozenset[str]
) -> str | None:
    """Why this scorer may not read this candidate, or None when they may."""
    if candidate_id in conflicts:
        return "declared a conflict of interest with the candidate"
    mine, theirs = _organisation(candidate_org), _organisation(scorer_org)
    # An empty organisation is "unknown", not a shared employer: it never clashes.
    if mine and mine == theirs:
        return f"is from the candidate's organisation ({candidate_org.strip()})"
    return None


def _duplicates(ids: Sequence[str]) -> list[str]:
    return sorted(i for i, n in Counter(ids).items() if n > 1)


def plan_assignments(
    candidates: Sequence[tuple[str, str]],
    scorers: Sequence[tuple[str, str, frozenset[str]]],
    *,
    reads: int,
    seed: int,
    existing: Mapping[str, Sequence[str]] = {},
    reads_for: Mapping[str, int] = {},
) -> Plan:
    """Give each candidate `reads` distinct eligible scorers, keeping the reads in `existing`.

    Greedy by current load (ties broken by `random.Random(seed)`), most-constrained candidates
    first, then a repair pass that moves new reads from the busiest to the least busy eligible
    scorers. Reads in `existing` are kept as they are (the coordinator may have placed them by
    hand) and count towards every scorer's load. `reads_for`: candidates that need another
    number of reads than `reads` (a retake is read at least twice). Raises `AssignmentError`
    naming every candidate with too few eligible scorers.
    """
    if reads < 1:
        raise AssignmentError(f"each portfolio needs at least 1 read, not {reads}")
    for kind, ids in (
        ("candidate", [c[0] for c in candidates]),
        ("scorer", [s[0] for s in scorers]),
    ):
        dupes = _duplicates(ids)
        if dupes:
            raise AssignmentError(f"{kind} {dupes[0]} is listed more than once")

    # Sorted before any random draw: the same people in another order give the same plan.
    cands = sorted(candidates)
    scorer_list = sorted(scorers, key=lambda s: s[0])
    known = {s[0] for s in scorer_list}
    load = {s[0]: 0 for s in scorer_list}
    for candidate_id, scorer_ids in existing.items():
        for scorer_id in scorer_ids:
            if scorer_id not in known:
                raise AssignmentError(
                    f"candidate {candidate_id} is assigned to scorer {scorer_id}, "
                    "who is not among the scorers"
                )
            load[scorer_id] += 1

    def wanted(candidate_id: str) -> int:
        return reads_for.get(candidate_id, reads)

    planned: dict[str, list[str]] = {}
    open_scorers: dict[str, list[str]] = {}  # eligible scorers not yet reading the candidate
    short: list[str] = []
    for candidate_id, org in cands:
        kept = list(dict.fromkeys(existing.get(candidate_id, ())))
        planned[candidate_id] = kept
        eligible = [
            sid
            for sid, sorg, conflicts in scorer_list
            if _ineligibility(candidate_id, org, sorg, conflicts) is None
        ]
        open_scorers[candidate_id] = [sid for sid in eligible if sid not in kept]
        if len(kept) + len(open_scorers[candidate_id]) < wanted(candidate_id):
            short.append(
                f"candidate {candidate_id}: {len(eligible)} eligible scorer"
                f"{'' if len(eligible) == 1 else 's'}, {wanted(candidate_id)} needed"
            )
    if short:
        raise AssignmentError(
            "not enough eligible scorers (a scorer from the candidate's organisation or with a "
            "declared conflict may not read it): " + "; ".join(short)
        )

    rng = random.Random(seed)
    # Most constrained first: a candidate only a few scorers may read takes them while their
    # load is still low, instead of finding them already busy with portfolios anyone could read.
    tie = {cid: rng.random() for cid, _ in cands}
    order = sorted(
        (cid for cid, _ in cands if len(planned[cid]) < wanted(cid)),
        key=lambda cid: (len(open_scorers[cid]), tie[cid]),
    )
    new: dict[str, list[str]] = defaultdict(list)
    for cid in order:
        draw = {sid: rng.random() for sid in open_scorers[cid]}
        ranked = sorted(open_scorers[cid], key=lambda sid: (load[sid], draw[sid]))
        for sid in ranked[: wanted(cid) - len(planned[cid])]:
            new[cid].append(sid)
            load[sid] += 1

    _rebalance(order, new, planned, open_scorers, load)
    return Plan(
        reads={cid: tuple(planned[cid] + new[cid]) for cid, _ in cands},
        load=load,
        added=sum(len(new[cid]) for cid, _ in cands),
        kept=sum(len(planned[cid]) for cid, _ in cands),
    )


def _rebalance(
    order: Sequence[str],
    new: dict[str, list[str]],
    kept: Mapping[str, Sequence[str]],
    open_scorers: Mapping[str, Sequence[str]],
    load: dict[str, int],
) -> None:
    """Move new reads from a scorer to an eligible one with at least 2 fewer, while any can move.

    Greedy order can still leave a constrained scorer overloaded; each move lowers the sum of
    squared loads, so this ends. Only new reads move: kept ones were placed on purpose.
    """
    moved = True
    while moved:
        moved = False
        for cid in order:
            for i, sid in enumerate(new[cid]):
                reading = set(kept[cid]) | set(new[cid])
                targets = [t for t in open_scorers[cid] if t not in reading]
                if not targets:
                    continue
                target = min(targets, key=lambda t: load[t])  # first lowest: deterministic
                if load[sid] - load[target] >= 2:
                    new[cid][i] = target
                    load[sid] -= 1
                    load[target] += 1
                    moved = True


class AssignmentLocked(ResultsLocked, AssignmentError):
    """Assigning, moving or sending refused: the results are released."""


def _refuse_when_released(session: Session) -> None:
    refuse_when_released(session, error=AssignmentLocked)


def assign(cohort: CohortFile, *, seed: int, reads: int | None = None) -> Plan:
    """Add the reads each portfolio is missing (keeping existing ones), in one transaction.

    `reads` defaults to the cohort rubric's reads per portfolio. A retake (banked scores) is
    always given at least 2 reads, whatever `reads` says (models/banked.py). Reads already
    assigned, sent or not, are never moved or removed, so run again with another seed this
    changes nothing; the plan's `added` and `kept` say what happened (`Plan.summary`).
    """
    wanted = cohort.rubric.reads.per_portfolio if reads is None else reads
    with cohort.transaction() as session:
        _refuse_when_released(session)
        # Validity and practice portfolios are seeded (models/seeding.py), never planned.
        everyone_in = session.scalars(select(Candidate).where(Candidate.kind == CANDIDATE)).all()
        # A withdrawn candidate needs no more reads (models/ways_out.py); theirs still count
        # towards the scorers' loads.
        gone = set(session.scalars(select(Withdrawal.candidate_ref)))
        candidates = [c for c in everyone_in if c.id not in gone]
        everyone = session.scalars(select(Scorer)).all()
        # Adjudicators are given no new reads (one given a read by hand keeps it), and an
        # adjudication is not a read.
        reading = {
            a.scorer_ref
            for a in session.scalars(select(Assignment).where(Assignment.kind == READ)).all()
        }
        scorers = [s for s in everyone if s.role != ADJUDICATOR or s.id in reading]
        candidate_ids = {
            c.id: c.candidate_id for c in session.scalars(select(Candidate)).all()
        }
        scorer_ids = {s.id: s.scorer_id for s in everyone}
        existing: dict[str, list[str]] = defaultdict(list)
        for a in session.scalars(select(Assignment).where(Assignment.kind == READ)).all():
            existing[candidate_ids[a.candidate_ref]].append(scorer_ids[a.scorer_ref])
        retake_reads = {
            candidate_ids[ref]: max(wanted, RETAKE_READS)
            for ref in banked_of(session, cohort.rubric)
            if ref not in gone
        }
        plan = plan_assignments(
            [(c.candidate_id, c.organisation) for c in candidates],
            [(s.scorer_id, s.organisation, frozenset(s.conflicts)) for s in scorers],
            reads=wanted,
            seed=seed,
            existing=existing,
            reads_for=retake_reads,
        )
        if plan_retakes := [cid for cid, n in retake_reads.items() if n > 0]:
            plan = replace(
                plan, retakes=len(plan_retakes), retake_reads=max(wanted, RETAKE_READS)
            )
        by_scorer_id = {s.scorer_id: s for s in scorers}
        for c in candidates:
            already = set(existing.get(c.candidate_id, ()))
            for scorer_id in plan.reads[c.candidate_id]:
                if scorer_id not in already:
                    session.add(Assignment(candidate=c, scorer=by_scorer_id[scorer_id]))
    return plan


def move_assignment(
    cohort: CohortFile, candidate_id: str, from_scorer: str, to_scorer: str
) -> None:
    """Give one read of a portfolio to another scorer, if the rules allow it."""
    with cohort.transaction() as session:
        _refuse_when_released(session)
        candidate = session.scalars(
            select(Candidate).where(
                Candidate.candidate_id == candidate_id, Candidate.kind == CANDIDATE
            )
        ).one_or_none()
        if candidate is None:
            raise AssignmentError(f"there is no candidate {candidate_id}")
        people: dict[str, Scorer] = {}
        for scorer_id in (from_scorer, to_scorer):
            found = session.scalars(select(Scorer).where(Scorer.scorer_id == scorer_id)).first()
            if found is None:
                raise AssignmentError(f"there is no scorer {scorer_id}")
            people[scorer_id] = found
        source, target = people[from_scorer], people[to_scorer]
        if source.id == target.id:
            raise AssignmentError(
                f"candidate {candidate_id}: the read is already with scorer {to_scorer}"
            )
        readers = {a.scorer_ref: a for a in candidate.assignments}
        assignment = readers.get(source.id)
        if assignment is None:
            raise AssignmentError(
                f"candidate {candidate_id} is not assigned to scorer {from_scorer}"
            )
        if assignment.batch_id is not None:
            raise AssignmentError(
                f"candidate {candidate_id}: the read by scorer {from_scorer} was already sent out "
                f"in batch {assignment.batch_id}; it cannot be moved"
            )
        if target.id in readers:
            raise AssignmentError(
                f"candidate {candidate_id}: scorer {to_scorer} already reads this portfolio"
            )
        why = _ineligibility(
            candidate.candidate_id,
            candidate.organisation,
            target.organisation,
            frozenset(target.conflicts),
        )
        if why is not None:
            raise AssignmentError(
                f"candidate {candidate_id} cannot go to scorer {to_scorer}: the scorer {why}"
            )
        assignment.scorer = target
        assignment.assigned_at = utcnow()
