"""Where a cohort's scoring stands: reads needed, assigned, sent out and merged back.

A read counts as returned only when it is complete (every factor scored), as it counts in the
results; and the candidates final and waiting are the results' own (`CandidateResult.state`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import func, select

from icg_desk.models.banked import RETAKE_READS, asked_factors, banked_of
from icg_desk.models.cohort_file import CohortFile
from icg_desk.models.cohort_results import CohortResults, results_in
from icg_desk.models.cohort_schema import (
    CANDIDATE,
    PRACTICE,
    READ,
    SCORER,
    VALIDITY,
    Assignment,
    Candidate,
    MergeLog,
    ReadScore,
    Scorer,
)
from icg_desk.scoring import Status


@dataclass(frozen=True)
class ScorerProgress:
    scorer_id: str
    name: str
    assigned: int  # portfolios assigned to this scorer
    sent: int  # of those, sent out in a batch
    returned: int  # of those, merged back complete (every factor scored)
    role: str = SCORER  # scorer or adjudicator (the Backread dialog offers adjudicators)


@dataclass(frozen=True)
class CohortStatus:
    cohort: str
    rubric_edition: str
    candidates: int
    scorers: int
    reads_needed: int  # candidates x the rubric's reads per portfolio
    reads_assigned: int
    reads_sent: int
    reads_returned: int  # complete reads merged
    reads_in_progress: int  # reads merged with some factors scored, not all
    files_merged: int  # returned files accepted or replacing earlier ones
    files_rejected: int
    per_scorer: tuple[ScorerProgress, ...]
    # From the results' one answer (CandidateResult.state): final decisions and who waits.
    certified: int = 0
    not_certified: int = 0
    waiting: int = 0
    flags_open: int = 0
    withdrawn: int = 0  # candidates withdrawn: no read of theirs is needed
    # Portfolios with agreed scores (docs/validity.md): never candidates, counted apart.
    validity_portfolios: int = 0
    practice_portfolios: int = 0

    def as_json(self) -> dict[str, object]:
        return {
            "cohort": self.cohort,
            "rubric_edition": self.rubric_edition,
            "candidates": self.candidates,
            "scorers": self.scorers,
            "reads_needed": self.reads_needed,
            "reads_assigned": self.reads_assigned,
            "reads_sent": self.reads_sent,
            "reads_returned": self.reads_returned,
            "reads_in_progress": self.reads_in_progress,
            "files_merged": self.files_merged,
            "files_rejected": self.files_rejected,
            "certified": self.certified,
            "not_certified": self.not_certified,
            "waiting": self.waiting,
            "flags_open": self.flags_open,
            "withdrawn": self.withdrawn,
            "validity_portfolios": self.validity_portfolios,
            "practice_portfolios": self.practice_portfolios,
            "per_scorer": [
                {
                    "scorer_id": p.scorer_id,
                    "name": p.name,
                    "assigned": p.assigned,
                    "sent": p.sent,
                    "returned": p.returned,
                }
                for p in self.per_scorer
            ],
        }


def cohort_status(cohort: CohortFile, results: CohortResults | None = None) -> CohortStatus:
    """The figures; `results` read at the same moment saves reading them again (the window)."""
    rubric = cohort.rubric
    reads = rubric.reads.per_portfolio
    with cohort.reading() as session:
        if results is None:
            results = results_in(session, cohort)
        kinds: dict[str, int] = dict(
            session.execute(select(Candidate.kind, func.count()).group_by(Candidate.kind)).all()
        )
        candidates = kinds.get(CANDIDATE, 0)  # a validity or practice portfolio is not one
        scored: dict[int, set[str]] = defaultdict(set)
        owner: dict[int, int] = {}
        for ref, cref, key in session.execute(
            select(ReadScore.assignment_ref, Assignment.candidate_ref, ReadScore.factor_key)
            .join(Assignment, ReadScore.assignment_ref == Assignment.id)
            .where(
                ReadScore.score.is_not(None),
                ReadScore.factor_key.in_(rubric.factor_keys),
                Assignment.kind == READ,  # an adjudication is not a read
            )
        ):
            scored[ref].add(key)
            owner[ref] = cref
        # A retake's read is complete when its retaken factors are scored (models/banked.py).
        banked = banked_of(session, rubric, set(owner.values()))
        returned_ids = {
            ref
            for ref, keys in scored.items()
            if set(asked_factors(rubric, banked.get(owner[ref]))) <= keys
        }
        in_progress = len(scored) - len(returned_ids)
        rows = session.execute(
            select(Scorer.scorer_id, Scorer.name, Assignment.id, Assignment.batch_id, Scorer.role)
            .join(
                Assignment,
                (Assignment.scorer_ref == Scorer.id) & (Assignment.kind == READ),
                isouter=True,
            )
            .order_by(Scorer.scorer_id)
        ).all()
        outcomes: dict[str, int] = {
            outcome: count
            for outcome, count in session.execute(
                select(MergeLog.outcome, func.count()).group_by(MergeLog.outcome)
            )
        }
    per: dict[str, list[int]] = {}
    names: dict[str, str] = {}
    roles: dict[str, str] = {}
    for scorer_id, name, assignment_id, batch_id, role in rows:
        counts = per.setdefault(scorer_id, [0, 0, 0])
        names[scorer_id] = name
        roles[scorer_id] = role
        if assignment_id is None:
            continue
        counts[0] += 1
        counts[1] += batch_id is not None
        counts[2] += assignment_id in returned_ids
    progress = tuple(
        ScorerProgress(sid, names[sid], a, s, r, roles[sid])
        for sid, (a, s, r) in sorted(per.items())
    )
    return CohortStatus(
        cohort=cohort.name,
        rubric_edition=cohort.rubric.edition,
        candidates=candidates,
        scorers=len(per),
        # The rubric's reads for each candidate not withdrawn, and at least 2 for a retake.
        reads_needed=sum(
            max(reads, RETAKE_READS) if c.retake else reads
            for c in results.candidates
            if c.withdrawn is None
        ),
        reads_assigned=sum(p.assigned for p in progress),
        reads_sent=sum(p.sent for p in progress),
        reads_returned=sum(p.returned for p in progress),
        reads_in_progress=in_progress,
        files_merged=outcomes.get("accepted", 0) + outcomes.get("replaced", 0),
        files_rejected=outcomes.get("rejected", 0),
        per_scorer=progress,
        validity_portfolios=kinds.get(VALIDITY, 0),
        practice_portfolios=kinds.get(PRACTICE, 0),
        certified=results.count(Status.CERTIFIED),
        not_certified=results.count(Status.NOT_CERTIFIED),
        waiting=len(results.waiting),
        flags_open=len(results.open_flags),
        withdrawn=len(results.withdrawn),
    )
