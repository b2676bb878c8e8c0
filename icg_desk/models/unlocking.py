"""The coordinator's calibration unlock code: given to a scorer, audited.

A batch that starts with practice portfolios keeps its live portfolios locked until the
scorer's practice reads meet the rubric's qualifying rule, or until the scorer types the
coordinator's unlock code for that batch (docs/agreement.md). The code is derived from the
cohort's secret and the batch id (scoring/calibration.unlock_code): the same batch always has
the same code, and only its hash is in the batch. Giving it is a way out like the others: who,
when, why, which scorer and batch, in `coordinator_event` ("unlocked"; `to_scorer` is the
scorer given the code). The agreement view shows it beside the scorer's practice result.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from icg_desk.models.cohort_file import CohortFile
from icg_desk.models.cohort_results import UNLOCKED
from icg_desk.models.cohort_schema import PRACTICE, Assignment, CohortInfo, Scorer
from icg_desk.models.schema import utcnow
from icg_desk.models.ways_out import WayOutRefused, _clean, _log
from icg_desk.scoring.calibration import unlock_code


class UnlockRefused(WayOutRefused):
    """No unlock code can be given as asked; the message says why, and nothing was written."""


@dataclass(frozen=True)
class Unlocked:
    code: str  # "XXXX-XXXX-XXXX": what the scorer types
    batch_id: str
    scorer_id: str
    by: str
    at: datetime
    reason: str


@dataclass(frozen=True)
class PracticeBatch:
    """A batch sent out with practice portfolios: the one an unlock code is for."""

    batch_id: str
    scorer_id: str
    practice: int  # practice portfolios in it


def practice_batches(session: Session) -> list[PracticeBatch]:
    """Every batch sent with practice portfolios, by scorer then batch."""
    counts: dict[tuple[str, str], int] = {}
    for batch_id, scorer_id in session.execute(
        select(Assignment.batch_id, Scorer.scorer_id)
        .join(Scorer, Assignment.scorer_ref == Scorer.id)
        .where(Assignment.kind == PRACTICE, Assignment.batch_id.is_not(None))
    ):
        if batch_id is not None:
            counts[(scorer_id, batch_id)] = counts.get((scorer_id, batch_id), 0) + 1
    return [PracticeBatch(b, s, n) for (s, b), n in sorted(counts.items())]


def list_practice_batches(cohort: CohortFile) -> list[PracticeBatch]:
    with cohort.reading() as session:
        return practice_batches(session)


def _the_batch(session: Session, scorer: str | None, batch: str | None) -> PracticeBatch:
    """The batch asked for, by its id or its scorer; UnlockRefused says why none can be."""
    if scorer is None and batch is None:
        raise UnlockRefused("say which batch: --scorer ID or --batch BATCH_ID")
    if scorer is not None:
        scorer = scorer.strip()
        if session.scalar(select(Scorer.id).where(Scorer.scorer_id == scorer)) is None:
            raise UnlockRefused(f"no scorer {scorer!r} in this cohort")
    with_practice = practice_batches(session)
    if batch is not None:
        batch = batch.strip()
        owners = set(
            session.scalars(
                select(Scorer.scorer_id)
                .join(Assignment, Assignment.scorer_ref == Scorer.id)
                .where(Assignment.batch_id == batch)
            )
        )
        if not owners:
            raise UnlockRefused(f"no batch {batch!r} was sent out from this cohort")
        if scorer is not None and scorer not in owners:
            raise UnlockRefused(f"batch {batch!r} is not {scorer}'s (it is {min(owners)}'s)")
        found = [p for p in with_practice if p.batch_id == batch]
        if not found:
            raise UnlockRefused(
                f"batch {batch!r} has no practice portfolios, so it has no unlock code: its "
                "live portfolios are open"
            )
        return found[0]
    mine = [p for p in with_practice if p.scorer_id == scorer]
    if not mine:
        raise UnlockRefused(
            f"{scorer} has no batch sent with practice portfolios, so there is nothing to unlock"
        )
    if len(mine) > 1:
        named = ", ".join(p.batch_id for p in mine)
        raise UnlockRefused(
            f"{scorer} has practice portfolios in {len(mine)} batches ({named}); say which with "
            "--batch BATCH_ID"
        )
    return mine[0]


def give_unlock_code(
    cohort: CohortFile, *, scorer: str | None, batch: str | None, reason: str, by: str
) -> Unlocked:
    """The unlock code of the batch asked for, with the event logged in one transaction."""
    reason, by = _clean(reason, by, "giving an unlock code")
    with cohort.transaction() as session:
        chosen = _the_batch(session, scorer, batch)
        secret = session.scalar(select(CohortInfo.secret))
        if not secret:
            raise UnlockRefused("this cohort has no secret to derive unlock codes from")
        now = utcnow()
        _log(
            session,
            at=now,
            action=UNLOCKED,
            actor=by,
            reason=reason,
            to_scorer=chosen.scorer_id,
            batch_id=chosen.batch_id,
            detail=f"{chosen.practice} practice portfolios",
        )
        return Unlocked(
            unlock_code(secret, chosen.batch_id), chosen.batch_id, chosen.scorer_id, by, now, reason
        )
