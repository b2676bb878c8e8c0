"""General statistics the agreement figures are made of: pure functions, no data of ours.

- `quadratic_weighted_kappa`: Cohen's kappa with quadratic weights, for two ratings of the same
  items, computed exactly (a Fraction) from the ratings' values.
- `krippendorff_alpha`: Krippendorff's alpha for any number of coders per unit and missing
  values, with the nominal, ordinal, interval and ratio difference functions, computed exactly
  from its coincidence matrix (Krippendorff 2011, "Computing Krippendorff's Alpha-Reliability").
- `t_quantile` and `mean_interval`: Student's t, for confidence intervals of a mean;
  `slope_interval`: the least-squares slope of y on x with its t-interval.

Why not a library: the `krippendorff` package on PyPI is GPL-3.0 (this app is proprietary and
ships as a bundle) and needs NumPy, which the app does not otherwise need (tens of MiB in the
installer); SciPy, for t, is far larger. The scale has a dozen values, so every figure here is a
small matrix over counts, and exact. The tests check each against published worked examples.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from typing import Literal

Metric = Literal["nominal", "ordinal", "interval", "ratio"]
# Differences smaller than this are float rounding, not a finding (scores are in quarters).
ROUNDING = 1e-9


def quadratic_weighted_kappa(
    pairs: Mapping[tuple[Fraction, Fraction], int] | Mapping[tuple[int, int], int],
) -> Fraction | None:
    """Cohen's quadratic weighted kappa of ordered pairs (first rating, second rating) -> count.

    Weights are squared differences of the values, so the figure is
    1 - mean((a - b)^2) / (var(a) + var(b) + (mean(a) - mean(b))^2), which is the textbook
    1 - sum(w O) / sum(w E) with E the product of the margins (population variances). With
    values 1..K this is the usual QWK on categories; it does not change when every value is
    shifted or scaled alike, so whole steps of the scale give the same figure as the scores.
    None when there is nothing to compare against (no pairs, or both ratings constant and
    equal: the expected disagreement is 0).
    """
    n = 0
    sum_a: Fraction | int = 0
    sum_b: Fraction | int = 0
    sum_aa: Fraction | int = 0
    sum_bb: Fraction | int = 0
    observed: Fraction | int = 0
    for (a, b), count in pairs.items():
        n += count
        sum_a += a * count
        sum_b += b * count
        sum_aa += a * a * count
        sum_bb += b * b * count
        observed += (a - b) * (a - b) * count
    if n == 0:
        return None
    # Both sides times n^2: whole numbers stay whole.
    expected = n * sum_aa - sum_a * sum_a + n * sum_bb - sum_b * sum_b + (sum_a - sum_b) ** 2
    if expected == 0:
        return None
    return 1 - Fraction(n * observed) / expected


def _coincidence_matrix(
    units: Iterable[Sequence[Hashable]],
) -> dict[tuple[Hashable, Hashable], Fraction]:
    """(c, k) -> o_ck: each ordered pair of values of different coders in a unit of m_u
    pairable values counts 1/(m_u - 1). Units with fewer than two values are left out."""
    by_size: dict[int, Counter[tuple[Hashable, Hashable]]] = {}
    for values in units:
        m = len(values)
        if m < 2:
            continue
        counter = by_size.setdefault(m, Counter())
        if m == 2:
            a, b = values
            counter[(a, b)] += 1
            counter[(b, a)] += 1
        else:
            for i, a in enumerate(values):
                for j, b in enumerate(values):
                    if i != j:
                        counter[(a, b)] += 1
    matrix: dict[tuple[Hashable, Hashable], Fraction] = {}
    for m, counter in by_size.items():
        weight = Fraction(1, m - 1)
        for pair, count in counter.items():
            matrix[pair] = matrix.get(pair, Fraction(0)) + count * weight
    return matrix


def alpha_from_coincidences(
    matrix: Mapping[tuple[Fraction, Fraction], Fraction | int]
    | Mapping[tuple[int, int], Fraction | int],
    metric: Metric = "ordinal",
    *,
    scale: int = 1,
) -> Fraction | None:
    """Krippendorff's alpha = 1 - (n - 1) * sum(o_ck d2_ck) / sum(n_c n_k d2_ck).

    `matrix` is the coincidence matrix (c, k) -> o_ck over numeric values, times `scale` if
    the caller made its entries whole that way. Computed in whole numbers: o is multiplied by
    the common denominator L of its entries (then n becomes nL and n - 1 becomes nL - L; the
    ordinal differences are taken times 2, the factors cancel). None when there is nothing
    pairable or no expected disagreement (every value the same)."""
    common = math.lcm(*(o.denominator for o in matrix.values()))
    counts = {pair: int(o * common) for pair, o in matrix.items()}
    scale *= common
    totals: dict[Fraction | int, int] = {}
    for (c, _k), o in counts.items():
        totals[c] = totals.get(c, 0) + o
    n = sum(totals.values())
    if n <= scale:  # fewer than two pairable values
        return None
    values = sorted(totals)
    delta = _distances(values, totals, metric)
    observed = sum(o * delta[pair] for pair, o in counts.items())
    expected = sum(totals[c] * totals[k] * delta[(c, k)] for c in values for k in values)
    if expected == 0:
        return None
    return 1 - Fraction((n - scale) * observed) / expected


def _distances(
    values: Sequence[Fraction | int], totals: Mapping[Fraction | int, int], metric: Metric
) -> dict[tuple[Fraction | int, Fraction | int], Fraction | int]:
    """The difference function of each pair of values seen (Krippendorff 2011); the ordinal
    one times 4 (a constant factor cancels out of alpha)."""
    delta: dict[tuple[Fraction | int, Fraction | int], Fraction | int] = {}
    # Ordinal: the ranks between c and k, each value counted by how often it occurs, the two
    # ends by half: (sum_{g=c..k} n_g - (n_c + n_k) / 2)^2; here (2 sum - n_c - n_k)^2.
    cumulative = [0]
    for v in values:
        cumulative.append(cumulative[-1] + totals[v])
    for i, c in enumerate(values):
        for j, k in enumerate(values):
            d: Fraction | int
            if metric == "nominal":
                d = 0 if c == k else 1
            elif metric == "ordinal":
                lo, hi = min(i, j), max(i, j)
                d = (2 * (cumulative[hi + 1] - cumulative[lo]) - totals[c] - totals[k]) ** 2
            elif metric == "interval":
                d = (c - k) ** 2
            elif metric == "ratio":
                d = 0 if c + k == 0 else Fraction(c - k, 1) ** 2 / Fraction(c + k, 1) ** 2
            else:
                raise ValueError(f"unknown metric {metric!r}")
            delta[(c, k)] = d
    return delta


def krippendorff_alpha(
    units: Iterable[Sequence[Fraction | int]], metric: Metric = "ordinal"
) -> Fraction | None:
    """Krippendorff's alpha of reliability data given unit by unit: each unit is the values
    the coders gave it (missing values simply absent). Exact; None when undefined."""
    matrix = _coincidence_matrix([tuple(Fraction(v) for v in values) for values in units])
    return alpha_from_coincidences(matrix, metric)  # type: ignore[arg-type]


# --- Student's t -------------------------------------------------------------------------------


def _incomplete_beta(a: float, b: float, x: float) -> float:
    """The regularized incomplete beta function I_x(a, b), by its continued fraction (modified
    Lentz), as in Press et al., Numerical Recipes, 6.4 (betai and betacf)."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    if x > (a + 1.0) / (a + b + 2.0):  # the fraction converges fast on this side only
        return 1.0 - _incomplete_beta(b, a, 1.0 - x)
    front = math.exp(
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    )
    tiny, eps = 1e-300, 1e-15

    def step(value: float) -> float:
        return tiny if abs(value) < tiny else value

    c, d = 1.0, 1.0 / step(1.0 - (a + b) * x / (a + 1.0))
    h = d
    for m in range(1, 400):
        numerator = m * (b - m) * x / ((a - 1.0 + 2 * m) * (a + 2 * m))
        d = 1.0 / step(1.0 + numerator * d)
        c = step(1.0 + numerator / c)
        h *= d * c
        numerator = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 1.0 + 2 * m))
        d = 1.0 / step(1.0 + numerator * d)
        c = step(1.0 + numerator / c)
        h *= d * c
        if abs(d * c - 1.0) < eps:
            break
    return front * h / a


def t_cdf(t: float, df: float) -> float:
    """P(T <= t) for Student's t with `df` degrees of freedom."""
    tail = 0.5 * _incomplete_beta(df / 2.0, 0.5, df / (df + t * t))
    return 1.0 - tail if t >= 0 else tail


def t_pdf(t: float, df: float) -> float:
    log_c = math.lgamma((df + 1) / 2) - math.lgamma(df / 2) - 0.5 * math.log(df * math.pi)
    return math.exp(log_c - (df + 1) / 2 * math.log1p(t * t / df))


@lru_cache(maxsize=1024)
def t_quantile(p: float, df: float) -> float:
    """The t with P(T <= t) = p: Newton's method on `t_cdf`, kept inside a bracket that
    bisection narrows whenever a Newton step would leave it (to 1e-12)."""
    if not 0.0 < p < 1.0 or df <= 0:
        raise ValueError("p must be in (0, 1) and df positive")
    if p < 0.5:
        return -t_quantile(1.0 - p, df)
    lo, hi = 0.0, 1.0
    while t_cdf(hi, df) < p:
        lo, hi = hi, hi * 2.0
    t = (lo + hi) / 2.0
    for _ in range(200):
        gap = t_cdf(t, df) - p
        if gap < 0:
            lo = t
        else:
            hi = t
        step = gap / t_pdf(t, df)
        nxt = t - step
        if not lo < nxt < hi:
            nxt = (lo + hi) / 2.0
        if abs(nxt - t) < 1e-12:
            return nxt
        t = nxt
    return t


@dataclass(frozen=True)
class Estimate:
    """A mean (or slope) with its two-sided confidence interval; `low`/`high` are None when
    there are too few observations for one (fewer than 2 for a mean, 3 for a slope)."""

    value: float
    low: float | None
    high: float | None
    n: int

    @property
    def excludes_zero(self) -> bool:
        """The interval lies wholly above or below 0 (by more than rounding: an interval of
        data with no spread at all is its value, give or take the last bits of a float)."""
        if self.low is None or self.high is None:
            return False
        return self.low > ROUNDING or self.high < -ROUNDING


def mean_interval(values: Sequence[float], confidence: float = 0.95) -> Estimate | None:
    """The mean with its t-interval: mean +- t_{(1+c)/2, n-1} * s / sqrt(n). None when empty."""
    n = len(values)
    if n == 0:
        return None
    mean = math.fsum(values) / n
    if n < 2:
        return Estimate(mean, None, None, n)
    variance = math.fsum((v - mean) ** 2 for v in values) / (n - 1)
    half = t_quantile((1.0 + confidence) / 2.0, n - 1) * math.sqrt(variance / n)
    return Estimate(mean, mean - half, mean + half, n)


def slope_interval(
    xs: Sequence[float], ys: Sequence[float], confidence: float = 0.95
) -> Estimate | None:
    """The least-squares slope of ys on xs with its t-interval (n - 2 degrees of freedom).

    None when the xs do not vary (one week only): there is no slope to speak of."""
    n = len(xs)
    if n < 2:
        return None
    mean_x, mean_y = math.fsum(xs) / n, math.fsum(ys) / n
    sxx = math.fsum((x - mean_x) ** 2 for x in xs)
    if sxx == 0:
        return None
    sxy = math.fsum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True))
    slope = sxy / sxx
    if n < 3:
        return Estimate(slope, None, None, n)
    intercept = mean_y - slope * mean_x
    residual = math.fsum((y - intercept - slope * x) ** 2 for x, y in zip(xs, ys, strict=True))
    half = t_quantile((1.0 + confidence) / 2.0, n - 2) * math.sqrt(residual / (n - 2) / sxx)
    return Estimate(slope, slope - half, slope + half, n)
