"""How the agreement view's tables write and sort a figure: one way for every table of it
(the scorers, validity and practice, the backreads), so a share or an interval reads the same
wherever it is."""

from __future__ import annotations

from PySide6.QtCore import Qt

from icg_desk.scoring.stats import Estimate
from icg_desk.ui.agreement_charts import points

SortRole = Qt.ItemDataRole.UserRole + 1  # what a column sorts by: numbers by their value
RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)


def share(value: object) -> str:
    """A share as two decimals ("0.39"); "–" when there is none."""
    return "–" if value is None else f"{float(value):.2f}"  # type: ignore[arg-type]


def estimate_text(estimate: Estimate | None) -> str:
    """+0.41 [+0.32, +0.50]; "–" when there is none."""
    if estimate is None:
        return "–"
    if estimate.low is None or estimate.high is None:
        return points(estimate.value)
    return f"{points(estimate.value)} [{points(estimate.low)}, {points(estimate.high)}]"


def sort_number(value: object) -> float:
    """A figure's sort key: a missing one sorts first."""
    return -1e9 if value is None else float(value)  # type: ignore[arg-type]
