"""Putting portfolios into a batch: the content a coordinator sends a scorer.

Written with bulk inserts: a batch of a thousand portfolios with long entries is one transaction
of a few statements, not tens of thousands of ORM objects.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from sqlalchemy import func, insert, select, update

from icg_desk.models.batch_file import BatchFile
from icg_desk.models.schema import (
    BatchInfo,
    EntryDocument,
    Portfolio,
    PortfolioStatus,
    PracticeKey,
    VideoLink,
)
from icg_desk.scoring.lineage import base_lineage


@dataclass(frozen=True)
class VideoContent:
    label: str
    url: str


@dataclass(frozen=True)
class EntryContent:
    number: int
    text: str
    videos: tuple[VideoContent, ...] = ()


@dataclass(frozen=True)
class PortfolioContent:
    candidate_code: str  # never a name: scoring is blind
    entries: tuple[EntryContent, ...]
    # An adjudication: the factor keys asked for (empty: a read of every factor), and the
    # earlier reads of those factors when the rubric shows them: ((factor key, score), ...).
    adjudicate: tuple[str, ...] = ()
    earlier_reads: tuple[tuple[str, str], ...] = ()
    # A retake: `adjudicate` holds the retaken factors, and these are the banked ones, not asked,
    # each with the cycle it was banked in: ((factor key, cycle), ...).
    banked: tuple[tuple[str, str], ...] = ()
    # A practice portfolio (calibration): its agreed scores and the expert's rationale,
    # ((factor key, score, rationale), ...); empty for every other portfolio. Never set for a
    # validity portfolio, which must look like any live one.
    practice_key: tuple[tuple[str, Fraction, str], ...] = ()


def add_portfolios(batch: BatchFile, portfolios: Sequence[PortfolioContent]) -> None:
    """Append portfolios to the batch, in order, in one transaction."""
    rubric_entries = {e.number for e in batch.rubric.entries}
    for p in portfolios:
        numbers = [e.number for e in p.entries]
        if sorted(numbers) != sorted(rubric_entries):
            raise ValueError(
                f"portfolio {p.candidate_code}: has entries {numbers}, the rubric asks for "
                f"{sorted(rubric_entries)}"
            )
    identity = batch.identity
    batch_id, scorer_id = identity.batch_id, identity.scorer_id
    with batch.transaction() as session:
        # Ids are assigned here rather than read back, so each table is one executemany.
        next_portfolio = (session.scalar(select(func.max(Portfolio.id))) or 0) + 1
        next_position = (session.scalar(select(func.max(Portfolio.position))) or 0) + 1
        next_entry = (session.scalar(select(func.max(EntryDocument.id))) or 0) + 1
        portfolio_rows, entry_rows, video_rows = [], [], []
        key_rows: list[dict[str, object]] = []
        for i, p in enumerate(portfolios):
            portfolio_id = next_portfolio + i
            portfolio_rows.append(
                {
                    "id": portfolio_id,
                    "position": next_position + i,
                    "candidate_code": p.candidate_code,
                    "status": PortfolioStatus.NOT_STARTED.value,
                    "adjudicate": list(p.adjudicate),
                    "earlier_reads": [list(r) for r in p.earlier_reads],
                    "banked": [list(b) for b in p.banked],
                    "revision": 0,
                    "lineage": base_lineage(batch_id, scorer_id, p.candidate_code),
                }
            )
            key_rows.extend(
                {"portfolio_id": portfolio_id, "factor_key": k, "score": v, "rationale": why}
                for k, v, why in p.practice_key
            )
            for e in p.entries:
                entry_rows.append(
                    {
                        "id": next_entry,
                        "portfolio_id": portfolio_id,
                        "number": e.number,
                        "text": e.text,
                    }
                )
                for position, v in enumerate(e.videos, start=1):
                    video_rows.append(
                        {
                            "entry_id": next_entry,
                            "position": position,
                            "label": v.label,
                            "url": v.url,
                        }
                    )
                next_entry += 1
        if portfolio_rows:
            session.execute(insert(Portfolio), portfolio_rows)
        if entry_rows:
            session.execute(insert(EntryDocument), entry_rows)
        if video_rows:
            session.execute(insert(VideoLink), video_rows)
        if key_rows:
            session.execute(insert(PracticeKey), key_rows)


def set_unlock_hash(batch: BatchFile, digest: str) -> None:
    """Record the SHA-256 of the coordinator's unlock code for this batch (calibration): a batch
    with practice portfolios is given one when it is sent (scoring/calibration.py)."""
    with batch.transaction() as session:
        session.execute(update(BatchInfo).values(unlock_hash=digest))
