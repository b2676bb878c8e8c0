"""Validity and practice portfolios: the checks and the write of their import.

A validity portfolio is seeded blind among a scorer's live portfolios; a practice portfolio is
scored before live scoring, then shown its key (docs/validity.md). Either is a candidate row of
its own kind (`Candidate.kind`), its name removed, a blind code from the candidates' own
generator (so it looks like one), its entries as a candidate's, and one agreed score per factor
in `key_score` with the expert's rationale and where it came from.

They come from a sheet (`icg-desk cohort keys DB FILE DOCUMENTS --kind ...`, read by
`formats.roster_table` as a roster is) or from an earlier cohort's candidate whose result was
adjudicated or released (`--from EARLIER.icgcohort --candidate ID`; read by
`operations.keys`). Either way every problem is found before anything is written, and the
write is one transaction: all or nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from icg_desk.models.cohort_file import CohortFile
from icg_desk.models.cohort_schema import (
    CANDIDATE,
    PRACTICE,
    VALIDITY,
    Candidate,
    CandidateEntry,
    KeyScore,
)
from icg_desk.models.errors import UserError
from icg_desk.models.roster import (
    _MAX_ID,
    EntryDocuments,
    ImportProblem,
    ImportRejected,
    RosterTable,
    _check_entry,
    _new_codes,
    _NewEntry,
    _refuse_when_released,
    _video_column,
    code_prefix,
)
from icg_desk.scoring import Rubric, ScoreError

KEY_KINDS = (VALIDITY, PRACTICE)
KEY_ID_COLUMN = "portfolio_id"
RATIONALE_PREFIX = "rationale_"
MAX_RATIONALE = 10_000


def rationale_column(key: str) -> str:
    """The sheet's optional column of a factor's rationale: `rationale_data`."""
    return f"{RATIONALE_PREFIX}{key}"


def key_columns(rubric: Rubric) -> list[str]:
    """The sheet's required columns: the id, one of video links per entry that has videos, and
    one agreed score per factor (named by its key). Rationale columns are optional."""
    return [
        KEY_ID_COLUMN,
        *(_video_column(e.number) for e in rubric.entries if e.videos),
        *rubric.factor_keys,
    ]


def kind_words(kind: str) -> str:
    """ "validity portfolio" or "practice portfolio"."""
    return f"{kind} portfolio"


class KeysRefused(UserError):
    """Nothing imported; the message says why (an argument, an earlier cohort's candidate)."""


def check_kind(kind: str) -> str:
    if kind not in KEY_KINDS:
        raise KeysRefused(f"--kind {kind!r}: a kind is {' or '.join(KEY_KINDS)}")
    return kind


@dataclass
class NewKey:
    """One portfolio with agreed scores, checked, ready to be written."""

    key_id: str
    entries: list[_NewEntry]
    scores: dict[str, Fraction]  # every factor of the rubric
    rationales: dict[str, str]
    source: str  # "keys.xlsx row 4", "2025-26 candidate 1042"
    where: tuple[Path, int | None]  # for a message if its id is taken meanwhile


@dataclass(frozen=True)
class KeysAdded:
    """What an import did: how many portfolios of which kind, with their ids and codes."""

    kind: str
    added: tuple[tuple[str, str], ...]  # (id, blind code), in the order given


def existing_ids(session: Session) -> dict[str, str]:
    """Casefolded id -> the kind of the row holding it: ids are unique across every kind."""
    return {cid.casefold(): kind for cid, kind in session.execute(
        select(Candidate.candidate_id, Candidate.kind))}  # fmt: skip


def taken_message(ident: str, kind: str) -> str:
    what = "candidate" if kind == CANDIDATE else kind_words(kind)
    return f"{ident!r} is already in the cohort (a {what}); ids are unique across the cohort"


def _check_id(ident: str) -> str | None:
    if not ident:
        return "is empty"
    if len(ident) > _MAX_ID or any(ch.isspace() or ch in "/\\" for ch in ident):
        # Ids name document files, so they must be usable in a file name.
        return f"{ident!r} must be at most {_MAX_ID} characters, no spaces or slashes"
    return None


def check_key_row(
    table: RosterTable,
    number: int,
    cells: list[str],
    rubric: Rubric,
    documents: EntryDocuments,
) -> tuple[NewKey | None, list[ImportProblem]]:
    """One row of a keys sheet: its id, entries, agreed scores and rationales, or the problems."""
    problems: list[ImportProblem] = []

    def problem(column: str | None, message: str) -> None:
        problems.append(ImportProblem(table.file, number, column, message))

    ident = table.get(cells, KEY_ID_COLUMN)
    if (why := _check_id(ident)) is not None:
        problem(KEY_ID_COLUMN, why)
    scores: dict[str, Fraction] = {}
    rationales: dict[str, str] = {}
    for key in rubric.factor_keys:
        text = table.get(cells, key)
        if not text:
            problem(key, f"is empty: the agreed score is {rubric.scale.allowed()}")
        else:
            try:
                scores[key] = rubric.scale.parse(text)
            except ScoreError as exc:
                problem(key, f"{exc} (the agreed score of one factor)")
        why = table.get(cells, rationale_column(key))
        if len(why) > MAX_RATIONALE:
            problem(rationale_column(key), f"is longer than {MAX_RATIONALE:,} characters")
        elif why:
            rationales[key] = why
    entries: list[_NewEntry] = []
    for entry in rubric.entries:
        links = table.get(cells, _video_column(entry.number))
        checked = _check_entry(entry, ident, links, rubric, documents, problem)
        if checked is not None:
            entries.append(checked)
    if problems:
        return None, problems
    source = f"{table.file.name} row {number}"
    return NewKey(ident, entries, scores, rationales, source, (table.file, number)), []


def check_key_table(
    cohort: CohortFile, table: RosterTable, documents: EntryDocuments
) -> list[NewKey]:
    """Every row of a keys sheet checked whole; ImportRejected (every problem) when any is bad."""
    with cohort.reading() as session:
        taken = existing_ids(session)
    rows_of: dict[str, list[int]] = {}
    for number, cells in table.rows:
        if ident := table.get(cells, KEY_ID_COLUMN):
            rows_of.setdefault(ident.casefold(), []).append(number)
    problems: list[ImportProblem] = []
    keys: list[NewKey] = []
    for number, cells in table.rows:
        ident = table.get(cells, KEY_ID_COLUMN)
        if ident:
            others = [n for n in rows_of[ident.casefold()] if n != number]
            if others:
                also = ", ".join(str(n) for n in others)
                message = f"{ident!r} appears more than once (also row {also})"
                problems.append(ImportProblem(table.file, number, KEY_ID_COLUMN, message))
            if ident.casefold() in taken:
                message = taken_message(ident, taken[ident.casefold()])
                problems.append(ImportProblem(table.file, number, KEY_ID_COLUMN, message))
        found, row_problems = check_key_row(table, number, cells, cohort.rubric, documents)
        problems.extend(row_problems)
        if found is not None:
            keys.append(found)
    if problems:
        raise ImportRejected(problems)
    return keys


def add_keys(
    cohort: CohortFile,
    kind: str,
    keys: Sequence[NewKey],
    *,
    released_error: Path,
) -> KeysAdded:
    """Write checked portfolios with their entries and agreed scores, in one transaction.

    Each is a candidate row of `kind`, its name, e-mail and organisation empty, a fresh blind
    code from the candidates' generator. Refused when the results are released (naming
    `released_error`), or when an id was taken meanwhile."""
    check_kind(kind)
    with cohort.transaction() as session:
        _refuse_when_released(session, released_error)
        taken = existing_ids(session)
        clash = [k for k in keys if k.key_id.casefold() in taken]
        if clash:
            raise ImportRejected(
                ImportProblem(k.where[0], k.where[1], KEY_ID_COLUMN,
                              taken_message(k.key_id, taken[k.key_id.casefold()]))
                for k in clash
            )  # fmt: skip
        codes = _new_codes(
            code_prefix(cohort.name), len(keys), set(session.scalars(select(Candidate.code)))
        )
        rows = [
            Candidate(candidate_id=k.key_id, code=code, name="", email="", kind=kind)
            for k, code in zip(keys, codes, strict=True)
        ]
        session.add_all(rows)
        session.flush()  # the rows' keys, for their entries and scores
        entry_rows = [
            {
                "candidate_ref": row.id,
                "number": e.number,
                "text": e.text,
                "source_file": e.source_file,
                "videos": e.videos,
            }
            for row, k in zip(rows, keys, strict=True)
            for e in k.entries
        ]
        if entry_rows:
            session.execute(insert(CandidateEntry), entry_rows)
        score_rows = [
            {
                "candidate_ref": row.id,
                "factor_key": factor,
                "score": score,
                "rationale": k.rationales.get(factor, ""),
                "source": k.source,
            }
            for row, k in zip(rows, keys, strict=True)
            for factor, score in k.scores.items()
        ]
        if score_rows:
            session.execute(insert(KeyScore), score_rows)
    return KeysAdded(kind, tuple((k.key_id, code) for k, code in zip(keys, codes, strict=True)))


def key_scores(session: Session, refs: Sequence[int]) -> dict[int, list[KeyScore]]:
    """Candidate row -> its agreed scores (the rows of key_score), for the given rows."""
    found: dict[int, list[KeyScore]] = {}
    if not refs:
        return found
    for row in session.scalars(
        select(KeyScore).where(KeyScore.candidate_ref.in_(list(refs))).order_by(
            KeyScore.candidate_ref, KeyScore.factor_key)
    ):  # fmt: skip
        found.setdefault(row.candidate_ref, []).append(row)
    return found
