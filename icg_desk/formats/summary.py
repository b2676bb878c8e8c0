"""The scorer's summary workbook as a file format: its layout, its checksum, and its reader.

A scorer returns the summary beside the batch; the coordinator's merge reads the scores back with
`read_batch_summary`, and the checksum in the About sheet tells whether a score was changed after
export. The writer (export/summary_xlsx.py) renders the workbook with the names and the checksum
defined here, so what is written and what is read cannot drift apart. docs/summary-format.md
describes the workbook for anyone reading it without ICG Desk.
"""

from __future__ import annotations

import hashlib
import math
import os
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._read_only import ReadOnlyWorksheet

from icg_desk.models.errors import UserError
from icg_desk.models.input_limits import (
    SUMMARY_MAX_ROWS,
    SUMMARY_ZIP,
    InputRefused,
    check_zip,
    open_regular,
    too_big,
    too_many_rows,
)
from icg_desk.scoring import ScoreError, format_score
from icg_desk.scoring.scale import decimal_score, quoted

SUMMARY_FORMAT = 1  # raised with every change a reader of older summaries would misread
CHECKSUM_RECIPE = "icg-desk-scores/1"  # the first line of the checksummed text

SCORES, RATIONALES, ABOUT = "Scores", "Rationales", "About"

# The Scores sheet: row 1 (hidden) holds these keys and the factor keys, for the merge; row 2 the
# headers a person reads; portfolios from row 3 on.
CODE_KEY, STATUS_KEY, OVERALL_KEY, DECISION_KEY = "candidate_code", "status", "overall", "decision"
EXPORTED_KEY = "exported_scores"
# Hidden too: each portfolio's version (batch format 4, scoring/lineage.py) as
# "revision|lineage|lineage lineage ...", the last from its history; optional (older summaries
# lack it, and are then judged by their scores alone). At most HISTORY_IN_SUMMARY lineages of
# the history, the latest: a cell holds 32,767 characters.
VERSION_KEY = "version"
# A batch with practice portfolios (calibration, batch format 5) has a "practice" column after
# the status: "Practice 1", ... on a practice portfolio's row, empty on a live one. Absent from a
# batch without practice. Their rows stay, scores and versions with them: the merge takes a
# practice read as it takes any other (the cohort knows which assignments are practice), and a
# summary without those rows would read to it as their scores removed.
PRACTICE_KEY = "practice"
HISTORY_IN_SUMMARY = 400
_VERSION = re.compile(r"([0-9]{1,9})\|([0-9a-f]{64})\|((?:[0-9a-f]{64}(?: [0-9a-f]{64})*)?)")
SCORES_FIRST_ROW = 3

# The About sheet's field labels (column A); the reader finds the fields by them.
F_FORMAT = "Summary format"
F_BATCH_ID = "Batch id"
F_COHORT = "Cohort"
F_SCORER_ID = "Scorer id"
F_SCORER_NAME = "Scorer name"
F_EDITION = "Rubric edition"
F_EXPORTED_AT = "Exported at (UTC)"
F_SCORES_AS_OF = "Scores as of (UTC)"  # the batch's last change; optional, so still format 1
F_VERSION = "ICG Desk version"
F_PORTFOLIOS = "Portfolios"
F_FACTORS = "Factor keys"
F_SCALE = "Score scale"
F_HIGHLIGHTS = "Highlights"
F_CHECKSUM = "Checksum (SHA-256)"
F_CHECKSUM_NOTE = "About the checksum"
F_PRACTICE = "Practice portfolios"  # only in a summary of a batch with practice portfolios

_SCORE_TEXT = re.compile(r"[0-9]+\.[0-9]{2}")
_HEX64 = re.compile(r"[0-9a-f]{64}")


# The scale has a dozen values and the checksum formats each factor of every portfolio.
score_text = lru_cache(maxsize=256)(format_score)


class SummaryError(UserError, ValueError):
    """A summary workbook that cannot be read back; the message names file, place and problem."""

    def __init__(self, path: Path, problem: str, where: str = "") -> None:
        super().__init__(f"{path}: {where}: {problem}" if where else f"{path}: {problem}")
        self.path, self.where, self.problem = path, where, problem


@dataclass(frozen=True)
class SummaryScores:
    """The scores a summary workbook holds, checked against its checksum."""

    batch_id: str
    cohort: str
    scorer_id: str
    rubric_edition: str
    checksum: str
    scores: dict[str, dict[str, Fraction | None]]  # candidate code -> factor key -> score
    exported_at: datetime
    # When the batch's scores were last changed (its export time in a summary that lacks it).
    scores_as_of: datetime
    # Candidate code -> (revision, lineage, the lineages of its history), where it says.
    versions: dict[str, tuple[int, str, frozenset[str]]] = field(default_factory=dict)


# --- the checksum --------------------------------------------------------------------------------


def scores_checksum(batch_id: str, rows: Iterable[tuple[str, str, str | None]]) -> str:
    """SHA-256 (hex) over (candidate code, factor key, score text or None) rows, in any order.

    The text hashed is `icg-desk-scores/1`, the batch id, then one line `code TAB key TAB score`
    per row sorted by code then key (Unicode code points), every line ending in LF and an unscored
    factor's score empty; encoded as UTF-8. docs/summary-format.md gives the same recipe.
    """
    ordered = sorted(rows, key=lambda row: (row[0], row[1]))
    for before, after in zip(ordered, ordered[1:], strict=False):
        if before[:2] == after[:2]:
            raise ValueError(f"{after[0]} {after[1]}: scored twice")
    for score in {score for _, _, score in ordered} - {None}:
        if not _SCORE_TEXT.fullmatch(str(score)):
            raise ValueError(f"the score {score!r} is not two-decimal text like '3.25'")
    text = "".join(
        [f"{CHECKSUM_RECIPE}\n{batch_id}\n", *(f"{c}\t{k}\t{s or ''}\n" for c, k, s in ordered)]
    )
    # Tabs and line ends separate the fields: one inside a field would let two different sets of
    # rows hash alike. Counting them in the whole text checks every field at once.
    if text.count("\t") != 2 * len(ordered) or text.count("\n") != len(ordered) + 2 or "\r" in text:
        raise ValueError("a batch id, candidate code or factor key contains a tab or line break")
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --- reading back --------------------------------------------------------------------------------


def read_batch_summary(path: Path) -> SummaryScores:
    """The scores of a summary workbook (export's writer), checked against its checksum.

    Raises `SummaryError` for anything that is not such a workbook, or one whose scores were
    changed after export.
    """
    path = Path(path)
    if not path.is_file():
        raise SummaryError(path, "no such file")
    try:
        stream = open_regular(path)
    except InputRefused as exc:
        raise SummaryError(path, str(exc)) from None
    # Opened from a file object: openpyxl refuses a workbook by its name's suffix otherwise.
    with stream:
        # Bounded before openpyxl parses anything: size, parts, compression (a zip bomb).
        size = os.fstat(stream.fileno()).st_size
        if size > SUMMARY_ZIP.max_bytes:
            raise SummaryError(path, str(too_big(size, SUMMARY_ZIP.max_bytes, SUMMARY_ZIP.kind)))
        if not zipfile.is_zipfile(stream):
            raise SummaryError(path, "is not an Excel workbook (.xlsx): it is not a zip archive")
        try:
            check_zip(stream, SUMMARY_ZIP)
        except InputRefused as exc:
            raise SummaryError(path, str(exc)) from None
        stream.seek(0)
        try:
            workbook = load_workbook(stream, read_only=True)
        except Exception as exc:  # noqa: BLE001 - a damaged file can fail anywhere in openpyxl
            raise SummaryError(
                path, f"is not an Excel workbook ICG Desk can read ({exc})"
            ) from None
        try:
            about = _About.read(path, _sheet(path, workbook, ABOUT))
            versions: dict[str, tuple[int, str, frozenset[str]]] = {}
            scores = _read_scores(path, _sheet(path, workbook, SCORES), about, versions)
        finally:
            workbook.close()
    return SummaryScores(
        batch_id=about.batch_id,
        cohort=about.cohort,
        scorer_id=about.scorer_id,
        rubric_edition=about.edition,
        checksum=about.checksum,
        scores=scores,
        exported_at=about.exported_at,
        scores_as_of=about.scores_as_of,
        versions=versions,
    )


def version_text(revision: int, lineage: str, history: Iterable[str]) -> str:
    """A portfolio's version as the summary's hidden version column holds it."""
    return f"{revision}|{lineage}|{' '.join(history)}"


def _sheet(path: Path, workbook: Workbook, name: str) -> ReadOnlyWorksheet:
    if name not in workbook.sheetnames:
        raise SummaryError(
            path, f"has no sheet {name!r}: it is not a batch summary written by ICG Desk"
        )
    sheet = workbook[name]
    if not isinstance(sheet, ReadOnlyWorksheet):
        raise SummaryError(path, "is a chart, not a worksheet", f"sheet {name!r}")
    return sheet


@dataclass(frozen=True)
class _About:
    batch_id: str
    cohort: str
    scorer_id: str
    edition: str
    portfolios: int
    factor_keys: tuple[str, ...]
    scale: frozenset[Fraction]
    scale_text: str
    checksum: str
    checksum_cell: str
    exported_at: datetime
    scores_as_of: datetime

    @classmethod
    def read(cls, path: Path, sheet: ReadOnlyWorksheet) -> _About:
        fields: dict[str, tuple[object, str]] = {}
        for row_number, row in _capped(path, ABOUT, sheet.values, start=1):
            if row_number > 1 and row and isinstance(row[0], str):
                value = row[1] if len(row) > 1 else None
                fields[row[0].strip().lower()] = (value, f"{ABOUT}!B{row_number}")

        def field(label: str) -> tuple[object, str]:
            found = fields.get(label.lower())
            if found is None or found[0] is None or found[0] == "":
                raise SummaryError(path, f"the field {label!r} is missing", f"sheet {ABOUT!r}")
            return found

        def text(label: str) -> str:
            value, where = field(label)
            if not isinstance(value, str):
                raise SummaryError(path, f"{label} should be text, not {value!r}", where)
            return value.strip()

        def number(label: str) -> int:
            value, where = field(label)
            # Bounded: a cell's number may be inf or nan (int() of them raises), or vast.
            if (
                isinstance(value, int | float)
                and not isinstance(value, bool)
                and math.isfinite(value)
                and value == int(value)
                and 0 <= value < 1_000_000_000
            ):
                return int(value)
            shown = quoted(value) if isinstance(value, str) else repr(value)
            raise SummaryError(path, f"{label} should be a whole number, not {shown}", where)

        version = number(F_FORMAT)
        if version > SUMMARY_FORMAT:
            raise SummaryError(
                path,
                f"was written by a newer ICG Desk (summary format {version}; this one reads "
                f"format {SUMMARY_FORMAT} and older). Update ICG Desk to read it.",
                field(F_FORMAT)[1],
            )
        scale_text = text(F_SCALE)
        try:
            # Each value by the one grammar of a score in a file: "1e999999999" is not built.
            scale = frozenset(decimal_score(v) for v in scale_text.split())
        except ScoreError as exc:
            raise SummaryError(
                path,
                f"the score scale {quoted(scale_text)} is not a list of scores: {exc}",
                field(F_SCALE)[1],
            ) from None
        checksum = text(F_CHECKSUM).lower()
        if not _HEX64.fullmatch(checksum):
            raise SummaryError(
                path, "the checksum is not 64 hexadecimal digits", field(F_CHECKSUM)[1]
            )

        def moment(label: str) -> datetime:
            value = text(label)
            try:
                found = datetime.fromisoformat(value)
            except ValueError:
                found = None
            if found is None or found.tzinfo is None:
                problem = f"{label} should be a date and time in UTC, not {value!r}"
                raise SummaryError(path, problem, field(label)[1])
            return found

        exported_at = moment(F_EXPORTED_AT)
        # Summaries written before the field was added: their scores are as of their export.
        scores_as_of = moment(F_SCORES_AS_OF) if F_SCORES_AS_OF.lower() in fields else exported_at
        return cls(
            batch_id=text(F_BATCH_ID),
            cohort=text(F_COHORT),
            scorer_id=text(F_SCORER_ID),
            edition=text(F_EDITION),
            portfolios=number(F_PORTFOLIOS),
            factor_keys=tuple(text(F_FACTORS).split()),
            scale=scale,
            scale_text=", ".join(scale_text.split()),
            checksum=checksum,
            checksum_cell=field(F_CHECKSUM)[1],
            exported_at=exported_at,
            scores_as_of=scores_as_of,
        )


def _read_scores(
    path: Path,
    sheet: ReadOnlyWorksheet,
    about: _About,
    versions: dict[str, tuple[int, str, frozenset[str]]],
) -> dict[str, dict[str, Fraction | None]]:
    rows = sheet.values
    keys = [str(k).strip() if k is not None else "" for k in next(rows, ())]
    where = f"sheet {SCORES!r}"

    def column(key: str) -> int:
        if key not in keys:
            raise SummaryError(
                path, f"row 1 has no column {key!r}: the header rows were changed", where
            )
        return keys.index(key)

    code_col = column(CODE_KEY)
    factor_cols = [(key, column(key)) for key in about.factor_keys]
    exported_col = keys.index(EXPORTED_KEY) if EXPORTED_KEY in keys else None
    version_col = keys.index(VERSION_KEY) if VERSION_KEY in keys else None
    headers = next(rows, ())  # the names a person reads, for messages
    names = {
        key: str(headers[col]) if col < len(headers) and headers[col] else key
        for key, col in factor_cols
    }

    scores: dict[str, dict[str, Fraction | None]] = {}
    places: dict[tuple[str, str], str] = {}  # (code, key) -> cell, for messages
    exported: dict[str, str] = {}
    for row_number, row in _capped(path, SCORES, rows, start=SCORES_FIRST_ROW):
        if all(v is None or v == "" for v in row):
            continue  # Excel keeps rows that once held something
        code = row[code_col] if code_col < len(row) else None
        code_cell = f"{SCORES}!{get_column_letter(code_col + 1)}{row_number}"
        if not isinstance(code, str) or not code.strip():
            problem = "has no candidate code" if code is None else f"{code!r} is not a code"
            raise SummaryError(path, f"a portfolio row {problem}", code_cell)
        if code in scores:
            raise SummaryError(path, f"{code} appears twice", code_cell)
        scores[code] = {}
        for key, col in factor_cols:
            cell = f"{SCORES}!{get_column_letter(col + 1)}{row_number}"
            value = row[col] if col < len(row) else None
            scores[code][key] = _score_value(path, cell, value, about)
            places[code, key] = cell
        if exported_col is not None and exported_col < len(row):
            copy = row[exported_col]
            if isinstance(copy, str):
                exported[copy.rpartition("|")[0]] = copy.rpartition("|")[2]
        if version_col is not None and version_col < len(row) and row[version_col] is not None:
            cell = f"{SCORES}!{get_column_letter(version_col + 1)}{row_number}"
            versions[code] = _version(path, cell, row[version_col])

    if len(scores) != about.portfolios:
        raise SummaryError(
            path,
            f"has {len(scores)} portfolios where the About sheet says {about.portfolios}: "
            "rows were added or removed after export",
            where,
        )
    rows_now = [
        (code, key, None if s is None else score_text(s))
        for code, by_key in scores.items()
        for key, s in by_key.items()
    ]
    try:
        checksum = scores_checksum(about.batch_id, rows_now)
    except ValueError as exc:
        raise SummaryError(path, str(exc), where) from None
    if checksum != about.checksum:
        raise _checksum_error(path, about, scores, places, names, exported)
    return scores


def _version(path: Path, cell: str, value: object) -> tuple[int, str, frozenset[str]]:
    """A portfolio's version from the hidden column, exactly as `version_text` writes it."""
    found = _VERSION.fullmatch(value) if isinstance(value, str) and len(value) < 32768 else None
    if found is None:
        raise SummaryError(
            path, f"{quoted(value)} is not a version as ICG Desk writes it", cell
        )
    history = frozenset(found.group(3).split())
    return int(found.group(1)), found.group(2), history


def _capped(
    path: Path, sheet: str, rows: Iterable[tuple[Any, ...]], *, start: int
) -> Iterator[tuple[int, tuple[Any, ...]]]:
    """The sheet's rows with their numbers, one at a time; SummaryError past SUMMARY_MAX_ROWS,
    and for a row openpyxl cannot read (a number cell holding "abc", "nan" or 5,000 digits
    fails in its int() or float()), naming the row as Excel does (`Scores!3:3`)."""
    found = iter(rows)
    number = start
    while True:
        try:
            row = next(found)
        except StopIteration:
            return
        except Exception as exc:  # noqa: BLE001 - openpyxl's casts raise what they raise
            detail = " ".join(str(exc).split())
            detail = detail if len(detail) <= 80 else detail[:80] + "..."
            problem = (
                "a cell of this row is marked as a number but holds none that can be read; neither "
                f"Excel nor ICG Desk writes such a cell ({detail})"
            )
            raise SummaryError(path, problem, f"{sheet}!{number}:{number}") from None
        if number > SUMMARY_MAX_ROWS:
            refused = too_many_rows(SUMMARY_MAX_ROWS, SUMMARY_ZIP.kind)
            raise SummaryError(path, str(refused), f"sheet {sheet!r}")
        yield number, row
        number += 1


def _score_value(path: Path, cell: str, value: object, about: _About) -> Fraction | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        kind = "a formula" if value.startswith("=") else f"text ({quoted(value)})"
        raise SummaryError(path, f"holds {kind}, not a score", cell)
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise SummaryError(path, f"holds {quoted(str(value))}, not a score", cell)
    # By the one grammar of a score in a file, on the number's shortest text: 3.25 is exact in
    # binary, but a scale with tenths would read 3.1 back as a float a hair away from 31/10.
    # inf, nan and 1e+300 are refused as text; a whole number of thousands of digits is not
    # even turned into text.
    if isinstance(value, int) and not -1000 < value < 1000:
        raise SummaryError(path, "holds a number of more than three digits, not a score", cell)
    text = repr(value) if isinstance(value, float) else str(value)
    try:
        score = decimal_score(text)
    except ScoreError as exc:
        raise SummaryError(path, str(exc), cell) from None
    if score not in about.scale:
        raise SummaryError(
            path, f"{value} is not on the scale; a score is one of {about.scale_text}", cell
        )
    return score


def _checksum_error(
    path: Path,
    about: _About,
    scores: dict[str, dict[str, Fraction | None]],
    places: dict[tuple[str, str], str],
    names: dict[str, str],
    exported: dict[str, str],
) -> SummaryError:
    """Name the cells that changed, when the hidden copy of the exported scores still matches."""
    problem = "the checksum does not match the scores: the workbook was changed after export"
    original: dict[tuple[str, str], str | None] = {}
    for code, text in exported.items():
        values = text.split(";")
        if len(values) == len(about.factor_keys):
            for key, v in zip(about.factor_keys, values, strict=True):
                original[code, key] = v or None
    try:
        copy_matches = len(original) == len(places) and about.checksum == scores_checksum(
            about.batch_id, [(c, k, s) for (c, k), s in original.items()]
        )
    except ValueError:
        copy_matches = False
    if copy_matches:
        changed = [
            (places[code, key], code, key, now, original.get((code, key)))
            for code, by_key in scores.items()
            for key, s in by_key.items()
            if (now := None if s is None else score_text(s)) != original.get((code, key))
        ]
        if changed:
            cell, code, key, now, was = changed[0]
            more = f" (and {len(changed) - 1} other cells)" if len(changed) > 1 else ""
            detail = (
                f"{code}'s {names[key]} is {now or 'empty'} but was exported as "
                f"{was or 'empty'}{more}"
            )
            return SummaryError(path, f"{problem}: {detail}", cell)
    return SummaryError(path, f"{problem} (checksum in {about.checksum_cell})", f"sheet {SCORES!r}")
