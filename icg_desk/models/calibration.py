"""Calibration in the batch: where the scorer's practice stands, read from the batch file.

A portfolio with rows in `practice_key` is a practice portfolio (batch format 5). Until the
scorer's practice qualifies (every practice portfolio compared with its agreed scores, and
`scoring.calibration.judge_practice` over all of them says so) or the coordinator's unlock code
was entered, the live portfolios can be read but not changed. Pure reading here; the changes
(showing a key, entering the code) are `operations.batch_work.BatchWork`'s, like every other
change the scorer makes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction

from sqlalchemy import select
from sqlalchemy.orm import Session

from icg_desk.models.schema import BatchInfo, FactorRead, Portfolio, PracticeKey
from icg_desk.scoring.calibration import PracticeResult, QualifyingRule, judge_practice
from icg_desk.scoring.rubric import Rubric
from icg_desk.scoring.scale import Scale

#: What a change to a live portfolio is refused with while the practice has not qualified.
LIVE_LOCKED = (
    "Live portfolios unlock when your practice reads qualify, or with your coordinator's "
    "unlock code"
)

# How close a practice score came to the agreed one, in words.
EXACT, NEAR, FAR = "exact", "within one level", "further off"


def closeness(given: Fraction | None, agreed: Fraction, scale: Scale) -> str:
    """`EXACT` (the agreed score itself), `NEAR` (not exact, at most one level off), `FAR`
    (more than one level off), or "" when the factor was not scored."""
    if given is None:
        return ""
    if given == agreed:
        return EXACT
    off = abs(scale.level_of(given) - scale.level_of(agreed))
    return NEAR if off <= 1 else FAR


def closeness_words(given: Fraction | None, agreed: Fraction, scale: Scale) -> str:
    """As a person reads it: "exact", "same level, not exact", "one level off", "2 levels off"."""
    if given is None:
        return "not scored"
    if given == agreed:
        return "exact"
    off = abs(scale.level_of(given) - scale.level_of(agreed))
    if off == 0:
        return "same level, not exact"
    return "one level off" if off == 1 else f"{off} levels off"


@dataclass(frozen=True)
class KeyRow:
    """One factor of a practice portfolio whose key was shown: the scorer's score beside the
    agreed one and the expert's rationale (untrusted text: shown plain)."""

    factor_key: str
    given: Fraction | None
    agreed: Fraction
    rationale: str
    closeness: str  # EXACT, NEAR, FAR, or "" when not scored
    words: str


@dataclass(frozen=True)
class Calibration:
    """Where the scorer's calibration stands."""

    practice: tuple[int, ...]  # the practice portfolios' ids, in batch order
    shown: frozenset[int]  # those whose agreed scores the scorer has seen
    unlocked_at: datetime | None  # the coordinator's unlock code entered
    has_code: bool  # the batch carries the hash of an unlock code
    result: PracticeResult | None  # the judgement, once every practice key was shown
    rule: QualifyingRule

    @property
    def has_practice(self) -> bool:
        return bool(self.practice)

    @property
    def all_shown(self) -> bool:
        return self.has_practice and len(self.shown) == len(self.practice)

    @property
    def qualified(self) -> bool:
        return self.result is not None and self.result.qualified

    @property
    def live_open(self) -> bool:
        """Whether the live portfolios can be scored: always in a batch with no practice."""
        return not self.has_practice or self.unlocked_at is not None or self.qualified

    def number(self, portfolio_id: int) -> int:
        """1 for the first practice portfolio, ...; 0 for a live one."""
        try:
            return self.practice.index(portfolio_id) + 1
        except ValueError:
            return 0

    def words(self) -> str:
        """Where it stands, in a sentence or two the scorer understands."""
        if not self.has_practice:
            return "This batch has no practice portfolios: its live portfolios are open."
        total = len(self.practice)
        if self.unlocked_at is not None:
            return "Your coordinator's unlock code was entered: the live portfolios are open."
        if self.result is not None:
            if self.result.qualified:
                return (
                    f"Your practice reads qualify: {self.result.words()}. The live portfolios "
                    "are open."
                )
            return (
                f"Your practice reads do not qualify yet: {self.result.words()}. The live "
                "portfolios stay locked; your coordinator can give you an unlock code "
                "(Calibration > Enter unlock code…)."
            )
        return (
            f"{LIVE_LOCKED}. Score the {total} practice portfolio{'' if total == 1 else 's'} "
            f"first, mark each complete and compare it with the agreed scores "
            f"({len(self.shown)} of {total} compared so far)."
        )


def practice_ids(session: Session) -> tuple[int, ...]:
    """The practice portfolios' ids in batch order (none in a batch of an older format)."""
    return tuple(
        session.scalars(
            select(Portfolio.id)
            .where(Portfolio.id.in_(select(PracticeKey.portfolio_id)))
            .order_by(Portfolio.position)
        )
    )


def calibration_of(session: Session, rubric: Rubric) -> Calibration:
    practice = practice_ids(session)
    info = session.execute(select(BatchInfo.unlock_hash, BatchInfo.unlocked_at)).one()
    shown = frozenset(
        session.scalars(
            select(Portfolio.id).where(
                Portfolio.id.in_(practice), Portfolio.key_shown_at.is_not(None)
            )
        )
    )
    result = None
    if practice and len(shown) == len(practice):
        result = judge_practice(_pairs(session, practice), rubric.scale, rubric.calibration)
    return Calibration(
        practice, shown, info.unlocked_at, bool(info.unlock_hash), result, rubric.calibration
    )


def _pairs(session: Session, portfolios: tuple[int, ...]) -> list[tuple[Fraction, Fraction]]:
    """(the scorer's score, the agreed score) for every keyed factor the scorer scored."""
    rows = session.execute(
        select(FactorRead.score, PracticeKey.score)
        .join(
            FactorRead,
            (FactorRead.portfolio_id == PracticeKey.portfolio_id)
            & (FactorRead.factor_key == PracticeKey.factor_key),
        )
        .where(PracticeKey.portfolio_id.in_(portfolios), FactorRead.score.is_not(None))
    ).all()
    return [(given, agreed) for given, agreed in rows if given is not None]


def key_rows(session: Session, rubric: Rubric, portfolio_id: int) -> tuple[KeyRow, ...]:
    """The agreed scores of a practice portfolio beside the scorer's, in rubric order."""
    agreed = {
        k.factor_key: k
        for k in session.scalars(
            select(PracticeKey).where(PracticeKey.portfolio_id == portfolio_id)
        )
    }
    given: dict[str, Fraction | None] = {
        key: score
        for key, score in session.execute(
            select(FactorRead.factor_key, FactorRead.score).where(
                FactorRead.portfolio_id == portfolio_id
            )
        )
    }
    scale = rubric.scale
    return tuple(
        KeyRow(
            key,
            given.get(key),
            agreed[key].score,
            agreed[key].rationale or "",
            closeness(given.get(key), agreed[key].score, scale),
            closeness_words(given.get(key), agreed[key].score, scale),
        )
        for key in rubric.factor_keys
        if key in agreed
    )
