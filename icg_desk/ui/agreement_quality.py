"""The validity and practice figures in the Scorer agreement view (docs/agreement.md).

What the scorer table's Validity and Practice columns say, in words a coordinator reads at a
glance ("0.32 exact, +0.44 [+0.31, +0.57]"; "qualified", "not qualified", "unlocked by ana"),
their sort keys and tooltips, and the validity forest plot: each scorer's mean difference from
the agreed scores with its interval (`ValidityChart`, drawn as the severity one is). The figures
themselves are scoring/quality.py's.
"""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from icg_desk.models.agreement import CohortAgreement
from icg_desk.scoring.agreement import ScorerAgreement
from icg_desk.scoring.quality import (
    MISSES_KEY,
    SCORES_HIGH_ON_KEY,
    SCORES_LOW_ON_KEY,
    quality_flags,
)
from icg_desk.ui.agreement_charts import SeverityChart, SeverityRow, points
from icg_desk.ui.figure_text import share

VALIDITY_HEAD, PRACTICE_HEAD = "Validity: exact, difference [interval]", "Practice"
VALIDITY_TIP = (
    "This scorer's complete reads of validity portfolios (agreed expert scores, seeded unseen "
    "among their portfolios): the share of factor scores that are the agreed score, and the mean "
    "difference from the agreed scores in score points (+ scores higher) with its simultaneous "
    "interval. Flagged when the interval lies wholly beyond half a step of the scale, or the "
    "exact share is low (docs/agreement.md)."
)
PRACTICE_TIP = (
    "The scorer's practice reads against the agreed scores, by the rubric's qualifying rule: "
    "qualified, not qualified, unlocked by the coordinator (the live portfolios opened with an "
    "unlock code), in progress or not started."
)


def validity_text(s: ScorerAgreement) -> str:
    """0.32 exact, +0.44 [+0.31, +0.57]; "–" with no validity read."""
    v = s.validity
    if v is None or not v.reads:
        return "–"
    d = v.difference
    if d is None:
        return f"{share(v.exact)} exact"
    interval = (
        f" [{points(d.low)}, {points(d.high)}]" if d.low is not None and d.high is not None else ""
    )
    return f"{share(v.exact)} exact, {points(d.value)}{interval}"


def practice_text(s: ScorerAgreement) -> str:
    p = s.practice
    if p is None:
        return "–"
    if p.unlocked and not p.qualified:
        return f"not qualified, unlocked by {p.unlocks[-1].by}"
    share = p.result.exact_share
    shown = "" if share is None else f" ({float(share):.0%} exact)"
    return f"{p.status}{shown}"


def validity_sort(s: ScorerAgreement) -> float:
    v = s.validity
    if v is None or v.difference is None:
        return -1e9
    return v.difference.value


def practice_sort(s: ScorerAgreement) -> float:
    """Not qualified first when sorted down, then unlocked, in progress, qualified."""
    p = s.practice
    if p is None:
        return -1.0
    share = p.result.exact_share
    return (0.0 if p.qualified else 2.0 if p.flagged else 1.0) + (
        0.0 if share is None else 1 - float(share)
    ) / 10


def validity_flagged(s: ScorerAgreement) -> bool:
    return s.validity is not None and s.validity.flagged


def practice_flagged(s: ScorerAgreement) -> bool:
    return s.practice is not None and s.practice.flagged


def quality_tooltip(s: ScorerAgreement) -> list[str]:
    """The tooltip's lines about validity and practice."""
    lines = []
    v = s.validity
    if v is not None and v.reads:
        lines.append(
            f"Validity: {v.reads} reads, {v.compared} factor scores; exact {share(v.exact)}, "
            f"same level {share(v.same_level)}; difference from the agreed scores "
            f"{validity_text(s).partition(', ')[2] or '–'}"
        )
    p = s.practice
    if p is not None:
        lines.append(f"Practice: {p.words()}")
    return lines


def detail_line(s: ScorerAgreement) -> str:
    """The selected scorer's validity and practice, on a line of its own ("" with neither)."""
    parts = []
    if s.validity is not None and s.validity.reads:
        parts.append(f"validity {validity_text(s)} ({s.validity.reads} reads)")
    if s.practice is not None:
        parts.append(f"practice {practice_text(s)}")
    if not parts:
        return ""
    text = "; ".join(parts)
    return "\n" + text[0].upper() + text[1:]


def flag_words(s: ScorerAgreement) -> list[str]:
    return quality_flags(s)


class ValidityChart(SeverityChart):
    """Each scorer's mean difference from the validity portfolios' agreed scores, with its
    interval: a forest plot around zero, the flagged scorers in the error colour."""

    TITLE = "Difference from the validity scores by scorer"
    FIGURE = "difference from the agreed scores"
    INTRO = (
        "Each scorer's mean difference from the validity portfolios' agreed scores, in score "
        "points, with its interval; an interval wholly beyond half a step of the scale either "
        "way is flagged. "
    )
    LOWER, HIGHER = "← scores lower than the agreed scores", "scores higher →"
    WIDEST_FLAG = "scores high, misses key"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("validityChart")


def validity_rows(found: CohortAgreement | None) -> list[SeverityRow]:
    if found is None:
        return []
    rows = []
    for s in found.figures.scorers:
        v = s.validity
        if v is None or v.difference is None:
            continue
        d = v.difference
        words = v.flags
        short = {
            SCORES_HIGH_ON_KEY: "scores high",
            SCORES_LOW_ON_KEY: "scores low",
            MISSES_KEY: "misses key",
        }
        flag = ", ".join(short.get(w, w) for w in words)
        rows.append(SeverityRow(s.scorer_id, d.value, d.low, d.high, flag))
    return rows
