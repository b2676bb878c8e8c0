"""The Agreement sheet's validity and practice tables (docs/cohort-summary-format.md).

Under the inter-rater tables of export/agreement_sheet.py: each scorer's reads of validity
portfolios against the agreed scores, and their practice result with the coordinator's unlock.
The numbers are the JSON's (`icg-desk cohort agreement --json`: each scorer's `validity` and
`practice`); every text (scorer ids, names, the coordinator's reason) is written as text.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from icg_desk.models.agreement import CohortAgreement

VALIDITY_HEADS = (
    "Scorer",
    "Validity reads",
    "Factor scores",
    "Exact",
    "Same level",
    "Difference",
    "Difference low",
    "Difference high",
    "Flag",
)
PRACTICE_HEADS = (
    "Scorer",
    "Practice portfolios",
    "Practice reads",
    "Factor scores",
    "Exact",
    "Exact share",
    "Worst levels off",
    "Result",
    "Unlocked by",
    "Unlocked on (UTC)",
    "Why",
)


def quality_rows(
    found: CohortAgreement,
    text: Callable[[str], Any],
    header: Callable[[list[str]], list[Any]],
    number: Callable[[object], Any],
) -> list[list[Any]]:
    """The rows to append: a blank row, the validity table, a blank row, the practice table;
    nothing when the cohort has neither. `text`, `header` and `number` make the cells."""
    data = found.as_json()
    scorers: list[dict[str, Any]] = data["scorers"]  # type: ignore[assignment]
    rows: list[list[Any]] = []
    validity = [s for s in scorers if s.get("validity")]
    if validity:
        rule = "; ".join(
            (
                "Validity portfolios: each scorer's complete reads against the agreed scores",
                "difference = mean of (score - agreed score) in score points (+ scores higher), "
                "with its simultaneous interval",
            )
        )
        rows += [[], [text(rule)], header(list(VALIDITY_HEADS))]
        for s in validity:
            v = s["validity"]
            low, high = v["difference_interval"] or [None, None]
            rows.append(
                [
                    text(s["scorer_id"]),
                    v["reads"],
                    v["factor_scores"],
                    number(v["exact"]),
                    number(v["same_level"]),
                    number(v["difference"]),
                    number(low),
                    number(high),
                    text(", ".join(v["flags"])),
                ]
            )
    practice = [s for s in scorers if s.get("practice")]
    if practice:
        rows += [
            [],
            [
                text(
                    f"Practice portfolios, by the rubric's rule: {found.rubric.calibration.words()}"
                )
            ],
            header(list(PRACTICE_HEADS)),
        ]
        for s in practice:
            p = s["practice"]
            last = p["unlocks"][-1] if p["unlocks"] else None
            rows.append(
                [
                    text(s["scorer_id"]),
                    p["assigned"],
                    p["reads"],
                    p["factor_scores"],
                    p["exact"],
                    number(p["exact_share"]),
                    p["worst_levels_off"],
                    text(p["status"]),
                    None if last is None else text(last["by"]),
                    None if last is None else text(last["at"][:16].replace("T", " ")),
                    None if last is None else text(last["reason"]),
                ]
            )
    return rows
