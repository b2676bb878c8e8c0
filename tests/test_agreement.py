"""The agreement figures of a set of reads (scoring/agreement.py): by hand, against the general
statistics, and on noise-free cohorts whose severities and drifts are known exactly."""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from itertools import combinations

import pytest

from icg_desk.models.rubric_file import builtin_rubric
from icg_desk.scoring.agreement import ScoredRead, agreement, iso_week
from icg_desk.scoring.stats import krippendorff_alpha, quadratic_weighted_kappa, t_quantile

SCALE = builtin_rubric().scale
KEYS = ("a", "b")


def _read(scorer: str, portfolio: str, a: str, b: str, at: datetime | None = None) -> ScoredRead:
    return ScoredRead(scorer, portfolio, {"a": SCALE.parse(a), "b": SCALE.parse(b)}, at)


HAND = [
    _read("A", "P1", "3", "3+"),
    _read("B", "P1", "3", "3-"),
    _read("A", "P2", "2", "4"),
    _read("B", "P2", "2+", "3+"),
    _read("A", "P3", "1", "1"),
    _read("B", "P3", "1", "2-"),
    _read("A", "P4", "2", "2"),  # read once: counted as a read, compared with nothing
]


def test_agreement_by_hand() -> None:
    found = agreement(HAND, KEYS, SCALE)
    assert (found.reads, found.portfolios_compared) == (7, 3)
    a, b = found.factors["a"], found.factors["b"]
    # a: (3, 3) exact; (2, 2+) the same level; (1, 1) exact.
    assert (a.pairs, a.exact, a.adjacent) == (3, Fraction(2, 3), Fraction(1))
    # b: (3+, 3-) the same level; (4, 3+) and (1, 2-) neither (2- is level 2).
    assert (b.pairs, b.exact, b.adjacent) == (3, Fraction(0), Fraction(1, 3))
    assert (found.cohort.pairs, found.cohort.exact, found.cohort.adjacent) == (
        6,
        Fraction(1, 3),
        Fraction(2, 3),
    )
    # Kappa of factor a, each pair both ways: values 3, 2, 1, 3, 2.25, 1 (mean 49/24);
    # mean squared difference (0 + 1/16 + 0) * 2 / 6 = 1/48; kappa = 1 - (1/48) / (2 var).
    values = [Fraction(v) for v in ("3", "2", "1", "3", "2.25", "1")]
    mean = sum(values) / 6
    var = sum((v - mean) ** 2 for v in values) / 6
    assert a.kappa == 1 - Fraction(1, 48) / (2 * var)

    scorer_a = found.scorer("A")
    assert (scorer_a.reads, scorer_a.compared, scorer_a.figures.pairs) == (4, 3, 6)
    assert scorer_a.figures.exact == Fraction(2, 6)
    # A's reads: P1 (0 + 0.50) / 2, P2 (-0.25 + 0.75) / 2, P3 (0 - 0.75) / 2.
    diffs = [0.25, 0.25, -0.375]
    sev = scorer_a.severity
    assert sev is not None
    assert sev.value == pytest.approx(sum(diffs) / 3)
    # Two scorers with an interval: each at 1 - 0.05 / 2 (simultaneous), 2 degrees of freedom.
    sd = math.sqrt(sum((d - sum(diffs) / 3) ** 2 for d in diffs) / 2)
    half = t_quantile(1 - 0.025 / 2, 2) * sd / math.sqrt(3)
    assert (sev.low, sev.high) == (
        pytest.approx(sum(diffs) / 3 - half),
        pytest.approx(sum(diffs) / 3 + half),
    )
    assert scorer_a.severity_by_factor == {
        "a": pytest.approx(-0.25 / 3),
        "b": pytest.approx(0.5 / 3),
    }
    scorer_b = found.scorer("B")
    assert scorer_b.severity is not None
    assert scorer_b.severity.value == pytest.approx(-sev.value)
    # Two scorers: each is half the gap from the median (their midpoint).
    assert scorer_a.adjusted is not None
    assert scorer_a.adjusted.value == pytest.approx(sev.value / 2)
    # No times: no drift, every compared read undated.
    assert scorer_a.drift.slope is None
    assert scorer_a.drift.undated == 3


def test_a_portfolio_read_three_times() -> None:
    reads = [
        ScoredRead("A", "P", {"a": Fraction(3)}),
        ScoredRead("B", "P", {"a": Fraction(3)}),
        ScoredRead("C", "P", {"a": Fraction(4)}),
    ]
    found = agreement(reads, ("a",), SCALE)
    # Three pairs: A-B exact, A-C and B-C different levels.
    assert (found.cohort.pairs, found.cohort.exact, found.cohort.adjacent) == (
        3,
        Fraction(1, 3),
        Fraction(1, 3),
    )
    # Own score minus the mean of the two others.
    assert found.scorer("A").severity.value == pytest.approx(-0.5)  # type: ignore[union-attr]
    assert found.scorer("C").severity.value == pytest.approx(1.0)  # type: ignore[union-attr]
    assert found.cohort.alpha == krippendorff_alpha([[3, 3, 4]], "ordinal")


def test_figures_equal_the_general_statistics_on_random_reads() -> None:
    rng = random.Random(7)
    values = [v.value for v in SCALE.values]
    scorers = ["S1", "S2", "S3", "S4", "S5"]
    reads = []
    for n in range(80):
        for s in rng.sample(scorers, rng.choice((1, 2, 2, 3))):
            reads.append(ScoredRead(s, f"P{n}", {k: rng.choice(values[3:9]) for k in KEYS}))
    found = agreement(reads, KEYS, SCALE)
    portfolios: dict[str, list[ScoredRead]] = {}
    for r in reads:
        portfolios.setdefault(r.portfolio, []).append(r)
    groups = [g for g in portfolios.values() if len(g) > 1]
    all_units = []
    for key in KEYS:
        units = [[r.scores[key] for r in g] for g in groups]
        all_units += units
        pairs = [(x, y) for u in units for x, y in combinations(u, 2)]
        both = {}
        for x, y in pairs + [(y, x) for x, y in pairs]:
            both[(x, y)] = both.get((x, y), 0) + 1
        figures = found.factors[key]
        assert figures.pairs == len(pairs)
        assert figures.exact == Fraction(sum(x == y for x, y in pairs), len(pairs))
        assert figures.adjacent == Fraction(
            sum(SCALE.level_of(x) == SCALE.level_of(y) for x, y in pairs), len(pairs)
        )
        assert figures.kappa == quadratic_weighted_kappa(both)
        assert figures.alpha == krippendorff_alpha(units, "ordinal")
    assert found.cohort.alpha == krippendorff_alpha(all_units, "ordinal")
    for s in scorers:
        own = {}
        for g in groups:
            mine = [r for r in g if r.scorer_id == s]
            for r in mine:
                for other in g:
                    if other is not r:
                        for key in KEYS:
                            pair = (r.scores[key], other.scores[key])
                            own[pair] = own.get(pair, 0) + 1
        assert found.scorer(s).figures.kappa == quadratic_weighted_kappa(own)
        assert found.scorer(s).reads == sum(1 for r in reads if r.scorer_id == s)


def _noise_free(
    bias: dict[str, str], drift: dict[str, list[str]] | None = None, base: str = "3-"
) -> list[ScoredRead]:
    """Six scorers in a ring (portfolio n read by scorers n and n + 1): each reads half their
    portfolios beside each neighbour. Every read is `base`, or the scorer's `bias` score, or
    in week w the scorer's `drift[w]`; 60 portfolios over 3 weeks."""
    scorers = [f"S-{i}" for i in range(1, 7)]
    start = datetime(2026, 6, 29, 10, tzinfo=UTC)
    reads = []
    for n in range(60):
        week = n * 3 // 60
        for s in (scorers[n % 6], scorers[(n + 1) % 6]):
            score = bias.get(s, base)
            if drift and s in drift:
                score = drift[s][week]
            reads.append(_read(s, f"P{n}", score, score, start + timedelta(days=7 * week + n % 5)))
    return reads


def test_a_severe_scorer_is_found_and_their_neighbours_are_not() -> None:
    found = agreement(_noise_free({"S-1": "3"}), KEYS, SCALE)  # 0.25 above everyone else
    plain = {s.scorer_id: s.severity.value for s in found.scorers}  # type: ignore[union-attr]
    # The plain figure: S-1 +0.25; its neighbours S-2 and S-6 read half their portfolios with
    # it, so they look 0.125 lenient; the others 0.
    assert plain == {
        "S-1": pytest.approx(0.25),
        "S-2": pytest.approx(-0.125),
        "S-3": pytest.approx(0),
        "S-4": pytest.approx(0),
        "S-5": pytest.approx(0),
        "S-6": pytest.approx(-0.125),
    }
    adjusted = {s.scorer_id: s.adjusted.value for s in found.scorers}  # type: ignore[union-attr]
    assert adjusted == {
        "S-1": pytest.approx(0.25),
        **{f"S-{i}": pytest.approx(0, abs=1e-9) for i in range(2, 7)},
    }
    assert [s.scorer_id for s in found.scorers if s.severe_or_lenient] == ["S-1"]
    assert not any(s.drift.drifting for s in found.scorers)


def test_a_drifting_scorer_is_found() -> None:
    # S-3 scores 3-, 3, 3+ in weeks 1, 2, 3: 0.25 a week more; everyone else 3-.
    found = agreement(_noise_free({}, {"S-3": ["3-", "3", "3+"]}), KEYS, SCALE)
    drifting = found.scorer("S-3").drift
    assert drifting.slope is not None
    assert drifting.slope.value == pytest.approx(0.25)
    assert drifting.drifting
    assert [w.week for w in drifting.weeks] == ["2026-W27", "2026-W28", "2026-W29"]
    assert [w.severity for w in drifting.weeks] == [
        pytest.approx(0),
        pytest.approx(0.25),
        pytest.approx(0.5),
    ]
    others = {s.scorer_id: s.drift.slope.value for s in found.scorers if s.scorer_id != "S-3"}  # type: ignore[union-attr]
    assert others == {s: pytest.approx(0, abs=1e-9) for s in others}
    assert [s.scorer_id for s in found.scorers if s.drift.drifting] == ["S-3"]


def test_iso_weeks() -> None:
    assert iso_week(datetime(2026, 6, 29, tzinfo=UTC)) == ("2026-W27", datetime(2026, 6, 29).date())
    assert iso_week(datetime(2027, 1, 1, 23, tzinfo=UTC))[0] == "2026-W53"


def test_a_score_off_the_scale_is_refused() -> None:
    reads = [
        ScoredRead("A", "P", {"a": Fraction(3)}),
        ScoredRead("B", "P", {"a": Fraction(5, 2)}),
    ]
    with pytest.raises(ValueError, match="not a single-read score"):
        agreement(reads, ("a",), SCALE)


def test_no_reads_no_figures() -> None:
    found = agreement([], KEYS, SCALE)
    assert (found.reads, found.cohort.pairs, found.cohort.exact, found.scorers) == (0, 0, None, ())
    assert found.as_json()["exact_agreement"] is None
