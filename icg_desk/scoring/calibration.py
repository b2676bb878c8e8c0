"""Calibration before live scoring: whether a scorer's practice reads qualify, and the unlock
code a coordinator gives a scorer who is let through without qualifying.

Pure rules (no Qt, no database). A practice read is compared with the portfolio's agreed
scores factor by factor: a factor score is **exact** when it is the agreed score itself (3+
against 3+), and is **levels off** by the difference of the two scores' levels (3+ against 2 is
one level off). The rubric's `[calibration]` section says how close a scorer must come
(docs/rubric-format.md); both the batch (offline, to unlock the live portfolios) and the cohort
(when the practice reads come back, from its own copy of the key) judge with this module.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction

from icg_desk.scoring.scale import Scale

# The rule when a rubric has no [calibration] section: 70% of factor scores exact, none more
# than one level off (the example; common in large scoring programs).
DEFAULT_MIN_EXACT = Fraction(7, 10)
DEFAULT_MAX_LEVELS_OFF = 1


@dataclass(frozen=True)
class QualifyingRule:
    min_exact: Fraction = DEFAULT_MIN_EXACT  # the share of factor scores that must be exact
    max_levels_off: int = DEFAULT_MAX_LEVELS_OFF  # no factor score may be further off

    def words(self) -> str:
        share = f"{float(self.min_exact) * 100:.0f}%"
        levels = "level" if self.max_levels_off == 1 else "levels"
        return f"at least {share} exact and none more than {self.max_levels_off} {levels} off"


@dataclass(frozen=True)
class ValidityRule:
    """When the validity portfolios flag a scorer (scoring/quality.py; docs/agreement.md,
    "Validity"): the rubric's optional `[validity]` section, these defaults when absent."""

    margin: Fraction = Fraction(1, 8)  # points: half a step of the 1- ... 4+ scale
    min_exact: Fraction = Fraction(1, 2)  # the per-read exact share's interval must reach it

    def words(self) -> str:
        return (
            f"the difference's interval wholly beyond ±{float(self.margin):.3g} points, or the "
            f"exact share's interval wholly under {float(self.min_exact):.0%}"
        )


@dataclass(frozen=True)
class PracticeResult:
    """How a scorer's practice reads compare with the agreed scores."""

    compared: int  # factor scores compared (a factor not yet scored is not compared)
    exact: int
    worst_levels_off: int
    rule: QualifyingRule

    @property
    def exact_share(self) -> Fraction | None:
        return Fraction(self.exact, self.compared) if self.compared else None

    @property
    def qualified(self) -> bool:
        share = self.exact_share
        return (
            share is not None
            and share >= self.rule.min_exact
            and self.worst_levels_off <= self.rule.max_levels_off
        )

    def words(self) -> str:
        if not self.compared:
            return "no practice scores compared yet"
        share = self.exact_share
        assert share is not None
        exact = f"{self.exact} of {self.compared} factor scores exact ({float(share) * 100:.0f}%)"
        off = (
            "none off by more than a level"
            if self.worst_levels_off <= 1
            else f"the furthest {self.worst_levels_off} levels off"
        )
        verdict = "qualified" if self.qualified else "not qualified"
        return f"{exact}, {off}: {verdict} ({self.rule.words()} needed)"


def judge_practice(
    pairs: Iterable[tuple[Fraction, Fraction]], scale: Scale, rule: QualifyingRule
) -> PracticeResult:
    """`pairs`: (the scorer's score, the agreed score) per factor of every practice read."""
    compared = exact = worst = 0
    for given, agreed in pairs:
        compared += 1
        if given == agreed:
            exact += 1
        worst = max(worst, abs(scale.level_of(given) - scale.level_of(agreed)))
    return PracticeResult(compared, exact, worst, rule)


# --- the coordinator's unlock code ---------------------------------------------------------------
# A code per batch, derived from the cohort's secret and the batch id: the coordinator can give
# it again at any time (`icg-desk cohort unlock`), and only the code's SHA-256 is in the batch,
# so the scorer cannot find it there. 60 bits of Crockford base 32 in three groups of four.

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's: no I, L, O, U
_CODE_CHARS = 12


def unlock_code(secret: str, batch_id: str) -> str:
    digest = hmac.new(secret.encode(), batch_id.encode(), hashlib.sha256).digest()
    # Standard base 32 re-lettered into Crockford's alphabet, which a person reads aloud safely.
    standard = base64.b32encode(digest).decode()[:_CODE_CHARS]
    letters = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", _ALPHABET)
    code = standard.translate(letters)
    return "-".join(code[i : i + 4] for i in range(0, _CODE_CHARS, 4))


def normalise_code(text: str) -> str:
    """What a person typed, as the code is compared: case, spaces and hyphens ignored, and the
    letters people confuse with digits read as the digits (Crockford: O is 0, I and L are 1)."""
    kept = "".join(ch for ch in text.upper() if ch not in " -\t")
    return kept.translate(str.maketrans("OIL", "011"))


def unlock_hash(code: str) -> str:
    return hashlib.sha256(normalise_code(code).encode()).hexdigest()


def code_matches(typed: str, stored_hash: str) -> bool:
    return bool(stored_hash) and hmac.compare_digest(unlock_hash(typed), stored_hash)
