"""Sending the flagged portfolios for adjudication: one `.icgbatch` per adjudicator.

The plan (models/adjudication.py) is made and checked whole first, inside a write transaction
that first brings the flags in line with the reads; then each adjudicator's batch is written
under the names `formats.naming` gives (their next batch number, so never an earlier file's
name); then the adjudications are recorded in one transaction. If any file fails, every file
of this step is removed and nothing is recorded: it happens wholly or not at all.
"""

from __future__ import annotations

import os
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session, selectinload

from icg_desk.formats.naming import batch_file_name
from icg_desk.models.adjudication import (
    AdjudicationItem,
    AdjudicationPlan,
    AdjudicationRefused,
    plan_adjudication,
)
from icg_desk.models.assignment import AssignmentError, AssignmentLocked
from icg_desk.models.cohort_file import CohortFile
from icg_desk.models.cohort_results import refuse_when_released
from icg_desk.models.cohort_schema import ADJUDICATION, Assignment, Candidate, Scorer
from icg_desk.models.flags import sync_flags
from icg_desk.models.portfolios import PortfolioContent
from icg_desk.operations.sending import (
    ExportedBatch,
    _BatchJob,
    _content,
    _remove,
    _taken,
    _write_batch,
)


@dataclass(frozen=True)
class AdjudicationSent:
    """What sending for adjudication did."""

    batches: tuple[ExportedBatch, ...]
    items: tuple[AdjudicationItem, ...]  # every portfolio sent, with its factors and adjudicator
    still_out: tuple[str, ...]  # candidate ids whose earlier adjudication is not back yet


def send_for_adjudication(cohort: CohortFile, outdir: Path) -> AdjudicationSent:
    """Write one adjudication batch per adjudicator with the flagged portfolios it settles.

    AdjudicationRefused (an AssignmentError) when a flagged portfolio has no eligible
    adjudicator; AssignmentLocked once released; nothing written or recorded either way.
    """
    rubric = cohort.rubric
    with cohort.transaction() as session:
        refuse_when_released(session, "nothing is sent for adjudication", error=AssignmentLocked)
        sync_flags(session, rubric)  # a cohort made before flags were kept has them now
        plan = plan_adjudication(session, rubric)
        jobs = _jobs(session, cohort, outdir, plan)
    if not jobs:
        return AdjudicationSent((), (), plan.still_out)
    outdir.mkdir(parents=True, exist_ok=True)
    written: list[tuple[ExportedBatch, list[int]]] = []
    try:
        for job in jobs:
            _write_batch(cohort, job, written)
        _record(cohort, plan, written)
    except BaseException:
        for exported, _refs in written:
            _remove(exported.path)
        raise
    return AdjudicationSent(tuple(e for e, _ in written), plan.items, plan.still_out)


def _jobs(
    session: Session, cohort: CohortFile, outdir: Path, plan: AdjudicationPlan
) -> list[_BatchJob]:
    by_adjudicator: dict[str, list[AdjudicationItem]] = defaultdict(list)
    for item in plan.items:
        by_adjudicator[item.adjudicator_id].append(item)
    if not by_adjudicator:
        return []
    scorers = {
        s.scorer_id: s
        for s in session.scalars(select(Scorer).where(Scorer.scorer_id.in_(list(by_adjudicator))))
    }
    sent = dict(
        session.execute(
            select(Assignment.scorer_ref, func.count(distinct(Assignment.batch_id)))
            .where(Assignment.batch_id.is_not(None))
            .group_by(Assignment.scorer_ref)
        ).all()
    )
    refs = [item.candidate_ref for item in plan.items]
    people = {
        c.id: c
        for c in session.scalars(
            select(Candidate).where(Candidate.id.in_(refs)).options(selectinload(Candidate.entries))
        )
    }
    jobs: list[_BatchJob] = []
    for adjudicator_id in sorted(by_adjudicator):
        scorer = scorers[adjudicator_id]
        path = outdir / batch_file_name(cohort.name, adjudicator_id, sent.get(scorer.id, 0) + 1)
        if os.path.lexists(path):
            raise AssignmentError(_taken(adjudicator_id, path))
        items = by_adjudicator[adjudicator_id]
        portfolios = []
        for item in items:
            base = _content(people[item.candidate_ref])
            portfolios.append(
                PortfolioContent(
                    base.candidate_code, base.entries, item.factors, item.earlier_reads
                )
            )
        # The candidates' refs stand in for the assignments, which are made once it is written.
        jobs.append(
            _BatchJob(
                adjudicator_id,
                scorer.name,
                path,
                [item.candidate_ref for item in items],
                portfolios,
            )
        )
    return jobs


def _record(
    cohort: CohortFile, plan: AdjudicationPlan, written: list[tuple[ExportedBatch, list[int]]]
) -> None:
    batch_of = {e.scorer_id: e.batch_id for e, _ in written}
    with cohort.transaction() as session:
        refuse_when_released(session, "nothing is sent for adjudication", error=AssignmentLocked)
        scorer_ref = {
            sid: ref
            for ref, sid in session.execute(
                select(Scorer.id, Scorer.scorer_id).where(Scorer.scorer_id.in_(list(batch_of)))
            )
        }
        taken = {
            (cref, sref)
            for cref, sref in session.execute(
                select(Assignment.candidate_ref, Assignment.scorer_ref).where(
                    Assignment.candidate_ref.in_([i.candidate_ref for i in plan.items])
                )
            )
        }
        for item in plan.items:
            sref = scorer_ref[item.adjudicator_id]
            if (item.candidate_ref, sref) in taken:  # assigned by another step meanwhile
                raise AdjudicationRefused(
                    f"candidate {item.candidate_id}: {item.adjudicator_id} was given it "
                    "meanwhile; nothing was sent for adjudication"
                )
            session.add(
                Assignment(
                    candidate_ref=item.candidate_ref,
                    scorer_ref=sref,
                    batch_id=batch_of[item.adjudicator_id],
                    kind=ADJUDICATION,
                    factors=list(item.factors),
                )
            )
