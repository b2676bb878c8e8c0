"""The score scale: single reads are a level with an optional modifier (`3+` = 3.25).

Every value here is a `Fraction`: decisions are taken on exact values, and a mean of reads
(for example of three reads) is not always exact in binary or even in decimal floating point.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from fractions import Fraction
from functools import cached_property

# What a person types (the calculator, `icg-desk calc`): tolerant of trailing zeros ("3.250").
_DECIMAL_TEXT = re.compile(r"^[0-9]{1,3}(\.[0-9]{1,6})?$")
# The one grammar of a score a file supplies (a returned batch's reads, a summary workbook's cells
# and its scale): a decimal of at most three whole digits and two places, judged as text before
# any number is built. Decimal and Fraction take "Infinity", "NaN" and "1e999999999", whose
# Fraction is a billion-digit integer that takes minutes to build; none of them gets that far.
_FILE_DECIMAL = re.compile(r"[0-9]{1,3}(?:\.[0-9]{1,2})?")
_QUOTED_MAX = 24  # characters of an unreadable value a message quotes
_HUNDREDTH = Decimal("0.01")


class ScoreError(ValueError):
    """A score a person typed, or a file holds, that is not on the scale; the message says
    what is wrong with it."""


def quoted(text: object) -> str:
    """A value as a message quotes it: its repr, cut short when long (a cell can hold 32,767
    characters, a batch's score any text at all) with its length said."""
    if not isinstance(text, str):
        kinds = {bytes: "a binary value", int: "a whole number", float: "a number"}
        return kinds.get(type(text), "nothing" if text is None else "a value of another kind")
    if len(text) <= _QUOTED_MAX:
        return repr(text)
    return f"{text[:_QUOTED_MAX]!r}... ({len(text):,} characters)"


def decimal_score(text: object) -> Fraction:
    """A score's number as a file gives it ("3.25", "4", "0.75"), exactly; `ScoreError` for
    anything else, named, without building a number from it (see `_FILE_DECIMAL`)."""
    if not isinstance(text, str) or not _FILE_DECIMAL.fullmatch(text):
        raise ScoreError(f"{quoted(text)} is not a score")
    return Fraction(text)


@dataclass(frozen=True)
class ScaleValue:
    label: str  # as scorers write it: "3+"
    value: Fraction  # 3.25

    @property
    def level(self) -> int:
        return int(self.label.rstrip("+-"))


@dataclass(frozen=True)
class Scale:
    """The valid single-read scores, ascending."""

    values: tuple[ScaleValue, ...]

    def __post_init__(self) -> None:
        if not self.values:
            raise ValueError("a scale needs at least one value")

    @property
    def lowest(self) -> Fraction:
        return self.values[0].value

    @property
    def highest(self) -> Fraction:
        return self.values[-1].value

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(v.label for v in self.values)

    @property
    def levels(self) -> tuple[int, ...]:
        return tuple(sorted({v.level for v in self.values}, reverse=True))

    def allowed(self) -> str:
        """What a person may type, for error messages."""
        labels = ", ".join(self.labels)
        numbers = ", ".join(format_score(v.value) for v in self.values)
        return f"one of {labels} (or its value: {numbers})"

    def parse(self, text: str) -> Fraction:
        """`3+` or `3.25` to 3.25; anything off the scale raises `ScoreError`."""
        cleaned = text.strip()
        for v in self.values:
            if cleaned == v.label:
                return v.value
        if _DECIMAL_TEXT.match(cleaned):
            number = Fraction(Decimal(cleaned))
            if self.contains(number):
                return number
            raise ScoreError(f"{cleaned!r} is not on the scale; a score is {self.allowed()}")
        raise ScoreError(f"{text!r} is not a score; a score is {self.allowed()}")

    def read(self, text: object) -> Fraction:
        """A score as a file holds it: one of the labels ("3+") or its number ("3.25", the
        `decimal_score` grammar); `ScoreError` names the text when it is neither or is off the
        scale. Stricter than `parse`, which is for what a person types."""
        for v in self.values:
            if text == v.label:
                return v.value
        number = decimal_score(text)
        if not self.contains(number):
            raise ScoreError(f"{text} is not on the scale")
        return number

    @cached_property
    def _value_set(self) -> frozenset[Fraction]:
        return frozenset(v.value for v in self.values)

    def contains(self, value: Fraction) -> bool:
        # A set: results check every read of a cohort (tens of thousands) against the scale.
        return value in self._value_set

    def label(self, value: Fraction) -> str:
        for v in self.values:
            if v.value == value:
                return v.label
        raise ScoreError(f"{format_score(value)} is not a single-read score on the scale")

    def level_of(self, value: Fraction) -> int:
        """The level a (possibly combined) factor score reaches.

        A level is reached from its lowest value on (4 from 3.75); a mean that falls between two
        levels' ranges (3.50) counts as the lower level, so a report never overstates a score.
        """
        # A single read's score is one of the scale's own values: looked up, not compared with
        # each (the validity and practice figures ask this of every factor score they compare).
        found = self._level_by_value.get(value)
        if found is not None:
            return found
        reached = [v.level for v in self.values if v.value <= value]
        return max(reached) if reached else self.values[0].level

    @cached_property
    def _level_by_value(self) -> dict[Fraction, int]:
        return {v.value: v.level for v in self.values}

    def level_value(self, level: int) -> Fraction:
        """The plain score of a level, no modifier: what the key "3" gives."""
        return self.parse(str(level))

    def toggle_modifier(self, value: Fraction, sign: str) -> Fraction:
        """`+` or `-` on a score: 3 and + is 3+; + again on 3+ goes back to 3; - on 3+ is 3-.

        The keys toggle, so a scorer who pressed the wrong one presses it again.
        """
        if sign not in ("+", "-"):
            raise ValueError(f"a modifier is + or -, not {sign!r}")
        level = self.level_of(value)
        wanted = f"{level}{sign}"
        return self.level_value(level) if self.label(value) == wanted else self.parse(wanted)

    def at_least(self, value: Fraction) -> ScaleValue | None:
        """The lowest single-read score that is >= value, or None when none is."""
        for v in self.values:
            if v.value >= value:
                return v
        return None


def to_decimal(value: Fraction) -> Decimal:
    """Two decimals, half up: 20/7 -> 2.86."""
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return exact.quantize(_HUNDREDTH, rounding=ROUND_HALF_UP)


def format_score(value: Fraction) -> str:
    return f"{to_decimal(value):.2f}"


def format_against(value: Fraction, threshold: Fraction) -> str:
    """A value shown beside a threshold it misses, never rounded up to look like it meets it.

    With unequal weights an overall can be 2.7450, which two decimals would show as 2.75;
    beside "below 2.75" that reads as a contradiction, so such a value keeps four decimals.
    """
    shown = format_score(value)
    if value < threshold and shown == format_score(threshold):
        exact = Decimal(value.numerator) / Decimal(value.denominator)
        return f"{exact.quantize(Decimal('0.0001'), rounding=ROUND_DOWN):.4f}"
    return shown
