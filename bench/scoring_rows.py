"""`calc` over many score vectors, against a bare Fraction loop doing the same arithmetic."""

from __future__ import annotations

import random
from fractions import Fraction

from bench.harness import Row, median_seconds
from icg_desk.models.rubric_file import builtin_rubric
from icg_desk.scoring import decide

VECTORS = 100_000


def rows() -> list[Row]:
    rubric = builtin_rubric()
    values = [v.value for v in rubric.scale.values]
    rng = random.Random(7)
    vectors = [
        dict(zip(rubric.factor_keys, rng.choices(values, k=7), strict=True)) for _ in range(VECTORS)
    ]
    cert, floor = Fraction(11, 4), Fraction(7, 4)

    def ours() -> None:
        for v in vectors:
            decide(rubric, v)

    def bare() -> None:
        # The rule alone: the overall and the two comparisons, nothing else.
        for v in vectors:
            scores = list(v.values())
            overall = sum(scores, Fraction(0)) / 7
            _ = overall >= cert and min(scores) >= floor

    return [
        Row(
            f"calc: decide() x {VECTORS:,}",
            median_seconds(ours),
            median_seconds(bare),
            "s",
            "bare Fraction sum/7 and threshold loop",
        ),
    ]
