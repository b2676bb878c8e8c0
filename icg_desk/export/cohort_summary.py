"""The coordinator's summary workbook of a cohort: results with names, factor statistics, reads.

A view of `CohortResults` for people (the coordinator, the program's office); nothing reads it
back. docs/cohort-summary-format.md describes every sheet and column.

Scores are decided on exact values (Fractions) and written as the app shows them: a number
rounded half up to two decimals, format 0.00, so that a cell never holds 2.625 while the app and
the report say 2.63. An overall that misses the certification threshold by less than the rounding
keeps four decimals (scoring.scale.format_against), so it never reads as the threshold it misses.
Every piece of text (names, emails, rationales, codes) is stored as text, never as a formula.
"""

from __future__ import annotations

import errno
import statistics
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import NamedStyle, PatternFill
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter

from icg_desk import __version__
from icg_desk.export.agreement_sheet import AGREEMENT, write_agreement
from icg_desk.export.backread_sheet import BACKREADS, write_backreads
from icg_desk.export.summary_xlsx import ProgressCallback, SummaryCancelled
from icg_desk.export.xlsx_cells import (
    RED,
    Styles,
    cell,
    discard_streams,
    header_row,
    save,
    text_cell,
)
from icg_desk.formats.atomic import atomic_write
from icg_desk.models.agreement import CohortAgreement
from icg_desk.models.cohort_results import CandidateResult, CohortResults, ReadRow
from icg_desk.models.flags import CandidateFlag
from icg_desk.scoring import Decision, Rubric, Status, format_score, to_decimal
from icg_desk.scoring.flags import FlagState
from icg_desk.scoring.scale import format_against

OVERVIEW, RESULTS, FACTOR_STATISTICS, READS = "Overview", "Results", "Factor statistics", "Reads"
FLAGS = "Flags"
WAITING = "Waiting"  # the Decision of a candidate whose result is not final
NOT_RELEASED = "Not released — provisional"
STATUS_TEXT = {
    Status.CERTIFIED: "Certified",
    Status.NOT_CERTIFIED: "Not certified",
    Status.INCOMPLETE: "Incomplete",
}
S_OVERALL_FINE = "ICG overall below threshold, 4 decimals"
FINE_FORMAT = "0.0000"
RATIONALE_WIDTH = 50
_SOURCE = "the cohort file"  # where a text cut at Excel's cell limit is kept whole


def write_cohort_summary(
    results: CohortResults,
    path: Path,
    *,
    progress: ProgressCallback | None = None,
    agreement: CohortAgreement | None = None,
) -> Path:
    """Write the cohort's summary workbook at `path`, and return the path; with `agreement`,
    its Agreement sheet and charts too (export/agreement_sheet.py).

    Written beside `path` under a temporary name and renamed at the end, so a cancelled
    (`SummaryCancelled`) or failed run never leaves a half-written file under the final name
    (an earlier summary there stays as it was). Progress counts candidates, then reads.
    """
    path = Path(path)
    if not path.parent.is_dir():
        raise FileNotFoundError(errno.ENOENT, f"the folder {path.parent} does not exist", str(path))
    written_at = datetime.now(UTC).replace(microsecond=0)
    workbook = Workbook(write_only=True)
    try:
        with atomic_write(path) as staged:
            cells = _write_workbook(workbook, results, written_at, progress)
            if agreement is not None:
                write_agreement(workbook.create_sheet(AGREEMENT), cells, agreement)
                if agreement.backreads.scorers:  # any backread pulled
                    write_backreads(workbook.create_sheet(BACKREADS), cells, agreement)
            save(workbook, staged.path, path)
    except BaseException:
        discard_streams(workbook)
        raise
    return path


# --- cells ---------------------------------------------------------------------------------------


class _Cells:
    """The workbook's styles, and the cells every sheet makes from them."""

    def __init__(self, workbook: Workbook, rubric: Rubric) -> None:
        self.styles = Styles.add_to(workbook, rubric.thresholds)
        fine = NamedStyle(
            S_OVERALL_FINE, number_format=FINE_FORMAT, fill=PatternFill("solid", fgColor=RED)
        )
        workbook.add_named_style(fine)
        self.fine = fine.as_tuple()
        self.certification = rubric.thresholds.certification

    def text(self, sheet: Any, text: str, style: StyleArray | None = None) -> Cell | str | None:
        return text_cell(sheet, text, style, source=_SOURCE)

    def long_text(self, sheet: Any, text: str, width: int) -> Cell | str | None:
        # Wrapped only when it does not fit on one line: the row keeps its height otherwise.
        wrap = len(text) > width or "\n" in text
        return self.text(sheet, text, self.styles.text if wrap else None)

    def header(self, sheet: Any, names: Iterable[str]) -> list[Cell | str | None]:
        return header_row(sheet, names, self.styles)

    def score(self, sheet: Any, score: Fraction | None, style: StyleArray | None = None) -> Any:
        """A score as the app shows it; highlighted as a factor score unless `style` is given."""
        if score is None:
            return None
        # Held as shown (a mean of 2.625 as 2.63): a sum or filter in Excel then works on the
        # numbers the coordinator sees, in the workbook, in ICG Desk and on the reports alike.
        shown = float(to_decimal(score))
        return cell(sheet, shown, style or self.styles.factor(score))

    def plain_score(self, sheet: Any, score: Fraction | None) -> Any:
        return self.score(sheet, score, self.styles.score)

    def overall(self, sheet: Any, decision: Decision) -> Any:
        """The overall score, empty until every factor is scored; red below certification."""
        overall = decision.overall
        if decision.status is Status.INCOMPLETE or overall is None:
            return None
        shown = format_against(overall, self.certification)
        if len(shown.partition(".")[2]) > 2:
            style = self.fine
        elif overall < self.certification:  # judged on the exact value, as the decision is
            style = self.styles.below_floor
        else:
            style = self.styles.score
        return cell(sheet, float(Decimal(shown)), style)


def _names(rubric: Rubric, keys: Iterable[str]) -> str:
    # A key the rubric lacks (a roster's retake factor is checked on import, but rubrics change)
    # is shown as stored rather than failing the whole workbook.
    known = set(rubric.factor_keys)
    return "; ".join(rubric.factor(k).name if k in known else k for k in keys)


def _widths(sheet: Any, widths: Sequence[float]) -> None:
    for col, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(col)].width = width


def _factor_width(name: str) -> int:
    return max(10, min(18, len(name) + 2))


# --- the workbook --------------------------------------------------------------------------------


def _write_workbook(
    workbook: Workbook,
    results: CohortResults,
    written_at: datetime,
    progress: ProgressCallback | None,
) -> _Cells:
    cells = _Cells(workbook, results.rubric)
    _write_overview(workbook.create_sheet(OVERVIEW), cells, results, written_at)
    results_sheet = _ResultsSheet(workbook.create_sheet(RESULTS), cells, results)
    _write_factor_statistics(workbook.create_sheet(FACTOR_STATISTICS), cells, results)
    reads_sheet = _ReadsSheet(workbook.create_sheet(READS), cells, results)
    _write_flags(workbook.create_sheet(FLAGS), cells, results)

    total = len(results.candidates) + len(results.reads)
    step = max(1, total // 200)  # a callback per row would cost more than it shows
    done = 0

    def tick() -> None:
        nonlocal done
        done += 1
        if done % step == 0 or done == total:
            report()

    def report() -> None:
        if progress is not None and not progress(done, total):
            raise SummaryCancelled("the cohort summary was cancelled")

    report()
    for candidate in results.candidates:
        results_sheet.add(candidate)
        tick()
    for read in results.reads:
        reads_sheet.add(read)
        tick()
    return cells


def _released_text(when: datetime | None) -> str:
    if when is None:
        return NOT_RELEASED
    if when.tzinfo is not None:
        when = when.astimezone(UTC)
    return f"{when:%Y-%m-%d %H:%M} UTC"


def _write_overview(
    sheet: Any, cells: _Cells, results: CohortResults, written_at: datetime
) -> None:
    rubric, t = results.rubric, results.rubric.thresholds
    candidates = results.candidates
    _widths(sheet, [34, 90])
    sheet.freeze_panes = "A2"
    fields: list[tuple[str, str | int]] = [
        ("Cohort", results.cohort),
        ("Rubric edition", rubric.edition),
        ("Released at", _released_text(results.released_at)),
        ("Candidates", len(candidates)),
        # Final results only: a waiting candidate is never counted under a decision.
        ("Certified", results.count(Status.CERTIFIED)),
        ("Not certified", results.count(Status.NOT_CERTIFIED)),
        ("Waiting", len(results.waiting)),
        ("Withdrawn", len(results.withdrawn)),
        ("Reads needed", sum(c.reads_needed for c in candidates if c.withdrawn is None)),
        ("Reads in", sum(c.reads_in for c in candidates)),
        ("Reads missing", sum(c.reads_missing for c in candidates)),
        ("Candidates with discrepant factors", sum(1 for c in candidates if c.discrepant)),
        ("Flags open", len(results.open_flags)),
        (
            "Flags accepted",
            sum(1 for c in candidates for f in c.flags if f.state is FlagState.ACCEPTED),
        ),
        (
            "Flags adjudicated",
            sum(1 for c in candidates for f in c.flags if f.state is FlagState.ADJUDICATED),
        ),
        ("Written at (UTC)", written_at.isoformat()),
        ("ICG Desk version", __version__),
        (
            "Highlights",
            f"Red: a factor score below the factor floor {format_score(t.factor_floor)}, or an "
            f"overall score below {format_score(t.certification)}. Amber: a factor score below "
            f"accomplished ({format_score(t.accomplished)}).",
        ),
        (
            "About this workbook",
            "A view of the cohort's results when it was written. A factor score is the mean of "
            "the complete reads, or the adjudicator's score where it was adjudicated; scores "
            "show two decimals, rounded half up, as in ICG Desk and on the score reports. A "
            "candidate with reads missing or in progress, or a flag open, is Waiting: never "
            "counted as certified. Changing a cell here changes nothing in the cohort file.",
        ),
    ]
    sheet.append(cells.header(sheet, ["Field", "Value"]))
    for label, value in fields:
        shown = cells.text(sheet, value, cells.styles.text) if isinstance(value, str) else value
        sheet.append([label, shown])


class _ResultsSheet:
    """One row per candidate, in candidate id order."""

    def __init__(self, sheet: Any, cells: _Cells, results: CohortResults) -> None:
        self.sheet, self.cells, self.rubric = sheet, cells, results.rubric
        factors = self.rubric.factors
        heads = [
            "Candidate id",
            "Code",
            "Name",
            "Email",
            "Organisation",
            "Reads in",
            "Reads missing",
            *(f.name for f in factors),
            "Overall",
            "Decision",
            "Headline",
            "Retake factors",
            "Discrepant factors",
            "Retaking this cycle",
            "Result",
            "Flags",
            "Adjudicated",
            "Factor sources",
            "Banked scores",
        ]
        _widths(
            sheet,
            [12, 12, 24, 30, 26, 8, 9, *(_factor_width(f.name) for f in factors)]
            + [9, 14, 48, 28, 28, 24, 36, 40, 32, 48, 48],
        )
        # A write-only sheet writes its frozen panes with its first row and its filter when
        # closed: both are set before any row.
        sheet.freeze_panes = "D2"
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(heads))}{1 + len(results.candidates)}"
        sheet.append(cells.header(sheet, heads))

    def add(self, c: CandidateResult) -> None:
        sheet, cells, rubric = self.sheet, self.cells, self.rubric
        state = c.state
        self.sheet.append(
            [
                cells.text(sheet, c.candidate_id),
                cells.text(sheet, c.code),
                cells.text(sheet, c.name),
                cells.text(sheet, c.email),
                cells.text(sheet, c.organisation),
                c.reads_in,
                c.reads_missing,
                *(cells.score(sheet, f.score) for f in c.factors),
                cells.overall(sheet, c.decision),
                STATUS_TEXT[c.decision.status]
                if state.final
                else (state.label if c.withdrawn is not None else WAITING),
                cells.text(sheet, c.decision.headline),
                cells.text(sheet, _names(rubric, c.decision.retake)),
                cells.text(sheet, _names(rubric, c.discrepant)),
                cells.text(sheet, _names(rubric, c.retake_factors)),
                cells.text(sheet, state.label),
                cells.text(sheet, "; ".join(f"{f.title(rubric)} ({f.state})" for f in c.flags)),
                # Which factor scores an adjudicator gave, and who: "Data by A-1".
                cells.text(
                    sheet,
                    "; ".join(f"{rubric.factor(k).name} by {by}" for k, by in c.adjudicated_by),
                ),
                # A retake: where each factor's score comes from, and every banked score.
                cells.text(
                    sheet,
                    "; ".join(
                        f"{f.name}: {c.source_text(f.key)}" for f in rubric.factors if c.retake
                    ),
                ),
                cells.text(
                    sheet,
                    "; ".join(
                        f"{rubric.factor(k).name} {format_score(score)} ({cycle})"
                        for k, score, cycle in c.banked_scores
                    ),
                ),
            ]
        )


def _write_factor_statistics(sheet: Any, cells: _Cells, results: CohortResults) -> None:
    rubric, t = results.rubric, results.rubric.thresholds
    labels = rubric.scale.labels
    heads = [
        "Factor",
        "Key",
        "Candidates scored",
        "Mean",
        "Median",
        "Lowest",
        "Highest",
        f"Below the factor floor ({format_score(t.factor_floor)})",
        f"Below accomplished ({format_score(t.accomplished)})",
        "Discrepant",
        "Reads",
        *labels,
    ]
    _widths(sheet, [24, 16, 11, 8, 8, 8, 8, 13, 13, 11, 8, *(6 for _ in labels)])
    sheet.freeze_panes = "B2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(heads))}{1 + len(rubric.factors)}"
    sheet.append(cells.header(sheet, heads))
    for i, factor in enumerate(rubric.factors):
        outcomes = [c.factors[i] for c in results.candidates]  # both in rubric order
        scores = [f.score for f in outcomes if f.score is not None]
        given = [s for r in results.reads if (s := r.scores.get(factor.key)) is not None]
        by_label = Counter(rubric.scale.label(s) for s in given if rubric.scale.contains(s))
        mean = sum(scores, Fraction(0)) / len(scores) if scores else None
        median = statistics.median(scores) if scores else None
        sheet.append(
            [
                cells.text(sheet, factor.name),
                cells.text(sheet, factor.key),
                len(scores),
                cells.plain_score(sheet, mean),
                cells.plain_score(sheet, median),
                cells.plain_score(sheet, min(scores, default=None)),
                cells.plain_score(sheet, max(scores, default=None)),
                sum(1 for s in scores if s < t.factor_floor),
                sum(1 for s in scores if s < t.accomplished),
                sum(1 for f in outcomes if f.discrepant),
                len(given),
                *(by_label[label] for label in labels),
            ]
        )


class _ReadsSheet:
    """The raw reads: one row per read assigned, complete or not, by candidate then scorer."""

    def __init__(self, sheet: Any, cells: _Cells, results: CohortResults) -> None:
        self.sheet, self.cells, self.rubric = sheet, cells, results.rubric
        factors = self.rubric.factors
        heads = [
            "Candidate id",
            "Code",
            "Scorer",
            "Batch",
            "Complete",
            *(f.name for f in factors),
            *(f"{f.name}: rationale" for f in factors),
        ]
        _widths(
            sheet,
            [12, 12, 10, 38, 9, *(_factor_width(f.name) for f in factors)]
            + [RATIONALE_WIDTH] * len(factors),
        )
        sheet.freeze_panes = "C2"
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(heads))}{1 + len(results.reads)}"
        sheet.append(cells.header(sheet, heads))

    def add(self, r: ReadRow) -> None:
        sheet, cells, keys = self.sheet, self.cells, self.rubric.factor_keys
        sheet.append(
            [
                cells.text(sheet, r.candidate_id),
                cells.text(sheet, r.code),
                cells.text(sheet, r.scorer_id),
                cells.text(sheet, r.batch_id or ""),
                "Yes" if r.complete else "No",
                *(cells.score(sheet, r.scores.get(k)) for k in keys),
                *(cells.long_text(sheet, r.rationales.get(k, ""), RATIONALE_WIDTH) for k in keys),
            ]
        )


def _write_flags(sheet: Any, cells: _Cells, results: CohortResults) -> None:
    """One row per flag, open or closed, with every complete read side by side."""
    rubric = results.rubric
    flagged: list[tuple[CandidateResult, CandidateFlag]] = [
        (c, f) for c in results.candidates for f in c.flags
    ]
    most = max((len(f.reads) for _, f in flagged), default=2)
    heads = [
        "Candidate id",
        "Code",
        "Name",
        "Flag",
        "State",
        *(f"Read {n}" for n in range(1, max(2, most) + 1)),
        "Why",
        "Closed by",
        "Closed at (UTC)",
        "Reason",
    ]
    _widths(sheet, [12, 12, 24, 26, 11, *(30 for _ in range(max(2, most))), 60, 20, 18, 50])
    sheet.freeze_panes = "D2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(heads))}{1 + len(flagged)}"
    sheet.append(cells.header(sheet, heads))
    for c, f in flagged:
        sides = [cells.text(sheet, r.text) for r in f.reads]
        sides += [None] * (max(2, most) - len(sides))
        closed = "" if f.closed_at is None else f"{f.closed_at.astimezone(UTC):%Y-%m-%d %H:%M}"
        sheet.append(
            [
                cells.text(sheet, c.candidate_id),
                cells.text(sheet, c.code),
                cells.text(sheet, c.name),
                cells.text(sheet, f.title(rubric)),
                f.state.value,
                *sides,
                cells.long_text(sheet, "; ".join(f.reasons), 60),
                cells.text(sheet, f.closed_by),
                cells.text(sheet, closed),
                cells.long_text(sheet, f.reason, 50),
            ]
        )
