"""Every candidate's results from the merged reads, and releasing them.

A read counts once every factor of it is scored (a complete read): a scorer's half-scored
portfolio is work in progress, not a judgement, so it neither moves a mean nor counts as in.
A factor's score is then the mean of the complete reads, or the adjudicator's score where a
flagged factor was adjudicated (scoring/reads.py, models/adjudication.py), and the decision
follows from those scores. The complete reads
also raise flags (scoring/flags.py, kept by models/flags.py), and whether a candidate's result is
final or waiting, and why, is `CandidateResult.state` (scoring.flags.result_state): every
surface counts and words it from there.

Release needs every candidate final: every read in and no flag open.

Release stamps the cohort with the time; from then on the results are locked: nothing is
merged, assigned, imported or sent out (each of those calls `refuse_when_released` in its own
write transaction: the one place that decides and words it), and score reports print with
candidate names.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from fractions import Fraction

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from icg_desk.models.adjudicated import adjudications_of
from icg_desk.models.banked import Banked, banked_of, reads_needed
from icg_desk.models.cohort_file import CohortFile
from icg_desk.models.cohort_schema import (
    CANDIDATE,
    READ,
    Assignment,
    Candidate,
    CohortInfo,
    CoordinatorEvent,
    MergeConflict,
    ReadScore,
    Scorer,
    Withdrawal,
)
from icg_desk.models.cohort_schema import OPEN as CONFLICT_OPEN
from icg_desk.models.errors import UserError
from icg_desk.models.flags import CandidateFlag, current_flags, stored_flags, sync_flags
from icg_desk.models.schema import utcnow
from icg_desk.scoring import (
    Decision,
    FactorResult,
    Rubric,
    Status,
    combine_reads,
    decide,
    retake_score,
)
from icg_desk.scoring.flags import ResultState, Standing, flag_conditions, result_state
from icg_desk.scoring.scale import format_against, format_score

# The coordinator_event actions (models/ways_out.py writes them; results read "reopened").
REASSIGNED, WITHDRAWN, REINSTATED, REOPENED = "reassigned", "withdrawn", "reinstated", "reopened"
# A batch's calibration unlock code given to its scorer (models/unlocking.py writes it).
UNLOCKED = "unlocked"


class ReleaseError(UserError):
    """The results cannot be released (or were already); the message says why."""


class ResultsLocked(UserError):
    """The cohort's results were released; what was asked would change them.

    `doing` ends the message with what that means for the step refused ("there is nothing more
    to release"); the first part is the same for every step.
    """

    def __init__(self, released_at: datetime, doing: str = "") -> None:
        self.released_at, self.doing = released_at, doing
        self.reason = (
            f"the results were released on {released_at:%Y-%m-%d %H:%M} UTC and are locked"
        )
        super().__init__(f"{self.reason}; {doing}" if doing else self.reason)


class ReleaseLocked(ResultsLocked, ReleaseError):
    """Release asked again: locked, and still a ReleaseError for those who catch that."""


def released_at(session: Session) -> datetime | None:
    return session.scalars(select(CohortInfo.released_at)).one()


def refuse_when_released(
    session: Session,
    doing: str = "",
    *,
    error: Callable[[datetime, str], ResultsLocked] = ResultsLocked,
) -> None:
    """Raise `error(released_at, doing)` when the results are released: the one check.

    Every step that would change the results (roster and scorer imports, assign, move, send,
    merge, release) calls this inside the transaction that would write, so a release cannot slip
    in between the check and the write. `error` lets a step keep its own family of error (an
    `AssignmentError`, an `ImportRejected`) as a subclass of ResultsLocked.
    """
    when = released_at(session)
    if when is not None:
        raise error(when, doing)


ensure_not_released = refuse_when_released  # the earlier name


@dataclass(frozen=True)
class ReadRow:
    """One scorer's read of one candidate, as merged (raw, for the coordinator's workbook)."""

    candidate_id: str
    code: str
    scorer_id: str
    batch_id: str | None
    scores: dict[str, Fraction | None]  # every factor key; None where not scored
    rationales: dict[str, str]
    # The factors the read asks for: a retake's retaken factors; empty for every factor.
    asked: tuple[str, ...] = ()

    @property
    def complete(self) -> bool:
        """Every factor asked is scored (a retake read: the retaken ones)."""
        if self.asked:
            return all(self.scores.get(k) is not None for k in self.asked)
        return all(s is not None for s in self.scores.values())

    @property
    def started(self) -> bool:
        return any(s is not None for s in self.scores.values())


@dataclass(frozen=True)
class WithdrawnInfo:
    """Who withdrew a candidate, when and why (models/ways_out.py)."""

    at: datetime
    by: str
    reason: str

    def text(self) -> str:
        return f"withdrawn by {self.by} on {self.at:%Y-%m-%d %H:%M} UTC: {self.reason}"


@dataclass(frozen=True)
class CandidateResult:
    candidate_id: str
    code: str
    name: str
    email: str
    organisation: str
    retake_factors: tuple[str, ...]
    reads_needed: int
    reads_in: int  # complete reads
    reads_partial: int  # reads with some factors scored, not all
    factors: tuple[FactorResult, ...]  # in rubric order, from the complete reads
    decision: Decision  # as the complete reads stand: final only when `state` says so
    flags: tuple[CandidateFlag, ...] = ()  # open, accepted and adjudicated, as they are now
    # (factor key, adjudicator id) of each factor whose score an adjudicator gave, in rubric order
    adjudicated_by: tuple[tuple[str, str], ...] = ()
    # Open conflicts between two copies of one of its reads (models/conflicts.py): the merged
    # version stands in the reads until the coordinator chooses, and the result waits.
    conflicts: int = 0

    def adjudicator_of(self, key: str) -> str | None:
        """Who adjudicated this factor, or None when its score is the reads' mean."""
        return dict(self.adjudicated_by).get(key)
    # Set while the candidate is withdrawn: no result, no read needed, nothing waited for.
    withdrawn: WithdrawnInfo | None = None
    # A retake (banked scores, models/banked.py): every banked score with its cycle, as
    # (factor key, score, cycle) in rubric order; empty for a first submission.
    banked_scores: tuple[tuple[str, Fraction, str], ...] = ()
    # The factors whose score is the banked one (not retaken, or retaken and the retake rule
    # kept the banked score), with the cycle: (factor key, cycle), in rubric order.
    banked: tuple[tuple[str, str], ...] = ()

    @property
    def retake(self) -> bool:
        """A retake candidate: some factor scores are banked from an earlier cycle."""
        return bool(self.banked_scores)

    def banked_cycle(self, key: str) -> str | None:
        """The cycle this factor's score was banked in, or None when it is new (this cycle's)."""
        return dict(self.banked).get(key)

    def sources(self) -> dict[str, str | None] | None:
        """Factor key -> the cycle its score is banked from, or None for a new score; None for a
        first submission (nothing to tell apart). What a score report marks."""
        if not self.retake:
            return None
        cycles = dict(self.banked)
        return {f.key: cycles.get(f.key) for f in self.factors}

    def source_text(self, key: str) -> str:
        """ "banked (2025-26)" or "new" for a retake's factor; "" for a first submission."""
        if not self.retake:
            return ""
        cycle = self.banked_cycle(key)
        return "new" if cycle is None else f"banked ({cycle})"

    @property
    def reads_missing(self) -> int:
        """Reads needed that are not complete yet (those in progress included); none are
        needed of a withdrawn candidate."""
        if self.withdrawn is not None:
            return 0
        return max(0, self.reads_needed - self.reads_in)

    @property
    def open_flags(self) -> tuple[CandidateFlag, ...]:
        """Open flags that hold the result up: none for a withdrawn candidate."""
        if self.withdrawn is not None:
            return ()
        return tuple(f for f in self.flags if f.open)

    @property
    def state(self) -> ResultState:
        """Final, waiting (and why) or withdrawn: the one answer every surface gives."""
        if self.withdrawn is not None:
            return ResultState(
                standing=Standing.WITHDRAWN,
                status=self.decision.status,
                reads_missing=0,
                reads_in_progress=0,
                flags_open=(),
                waiting_for=(),
            )
        return result_state(
            reads_needed=self.reads_needed,
            reads_in=self.reads_in,
            reads_in_progress=self.reads_partial,
            flags_open=[f.factor or f.kind.value for f in self.flags if f.open],
            decision=self.decision,
            conflicts=self.conflicts,
        )

    @property
    def scores(self) -> dict[str, Fraction | None]:
        return {f.key: f.score for f in self.factors}

    @property
    def discrepant(self) -> tuple[str, ...]:
        return tuple(f.key for f in self.factors if f.discrepant)

    def as_json(self, rubric: Rubric) -> dict[str, object]:
        overall = self.decision.overall
        state = self.state
        return {
            "candidate_id": self.candidate_id,
            "code": self.code,
            "name": self.name,
            "organisation": self.organisation,
            "reads_needed": self.reads_needed,
            "reads_in": self.reads_in,
            "reads_partial": self.reads_partial,
            "reads_missing": self.reads_missing,
            "factors": {
                f.key: None if f.score is None else format_score(f.score) for f in self.factors
            },
            "overall": None
            if overall is None
            else format_against(overall, rubric.thresholds.certification),
            # "final", "waiting" or "withdrawn"; a waiting candidate's status is "waiting", never
            # its decision so far (which is "decision_so_far"); a withdrawn one's "withdrawn".
            "result": state.standing.value,
            "waiting_for": list(state.waiting_for),
            "status": state.status.value if state.final else state.standing.value,
            "withdrawn": None
            if self.withdrawn is None
            else {
                "at": self.withdrawn.at.isoformat(),
                "by": self.withdrawn.by,
                "reason": self.withdrawn.reason,
            },
            "decision_so_far": self.decision.status.value,
            "decision": self.decision.headline,
            "retake": list(self.decision.retake),
            "discrepant": list(self.discrepant),
            "adjudicated": {key: by for key, by in self.adjudicated_by},
            "flags": [f.as_json() for f in self.flags],
            # A retake: each factor's source ("new", or "banked" with its cycle), the banked
            # scores (the retaken factors' too), and the factors retaken. Empty for a first
            # submission.
            "retaken": list(self.retake_factors) if self.retake else [],
            "sources": {
                key: ("new" if cycle is None else "banked")
                for key, cycle in (self.sources() or {}).items()
            },
            "banked": {
                key: {
                    "score": format_score(score),
                    "cycle": cycle,
                    "stands": key in dict(self.banked),
                }
                for key, score, cycle in self.banked_scores
            },
        }


@dataclass(frozen=True)
class CohortResults:
    cohort: str
    rubric: Rubric
    released_at: datetime | None
    candidates: tuple[CandidateResult, ...]  # in roster id order
    reads: tuple[ReadRow, ...]  # every assignment, by candidate then scorer
    # When released results were reopened and released again: the release that amended them
    # (reports say "Amended" with its date). None otherwise.
    amended_at: datetime | None = None

    def count(self, status: Status) -> int:
        """Candidates whose result is final with decision `status`: a waiting candidate is never
        counted under a decision (see `waiting`)."""
        return sum(1 for c in self.candidates if c.state.counts_as is status)

    settled = count  # the earlier name: the two are one since results know final from waiting

    @property
    def waiting(self) -> tuple[CandidateResult, ...]:
        """Candidates whose result is not final: reads missing or in progress, or flags open.
        A withdrawn candidate waits for nothing."""
        return tuple(c for c in self.candidates if c.state.waiting)

    @property
    def withdrawn(self) -> tuple[CandidateResult, ...]:
        return tuple(c for c in self.candidates if c.withdrawn is not None)

    @property
    def missing(self) -> tuple[CandidateResult, ...]:
        """Candidates still waiting for a read (missing or in progress)."""
        return tuple(c for c in self.candidates if c.reads_missing)

    @property
    def open_flags(self) -> tuple[tuple[CandidateResult, CandidateFlag], ...]:
        return tuple((c, f) for c in self.candidates for f in c.open_flags)

    def as_json(self) -> dict[str, object]:
        return {
            "cohort": self.cohort,
            "rubric_edition": self.rubric.edition,
            "released_at": None if self.released_at is None else self.released_at.isoformat(),
            "amended_at": None if self.amended_at is None else self.amended_at.isoformat(),
            "candidates": len(self.candidates),
            "certified": self.count(Status.CERTIFIED),
            "not_certified": self.count(Status.NOT_CERTIFIED),
            "waiting": len(self.waiting),
            "withdrawn": len(self.withdrawn),
            "incomplete": sum(1 for c in self.candidates if c.decision.status is Status.INCOMPLETE),
            "waiting_for_reads": len(self.missing),
            "flags_open": len(self.open_flags),
            "reads_missing": sum(c.reads_missing for c in self.candidates),
            "results": [c.as_json(self.rubric) for c in self.candidates],
        }


class ResultsCancelled(Exception):
    """The caller's progress callback asked to stop."""


def cohort_results(
    cohort: CohortFile, *, progress: Callable[[int, int], bool] | None = None
) -> CohortResults:
    """Every candidate's factor scores, overall score and decision, from one consistent read."""
    with cohort.reading() as session:
        return results_in(session, cohort, progress=progress)


def results_in(
    session: Session, cohort: CohortFile, *, progress: Callable[[int, int], bool] | None = None
) -> CohortResults:
    """The results from what `session` sees (for figures read in the same transaction)."""
    return _results(session, cohort.name, cohort.rubric, progress)


def _results(
    session: Session,
    cohort_name: str,
    rubric: Rubric,
    progress: Callable[[int, int], bool] | None = None,
) -> CohortResults:
    keys = rubric.factor_keys
    when = released_at(session)
    people = session.execute(
        select(
            Candidate.id,
            Candidate.candidate_id,
            Candidate.code,
            Candidate.name,
            Candidate.email,
            Candidate.organisation,
            Candidate.retake_factors,
        )
        .where(Candidate.kind == CANDIDATE)  # a validity or practice portfolio has no result
        .order_by(Candidate.candidate_id)
    ).all()
    assignments = session.execute(
        select(Assignment.id, Assignment.candidate_ref, Scorer.scorer_id, Assignment.batch_id)
        .join(Scorer, Assignment.scorer_ref == Scorer.id)
        .where(Assignment.kind == READ)  # an adjudication is not a read: it replaces a score
        .order_by(Assignment.candidate_ref, Scorer.scorer_id)
    ).all()
    adjudicated = adjudications_of(session, rubric)
    banked = banked_of(session, rubric)
    scores: dict[int, dict[str, Fraction | None]] = defaultdict(dict)
    rationales: dict[int, dict[str, str]] = defaultdict(dict)
    for ref, key, score, rationale in session.execute(
        select(ReadScore.assignment_ref, ReadScore.factor_key, ReadScore.score, ReadScore.rationale)
    ):
        if key in rubric.factor_keys:  # merge only writes the rubric's keys
            scores[ref][key] = score
            if rationale:
                rationales[ref][key] = rationale

    reads_of: dict[int, list[ReadRow]] = defaultdict(list)
    identity = {pk: (cid, code) for pk, cid, code, *_ in people}
    for assignment_id, candidate_ref, scorer_id, batch_id in assignments:
        cid, code = identity[candidate_ref]
        got = scores.get(assignment_id, {})
        reads_of[candidate_ref].append(
            ReadRow(
                candidate_id=cid,
                code=code,
                scorer_id=scorer_id,
                batch_id=batch_id,
                scores={k: got.get(k) for k in keys},
                rationales=dict(rationales.get(assignment_id, {})),
                asked=banked[candidate_ref].retaken if candidate_ref in banked else (),
            )
        )

    withdrawn = {
        ref: WithdrawnInfo(at, by, reason)
        for ref, at, by, reason in session.execute(
            select(Withdrawal.candidate_ref, Withdrawal.at, Withdrawal.actor, Withdrawal.reason)
        )
    }
    reopened = session.scalar(
        select(CoordinatorEvent.id).where(CoordinatorEvent.action == REOPENED).limit(1)
    )
    kept = stored_flags(session)
    conflicts = dict(
        session.execute(
            select(Assignment.candidate_ref, func.count(MergeConflict.id))
            .join(Assignment, MergeConflict.assignment_ref == Assignment.id)
            .where(MergeConflict.state == CONFLICT_OPEN)
            .group_by(Assignment.candidate_ref)
        ).all()
    )
    results: list[CandidateResult] = []
    for done, (pk, cid, code, name, email, organisation, retakes) in enumerate(people):
        if progress is not None and done % 250 == 0 and not progress(done, len(people)):
            raise ResultsCancelled
        reads = reads_of.get(pk, [])
        complete = [r for r in reads if r.complete]
        settled = adjudicated.get(pk, {})
        bank = banked.get(pk)
        factors, from_bank = _factor_results(rubric, complete, settled, bank)
        # A retake's reads are compared with its banked scores standing in for the factors they
        # do not ask: flags concern the retaken factors only.
        compared = [
            (r.scorer_id, r.scores if bank is None else bank.filled(r.scores)) for r in complete
        ]
        conditions = flag_conditions(
            rubric,
            compared,  # type: ignore[arg-type]
            {f.key: f.spread for f in factors},
        )
        results.append(
            CandidateResult(
                candidate_id=cid,
                code=code,
                name=name,
                email=email,
                organisation=organisation,
                retake_factors=tuple(retakes),
                reads_needed=max(reads_needed(rubric, bank), len(reads)),
                reads_in=len(complete),
                reads_partial=sum(1 for r in reads if r.started and not r.complete),
                factors=factors,
                decision=decide(rubric, {f.key: f.score for f in factors}),
                flags=current_flags(conditions, kept.get(pk, {}))
                if conditions or pk in kept
                else (),
                adjudicated_by=tuple((k, settled[k][1]) for k in keys if k in settled),
                conflicts=conflicts.get(pk, 0),
                withdrawn=withdrawn.get(pk),
                banked_scores=()
                if bank is None
                else tuple((k, bank.scores[k], bank.cycles[k]) for k in keys if k in bank.scores),
                banked=tuple((k, bank.cycles[k]) for k in keys if k in from_bank)
                if bank is not None
                else (),
            )
        )
    if progress is not None:
        progress(len(people), len(people))
    all_reads = tuple(r for pk, *_ in people for r in reads_of.get(pk, []))
    amended = when if when is not None and reopened is not None else None
    return CohortResults(cohort_name, rubric, when, tuple(results), all_reads, amended)


def _factor_results(
    rubric: Rubric,
    complete: list[ReadRow],
    settled: dict[str, tuple[Fraction, str]],
    bank: Banked | None,
) -> tuple[tuple[FactorResult, ...], frozenset[str]]:
    """Each factor's result from the complete reads (and any adjudication), and the factors whose
    score is banked. A first submission: every factor from its reads. A retake: a factor not
    retaken is its banked score; a retaken one is its new score (the reads' mean, or the
    adjudicator's) and its banked score under the rubric's retake rule."""
    results: list[FactorResult] = []
    from_bank: set[str] = set()
    for key in rubric.factor_keys:
        if bank is not None and key not in bank.retaken and key in bank.scores:
            score = bank.scores[key]
            results.append(FactorResult(key, (), score, Fraction(0), False, False))
            from_bank.add(key)
            continue
        new = combine_reads(
            rubric,
            key,
            [s for r in complete if (s := r.scores[key]) is not None],
            settled[key][0] if key in settled else None,
        )
        if bank is not None and key in bank.retaken:
            kept = retake_score(rubric.retake.rule, bank.scores.get(key), new.score)
            if kept.banked:
                from_bank.add(key)
            new = replace(new, score=kept.score)
        results.append(new)
    return tuple(results), frozenset(from_bank)




def release_refusal(results: CohortResults) -> str:
    """Why these results cannot be released, in words; "" when they can.

    The window shows it before Release is pressed; release_results raises it.
    """
    if not results.candidates:
        return "the cohort has no candidates; there is nothing to release"
    if len(results.withdrawn) == len(results.candidates):
        return "every candidate is withdrawn; there is nothing to release"
    rubric = results.rubric
    parts: list[str] = []
    reading = [c for c in results.candidates if c.reads_missing]
    if reading:
        names = ", ".join(
            f"{c.candidate_id} ({c.reads_in} of {c.reads_needed} reads in)" for c in reading[:5]
        )
        more = f" and {len(reading) - 5} more" if len(reading) > 5 else ""
        parts.append(
            f"{len(reading)} candidates are still waiting for reads: {names}{more}; "
            "merge their scorers' returned files first"
        )
    flagged = results.open_flags
    if flagged:
        lines = "\n".join(
            f"  {c.candidate_id} ({c.code}) {f.title(rubric)}: {'; '.join(f.reasons)}"
            for c, f in flagged
        )
        noun = "flag is" if len(flagged) == 1 else "flags are"
        parts.append(
            f"{len(flagged)} {noun} open; adjudicate them, or accept each with a written reason "
            f"(icg-desk cohort accept DB CODE [--factor KEY] --reason TEXT):\n{lines}"
        )
    conflicted = [c for c in results.candidates if c.conflicts and c.withdrawn is None]
    if conflicted:
        names = ", ".join(f"{c.candidate_id} ({c.code})" for c in conflicted[:5])
        more = f" and {len(conflicted) - 5} more" if len(conflicted) > 5 else ""
        noun = "is" if len(conflicted) == 1 else "are"
        parts.append(
            f"{len(conflicted)} {noun} waiting for a conflict between two copies of a read to "
            f"be resolved: {names}{more} (icg-desk cohort conflicts DB; icg-desk cohort resolve "
            "DB CANDIDATE SCORER --take merged|returned --reason TEXT)"
        )
    other = [
        c
        for c in results.waiting
        if not c.reads_missing and not c.open_flags and not c.conflicts
    ]  # not expected: a complete set of reads always gives a decision
    if other:
        parts.append(
            "not final: " + ", ".join(f"{c.candidate_id} ({c.state.label})" for c in other[:5])
        )
    return "; and ".join(parts)


def release_results(cohort: CohortFile) -> datetime:
    """Lock the results: every candidate final (all reads in, no flag open).

    The flags are brought in line with the reads first, then checked and the cohort stamped,
    all in one write transaction, so no merge or acceptance can slip in between.
    """
    with cohort.transaction() as session:
        refuse_when_released(session, "there is nothing more to release", error=ReleaseLocked)
        sync_flags(session, cohort.rubric)
        results = _results(session, cohort.name, cohort.rubric)
        refusal = release_refusal(results)
        if refusal:
            raise ReleaseError(refusal)
        stamp = utcnow()
        session.execute(update(CohortInfo).values(released_at=stamp))
    return stamp


def unlock_results(session: Session) -> datetime | None:
    """Unlock released results in the caller's transaction (reopening, models/ways_out.py);
    returns when they had been released, or None (nothing changed) when they were not."""
    when = released_at(session)
    if when is not None:
        session.execute(update(CohortInfo).values(released_at=None))
    return when
