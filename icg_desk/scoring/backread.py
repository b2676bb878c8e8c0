"""Backreading: a seeded random sample of each scorer's completed reads, read again by an
adjudicator, and how far each scorer's reads and the backreads differ. Pure rules, no files.

- **The sample** (`draw_sample`): each scorer's eligible reads are shuffled by a generator of
  their own, seeded by the seed and the scorer's id (so one scorer's sample does not change
  when another scorer is added or left out), then the scorers take turns, in order of their
  ids, each taking their next read whose portfolio the reader has not been given yet: one
  reader never gets two reads of one portfolio (a reader reads a portfolio once). A scorer who
  runs out before their number is short (`Sample.short`), which the caller refuses.
- **The figures** (`backread_figures`), per scorer, over their backread reads (one read and its
  backread: a pair per factor):
  - *returned*: the backreads complete (every factor scored and merged); *pulled*: asked for;
  - *exact*: the share of factor pairs with the same score (`3+` and `3+`);
  - *same level*: the share with the same level number (`3-`, `3`, `3+` are level 3), the
    exact ones included, as the agreement's "within one level";
  - *mean difference*: for each backread read, the mean over the factors of (the scorer's
    score - the backreader's), in score points; the mean of those per-read differences with
    its t-interval (n - 1 degrees of freedom), simultaneous over the scorers with an interval
    (Bonferroni), as the severity's (scoring/agreement.py). Positive: the scorer scores
    higher than the backreader.
  - *differences*: every factor where the two scores differ: the candidate code, the factor,
    both scores and who backread.
"""

from __future__ import annotations

import math
import random
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Generic, TypeVar

from icg_desk.scoring.scale import Scale, format_score
from icg_desk.scoring.stats import Estimate, mean_interval

CONFIDENCE = 0.95
JSON_DECIMALS = 4

T = TypeVar("T")


# --- the sample ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Eligible(Generic[T]):
    """A read that may be sampled: what it is (`read`, the caller's) and its portfolio."""

    read: T
    portfolio: Hashable


@dataclass(frozen=True)
class Sample(Generic[T]):
    picked: Mapping[str, tuple[T, ...]]  # scorer id -> their reads drawn, in drawing order
    short: Mapping[str, tuple[int, int]]  # scorer id -> (wanted, could be drawn), when short


def draw_sample(
    eligible: Mapping[str, Sequence[Eligible[T]]],
    wanted: Mapping[str, int],
    seed: int,
) -> Sample[T]:
    """Draw `wanted[s]` of each scorer's eligible reads (see the module's docstring).

    `eligible[s]` is given in a stable order (the caller sorts it: by read id), so the same
    cohort, the same seed and the same numbers give the same sample."""
    queues: dict[str, list[Eligible[T]]] = {}
    for scorer_id in sorted(wanted):
        pool = list(eligible.get(scorer_id, ()))
        random.Random(f"backread:{seed}:{scorer_id}").shuffle(pool)
        queues[scorer_id] = pool
    picked: dict[str, list[T]] = {s: [] for s in queues}
    taken: set[Hashable] = set()
    active = [s for s in queues if wanted[s] > 0]
    while active:
        still = []
        for scorer_id in active:
            queue = queues[scorer_id]
            while queue and queue[-1].portfolio in taken:
                queue.pop()
            if not queue:
                continue
            chosen = queue.pop()
            taken.add(chosen.portfolio)
            picked[scorer_id].append(chosen.read)
            if len(picked[scorer_id]) < wanted[scorer_id]:
                still.append(scorer_id)
        active = still
    short = {s: (wanted[s], len(picked[s])) for s in queues if len(picked[s]) < wanted[s]}
    return Sample({s: tuple(p) for s, p in picked.items()}, short)


def share_wanted(share: Fraction, completed: int, backread: int) -> int:
    """How many more of a scorer's reads to pull so that `share` of their `completed` reads
    are backread (rounded up: a scorer with any completed read gets one at least); none when
    `backread` of them already are."""
    target = math.ceil(share * completed)
    return max(0, target - backread)


# --- the figures ---------------------------------------------------------------------------


@dataclass(frozen=True)
class BackreadPair:
    """One scorer's complete read and its complete backread."""

    scorer_id: str
    reader_id: str
    portfolio: str  # the candidate code
    scorer_scores: Mapping[str, Fraction]
    reader_scores: Mapping[str, Fraction]


@dataclass(frozen=True)
class Difference:
    """A factor a scorer and their backreader scored differently."""

    portfolio: str
    factor_key: str
    scorer_id: str
    scorer_score: Fraction
    reader_score: Fraction
    reader_id: str

    @property
    def points(self) -> Fraction:
        """The scorer's score - the backreader's (positive: the scorer scored higher)."""
        return self.scorer_score - self.reader_score

    def as_json(self) -> dict[str, object]:
        return {
            "code": self.portfolio,
            "factor": self.factor_key,
            "score": format_score(self.scorer_score),
            "backread_score": format_score(self.reader_score),
            "difference": ("+" if self.points > 0 else "") + format_score(self.points),
            "backread_by": self.reader_id,
        }


@dataclass(frozen=True)
class ScorerBackreads:
    scorer_id: str
    pulled: int  # backreads of this scorer's reads asked for
    returned: int  # of them, complete and merged
    factor_pairs: int
    exact: Fraction | None  # None when nothing returned
    same_level: Fraction | None
    difference: Estimate | None  # mean (scorer - backreader) per read, points
    differences: tuple[Difference, ...] = ()

    @property
    def flagged(self) -> bool:
        """The mean difference's interval lies wholly above or below 0."""
        return self.difference is not None and self.difference.excludes_zero

    def as_json(self) -> dict[str, object]:
        d = self.difference
        return {
            "pulled": self.pulled,
            "returned": self.returned,
            "factor_pairs": self.factor_pairs,
            "exact_agreement": _number(self.exact),
            "adjacent_agreement": _number(self.same_level),
            "mean_difference": None if d is None else _round(d.value),
            "mean_difference_interval": _interval(d),
            "mean_difference_flagged": self.flagged,
            "differences": [x.as_json() for x in self.differences],
        }


@dataclass(frozen=True)
class Backreads:
    scorers: Mapping[str, ScorerBackreads] = field(default_factory=dict)  # by scorer id
    confidence: float = CONFIDENCE

    def of(self, scorer_id: str) -> ScorerBackreads | None:
        return self.scorers.get(scorer_id)

    def as_json(self, scorer_id: str) -> dict[str, object]:
        """The scorer's `backread` object of the agreement JSON (none pulled: zeros, nulls)."""
        found = self.scorers.get(scorer_id)
        if found is None:
            found = ScorerBackreads(scorer_id, 0, 0, 0, None, None, None)
        return found.as_json()

    @property
    def pulled(self) -> int:
        return sum(s.pulled for s in self.scorers.values())

    @property
    def returned(self) -> int:
        return sum(s.returned for s in self.scorers.values())

    @property
    def differences(self) -> tuple[Difference, ...]:
        return tuple(d for s in self.scorers.values() for d in s.differences)


def backread_figures(
    pairs: Iterable[BackreadPair],
    factor_keys: Sequence[str],
    scale: Scale,
    pulled: Mapping[str, int],
    *,
    confidence: float = CONFIDENCE,
) -> Backreads:
    """Each scorer's backread figures (see the module's docstring). `pulled`: scorer id ->
    backreads of their reads asked for; a scorer there with none returned has empty figures."""
    level = {v.value: v.level for v in scale.values}
    by_scorer: dict[str, list[BackreadPair]] = {s: [] for s in pulled}
    for pair in pairs:
        by_scorer.setdefault(pair.scorer_id, []).append(pair)
    n_factors = len(factor_keys)
    with_interval = sum(1 for found in by_scorer.values() if len(found) >= 2)
    interval_level = 1 - (1 - confidence) / max(1, with_interval)
    scorers: dict[str, ScorerBackreads] = {}
    for scorer_id in sorted(by_scorer):
        found = sorted(by_scorer[scorer_id], key=lambda p: (p.portfolio, p.reader_id))
        same = same_level = 0
        per_read: list[float] = []
        differences: list[Difference] = []
        for pair in found:
            total = Fraction(0)
            for key in factor_keys:
                mine, theirs = pair.scorer_scores[key], pair.reader_scores[key]
                total += mine - theirs
                if mine == theirs:
                    same += 1
                else:
                    differences.append(
                        Difference(pair.portfolio, key, scorer_id, mine, theirs, pair.reader_id)
                    )
                if level[mine] == level[theirs]:
                    same_level += 1
            per_read.append(float(total / n_factors))
        count = len(found) * n_factors
        scorers[scorer_id] = ScorerBackreads(
            scorer_id=scorer_id,
            pulled=max(pulled.get(scorer_id, 0), len(found)),
            returned=len(found),
            factor_pairs=count,
            exact=Fraction(same, count) if count else None,
            same_level=Fraction(same_level, count) if count else None,
            difference=mean_interval(per_read, interval_level),
            differences=tuple(differences),
        )
    return Backreads(scorers, confidence)


def _round(value: float) -> float:
    return round(value, JSON_DECIMALS)


def _number(value: Fraction | None) -> float | None:
    return None if value is None else _round(float(value))


def _interval(estimate: Estimate | None) -> list[float] | None:
    if estimate is None or estimate.low is None or estimate.high is None:
        return None
    return [_round(estimate.low), _round(estimate.high)]
