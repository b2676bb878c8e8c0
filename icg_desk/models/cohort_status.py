"""Where a cohort's scoring stands: reads needed, assigned, sent out and merged back."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from icg_desk.models.cohort_file import CohortFile
from icg_desk.models.cohort_schema import Assignment, Candidate, MergeLog, ReadScore, Scorer


@dataclass(frozen=True)
class ScorerProgress:
    scorer_id: str
    name: str
    assigned: int  # portfolios assigned to this scorer
    sent: int  # of those, sent out in a batch
    returned: int  # of those, with scores merged back


@dataclass(frozen=True)
class CohortStatus:
    cohort: str
    rubric_edition: str
    candidates: int
    scorers: int
    reads_needed: int  # candidates x the rubric's reads per portfolio
    reads_assigned: int
    reads_sent: int
    reads_returned: int
    files_merged: int  # returned files accepted or replacing earlier ones
    files_rejected: int
    per_scorer: tuple[ScorerProgress, ...]

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
            "files_merged": self.files_merged,
            "files_rejected": self.files_rejected,
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


def cohort_status(cohort: CohortFile) -> CohortStatus:
    reads = cohort.rubric.reads.per_portfolio
    with cohort.reading() as session:
        candidates = session.scalar(select(func.count()).select_from(Candidate)) or 0
        returned_ids = set(session.scalars(select(ReadScore.assignment_ref).distinct()))
        rows = session.execute(
            select(Scorer.scorer_id, Scorer.name, Assignment.id, Assignment.batch_id)
            .join(Assignment, Assignment.scorer_ref == Scorer.id, isouter=True)
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
    for scorer_id, name, assignment_id, batch_id in rows:
        counts = per.setdefault(scorer_id, [0, 0, 0])
        names[scorer_id] = name
        if assignment_id is None:
            continue
        counts[0] += 1
        counts[1] += batch_id is not None
        counts[2] += assignment_id in returned_ids
    progress = tuple(
        ScorerProgress(sid, names[sid], a, s, r) for sid, (a, s, r) in sorted(per.items())
    )
    return CohortStatus(
        cohort=cohort.name,
        rubric_edition=cohort.rubric.edition,
        candidates=candidates,
        scorers=len(per),
        reads_needed=candidates * reads,
        reads_assigned=sum(p.assigned for p in progress),
        reads_sent=sum(p.sent for p in progress),
        reads_returned=sum(p.returned for p in progress),
        files_merged=outcomes.get("accepted", 0) + outcomes.get("replaced", 0),
        files_rejected=outcomes.get("rejected", 0),
        per_scorer=progress,
    )
