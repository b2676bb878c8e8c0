"""The statistics under the agreement figures, against published worked examples and by hand.

Sources (the figures are printed there to the digits checked here):

- Krippendorff, K. (2011). "Computing Krippendorff's Alpha-Reliability." Annenberg School for
  Communication, University of Pennsylvania, Departmental Papers (ASC) 43,
  https://repository.upenn.edu/asc_papers/43 . Section C, the 4 observers x 12 units
  reliability data matrix with missing values: nominal alpha 0.743, ordinal 0.815,
  interval 0.849, ratio 0.797.
- Wikipedia, "Krippendorff's alpha", section "A computational example": 3 coders x 15 units,
  nominal alpha 0.691, interval 0.811.
- Maplesoft, Maple help page EssayTools[QuadraticWeightedKappa], examples 1 and 2:
  0.758620689655172 and 0.438095238095238.
- Student's t, two-sided 95% critical values as printed in every t table (for example
  NIST/SEMATECH e-Handbook of Statistical Methods, 1.3.6.7.2): 12.706 (1 df), 4.303 (2),
  2.228 (10), 2.042 (30), 1.960 (infinite); 99% two-sided: 4.032 (5).
"""

from __future__ import annotations

import math
from fractions import Fraction

import pytest

from icg_desk.scoring.stats import (
    krippendorff_alpha,
    mean_interval,
    quadratic_weighted_kappa,
    slope_interval,
    t_cdf,
    t_quantile,
)

# Krippendorff (2011), C: observers A-D (rows) x units 1-12 (columns); None = missing.
_ = None
KRIPPENDORFF_2011 = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, _, _, _],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, _, 3],
    [_, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, _],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, _],
]
# Wikipedia's computational example: coders (rows) x units 1-15.
WIKIPEDIA = [
    [_, _, _, _, _, 3, 4, 1, 2, 1, 1, 3, 3, _, 3],
    [1, _, 2, 1, 3, 3, 4, 3, _, _, _, _, _, _, _],
    [_, _, 2, 1, 3, 4, 4, _, 2, 1, 1, 3, 3, _, 4],
]


def _units(matrix: list[list[int | None]]) -> list[list[int]]:
    return [[v for v in column if v is not None] for column in zip(*matrix, strict=True)]


@pytest.mark.parametrize(
    ("metric", "printed"),
    [("nominal", "0.743"), ("ordinal", "0.815"), ("interval", "0.849"), ("ratio", "0.797")],
)
def test_alpha_matches_krippendorff_2011(metric: str, printed: str) -> None:
    alpha = krippendorff_alpha(_units(KRIPPENDORFF_2011), metric)  # type: ignore[arg-type]
    assert alpha is not None
    assert f"{float(alpha):.3f}" == printed


@pytest.mark.parametrize(("metric", "printed"), [("nominal", "0.691"), ("interval", "0.811")])
def test_alpha_matches_the_wikipedia_example(metric: str, printed: str) -> None:
    alpha = krippendorff_alpha(_units(WIKIPEDIA), metric)  # type: ignore[arg-type]
    assert alpha is not None
    assert f"{float(alpha):.3f}" == printed


def test_alpha_by_hand() -> None:
    # Two coders who always agree: 1. Who always swap two values: o = {(1,2): 2, (2,1): 2},
    # n = 4, n_1 = n_2 = 2; nominal alpha = 1 - (n - 1) * 4 / (2 * 2 * 2) = -0.5.
    assert krippendorff_alpha([[1, 1], [2, 2]], "nominal") == 1
    assert krippendorff_alpha([[1, 2], [2, 1]], "nominal") == Fraction(-1, 2)
    # Ordinal with three values 1, 2, 3 once each in pairs (1,2), (2,3), (1,3)... by hand:
    # n_1 = 2, n_2 = 2, n_3 = 2; d(1,2) = (2+2 - 2)^2 = 4, d(2,3) = 4, d(1,3) = (6 - 2)^2 = 16.
    # Observed: 2 * (4 + 4 + 16) = 48; expected: 2 * (2*2*4 + 2*2*4 + 2*2*16) = 192.
    assert krippendorff_alpha([[1, 2], [2, 3], [1, 3]], "ordinal") == 1 - Fraction(5 * 48, 192)
    # A unit with one value is not pairable; all the same value: no expected disagreement.
    assert krippendorff_alpha([[1], [2], [3]], "ordinal") is None
    assert krippendorff_alpha([[2, 2], [2, 2]], "interval") is None


def test_ordinal_alpha_depends_only_on_the_order() -> None:
    units = _units(KRIPPENDORFF_2011)
    stretched = [[v**3 + 10 for v in unit] for unit in units]
    assert krippendorff_alpha(units, "ordinal") == krippendorff_alpha(stretched, "ordinal")
    assert krippendorff_alpha(units, "interval") != krippendorff_alpha(stretched, "interval")


def _pairs(first: list[int], second: list[int]) -> dict[tuple[int, int], int]:
    counts: dict[tuple[int, int], int] = {}
    for pair in zip(first, second, strict=True):
        counts[pair] = counts.get(pair, 0) + 1
    return counts


def test_qwk_matches_the_maple_examples() -> None:
    essays = [9, 7, 8, 7, 6, 8, 3, 5, 10]
    one = quadratic_weighted_kappa(_pairs(essays, [8, 8, 6, 6, 7, 6, 1, 4, 8]))
    two = quadratic_weighted_kappa(_pairs(essays, [3, 5, 6, 6, 7, 6, 1, 4, 8]))
    assert one is not None
    assert two is not None
    assert f"{float(one):.15f}" == "0.758620689655172"
    assert f"{float(two):.15f}" == "0.438095238095238"
    assert (one, two) == (Fraction(22, 29), Fraction(46, 105))


def test_qwk_by_hand() -> None:
    # The textbook form with the 3x3 table of (1,1), (2,3), (3,2), (3,3): weights (i-j)^2,
    # O = [[1,0,0],[0,0,1],[0,1,1]], margins rows (1,1,2), columns (1,1,2), n = 4.
    # sum w O = 1 + 1 = 2; sum w E = sum_ij r_i c_j (i-j)^2 / 4 = (1*1*1 + 1*2*4 + 1*1*1 +
    # 1*2*1 + 2*1*4 + 2*1*1) / 4 = 22 / 4; kappa = 1 - 2 / 5.5 = 7/11.
    assert quadratic_weighted_kappa(_pairs([1, 2, 3, 3], [1, 3, 2, 3])) == Fraction(7, 11)
    assert quadratic_weighted_kappa(_pairs([1, 2, 3], [1, 2, 3])) == 1
    assert quadratic_weighted_kappa(_pairs([1, 2], [2, 1])) == -1
    assert quadratic_weighted_kappa({}) is None
    assert quadratic_weighted_kappa(_pairs([2, 2], [2, 2])) is None
    # Shifting and scaling every value alike changes nothing (the app uses quarter steps).
    quarters = _pairs([4 * v + 3 for v in [1, 2, 3, 3]], [4 * v + 3 for v in [1, 3, 2, 3]])
    assert quadratic_weighted_kappa(quarters) == Fraction(7, 11)


@pytest.mark.parametrize(
    ("p", "df", "printed"),
    [
        (0.975, 1, "12.706"),
        (0.975, 2, "4.303"),
        (0.975, 10, "2.228"),
        (0.975, 30, "2.042"),
        (0.975, 1e9, "1.960"),
        (0.995, 5, "4.032"),
    ],
)
def test_t_quantiles_match_the_tables(p: float, df: float, printed: str) -> None:
    assert f"{t_quantile(p, df):.3f}" == printed
    assert t_cdf(t_quantile(p, df), df) == pytest.approx(p, abs=1e-9)
    assert t_quantile(1 - p, df) == pytest.approx(-t_quantile(p, df))


def test_t_cdf_by_hand() -> None:
    # With 1 df, t is Cauchy: P(T <= t) = 1/2 + atan(t) / pi.
    for t in (-3.0, -0.5, 0.0, 0.7, 12.0):
        assert t_cdf(t, 1) == pytest.approx(0.5 + math.atan(t) / math.pi, abs=1e-13)
    # With 2 df: P(T <= t) = 1/2 + t / (2 sqrt(2 + t^2)).
    for t in (-2.0, 0.3, 5.0):
        assert t_cdf(t, 2) == pytest.approx(0.5 + t / (2 * math.sqrt(2 + t * t)), abs=1e-13)


def test_mean_interval_by_hand() -> None:
    # 1, 2, 3: mean 2, s = 1, n = 3: 2 +- 4.303 / sqrt(3).
    found = mean_interval([1.0, 2.0, 3.0])
    assert found is not None
    assert found.value == 2.0
    half = t_quantile(0.975, 2) / math.sqrt(3)
    assert (found.low, found.high) == (pytest.approx(2 - half), pytest.approx(2 + half))
    assert f"{half:.3f}" == "2.484"
    assert not found.excludes_zero
    one = mean_interval([0.4])
    assert one is not None
    assert (one.value, one.low, one.high) == (0.4, None, None)
    assert mean_interval([]) is None


def test_slope_interval_by_hand() -> None:
    exact = slope_interval([0.0, 1.0, 2.0, 3.0], [1.0, 1.5, 2.0, 2.5])
    assert exact is not None
    assert (exact.value, exact.low, exact.high) == (
        pytest.approx(0.5),
        pytest.approx(0.5),
        pytest.approx(0.5),
    )
    # y = 0, 1, 0, 1 on x = 0..3: sxy = 1, sxx = 5, slope 0.2, intercept 0.2; residuals
    # -0.2, 0.6, -0.6, 0.2, SSE = 0.8: se = sqrt(0.8 / 2 / 5), with 2 df.
    noisy = slope_interval([0.0, 1.0, 2.0, 3.0], [0.0, 1.0, 0.0, 1.0])
    assert noisy is not None
    assert noisy.value == pytest.approx(0.2)
    half = t_quantile(0.975, 2) * math.sqrt(0.8 / 2 / 5)
    assert noisy.high == pytest.approx(0.2 + half)
    assert slope_interval([1.0, 1.0], [0.0, 2.0]) is None  # one week: no slope


def _alpha_by_definition(units: list[list[int]], metric: str) -> Fraction | None:
    """Krippendorff's alpha straight from its definition: disagreement over the pairs of
    values within units (each weighted 1 / (m_u - 1)) against over all pairs of pairable
    values, with no coincidence matrix."""
    pairable = [u for u in units if len(u) > 1]
    values = [v for u in pairable for v in u]
    n = len(values)
    freq = {v: values.count(v) for v in set(values)}
    order = sorted(freq)

    def delta(c: int, k: int) -> Fraction:
        if metric == "nominal":
            return Fraction(c != k)
        if metric == "interval":
            return Fraction((c - k) ** 2)
        lo, hi = sorted((order.index(c), order.index(k)))
        between = sum(freq[g] for g in order[lo : hi + 1])
        return (between - Fraction(freq[c] + freq[k], 2)) ** 2

    observed = (
        sum(
            (
                Fraction(
                    sum(delta(u[i], u[j]) for i in range(len(u)) for j in range(len(u)) if i != j)
                )
                / (len(u) - 1)
                for u in pairable
            ),
            Fraction(0),
        )
        / n
    )
    expected = sum(
        (delta(values[p], values[q]) for p in range(n) for q in range(n) if p != q), Fraction(0)
    ) / (n * (n - 1))
    return None if expected == 0 else 1 - observed / expected


@pytest.mark.parametrize("metric", ["nominal", "ordinal", "interval"])
def test_alpha_equals_its_definition_on_every_small_data_set(metric: str) -> None:
    """Every way two coders can code three units with the values 1, 2, 3 (729), and every way
    three coders can code two units (729): the coincidence-matrix computation equals the
    definition exactly."""
    from itertools import product

    for codes in product((1, 2, 3), repeat=6):
        for units in (
            [list(codes[0:2]), list(codes[2:4]), list(codes[4:6])],
            [list(codes[0:3]), list(codes[3:6])],
        ):
            assert krippendorff_alpha(units, metric) == _alpha_by_definition(units, metric)  # type: ignore[arg-type]


def test_qwk_equals_the_textbook_table_form_on_every_small_data_set() -> None:
    """Every pair of ratings of four items on 1..3 (6,561): the closed form equals
    1 - sum(w O) / sum(w E) with the K x K table, E the product of the margins."""
    from itertools import product

    for codes in product((1, 2, 3), repeat=8):
        first, second = codes[:4], codes[4:]
        table = [
            [
                sum(1 for a, b in zip(first, second, strict=True) if (a, b) == (i, j))
                for j in (1, 2, 3)
            ]
            for i in (1, 2, 3)
        ]
        rows = [sum(r) for r in table]
        cols = [sum(table[i][j] for i in range(3)) for j in range(3)]
        w_o = sum(table[i][j] * (i - j) ** 2 for i in range(3) for j in range(3))
        w_e = sum(Fraction(rows[i] * cols[j], 4) * (i - j) ** 2 for i in range(3) for j in range(3))
        expected = None if w_e == 0 else 1 - w_o / w_e
        assert quadratic_weighted_kappa(_pairs(list(first), list(second))) == expected
