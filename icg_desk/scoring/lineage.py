"""Which copy of a portfolio's read is newer, decided by the data, not by clocks.

Every change a scorer makes to a portfolio (a score, a rationale, a look-for, evidence, its
status) raises the portfolio's revision by one and moves its lineage: an identity of the version
that revision is, chained from the one before,

    lineage_n = sha256("icg-desk-lineage/1" LF lineage_{n-1} LF n LF factor LF field LF old LF new)

starting from a base made of the batch id, the scorer id and the candidate code (so the
coordinator's cohort knows it without the file). The batch's history (change_log) records the
revision and lineage after each change, so a later copy of a batch proves it descends from an
earlier one: its history holds the earlier copy's lineage. Two copies edited apart hold
different lineages at their last revision, and neither's history holds the other's: a conflict.
Clocks are never consulted.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

LINEAGE_RECIPE = "icg-desk-lineage/1"
BASE_RECIPE = "icg-desk-base/1"

# What a returned copy of a read is to the version merged before it.
SAME, DESCENDS, OLDER, CONFLICT = "same", "descends", "older", "conflict"


def base_lineage(batch_id: str, scorer_id: str, candidate_code: str) -> str:
    """The lineage of a portfolio as the coordinator sent it (revision 0)."""
    text = f"{BASE_RECIPE}\n{batch_id}\n{scorer_id}\n{candidate_code}\n"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def next_lineage(
    previous: str,
    revision: int,
    factor_key: str | None,
    field: str,
    old: str | None,
    new: str | None,
) -> str:
    """The lineage after one change, which makes `revision` (the one before plus one)."""
    parts = (LINEAGE_RECIPE, previous, str(revision), factor_key or "", field, _v(old), _v(new))
    return hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()


def _v(value: str | None) -> str:
    # None and "" are told apart: a score taken back is not an empty rationale.
    return "\x00" if value is None else "=" + value


@dataclass(frozen=True)
class Version:
    """One copy's version of a portfolio's read: its revision, its lineage, and the lineages
    of every revision before it that its history holds (the base is implied)."""

    revision: int
    lineage: str
    history: frozenset[str] = frozenset()

    def holds(self, lineage: str) -> bool:
        return lineage == self.lineage or lineage in self.history


def relation(merged: Version, returned: Version, base: str) -> str:
    """What `returned` is to `merged`: the same version, one that descends from it (apply),
    an older copy (ignore), or a copy edited apart from it (a conflict)."""
    if returned.lineage == merged.lineage:
        return SAME
    if merged.lineage == base or returned.holds(merged.lineage):
        return DESCENDS
    if returned.lineage == base or merged.holds(returned.lineage):
        return OLDER
    return CONFLICT
