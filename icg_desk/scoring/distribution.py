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
    # A cohort's reads share a dozen score objects (each stored text is parsed once), and a
    # Fraction's hash is computed anew at every lookup: each object is looked up once, then
    # known by its identity (kept alive beside it, so an id is never another object's).
    seen: dict[int, tuple[object, int | None]] = {}
    for read in scores:
        for key, row in counts.items():
            score = read.get(key)
            known = seen.get(id(score))
            if known is None or known[0] is not score:
                known = seen[id(score)] = (score, position.get(score))  # type: ignore[arg-type]
            at = known[1]
            if at is not None:
                row[at] += 1
    return {key: tuple(row) for key, row in counts.items()}
