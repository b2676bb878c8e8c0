"""The coordinator's score reports: every candidate's report with their name, from the results.

The pages are `pdf_report`'s, the words `report_data`'s; this module decides what the
coordinator's copy says (the candidate's name above the code), whether it may be printed yet
(only released results make the candidates' copies; before that, marked previews), and what the
files are called, so that a coordinator finds "1001 Maya Alvarez.pdf" in the folder.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from icg_desk.export.pdf_report import ProgressCallback, ReportRun
from icg_desk.export.report_data import CandidateReport, provisional_text
from icg_desk.export.report_pool import Combined, print_reports
from icg_desk.formats.naming import safe_stem
from icg_desk.models.cohort_results import CandidateResult, CohortResults
from icg_desk.models.errors import UserError

COORDINATORS_PREVIEW = "COORDINATOR'S PREVIEW"
PREVIEW_SUFFIX = " (preview)"
COMBINED_SUFFIX = " score reports"


class ResultsNotReleased(UserError, ValueError):
    """The candidates' copies need released results; previews may be printed before."""


def reports_from_results(
    results: CohortResults, *, issued: date | None = None
) -> list[CandidateReport]:
    """One report per candidate, in the results' order (candidate id), headed by their name.

    Marked as previews until the results are released, each saying on every page why it is
    provisional (`provisional_text`). Issued on `issued`, else on the day the
    results were released (so that a report printed again later still agrees with the others),
    else today. Released results that were reopened and released again say "Amended" with the
    day of that release. A withdrawn candidate gets no report (`reported`).
    """
    if issued is None:
        when = results.released_at
        issued = when.date() if when is not None else date.today()
    preview = results.released_at is None
    amended = None if results.amended_at is None else results.amended_at.date()
    return [
        CandidateReport(
            candidate_code=c.code,
            display_name=c.name,
            cohort=results.cohort,
            rubric=results.rubric,
            scores=c.scores,
            decision=c.decision,
            issued=issued,
            preview=preview,
            provisional=provisional_text(c) if preview else None,
            adjudicated=dict(c.adjudicated_by),
            amended=amended,
            banked=c.sources(),  # a retake's factors marked banked (with the cycle) or new
        )
        for c in reported(results)
    ]


def reported(results: CohortResults) -> list[CandidateResult]:
    """The candidates who get a report: all but the withdrawn. A withdrawn candidate has no
    result, and a page saying so would pass for one; the results, the summary workbook and
    `cohort log` say who was withdrawn, when and why."""
    return [c for c in results.candidates if c.withdrawn is None]


def write_cohort_reports(
    results: CohortResults,
    folder: Path,
    *,
    preview: bool = False,
    progress: ProgressCallback | None = None,
    issued: date | None = None,
    workers: int | None = None,
) -> ReportRun:
    """Every candidate's report in `folder`, one file each, and all of them in one file.

    Before release this refuses (`ResultsNotReleased`) unless `preview` is asked for; previews
    are marked on every page and named "... (preview).pdf", so that neither a page nor a file
    passes for a candidate's copy. The reports print on every core (`report_pool`; `workers`
    chooses how many processes, 0 for this one). Progress counts reports, one step each; at
    (total, total) only the combined file is left to finish. A run cancelled through it returns
    with `cancelled` set and no combined file.
    """
    if results.released_at is None and not preview:
        raise ResultsNotReleased(
            f"the results of cohort {results.cohort} are not released yet: release them "
            "first to print the candidates' copies, or print previews"
        )
    reports = reports_from_results(results, issued=issued)
    suffix = PREVIEW_SUFFIX if results.released_at is None else ""
    combined = combined_file_name(results)
    used = {combined.casefold()}
    names = [unique_pdf_name(f"{c.candidate_id} {c.name}", suffix, used) for c in reported(results)]
    folder = Path(folder)
    return print_reports(
        reports,
        [folder / name for name in names],
        combined=Combined(
            folder / combined,
            title=f"Score reports: {len(reports)} candidates",
            author=results.rubric.program,
            # A bookmark per candidate, as their file is named: "1001 Maya Alvarez".
            bookmarks=[name.removesuffix(".pdf") for name in names],
        ),
        progress=progress,
        preview_label=COORDINATORS_PREVIEW,
        workers=workers,
    )


def combined_file_name(results: CohortResults) -> str:
    """The name of the file with every report in it, e.g. "2026-27 score reports (preview).pdf"."""
    suffix = PREVIEW_SUFFIX if results.released_at is None else ""
    return safe_stem(results.cohort + COMBINED_SUFFIX + suffix) + ".pdf"


def unique_pdf_name(text: str, suffix: str, used: set[str]) -> str:
    """ "<safe stem><suffix>.pdf", unique in `used` (compared as Windows and macOS do)."""
    stem = safe_stem(text)
    name, n = stem, 1
    while f"{name}{suffix}.pdf".casefold() in used:
        n += 1
        name = f"{stem} ({n})"
    result = f"{name}{suffix}.pdf"
    used.add(result.casefold())
    return result
