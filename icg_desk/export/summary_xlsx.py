"""Rendering the scorer's Excel summary of a batch: every score, the rationales, a checksum.

Scorers return it beside the batch file. The format itself (sheet and field names, the checksum,
and the reader the coordinator's merge uses) is `icg_desk.formats.summary`; this module only
writes it, and never writes the batch: recording the export time in the batch is the scorer's
operation's separate step (`operations.batch_ops.export_batch_summary`).

Written in openpyxl's write-only mode: rows stream to disk as they are made, so a summary of ten
thousand portfolios needs little more memory than one of ten. Every piece of text is stored as
text: a rationale that begins with "=" is shown as typed, never evaluated as a formula.
"""

from __future__ import annotations

import errno
import json
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from sqlalchemy import String, Text, select, type_coerce

from icg_desk import __version__
from icg_desk.export.xlsx_cells import Styles as _Styles
from icg_desk.export.xlsx_cells import cell as _cell
from icg_desk.export.xlsx_cells import clean, text_cell
from icg_desk.export.xlsx_cells import discard_streams as _discard_streams
from icg_desk.export.xlsx_cells import header_row as _header
from icg_desk.export.xlsx_cells import save as _save
from icg_desk.formats.atomic import atomic_write
from icg_desk.formats.summary import (
    ABOUT,
    CODE_KEY,
    DECISION_KEY,
    EXPORTED_KEY,
    F_BATCH_ID,
    F_CHECKSUM,
    F_CHECKSUM_NOTE,
    F_COHORT,
    F_EDITION,
    F_EXPORTED_AT,
    F_FACTORS,
    F_FORMAT,
    F_HIGHLIGHTS,
    F_PORTFOLIOS,
    F_PRACTICE,
    F_SCALE,
    F_SCORER_ID,
    F_SCORER_NAME,
    F_SCORES_AS_OF,
    F_VERSION,
    HISTORY_IN_SUMMARY,
    OVERALL_KEY,
    PRACTICE_KEY,
    RATIONALES,
    SCORES,
    SCORES_FIRST_ROW,
    STATUS_KEY,
    SUMMARY_FORMAT,
    VERSION_KEY,
    score_text,
    scores_checksum,
    version_text,
)
from icg_desk.models.batch_file import BatchFile, BatchIdentity
from icg_desk.models.calibration import practice_ids
from icg_desk.models.schema import (
    LAST_CHANGE_SQL,
    Change,
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


STATUS_TEXT = {
    PortfolioStatus.NOT_STARTED: "Not started",
    PortfolioStatus.IN_PROGRESS: "In progress",
    PortfolioStatus.COMPLETE: "Complete",
}

LOOK_FORS_WIDTH, TEXT_WIDTH = 45, 60  # the Rationales sheet's long-text columns, in characters


class SummaryCancelled(Exception):
    """The export was cancelled through its progress callback; no file was written."""


@dataclass(frozen=True)
class SummaryInfo:
    path: Path
    portfolios: int
    checksum: str
    exported_at: datetime  # as written in the About sheet, to the second


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
    version: str = ""  # as the hidden version column holds it (formats.summary.version_text)
    practice: int = 0  # a practice portfolio's number among them (calibration); 0 when live

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
            select(
                Portfolio.id,
                Portfolio.candidate_code,
                Portfolio.status,
                Portfolio.revision,
                Portfolio.lineage,
            ).order_by(Portfolio.position)
        ).all()
        practice = {pid: i for i, pid in enumerate(practice_ids(session), start=1)}
        # Each portfolio's history of versions, the latest last, so a copy merged from this
        # summary and a batch continuing it are told apart from copies edited apart.
        history: dict[int, list[str]] = defaultdict(list)
        for portfolio_id, lineage in session.execute(
            select(Change.portfolio_id, Change.lineage)
            .where(Change.lineage.is_not(None))
            .order_by(Change.id)
        ):
            if lineage:
                history[portfolio_id].append(lineage)
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
        _Portfolio(
            _clean(code),
            PortfolioStatus(status),
            reads.get(pid, {}),
            version_text(revision, lineage, history[pid][-HISTORY_IN_SUMMARY:]) if lineage else "",
            practice.get(pid, 0),
        )
        for pid, code, status, revision, lineage in portfolios
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
            score = None if read is None or read.score is None else score_text(read.score)
            yield p.code, key, score


# --- writing -------------------------------------------------------------------------------------


def write_batch_summary(
    batch: BatchFile, path: Path, *, progress: ProgressCallback | None = None
) -> SummaryInfo:
    """Write the batch's summary workbook at `path`; the batch is only read.

    The workbook is written beside `path` under a temporary name and renamed at the end, so a
    cancelled (`SummaryCancelled`) or failed export never leaves a half-written file under the
    final name. Progress counts portfolios. `SummaryInfo.exported_at` is the time written in the
    workbook, for the caller to record in the batch (`models.batch_marks.record_summary_export`).
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

    workbook = Workbook(write_only=True)
    try:
        with atomic_write(path) as staged:
            _write_workbook(
                workbook,
                identity,
                rubric,
                portfolios,
                (exported_at, scores_as_of),
                checksum,
                progress,
            )
            _save(workbook, staged.path, path)
    except BaseException:
        _discard_streams(workbook)
        raise
    return SummaryInfo(path, len(portfolios), checksum, exported_at)


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
    practice = tuple(p.code for p in portfolios if p.practice)
    scores = _ScoresSheet(
        workbook.create_sheet(SCORES), rubric, len(portfolios), styles, bool(practice)
    )
    rationale_rows = sum(read.has_content for p in portfolios for read in p.reads.values())
    rationales = _RationalesSheet(
        workbook.create_sheet(RATIONALES), rubric, rationale_rows, styles, bool(practice)
    )

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
    _write_about(about, styles, identity, rubric, total, times, checksum, practice)


def _clean(text: str) -> str:
    return clean(text, "the batch file")


def _text(sheet: Any, text: str, style: StyleArray | None = None) -> Cell | str | None:
    return text_cell(sheet, text, style, source="the batch file")


def _score(sheet: Any, score: Fraction, style: StyleArray) -> Cell:
    # The scale is in quarters: exact in binary, so Excel holds exactly the batch's score.
    return _cell(sheet, float(score), style)


_Outcome = tuple[str, tuple[float, StyleArray] | None]


class _ScoresSheet:
    """One row per portfolio: code, status, each factor's score, overall, decision (and, in a
    batch with practice portfolios, which are practice, after the status)."""

    def __init__(
        self, sheet: Any, rubric: Rubric, rows: int, styles: _Styles, practice: bool = False
    ) -> None:
        self.sheet, self.rubric, self.styles = sheet, rubric, styles
        self.practice = practice
        # Many portfolios share a score vector (every unscored one, for a start): decide it once.
        self.outcomes: dict[tuple[Fraction | None, ...], _Outcome] = {}
        # Code, status, (practice,) the factors, overall, decision, then the hidden "scores as
        # exported" and version.
        extra = 1 if practice else 0
        exported = get_column_letter(len(rubric.factors) + 5 + extra)
        last = get_column_letter(len(rubric.factors) + 6 + extra)
        widths = [
            14,
            12,
            *([11] if practice else []),
            *(max(10, min(18, len(f.name) + 2)) for f in rubric.factors),
            9,
            48,
        ]
        for col, width in enumerate(widths, start=1):
            sheet.column_dimensions[get_column_letter(col)].width = width
        sheet.column_dimensions[exported].hidden = True
        sheet.column_dimensions[last].hidden = True
        sheet.row_dimensions[1].hidden = True
        # A write-only sheet writes its views (the frozen panes) with its first row and its
        # filter when closed: both are set before any row.
        sheet.freeze_panes = f"B{SCORES_FIRST_ROW}"
        # The filter spans the hidden column too, so that sorting through it keeps rows whole.
        sheet.auto_filter.ref = f"A2:{last}{SCORES_FIRST_ROW - 1 + rows}"
        sheet.append(
            [
                CODE_KEY,
                STATUS_KEY,
                *([PRACTICE_KEY] if practice else []),
                *rubric.factor_keys,
                OVERALL_KEY,
                DECISION_KEY,
                EXPORTED_KEY,
                VERSION_KEY,
            ]
        )
        sheet.append(
            _header(
                sheet,
                [
                    "Candidate code",
                    "Status",
                    *(["Practice"] if practice else []),
                    *(f.name for f in rubric.factors),
                    "Overall",
                    "Decision",
                    "Scores as exported (for the checksum)",
                    "Version (revision and lineage, for the merge)",
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
        if self.practice:
            row.append(f"Practice {p.practice}" if p.practice else None)
        exported = []
        for key in rubric.factor_keys:
            score = scores.get(key)
            if score is None:
                row.append(None)
                exported.append("")
            else:
                row.append(_score(sheet, score, styles.factor(score)))
                exported.append(score_text(score))
        row.append(None if overall is None else _cell(sheet, *overall))
        row.append(_text(sheet, headline))
        row.append(_text(sheet, f"{p.code}|{';'.join(exported)}"))
        row.append(_text(sheet, p.version) if p.version else None)
        sheet.append(row)


class _RationalesSheet:
    """One row per factor read that holds anything: the scorer's reasons, for the coordinator
    (and, in a batch with practice portfolios, a last column saying which are practice)."""

    def __init__(
        self, sheet: Any, rubric: Rubric, rows: int, styles: _Styles, practice: bool = False
    ) -> None:
        self.sheet, self.rubric, self.styles = sheet, rubric, styles
        self.practice = practice
        widths = [14, 22, 8, LOOK_FORS_WIDTH, TEXT_WIDTH, TEXT_WIDTH, *([11] if practice else [])]
        for col, width in enumerate(widths, 1):
            sheet.column_dimensions[get_column_letter(col)].width = width
        sheet.freeze_panes = "B2"
        sheet.auto_filter.ref = f"A1:{'G' if practice else 'F'}{1 + rows}"
        headers = ["Candidate code", "Factor", "Score", "Look-fors seen", "Evidence", "Rationale"]
        sheet.append(_header(sheet, [*headers, *(["Practice"] if practice else [])], styles))

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
                    *([f"Practice {p.practice}" if p.practice else None] if self.practice else []),
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
    practice: tuple[str, ...] = (),
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
    if practice:
        fields.append(
            (
                F_PRACTICE,
                f"{len(practice)}: {', '.join(practice)}. Calibration before live scoring: the "
                "scorer's practice reads, never a candidate's; the cohort judges them against its "
                "own copy of the agreed scores.",
            )
        )
    sheet.append(_header(sheet, ["Field", "Value"], styles))
    for label, value in fields:
        sheet.append([label, _text(sheet, value, styles.text) if isinstance(value, str) else value])
