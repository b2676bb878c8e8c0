"""How far scorers agree, who scores high or low, and who drifts: pure rules over reads.

The input is the reads of a cohort: each one scorer's complete read of one portfolio (a score
per factor) and when it last changed. Portfolios read by one scorer only give nothing to compare
and are left out of every figure but the scorer's count of reads. docs/agreement.md says how to
read each figure; in short:

- **A read pair** is two reads of the same portfolio on the same factor by different scorers.
  With k reads of a portfolio each factor has k(k-1)/2 pairs.
- **Exact agreement**: the share of read pairs with the same score (`3+` and `3+`).
- **Adjacent agreement**: the share of read pairs with the same level number (`3-`, `3` and
  `3+` are all level 3): the issue's "within one level (same level number)". It includes the
  exact pairs. `3+` and `4-` (0.50 apart) are different levels, so not adjacent.
  Both are exact Fractions of counts.
- **Quadratic weighted kappa**: Cohen's kappa with weights (a - b)^2 in score points. For the
  cohort and a factor each read pair counts in both orders, so the figure does not depend on
  which read is called first; for a scorer, the pairs are (this scorer's read, the other read).
- **Krippendorff's alpha** (ordinal): over units portfolio x factor, all reads of the unit.
  For the cohort every factor's units together; for a scorer, each of their read pairs as a
  unit of two values.
- **Severity**: for each of a scorer's reads, the mean over the factors of (this read's score -
  the mean of the other reads' scores of that factor); the scorer's severity is the mean of
  those per-read differences, in score points (positive: scores higher than the others), with
  the t-interval of that mean (each read one observation, n - 1 degrees of freedom: the
  factors of one read are not independent of each other, reads are closer to it).
- **Adjusted severity**: the same with the other scorers' own severity and drift taken out
  (the additive rater model, `_rater_effects`), measured from the median scorer. A scorer who
  often reads beside a severe one looks lenient by the plain figure (by about the severe
  one's severity times the share of reads they share); not by this one. Scorers are flagged
  (`severe_or_lenient`) by this one's interval.
- **Drift**: the plain per-read differences grouped by the ISO week (UTC) of the read's last
  change; and the least-squares slope of the adjusted per-read difference on the week number,
  in score points per week, with its t-interval (n - 2 degrees of freedom).
- The intervals are **simultaneous** over the scorers (Bonferroni): with k scorers each is at
  1 - 0.05 / k, so that in a cohort where no scorer is severe (or drifts), all the intervals
  hold 0 in 95 cohorts in 100. Forty separate 95% intervals would flag two scorers in every
  cohort for nothing.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from fractions import Fraction
from itertools import chain
from operator import itemgetter, neg, sub
from typing import TYPE_CHECKING

from icg_desk.scoring.scale import Scale
from icg_desk.scoring.stats import (
    Estimate,
    alpha_from_coincidences,
    mean_interval,
    quadratic_weighted_kappa,
    slope_interval,
)

if TYPE_CHECKING:
    from icg_desk.scoring.quality import PracticeFigures, ValidityFigures

CONFIDENCE = 0.95
# Figures in JSON are rounded to this many decimals (the exact agreement Fractions and the
# counts they come from are in the objects).
JSON_DECIMALS = 4


@dataclass(frozen=True)
class ScoredRead:
    """One scorer's complete read of one portfolio."""

    scorer_id: str
    portfolio: str  # the candidate code
    scores: Mapping[str, Fraction]  # factor key -> score on the scale
    at: datetime | None = None  # when the read last changed; None when not known


@dataclass(frozen=True)
class PairFigures:
    """Agreement over a set of read pairs. Each figure is None when there is nothing to say
    (no pairs; kappa and alpha also when every score is the same)."""

    pairs: int
    exact: Fraction | None
    adjacent: Fraction | None
    kappa: Fraction | None  # quadratic weighted kappa, exact
    alpha: Fraction | None  # Krippendorff's alpha, ordinal, exact

    def as_json(self) -> dict[str, object]:
        return {
            "read_pairs": self.pairs,
            "exact_agreement": _number(self.exact),
            "adjacent_agreement": _number(self.adjacent),
            "quadratic_weighted_kappa": _number(self.kappa),
            "krippendorff_alpha": _number(self.alpha),
        }


@dataclass(frozen=True)
class WeekSeverity:
    week: str  # ISO week, e.g. 2026-W27
    monday: date
    reads: int
    severity: float


@dataclass(frozen=True)
class Drift:
    weeks: tuple[WeekSeverity, ...]  # in order; weeks with no read of the scorer left out
    slope: Estimate | None  # points per week; None with fewer than two weeks of reads
    undated: int  # reads compared whose time is not known (left out of the drift)

    @property
    def drifting(self) -> bool:
        return self.slope is not None and self.slope.excludes_zero

    def as_json(self) -> dict[str, object]:
        slope = self.slope
        return {
            "weeks": [
                {"week": w.week, "reads": w.reads, "severity": _round(w.severity)}
                for w in self.weeks
            ],
            "slope_per_week": None if slope is None else _round(slope.value),
            "slope_interval": _interval(slope),
            "drifting": self.drifting,
            "undated_reads": self.undated,
        }


@dataclass(frozen=True)
class ScorerAgreement:
    scorer_id: str
    reads: int  # complete reads
    compared: int  # of them, reads of portfolios someone else read too
    figures: PairFigures  # over (this scorer's read, another read) pairs
    severity: Estimate | None  # None when no read was compared
    # The same with each partner's own severity taken out (see _adjusted_differences).
    adjusted: Estimate | None
    severity_by_factor: Mapping[str, float]
    drift: Drift
    # Beside the inter-rater figures, never mixed into them (scoring/quality.py): the scorer's
    # reads of validity portfolios and their practice reads against the agreed scores.
    validity: ValidityFigures | None = None
    practice: PracticeFigures | None = None

    @property
    def severe_or_lenient(self) -> bool:
        """The adjusted severity's interval lies wholly above or below 0."""
        return self.adjusted is not None and self.adjusted.excludes_zero

    def as_json(self) -> dict[str, object]:
        severity = self.severity
        return {
            "scorer_id": self.scorer_id,
            "reads": self.reads,
            "reads_compared": self.compared,
            **self.figures.as_json(),
            "severity": None if severity is None else _round(severity.value),
            "severity_interval": _interval(severity),
            "severity_adjusted": None if self.adjusted is None else _round(self.adjusted.value),
            "severity_adjusted_interval": _interval(self.adjusted),
            "severity_flagged": self.severe_or_lenient,
            "severity_by_factor": {k: _round(v) for k, v in self.severity_by_factor.items()},
            "validity_exact": None if self.validity is None else _number(self.validity.exact),
            "drift": self.drift.as_json(),
            "validity": None if self.validity is None else self.validity.as_json(),
            "practice": None if self.practice is None else self.practice.as_json(),
        }


@dataclass(frozen=True)
class Agreement:
    reads: int  # complete reads given
    portfolios_compared: int  # portfolios with two reads or more
    cohort: PairFigures  # every factor's pairs together
    factors: Mapping[str, PairFigures]  # in rubric order
    scorers: tuple[ScorerAgreement, ...]  # by scorer id
    confidence: float = CONFIDENCE
    # Every scorer's validity reads together (scoring/quality.py); None when there are none.
    validity: ValidityFigures | None = None

    def scorer(self, scorer_id: str) -> ScorerAgreement:
        return next(s for s in self.scorers if s.scorer_id == scorer_id)

    def as_json(self) -> dict[str, object]:
        figures = self.cohort.as_json()
        return {
            "reads": self.reads,
            "portfolios_compared": self.portfolios_compared,
            **figures,
            "confidence": self.confidence,
            "factors": {key: f.as_json() for key, f in self.factors.items()},
            "scorers": [s.as_json() for s in self.scorers],
            "validity": None if self.validity is None else self.validity.as_json(),
        }


def _round(value: float) -> float:
    return round(value, JSON_DECIMALS)


def _number(value: Fraction | None) -> float | None:
    return None if value is None else _round(float(value))


def _interval(estimate: Estimate | None) -> list[float] | None:
    if estimate is None or estimate.low is None or estimate.high is None:
        return None
    return [_round(estimate.low), _round(estimate.high)]


def iso_week(moment: datetime) -> tuple[str, date]:
    """The ISO week of a moment (in its own time zone: UTC for ours) and its Monday."""
    day = moment.date()
    year, week, weekday = day.isocalendar()
    return f"{year}-W{week:02d}", day - timedelta(days=weekday - 1)


def agreement(
    reads: Iterable[ScoredRead],
    factor_keys: Sequence[str],
    scale: Scale,
    *,
    confidence: float = CONFIDENCE,
) -> Agreement:
    """Every agreement figure of these reads (see the module's docstring).

    One pass over the portfolios counts, for each scorer, their ordered pairs (unit size,
    factor, own step, other step) and each read's difference from the others; every figure
    then comes from those counts (a factor's pairs are every scorer's pairs of it)."""
    value_of = [v.value for v in scale.values]  # step -> score
    level_of = [v.level for v in scale.values]  # step -> level number
    step = _Stepper(scale)
    # Scores as whole numbers of the scale's finest step (quarters: 3.25 -> 13), so the sums of
    # the severity are integer arithmetic; divided by `unit` once, as floats.
    unit = math.lcm(*(v.denominator for v in value_of))
    whole = [int(v * unit) for v in value_of]
    n_factors = len(factor_keys)
    scores_of = itemgetter(*factor_keys)

    by_portfolio: dict[str, list[ScoredRead]] = defaultdict(list)
    reads_of: Counter[str] = Counter()
    total = 0
    for read in reads:
        by_portfolio[read.portfolio].append(read)
        reads_of[read.scorer_id] += 1
        total += 1

    tally = _Tally(n_factors, whole, unit)
    compared = 0
    for group in by_portfolio.values():
        if len(group) < 2:
            continue
        compared += 1
        steps = [step.row(_as_tuple(scores_of(r.scores), n_factors)) for r in group]
        tally.add(group, steps, [sum(map(whole.__getitem__, row)) for row in steps])
    tally.close()
    differences, partners = tally.differences, tally.partners
    scorer_figures = {
        scorer_id: _figures({2: mine}, whole, level_of, symmetric=False)
        for scorer_id, mine in tally.mine.items()
    }
    by_factor = {
        scorer_id: {
            key: shift[f] / (len(differences[scorer_id]) * unit)
            for f, key in enumerate(factor_keys)
        }
        for scorer_id, shift in tally.shift.items()
    }
    factor_sizes = tally.factor_pairs

    factors = {
        key: _figures(sizes, whole, level_of, symmetric=True)
        for key, sizes in zip(factor_keys, factor_sizes, strict=True)
    }
    pooled: dict[int, Counter[tuple[int, int]]] = {}
    for sizes in factor_sizes:
        for size, counter in sizes.items():
            pooled.setdefault(size, Counter()).update(counter)
    cohort = _figures(pooled, whole, level_of, symmetric=True)

    weeks = _Weeks()
    first_monday = min(
        (weeks.of(at)[1] for diffs in differences.values() for _, at in diffs if at is not None),
        default=None,
    )
    # Each read's week number from the first week of scoring; None when its time is unknown.
    week_numbers = {
        s: [
            None
            if at is None or first_monday is None
            else (weeks.of(at)[1] - first_monday).days // 7
            for _, at in diffs
        ]
        for s, diffs in differences.items()
    }
    adjusted = _rater_effects(differences, partners, week_numbers)
    nothing = PairFigures(0, None, None, None, None)
    # Simultaneous intervals (Bonferroni): with 40 scorers, forty 95% intervals would put about
    # two scorers who are neither severe nor lenient outside 0 in every cohort. Each scorer's
    # interval is at 1 - (1 - confidence) / k for the k scorers who have one, so that in a
    # cohort where no scorer is severe, all of them hold 0 with probability `confidence` at
    # least. The same for the drift slopes.
    with_interval = sum(1 for d in differences.values() if len(d) >= 2)
    severity_level = 1 - (1 - confidence) / max(1, with_interval)
    with_slope = sum(
        1 for s in differences if len({x for x in week_numbers[s] if x is not None}) > 1
    )
    drift_level = 1 - (1 - confidence) / max(1, with_slope)
    scorers = []
    for scorer_id in sorted(reads_of):
        diffs = differences.get(scorer_id, [])
        fitted = adjusted.get(scorer_id, [])
        dated = [
            (float(x), a)
            for x, a in zip(week_numbers.get(scorer_id, []), fitted, strict=True)
            if x is not None
        ]
        scorers.append(
            ScorerAgreement(
                scorer_id=scorer_id,
                reads=reads_of[scorer_id],
                compared=len(diffs),
                figures=scorer_figures.get(scorer_id, nothing),
                severity=mean_interval([d for d, _ in diffs], severity_level),
                adjusted=mean_interval(fitted, severity_level),
                severity_by_factor=by_factor.get(scorer_id, {}),
                drift=_drift(
                    diffs,
                    weeks,
                    slope_interval([x for x, _ in dated], [a for _, a in dated], drift_level),
                ),
            )
        )
    return Agreement(
        reads=total,
        portfolios_compared=compared,
        cohort=cohort,
        factors=factors,
        scorers=tuple(scorers),
        confidence=confidence,
    )


def _rater_effects(
    differences: Mapping[str, Sequence[tuple[float, datetime | None]]],
    partners: Mapping[str, Sequence[tuple[tuple[str, ...], float]]],
    week_numbers: Mapping[str, Sequence[int | None]],
) -> dict[str, list[float]]:
    """Each read's difference from the others, with the others' own severity and drift taken
    out and measured from the median scorer: what the adjusted severity and the drift use.

    A read's difference from the others (d) measures, in expectation, this scorer's effect
    minus the mean effect of the others who read the portfolio, at the time of the read. Each
    scorer's effect is modelled as b_s + c_s (week - the scorer's mean week): a severity and a
    drift. With the partners' effects added back, a = d + sum_j w (b_j + c_j (x - xbar_j)),
    the scorer's own are the mean of a and the least-squares slope of a on the week: both
    linear in the others' (b, c), through sums precomputed per pair of scorers, so (b, c) is
    the solution of one linear system of two unknowns per scorer (`_solve`). The effects are
    fixed only up to a constant and a common trend per group of scorers who share portfolios
    (only differences are seen): the system is pinned by making their read-weighted sums 0.
    A severe scorer is in those sums too and would make everyone else look a little lenient,
    so the values returned are measured from the median scorer (and the median drift).
    """
    model = _RaterModel(differences, partners, week_numbers)
    b, c = model.solve()
    reference_b = statistics.median(b.values()) if b else 0.0
    slopes = [c[s] for s in model.scorers if model.sxx[s] > 0]
    reference_c = statistics.median(slopes) if slopes else 0.0
    found: dict[str, list[float]] = {}
    for s in model.scorers:
        values = []
        for (d, _), (others, weight), x in zip(
            differences[s], partners[s], week_numbers[s], strict=True
        ):
            value = d - reference_b
            for j in others:
                value += weight * b[j]
                if x is not None:
                    value += weight * c[j] * (x - model.mean_x[j])
            if x is not None:
                value -= reference_c * (x - model.mean_x[s])
            values.append(value)
        found[s] = values
    return found


class _RaterModel:
    """The linear system of `_rater_effects`: its sums, and its solution."""

    def __init__(
        self,
        differences: Mapping[str, Sequence[tuple[float, datetime | None]]],
        partners: Mapping[str, Sequence[tuple[tuple[str, ...], float]]],
        week_numbers: Mapping[str, Sequence[int | None]],
    ) -> None:
        self.scorers = scorers = list(differences)
        self.n = n = {s: len(differences[s]) for s in scorers}
        self.raw_b = {s: math.fsum(d for d, _ in differences[s]) / n[s] for s in scorers}
        self.mean_x: dict[str, float] = {}
        self.sxx: dict[str, float] = {}
        self.raw_c: dict[str, float] = {}
        for s in scorers:
            pts = [
                (x, d)
                for x, (d, _) in zip(week_numbers[s], differences[s], strict=True)
                if x is not None
            ]
            mean = math.fsum(x for x, _ in pts) / len(pts) if pts else 0.0
            sxx = math.fsum((x - mean) ** 2 for x, _ in pts)
            self.mean_x[s], self.sxx[s] = mean, sxx
            self.raw_c[s] = math.fsum((x - mean) * d for x, d in pts) / sxx if sxx > 0 else 0.0
        # W: the share of "the others" each partner makes up; U: their time offsets; P and Q:
        # the same for the slope. Keyed (s, j), from sums over the reads s shares with j of
        # the weight (all, and dated), weight * week and weight * week^2.
        sums: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0, 0.0])
        for s in scorers:
            for (others, weight), x in zip(partners[s], week_numbers[s], strict=True):
                for j in others:
                    acc = sums[(s, j)]
                    acc[0] += weight
                    if x is not None:
                        acc[1] += weight
                        acc[2] += weight * x
                        acc[3] += weight * x * x
        self.w: dict[tuple[str, str], float] = {}
        self.u: dict[tuple[str, str], float] = {}
        self.p: dict[tuple[str, str], float] = {}
        self.q: dict[tuple[str, str], float] = {}
        for (s, j), (w_all, w_dated, wx, wxx) in sums.items():
            self.w[(s, j)] = w_all / n[s]
            if j not in self.mean_x or not w_dated:
                continue
            ms, mj = self.mean_x[s], self.mean_x[j]
            self.u[(s, j)] = (wx - mj * w_dated) / n[s]
            if self.sxx[s] > 0:
                self.p[(s, j)] = (wx - ms * w_dated) / self.sxx[s]
                self.q[(s, j)] = (wxx - (ms + mj) * wx + ms * mj * w_dated) / self.sxx[s]

    def solve(self) -> tuple[dict[str, float], dict[str, float]]:
        """(b, c) by Gaussian elimination; the plain figures when the system is singular."""
        scorers = self.scorers
        a, rhs, at_b, at_c = self._system()
        z = _gauss(a, rhs)
        if z is None:
            return dict(self.raw_b), dict(self.raw_c)
        return (
            {s: z[at_b[s]] for s in scorers},
            {s: z[at_c[s]] if s in at_c else 0.0 for s in scorers},
        )

    def _system(
        self,
    ) -> tuple[list[list[float]], list[float], dict[str, int], dict[str, int]]:
        """The matrix and right-hand side, and where each scorer's b and c are in them."""
        scorers = self.scorers
        sloped = [s for s in scorers if self.sxx[s] > 0]
        at_b = {s: i for i, s in enumerate(scorers)}
        at_c = {s: len(scorers) + i for i, s in enumerate(sloped)}
        size = len(scorers) + len(sloped)
        a = [[0.0] * size for _ in range(size)]
        rhs = [0.0] * size
        for s in scorers:
            a[at_b[s]][at_b[s]] += 1.0
            rhs[at_b[s]] = self.raw_b[s]
        for s in sloped:
            a[at_c[s]][at_c[s]] += 1.0
            rhs[at_c[s]] = self.raw_c[s]
        couplings = (
            (self.w, at_b, at_b),
            (self.u, at_b, at_c),
            (self.p, at_c, at_b),
            (self.q, at_c, at_c),
        )
        for table, rows, columns in couplings:
            for (s, j), v in table.items():
                if s in rows and j in columns:
                    a[rows[s]][columns[j]] -= v
        # Pinning: in each group of scorers who share portfolios, add the read-weighted mean of
        # b to each b row and of c to each c row (zero at the solution wanted).
        for group in self._groups():
            for at in (at_b, at_c):
                members = [j for j in group if j in at]
                total = sum(self.n[j] for j in members)
                for s in members:
                    for j in members:
                        a[at[s]][at[j]] += self.n[j] / total
        return a, rhs, at_b, at_c

    def _groups(self) -> list[list[str]]:
        """The scorers in groups that share portfolios, directly or through others."""
        parent = {s: s for s in self.scorers}

        def root(s: str) -> str:
            while parent[s] != s:
                parent[s] = parent[parent[s]]
                s = parent[s]
            return s

        for s, j in self.w:
            if j in parent:
                parent[root(s)] = root(j)
        groups: dict[str, list[str]] = defaultdict(list)
        for s in self.scorers:
            groups[root(s)].append(s)
        return list(groups.values())


def _gauss(a: list[list[float]], rhs: list[float]) -> list[float] | None:
    """Solve a x = rhs by Gaussian elimination with partial pivoting (a and rhs are used up);
    None when a is singular."""
    size = len(rhs)
    rows = [row + [value] for row, value in zip(a, rhs, strict=True)]
    for k in range(size):
        pivot = max(range(k, size), key=lambda i: abs(rows[i][k]))
        if abs(rows[pivot][k]) < 1e-12:
            return None
        rows[k], rows[pivot] = rows[pivot], rows[k]
        top = rows[k]
        for i in range(k + 1, size):
            factor = rows[i][k] / top[k]
            if factor:
                rows[i] = [x - factor * y for x, y in zip(rows[i], top, strict=True)]
    x = [0.0] * size
    for k in range(size - 1, -1, -1):
        row = rows[k]
        x[k] = (row[size] - math.fsum(row[j] * x[j] for j in range(k + 1, size))) / row[k]
    return x


class _Tally:
    """The counts every figure comes from, portfolio by portfolio: each factor's ordered pairs
    of steps (both orders, by the number of reads of the portfolio), each scorer's pairs (own
    step, other step) over every factor, each scorer's summed difference from the others per
    factor (in steps), and each read's difference from the others (points, when) and who the
    others were, with the weight each has in "the mean of the others" (1 / (m - 1)).
    Portfolios read twice, nearly all, are counted column by column when closed."""

    def __init__(self, n_factors: int, whole: Sequence[int], unit: int) -> None:
        self.factors = range(n_factors)
        self.whole = whole
        self.scale = unit * n_factors  # whole steps summed over the factors -> mean points
        self.factor_pairs: list[dict[int, Counter[tuple[int, int]]]] = [{} for _ in self.factors]
        self.mine: dict[str, Counter[tuple[int, int]]] = defaultdict(Counter)
        self.shift: dict[str, list[float]] = defaultdict(lambda: [0.0] * n_factors)
        self.differences: dict[str, list[tuple[float, datetime | None]]] = defaultdict(list)
        self.partners: dict[str, list[tuple[tuple[str, ...], float]]] = defaultdict(list)
        self.twice: tuple[list[tuple[int, ...]], ...] = ([], [])
        self.twice_by: tuple[list[str], ...] = ([], [])

    def add(
        self, group: Sequence[ScoredRead], steps: Sequence[tuple[int, ...]], totals: list[int]
    ) -> None:
        m = len(group)
        if m == 2:
            one, two = group
            for side in (0, 1):
                self.twice[side].append(steps[side])
                self.twice_by[side].append(group[side].scorer_id)
            gap = (totals[0] - totals[1]) / self.scale
            self.differences[one.scorer_id].append((gap, one.at))
            self.differences[two.scorer_id].append((-gap, two.at))
            self.partners[one.scorer_id].append(((two.scorer_id,), 1.0))
            self.partners[two.scorer_id].append(((one.scorer_id,), 1.0))
            return
        everyone = sum(totals)
        whole = self.whole
        for i, read in enumerate(group):
            own = steps[i]
            mine, shift = self.mine[read.scorer_id], self.shift[read.scorer_id]
            for j, other in enumerate(steps):
                if i != j:
                    mine.update(zip(own, other, strict=True))
                    for f in self.factors:
                        pairs = self.factor_pairs[f].setdefault(m, Counter())
                        pairs[(own[f], other[f])] += 1
                        shift[f] += (whole[own[f]] - whole[other[f]]) / (m - 1)
            # Own - mean of the others = (m * own - sum) / (m - 1), over the factors.
            self.differences[read.scorer_id].append(
                ((m * totals[i] - everyone) / ((m - 1) * self.scale), read.at)
            )
            self.partners[read.scorer_id].append(
                (tuple(r.scorer_id for r in group if r is not read), 1 / (m - 1))
            )

    def close(self) -> None:
        """Count the portfolios read twice, a column (a factor) at a time."""
        first, second = self.twice
        if not first:
            return
        by_first, by_second = self.twice_by
        first_columns = list(zip(*first, strict=True))
        second_columns = list(zip(*second, strict=True))
        whole = self.whole.__getitem__
        for f in self.factors:
            ones, twos = first_columns[f], second_columns[f]
            pairs = self.factor_pairs[f].setdefault(2, Counter())
            pairs.update(zip(ones, twos, strict=True))
            pairs.update(zip(twos, ones, strict=True))
            gaps = list(map(sub, map(whole, ones), map(whole, twos)))
            by_gap = Counter(zip(by_first, gaps, strict=True))
            by_gap.update(zip(by_second, map(neg, gaps), strict=True))
            for (scorer_id, gap), n in by_gap.items():
                self.shift[scorer_id][f] += gap * n
        everyone_first = list(chain.from_iterable(first_columns))
        everyone_second = list(chain.from_iterable(second_columns))
        owners_first = by_first * len(self.factors)
        owners_second = by_second * len(self.factors)
        pooled = Counter(zip(owners_first, everyone_first, everyone_second, strict=True))
        pooled.update(zip(owners_second, everyone_second, everyone_first, strict=True))
        for (scorer_id, a, b), n in pooled.items():
            self.mine[scorer_id][(a, b)] += n


def _as_tuple(got: object, n: int) -> tuple[Fraction, ...]:
    """itemgetter gives the value itself for one key, a tuple for more."""
    return (got,) if n == 1 else got  # type: ignore[return-value]


class _Weeks:
    """ISO week and Monday of a moment, computed once per moment seen (reads share a few:
    the times of the files that brought them)."""

    def __init__(self) -> None:
        self._by_moment: dict[datetime, tuple[str, date]] = {}

    def of(self, moment: datetime) -> tuple[str, date]:
        found = self._by_moment.get(moment)
        if found is None:
            found = self._by_moment[moment] = iso_week(moment)
        return found


def _figures(
    by_size: Mapping[int, Counter[tuple[int, int]]],
    whole: Sequence[int],
    level_of: Sequence[int],
    *,
    symmetric: bool,
) -> PairFigures:
    """The four figures from ordered pair counts of scale steps (by the size of the unit they
    come from). Kappa and alpha are taken on the scores in whole steps of the scale (`whole`):
    neither changes when every value is scaled alike.

    `symmetric`: the counts hold each pair in both orders (cohort and factors), so the number
    of read pairs is half the count; otherwise each count is one pair (a scorer's)."""
    ordered: Counter[tuple[int, int]] = Counter()
    for counter in by_size.values():
        ordered.update(counter)
    count = sum(ordered.values())
    if count == 0:
        return PairFigures(0, None, None, None, None)
    same = sum(n for (a, b), n in ordered.items() if a == b)
    same_level = sum(n for (a, b), n in ordered.items() if level_of[a] == level_of[b])
    by_value = {(whole[a], whole[b]): n for (a, b), n in ordered.items()}
    # Alpha's coincidences weigh a pair from a unit of m reads 1 / (m - 1): in whole numbers,
    # times the common multiple of the (m - 1), which alpha is told.
    common = math.lcm(*(size - 1 for size in by_size)) if symmetric else 1
    coincidence: dict[tuple[int, int], int] = defaultdict(int)
    if symmetric:
        for size, counter in by_size.items():
            weight = common // (size - 1)
            for (a, b), n in counter.items():
                coincidence[(whole[a], whole[b])] += n * weight
    else:
        # A scorer's pairs, each a unit of two values: both orders, weight 1.
        for (a, b), n in ordered.items():
            coincidence[(whole[a], whole[b])] += n
            coincidence[(whole[b], whole[a])] += n
    return PairFigures(
        pairs=count // 2 if symmetric else count,
        exact=Fraction(same, count),
        adjacent=Fraction(same_level, count),
        kappa=quadratic_weighted_kappa(by_value),
        alpha=alpha_from_coincidences(coincidence, "ordinal", scale=common),
    )


class _Stepper:
    """score -> its position on the scale. A cohort's reads share a few score objects and a
    Fraction hashes slowly, so each object is looked up once by identity (the memo keeps it
    alive, so its id is never reused); a score off the scale raises ValueError."""

    def __init__(self, scale: Scale) -> None:
        self._step_of = {v.value: i for i, v in enumerate(scale.values)}
        self._by_id: dict[int, int] = {}
        self._kept: list[Fraction] = []

    def __call__(self, score: Fraction) -> int:
        found = self._by_id.get(id(score))
        if found is None:
            found = self._step_of.get(score)
            if found is None:
                raise ValueError(f"{score} is not a single-read score on the scale")
            self._by_id[id(score)] = found
            self._kept.append(score)
        return found

    def row(self, scores: tuple[Fraction, ...]) -> tuple[int, ...]:
        got = tuple(map(self._by_id.get, map(id, scores)))
        return got if None not in got else tuple(self(x) for x in scores)  # type: ignore[return-value]


def _drift(
    diffs: Sequence[tuple[float, datetime | None]], weeks_of: _Weeks, slope: Estimate | None
) -> Drift:
    """The scorer's mean difference from the others per week (as measured), and `slope`."""
    weeks: dict[tuple[str, date], list[float]] = defaultdict(list)
    undated = 0
    for d, at in diffs:
        if at is None:
            undated += 1
            continue
        weeks[weeks_of.of(at)].append(d)
    return Drift(
        weeks=tuple(
            WeekSeverity(label, monday, len(values), math.fsum(values) / len(values))
            for (label, monday), values in sorted(weeks.items(), key=lambda kv: kv[0][1])
        ),
        slope=slope,
        undated=undated,
    )
