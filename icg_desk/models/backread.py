"""Backreading in the cohort: pulling a sample of each scorer's completed reads for a reader's
second look, and the backreads as the figures take them (scoring/backread.py).

A backread is an assignment of kind "backread" to the reader, `of_read` the id of the read it
looks at again. It is sent by the normal export as the reader's next batch (every factor, blind,
like any read) and merged by the normal merge; results, flags and the inter-rater agreement
take kind "read" only, so a backread never counts toward a result, never raises a flag and is
never one of the reads compared. One assignment per (candidate, scorer) still holds: a reader
gets a portfolio once, and never one they read, adjudicated or backread already.

What may be sampled: a read (kind "read") of a candidate (kind "candidate", not withdrawn) with
every factor of the rubric scored and merged (so a retake's read, which asks the retaken factors
only, is not), not backread already, whose candidate the reader may read (no conflict of
interest, not of the reader's organisation) and has not been given. The reader is a scorer of
role adjudicator (the coordinator who backreads adds themselves to the scorers sheet as one).
Each backread pulled is audited in the cohort's log (`cohort log`): who pulled it, when, whose
read it is and who backreads it.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from fractions import Fraction

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from icg_desk.models.assignment import _ineligibility
from icg_desk.models.cohort_file import CohortFile
from icg_desk.models.cohort_results import ResultsLocked, refuse_when_released
from icg_desk.models.cohort_schema import (
    ADJUDICATOR,
    BACKREAD,
    CANDIDATE,
    READ,
    Assignment,
    Candidate,
    CoordinatorEvent,
    ReadScore,
    Scorer,
    Withdrawal,
)
from icg_desk.models.errors import UserError
from icg_desk.models.schema import utcnow
from icg_desk.scoring import Rubric
from icg_desk.scoring.backread import (
    BackreadPair,
    Backreads,
    Eligible,
    backread_figures,
    draw_sample,
    share_wanted,
)

# The audit log's word for a backread pulled (coordinator_event.action, at most 16 characters).
BACKREAD_PULLED = "backread"
MAX_PER_SCORER = 10_000


class BackreadRefused(UserError):
    """A backread sample cannot be pulled; the message says why. Nothing was changed."""


class BackreadLocked(ResultsLocked, BackreadRefused):
    """Backreading asked of released results."""


@dataclass(frozen=True)
class PulledRead:
    code: str
    scorer_id: str
    read_id: int
    backread_id: int


@dataclass(frozen=True)
class BackreadPulled:
    """What pulling a sample did."""

    reader_id: str
    seed: int
    at: datetime
    by: str
    reads: tuple[PulledRead, ...]  # by scorer, then code
    # scorer id -> how many of their completed reads could have been pulled (before this pull)
    eligible: dict[str, int]
    skipped: tuple[str, ...]  # scorers left out: no completed read to backread yet

    def count(self, scorer_id: str) -> int:
        return sum(1 for r in self.reads if r.scorer_id == scorer_id)

    def text(self) -> str:
        """`Pulled 6 reads for A-01 to backread (seed 7): S-01 3, S-02 3.`"""
        per = Counter(r.scorer_id for r in self.reads)
        parts = ", ".join(f"{s} {n}" for s, n in sorted(per.items()))
        noun = "read" if len(self.reads) == 1 else "reads"
        line = (
            f"Pulled {len(self.reads)} {noun} for {self.reader_id} to backread (seed {self.seed})"
        )
        line += f": {parts}" if parts else ""
        if self.skipped:
            line += f"; no completed read yet: {', '.join(self.skipped)}"
        return line


def pull_backreads(
    cohort: CohortFile,
    reader_id: str,
    *,
    per_scorer: int | None = None,
    share: Fraction | None = None,
    scorer_ids: Sequence[str] | None = None,
    seed: int = 1,
    by: str,
) -> BackreadPulled:
    """Pull a seeded random sample of each scorer's completed reads for `reader_id` to backread:
    `per_scorer` more of each scorer's reads, or as many as bring the share of each scorer's
    completed reads backread up to `share`. Checked whole and written in one transaction with
    its audit rows, or refused (BackreadRefused) with nothing written."""
    by = _check_arguments(per_scorer, share, by)
    with cohort.transaction() as session:
        refuse_when_released(session, "nothing is pulled for backreading", error=BackreadLocked)
        reader = _reader(session, reader_id, scorer_ids)
        pool = _pool(session, cohort.rubric, reader)
        chosen = sorted(pool.completed) if scorer_ids is None else sorted(set(scorer_ids))
        skipped = tuple(s for s in chosen if s not in pool.completed)
        if scorer_ids is not None and skipped:
            raise BackreadRefused(
                f"scorer {skipped[0]} has no completed read to backread yet; nothing was pulled"
            )
        chosen = [s for s in chosen if s in pool.completed]
        if not chosen:
            raise BackreadRefused(
                "no scorer has a completed read yet: there is nothing to backread"
            )
        wanted = {
            s: per_scorer
            if per_scorer is not None
            else share_wanted(share or Fraction(0), pool.completed[s], pool.done[s])
            for s in chosen
        }
        sample = draw_sample(pool.eligible, wanted, seed)
        if sample.short:
            raise BackreadRefused(_too_few(sample.short, pool, reader_id))
        at = utcnow()
        pulled = _record(session, sample.picked, reader, seed, by, at)
        if not pulled:
            raise BackreadRefused(
                f"nothing to pull: a share of {float(share or 0):g} of each scorer's completed "
                "reads is backread already"
            )
        return BackreadPulled(
            reader_id,
            seed,
            at,
            by,
            tuple(pulled),
            {s: len(pool.eligible[s]) for s in chosen},
            skipped,
        )


def _check_arguments(per_scorer: int | None, share: Fraction | None, by: str) -> str:
    if (per_scorer is None) == (share is None):
        raise BackreadRefused("give either a number per scorer or a share of their reads")
    if per_scorer is not None and not 1 <= per_scorer <= MAX_PER_SCORER:
        raise BackreadRefused(f"the number per scorer is {per_scorer}; give 1 to {MAX_PER_SCORER}")
    if share is not None and not 0 < share <= 1:
        raise BackreadRefused(f"the share is {float(share):g}; give more than 0 and at most 1")
    by = " ".join(by.split())
    if not by:
        raise BackreadRefused("say who pulls the sample (--by NAME); nothing changed")
    return by


def _reader(session: Session, reader_id: str, scorer_ids: Sequence[str] | None) -> Scorer:
    reader = session.scalars(select(Scorer).where(Scorer.scorer_id == reader_id)).first()
    if reader is None:
        raise BackreadRefused(f"there is no scorer {reader_id!r} to backread (--reader)")
    if reader.role != ADJUDICATOR:
        raise BackreadRefused(
            f"{reader_id} is a {reader.role}, not an adjudicator: backreads go to a scorer "
            "whose role is adjudicator (the scorers sheet's role column)"
        )
    if scorer_ids is not None:
        known = set(session.scalars(select(Scorer.scorer_id)))
        unknown = sorted(set(scorer_ids) - known)
        if unknown:
            raise BackreadRefused(f"there is no scorer {unknown[0]!r} (--scorer)")
        if reader_id in scorer_ids:
            raise BackreadRefused(
                f"{reader_id} is the reader: nobody backreads their own reads (--scorer)"
            )
    return reader


@dataclass
class _Pool:
    """Each scorer's completed reads: how many, how many backread, those the reader may take."""

    completed: Counter[str] = field(default_factory=Counter)
    done: Counter[str] = field(default_factory=Counter)
    eligible: dict[str, list[Eligible[_Read]]] = field(default_factory=lambda: defaultdict(list))


def _pool(session: Session, rubric: Rubric, reader: Scorer) -> _Pool:
    backread = _backread_reads(session)
    given = set(
        session.scalars(select(Assignment.candidate_ref).where(Assignment.scorer_ref == reader.id))
    )
    conflicts = frozenset(reader.conflicts)
    pool = _Pool()
    for read in _completed_reads(session, rubric):
        if read.scorer_id == reader.scorer_id:
            continue
        pool.completed[read.scorer_id] += 1
        if read.read_id in backread:
            pool.done[read.scorer_id] += 1
        elif read.candidate_ref not in given and not _ineligibility(
            read.candidate_id, read.organisation, reader.organisation, conflicts
        ):
            pool.eligible[read.scorer_id].append(Eligible(read, read.candidate_ref))
    return pool


def _too_few(short: Mapping[str, tuple[int, int]], pool: _Pool, reader_id: str) -> str:
    parts = []
    for s, (want, got) in sorted(short.items()):
        part = f"{s} has {len(pool.eligible[s])} that {reader_id} may backread, {want} asked"
        if len(pool.eligible[s]) >= want:
            part += (
                f" (only {got} without giving {reader_id} one portfolio twice: pull the rest "
                "for a second reader)"
            )
        parts.append(part)
    return (
        "too few completed reads: "
        + "; ".join(parts)
        + " (a read already backread, or of a portfolio the reader has or may not read, is not "
        "one); ask for fewer, or leave those scorers out; nothing was pulled"
    )


def _record(
    session: Session,
    picked: Mapping[str, Sequence[_Read]],
    reader: Scorer,
    seed: int,
    by: str,
    at: datetime,
) -> list[PulledRead]:
    """The backread assignments and their audit rows."""
    pulled: list[PulledRead] = []
    for scorer_id in sorted(picked):
        for read in sorted(picked[scorer_id], key=lambda r: r.code):
            row = Assignment(
                candidate_ref=read.candidate_ref,
                scorer_ref=reader.id,
                kind=BACKREAD,
                of_read=read.read_id,
                assigned_at=at,
            )
            session.add(row)
            session.flush()
            session.add(
                CoordinatorEvent(
                    at=at,
                    action=BACKREAD_PULLED,
                    actor=by,
                    reason=f"a sample of {scorer_id}'s completed reads, seed {seed}",
                    candidate_ref=read.candidate_ref,
                    from_scorer=scorer_id,
                    to_scorer=reader.scorer_id,
                    detail=f"read {read.read_id} backread as {row.id}",
                )
            )
            pulled.append(PulledRead(read.code, scorer_id, read.read_id, row.id))
    return pulled


@dataclass(frozen=True)
class _Read:
    read_id: int
    candidate_ref: int
    candidate_id: str
    code: str
    organisation: str
    scorer_id: str


def _completed_reads(session: Session, rubric: Rubric) -> list[_Read]:
    """Every read (kind "read") of a candidate not withdrawn, every factor scored, by id."""
    keys = rubric.factor_keys
    scored = (
        select(ReadScore.assignment_ref)
        .where(ReadScore.score.is_not(None), ReadScore.factor_key.in_(keys))
        .group_by(ReadScore.assignment_ref)
        .having(func.count(func.distinct(ReadScore.factor_key)) == len(keys))
    )
    rows = session.execute(
        select(
            Assignment.id,
            Candidate.id,
            Candidate.candidate_id,
            Candidate.code,
            Candidate.organisation,
            Scorer.scorer_id,
        )
        .join(Candidate, Candidate.id == Assignment.candidate_ref)
        .join(Scorer, Scorer.id == Assignment.scorer_ref)
        .where(
            Assignment.kind == READ,
            Candidate.kind == CANDIDATE,
            Assignment.candidate_ref.not_in(select(Withdrawal.candidate_ref)),
            Assignment.id.in_(scored),
        )
        .order_by(Assignment.id)
    ).all()
    return [_Read(*row) for row in rows]


def _backread_reads(session: Session) -> set[int]:
    return {
        ref
        for ref in session.scalars(
            select(Assignment.of_read).where(
                Assignment.kind == BACKREAD, Assignment.of_read.is_not(None)
            )
        )
        if ref is not None
    }


# --- the backreads as the figures take them -------------------------------------------------


def cohort_backreads(session: Session, rubric: Rubric) -> Backreads:
    """Each scorer's backread figures: every backread pulled of a read of a candidate not
    withdrawn, and those of them complete (every factor scored, merged) beside the read."""
    keys = rubric.factor_keys
    scale = rubric.scale
    read, backread = aliased(Assignment), aliased(Assignment)
    scorer, reader = aliased(Scorer), aliased(Scorer)
    rows = session.execute(
        select(backread.id, read.id, scorer.scorer_id, reader.scorer_id, Candidate.code)
        .join(read, read.id == backread.of_read)
        .join(scorer, scorer.id == read.scorer_ref)
        .join(reader, reader.id == backread.scorer_ref)
        .join(Candidate, Candidate.id == backread.candidate_ref)
        .where(
            backread.kind == BACKREAD,
            read.kind == READ,
            Candidate.kind == CANDIDATE,
            backread.candidate_ref.not_in(select(Withdrawal.candidate_ref)),
        )
    ).all()
    pulled: Counter[str] = Counter(scorer_id for _b, _r, scorer_id, _x, _c in rows)
    ids = [b for b, *_ in rows] + [r for _b, r, *_ in rows]
    scores: dict[int, dict[str, Fraction]] = defaultdict(dict)
    for ref, key, score in session.execute(
        select(ReadScore.assignment_ref, ReadScore.factor_key, ReadScore.score).where(
            ReadScore.assignment_ref.in_(ids),
            ReadScore.score.is_not(None),
            ReadScore.factor_key.in_(keys),
        )
    ):
        if score is not None and scale.contains(score):
            scores[ref][key] = score
    pairs = []
    for backread_id, read_id, scorer_id, reader_id, code in rows:
        mine, theirs = scores.get(read_id, {}), scores.get(backread_id, {})
        if len(mine) == len(keys) and len(theirs) == len(keys):
            pairs.append(BackreadPair(scorer_id, reader_id, code, mine, theirs))
    return backread_figures(pairs, keys, scale, pulled)
