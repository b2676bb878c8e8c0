"""The scoring quality report: the cohort's agreement figures and charts as a PDF for the
program's records (`icg-desk cohort quality-report`, Results > Print scoring quality report…).

The figures are those of `icg-desk cohort agreement --json` (docs/agreement.md says how to read
each), taken from its JSON object so every surface shows the same numbers, rounded the same way:
the cohort and each factor; each scorer with intervals and flags; their validity and practice
figures when the cohort has validity or practice portfolios; and the charts, drawn with
ReportLab's own graphics (no Qt below the window): each factor's score distribution, each
scorer's adjusted severity with its interval (a forest plot around zero), their difference
from the validity portfolios' agreed scores (the same plot), and each scorer's severity week
by week. Flagged scorers are told apart by more than colour: their id is written
beside their mark and their row says why in words.

Scorer ids and the rubric's wording are data: they reach a Paragraph only through `esc`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.shapes import Circle, Drawing, Line, PolyLine, Rect, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import LETTER, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Frame,
    KeepTogether,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from icg_desk.export.agreement_sheet import scorer_flags
from icg_desk.export.pdf_report import FONT, FONT_BOLD, esc, load_text_fonts
from icg_desk.formats.atomic import atomic_write
from icg_desk.models.agreement import CohortAgreement

PAGE_W, PAGE_H = landscape(LETTER)
MARGIN = 0.55 * inch
WIDTH = PAGE_W - 2 * MARGIN
INK, MUTED, RULE = (
    colors.HexColor("#1F2933"),
    colors.HexColor("#52606D"),
    colors.HexColor("#CBD2D9"),
)
FLAG, QUIET, BAR = (
    colors.HexColor("#B3261E"),
    colors.HexColor("#9AA5B1"),
    colors.HexColor("#2F5D8A"),
)


def _style(name: str, size: float, leading: float, **kw: Any) -> ParagraphStyle:
    base: dict[str, Any] = {"fontName": FONT, "textColor": INK}
    return ParagraphStyle(name, fontSize=size, leading=leading, **(base | kw))


TITLE = _style("quality-title", 17, 21, fontName=FONT_BOLD, spaceAfter=4)
H2 = _style("quality-h2", 11, 14, fontName=FONT_BOLD, spaceBefore=10, spaceAfter=4)
BODY = _style("quality-body", 8.5, 11.5)
NOTE = _style("quality-note", 7.5, 10, textColor=MUTED)
CELL = _style("quality-cell", 7.5, 9.5)
HEAD = _style("quality-head", 7, 9, fontName=FONT_BOLD, textColor=MUTED)


def _share(value: object) -> str:
    return "–" if value is None else f"{float(value) * 100:.1f}%"  # type: ignore[arg-type]


def _figure(value: object) -> str:
    return "–" if value is None else f"{float(value):.2f}"  # type: ignore[arg-type]


def _points(value: object) -> str:
    if value is None:
        return "–"
    shown = round(float(value), 2)  # type: ignore[arg-type]
    return f"{shown if shown else 0.0:+.2f}"


def _interval(pair: Sequence[float | None] | None) -> str:
    if not pair or pair[0] is None or pair[1] is None:
        return "–"
    return f"{_points(pair[0])} to {_points(pair[1])}"


def _table(rows: list[list[Any]], widths: Sequence[float], flagged: Sequence[int] = ()) -> Table:
    table = Table(rows, colWidths=list(widths), repeatRows=1, hAlign="LEFT")
    style: list[Any] = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, 0), 0.6, INK),
        ("LINEBELOW", (0, 1), (-1, -1), 0.25, RULE),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ]
    style += [("BACKGROUND", (0, r), (-1, r), colors.HexColor("#FBEAEA")) for r in flagged]
    table.setStyle(TableStyle(style))
    return table


def _p(text: str, style: Any = CELL, *, bold: bool = False) -> Paragraph:
    return Paragraph(esc(text, bold=bold), style)


def _pair_rows(data: Mapping[str, Any], names: Mapping[str, str]) -> list[list[Any]]:
    heads = ["", "Read pairs", "Exact", "Same level", "QWK", "Alpha"]
    rows: list[list[Any]] = [[_p(h, HEAD) for h in heads]]

    def row(label: str, figures: Mapping[str, Any], *, bold: bool = False) -> list[Any]:
        return [
            _p(label, bold=bold),
            _p(str(figures.get("read_pairs", 0))),
            _p(_share(figures.get("exact_agreement"))),
            _p(_share(figures.get("adjacent_agreement"))),
            _p(_figure(figures.get("quadratic_weighted_kappa"))),
            _p(_figure(figures.get("krippendorff_alpha"))),
        ]

    rows.append(row("The cohort (every factor)", data, bold=True))
    for key, figures in data["factors"].items():
        rows.append(row(names.get(key, key), figures))
    return rows


def _scorer_rows(scorers: Sequence[Mapping[str, Any]]) -> tuple[list[list[Any]], list[int]]:
    heads = [
        "Scorer",
        "Reads",
        "Compared",
        "Exact",
        "Same level",
        "Severity",
        "Adjusted severity (interval)",
        "Drift per week (interval)",
        "Validity exact",
        "Flag",
    ]
    rows: list[list[Any]] = [[_p(h, HEAD) for h in heads]]
    flagged = []
    for s in scorers:
        drift = s["drift"]
        flags = all_flags(s)
        if flags:
            flagged.append(len(rows))
        rows.append(
            [
                _p(s["scorer_id"], bold=bool(flags)),
                _p(str(s["reads"])),
                _p(str(s["reads_compared"])),
                _p(_share(s.get("exact_agreement"))),
                _p(_share(s.get("adjacent_agreement"))),
                _p(_points(s.get("severity"))),
                _p(
                    f"{_points(s.get('severity_adjusted'))} "
                    f"({_interval(s.get('severity_adjusted_interval'))})"
                ),
                _p(f"{_points(drift['slope_per_week'])} ({_interval(drift['slope_interval'])})"),
                _p(_share(s.get("validity_exact"))),
                _p(flags or "–", bold=bool(flags)),
            ]
        )
    return rows, flagged


def all_flags(scorer: Mapping[str, Any]) -> str:
    """Every flag of a scorer in words: severity and drift (as the workbook says them), the
    validity portfolios', and practice not qualified."""
    words = [scorer_flags(dict(scorer))]
    words += list((scorer.get("validity") or {}).get("flags") or [])
    words.append(backread_flag(scorer))
    practice = scorer.get("practice") or {}
    if practice.get("status") == "not qualified":
        words.append("practice not qualified")
    return ", ".join(w for w in words if w)


def _quality_rows(scorers: Sequence[Mapping[str, Any]]) -> tuple[list[list[Any]], list[int]]:
    heads = [
        "Scorer",
        "Validity reads",
        "Exact",
        "Same level",
        "Difference (interval)",
        "Validity flag",
        "Practice",
        "Practice exact",
        "Worst off",
    ]
    rows: list[list[Any]] = [[_p(h, HEAD) for h in heads]]
    flagged = []
    for s in scorers:
        validity = s.get("validity") or {}
        practice = s.get("practice") or {}
        if not validity.get("reads") and not practice.get("assigned"):
            continue
        flags = ", ".join(validity.get("flags") or [])
        status = str(practice.get("status") or "–")
        if flags or status == "not qualified":
            flagged.append(len(rows))
        worst = practice.get("worst_levels_off")
        rows.append(
            [
                _p(s["scorer_id"], bold=bool(flags)),
                _p(str(validity.get("reads") or 0)),
                _p(_share(validity.get("exact"))),
                _p(_share(validity.get("same_level"))),
                _p(
                    f"{_points(validity.get('difference'))} "
                    f"({_interval(validity.get('difference_interval'))})"
                ),
                _p(flags or "–", bold=bool(flags)),
                _p(status, bold=status == "not qualified"),
                _p(_share(practice.get("exact_share"))),
                _p("–" if worst is None else f"{worst} level{'' if worst == 1 else 's'}"),
            ]
        )
    return rows, flagged


def backread_flag(scorer: Mapping[str, Any]) -> str:
    """A scorer flagged against their backreaders, in words (as the Backreads tab says it)."""
    back = scorer.get("backread") or {}
    if not back.get("mean_difference_flagged"):
        return ""
    return (
        "scores higher than backreaders"
        if back["mean_difference"] > 0
        else ("scores lower than backreaders")
    )


def _backread_rows(scorers: Sequence[Mapping[str, Any]]) -> tuple[list[list[Any]], list[int]]:
    heads = ["Scorer", "Backreads back", "Exact", "Same level", "Difference (interval)", "Flag"]
    rows: list[list[Any]] = [[_p(h, HEAD) for h in heads]]
    flagged = []
    for s in scorers:
        back = s.get("backread") or {}
        if not back.get("pulled"):
            continue
        flag = backread_flag(s)
        if flag:
            flagged.append(len(rows))
        rows.append(
            [
                _p(s["scorer_id"], bold=bool(flag)),
                _p(f"{back.get('returned', 0)} of {back['pulled']}"),
                _p(_share(back.get("exact_agreement"))),
                _p(_share(back.get("adjacent_agreement"))),
                _p(
                    f"{_points(back.get('mean_difference'))} "
                    f"({_interval(back.get('mean_difference_interval'))})"
                ),
                _p(flag or "–", bold=bool(flag)),
            ]
        )
    return rows, flagged


# --- charts ------------------------------------------------------------------------------------


def distribution_chart(
    distribution: Mapping[str, Sequence[int]], names: Mapping[str, str], labels: Sequence[str]
) -> Drawing:
    """Each factor's score distribution: small multiples of bars over the scale's scores."""
    keys = list(distribution)
    per_row = 4
    cell_w, cell_h = WIDTH / per_row, 1.55 * inch
    rows = max(1, -(-len(keys) // per_row))
    drawing = Drawing(WIDTH, rows * cell_h)
    top = max((max(c) for c in distribution.values() if c), default=0) or 1
    for i, key in enumerate(keys):
        x0 = (i % per_row) * cell_w
        y0 = (rows - 1 - i // per_row) * cell_h
        chart = VerticalBarChart()
        chart.x, chart.y = int(x0 + 28), int(y0 + 22)
        chart.width, chart.height = int(cell_w - 40), int(cell_h - 44)
        chart.data = [list(distribution[key])]
        chart.bars[0].fillColor = BAR
        chart.bars[0].strokeColor = None
        chart.valueAxis.valueMin, chart.valueAxis.valueMax = 0, top
        chart.valueAxis.labels.fontName, chart.valueAxis.labels.fontSize = FONT, 6
        chart.categoryAxis.categoryNames = list(labels)
        chart.categoryAxis.labels.fontName, chart.categoryAxis.labels.fontSize = FONT, 6
        drawing.add(chart)
        name = names.get(key, key)
        drawing.add(String(x0 + 28, y0 + cell_h - 14, name, fontName=FONT_BOLD, fontSize=7.5))
    return drawing


@dataclass(frozen=True)
class _Forest:
    """What a forest plot draws of each scorer: a value, its interval, whether flagged."""

    value: Callable[[Mapping[str, Any]], Any]
    interval: Callable[[Mapping[str, Any]], Any]
    flagged: Callable[[Mapping[str, Any]], bool]
    zero: str
    caption: str


SEVERITY = _Forest(
    value=lambda s: s.get("severity_adjusted"),
    interval=lambda s: s.get("severity_adjusted_interval"),
    flagged=lambda s: bool(s.get("severity_flagged")),
    zero="0 (the median scorer)",
    caption="adjusted severity in score points: positive scores higher, negative lower",
)
VALIDITY = _Forest(
    value=lambda s: (s.get("validity") or {}).get("difference"),
    interval=lambda s: (s.get("validity") or {}).get("difference_interval"),
    flagged=lambda s: bool((s.get("validity") or {}).get("flagged")),
    zero="0 (the agreed scores)",
    caption="mean difference from the validity portfolios' agreed scores, in score points",
)


def severity_chart(scorers: Sequence[Mapping[str, Any]], forest: _Forest = SEVERITY) -> Drawing:
    """Each scorer's value (by default the adjusted severity) with its interval, around zero."""
    shown = [s for s in scorers if forest.value(s) is not None]
    row_h, left, right = 13.0, 60.0, 20.0
    height = max(1, len(shown)) * row_h + 42
    drawing = Drawing(WIDTH, height)
    ends = [abs(float(v)) for s in shown for v in (forest.interval(s) or []) if v]
    ends += [abs(float(forest.value(s))) for s in shown]
    reach = max([0.5, *ends]) * 1.1
    plot_w = WIDTH - left - right

    def x(value: float) -> float:
        return left + (value + reach) / (2 * reach) * plot_w

    base = 30.0
    drawing.add(Line(x(0), base - 4, x(0), height - 6, strokeColor=INK, strokeWidth=0.8))
    for tick in (-reach / 1.1, -reach / 2.2, reach / 2.2, reach / 1.1):
        drawing.add(Line(x(tick), base - 4, x(tick), height - 6, strokeColor=RULE, strokeWidth=0.4))
        drawing.add(
            String(
                x(tick), base - 14, _points(tick), fontName=FONT, fontSize=6, textAnchor="middle"
            )
        )
    drawing.add(
        String(x(0), base - 14, forest.zero, fontName=FONT, fontSize=6, textAnchor="middle")
    )
    drawing.add(
        String(
            left + plot_w / 2,
            4,
            forest.caption,
            fontName=FONT,
            fontSize=6,
            textAnchor="middle",
            fillColor=MUTED,
        )
    )
    for i, s in enumerate(shown):
        y = height - 12 - i * row_h
        flagged = forest.flagged(s)
        colour = FLAG if flagged else BAR
        low, high = forest.interval(s) or (None, None)
        if low is not None and high is not None:
            drawing.add(Line(x(low), y, x(high), y, strokeColor=colour, strokeWidth=1.4))
        value = float(forest.value(s))
        drawing.add(Circle(x(value), y, 2.6, fillColor=colour, strokeColor=colour))
        label = s["scorer_id"] + (" (flagged)" if flagged else "")
        drawing.add(
            String(
                left - 4,
                y - 2.5,
                label[:24],
                fontName=FONT_BOLD if flagged else FONT,
                fontSize=6.5,
                textAnchor="end",
                fillColor=colour if flagged else INK,
            )
        )
    return drawing


def drift_chart(scorers: Sequence[Mapping[str, Any]]) -> Drawing:
    """Each scorer's severity week by week; drifting scorers thick, red and named."""
    weeks = sorted({w["week"] for s in scorers for w in s["drift"]["weeks"]})
    height, left, bottom, right = 2.6 * inch, 40.0, 26.0, 70.0
    drawing = Drawing(WIDTH, height)
    if len(weeks) < 2:
        drawing.add(
            String(
                left,
                height / 2,
                "Fewer than two weeks of dated reads: no drift to draw.",
                fontName=FONT,
                fontSize=8,
                fillColor=MUTED,
            )
        )
        return drawing
    values = [float(w["severity"]) for s in scorers for w in s["drift"]["weeks"]]
    reach = max([0.5, *map(abs, values)]) * 1.1
    plot_w, plot_h = WIDTH - left - right, height - bottom - 18

    def at(week: str, value: float) -> tuple[float, float]:
        x = left + weeks.index(week) / (len(weeks) - 1) * plot_w
        return x, bottom + (value + reach) / (2 * reach) * plot_h

    frame = Rect(left, bottom, plot_w, plot_h)
    frame.fillColor, frame.strokeColor = None, RULE
    drawing.add(frame)
    zero = at(weeks[0], 0)[1]
    drawing.add(Line(left, zero, left + plot_w, zero, strokeColor=INK, strokeWidth=0.6))
    drawing.add(String(left - 3, zero - 2, "0", fontName=FONT, fontSize=6, textAnchor="end"))
    drawing.add(
        String(
            left,
            height - 8,
            "severity that week, in score points (positive: scores higher)",
            fontName=FONT,
            fontSize=6,
            fillColor=MUTED,
        )
    )
    for value in (-reach / 1.1, reach / 1.1):
        drawing.add(
            String(
                left - 3,
                at(weeks[0], value)[1] - 2,
                _points(value),
                fontName=FONT,
                fontSize=6,
                textAnchor="end",
            )
        )
    for week in weeks:
        drawing.add(
            String(
                at(week, 0)[0], bottom - 11, week, fontName=FONT, fontSize=6, textAnchor="middle"
            )
        )
    ordered = sorted(scorers, key=lambda s: bool(s["drift"]["drifting"]))  # flagged on top
    for s in ordered:
        points = [at(w["week"], float(w["severity"])) for w in s["drift"]["weeks"]]
        if not points:
            continue
        drifting = bool(s["drift"]["drifting"])
        flat = [c for p in points for c in p]
        drawing.add(
            PolyLine(
                flat, strokeColor=FLAG if drifting else QUIET, strokeWidth=1.8 if drifting else 0.6
            )
        )
        if drifting:
            x, y = points[-1]
            drawing.add(
                String(
                    x + 4,
                    y - 2,
                    f"{s['scorer_id'][:16]} drifts",
                    fontName=FONT_BOLD,
                    fontSize=6.5,
                    fillColor=FLAG,
                )
            )
    return drawing


# --- the document ------------------------------------------------------------------------------


def _story(found: CohortAgreement, generated: datetime) -> list[Any]:
    data: dict[str, Any] = found.as_json()
    rubric = found.rubric
    names = {f.key: f.name for f in rubric.factors}
    labels = rubric.scale.labels
    scorers = data["scorers"]
    flagged_ids = [s["scorer_id"] for s in scorers if all_flags(s)]
    story: list[Any] = [
        _p(f"Scoring quality: cohort {found.cohort}", TITLE),
        _p(
            f"{rubric.program} · rubric {rubric.edition} · {data['reads']} complete reads, "
            f"{data['portfolios_compared']} portfolios read twice or more · printed "
            f"{generated.strftime('%Y-%m-%d %H:%M')} UTC",
            NOTE,
        ),
        Spacer(1, 6),
        _p(
            (
                f"Flagged: {', '.join(flagged_ids)}. A flag is a reason to look at the scorer's "
                "reads (their rationales, a backread), not a verdict."
            )
            if flagged_ids
            else "No scorer is flagged: every interval holds 0.",
            BODY,
        ),
        _p("Agreement of the cohort and each factor", H2),
        _table(_pair_rows(data, names), [2.6 * inch, 0.9 * inch] + [0.9 * inch] * 4),
        _p(
            "Exact: the share of read pairs with the same score. Same level: the same level "
            "number (3-, 3 and 3+ are level 3). QWK: quadratic weighted kappa (1 perfect, 0 "
            "chance). Alpha: Krippendorff's alpha, ordinal.",
            NOTE,
        ),
    ]
    rows, flagged = _scorer_rows(scorers)
    confidence = f"{float(data['confidence']) * 100:.0f}%"
    story += [
        _p("Scorers", H2),
        _table(
            rows,
            [w * inch for w in (1.0, 0.55, 0.75, 0.6, 0.7, 0.65, 1.5, 1.5, 0.75, 1.2)],
            flagged,
        ),
        _p(
            "Severity: the mean difference from the other reads of the same portfolios, in score "
            "points (positive: scores higher). Adjusted severity takes the partners' own severity "
            f"out. Intervals are {confidence}, simultaneous over the scorers: a scorer is flagged "
            "when the interval lies wholly above or below 0 (scores high or low), or when the "
            "drift's does (drifts).",
            NOTE,
        ),
    ]
    rows, flagged = _quality_rows(scorers)
    if len(rows) > 1:
        rule = rubric.calibration
        story += [
            CondPageBreak(1.6 * inch),  # never the heading alone at a page's foot
            _p("Validity portfolios and calibration", H2),
            _table(
                rows,
                [w * inch for w in (1.0, 0.8, 0.7, 0.75, 1.6, 1.6, 1.6, 0.8, 0.7)],
                flagged,
            ),
            _p(
                "Validity: each scorer's reads of portfolios with agreed expert scores, seeded "
                "blind among their live portfolios and never counted in any result. Difference: "
                "their mean difference from the agreed scores, in score points, with its "
                f"{confidence} simultaneous interval. Practice: their calibration reads judged "
                f"against the agreed scores by the rubric's rule ({rule.words()}), or let "
                "through by the coordinator's unlock code.",
                NOTE,
            ),
        ]
    rows, flagged = _backread_rows(scorers)
    if len(rows) > 1:
        story += [
            CondPageBreak(1.6 * inch),
            _p("Backreads", H2),
            _table(rows, [w * inch for w in (1.0, 1.1, 0.8, 0.8, 1.8, 2.2)], flagged),
            _p(
                "A random sample of each scorer's completed reads read again by an adjudicator. "
                "Difference: the scorer's score minus the backreader's, per read, in score "
                f"points (positive: the scorer scores higher), with its {confidence} "
                "simultaneous interval; flagged when it lies wholly above or below 0.",
                NOTE,
            ),
        ]
    story += [
        KeepTogether(
            [
                _p("Each scorer's adjusted severity, with its interval", H2),
                severity_chart(scorers),
            ]
        ),
        *(
            [
                KeepTogether(
                    [
                        _p("Each scorer's difference from the validity portfolios", H2),
                        severity_chart(scorers, VALIDITY),
                    ]
                )
            ]
            if any(VALIDITY.value(s) is not None for s in scorers)
            else []
        ),
        KeepTogether(
            [
                _p("Each scorer's severity, week by week", H2),
                drift_chart(scorers),
            ]
        ),
        KeepTogether(
            [
                _p("How often each score was given, by factor", H2),
                distribution_chart(found.distribution, names, labels),
            ]
        ),
    ]
    return story


def write_quality_report(found: CohortAgreement, target: Path) -> Path:
    """The report at `target`, written whole under a temporary name and moved into place."""
    target = Path(target)
    load_text_fonts()
    with atomic_write(target) as staged:
        doc = BaseDocTemplate(
            str(staged.path),
            pagesize=(PAGE_W, PAGE_H),
            leftMargin=MARGIN,
            rightMargin=MARGIN,
            topMargin=MARGIN,
            bottomMargin=MARGIN,
            title=f"Scoring quality: cohort {found.cohort}",
            author=found.rubric.program,
            creator="ICG Desk",
        )
        frame = Frame(MARGIN, MARGIN, WIDTH, PAGE_H - 2 * MARGIN, id="body")
        doc.addPageTemplates([PageTemplate(id="quality", frames=[frame], onPage=_page_number)])
        doc.build(_story(found, datetime.now(UTC)))
    return target


def _page_number(canvas: Any, doc: Any) -> None:
    canvas.saveState()
    canvas.setFont(FONT, 7)
    canvas.setFillColor(MUTED)
    canvas.drawRightString(PAGE_W - MARGIN, MARGIN / 2, f"Page {doc.page}")
    canvas.restoreState()
