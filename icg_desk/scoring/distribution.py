"""How often each score of the scale was given, per factor: the distribution the coordinator's
agreement view and workbook chart (docs/agreement.md, "Where the figures appear")."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from fractions import Fraction

from icg_desk.scoring.scale import Scale


def score_distribution(
    scores: Iterable[Mapping[str, Fraction]], factor_keys: Sequence[str], scale: Scale
) -> dict[str, tuple[int, ...]]:
    """factor key -> how many of the reads gave each score of the scale, lowest score first.

    `scores` is one mapping per read (factor key -> score); a factor a read lacks, or a score
    off the scale, is not counted (the figures' own check refuses such a read first)."""
    position = {v.value: i for i, v in enumerate(scale.values)}
    counts = {key: [0] * len(position) for key in factor_keys}
    for read in scores:
        for key, row in counts.items():
            at = position.get(read.get(key))  # type: ignore[arg-type]
            if at is not None:
                row[at] += 1
    return {key: tuple(row) for key, row in counts.items()}
