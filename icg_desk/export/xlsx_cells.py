"""Cells, styles and saving shared by ICG Desk's workbooks (openpyxl, write-only mode).

The scorer's batch summary and the coordinator's cohort summary both hold text typed by people
(names, rationales): every piece of it goes through `text_cell`, which stores it as text, so a
name that begins with "=" is shown as typed and never evaluated as a formula.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side
from openpyxl.styles.cell_style import StyleArray

from icg_desk.formats.atomic import raise_naming
from icg_desk.scoring import Thresholds

# Named styles, so that Excel lists them by name in the style gallery.
S_HEADER = "ICG header"
S_SCORE = "ICG score"
S_BELOW_ACCOMPLISHED = "ICG score below accomplished"
S_BELOW_FLOOR = "ICG score below floor"
S_TEXT = "ICG wrapped text"
RED, AMBER, GREY = "F4C7C3", "FCE8B2", "E7E6E6"  # muted red, light amber, header grey
SCORE_FORMAT = "0.00"

# OWASP's list for spreadsheet formula injection: text starting with one of these may be taken for
# a formula by Excel or LibreOffice (a tab or CR can hide one after it when text is pasted).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
ERROR_VALUES = frozenset(ERROR_CODES)  # openpyxl stores text like "#N/A" as an error value
CELL_LIMIT = 32_767  # characters Excel holds in one cell


@dataclass(frozen=True)
class Styles:
    """The named styles' cell formats, made once: a cell copies one instead of looking it up."""

    header: StyleArray
    score: StyleArray
    below_accomplished: StyleArray
    below_floor: StyleArray
    text: StyleArray
    thresholds: Thresholds
    # A dozen scores on the scale, each compared once, not once per cell; keyed by its numerator
    # and denominator, which hash faster than the Fraction does.
    by_score: dict[tuple[int, int], StyleArray] = field(default_factory=dict, compare=False)

    @classmethod
    def add_to(cls, workbook: Workbook, thresholds: Thresholds) -> Styles:
        # Excel's own bottom alignment throughout: short cells beside wrapped ones line up.
        wrap = Alignment(wrap_text=True)
        styles = [
            NamedStyle(
                S_HEADER,
                font=Font(bold=True),
                fill=PatternFill("solid", fgColor=GREY),
                border=Border(bottom=Side(style="thin", color="808080")),
                alignment=wrap,
            ),
            NamedStyle(S_SCORE, number_format=SCORE_FORMAT),
            NamedStyle(
                S_BELOW_ACCOMPLISHED,
                number_format=SCORE_FORMAT,
                fill=PatternFill("solid", fgColor=AMBER),
            ),
            NamedStyle(
                S_BELOW_FLOOR, number_format=SCORE_FORMAT, fill=PatternFill("solid", fgColor=RED)
            ),
            NamedStyle(S_TEXT, alignment=wrap),
        ]
        for style in styles:
            workbook.add_named_style(style)
        header, score, amber, red, text = (style.as_tuple() for style in styles)
        return cls(header, score, amber, red, text, thresholds)

    def factor(self, score: Fraction) -> StyleArray:
        """A factor score's style: red below the factor floor, amber below accomplished."""
        key = score.numerator, score.denominator
        style = self.by_score.get(key)
        if style is None:
            if score < self.thresholds.factor_floor:
                style = self.below_floor
            elif score < self.thresholds.accomplished:
                style = self.below_accomplished
            else:
                style = self.score
            self.by_score[key] = style
        return style


def clean(text: str, source: str) -> str:
    """Text a worksheet can hold: no XML-illegal control characters, at most 32,767 characters.

    `source` names where the whole text is kept ("the batch file"), for the note on a cut text.
    """
    text = ILLEGAL_CHARACTERS_RE.sub("\ufffd", text)
    if len(text) > CELL_LIMIT:
        kept = CELL_LIMIT - 60  # room for the note
        text = text[:kept] + f" [... {len(text) - kept:,} more characters in {source}]"
    return text


def cell(sheet: Any, value: str | float, style: StyleArray) -> Cell:
    # What `cell.style = name` does, without looking the name up again for every cell; openpyxl
    # places the cell when the row is appended.
    return Cell(sheet, row=1, column=1, value=value, style_array=style)


def text_cell(
    sheet: Any, text: str, style: StyleArray | None = None, *, source: str
) -> Cell | str | None:
    """A text cell that stays text: never a formula, an error value, or a number."""
    if not text:
        return None
    text = clean(text, source)
    risky = text.startswith(FORMULA_TRIGGERS) or text in ERROR_VALUES
    if not risky and style is None:
        return text  # openpyxl stores a plain str as an inline string: nothing to add
    made = cell(sheet, text, style or StyleArray())
    if risky:
        # openpyxl guessed "f" (formula) for "=..." and "e" for "#N/A": force a string, and the
        # quote prefix so that editing the cell in Excel does not turn it into a formula either.
        made.data_type = "s"
        made.quotePrefix = True
    return made


def header_row(sheet: Any, names: Iterable[str], styles: Styles) -> list[Cell | str | None]:
    return [text_cell(sheet, name, styles.header, source="the rubric file") for name in names]


def save(workbook: Workbook, temp: Path, path: Path) -> None:
    try:
        workbook.save(temp)
    except OSError as exc:
        raise_naming(exc, path)


def discard_streams(workbook: Workbook) -> None:
    """Remove the temporary files write-only sheets stream their rows into.

    openpyxl removes them when the workbook is saved, or at exit; after a cancelled export in a
    window that stays open for hours they should not wait that long. Best effort: `_writer` is
    openpyxl's, and at worst openpyxl still removes the files at exit.
    """
    for sheet in workbook.worksheets:
        writer = getattr(sheet, "_writer", None)
        if writer is None:
            continue
        try:
            if not getattr(sheet, "closed", True):
                sheet.close()
            writer.cleanup()
        except Exception:  # noqa: BLE001 - see the docstring
            pass
