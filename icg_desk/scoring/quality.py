"""Scorers against agreed scores: validity and practice figures (pure rules over reads).

A validity portfolio (agreed expert scores, seeded unseen among a scorer's live portfolios) and
a practice portfolio (scored before live scoring, then shown its key) both have a **key**: an
agreed score per factor. This module compares a scorer's reads of them with the key. It never
touches the inter-rater figures of scoring/agreement.py (those compare live reads with each
other); `with_quality` only hangs these figures beside them. docs/agreement.md says how to read
each one; in short:

- **Validity**, per scorer, over their complete reads of validity portfolios: the factor scores
  compared, the share **exact** (the agreed score itself) and on the **same level** (the issue's
  "within one level", as in the agreement figures), and the **difference** from the key: for
  each read, the mean over the factors of (their score - the agreed score); the scorer's
  difference is the mean of those, in score points (positive: scores higher), with the
  t-interval of the mean (each read one observation), simultaneous over the scorers
  (Bonferroni), exactly as the severity is. Per factor too, exact (Fractions).
- A scorer is **flagged** by the validity portfolios (`ValidityRule`) when the difference's
  interval lies wholly above `margin` (scores high) or wholly below `-margin` (scores low), or
  when even the top of the interval of their per-read exact share is under `min_exact` (misses
  the key). The margin is half a step of the scale by default: a scorer cannot be said to be
  off the key by less than that.
- **Practice**, per scorer: every factor score of their practice reads against the key, judged
  by the rubric's qualifying rule (scoring/calibration.judge_practice: the batch judges the
  same way, offline), and whether the coordinator let them through with an unlock code.

Exact arithmetic where the figure is a count or a mean of scores (Fractions); the intervals
are floating point, as the severity's.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from fractions import Fraction

from icg_desk.scoring.agreement import (
    CONFIDENCE,
    JSON_DECIMALS,
    Agreement,
    Drift,
    PairFigures,
    ScorerAgreement,
)
from icg_desk.scoring.calibration import (
    PracticeResult,
    QualifyingRule,
    ValidityRule,
    judge_practice,
)
from icg_desk.scoring.scale import Scale
from icg_desk.scoring.stats import Estimate, mean_interval

SCORES_HIGH_ON_KEY = "scores high on validity"
SCORES_LOW_ON_KEY = "scores low on validity"
MISSES_KEY = "misses the validity key"
NOT_QUALIFIED = "practice not qualified"

# Practice status words (`PracticeFigures.status`).
NOT_STARTED, IN_PROGRESS, QUALIFIED, UNLOCKED, FAILED = (
    "not started",
    "in progress",
    "qualified",
    "unlocked by the coordinator",
    "not qualified",
)


@dataclass(frozen=True)
class KeyedRead:
    """One scorer's read of a portfolio that has agreed scores."""

    scorer_id: str
    portfolio: str  # the portfolio's code
    scores: Mapping[str, Fraction | None]  # factor key -> the scorer's score (None: not scored)
    key: Mapping[str, Fraction]  # factor key -> the agreed score
    batch_id: str | None = None


@dataclass(frozen=True)
class ValidityFigures:
    """A scorer's complete reads of validity portfolios against their agreed scores."""

    scorer_id: str  # "" for the cohort's line
    reads: int
    compared: int  # factor scores compared with an agreed score
    exact: Fraction | None  # share of those that are the agreed score itself
    same_level: Fraction | None  # share on the agreed score's level (includes the exact)
    difference: Estimate | None  # mean per-read (score - agreed), points, with its interval
    exact_share: Estimate | None  # mean per-read exact share, with its interval
    by_factor: Mapping[str, Fraction]  # factor key -> mean (score - agreed), exact
    rule: ValidityRule = field(default_factory=ValidityRule)

    @property
    def scores_high(self) -> bool:
        d = self.difference
        return d is not None and d.low is not None and d.low > self.rule.margin

    @property
    def scores_low(self) -> bool:
        d = self.difference
        return d is not None and d.high is not None and d.high < -self.rule.margin

    @property
    def misses_key(self) -> bool:
        e = self.exact_share
        return e is not None and e.high is not None and e.high < self.rule.min_exact

    @property
    def flags(self) -> list[str]:
        words = []
        if self.scores_high:
            words.append(SCORES_HIGH_ON_KEY)
        if self.scores_low:
            words.append(SCORES_LOW_ON_KEY)
        if self.misses_key:
            words.append(MISSES_KEY)
        return words

    @property
    def flagged(self) -> bool:
        return bool(self.flags)

    def as_json(self) -> dict[str, object]:
        return {
            "reads": self.reads,
            "factor_scores": self.compared,
            "exact": _number(self.exact),
            "same_level": _number(self.same_level),
            "difference": _value(self.difference),
            "difference_interval": _interval(self.difference),
            "exact_interval": _interval(self.exact_share),
            "by_factor": {k: _round(float(v)) for k, v in self.by_factor.items()},
            "flagged": self.flagged,
            "flags": self.flags,
        }


@dataclass(frozen=True)
class Unlock:
    """The coordinator gave a scorer the unlock code of a batch (an audited event)."""

    batch_id: str
    by: str
    at: datetime
    reason: str

    def as_json(self) -> dict[str, object]:
        return {
            "batch_id": self.batch_id,
            "by": self.by,
            "at": self.at.isoformat(),
            "reason": self.reason,
        }


@dataclass(frozen=True)
class PracticeFigures:
    """A scorer's practice reads judged against the key by the rubric's qualifying rule."""

    scorer_id: str
    assigned: int  # practice portfolios given to the scorer
    reads: int  # of them, with at least one factor scored
    complete: int  # of them, with every factor scored
    result: PracticeResult
    unlocks: tuple[Unlock, ...] = ()

    @property
    def qualified(self) -> bool:
        """Every practice portfolio read in full, and the reads meet the rule."""
        return self.complete >= self.assigned and self.result.qualified

    @property
    def unlocked(self) -> bool:
        return bool(self.unlocks)

    @property
    def status(self) -> str:
        if self.qualified:
            return QUALIFIED
        if self.unlocked:
            return UNLOCKED
        if not self.reads:
            return NOT_STARTED
        if self.complete < self.assigned:
            return IN_PROGRESS
        return FAILED

    @property
    def flagged(self) -> bool:
        """Every practice read is in and they did not qualify, nor were let through."""
        return self.status == FAILED

    def words(self) -> str:
        """One line: "31 of 35 factor scores exact (89%), at most 1 level off: qualified"."""
        r = self.result
        if not r.compared:
            return f"{self.status} ({self.assigned} practice portfolios)"
        assert r.exact_share is not None
        levels = "level" if r.worst_levels_off == 1 else "levels"
        judged = (
            f"{r.exact} of {r.compared} factor scores exact ({float(r.exact_share):.0%}), at "
            f"most {r.worst_levels_off} {levels} off: " + (QUALIFIED if self.qualified else FAILED)
        )
        if self.unlocked:
            last = self.unlocks[-1]
            judged += f"; unlocked by {last.by} on {last.at:%Y-%m-%d}: {last.reason}"
        elif self.status == IN_PROGRESS:
            judged += f" ({self.complete} of {self.assigned} practice reads complete)"
        return judged

    def as_json(self) -> dict[str, object]:
        r = self.result
        return {
            "assigned": self.assigned,
            "reads": self.reads,
            "complete_reads": self.complete,
            "factor_scores": r.compared,
            "exact": r.exact,
            "exact_share": _number(r.exact_share),
            "worst_levels_off": r.worst_levels_off if r.compared else None,
            "rule": {"min_exact": float(r.rule.min_exact), "max_levels_off": r.rule.max_levels_off},
            "qualified": self.qualified,
            "unlocked": self.unlocked,
            "unlocks": [u.as_json() for u in self.unlocks],
            "status": self.status,
        }


def _round(value: float) -> float:
    return round(value, JSON_DECIMALS)


def _number(value: Fraction | None) -> float | None:
    return None if value is None else _round(float(value))


def _value(estimate: Estimate | None) -> float | None:
    return None if estimate is None else _round(estimate.value)


def _interval(estimate: Estimate | None) -> list[float] | None:
    if estimate is None or estimate.low is None or estimate.high is None:
        return None
    return [_round(estimate.low), _round(estimate.high)]


# --- validity ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Validity:
    cohort: ValidityFigures  # every scorer's validity reads together (its interval: plain)
    scorers: Mapping[str, ValidityFigures]


def validity_figures(
    reads: Iterable[KeyedRead],
    factor_keys: Sequence[str],
    scale: Scale,
    *,
    rule: ValidityRule | None = None,
    confidence: float = CONFIDENCE,
) -> Validity:
    """Each scorer's complete reads of validity portfolios against the agreed scores.

    A read counts when every factor is scored; it is compared on the factors the key has (a
    key normally has them all). Reads of portfolios with no key at all are left out."""
    rule = rule or ValidityRule()
    by_scorer: dict[str, list[KeyedRead]] = defaultdict(list)
    for read in reads:
        if any(read.scores.get(k) is None for k in factor_keys):
            continue  # not complete: work in progress, not a judgement
        if not any(k in read.key for k in factor_keys):
            continue
        by_scorer[read.scorer_id].append(read)
    with_interval = sum(1 for rs in by_scorer.values() if len(rs) >= 2)
    level = 1 - (1 - confidence) / max(1, with_interval)
    scorers = {
        s: _validity_of(s, rs, factor_keys, scale, rule, level)
        for s, rs in sorted(by_scorer.items())
    }
    everyone = [r for rs in by_scorer.values() for r in rs]
    return Validity(_validity_of("", everyone, factor_keys, scale, rule, confidence), scorers)


def _validity_of(
    scorer_id: str,
    reads: Sequence[KeyedRead],
    factor_keys: Sequence[str],
    scale: Scale,
    rule: ValidityRule,
    level: float,
) -> ValidityFigures:
    # Scores as whole numbers of the scale's finest step (quarters) with their levels, looked up
    # once per distinct score: integer sums, one Fraction per figure at the end.
    unit = math.lcm(*(v.value.denominator for v in scale.values))
    known = {v.value: (int(v.value * unit), v.level) for v in scale.values}

    def whole(score: Fraction) -> tuple[int, int]:
        found = known.get(score)
        if found is None:  # not a single read's score (a key is checked when it is imported)
            found = known[score] = (int(score * unit), scale.level_of(score))
        return found

    compared = exact = same_level = 0
    per_read: list[float] = []
    per_read_exact: list[float] = []
    factor_sum: dict[str, int] = defaultdict(int)
    factor_n: dict[str, int] = defaultdict(int)
    for read in reads:
        total = n = hits = 0
        for key in factor_keys:
            agreed, given = read.key.get(key), read.scores.get(key)
            if agreed is None or given is None:
                continue
            (a, level_a), (g, level_g) = whole(agreed), whole(given)
            gap = g - a
            total += gap
            n += 1
            factor_sum[key] += gap
            factor_n[key] += 1
            hits += gap == 0
            same_level += level_g == level_a
        compared += n
        exact += hits
        per_read.append(total / (n * unit))
        per_read_exact.append(hits / n)
    return ValidityFigures(
        scorer_id=scorer_id,
        reads=len(reads),
        compared=compared,
        exact=Fraction(exact, compared) if compared else None,
        same_level=Fraction(same_level, compared) if compared else None,
        difference=mean_interval(per_read, level),
        exact_share=mean_interval(per_read_exact, level),
        by_factor={
            k: Fraction(factor_sum[k], factor_n[k] * unit) for k in factor_keys if factor_n[k]
        },
        rule=rule,
    )


# --- practice ------------------------------------------------------------------------------------


def practice_figures(
    reads: Iterable[KeyedRead],
    factor_keys: Sequence[str],
    scale: Scale,
    rule: QualifyingRule,
    *,
    assigned: Mapping[str, int] | None = None,
    unlocks: Mapping[str, Sequence[Unlock]] | None = None,
) -> dict[str, PracticeFigures]:
    """Each scorer's practice reads judged as the batch judges them: every factor score given
    (a factor not yet scored is not compared) against the agreed score, by `rule`.

    `assigned`: scorer -> practice portfolios given to them (default: those read);
    `unlocks`: scorer -> the coordinator's unlock codes given to them."""
    pairs: dict[str, list[tuple[Fraction, Fraction]]] = defaultdict(list)
    started: dict[str, int] = defaultdict(int)
    complete: dict[str, int] = defaultdict(int)
    for read in reads:
        given_here = [
            (given, read.key[k])
            for k in factor_keys
            if (given := read.scores.get(k)) is not None and k in read.key
        ]
        pairs[read.scorer_id].extend(given_here)
        if given_here:
            started[read.scorer_id] += 1
        if all(read.scores.get(k) is not None for k in factor_keys):
            complete[read.scorer_id] += 1
    assigned = dict(assigned or {})
    unlocks = dict(unlocks or {})
    everyone = sorted(set(pairs) | set(assigned) | set(unlocks))
    return {
        s: PracticeFigures(
            scorer_id=s,
            assigned=max(assigned.get(s, 0), started[s]),
            reads=started[s],
            complete=complete[s],
            result=judge_practice(pairs[s], scale, rule),
            unlocks=tuple(unlocks.get(s, ())),
        )
        for s in everyone
    }


# --- beside the agreement figures ----------------------------------------------------------------


def with_quality(
    figures: Agreement,
    validity: Validity | None,
    practice: Mapping[str, PracticeFigures],
) -> Agreement:
    """The agreement figures with each scorer's validity and practice figures beside them.

    The inter-rater figures are untouched. A scorer with validity or practice reads but no
    complete live read yet (calibrating, early in the summer) gets a line of their own."""
    by_validity = {} if validity is None else dict(validity.scorers)
    known = {s.scorer_id for s in figures.scorers}
    nothing = PairFigures(0, None, None, None, None)
    extra = [
        ScorerAgreement(
            scorer_id=s,
            reads=0,
            compared=0,
            figures=nothing,
            severity=None,
            adjusted=None,
            severity_by_factor={},
            drift=Drift((), None, 0),
        )
        for s in sorted((set(by_validity) | set(practice)) - known)
    ]
    scorers = sorted((*figures.scorers, *extra), key=lambda s: s.scorer_id)
    return replace(
        figures,
        scorers=tuple(
            replace(s, validity=by_validity.get(s.scorer_id), practice=practice.get(s.scorer_id))
            for s in scorers
        ),
        validity=None if validity is None or not validity.cohort.reads else validity.cohort,
    )


def quality_flags(s: ScorerAgreement) -> list[str]:
    """A scorer's validity and practice flags in plain words (beside severity and drift)."""
    words = [] if s.validity is None else list(s.validity.flags)
    if s.practice is not None and s.practice.flagged:
        words.append(NOT_QUALIFIED)
    return words
