"""The summary workbook's Agreement sheet: the figures of `icg-desk cohort agreement --json`,
and native Excel charts of them (docs/cohort-summary-format.md, "Agreement").

Four tables one under the other (the cohort and its factors; the scorers with intervals and
flags; each scorer's severity week by week; each factor's score distribution), and three charts
beside them that read those cells: grouped bars of the distributions, each scorer's adjusted
severity as a bar with its interval as error bars (flagged scorers in red), and a line per
scorer over the weeks (drifting scorers thick and red). The numbers are the JSON's, rounded as
it rounds them (4 decimals) and shown with two; every text is written as text (xlsx_cells).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Protocol

from openpyxl.cell.cell import Cell
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.chart.data_source import NumDataSource, NumRef
from openpyxl.chart.error_bar import ErrorBars
from openpyxl.chart.marker import DataPoint
from openpyxl.styles import NamedStyle
from openpyxl.utils import get_column_letter

from icg_desk.export.quality_sheet import quality_rows
from icg_desk.export.xlsx_cells import cell
from icg_desk.models.agreement import CohortAgreement

AGREEMENT = "Agreement"
FIGURE_FORMAT = "0.00"
S_FIGURE = "ICG agreement figure"
FLAG_RED, QUIET_GREY, BAR_BLUE = "B3261E", "9AA5B1", "2F5D8A"
SCORES_HIGH, SCORES_LOW, DRIFTS = "scores high", "scores low", "drifts"
SCORER_HEADS = (
    "Scorer",
    "Reads",
    "Reads compared",
    "Read pairs",
    "Exact agreement",
    "Same level",
    "QWK",
    "Alpha",
    "Severity",
    "Severity low",
    "Severity high",
    "Adjusted severity",
    "Adjusted low",
    "Adjusted high",
    "Adjusted: interval below by",
    "Adjusted: interval above by",
    "Drift per week",
    "Drift low",
    "Drift high",
    "Undated reads",
    "Validity exact",
    "Flag",
)
FIGURE_KEYS = (
    "read_pairs",
    "exact_agreement",
    "adjacent_agreement",
    "quadratic_weighted_kappa",
    "krippendorff_alpha",
)


class Cells(Protocol):
    """What the summary workbook's cells give this sheet (cohort_summary._Cells)."""

    def text(self, sheet: Any, text: str) -> Cell | str | None: ...

    def header(self, sheet: Any, names: Iterable[str]) -> list[Cell | str | None]: ...


def scorer_flags(scorer: dict[str, Any]) -> str:
    """A scorer's flags in plain words, from its JSON object."""
    words = []
    if scorer["severity_flagged"]:
        words.append(SCORES_HIGH if scorer["severity_adjusted"] > 0 else SCORES_LOW)
    if scorer["drift"]["drifting"]:
        words.append(DRIFTS)
    return ", ".join(words)


def _distances(value: float | None, interval: Sequence[float | None]) -> list[float | None]:
    low, high = interval
    if value is None or low is None or high is None:
        return [None, None]
    return [round(value - low, 4), round(high - value, 4)]


def write_agreement(sheet: Any, cells: Cells, found: CohortAgreement) -> None:
    """The Agreement sheet of a write-only workbook: rows in order, then the charts."""
    data = found.as_json()
    rubric = found.rubric
    figure = NamedStyle(S_FIGURE, number_format=FIGURE_FORMAT)
    sheet.parent.add_named_style(figure)
    style = figure.as_tuple()

    def number(value: object) -> Any:
        return cell(sheet, value, style) if isinstance(value, float) else value

    widths = [24, 12, 12, *([10] * (len(SCORER_HEADS) - 4)), 22]
    for col, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(col)].width = width
    row = 0

    def put(values: Sequence[Any]) -> None:
        nonlocal row
        sheet.append(list(values))
        row += 1

    put([cells.text(sheet, f"Agreement of cohort {found.cohort} ({rubric.edition})")])
    put(
        [
            cells.text(
                sheet,
                f"{data['reads']} complete reads; {data['portfolios_compared']} portfolios read "
                "by two scorers or more. Severity: the mean difference from the other reads of "
                "the same portfolios, in score points (+ scores higher); adjusted takes each "
                "partner's own severity and drift out, and flags. Intervals: "
                f"{round(found.figures.confidence * 100)}% simultaneous over the scorers. "
                "docs/agreement.md says how to read each figure.",
            )
        ]
    )
    put([])

    # The cohort and each factor.
    put(
        cells.header(
            sheet, ["Factor", "Key", "Read pairs", "Exact agreement", "Same level", "QWK", "Alpha"]
        )
    )
    put(["All factors", None, *(number(data[k]) for k in FIGURE_KEYS)])
    for key, figures in data["factors"].items():  # type: ignore[attr-defined]
        put(
            [
                cells.text(sheet, rubric.factor(key).name),
                cells.text(sheet, key),
                *(number(figures[k]) for k in FIGURE_KEYS),
            ]
        )
    put([])

    # The scorers, each with intervals and flags; then their severity by factor.
    scorers: list[dict[str, Any]] = data["scorers"]  # type: ignore[assignment]
    keys = rubric.factor_keys
    put(cells.header(sheet, [*SCORER_HEADS, *(f"Severity: {rubric.factor(k).name}" for k in keys)]))
    scorer_first = row + 1
    for s in scorers:
        interval = s["severity_interval"] or [None, None]
        adjusted = s["severity_adjusted_interval"] or [None, None]
        drift = s["drift"]
        slope = drift["slope_interval"] or [None, None]
        put(
            [
                cells.text(sheet, s["scorer_id"]),
                s["reads"],
                s["reads_compared"],
                s["read_pairs"],
                *(number(s[k]) for k in FIGURE_KEYS[1:]),
                number(s["severity"]),
                *(number(v) for v in interval),
                number(s["severity_adjusted"]),
                *(number(v) for v in adjusted),
                # The interval as distances from the figure, for the chart's error bars.
                *_distances(s["severity_adjusted"], adjusted),
                number(drift["slope_per_week"]),
                *(number(v) for v in slope),
                drift["undated_reads"],
                number(s["validity_exact"]),
                cells.text(sheet, scorer_flags(s)),
                *(number(s["severity_by_factor"].get(k)) for k in keys),
            ]
        )
    scorer_last = row
    put([])

    # Each scorer's plain severity week by week: a column per scorer.
    weeks = sorted({w["week"] for s in scorers for w in s["drift"]["weeks"]})
    put(cells.header(sheet, ["Week", *(s["scorer_id"] for s in scorers)]))
    week_head = row
    for week in weeks:
        put(
            [
                cells.text(sheet, week),
                *(
                    number(
                        next(
                            (w["severity"] for w in s["drift"]["weeks"] if w["week"] == week), None
                        )
                    )
                    for s in scorers
                ),
            ]
        )
    put([])

    # Each factor's score distribution over the scale.
    labels = rubric.scale.labels
    put(cells.header(sheet, ["Score", *(rubric.factor(k).name for k in found.distribution)]))
    distribution_head = row
    for i, label in enumerate(labels):
        put([cells.text(sheet, label), *(counts[i] for counts in found.distribution.values())])

    # The validity and practice tables (export/quality_sheet.py), when the cohort has them.
    for values in quality_rows(
        found, lambda t: cells.text(sheet, t), lambda h: cells.header(sheet, h), number
    ):
        put(values)

    anchor = get_column_letter(len(SCORER_HEADS) + len(keys) + 2)
    if scorers:
        sheet.add_chart(_severity_chart(sheet, scorers, scorer_first, scorer_last), f"{anchor}1")
    if weeks and scorers:
        sheet.add_chart(_drift_chart(sheet, scorers, week_head, len(weeks)), f"{anchor}24")
    if found.distribution:
        sheet.add_chart(
            _distribution_chart(sheet, len(found.distribution), distribution_head, len(labels)),
            f"{anchor}47",
        )


def _axes(chart: Any, x_title: str, y_title: str) -> None:
    chart.x_axis.title, chart.y_axis.title = x_title, y_title
    # openpyxl 3.1 writes axes deleted unless told: Excel would draw the chart without them.
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    # The category labels (scorers, weeks) at the low edge of the plot: at the axis, where the
    # value 0 is, they sat on the bars and lines (seen in LibreOffice's rendering).
    chart.x_axis.tickLblPos = "low"
    chart.width, chart.height = 22, 11


def _severity_chart(sheet: Any, scorers: Sequence[dict[str, Any]], first: int, last: int) -> Any:
    """Adjusted severity per scorer, its interval as error bars; flagged bars red."""
    adjusted = SCORER_HEADS.index("Adjusted severity") + 1
    chart = BarChart()
    chart.type = "bar"  # horizontal: a scorer per row, as in the window's forest plot
    chart.title = "Adjusted severity with its interval (red: scores high or low)"
    chart.style = 10
    values = Reference(sheet, min_col=adjusted, min_row=first - 1, max_row=last)
    chart.add_data(values, titles_from_data=True)
    chart.set_categories(Reference(sheet, min_col=1, min_row=first, max_row=last))
    series = chart.series[0]
    series.graphicalProperties.solidFill = QUIET_GREY
    # Error bars: the interval as distances below and above the figure (their own columns).
    below = get_column_letter(SCORER_HEADS.index("Adjusted: interval below by") + 1)
    above = get_column_letter(SCORER_HEADS.index("Adjusted: interval above by") + 1)
    where = f"'{sheet.title}'!"
    series.errBars = ErrorBars(
        errDir="y",
        errBarType="both",
        errValType="cust",
        plus=NumDataSource(numRef=NumRef(f=f"{where}${above}${first}:${above}${last}")),
        minus=NumDataSource(numRef=NumRef(f=f"{where}${below}${first}:${below}${last}")),
    )
    for i, s in enumerate(scorers):
        if s["severity_flagged"]:
            point = DataPoint(idx=i)
            point.graphicalProperties.solidFill = FLAG_RED
            series.dPt.append(point)
    _axes(chart, "Scorer", "Score points (+ scores higher)")
    return chart


def _drift_chart(sheet: Any, scorers: Sequence[dict[str, Any]], head: int, weeks: int) -> Any:
    """A line per scorer over the weeks; drifting scorers thick and red, the others grey."""
    chart = LineChart()
    chart.title = "Severity week by week (red: drifts)"
    chart.style = 12
    data = Reference(sheet, min_col=2, max_col=1 + len(scorers), min_row=head, max_row=head + weeks)
    chart.add_data(data, titles_from_data=True)
    chart.set_categories(Reference(sheet, min_col=1, min_row=head + 1, max_row=head + weeks))
    for series, s in zip(chart.series, scorers, strict=True):
        line = series.graphicalProperties.line
        if s["drift"]["drifting"]:
            line.solidFill, line.width = FLAG_RED, 38100  # 3 points, in EMU
        else:
            line.solidFill, line.width = QUIET_GREY, 9525
        series.smooth = False
    _axes(chart, "Week of scoring", "Severity (score points)")
    return chart


def _distribution_chart(sheet: Any, factors: int, head: int, scores: int) -> Any:
    """Grouped bars: how often each score was given, a series per factor."""
    chart = BarChart()
    chart.type = "col"
    chart.grouping = "clustered"
    chart.title = "Score distribution by factor"
    chart.style = 10
    data = Reference(sheet, min_col=2, max_col=1 + factors, min_row=head, max_row=head + scores)
    chart.add_data(data, titles_from_data=True)
    chart.set_categories(Reference(sheet, min_col=1, min_row=head + 1, max_row=head + scores))
    _axes(chart, "Score", "Reads")
    return chart
