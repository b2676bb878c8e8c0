"""The candidate score report as PDF: one candidate, a folder of them, or one combined file.

Every piece of text that comes from data (names, codes, cohort, and the rubric's own wording:
rubric files are data too) reaches a Paragraph only through `esc`, which escapes markup and
picks a font per run of characters: DejaVu Sans for most scripts, Droid Sans Fallback for
Chinese, Japanese and Korean; Arabic is shaped and right-to-left runs are put in display order;
pictographs no embedded font has (emoji) are left out rather than printed as empty boxes.

Files are written under a temporary name in the same folder and renamed when complete, so a
cancelled or failed run never leaves a half-written report under the final name.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape as _xml
from xml.sax.saxutils import unescape as _unxml

import arabic_reshaper  # type: ignore[import-untyped]
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Flowable,
    Frame,
    KeepTogether,
    PageBreakIfNotEmpty,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.doctemplate import LayoutError

from icg_desk.export import report_data as rd
from icg_desk.export.report_data import CandidateReport
from icg_desk.formats.atomic import atomic_write
from icg_desk.formats.naming import safe_stem
from icg_desk.paths import resources_dir
from icg_desk.scoring import Status, format_score

ProgressCallback = Callable[[int, int], bool]  # (done, total) -> False to cancel

SCORERS_PREVIEW = "SCORER'S PREVIEW"


@dataclass(frozen=True)
class ReportRun:
    written: list[Path]  # the files written (per-candidate files and/or the combined file)
    skipped: list[tuple[str, str]]  # (candidate code, why) for records that could not be printed
    cancelled: bool


class ReportError(Exception):
    """A report that cannot be printed; the message says why, for the list of skipped records."""


# --- fonts ------------------------------------------------------------------------------------

FONT, FONT_BOLD, FONT_CJK = "DejaVuSans", "DejaVuSans-Bold", "DroidSansFallback"
_FILES = {
    FONT: "DejaVuSans.ttf",
    FONT_BOLD: "DejaVuSans-Bold.ttf",
    FONT_CJK: "DroidSansFallback.ttf",
}
# ReportLab's font registry is global; a report may be printed from a worker thread.
_font_lock = threading.Lock()
_cmaps: dict[str, Mapping[int, int]] = {}


def _load_font(name: str) -> Mapping[int, int]:
    """Register one shipped font (once) and return its character map."""
    with _font_lock:
        if name not in _cmaps:
            path = resources_dir() / "fonts" / _FILES[name]
            try:
                font = TTFont(name, str(path))
            except Exception as exc:  # noqa: BLE001 - a missing or damaged font: TTFError, OSError, ...
                raise ReportError(f"the font {_FILES[name]} cannot be loaded: {exc}") from None
            pdfmetrics.registerFont(font)
            # Every weight maps to a face we have: <b> around any run must never fail.
            bold = FONT_BOLD if name == FONT else name
            pdfmetrics.registerFontFamily(
                name, normal=name, bold=bold, italic=name, boldItalic=bold
            )
            _cmaps[name] = font.face.charToGlyph
        return _cmaps[name]


def _text_cmap(bold: bool) -> Mapping[int, int]:
    bold_map = _load_font(FONT_BOLD)  # first: DejaVuSans's family names it as its bold
    regular_map = _load_font(FONT)
    return bold_map if bold else regular_map


def load_text_fonts() -> None:
    """Register the text fonts (once): a style that names them needs them first."""
    _text_cmap(False)


def _cjk_cmap() -> Mapping[int, int]:
    # Loaded only when a report needs it: most batches never do, and it is 3.4 MB.
    return _load_font(FONT_CJK)


# --- text -------------------------------------------------------------------------------------

_SPACES = re.compile(r"\s+")
_DROPPED = frozenset({"So", "Sk", "Mn", "Me"})  # pictographs, their modifiers and marks
_MIRROR = str.maketrans("()[]{}<>«»‹›", ")(][}{><»«›‹")


def esc(text: str, *, bold: bool = False) -> str:
    """Untrusted text as Paragraph markup that prints it literally, in fonts that have it.

    `<`, `&` and markup print as typed; runs of CJK characters are wrapped in the CJK font;
    Arabic is shaped and right-to-left runs put in display order; emoji and other pictographs
    no embedded font has are left out (a name never shows an empty box); a letter no font has
    prints as U+FFFD, so a reader sees that something is missing.
    """
    if not isinstance(text, str):
        raise ReportError(f"expected text, found {type(text).__name__} {text!r}")
    return _esc(text, bold)


@lru_cache(maxsize=16384)
def _esc(text: str, bold: bool) -> str:
    if text.isascii() and text.isprintable():
        return _xml(text)  # nearly all text: every printable ASCII character is in DejaVu Sans
    main = _text_cmap(bold)
    kept = []
    for ch in unicodedata.normalize("NFC", text):
        category = unicodedata.category(ch)
        if category in ("Zs", "Zl", "Zp") or ch in "\t\n\r\f\v":
            kept.append(" ")
        elif category in ("Cc", "Cs") or (category == "Cf" and ch != "\u200c"):
            continue  # controls, bidi overrides (spoofing), joiners and tags of emoji sequences
        elif 0xFE00 <= ord(ch) <= 0xFE0F or 0xE0100 <= ord(ch) <= 0xE01EF:
            continue  # variation selectors: the emoji presentation of a symbol
        elif ord(ch) in main:
            kept.append(ch)
        elif category in _DROPPED:
            continue
        else:
            kept.append(ch if ord(ch) in _cjk_cmap() else "\ufffd")
    line = _SPACES.sub(" ", "".join(kept)).strip()
    if any(unicodedata.bidirectional(ch) in ("R", "AL") for ch in line):
        line = _visual(arabic_reshaper.reshape(line))
    return _font_runs(line, main)


def _font_runs(line: str, main: Mapping[int, int]) -> str:
    parts: list[str] = []
    run: list[str] = []
    run_cjk = False
    for ch in line:
        cjk = ord(ch) not in main
        if cjk and ord(ch) not in _cjk_cmap():
            ch, cjk = "\ufffd", False  # a shaped form no font has (rare): visibly missing
        if cjk != run_cjk and run:
            parts.append(_wrap("".join(run), run_cjk))
            run = []
        run.append(ch)
        run_cjk = cjk
    if run:
        parts.append(_wrap("".join(run), run_cjk))
    return "".join(parts)


def _wrap(run: str, cjk: bool) -> str:
    return f'<font name="{FONT_CJK}">{_xml(run)}</font>' if cjk else _xml(run)


def _visual(line: str) -> str:
    """A left-to-right line with its right-to-left runs in display order.

    The Unicode bidirectional algorithm for a left-to-right paragraph without explicit
    embeddings (they were removed): a report's text is English with names and words of other
    scripts inside it. Strong right-to-left characters get level 1, numbers among them level 2,
    neutrals between two characters of one direction take that direction; then each run at
    level 1 or more is reversed, then each at level 2, and brackets at odd levels are mirrored.
    """
    kinds: list[str] = []
    for ch in line:
        b = unicodedata.bidirectional(ch)
        if b == "NSM":
            b = kinds[-1] if kinds else "L"
        kinds.append("R" if b == "AL" else b)
    for i in range(1, len(kinds) - 1):  # 1,000 and 2.5 stay one number (rule W4)
        if kinds[i] in ("CS", "ES") and kinds[i - 1] == kinds[i + 1] == "EN":
            kinds[i] = "EN"
    strong = "L"
    for i, kind in enumerate(kinds):  # numbers after left-to-right text are left-to-right (W7)
        if kind in ("L", "R"):
            strong = kind
        elif kind == "EN" and strong == "L":
            kinds[i] = "L"
    levels = [0 if k == "L" else 1 if k == "R" else 2 if k in ("EN", "AN") else -1 for k in kinds]
    i = 0
    while i < len(levels):  # neutrals (N1, N2)
        if levels[i] != -1:
            i += 1
            continue
        j = i
        while j < len(levels) and levels[j] == -1:
            j += 1
        before = 0 if i == 0 else min(levels[i - 1], 1)
        after = 0 if j == len(levels) else min(levels[j], 1)
        levels[i:j] = [1 if before == after == 1 else 0] * (j - i)
        i = j
    chars = [ch.translate(_MIRROR) if lv == 1 else ch for ch, lv in zip(line, levels, strict=True)]
    for floor in (2, 1):  # L2: reverse from the highest level down
        i = 0
        while i < len(chars):
            if levels[i] < floor:
                i += 1
                continue
            j = i
            while j < len(chars) and levels[j] >= floor:
                j += 1
            chars[i:j], levels[i:j] = chars[i:j][::-1], levels[i:j][::-1]
            i = j
    return "".join(chars)


# --- the page ---------------------------------------------------------------------------------

PAGE_W, PAGE_H = LETTER  # ICG is US-based: US Letter
MARGIN = 54.0  # 0.75 in
BAND_H = 46.0  # the header band with the program's name
TOP, BOTTOM = BAND_H + 26.0, 48.0
WIDTH = PAGE_W - 2 * MARGIN

INK = colors.HexColor("#1C2430")
MUTED = colors.HexColor("#5F6B7A")
RULE = colors.HexColor("#D8DDE4")
ZEBRA = colors.HexColor("#F4F6F9")
BAND = colors.HexColor("#1F3A5F")
BAND_TEXT = colors.HexColor("#C9D6E6")
RETAKE = colors.HexColor("#A33A3A")
PREVIEW = colors.HexColor("#E0A526")
# (text, tint, edge) of the decision panel: green for certified, a muted red for not.
_PANEL = {
    Status.CERTIFIED: ("#1E6B43", "#EAF4EE", "#2E8B57"),
    Status.NOT_CERTIFIED: ("#8E2F2F", "#FAEEEE", "#B84A4A"),
    Status.INCOMPLETE: ("#6F5514", "#FBF4E2", "#C99A2E"),
}


def _style(name: str, size: float, leading: float, **kw: Any) -> ParagraphStyle:
    base: dict[str, Any] = {"fontName": FONT, "textColor": INK}
    return ParagraphStyle(name, fontSize=size, leading=leading, **(base | kw))


def _label(name: str, size: float = 6.5, **kw: Any) -> ParagraphStyle:
    return _style(name, size, size + 2.5, fontName=FONT_BOLD, textColor=MUTED, **kw)


BODY = _style("body", 8.5, 11.5)
NOTE = _style("note", 7.5, 10, textColor=MUTED, spaceBefore=5)
KICKER = _style("kicker", 7.5, 10, fontName=FONT_BOLD, textColor=MUTED)
KICKER_PREVIEW = _style("kicker-preview", 7.5, 10, fontName=FONT_BOLD, textColor="#9A6B00")
H1 = _style("h1", 19, 23, fontName=FONT_BOLD, spaceBefore=1, spaceAfter=6)
H2 = _style("h2", 10.5, 13, fontName=FONT_BOLD, textColor=BAND, spaceBefore=12, spaceAfter=4)
LABEL, LABEL_RIGHT = _label("label"), _label("label-right", alignment=TA_RIGHT)
VALUE = _style("value", 9, 11.5)
TH, TH_RIGHT = _label("th", 7), _label("th-right", 7, alignment=TA_RIGHT)
CELL = _style("cell", 8, 10)
CELL_MUTED = _style("cell-muted", 8, 10, textColor=MUTED)
FACTOR_HEAD = _style("factor-head", 8.5, 11, spaceBefore=5, spaceAfter=1.5, keepWithNext=1)
# The bullet in the text font, and room for it: else ReportLab's default (Helvetica 10) pushes
# each first line right of the lines under it.
BULLET = _style(
    "bullet", 7.5, 9.1, leftIndent=11, bulletIndent=2, bulletFontName=FONT, bulletFontSize=7.5
)
BAND_TITLE = _style("band-title", 12.5, 15, fontName=FONT_BOLD, textColor=colors.white)
FOOT = _style("foot", 6.5, 8.5, textColor=MUTED)
FOOT_RIGHT = _style("foot-right", 6.5, 8.5, textColor=MUTED, alignment=TA_RIGHT)
LEGEND = _style("legend", 7, 9, textColor=MUTED, spaceBefore=1.5)
SMALL_RIGHT = _style("small-right", 7, 9, textColor=MUTED, alignment=TA_RIGHT)
PROVISIONAL = _style(
    "provisional", 7.5, 10, fontName=FONT_BOLD, textColor="#9A6B00", alignment=TA_RIGHT
)
_PANEL_STYLES = {
    status: (
        _style(f"decision-{status}", 16, 20, fontName=FONT_BOLD, textColor=fg),
        _style(f"overall-{status}", 22, 26, fontName=FONT_BOLD, textColor=fg, alignment=TA_RIGHT),
    )
    for status, (fg, _, _) in _PANEL.items()
}
# The tables: light rules, zebra rows, a firmer rule under the header.
_GRID: list[Any] = [
    # TOP, not MIDDLE: a plain string and a Paragraph then share their first baseline.
    ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ("LEFTPADDING", (0, 0), (-1, -1), 5),
    ("RIGHTPADDING", (0, 0), (-1, -1), 5),
    ("TOPPADDING", (0, 0), (-1, -1), 2.5),
    ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ("FONTNAME", (0, 0), (-1, -1), FONT),
    ("FONTSIZE", (0, 0), (-1, -1), 8),
    ("TEXTCOLOR", (0, 0), (-1, -1), INK),
    ("LINEBELOW", (0, 0), (-1, 0), 0.8, INK),
    ("LINEBELOW", (0, 1), (-1, -1), 0.25, RULE),
    ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, ZEBRA]),
]


_LIST = TableStyle(
    [
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("RIGHTPADDING", (0, 0), (-1, -1), 0),
        ("TOPPADDING", (0, 0), (-1, -1), 0),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 0.6),
        ("TOPPADDING", (0, 0), (-1, 0), 5),
        ("BOTTOMPADDING", (0, 0), (-1, 0), 1.5),
    ]
)


class _Mark(Flowable):
    """A zero-size flowable that runs `action` when it is placed, on the page it lands on."""

    def __init__(self, action: Callable[[Canvas], None]) -> None:
        super().__init__()
        self._action = action

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        return 0.0, 0.0

    def draw(self) -> None:
        self._action(self.canv)


class _Pages:
    """Which report the page belongs to, for its header and footer (one file may hold many).

    Each page says "Page N of M", M being the report's own page count, which is known only
    once its last flowable is placed. Until then each page's footer line is a named form
    (a PDF XObject, which may be used before it is defined); `finish` defines them.
    """

    def __init__(self, preview_label: str = SCORERS_PREVIEW) -> None:
        self.preview_label = preview_label
        self.index: int | None = None
        self.report: CandidateReport | None = None
        self.first_page = 1
        self.total: int | None = None  # the report's page count, once it is known
        self.pending: list[tuple[str, int]] = []  # (form name, page) of footers still to draw
        self.forms = 0

    def start(self, index: int, report: CandidateReport, canv: Canvas) -> None:
        self.index, self.report, self.first_page = index, report, canv.getPageNumber()
        self.total, self.pending = None, []

    def finish(self, canv: Canvas) -> None:
        """The report's last flowable is placed: its page count is known."""
        assert self.report is not None
        self.total = canv.getPageNumber() - self.first_page + 1
        for name, page in self.pending:
            canv.beginForm(name)
            _page_line(canv, self.report, page, self.total)
            canv.endForm()
        self.pending = []

    def end_page(self, canv: Canvas, _doc: BaseDocTemplate) -> None:
        if self.report is None:
            return
        page = canv.getPageNumber() - self.first_page + 1
        _decorate(canv, self.report, self.preview_label)
        if self.total is not None:
            _page_line(canv, self.report, page, self.total)
        else:
            self.forms += 1
            name = f"PageOf{self.forms}"
            self.pending.append((name, page))
            canv.doForm(name)


def _page_line(canv: Canvas, report: CandidateReport, page: int, total: int) -> None:
    """ "C27-04813 · Page 1 of 2", at the right of the footer."""
    text = f"{esc(report.candidate_code)} · Page {page} of {total}"
    _line(canv, text, FOOT_RIGHT, MARGIN + WIDTH * 0.64, BOTTOM - 26, WIDTH * 0.36)


def _decorate(canv: Canvas, report: CandidateReport, preview_label: str) -> None:
    """The header band, the provisional line under it, and the footer (but its page number)."""
    canv.saveState()
    canv.setFillColor(BAND)
    canv.rect(0, PAGE_H - BAND_H, PAGE_W, BAND_H, stroke=0, fill=1)
    middle = PAGE_H - BAND_H / 2
    _line(canv, esc(report.rubric.program, bold=True), BAND_TITLE, MARGIN, middle, WIDTH - 170)
    if report.preview:
        # A tag no one can miss: a preview must never pass for the candidate's copy.
        label = preview_label
        w = pdfmetrics.stringWidth(label, FONT_BOLD, 7) + 16
        canv.setFillColor(PREVIEW)
        canv.roundRect(PAGE_W - MARGIN - w, middle - 8, w, 16, 3, stroke=0, fill=1)
        canv.setFillColor(INK)
        canv.setFont(FONT_BOLD, 7)
        canv.drawCentredString(PAGE_W - MARGIN - w / 2, middle - 2.5, label)
    else:
        canv.setFillColor(BAND_TEXT)
        canv.setFont(FONT, 8)
        canv.drawRightString(PAGE_W - MARGIN, middle - 3, "Candidate score report")
    if report.provisional:
        # Under the band, on every page: a result that may still change says why.
        below = PAGE_H - BAND_H - 12
        _line(canv, esc(report.provisional, bold=True), PROVISIONAL, MARGIN, below, WIDTH)
    canv.setStrokeColor(RULE)
    canv.setLineWidth(0.5)
    canv.line(MARGIN, BOTTOM - 16, PAGE_W - MARGIN, BOTTOM - 16)
    foot = f"{esc(report.rubric.program)} · Score report · Cohort {esc(report.cohort)}"
    _line(canv, foot, FOOT, MARGIN, BOTTOM - 26, WIDTH * 0.64)
    canv.restoreState()


def _line(
    canv: Canvas, markup: str, style: ParagraphStyle, x: float, middle: float, w: float
) -> None:
    """One line of `esc` markup, vertically centred on `middle`, on every page.

    Drawn straight on the canvas when it is a single run of the text font that fits (nearly
    always: it saves a Paragraph per line on every page); as a Paragraph otherwise.
    """
    text = _unxml(markup) if "<" not in markup else ""
    size = style.fontSize
    if text and pdfmetrics.stringWidth(text, style.fontName, size) <= w:
        canv.setFont(style.fontName, size)
        canv.setFillColor(style.textColor)
        baseline = middle - size * 0.35
        if style.alignment == TA_RIGHT:
            canv.drawRightString(x + w, baseline, text)
        else:
            canv.drawString(x, baseline, text)
        return
    para = Paragraph(markup, style)
    _, h = para.wrapOn(canv, w, PAGE_H)
    para.drawOn(canv, x, middle - h / 2)


# --- the report -------------------------------------------------------------------------------


def _story(
    report: CandidateReport, index: int, pages: _Pages, done: Callable[[], None]
) -> list[Flowable]:
    """Every flowable of one report, bracketed by marks for the page decoration and progress.

    Everything that can fail on bad data fails here, before a page is laid out: Paragraph
    parses its markup when it is made.
    """
    _text_cmap(False)  # the styles name the text fonts: they must be registered first
    if report.preview:
        kicker = Paragraph(
            f"{esc(pages.preview_label)} · NOT FOR RELEASE TO THE CANDIDATE", KICKER_PREVIEW
        )
    else:
        kicker = Paragraph("SCORE REPORT", KICKER)
    story: list[Flowable] = [
        _Mark(lambda canv: pages.start(index, report, canv)),
        kicker,
        Paragraph(esc(report.display_name, bold=True), H1),
        _identity(report),
        Spacer(1, 12),
        _decision_panel(report),
        Paragraph("Factor scores and requirements", H2),
        _factor_table(report),
        Paragraph(esc(rd.calculation_text(report)), NOTE),
    ]
    if report.decision.status is Status.NOT_CERTIFIED and report.decision.retake:
        story += [Paragraph("What to retake", H2), Paragraph(esc(rd.retake_text(report)), BODY)]
    next_step = rd.next_step_text(report)
    if next_step is not None:
        story += [Paragraph("What would certify", H2), Paragraph(esc(next_step), BODY)]
    # The scale before the look-fors: a long list of look-fors then splits across the pages
    # wherever it must, and a weak candidate's report still ends on its second page.
    story.append(KeepTogether(_scale(report)))
    story += _strengthen(report)

    def end(canv: Canvas) -> None:
        pages.finish(canv)
        done()

    story.append(_Mark(end))
    return story


def _identity(report: CandidateReport) -> Table:
    labels = ["CANDIDATE CODE", "COHORT", "RUBRIC EDITION", "ISSUED"]
    values = [report.candidate_code, report.cohort, report.rubric.edition]
    cells = [Paragraph(esc(v), VALUE) for v in values]
    issued = rd.issued_text(report.issued)
    if report.amended is not None:  # reopened and released again: said beside the issue date
        issued += f"<br/>Amended {rd.issued_text(report.amended)}"
    cells.append(Paragraph(issued, VALUE))
    table = Table(
        [[Paragraph(label, LABEL) for label in labels], cells],
        colWidths=[WIDTH * 0.28, WIDTH * 0.2, WIDTH * 0.26, WIDTH * 0.26],
    )
    table.setStyle(
        TableStyle(
            [
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, 0), 6),
                ("BOTTOMPADDING", (0, 0), (-1, 0), 1),
                ("LINEABOVE", (0, 0), (-1, 0), 0.5, RULE),
            ]
        )
    )
    return table


def _decision_panel(report: CandidateReport) -> Table:
    status = report.decision.status
    _, tint, edge = _PANEL[status]
    title_style, overall_style = _PANEL_STYLES[status]
    scale, t = report.rubric.scale, report.rubric.thresholds
    left = [
        Paragraph("PROVISIONAL DECISION" if report.provisional else "DECISION", LABEL),
        Paragraph(rd.decision_title(report), title_style),
        Spacer(1, 2),
        Paragraph(esc(rd.decision_summary(report)), BODY),
    ]
    right = [
        Paragraph("OVERALL SCORE" if status is not Status.INCOMPLETE else "SO FAR", LABEL_RIGHT),
        Paragraph(rd.overall_text(report), overall_style),
        Paragraph(
            f"{format_score(t.certification)} needed · scale "
            f"{format_score(scale.lowest)}–{format_score(scale.highest)}",
            SMALL_RIGHT,
        ),
    ]
    table = Table([[left, right]], colWidths=[WIDTH - 140, 140])
    table.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, -1), tint),
                ("LINEBEFORE", (0, 0), (0, 0), 4, edge),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("LEFTPADDING", (0, 0), (0, 0), 14),
                ("RIGHTPADDING", (-1, 0), (-1, 0), 14),
                ("TOPPADDING", (0, 0), (-1, -1), 8),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 9),
            ]
        )
    )
    return table


def _factor_table(report: CandidateReport) -> Table:
    """Each factor's score and level, and the Met? column: every requirement of certification
    (each factor at least the floor, the overall at least the threshold) against this score."""
    heads = [
        ("Factor", TH),
        ("Score", TH_RIGHT),
        ("Level", TH),
        ("Accomplished", TH),
        ("Needed", TH_RIGHT),
        ("Met?", TH),
    ]
    rows: list[list[object]] = [[Paragraph(text, style) for text, style in heads]]
    style: list[Any] = [
        *_GRID,
        ("ALIGN", (1, 0), (1, -1), "RIGHT"),
        ("RIGHTPADDING", (1, 0), (1, -1), 12),
        ("ALIGN", (4, 0), (4, -1), "RIGHT"),
        ("RIGHTPADDING", (4, 0), (4, -1), 12),
    ]
    needs = rd.requirements(report)
    for i, (line, need) in enumerate(zip(rd.factor_lines(report), needs, strict=False), start=1):
        markup = esc(line.factor.name)
        if line.mark:
            markup += f'<br/><font size="6.5" color="#5F6B7A">{esc(line.mark)}</font>'
        name = Paragraph(markup, CELL)
        if line.score is None:
            rows.append([name, "–", Paragraph(rd.NOT_SCORED, CELL_MUTED), "", need.needed, "–"])
            style.append(("TEXTCOLOR", (1, i), (1, i), MUTED))
            continue
        level = Paragraph(esc(line.level_text), CELL)
        met = need.met_text + (": retake" if line.retake else "")
        rows.append(
            [name, line.score_text, level, "Yes" if line.accomplished else "No", need.needed, met]
        )
        if not need.met:
            style += [
                ("TEXTCOLOR", (5, i), (5, i), RETAKE),
                ("FONTNAME", (5, i), (5, i), FONT_BOLD),
            ]
    last = len(rows)
    overall = needs[-1]
    so_far = report.decision.status is Status.INCOMPLETE
    rows.append(
        [
            "Overall score so far" if so_far else "Overall score",
            overall.score_text,
            "",
            "",
            overall.needed,
            overall.met_text,
        ]
    )
    style += [
        ("LINEABOVE", (0, last), (-1, last), 0.8, INK),
        ("FONTNAME", (0, last), (-1, last), FONT_BOLD),
        ("BACKGROUND", (0, last), (-1, last), colors.white),
    ]
    if overall.met is False:
        style.append(("TEXTCOLOR", (5, last), (5, last), RETAKE))
    table = Table(rows, colWidths=[128, 46, 150, 66, 48, 66], repeatRows=1)
    table.setStyle(TableStyle(style))
    return table


def _strengthen(report: CandidateReport) -> list[Flowable]:
    lines = rd.areas_to_strengthen(report)
    if not lines:
        return []
    accomplished = format_score(report.rubric.thresholds.accomplished)
    out: list[Flowable] = [
        # The heading never ends a page alone: with too little room left for it, its line and
        # the first look-fors, it starts the next page.
        CondPageBreak(90),
        Paragraph("Areas to strengthen", H2),
        Paragraph(
            f"The factors scored below {accomplished}, each with its look-fors: what scorers "
            "look for in the evidence.",
            BODY,
        ),
    ]
    for line in lines:
        head = Paragraph(
            f"<b>{esc(line.factor.name, bold=True)}</b>"
            f'<font color="#5F6B7A">  ·  {line.score_text}  ·  {esc(line.level_text)}</font>',
            FACTOR_HEAD,
        )
        rows = [
            [head],
            *([Paragraph(esc(item), BULLET, bulletText="•")] for item in line.factor.look_fors),
        ]
        # A table of one column, to split between two look-fors and repeat the factor's name
        # at the top of the next page: the list fills the pages and never runs on unnamed.
        block = Table(rows, colWidths=[WIDTH], repeatRows=1)
        block.setStyle(_LIST)
        out.append(block)
    return out


def _scale(report: CandidateReport) -> list[Flowable]:
    """The scale as a legend, one column per level from lowest to highest."""
    lines = sorted(rd.scale_lines(report.rubric), key=lambda line: line.level)
    cells = [
        [
            Paragraph(f"<b>{line.level}</b>  {esc(line.evidence)}", CELL),
            Paragraph(f"{line.range_text}", LEGEND),
            # No line break inside "3+ 3.25"; the labels come from the rubric file.
            Paragraph(" · ".join(f"<b>{esc(lb)}</b>&nbsp;{v}" for lb, v in line.scores), LEGEND),
            Paragraph("Accomplished" if line.accomplished else "Less than accomplished", LEGEND),
        ]
        for line in lines
    ]
    table = Table([cells], colWidths=[WIDTH / len(cells)] * len(cells))
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEABOVE", (0, 0), (-1, 0), 0.8, INK),
                ("LINEBELOW", (0, 0), (-1, 0), 0.25, RULE),
                ("LINEAFTER", (0, 0), (-2, 0), 0.25, RULE),
                ("LEFTPADDING", (0, 0), (-1, -1), 6),
                ("TOPPADDING", (0, 0), (-1, -1), 5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
                *[
                    ("BACKGROUND", (i, 0), (i, 0), ZEBRA)
                    for i, line in enumerate(lines)
                    if line.accomplished
                ],
            ]
        )
    )
    return [
        Paragraph("How the scores work", H2),
        Paragraph(esc(rd.scale_note(report.rubric)), BODY),
        Spacer(1, 6),
        table,
    ]


# --- writing ----------------------------------------------------------------------------------


class _Cancelled(Exception):
    pass


class _Progress:
    """Reports (done, total) only when done grows, and turns a False answer into a cancel."""

    def __init__(self, total: int, callback: ProgressCallback | None) -> None:
        self.total, self.callback, self.reported = total, callback, 0

    def at(self, done: int) -> None:
        if done <= self.reported:
            return  # a combined file rebuilt without a bad record counts its reports again
        self.reported = done
        self.poll()

    def poll(self) -> None:
        """Report where it stands again (no step further): a long step still hears a cancel."""
        if self.callback is not None and self.callback(self.reported, self.total) is False:
            raise _Cancelled


def _document(
    target: str, title: str, author: str, preview_label: str = SCORERS_PREVIEW
) -> tuple[BaseDocTemplate, _Pages]:
    pages = _Pages(preview_label)
    doc = BaseDocTemplate(
        target,
        pagesize=LETTER,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=TOP,
        bottomMargin=BOTTOM,
        title=title,
        author=author,
        creator="ICG Desk",
    )
    frame = Frame(
        MARGIN,
        BOTTOM,
        WIDTH,
        PAGE_H - TOP - BOTTOM,
        id="body",
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
    )
    doc.addPageTemplates([PageTemplate(id="report", frames=[frame], onPageEnd=pages.end_page)])
    return doc, pages


def write_report(
    report: CandidateReport, path: Path, *, preview_label: str = SCORERS_PREVIEW
) -> None:
    """One candidate's report at `path`; raises when it cannot be printed."""
    path = Path(path)
    with atomic_write(path) as staged:
        tmp = str(staged.path)
        title = f"Score report: {report.candidate_code}"
        doc, pages = _document(tmp, title, report.rubric.program, preview_label)
        doc.build(_story(report, 0, pages, lambda: None))


def write_reports(
    reports: Sequence[CandidateReport],
    *,
    outdir: Path | None = None,
    combined: Path | None = None,
    progress: ProgressCallback | None = None,
    file_names: Sequence[str] | None = None,
    preview_label: str = SCORERS_PREVIEW,
) -> ReportRun:
    """Print many reports: one file per candidate in `outdir`, and/or all in `combined`.

    The files in `outdir` are named by candidate code, or by `file_names` (one per report, in
    order; the caller makes them safe and unique). A preview's pages carry `preview_label`.

    A record that cannot be printed is skipped, with its reason, and the rest go on. Progress
    counts reports: `total` is the number of reports, each one step when its file is written
    (or, with `combined` alone, when its pages are laid out in the combined file). With both,
    the combined file is one final step, `total` the reports + 1: while it is built, progress
    says (reports, reports + 1) again after each report laid out, so a cancel is still heard.
    A disk that cannot be written stops the run (OSError): every later file would fail the
    same way.
    """
    if outdir is None and combined is None:
        raise ValueError("write_reports needs an outdir, a combined file or both")
    reports = list(reports)
    if file_names is not None:
        if len(file_names) != len(reports):
            raise ValueError(f"{len(file_names)} file names for {len(reports)} reports")
        # Names, not paths: a report must never land outside `outdir`.
        bad = [n for n in file_names if "/" in n or "\\" in n or n in ("", ".", "..")]
        if bad:
            raise ValueError(f"{bad[0]!r} is not a file name")
    both = outdir is not None and combined is not None
    ticker = _Progress(len(reports) + both, progress)
    written: list[Path] = []
    skipped: dict[int, str] = {}
    try:
        if outdir is not None:
            _write_each(reports, Path(outdir), ticker, written, skipped, file_names, preview_label)
        if combined is not None:
            _write_combined(reports, Path(combined), ticker, both, written, skipped, preview_label)
            if both:
                ticker.at(len(reports) + 1)
    except _Cancelled:
        return ReportRun(written, _skipped(reports, skipped), cancelled=True)
    return ReportRun(written, _skipped(reports, skipped), cancelled=False)


def _write_each(
    reports: list[CandidateReport],
    outdir: Path,
    ticker: _Progress,
    written: list[Path],
    skipped: dict[int, str],
    file_names: Sequence[str] | None,
    preview_label: str,
) -> None:
    outdir.mkdir(parents=True, exist_ok=True)
    used: set[str] = set()
    for i, report in enumerate(reports):
        try:
            if file_names is not None:
                path = outdir / file_names[i]
            else:
                path = outdir / _file_name(report.candidate_code, used)
            write_report(report, path, preview_label=preview_label)
            written.append(path)
        except OSError:
            raise
        except Exception as exc:  # noqa: BLE001 - one bad record must not stop a thousand good ones
            skipped[i] = _why(exc)
        ticker.at(i + 1)


def _write_combined(
    reports: list[CandidateReport],
    path: Path,
    ticker: _Progress,
    final_step: bool,
    written: list[Path],
    skipped: dict[int, str],
    preview_label: str,
) -> None:
    """The combined file. As the `final_step` of a run that wrote each file first, it only
    polls the progress; else each report laid out (or skipped) is a step."""
    path.parent.mkdir(parents=True, exist_ok=True)

    def step(count: int) -> None:
        if final_step:
            ticker.poll()
        else:
            ticker.at(count)

    # Each pass leaves out the records known to be bad; a record that fails only while its
    # pages are laid out is found by the pass it breaks, and the file is built again without it.
    for _attempt in range(len(reports) + 1):
        drawn = 0

        def done() -> None:
            nonlocal drawn
            drawn += 1
            step(len(skipped) + drawn)

        # Not kept unless the block says so: a build that fails is built again from the start.
        with atomic_write(path, keep=False) as staged:
            doc, pages = _document(
                str(staged.path),
                f"Score reports: {len(reports)} candidates",
                reports[0].rubric.program if reports else "",
                preview_label,
            )
            story: list[Flowable] = []
            for i, report in enumerate(reports):
                if i in skipped:
                    continue
                try:
                    part = _story(report, i, pages, done)
                except Exception as exc:  # noqa: BLE001 - as above: skipped, with the reason
                    skipped[i] = _why(exc)
                    step(len(skipped) + drawn)
                    continue
                if story:
                    story.append(PageBreakIfNotEmpty())
                story += part
            if not story:
                return  # nothing printable: no file, rather than an empty one
            try:
                doc.build(story)
            except (OSError, _Cancelled):
                raise
            except Exception as exc:
                if pages.index is None or pages.index in skipped:
                    raise
                skipped[pages.index] = _why(exc)
                continue  # the temporary file is abandoned and the file built again
            staged.keep = True
            written.append(path)
            return


def _file_name(code: str, used: set[str]) -> str:
    """ "<candidate code>.pdf", safe on every file system, and unique in its folder."""
    stem = safe_stem(code, fallback="candidate", ascii_only=True, max_bytes=80)
    name, n = stem, 1
    while name.lower() in used:  # case-insensitive file systems: C1 and c1 are one file
        n += 1
        name = f"{stem}-{n}"
    used.add(name.lower())
    return f"{name}.pdf"


def _why(exc: BaseException) -> str:
    if isinstance(exc, LayoutError):  # its own message is a dump of ReportLab's objects
        return "it does not fit on the page: a name, code or text in it is far too long"
    message = str(exc.args[0] if isinstance(exc, KeyError) and exc.args else exc).strip()
    if isinstance(exc, ReportError | ValueError):
        return message
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


def _skipped(reports: list[CandidateReport], skipped: dict[int, str]) -> list[tuple[str, str]]:
    return [
        (str(getattr(reports[i], "candidate_code", "?")), why) for i, why in sorted(skipped.items())
    ]
