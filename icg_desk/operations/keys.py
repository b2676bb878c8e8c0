"""Importing validity and practice portfolios into a cohort (docs/validity.md).

From a sheet (.xlsx or .csv, read as a roster is) with the portfolios' documents in a folder, or
from an earlier cohort's candidates whose results were adjudicated or released. Read whole, then
checked whole (`models.keys`), then written in one transaction: every problem names its file,
row and column (or the candidate and factor), and nothing is written unless all is well.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from icg_desk.models.cohort_file import CohortFile
from icg_desk.models.cohort_results import CandidateResult, cohort_results
from icg_desk.models.cohort_schema import (
    ADJUDICATION,
    Assignment,
    Candidate,
    CandidateEntry,
    ReadScore,
    Scorer,
)
from icg_desk.models.keys import (
    KEY_ID_COLUMN,
    KeysAdded,
    KeysRefused,
    NewKey,
    add_keys,
    check_key_table,
    check_kind,
    existing_ids,
    key_columns,
    taken_message,
)
from icg_desk.models.roster import (
    _NewEntry,
    refuse_import_when_released,
)
from icg_desk.operations.roster_import import read_sheet_and_documents
from icg_desk.scoring import Rubric, format_score

KEYS_SHEET = "Portfolios"


def import_keys(cohort: CohortFile, sheet: Path, documents: Path, kind: str) -> KeysAdded:
    """Import the sheet's portfolios as `kind` (validity or practice); ImportRejected naming
    every problem (nothing written), KeysRefused for a wrong kind."""
    check_kind(kind)
    refuse_import_when_released(cohort, sheet)
    table, found = read_sheet_and_documents(
        sheet, KEYS_SHEET, key_columns(cohort.rubric), documents, "portfolio"
    )
    keys = check_key_table(cohort, table, found)
    return add_keys(cohort, kind, keys, released_error=sheet)


def import_keys_from(
    cohort: CohortFile, earlier: Path, candidate_ids: Sequence[str], kind: str
) -> KeysAdded:
    """Import candidates of an earlier cohort as `kind`: their entries, and their final factor
    scores as the agreed scores (each must be one value of the scale), with the adjudicator's
    rationale where a factor was adjudicated. KeysRefused names every candidate and factor that
    cannot be taken, and why; nothing is written then."""
    check_kind(kind)
    if not candidate_ids:
        raise KeysRefused("name at least one candidate of the earlier cohort (--candidate ID)")
    refuse_import_when_released(cohort, earlier)
    if earlier.resolve() == Path(cohort.path).resolve():
        raise KeysRefused(f"{earlier}: is this cohort; give an earlier cohort's file")
    keys, problems = _read_earlier(earlier, cohort.rubric, candidate_ids)
    if problems:
        raise KeysRefused(f"{earlier}: nothing imported:\n" + "\n".join(problems))
    with cohort.reading() as session:
        taken = existing_ids(session)
    clash = [k for k in keys if k.key_id.casefold() in taken]
    if clash:
        raise KeysRefused(
            f"{earlier}: nothing imported:\n"
            + "\n".join(
                f"  {KEY_ID_COLUMN} {taken_message(k.key_id, taken[k.key_id.casefold()])}"
                for k in clash
            )
        )
    return add_keys(cohort, kind, keys, released_error=earlier)


def _read_earlier(
    path: Path, rubric: Rubric, wanted: Sequence[str]
) -> tuple[list[NewKey], list[str]]:
    problems: list[str] = []
    keys: list[NewKey] = []
    if path.suffix.lower() != ".icgcohort":
        return [], ["  is not a cohort file (.icgcohort)"]
    with CohortFile.open(path) as last:
        if last.rubric.factor_keys != rubric.factor_keys or sorted(
            e.number for e in last.rubric.entries
        ) != sorted(e.number for e in rubric.entries):
            return [], [
                f"  is scored on the rubric {last.rubric.edition!r}, whose factors or entries "
                f"are not this cohort's ({rubric.edition!r})"
            ]
        results = cohort_results(last)
        by_id = {c.candidate_id.casefold(): c for c in results.candidates}
        released = results.released_at is not None
        seen: set[str] = set()
        for cid in wanted:
            if cid.casefold() in seen:
                continue
            seen.add(cid.casefold())
            found = by_id.get(cid.casefold())
            if found is None:
                problems.append(f"  candidate {cid}: is not a candidate of {results.cohort}")
                continue
            why = _unusable(found, rubric, released)
            if why:
                problems.extend(f"  candidate {found.candidate_id}: {w}" for w in why)
                continue
            with last.reading() as session:
                entries, rationales = _entries_and_rationales(session, found)
            why = _entries_unfit(entries, rubric)
            if why:
                problems.extend(f"  candidate {found.candidate_id}: {w}" for w in why)
                continue
            keys.append(
                NewKey(
                    key_id=f"{results.cohort}-{found.candidate_id}",
                    entries=entries,
                    scores={f.key: f.score for f in found.factors if f.score is not None},
                    rationales=rationales,
                    source=f"{results.cohort} candidate {found.candidate_id} ({path.name})",
                    where=(path, None),
                )
            )
    return keys, problems


def _unusable(found: CandidateResult, rubric: Rubric, released: bool) -> list[str]:
    """Why an earlier candidate's result cannot give agreed scores, in words; empty if it can."""
    if found.withdrawn is not None:
        return ["was withdrawn: there is no result to take"]
    if not found.state.final:
        return [f"the result is not final ({found.state.label})"]
    if not released and not found.adjudicated_by:
        return [
            "the result is neither adjudicated nor released; take a released cohort's "
            "candidate, or one an adjudicator scored"
        ]
    if found.retake:
        return [
            "is a retake: some factor scores are banked from another cycle, not given to these "
            "entries"
        ]
    why: list[str] = []
    for f in found.factors:
        name = rubric.factor(f.key).name
        if f.score is None:
            why.append(f"{name} has no score")
        elif not rubric.scale.contains(Fraction(f.score)):
            why.append(
                f"{name} is {format_score(f.score)}, not one value of the scale (a mean of two "
                "reads that differ); an agreed score is one value: have the factor adjudicated "
                "in the earlier cohort, or import this portfolio from a sheet with the score "
                "the experts agree on"
            )
    return why


def _entries_unfit(entries: Sequence[_NewEntry], rubric: Rubric) -> list[str]:
    """What of an earlier cohort's entries this cohort's rubric would not take from a sheet:
    a document past its word limit, a video link off its allow-list, a count of links."""
    why: list[str] = []
    for entry in rubric.entries:
        found = next((e for e in entries if e.number == entry.number), None)
        if found is None:
            why.append(f"has no entry {entry.number}")
            continue
        words = len(found.text.split())
        if words > entry.max_words:
            why.append(
                f"entry {entry.number} has {words:,} words; this rubric allows at most "
                f"{entry.max_words:,}"
            )
        for _label, url in found.videos:
            if not rubric.links.allows(url):
                shown = url if len(url) <= 80 else url[:77] + "..."
                why.append(f"entry {entry.number}: link {shown!r} is not allowed by this rubric")
        if len(found.videos) != entry.videos:
            why.append(
                f"entry {entry.number} has {len(found.videos)} video links; this rubric asks "
                f"for {entry.videos}"
            )
    return why


def _entries_and_rationales(
    session: Session, found: CandidateResult
) -> tuple[list[_NewEntry], dict[str, str]]:
    ref = session.scalars(
        select(Candidate.id).where(Candidate.candidate_id == found.candidate_id)
    ).one()
    entries = [
        _NewEntry(e.number, e.text, e.source_file, [list(v) for v in e.videos])
        for e in session.scalars(
            select(CandidateEntry)
            .where(CandidateEntry.candidate_ref == ref)
            .order_by(CandidateEntry.number)
        )
    ]
    rationales: dict[str, str] = {}
    adjudicators = dict(found.adjudicated_by)
    if adjudicators:
        rows = session.execute(
            select(ReadScore.factor_key, ReadScore.rationale, Scorer.scorer_id)
            .join(Assignment, ReadScore.assignment_ref == Assignment.id)
            .join(Scorer, Assignment.scorer_ref == Scorer.id)
            .where(Assignment.candidate_ref == ref, Assignment.kind == ADJUDICATION)
            .order_by(Assignment.id)
        ).all()
        for key, rationale, scorer_id in rows:  # a later adjudication wins, as in the results
            if adjudicators.get(key) == scorer_id and rationale:
                rationales[key] = rationale
    return entries, rationales
