"""Printing 1,000 score reports, against bare ReportLab code printing the same pages.

The bare code builds the same paragraphs and tables with the same style sheet and wording, on
the same embedded fonts, and draws the same header band and footer straight on the canvas. What
it leaves out is what `write_reports` adds: `esc` (markup escaping and the font fallback) on
every piece of data, the per-report marks that number each candidate's pages and report
progress, the progress callback, and the write to a temporary name renamed at the end.

Two rows: the combined file alone, in this process (the renderer itself); and what a
coordinator's `cohort reports` does, one file each plus the combined file, on every core
(export/report_pool.py), against the bare code doing the same work in one process.
"""

from __future__ import annotations

import random
import statistics
import tempfile
from datetime import date
from fractions import Fraction
from pathlib import Path
from typing import Any

from reportlab.lib import colors
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    KeepTogether,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from bench.harness import Row, median_seconds
from icg_desk.export import pdf_report as pr
from icg_desk.export import report_data as rd
from icg_desk.export import report_pool
from icg_desk.export.report_data import CandidateReport
from icg_desk.models.rubric_file import builtin_rubric
from icg_desk.scoring import Status, decide, format_score

REPORTS = 1_000
REPEAT = 3
COHORT_REPEAT = 2  # a minute and a half each round on two cores: bare, then ours


def sample_reports(count: int = REPORTS, seed: int = 7) -> list[CandidateReport]:
    """Candidates from strong to weak, as a cohort's are, and a few not fully scored."""
    rubric = builtin_rubric()
    values = [v.value for v in rubric.scale.values]
    rng = random.Random(seed)
    reports = []
    for n in range(count):
        strength = rng.uniform(1.2, 3.9)
        scores: dict[str, Fraction | None] = {}
        for key in rubric.factor_keys:
            target = strength + rng.uniform(-0.8, 0.8)
            scores[key] = min(values, key=lambda v: abs(float(v) - target))
        if rng.random() < 0.05:
            scores[rng.choice(rubric.factor_keys)] = None
        code = f"C27-{10000 + n:05d}"
        reports.append(
            CandidateReport(
                code,
                code,
                "2026-27",
                rubric,
                scores,
                decide(rubric, scores),
                date(2026, 10, 31),
                preview=False,
            )
        )
    return reports


def _bare_page(canv: Canvas, doc: Any) -> None:
    report: CandidateReport = doc.current
    canv.saveState()
    canv.setFillColor(pr.BAND)
    canv.rect(0, pr.PAGE_H - pr.BAND_H, pr.PAGE_W, pr.BAND_H, stroke=0, fill=1)
    canv.setFillColor(colors.white)
    canv.setFont(pr.FONT_BOLD, 12.5)
    canv.drawString(pr.MARGIN, pr.PAGE_H - pr.BAND_H / 2 - 4, report.rubric.program)
    canv.setFillColor(pr.BAND_TEXT)
    canv.setFont(pr.FONT, 8)
    canv.drawRightString(
        pr.PAGE_W - pr.MARGIN, pr.PAGE_H - pr.BAND_H / 2 - 3, "Candidate score report"
    )
    canv.setStrokeColor(pr.RULE)
    canv.line(pr.MARGIN, pr.BOTTOM - 16, pr.PAGE_W - pr.MARGIN, pr.BOTTOM - 16)
    canv.setFillColor(pr.MUTED)
    canv.setFont(pr.FONT, 6.5)
    canv.drawString(
        pr.MARGIN,
        pr.BOTTOM - 28,
        f"{report.rubric.program} · Score report · Cohort {report.cohort}",
    )
    canv.drawRightString(
        pr.PAGE_W - pr.MARGIN,
        pr.BOTTOM - 28,
        f"{report.candidate_code} · Page {canv.getPageNumber()}",
    )
    canv.restoreState()


class _Current(Flowable):
    def __init__(self, report: CandidateReport) -> None:
        super().__init__()
        self.report = report

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        return 0.0, 0.0

    def draw(self) -> None:
        self.canv._doctemplate.current = self.report


def _bare_story(r: CandidateReport) -> list[Flowable]:
    d, rubric = r.decision, r.rubric
    title_style, overall_style = pr._PANEL_STYLES[d.status]
    _, tint, edge = pr._PANEL[d.status]
    identity = Table(
        [
            [
                Paragraph(x, pr.LABEL)
                for x in ("CANDIDATE CODE", "COHORT", "RUBRIC EDITION", "ISSUED")
            ],
            [
                Paragraph(x, pr.VALUE)
                for x in (r.candidate_code, r.cohort, rubric.edition, rd.issued_text(r.issued))
            ],
        ],
        colWidths=[pr.WIDTH * 0.28, pr.WIDTH * 0.2, pr.WIDTH * 0.26, pr.WIDTH * 0.26],
    )
    identity.setStyle(
        TableStyle(
            [("LEFTPADDING", (0, 0), (-1, -1), 0), ("LINEABOVE", (0, 0), (-1, 0), 0.5, pr.RULE)]
        )
    )
    panel = Table(
        [
            [
                [
                    Paragraph("DECISION", pr.LABEL),
                    Paragraph(rd.decision_title(r), title_style),
                    Spacer(1, 2),
                    Paragraph(rd.decision_summary(r), pr.BODY),
                ],
                [
                    Paragraph("OVERALL SCORE", pr.LABEL_RIGHT),
                    Paragraph(rd.overall_text(r), overall_style),
                    Paragraph("2.75 needed · scale 0.75–4.25", pr.SMALL_RIGHT),
                ],
            ]
        ],
        colWidths=[pr.WIDTH - 140, 140],
    )
    panel.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, -1), tint),
                ("LINEBEFORE", (0, 0), (0, 0), 4, edge),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        )
    )
    rows: list[list[Any]] = [
        [Paragraph(h, pr.TH) for h in ("Factor", "Score", "Level", "Accomplished", "Retake")]
    ]
    for f in rubric.factors:
        s = r.scores.get(f.key)
        if s is None:
            rows.append(
                [Paragraph(f.name, pr.CELL), "–", Paragraph("Not yet scored", pr.CELL), "", ""]
            )
        else:
            rows.append(
                [
                    Paragraph(f.name, pr.CELL),
                    format_score(s),
                    Paragraph(rubric.level_text(s), pr.CELL),
                    "Yes" if s >= Fraction(11, 4) else "No",
                    "Yes" if f.key in d.retake else "",
                ]
            )
    rows.append(["Overall score", rd.overall_text(r), "", "", ""])
    factors = Table(rows, colWidths=[122, 48, 212, 74, 48], repeatRows=1)
    factors.setStyle(TableStyle(pr._GRID))
    story: list[Flowable] = [
        _Current(r),
        Paragraph("SCORE REPORT", pr.KICKER),
        Paragraph(r.display_name, pr.H1),
        identity,
        Spacer(1, 12),
        panel,
        Paragraph("Factor scores", pr.H2),
        factors,
        Paragraph(rd.calculation_text(r), pr.NOTE),
    ]
    if d.status is Status.NOT_CERTIFIED and d.retake:
        story += [Paragraph("What to retake", pr.H2), Paragraph(rd.retake_text(r), pr.BODY)]
    legend = Table(
        [
            [
                [
                    Paragraph(f"<b>{line.level}</b>  {line.evidence}", pr.CELL),
                    Paragraph(line.range_text, pr.LEGEND),
                    Paragraph(
                        " · ".join(f"<b>{lb}</b>&nbsp;{v}" for lb, v in line.scores), pr.LEGEND
                    ),
                    Paragraph(
                        "Accomplished" if line.accomplished else "Less than accomplished", pr.LEGEND
                    ),
                ]
                for line in rd.scale_lines(rubric)
            ]
        ],
        colWidths=[pr.WIDTH / 4] * 4,
    )
    legend.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEABOVE", (0, 0), (-1, 0), 0.8, pr.INK),
                ("LINEBELOW", (0, 0), (-1, 0), 0.25, pr.RULE),
                ("LINEAFTER", (0, 0), (-2, 0), 0.25, pr.RULE),
                ("BACKGROUND", (2, 0), (-1, 0), pr.ZEBRA),
            ]
        )
    )
    story.append(
        KeepTogether(
            [
                Paragraph("How the scores work", pr.H2),
                Paragraph(rd.scale_note(rubric), pr.BODY),
                Spacer(1, 6),
                legend,
            ]
        )
    )
    below = [rubric.factor(k) for k in d.below_accomplished]
    if below:
        story += [
            Paragraph("Areas to strengthen", pr.H2),
            Paragraph(
                "The factors scored below 2.75, each with its look-fors: what scorers look for "
                "in the evidence.",
                pr.BODY,
            ),
        ]
    for f in below:
        score = r.scores[f.key]
        assert score is not None
        head = Paragraph(
            f"<b>{f.name}</b>"
            f'<font color="#5F6B7A">  ·  {format_score(score)}  ·  '
            f"{rubric.level_text(score)}</font>",
            pr.FACTOR_HEAD,
        )
        items = [[Paragraph(item, pr.BULLET, bulletText="•")] for item in f.look_fors]
        block = Table([[head], *items], colWidths=[pr.WIDTH], repeatRows=1)
        block.setStyle(pr._LIST)
        story.append(block)
    return story


def bare_combined(reports: list[CandidateReport], path: Path) -> None:
    story: list[Flowable] = []
    for r in reports:
        if story:
            story.append(PageBreak())
        story += _bare_story(r)
    _bare_doc(path).build(story)


def bare_each_and_combined(reports: list[CandidateReport], folder: Path) -> None:
    """What `cohort reports` writes, by the bare code in one process: a file each, then all."""
    for r in reports:
        _bare_doc(folder / f"{r.candidate_code}.pdf").build(_bare_story(r))
    bare_combined(reports, folder / "all.pdf")


def _bare_doc(path: Path) -> BaseDocTemplate:
    doc = BaseDocTemplate(
        str(path),
        pagesize=pr.LETTER,
        leftMargin=pr.MARGIN,
        rightMargin=pr.MARGIN,
        topMargin=pr.TOP,
        bottomMargin=pr.BOTTOM,
    )
    frame = Frame(
        pr.MARGIN,
        pr.BOTTOM,
        pr.WIDTH,
        pr.PAGE_H - pr.TOP - pr.BOTTOM,
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
    )
    doc.addPageTemplates([PageTemplate(frames=[frame], onPageEnd=_bare_page)])
    return doc


def rows() -> list[Row]:
    reports = sample_reports()
    folder = Path(tempfile.mkdtemp(prefix="icg-bench-reports-"))
    pr._text_cmap(False)  # both sides print with the fonts registered: not part of the timing

    def ours() -> None:
        pr._esc.cache_clear()  # a fresh process escapes every string once, like the bare code
        run = pr.write_reports(reports, combined=folder / "ours.pdf", progress=lambda d, t: True)
        assert not run.skipped
        assert not run.cancelled

    def bare() -> None:
        bare_combined(reports, folder / "bare.pdf")

    # Alternating, so a neighbour busy for a while slows both sides alike.
    ours_times, bare_times = [], []
    for _ in range(REPEAT):
        ours_times.append(median_seconds(ours, repeat=1))
        bare_times.append(median_seconds(bare, repeat=1))
    value, baseline = statistics.median(ours_times), statistics.median(bare_times)
    return [
        Row(
            f"print {REPORTS:,} score reports into one PDF",
            value,
            baseline,
            "s",
            "bare ReportLab: same paragraphs, tables, fonts",
        ),
        _cohort_row(reports, folder),
    ]


def _cohort_row(reports: list[CandidateReport], folder: Path) -> Row:
    """`cohort reports`: a file each and the combined file, on every core, against one process.

    Ours chooses its workers as the app does (one per core); the first run starts the fork
    server as well, the later ones fork from it, as a second printing in the window does.
    """
    names = [f"{r.candidate_code}.pdf" for r in reports]

    def ours() -> None:
        out = folder / "pool"
        run = report_pool.print_reports(
            reports,
            [out / name for name in names],
            combined=report_pool.Combined(
                out / "all.pdf", "Score reports", "ICG", [n.removesuffix(".pdf") for n in names]
            ),
            progress=lambda d, t: True,
        )
        assert not run.skipped
        assert len(run.written) == len(reports) + 1

    def bare() -> None:
        out = folder / "bare"
        out.mkdir(exist_ok=True)
        bare_each_and_combined(reports, out)

    ours_times, bare_times = [], []
    for _ in range(COHORT_REPEAT):
        ours_times.append(median_seconds(ours, repeat=1))
        bare_times.append(median_seconds(bare, repeat=1))
    workers = report_pool.choose_workers(len(reports))
    return Row(
        f"cohort reports: {REPORTS:,} files and the combined PDF, {workers or 'no'} workers",
        statistics.median(ours_times),
        statistics.median(bare_times),
        "s",
        "bare ReportLab, the same files in one process",
    )


if __name__ == "__main__":
    from bench.harness import render

    print(render(rows()))
