"""The summary workbook's Backreads sheet (docs/cohort-summary-format.md, "Backreads"): each
scorer's reads against the backreads pulled of them, and every factor they scored differently.

Written after the Agreement sheet when any backread was pulled (models/backread.py). The
figures are the `backread` objects of `icg-desk cohort agreement --json`, rounded as it rounds
them (4 decimals) and shown with two; scores are numbers shown with two decimals; every text
(scorer ids, codes, factor names) is written as text (xlsx_cells).
"""

from __future__ import annotations

from typing import Any

from openpyxl.styles import NamedStyle
from openpyxl.utils import get_column_letter

from icg_desk.export.agreement_sheet import Cells
from icg_desk.export.xlsx_cells import cell
from icg_desk.models.agreement import CohortAgreement

BACKREADS = "Backreads"
S_BACKREAD_FIGURE = "ICG backread figure"
FIGURE_FORMAT = "0.00"
SCORER_HEADS = (
    "Scorer",
    "Backreads pulled",
    "Backreads back",
    "Factor pairs",
    "Exact agreement",
    "Same level",
    "Mean difference",
    "Difference low",
    "Difference high",
    "Flag",
)
DIFFERENCE_HEADS = (
    "Candidate",
    "Factor",
    "Key",
    "Scorer",
    "Scorer's score",
    "Backread score",
    "Difference",
    "Backread by",
)
HIGHER, LOWER = "higher than backreads", "lower than backreads"


def write_backreads(sheet: Any, cells: Cells, found: CohortAgreement) -> None:
    """The Backreads sheet of a write-only workbook, rows in order."""
    rubric = found.rubric
    backreads = found.backreads
    figure = NamedStyle(S_BACKREAD_FIGURE, number_format=FIGURE_FORMAT)
    sheet.parent.add_named_style(figure)
    style = figure.as_tuple()

    def number(value: object) -> Any:
        return cell(sheet, float(value), style) if value is not None else None  # type: ignore[arg-type]

    for col, width in enumerate([14, 26, 18, 12, 14, 14, 14, 14, 14, 24], start=1):
        sheet.column_dimensions[get_column_letter(col)].width = width
    sheet.append([cells.text(sheet, f"Backreads of cohort {found.cohort} ({rubric.edition})")])
    sheet.append(
        [
            cells.text(
                sheet,
                f"{backreads.returned} of {backreads.pulled} backreads back. The difference is "
                "the scorer's score minus the backreader's, per read, in score points (+ the "
                "scorer scores higher); its interval is "
                f"{round(backreads.confidence * 100)}% simultaneous over the scorers. Backreads "
                "never count toward a result. docs/agreement.md says how to read each figure.",
            )
        ]
    )
    sheet.append([])
    sheet.append(cells.header(sheet, SCORER_HEADS))
    for s in backreads.scorers.values():
        data = s.as_json()
        interval = data["mean_difference_interval"] or [None, None]
        flag = ""
        if s.flagged and s.difference is not None:
            flag = HIGHER if s.difference.value > 0 else LOWER
        sheet.append(
            [
                cells.text(sheet, s.scorer_id),
                s.pulled,
                s.returned,
                s.factor_pairs,
                number(data["exact_agreement"]),
                number(data["adjacent_agreement"]),
                number(data["mean_difference"]),
                *(number(v) for v in interval),  # type: ignore[attr-defined]
                cells.text(sheet, flag),
            ]
        )
    sheet.append([])
    sheet.append(cells.header(sheet, DIFFERENCE_HEADS))
    names = {f.key: f.name for f in rubric.factors}
    for d in backreads.differences:
        sheet.append(
            [
                cells.text(sheet, d.portfolio),
                cells.text(sheet, names.get(d.factor_key, d.factor_key)),
                cells.text(sheet, d.factor_key),
                cells.text(sheet, d.scorer_id),
                number(d.scorer_score),
                number(d.reader_score),
                number(d.points),
                cells.text(sheet, d.reader_id),
            ]
        )
