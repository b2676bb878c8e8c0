"""Conflicts between two copies of one read, and the coordinator's choice between them.

A merge keeps a returned copy aside when it neither descends from the version merged nor is an
older copy of it (models/merge.py, scoring/lineage.py): two copies of one batch edited apart.
Both versions are stored whole in `merge_conflict`; neither is applied over the other, the
candidate's result waits ("a conflict between two copies") and release is refused until the
coordinator takes one, with a reason, audited in the coordinator log like the other ways out
(models/ways_out.py).

- `open_conflicts`: every conflict still open, both versions side by side.
- `resolve_conflict`: take the merged version (nothing in the reads changes) or the returned
  one (its reads replace the merged ones, and its version becomes the one merged, so the
  scorer's later copies continuing it apply), in one write transaction with its event.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from icg_desk.models.cohort_file import CohortFile
from icg_desk.models.cohort_results import refuse_when_released
from icg_desk.models.cohort_schema import (
    OPEN,
    TOOK_MERGED,
    TOOK_RETURNED,
    Assignment,
    Candidate,
    CoordinatorEvent,
    MergeConflict,
    ReadScore,
    Scorer,
)
from icg_desk.models.errors import UserError
from icg_desk.models.flags import sync_flags
from icg_desk.models.schema import ScoreText, utcnow
from icg_desk.models.ways_out import WayOut, WayOutLocked, _clean, _done
from icg_desk.scoring import Rubric, format_score

RESOLVED = "resolved"  # the coordinator_event action
TAKES = (TOOK_MERGED, TOOK_RETURNED)
_SCORE = ScoreText()


class ConflictRefused(UserError):
    """A resolution that cannot be done; the message says why, and nothing changed."""


@dataclass(frozen=True)
class Side:
    """One version of the read: its revision and lineage, where it came from, and its reads
    as (factor key, score text or None, rationale or None) in rubric order."""

    revision: int
    lineage: str  # empty: a copy without a version (an older batch, an older summary)
    source: str
    status: str
    reads: tuple[tuple[str, str | None, str | None], ...]

    def score(self, key: str) -> str | None:
        return next((score for k, score, _ in self.reads if k == key), None)

    def rationale(self, key: str) -> str | None:
        return next((why for k, _, why in self.reads if k == key), None)

    def as_json(self) -> dict[str, object]:
        return {
            "revision": self.revision,
            "lineage": self.lineage or None,
            "source": self.source,
            "status": self.status or None,
            "reads": [
                {"factor": key, "score": score, "rationale": why} for key, score, why in self.reads
            ],
        }


@dataclass(frozen=True)
class Conflict:
    """An open (or resolved) conflict: whose read, and both versions."""

    id: int
    candidate_id: str
    code: str
    scorer_id: str
    batch_id: str | None
    at: datetime
    state: str  # open, merged, returned
    merged: Side
    returned: Side
    returned_as_of: datetime | None  # the copy's own clock: shown, never trusted

    def differing(self, rubric: Rubric) -> tuple[str, ...]:
        """The factor keys whose score or rationale differ between the two versions."""
        return tuple(
            k
            for k in rubric.factor_keys
            if (self.merged.score(k), self.merged.rationale(k))
            != (self.returned.score(k), self.returned.rationale(k))
        )

    def text(self, rubric: Rubric) -> str:
        """Both versions side by side, one line per factor (a * marks those that differ)."""
        as_of = (
            f"; its clock said {self.returned_as_of:%Y-%m-%d %H:%M} UTC (shown, not trusted)"
            if self.returned_as_of is not None
            else ""
        )
        head = [
            f"{self.code} ({self.candidate_id}), scorer {self.scorer_id}, batch "
            f"{self.batch_id or '-'}: a conflict between two copies, kept aside "
            f"{self.at:%Y-%m-%d %H:%M} UTC",
            f"  merged:   revision {self.merged.revision}, {self.merged.source or 'merged before'}",
            f"  returned: revision {self.returned.revision}, {self.returned.source}"
            f"{', ' + self.returned.status if self.returned.status else ''}{as_of}",
        ]
        width = max(len(f.name) for f in rubric.factors)
        differ = set(self.differing(rubric))
        lines = [f"    {'Factor'.ljust(width)}  {'merged':>8}  {'returned':>8}"]
        for factor in rubric.factors:
            mark = "*" if factor.key in differ else " "
            lines.append(
                f"  {mark} {factor.name.ljust(width)}  {_shown(self.merged.score(factor.key)):>8}"
                f"  {_shown(self.returned.score(factor.key)):>8}"
            )
        return "\n".join([*head, *lines])

    def as_json(self, rubric: Rubric) -> dict[str, object]:
        return {
            "id": self.id,
            "candidate_id": self.candidate_id,
            "code": self.code,
            "scorer_id": self.scorer_id,
            "batch_id": self.batch_id,
            "at": self.at.isoformat(),
            "state": self.state,
            "differing": list(self.differing(rubric)),
            "merged": self.merged.as_json(),
            "returned": {
                **self.returned.as_json(),
                "scores_as_of": None
                if self.returned_as_of is None
                else self.returned_as_of.isoformat(),
            },
        }


def _shown(score: str | None) -> str:
    if score is None:
        return "-"
    value = _SCORE.process_result_value(score, None)  # type: ignore[arg-type]
    return "-" if value is None else format_score(value)


def _reads(stored: list[list[str | None]]) -> tuple[tuple[str, str | None, str | None], ...]:
    return tuple((str(r[0]), r[1], r[2]) for r in stored if len(r) == 3)


def _conflicts(session: Session, *where: object) -> list[Conflict]:
    rows = session.execute(
        select(MergeConflict, Candidate.candidate_id, Candidate.code, Scorer.scorer_id)
        .join(Assignment, MergeConflict.assignment_ref == Assignment.id)
        .join(Candidate, Assignment.candidate_ref == Candidate.id)
        .join(Scorer, Assignment.scorer_ref == Scorer.id)
        .where(*where)  # type: ignore[arg-type]
        .order_by(Candidate.code, Scorer.scorer_id, MergeConflict.id)
    ).all()
    found = []
    for c, candidate_id, code, scorer_id in rows:
        found.append(
            Conflict(
                id=c.id,
                candidate_id=candidate_id,
                code=code,
                scorer_id=scorer_id,
                batch_id=c.assignment.batch_id,
                at=c.at,
                state=c.state,
                merged=Side(
                    c.merged_revision, c.merged_lineage, c.merged_from, "", _reads(c.merged_reads)
                ),
                returned=Side(
                    c.returned_revision,
                    c.returned_lineage,
                    c.file_name,
                    c.returned_status,
                    _reads(c.returned_reads),
                ),
                returned_as_of=c.returned_as_of,
            )
        )
    return found


def open_conflicts(cohort: CohortFile) -> tuple[Conflict, ...]:
    """Every conflict still open, by candidate code then scorer (read only)."""
    with cohort.reading() as session:
        return tuple(_conflicts(session, MergeConflict.state == OPEN))


def resolve_conflict(
    cohort: CohortFile, candidate: str, scorer_id: str, take: str, reason: str, by: str
) -> WayOut:
    """Take the merged or the returned version of a read kept aside, with the event logged."""
    if take not in TAKES:
        raise ConflictRefused(f"--take is 'merged' or 'returned', not {take!r}; nothing changed")
    reason, by = _clean(reason, by, "resolving the conflict")
    with cohort.transaction() as session:
        refuse_when_released(session, "reopen them first to resolve a conflict", error=WayOutLocked)
        person = session.scalars(
            select(Candidate).where(
                or_(Candidate.code == candidate, Candidate.candidate_id == candidate)
            )
        ).first()
        if person is None:
            raise ConflictRefused(f"no candidate {candidate!r} in this cohort (give a code or id)")
        conflict = session.scalars(
            select(MergeConflict)
            .join(Assignment, MergeConflict.assignment_ref == Assignment.id)
            .join(Scorer, Assignment.scorer_ref == Scorer.id)
            .where(
                Assignment.candidate_ref == person.id,
                Scorer.scorer_id == scorer_id,
                MergeConflict.state == OPEN,
            )
        ).first()
        if conflict is None:
            raise ConflictRefused(
                f"candidate {person.candidate_id} ({person.code}) has no open conflict in "
                f"scorer {scorer_id}'s read (icg-desk cohort conflicts DB lists them); "
                "nothing changed"
            )
        assignment = conflict.assignment
        if take == TOOK_RETURNED:
            detail = _take_returned(session, conflict, assignment)
        else:
            detail = (
                f"kept the merged version (revision {conflict.merged_revision}); the returned "
                f"copy {conflict.file_name} (revision {conflict.returned_revision}) set aside"
            )
        now = utcnow()
        conflict.state, conflict.resolved_by, conflict.resolved_at = take, by, now
        conflict.reason = reason
        sync_flags(session, cohort.rubric, [person.id])
        event = CoordinatorEvent(
            at=now,
            action=RESOLVED,
            actor=by,
            reason=reason,
            candidate_ref=person.id,
            from_scorer=scorer_id,
            batch_id=assignment.batch_id,
            detail=detail,
        )
        session.add(event)
        return _done(event, person)


def _take_returned(session: Session, conflict: MergeConflict, assignment: Assignment) -> str:
    """The returned copy's reads replace the merged ones; its version becomes the one merged."""
    session.execute(delete(ReadScore).where(ReadScore.assignment_ref == assignment.id))
    for key, score, rationale in _reads(conflict.returned_reads):
        session.add(
            ReadScore(
                assignment_ref=assignment.id,
                factor_key=key,
                score=_SCORE.process_result_value(score, None),  # type: ignore[arg-type]
                rationale=rationale or "",
            )
        )
    if conflict.returned_lineage:
        assignment.merged_revision = conflict.returned_revision
        assignment.merged_lineage = conflict.returned_lineage
        assignment.merged_history = sorted({*conflict.returned_history, conflict.returned_lineage})
    return (
        f"took the returned copy {conflict.file_name} (revision {conflict.returned_revision}) "
        f"over the merged version (revision {conflict.merged_revision})"
    )
