"""Sending the batches out: one `.icgbatch` per scorer with the reads not yet sent.

Checked whole before the first file is written, written under the names `formats.naming` gives,
and marked as sent in one transaction after every file is complete; if any file fails, every
file of this send is removed, so a send happens wholly or not at all.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from uuid import uuid4

from sqlalchemy import distinct, func, select, update
from sqlalchemy.orm import selectinload

from icg_desk.formats.atomic import atomic_create
from icg_desk.formats.naming import batch_file_name
from icg_desk.models.assignment import AssignmentError, AssignmentLocked
from icg_desk.models.banked import Banked, banked_of
from icg_desk.models.batch_file import BatchFile
from icg_desk.models.cohort_file import CohortFile
from icg_desk.models.cohort_results import refuse_when_released
from icg_desk.models.cohort_schema import (
    PRACTICE,
    VALIDITY,
    Assignment,
    Candidate,
    CandidateEntry,
    CohortInfo,
    KeyScore,
    Scorer,
    Withdrawal,
)
from icg_desk.models.keys import key_scores
from icg_desk.models.portfolios import (
    EntryContent,
    PortfolioContent,
    VideoContent,
    add_portfolios,
    set_unlock_hash,
)
from icg_desk.models.sqlite_file import DatabaseFileError
from icg_desk.scoring.calibration import unlock_code, unlock_hash


@dataclass(frozen=True)
class ExportedBatch:
    scorer_id: str
    path: Path
    batch_id: str
    portfolios: int


def _remove(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)


def export_batches(
    cohort: CohortFile, outdir: Path, *, scorer_ids: Sequence[str] | None = None
) -> list[ExportedBatch]:
    """Write one `.icgbatch` per scorer with reads not yet sent, then mark those reads as sent.

    Everything is checked before the first file is written (existing files, entries the rubric
    asks for); the reads are marked in one transaction after every file is complete, and if any
    file fails all files of this export are removed, so an export happens wholly or not at all.
    """
    jobs = _batches_to_write(cohort, outdir, scorer_ids)
    if not jobs:  # nothing new to send: no empty folder left behind to puzzle over
        return []
    outdir.mkdir(parents=True, exist_ok=True)
    written: list[tuple[ExportedBatch, list[int]]] = []
    try:
        for job in jobs:
            _write_batch(cohort, job, written)
        _mark_sent(cohort, written)
    except BaseException:
        for exported, _ids in written:
            _remove(exported.path)
        raise
    return [exported for exported, _ids in written]


@dataclass(frozen=True)
class _BatchJob:
    """One scorer's batch to write, in plain values: the reading session's objects expire."""

    scorer_id: str
    scorer_name: str
    path: Path
    assignment_ids: list[int]
    portfolios: list[PortfolioContent]
    # The cohort's secret when the batch starts with practice portfolios (its unlock code is
    # derived from it and the batch id); "" for a batch without practice.
    secret: str = ""


def _taken(scorer_id: str, path: Path) -> str:
    return (
        f"scorer {scorer_id}: {path} already exists, and a file is never overwritten, so "
        "nothing was exported; choose another folder (a new or empty one) for the batches"
    )


def _batches_to_write(
    cohort: CohortFile, outdir: Path, scorer_ids: Sequence[str] | None
) -> list[_BatchJob]:
    """Every scorer's reads not yet sent, checked: no file is there yet, every entry is."""
    rubric_entries = sorted(e.number for e in cohort.rubric.entries)
    with cohort.reading() as session:
        refuse_when_released(session, error=AssignmentLocked)
        scorers = {s.scorer_id: s for s in session.scalars(select(Scorer)).all()}
        if scorer_ids is not None:
            unknown = [sid for sid in scorer_ids if sid not in scorers]
            if unknown:
                raise AssignmentError(f"there is no scorer {unknown[0]}")
        # A withdrawn candidate's reads are not sent (models/ways_out.py).
        gone = select(Withdrawal.candidate_ref)
        pending = session.scalars(
            select(Assignment)
            .where(Assignment.batch_id.is_(None), Assignment.candidate_ref.not_in(gone))
            .options(
                selectinload(Assignment.candidate).selectinload(Candidate.entries),
            )
        ).all()
        wanted = set(scorers) if scorer_ids is None else set(scorer_ids)
        # A retake's portfolio asks for the retaken factors only (models/banked.py).
        banked = banked_of(session, cohort.rubric, {a.candidate_ref for a in pending})
        by_ref = {s.id: s for s in scorers.values()}
        work: dict[str, list[Assignment]] = defaultdict(list)
        for a in pending:
            scorer_id = by_ref[a.scorer_ref].scorer_id
            if scorer_id in wanted:
                work[scorer_id].append(a)
        # A batch of validity portfolios alone would tell them apart: they wait for live reads.
        for scorer_id in [s for s, got in work.items() if all(a.kind == VALIDITY for a in got)]:
            del work[scorer_id]

        # Each scorer's batches are numbered: a second round never reuses the first's name.
        sent = dict(
            session.execute(
                select(Assignment.scorer_ref, func.count(distinct(Assignment.batch_id)))
                .where(Assignment.batch_id.is_not(None))
                .group_by(Assignment.scorer_ref)
            ).all()
        )
        jobs: list[_BatchJob] = []
        paths: dict[Path, str] = {}
        for scorer_id in sorted(work):
            number = sent.get(scorers[scorer_id].id, 0) + 1
            path = outdir / batch_file_name(cohort.name, scorer_id, number)
            if os.path.lexists(path):  # a link there, even a dangling one, is a name taken
                raise AssignmentError(_taken(scorer_id, path))
            if path in paths:
                raise AssignmentError(
                    f"scorers {paths[path]} and {scorer_id} would both be written to {path}; "
                    "nothing was exported"
                )
            paths[path] = scorer_id
            # Practice portfolios first (calibration comes before live scoring), then every
            # other portfolio by code: a validity portfolio takes its place as a live one would.
            assignments = sorted(
                work[scorer_id], key=lambda a: (a.kind != PRACTICE, a.candidate.code)
            )
            practice = key_scores(
                session, [a.candidate_ref for a in assignments if a.kind == PRACTICE]
            )
            for a in assignments:
                numbers = [e.number for e in a.candidate.entries]
                if sorted(numbers) != rubric_entries:
                    raise AssignmentError(
                        f"candidate {a.candidate.candidate_id}: has entries {sorted(numbers)}, "
                        f"the rubric asks for {rubric_entries}; nothing was exported"
                    )
            jobs.append(
                _BatchJob(
                    scorer_id,
                    scorers[scorer_id].name,
                    path,
                    [a.id for a in assignments],
                    [
                        _content(
                            a.candidate,
                            banked.get(a.candidate_ref),
                            practice.get(a.candidate_ref, []) if a.kind == PRACTICE else [],
                        )
                        for a in assignments
                    ],
                    session.scalars(select(CohortInfo.secret)).one() if practice else "",
                )
            )
    return jobs


def _write_batch(
    cohort: CohortFile, job: _BatchJob, written: list[tuple[ExportedBatch, list[int]]]
) -> None:
    """One batch, written under a temporary name and linked into place only if its name is
    free (`atomic_create`): a file, or a link (even a dangling one), put there since the check
    is never replaced nor written through, and is never ours to remove."""
    batch_id = str(uuid4())
    try:
        with atomic_create(job.path) as staged:
            try:
                batch = BatchFile.create(
                    staged.path,
                    batch_id=batch_id,
                    cohort=cohort.name,
                    scorer_id=job.scorer_id,
                    scorer_name=job.scorer_name,
                    rubric=cohort.rubric,
                )
                try:
                    add_portfolios(batch, job.portfolios)
                    if job.secret:
                        set_unlock_hash(batch, unlock_hash(unlock_code(job.secret, batch_id)))
                finally:
                    batch.close()
            except DatabaseFileError as exc:  # a full disk: said of the batch, not our temporary
                if exc.path != staged.path:
                    raise
                raise DatabaseFileError(job.path, exc.problem) from exc
    except FileExistsError:
        raise AssignmentError(_taken(job.scorer_id, job.path)) from None
    # Recorded once it is there: if a later one fails, this one is removed with the rest.
    written.append(
        (ExportedBatch(job.scorer_id, job.path, batch_id, len(job.portfolios)), job.assignment_ids)
    )


def _mark_sent(cohort: CohortFile, written: list[tuple[ExportedBatch, list[int]]]) -> None:
    with cohort.transaction() as session:
        refuse_when_released(session, error=AssignmentLocked)
        for exported, assignment_ids in written:
            result = session.execute(
                update(Assignment)
                .where(Assignment.id.in_(assignment_ids), Assignment.batch_id.is_(None))
                .values(batch_id=exported.batch_id)
            )
            # Another export between our read and this write would send a read twice.
            if result.rowcount != len(assignment_ids):  # type: ignore[attr-defined]
                raise AssignmentError(
                    f"scorer {exported.scorer_id}: some reads were sent out by another "
                    "export meanwhile; nothing was exported"
                )


def _content(
    candidate: Candidate, banked: Banked | None = None, key: Sequence[KeyScore] = ()
) -> PortfolioContent:
    """The portfolio as a scorer sees it: the blind code and the entries, never name or email.
    A retake's asks for the retaken factors only and names the banked ones with their cycles
    (never their scores: the read is of the new evidence). A practice portfolio carries its
    key (`key`, its agreed scores and rationales); a validity portfolio is made exactly as a
    candidate's, so nothing in the batch tells it apart."""
    return PortfolioContent(
        candidate_code=candidate.code,
        entries=tuple(_entry(e) for e in candidate.entries),
        adjudicate=() if banked is None else banked.retaken,
        banked=()
        if banked is None
        else tuple((k, c) for k, c in banked.cycles.items() if k not in banked.retaken),
        practice_key=tuple((k.factor_key, k.score, k.rationale) for k in key),
    )


def _entry(entry: CandidateEntry) -> EntryContent:
    return EntryContent(
        number=entry.number,
        text=entry.text,
        videos=tuple(VideoContent(label=v[0], url=v[1]) for v in entry.videos),
    )
