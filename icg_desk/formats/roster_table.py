"""Roster tables as a file format: reading candidate and scorer sheets, and the template.

A roster is a workbook (.xlsx, the "Candidates" sheet or else the first) or a CSV file with one row
per candidate; scorers likewise ("Scorers"). docs/roster-format.md describes both. Reading gives
a `models.roster.RosterTable` of trimmed text with the row numbers a spreadsheet shows; the
checks of what a row must hold are the model's (models/roster.py).
"""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Iterator, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

from icg_desk.formats.atomic import atomic_write
from icg_desk.models.banking import BANKED_CYCLE, banked_column
from icg_desk.models.input_limits import (
    ROSTER_MAX_BYTES,
    ROSTER_MAX_CELLS,
    ROSTER_MAX_LINE_CHARS,
    ROSTER_MAX_ROWS,
    ROSTER_ZIP,
    InputRefused,
    check_zip,
    open_regular,
    too_big,
    too_many_rows,
)
from icg_desk.models.roster import (
    CANDIDATE_COLUMNS,
    SCORER_COLUMNS,
    SCORER_ROLE_COLUMN,
    ImportProblem,
    RosterTable,
    required_columns,
)
from icg_desk.scoring.rubric import Rubric

CANDIDATES_SHEET = "Candidates"
SCORERS_SHEET = "Scorers"
NOTES_SHEET = "Notes"
# The template's example row carries this id; import skips it so a filled-in template can be
# imported without deleting it first.
EXAMPLE_ID = "EXAMPLE"
# Spellings coordinators use for the same column (the issue says "organisation/district").
_ALIASES = {"organization": "organisation", "district": "organisation"}

__all__ = ["CANDIDATE_COLUMNS", "SCORER_COLUMNS"]  # re-exported: the template's columns


# --- reading tables -----------------------------------------------------------------------


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    # Spreadsheets store an id such as 1042 as a number, often as the float 1042.0.
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value).strip()


def _header_name(text: str) -> str:
    name = re.sub(r"\s+", "_", text.strip().lower())
    return _ALIASES.get(name, name)


def _raw_rows(path: Path, sheet: str) -> list[tuple[int, list[str]]]:
    """(row number, cells) for every row; raises OSError/ValueError when it cannot be read.

    Bounded (`models.input_limits`): the file's size is checked before reading, a workbook's
    zip directory before openpyxl parses it, and rows are read one at a time up to the row cap,
    so a huge or hostile file is refused in moments, not after minutes and gigabytes.
    """
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx", ".xlsm"):
        raise ValueError("is not a .xlsx workbook or a .csv file")
    kind = "a roster"
    with open_regular(path) as stream:
        size = os.fstat(stream.fileno()).st_size
        if size > ROSTER_MAX_BYTES:
            raise too_big(size, ROSTER_MAX_BYTES, kind)
        if suffix == ".csv":
            # utf-8-sig: Excel writes "CSV UTF-8" with a byte-order mark, other tools without.
            # Numbered by record, not by line, which is what a spreadsheet shows for the file.
            text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
            return _capped(_csv_records(text), kind)
        check_zip(stream, ROSTER_ZIP)
        stream.seek(0)
        from openpyxl import load_workbook

        # From the file object checked above: openpyxl would otherwise open the name again.
        workbook = load_workbook(stream, read_only=True, data_only=True)
        try:
            ws = workbook[sheet] if sheet in workbook.sheetnames else workbook.worksheets[0]
            # Read-only sheets yield blank rows in between too, so enumerate gives row numbers.
            # One column past the cap is read, to tell a row that has more from one that has not.
            rows = ws.iter_rows(values_only=True, max_col=ROSTER_MAX_CELLS + 1)
            return _capped(([_cell_text(v) for v in values] for values in rows), kind)
        finally:
            workbook.close()


def _csv_records(text: io.TextIOWrapper) -> Iterator[list[str]]:
    """The CSV's records, trimmed, read line by line: a line is read to at most
    ROSTER_MAX_LINE_CHARS, and a record of more than ROSTER_MAX_CELLS cells is refused before
    the csv module builds it (a file of nothing but commas would otherwise be one vast row)."""
    cells_so_far = [0]  # separators seen since the last whole record (over-counts quoted ones)

    def lines() -> Iterator[str]:
        while line := text.readline(ROSTER_MAX_LINE_CHARS + 1):
            if len(line) > ROSTER_MAX_LINE_CHARS:
                raise InputRefused(
                    f"has a line longer than {ROSTER_MAX_LINE_CHARS:,} characters; "
                    "a roster's rows are far shorter"
                )
            cells_so_far[0] += line.count(",")
            if cells_so_far[0] >= ROSTER_MAX_CELLS:
                raise _too_many_cells()
            yield line

    for record in csv.reader(lines()):
        cells_so_far[0] = 0
        yield [c.strip() for c in record]


def _too_many_cells() -> InputRefused:
    return InputRefused(
        f"has a row of more than {ROSTER_MAX_CELLS:,} cells; a roster has a few columns"
    )


def _capped(rows: Iterator[list[str]], kind: str) -> list[tuple[int, list[str]]]:
    """The rows numbered from 1, read one at a time, without their trailing empty cells;
    InputRefused past ROSTER_MAX_ROWS rows or ROSTER_MAX_CELLS cells in a row."""
    numbered: list[tuple[int, list[str]]] = []
    for number, cells in enumerate(rows, start=1):
        if number > ROSTER_MAX_ROWS:
            raise too_many_rows(ROSTER_MAX_ROWS, kind)
        while cells and not cells[-1]:
            cells.pop()  # a workbook's formatted blank cells: nothing to keep
        if len(cells) > ROSTER_MAX_CELLS:
            raise _too_many_cells()
        numbered.append((number, cells))
    return numbered


def read_table(path: Path, sheet: str, required: Sequence[str]) -> RosterTable:
    """A roster or scorers sheet (.xlsx: the named sheet, else the first; or .csv) as text.

    Never raises for the file itself: what is wrong with it is in the table's `problems`.
    The template's example row is left out.
    """
    table = RosterTable(path, 0, {}, [])
    try:
        raw = _raw_rows(path, sheet)
    except UnicodeDecodeError:
        table.problems.append(ImportProblem(path, None, None, "is not UTF-8 text"))
        return table
    except InputRefused as exc:  # too big, too many rows, a zip bomb, a pipe: said as it is
        table.problems.append(ImportProblem(path, None, None, str(exc)))
        return table
    except FileNotFoundError:
        table.problems.append(ImportProblem(path, None, None, "no such file"))
        return table
    except OSError as exc:
        table.problems.append(
            ImportProblem(path, None, None, f"cannot be read: {exc.strerror or exc}")
        )
        return table
    except Exception as exc:  # noqa: BLE001 - a damaged workbook fails in many library ways
        table.problems.append(ImportProblem(path, None, None, f"cannot be read: {exc}"))
        return table
    rows = [(n, cells) for n, cells in raw if any(cells)]
    if not rows:
        table.problems.append(ImportProblem(path, None, None, "is empty: no header row"))
        return table
    table.header_row, header = rows[0]
    for index, text in enumerate(header):
        name = _header_name(text)
        if not name:
            continue
        if name in table.columns:
            table.problems.append(
                ImportProblem(path, table.header_row, name, "this column appears twice")
            )
        else:
            table.columns[name] = index
    missing = [c for c in required if c not in table.columns]
    if missing:
        table.problems.append(
            ImportProblem(path, None, None, f"missing columns: {', '.join(missing)}")
        )
    first = next(iter(required))
    table.rows = [
        (n, cells) for n, cells in rows[1:] if table.get(cells, first).upper() != EXAMPLE_ID
    ]
    return table


# --- the template --------------------------------------------------------------------------


def _example_link(rubric: Rubric, n: int) -> str:
    # A link the rubric's policy allows, so the example shows the shape the import accepts.
    if "youtu.be" in rubric.links.hosts:
        return f"https://youtu.be/EXAMPLE{n}"
    host = min(rubric.links.hosts, default="www.youtube.com")
    return f"https://{host}/watch?v=EXAMPLE{n}"


def write_roster_template(path: Path, rubric: Rubric) -> None:
    """A workbook to fill in: "Candidates" and "Scorers" (header + example row) and "Notes"."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    header_font = Font(bold=True)
    example_font = Font(italic=True, color="808080")
    workbook = Workbook()
    candidates = workbook.active
    assert candidates is not None  # a new workbook always has its first sheet
    candidates.title = CANDIDATES_SHEET
    scorers = workbook.create_sheet(SCORERS_SHEET)
    notes = workbook.create_sheet(NOTES_SHEET)

    video_entries = [e for e in rubric.entries if e.videos]
    candidate_example = [
        EXAMPLE_ID,
        "Jordan Example",
        "jordan.example@example.org",
        "Example School District",
        "2026-27",
        "",
        *(
            "; ".join(
                f"Clip {i} | {_example_link(rubric, e.number * 10 + i)}"
                for i in range(1, e.videos + 1)
            )
            for e in video_entries
        ),
    ]
    scorer_example = [
        EXAMPLE_ID,
        "Sam Scorer",
        "sam.scorer@example.org",
        "ICG",
        "1042; 1077",
        "scorer",
    ]
    # A retake's banked scores: optional columns, empty in the example (a first submission).
    banked = [BANKED_CYCLE, *(banked_column(k) for k in rubric.factor_keys)]
    sheets: list[tuple[Any, list[str], list[str]]] = [
        (candidates, [*required_columns(rubric), *banked], candidate_example + [""] * len(banked)),
        (scorers, [*SCORER_COLUMNS, SCORER_ROLE_COLUMN], scorer_example),
    ]
    for ws, header, example in sheets:
        ws.append(header)
        ws.append(example)
        for cell in ws[1]:
            cell.font = header_font
        for cell in ws[2]:
            cell.font = example_font
        for cell, text in zip(ws[1], header, strict=True):
            ws.column_dimensions[cell.column_letter].width = max(14, len(text) + 4)
        ws.freeze_panes = "A2"

    factor_keys = ", ".join(rubric.factor_keys)
    lines = [
        f"Roster template for the rubric {rubric.edition!r}. The format: docs/roster-format.md.",
        "",
        f"The grey row with id {EXAMPLE_ID} is an example; import skips it.",
        "",
        "Candidates: one row per candidate.",
        "candidate_id: unique; names the entry documents (no spaces or slashes).",
        "name, email: required. organisation: school or district (may be empty).",
        "cohort: the cohort's name, e.g. 2026-27, or empty.",
        f"retake_factors: empty, or factor keys separated by ; or , from: {factor_keys}.",
        *(
            f"entry{e.number}_videos: {e.videos} https links separated by ; "
            f'(each may be "Label | URL").'
            for e in video_entries
        ),
        "banked_cycle, banked_<factor key> (optional): a retake's scores banked from an "
        "earlier cycle (e.g. 2025-26): a score for every factor not retaken; empty for a first "
        "submission.",
        "Documents: one file per entry in the documents folder, named "
        "<candidate_id>_entry<N>.docx (or .txt, .md), e.g. 1042_entry1.docx.",
        "",
        "Scorers: one row per scorer; conflicts: candidate ids separated by ;; "
        "role: scorer or adjudicator (empty: scorer).",
    ]
    for line in lines:
        notes.append([line])
    notes.column_dimensions["A"].width = 110

    # Written beside the target and moved over it, so a failed save leaves no half-written file.
    with atomic_write(path) as staged:
        workbook.save(staged.path)
