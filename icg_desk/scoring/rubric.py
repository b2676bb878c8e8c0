"""The rubric as plain data: what is scored, on which scale, and under which policies.

Built by `icg_desk.models.rubric_file` from a rubric file; nothing here reads files.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from functools import cached_property

from icg_desk.scoring.calibration import QualifyingRule, ValidityRule
from icg_desk.scoring.links import LinkPolicy
from icg_desk.scoring.scale import Scale

__all__ = [
    "Entry",
    "Factor",
    "Level",
    "LinkPolicy",
    "QualifyingRule",
    "ReadPolicy",
    "RetakePolicy",
    "Rubric",
    "Thresholds",
]


@dataclass(frozen=True)
class Level:
    level: int
    short: str  # "Clear evidence"
    descriptor: str  # "Clear evidence is apparent."
    accomplished: bool


@dataclass(frozen=True)
class Thresholds:
    certification: Fraction  # the overall score needed
    factor_floor: Fraction  # no factor may be below this; one below it is retaken
    accomplished: Fraction  # factors below this are areas to strengthen


@dataclass(frozen=True)
class ReadPolicy:
    per_portfolio: int
    second_read_share: Fraction
    discrepancy: Fraction  # reads differing by more than this go to an adjudicator
    combine: str  # "mean"
    adjudication: str  # "adjudicator-replaces"
    flag_decision_disagreement: bool
    # Whether an adjudicator sees the earlier reads of the factors asked (optional in the file;
    # default: hidden, so the adjudication is a read of its own).
    adjudicator_sees_reads: bool = False


@dataclass(frozen=True)
class RetakePolicy:
    rule: str  # "higher" or "latest"


@dataclass(frozen=True)
class Entry:
    number: int
    title: str
    evidence: str
    max_words: int
    videos: int
    max_video_minutes: int


@dataclass(frozen=True)
class Factor:
    key: str
    name: str
    entry: int
    weight: Fraction
    rationale_required: bool
    standard: str
    look_fors: tuple[str, ...]


@dataclass(frozen=True)
class Rubric:
    edition: str
    title: str
    program: str
    description: str
    scale: Scale
    levels: tuple[Level, ...]
    thresholds: Thresholds
    reads: ReadPolicy
    retake: RetakePolicy
    links: LinkPolicy
    entries: tuple[Entry, ...]
    factors: tuple[Factor, ...]
    # [calibration]: how close a scorer's practice reads must come to the agreed scores before
    # the live portfolios unlock (optional in the file; scoring/calibration.py's default).
    calibration: QualifyingRule = field(default_factory=QualifyingRule)
    # [validity]: when the validity portfolios flag a scorer (optional in the file).
    validity: ValidityRule = field(default_factory=ValidityRule)
    # The file this was read from, kept so a batch can carry the very rubric it was scored on.
    source_text: str = field(default="", compare=False, repr=False)

    # Looked up on every decision: computed once. (cached_property writes the instance's
    # __dict__ directly, which a frozen dataclass allows; equality still compares fields only.)
    @cached_property
    def factor_keys(self) -> tuple[str, ...]:
        return tuple(f.key for f in self.factors)

    @cached_property
    def _factors_by_key(self) -> dict[str, Factor]:
        return {f.key: f for f in self.factors}

    @cached_property
    def weights(self) -> dict[str, Fraction]:
        return {f.key: f.weight for f in self.factors}

    @cached_property
    def equal_weights(self) -> bool:
        return len(set(self.weights.values())) <= 1

    def factor(self, key: str) -> Factor:
        try:
            return self._factors_by_key[key]
        except KeyError:
            raise KeyError(f"the rubric {self.edition!r} has no factor {key!r}") from None

    def entry(self, number: int) -> Entry:
        for e in self.entries:
            if e.number == number:
                return e
        raise KeyError(f"the rubric {self.edition!r} has no entry {number}")

    def factors_for_entry(self, number: int) -> tuple[Factor, ...]:
        return tuple(f for f in self.factors if f.entry == number)

    def level(self, number: int) -> Level:
        for lv in self.levels:
            if lv.level == number:
                return lv
        raise KeyError(f"the rubric {self.edition!r} has no level {number}")

    def level_text(self, value: Fraction) -> str:
        """ "3 - Clear evidence" for a factor score of 3.00 (or 2.75, or 3.25)."""
        lv = self.level(self.scale.level_of(value))
        return f"{lv.level} - {lv.short}"
