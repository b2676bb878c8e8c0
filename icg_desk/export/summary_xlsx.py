"""The scorer's Excel summary of a batch: every score, the rationales, and a checksum.

Scorers return it beside the batch file. The coordinator reads the scores back with
`read_batch_summary`, and the checksum in its About sheet tells whether a score was changed after
export. docs/summary-format.md describes the workbook for anyone reading it without ICG Desk.

Written in openpyxl's write-only mode: rows stream to disk as they are made, so a summary of ten
thousand portfolios needs little more memory than one of ten. Every piece of text is stored as
text: a rationale that begins with "=" is shown as typed, never evaluated as a formula.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import uuid
import zipfile
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple

from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._read_only import ReadOnlyWorksheet
from sqlalchemy import String, Text, select, type_coerce, update

from icg_desk import __version__
from icg_desk.export.xlsx_cells import Styles as _Styles
from icg_desk.export.xlsx_cells import cell as _cell
from icg_desk.export.xlsx_cells import clean, text_cell
from icg_desk.export.xlsx_cells import discard_streams as _discard_streams
from icg_desk.export.xlsx_cells import header_row as _header
from icg_desk.export.xlsx_cells import raise_naming as _raise_naming
from icg_desk.export.xlsx_cells import save as _save
from icg_desk.models.batch_file import BatchFile, BatchIdentity
from icg_desk.models.errors import UserError
from icg_desk.models.schema import (
    LAST_CHANGE_SQL,
    BatchInfo,
    Evidence,
    FactorRead,
    Portfolio,
    PortfolioStatus,
)
from icg_desk.scoring import (
    Decision,
    Rubric,
    Status,
    decide,
    format_score,
    to_decimal,
)

ProgressCallback = Callable[[int, int], bool]  # (done, total) -> False to cancel

SUMMARY_FORMAT = 1  # raised with every change a reader of older summaries would misread
CHECKSUM_RECIPE = "icg-desk-scores/1"  # the first line of the checksummed text

SCORES, RATIONALES, ABOUT = "Scores", "Rationales", "About"

# The Scores sheet: row 1 (hidden) holds these keys and the factor keys, for the merge; row 2 the
# headers a person reads; portfolios from row 3 on.
CODE_KEY, STATUS_KEY, OVERALL_KEY, DECISION_KEY = "candidate_code", "status", "overall", "decision"
EXPORTED_KEY = "exported_scores"
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

STATUS_TEXT = {
    PortfolioStatus.NOT_STARTED: "Not started",
    PortfolioStatus.IN_PROGRESS: "In progress",
    PortfolioStatus.COMPLETE: "Complete",
}

LOOK_FORS_WIDTH, TEXT_WIDTH = 45, 60  # the Rationales sheet's long-text columns, in characters

_SCORE_TEXT = re.compile(r"[0-9]+\.[0-9]{2}")
_HEX64 = re.compile(r"[0-9a-f]{64}")


# The scale has a dozen values and the checksum formats each factor of every portfolio.
_score_text = lru_cache(maxsize=256)(format_score)


class SummaryCancelled(Exception):
    """The export was cancelled through its progress callback; no file was written."""


class SummaryError(UserError, ValueError):
    """A summary workbook that cannot be read back; the message names file, place and problem."""

    def __init__(self, path: Path, problem: str, where: str = "") -> None:
        super().__init__(f"{path}: {where}: {problem}" if where else f"{path}: {problem}")
        self.path, self.where, self.problem = path, where, problem


@dataclass(frozen=True)
class SummaryInfo:
    path: Path
    portfolios: int
    checksum: str


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


# --- reading the batch ---------------------------------------------------------------------------


class _Read(NamedTuple):  # the quickest record to make: a large batch has tens of thousands
    score: Fraction | None
    rationale: str
    look_fors_seen: tuple[int, ...]
    evidence: tuple[tuple[int, str], ...]  # (entry number, quote)
    has_content: bool  # anything to show in the Rationales sheet


@dataclass(frozen=True)
class _Portfolio:
    code: str
    status: PortfolioStatus
    reads: dict[str, _Read]

    def scores(self) -> dict[str, Fraction | None]:
        return {key: read.score for key, read in self.reads.items()}


def _read_batch(batch: BatchFile, rubric: Rubric) -> tuple[list[_Portfolio], datetime]:
    """Every portfolio in batch order with its reads, and when they were last changed."""
    keys = set(rubric.factor_keys)
    with batch.reading() as session:
        # One snapshot for the three queries: the driver runs each SELECT in a transaction of its
        # own, and a change saved in between could pair a read with evidence it no longer has.
        connection = session.connection()
        if not getattr(connection.connection.driver_connection, "in_transaction", True):
            connection.exec_driver_sql("BEGIN")
        scores_as_of = datetime.fromisoformat(
            session.connection().exec_driver_sql(LAST_CHANGE_SQL).scalar_one()
        )
        portfolios = session.execute(
            select(Portfolio.id, Portfolio.candidate_code, Portfolio.status).order_by(
                Portfolio.position
            )
        ).all()
        evidence: dict[int, list[tuple[int, str]]] = defaultdict(list)
        for read_id, entry, quote in session.execute(
            select(Evidence.read_id, Evidence.entry_number, Evidence.quote).order_by(
                Evidence.read_id, Evidence.id
            )
        ):
            evidence[read_id].append((entry, quote))
        reads: dict[int, dict[str, _Read]] = defaultdict(dict)
        # Score and look-fors as their stored text, decoded below through a cache: a batch holds
        # a dozen distinct scores and few distinct look-for sets, and decoding each of ten
        # thousands of reads on its own took longer than the query.
        for read_id, portfolio_id, key, score, rationale, seen in session.execute(
            select(
                FactorRead.id,
                FactorRead.portfolio_id,
                FactorRead.factor_key,
                type_coerce(FactorRead.score, String),
                FactorRead.rationale,
                type_coerce(FactorRead.look_fors_seen, Text),
            )
        ):
            # A read of a factor the batch's own rubric lacks cannot be placed in any column.
            if key in keys:
                rationale = rationale or ""
                quotes = tuple(evidence.get(read_id, ()))
                looked = _stored_look_fors(seen)
                reads[portfolio_id][key] = _Read(
                    _stored_score(score),
                    rationale,
                    looked,
                    quotes,
                    bool(score is not None or rationale.strip() or looked or quotes),
                )
    # Codes as the workbook can hold them, so that the checksum covers what the reader reads.
    return [
        _Portfolio(_clean(code), PortfolioStatus(status), reads.get(pid, {}))
        for pid, code, status in portfolios
    ], scores_as_of


@lru_cache(maxsize=256)
def _stored_score(text: str | None) -> Fraction | None:
    # As schema.ScoreText reads it.
    return None if text is None else Fraction(Decimal(text))


@lru_cache(maxsize=1024)
def _stored_look_fors(text: str | None) -> tuple[int, ...]:
    # As schema.JsonList reads it.
    return tuple(json.loads(text)) if text else ()


def _checksum_rows(
    rubric: Rubric, portfolios: list[_Portfolio]
) -> Iterator[tuple[str, str, str | None]]:
    # Every factor of every portfolio, unscored ones too: filling in an empty cell is an edit.
    for p in portfolios:
        for key in rubric.factor_keys:
            read = p.reads.get(key)
            score = None if read is None or read.score is None else _score_text(read.score)
            yield p.code, key, score


# --- writing -------------------------------------------------------------------------------------


def write_batch_summary(
    batch: BatchFile, path: Path, *, progress: ProgressCallback | None = None
) -> SummaryInfo:
    """Write the batch's summary workbook at `path` and record the export time in the batch.

    The workbook is written beside `path` under a temporary name and renamed at the end, so a
    cancelled (`SummaryCancelled`) or failed export never leaves a half-written file under the
    final name. Progress counts portfolios.
    """
    path = Path(path)
    if not path.parent.is_dir():
        raise FileNotFoundError(errno.ENOENT, f"the folder {path.parent} does not exist", str(path))
    rubric = batch.rubric
    identity = batch.identity
    # Whole seconds: the About sheet and the batch then show the very same time.
    exported_at = datetime.now(UTC).replace(microsecond=0)
    portfolios, scores_as_of = _read_batch(batch, rubric)
    checksum = scores_checksum(identity.batch_id, _checksum_rows(rubric, portfolios))

    temp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    workbook = Workbook(write_only=True)
    try:
        _write_workbook(
            workbook, identity, rubric, portfolios, (exported_at, scores_as_of), checksum, progress
        )
        _save(workbook, temp, path)
        with batch.transaction() as session:
            session.execute(update(BatchInfo).values(exported_at=exported_at))
            # Renamed inside the transaction: a rename that fails leaves the batch unmarked.
            try:
                os.replace(temp, path)
            except OSError as exc:
                _raise_naming(exc, path)
    except BaseException:
        _discard_streams(workbook)
        temp.unlink(missing_ok=True)
        raise
    # The batch's identity is cached; the next reader should see the new export time.
    vars(batch).pop("identity", None)
    return SummaryInfo(path, len(portfolios), checksum)


def _write_workbook(
    workbook: Workbook,
    identity: BatchIdentity,
    rubric: Rubric,
    portfolios: list[_Portfolio],
    times: tuple[datetime, datetime],  # exported at, scores as of
    checksum: str,
    progress: ProgressCallback | None,
) -> None:
    styles = _Styles.add_to(workbook, rubric.thresholds)
    scores = _ScoresSheet(workbook.create_sheet(SCORES), rubric, len(portfolios), styles)
    rationale_rows = sum(read.has_content for p in portfolios for read in p.reads.values())
    rationales = _RationalesSheet(workbook.create_sheet(RATIONALES), rubric, rationale_rows, styles)

    total = len(portfolios)
    step = max(1, total // 200)  # a callback per portfolio would cost more than it shows

    def report(done: int) -> None:
        if progress is not None and not progress(done, total):
            raise SummaryCancelled("the summary export was cancelled")

    report(0)
    for done, portfolio in enumerate(portfolios, start=1):
        scores.add(portfolio)
        rationales.add(portfolio)
        if done % step == 0 or done == total:
            report(done)
    about = workbook.create_sheet(ABOUT)
    _write_about(about, styles, identity, rubric, total, times, checksum)


def _clean(text: str) -> str:
    return clean(text, "the batch file")


def _text(sheet: Any, text: str, style: StyleArray | None = None) -> Cell | str | None:
    return text_cell(sheet, text, style, source="the batch file")


def _score(sheet: Any, score: Fraction, style: StyleArray) -> Cell:
    # The scale is in quarters: exact in binary, so Excel holds exactly the batch's score.
    return _cell(sheet, float(score), style)


_Outcome = tuple[str, tuple[float, StyleArray] | None]


class _ScoresSheet:
    """One row per portfolio: code, status, each factor's score, overall, decision."""

    def __init__(self, sheet: Any, rubric: Rubric, rows: int, styles: _Styles) -> None:
        self.sheet, self.rubric, self.styles = sheet, rubric, styles
        # Many portfolios share a score vector (every unscored one, for a start): decide it once.
        self.outcomes: dict[tuple[Fraction | None, ...], _Outcome] = {}
        # Code, status, the factors, overall, decision, then the hidden "scores as exported".
        last = get_column_letter(len(rubric.factors) + 5)
        widths = [14, 12, *(max(10, min(18, len(f.name) + 2)) for f in rubric.factors), 9, 48]
        for col, width in enumerate(widths, start=1):
            sheet.column_dimensions[get_column_letter(col)].width = width
        sheet.column_dimensions[last].hidden = True
        sheet.row_dimensions[1].hidden = True
        # A write-only sheet writes its views (the frozen panes) with its first row and its
        # filter when closed: both are set before any row.
        sheet.freeze_panes = f"B{SCORES_FIRST_ROW}"
        # The filter spans the hidden column too, so that sorting through it keeps rows whole.
        sheet.auto_filter.ref = f"A2:{last}{SCORES_FIRST_ROW - 1 + rows}"
        sheet.append(
            [CODE_KEY, STATUS_KEY, *rubric.factor_keys, OVERALL_KEY, DECISION_KEY, EXPORTED_KEY]
        )
        sheet.append(
            _header(
                sheet,
                [
                    "Candidate code",
                    "Status",
                    *(f.name for f in rubric.factors),
                    "Overall",
                    "Decision",
                    "Scores as exported (for the checksum)",
                ],
                styles,
            )
        )

    def outcome(self, decision: Decision) -> _Outcome:
        """The decision's headline, and its overall score as shown with its style (or None)."""
        # An overall is the mean of all the factors: a part-scored portfolio has none yet.
        if decision.status is Status.INCOMPLETE or decision.overall is None:
            return decision.headline, None
        # Judged on the exact value: 2.745 is below 2.75 even though it shows as 2.75.
        low = decision.overall < self.rubric.thresholds.certification
        # Rounded to hundredths first: the number Excel holds is the one it shows.
        shown = float(to_decimal(decision.overall))
        return decision.headline, (shown, self.styles.below_floor if low else self.styles.score)

    def add(self, p: _Portfolio) -> None:
        sheet, rubric, styles = self.sheet, self.rubric, self.styles
        scores = p.scores()
        vector = tuple(scores.get(key) for key in rubric.factor_keys) if scores else ()
        outcome = self.outcomes.get(vector)
        if outcome is None:
            outcome = self.outcomes[vector] = self.outcome(decide(rubric, scores))
        headline, overall = outcome
        row: list[Cell | str | None] = [_text(sheet, p.code), STATUS_TEXT[p.status]]
        exported = []
        for key in rubric.factor_keys:
            score = scores.get(key)
            if score is None:
                row.append(None)
                exported.append("")
            else:
                row.append(_score(sheet, score, styles.factor(score)))
                exported.append(_score_text(score))
        row.append(None if overall is None else _cell(sheet, *overall))
        row.append(_text(sheet, headline))
        row.append(_text(sheet, f"{p.code}|{';'.join(exported)}"))
        sheet.append(row)


class _RationalesSheet:
    """One row per factor read that holds anything: the scorer's reasons, for the coordinator."""

    def __init__(self, sheet: Any, rubric: Rubric, rows: int, styles: _Styles) -> None:
        self.sheet, self.rubric, self.styles = sheet, rubric, styles
        for col, width in enumerate([14, 22, 8, LOOK_FORS_WIDTH, TEXT_WIDTH, TEXT_WIDTH], 1):
            sheet.column_dimensions[get_column_letter(col)].width = width
        sheet.freeze_panes = "B2"
        sheet.auto_filter.ref = f"A1:F{1 + rows}"
        sheet.append(
            _header(
                sheet,
                ["Candidate code", "Factor", "Score", "Look-fors seen", "Evidence", "Rationale"],
                styles,
            )
        )

    def long_text(self, text: str, width: int) -> Cell | str | None:
        # Wrapped only when it does not fit on one line: a wrapped cell costs a style, and the
        # rest of the row keeps Excel's bottom alignment either way.
        wrap = len(text) > width or "\n" in text
        return _text(self.sheet, text, self.styles.text if wrap else None)

    def add(self, p: _Portfolio) -> None:
        sheet, styles = self.sheet, self.styles
        code = _text(sheet, p.code)
        for factor in self.rubric.factors:
            read = p.reads.get(factor.key)
            if read is None or not read.has_content:
                continue
            look_fors = factor.look_fors
            # Indexes into the batch's own rubric; one past its end would be a damaged read.
            seen = "; ".join(
                look_fors[i] if 0 <= i < len(look_fors) else f"look-for {i + 1}"
                for i in read.look_fors_seen
            )
            evidence = "\n".join(f"[Entry {entry}] {quote}" for entry, quote in read.evidence)
            score = read.score
            sheet.append(
                [
                    # A plain str serves every row; a styled cell belongs to one row only.
                    code if isinstance(code, str) else _text(sheet, p.code),
                    _text(sheet, factor.name),
                    None if score is None else _score(sheet, score, styles.factor(score)),
                    self.long_text(seen, LOOK_FORS_WIDTH),
                    self.long_text(evidence, TEXT_WIDTH),
                    self.long_text(read.rationale, TEXT_WIDTH),
                ]
            )


def _write_about(
    sheet: Any,
    styles: _Styles,
    identity: BatchIdentity,
    rubric: Rubric,
    portfolios: int,
    times: tuple[datetime, datetime],  # exported at, scores as of
    checksum: str,
) -> None:
    t = rubric.thresholds
    exported_at, scores_as_of = times
    sheet.column_dimensions["A"].width = 24
    sheet.column_dimensions["B"].width = 90
    sheet.freeze_panes = "A2"
    fields: list[tuple[str, str | int]] = [
        (F_FORMAT, SUMMARY_FORMAT),
        (F_BATCH_ID, identity.batch_id),
        (F_COHORT, identity.cohort),
        (F_SCORER_ID, identity.scorer_id),
        (F_SCORER_NAME, identity.scorer_name),
        (F_EDITION, identity.rubric_edition),
        (F_EXPORTED_AT, exported_at.isoformat()),
        (F_SCORES_AS_OF, scores_as_of.isoformat()),
        (F_VERSION, __version__),
        (F_PORTFOLIOS, portfolios),
        (F_FACTORS, " ".join(rubric.factor_keys)),
        (F_SCALE, " ".join(format_score(v.value) for v in rubric.scale.values)),
        (
            F_HIGHLIGHTS,
            f"Red: a factor score below the factor floor {format_score(t.factor_floor)}, or "
            f"an overall score below {format_score(t.certification)}. Amber: a factor score "
            f"below accomplished ({format_score(t.accomplished)}).",
        ),
        (F_CHECKSUM, checksum),
        (
            F_CHECKSUM_NOTE,
            "A SHA-256 over every factor score in the Scores sheet, so that the coordinator "
            "can tell whether a score was changed after export. Changing a score here does not "
            "change the batch: correct it in ICG Desk and export the summary again.",
        ),
    ]
    sheet.append(_header(sheet, ["Field", "Value"], styles))
    for label, value in fields:
        sheet.append([label, _text(sheet, value, styles.text) if isinstance(value, str) else value])


# --- reading back --------------------------------------------------------------------------------


def read_batch_summary(path: Path) -> SummaryScores:
    """The scores of a workbook written by `write_batch_summary`, checked against its checksum.

    Raises `SummaryError` for anything that is not such a workbook, or one whose scores were
    changed after export.
    """
    path = Path(path)
    if not path.is_file():
        raise SummaryError(path, "no such file")
    if not zipfile.is_zipfile(path):
        raise SummaryError(path, "is not an Excel workbook (.xlsx): it is not a zip archive")
    # Opened from a file object: openpyxl refuses a workbook by its name's suffix otherwise.
    with path.open("rb") as stream:
        try:
            workbook = load_workbook(stream, read_only=True)
        except Exception as exc:  # noqa: BLE001 - a damaged file can fail anywhere in openpyxl
            raise SummaryError(
                path, f"is not an Excel workbook ICG Desk can read ({exc})"
            ) from None
        try:
            about = _About.read(path, _sheet(path, workbook, ABOUT))
            scores = _read_scores(path, _sheet(path, workbook, SCORES), about)
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
    )


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
        for row_number, row in enumerate(sheet.values, start=1):
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
            if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value):
                raise SummaryError(path, f"{label} should be a whole number, not {value!r}", where)
            return int(value)

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
            scale = frozenset(Fraction(Decimal(v)) for v in scale_text.split())
        except (InvalidOperation, ValueError):
            raise SummaryError(
                path, f"the score scale {scale_text!r} is not a list of numbers", field(F_SCALE)[1]
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
    path: Path, sheet: ReadOnlyWorksheet, about: _About
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
    headers = next(rows, ())  # the names a person reads, for messages
    names = {
        key: str(headers[col]) if col < len(headers) and headers[col] else key
        for key, col in factor_cols
    }

    scores: dict[str, dict[str, Fraction | None]] = {}
    places: dict[tuple[str, str], str] = {}  # (code, key) -> cell, for messages
    exported: dict[str, str] = {}
    for row_number, row in enumerate(rows, start=SCORES_FIRST_ROW):
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

    if len(scores) != about.portfolios:
        raise SummaryError(
            path,
            f"has {len(scores)} portfolios where the About sheet says {about.portfolios}: "
            "rows were added or removed after export",
            where,
        )
    rows_now = [
        (code, key, None if s is None else _score_text(s))
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


def _score_value(path: Path, cell: str, value: object, about: _About) -> Fraction | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        kind = "a formula" if value.startswith("=") else f"text ({value!r})"
        raise SummaryError(path, f"holds {kind}, not a score", cell)
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise SummaryError(path, f"holds {value!r}, not a score", cell)
    # Through the shortest text of the number: 3.25 is exact in binary, but a scale with tenths
    # would read 3.1 back as a float a hair away from 31/10.
    score = Fraction(Decimal(repr(value))) if isinstance(value, float) else Fraction(value)
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
            if (now := None if s is None else _score_text(s)) != original.get((code, key))
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
