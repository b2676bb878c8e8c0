"""The coordinator's import, its checking and writing half: candidates, entries and scorers.

A roster is a workbook (.xlsx) or CSV with one row per candidate (format: docs/roster-format.md);
each entry's written document comes from a folder of .docx, .txt or .md files named by candidate
id and entry number. Reading those files is `icg_desk.formats` (roster_table, documents), and the
whole import, read then checked then written, is `icg_desk.operations.roster_import`. Here: what a
row must hold, every problem with its file, row and column, and the one transaction that writes,
all-or-nothing unless the coordinator asks for the valid rows only.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from fractions import Fraction
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from icg_desk.models.banking import BANKED_CYCLE, banked_column, check_banked
from icg_desk.models.cohort_file import CohortFile
from icg_desk.models.cohort_results import ResultsLocked, refuse_when_released
from icg_desk.models.cohort_schema import (
    CANDIDATE,
    ROLES,
    SCORER,
    BankedScore,
    Candidate,
    CandidateEntry,
    Scorer,
)
from icg_desk.models.errors import UserError
from icg_desk.models.schema import utcnow
from icg_desk.scoring.rubric import Entry, Rubric

CANDIDATE_COLUMNS = ("candidate_id", "name", "email", "organisation", "cohort", "retake_factors")
SCORER_COLUMNS = ("scorer_id", "name", "email", "organisation", "conflicts")
# Optional: a sheet without it (one made before adjudication) makes everyone a scorer.
SCORER_ROLE_COLUMN = "role"

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
_LIST_SEPARATOR = re.compile(r"[;,]")
_MAX_ID = 64
_MAX_TEXT = 200
_CODE_DIGITS = 5


@dataclass(frozen=True)
class ImportProblem:
    """One thing wrong with an import, located as precisely as the file allows."""

    file: Path
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = [self.file.name]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column {self.column}")
        return f"{', '.join(where)}: {self.message}"


@dataclass(frozen=True)
class ImportResult:
    imported: int
    skipped: int
    problems: tuple[ImportProblem, ...]


class ImportRejected(UserError):
    """The import had problems and wrote nothing; `problems` holds every one of them."""

    def __init__(self, problems: Iterable[ImportProblem]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class ImportLocked(ResultsLocked, ImportRejected):
    """Nothing imported because the cohort's results are released and locked.

    No fix to the file, and no importing of its valid rows, can help: this is the only problem
    reported, and it is checked before the file is read. Its message is the one problem's.
    """

    def __init__(self, file: Path, released_at: datetime) -> None:
        # ImportRejected's constructor makes the message (the one problem); ResultsLocked's
        # attributes are set here rather than through its constructor, which words it otherwise.
        self.locked = ResultsLocked(released_at)
        self.released_at, self.doing, self.reason = released_at, "", self.locked.reason
        ImportRejected.__init__(
            self, [ImportProblem(file, None, None, f"not imported: {self.locked}")]
        )


# --- what was read -----------------------------------------------------------------------


@dataclass
class RosterTable:
    """A sheet's header and data rows, every cell as trimmed text, with real row numbers.

    Filled in by `formats.roster_table.read_table`; `problems` are the sheet's own (unreadable,
    no header, missing columns), found before any row is checked.
    """

    file: Path
    header_row: int
    columns: dict[str, int]  # normalised header name -> cell index
    rows: list[tuple[int, list[str]]]
    problems: list[ImportProblem] = field(default_factory=list)

    def get(self, cells: list[str], column: str) -> str:
        index = self.columns.get(column)
        return cells[index] if index is not None and index < len(cells) else ""


_Table = RosterTable


@dataclass(frozen=True)
class EntryDocuments:
    """The entry documents found in a folder (`formats.documents.find_entry_documents`)."""

    folder: Path
    # (casefolded candidate id, entry number) -> the document files named for it
    files: Mapping[tuple[str, int], list[Path]]
    suffixes: tuple[str, ...]  # the kinds of document looked for, for the messages
    read: Callable[[Path], str]  # a document's plain text; ValueError or OSError says why not


# --- checks shared by candidates and scorers ---------------------------------------------


def _check_person(
    table: _Table, number: int, cells: list[str], id_column: str
) -> list[ImportProblem]:
    problems: list[ImportProblem] = []

    def problem(column: str, message: str) -> None:
        problems.append(ImportProblem(table.file, number, column, message))

    ident = table.get(cells, id_column)
    if not ident:
        problem(id_column, "is empty")
    elif len(ident) > _MAX_ID or any(ch.isspace() or ch in "/\\" for ch in ident):
        # Ids name document files, so they must be usable in a file name.
        problem(id_column, f"{ident!r} must be at most {_MAX_ID} characters, no spaces or slashes")
    if not table.get(cells, "name"):
        problem("name", "is empty")
    email = table.get(cells, "email")
    if not _EMAIL.match(email):
        problem("email", f"{email!r} is not an e-mail address" if email else "is empty")
    for column in ("name", "email", "organisation"):
        if len(table.get(cells, column)) > _MAX_TEXT:
            problem(column, f"is longer than {_MAX_TEXT} characters")
    return problems


def _duplicate_problems(
    table: _Table, id_column: str, existing: Mapping[str, str]
) -> dict[int, list[ImportProblem]]:
    """Per row: its id appears on other rows of the file, or is already in the cohort."""
    rows_of: dict[str, list[int]] = {}
    for number, cells in table.rows:
        ident = table.get(cells, id_column)
        if ident:
            # Case-insensitive, as document names are: "a1" and "A1" would share documents.
            rows_of.setdefault(ident.casefold(), []).append(number)
    found: dict[int, list[ImportProblem]] = {}
    for number, cells in table.rows:
        ident = table.get(cells, id_column)
        if not ident:
            continue
        numbers = rows_of[ident.casefold()]
        if len(numbers) > 1:
            others = ", ".join(str(n) for n in numbers if n != number)
            message = f"{ident!r} appears more than once (also row {others})"
            found.setdefault(number, []).append(
                ImportProblem(table.file, number, id_column, message)
            )
        if ident.casefold() in existing:
            message = f"{existing[ident.casefold()]} {ident!r} is already in the cohort"
            found.setdefault(number, []).append(
                ImportProblem(table.file, number, id_column, message)
            )
    return found


def _split_list(text: str) -> list[str]:
    items: list[str] = []
    for item in _LIST_SEPARATOR.split(text):
        item = item.strip()
        if item and item not in items:
            items.append(item)
    return items


# --- video links ---------------------------------------------------------------------------


def _parse_links(text: str, rubric: Rubric) -> tuple[list[list[str]], list[str]]:
    """([[label, url], ...], problems) from "URL URL" or "Label | URL; Label | URL"."""
    links: list[list[str]] = []
    problems: list[str] = []
    for piece in re.split(r"[;\n]", text):
        piece = piece.strip()
        if not piece:
            continue
        if "|" in piece:
            label, _, url = piece.partition("|")
            pairs = [(label.strip(), url.strip())]
        else:
            pairs = [("", url) for url in piece.split()]
        for label, url in pairs:
            if not rubric.links.allows(url):
                # Shortened: the text is untrusted and may be long.
                shown = url if len(url) <= 80 else url[:77] + "..."
                problems.append(f"link {shown!r} is not allowed by the rubric")
            else:
                links.append([label or f"Video {len(links) + 1}", url])
    return links, problems


# --- candidates ----------------------------------------------------------------------------


@dataclass
class _NewEntry:
    number: int
    text: str
    source_file: str
    videos: list[list[str]]


@dataclass
class _NewCandidate:
    row: int
    candidate_id: str
    name: str
    email: str
    organisation: str
    retake_factors: list[str]
    entries: list[_NewEntry]
    banked: dict[str, Fraction] = field(default_factory=dict)  # a retake's banked scores
    banked_cycle: str = ""


def _video_column(number: int) -> str:
    return f"entry{number}_videos"


def required_columns(rubric: Rubric) -> list[str]:
    """The roster's columns for this rubric: the person's, then one of video links per entry."""
    return [*CANDIDATE_COLUMNS, *(_video_column(e.number) for e in rubric.entries if e.videos)]


def _check_entry(
    entry: Entry,
    ident: str,
    links_text: str,
    rubric: Rubric,
    documents: EntryDocuments,
    problem: Callable[[str | None, str], None],
) -> _NewEntry | None:
    """One entry of a candidate's row: its document and its video links, or the problems."""
    column = _video_column(entry.number)
    found = documents.files.get((ident.casefold(), entry.number), []) if ident else []
    # Every entry, retakes included: a batch carries whole portfolios, and a retake is read in
    # full until retake-only reads arrive with adjudication (a later issue).
    if not found:
        if ident:
            names = "/".join(s.lstrip(".") for s in documents.suffixes)
            problem(
                None,
                f"no document for entry {entry.number}: expected "
                f"{ident}_entry{entry.number}.{names} in {documents.folder}",
            )
        elif links_text:
            problem(column, f"video links given but there is no entry {entry.number} document")
        return None
    if len(found) > 1:
        names = ", ".join(p.name for p in found)
        problem(None, f"entry {entry.number} has more than one document: {names}")
        return None
    text = ""
    try:
        text = documents.read(found[0]).strip()
    except (OSError, ValueError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        problem(None, f"entry {entry.number} document {found[0].name}: {reason}")
    else:
        words = len(text.split())  # counted as the scorer's entry panel counts them
        if not text:
            problem(None, f"entry {entry.number} document {found[0].name} is empty")
        elif words > entry.max_words:
            # A problem of the row, not a warning: the rubric's limit is the program's rule, and
            # an entry past it would reach every scorer's batch. The count says by how much.
            problem(
                None,
                f"entry {entry.number} document {found[0].name} has {words:,} words; "
                f"the rubric allows at most {entry.max_words:,}",
            )
    videos, link_problems = _parse_links(links_text, rubric)
    for message in link_problems:
        problem(column, message)
    if not link_problems and len(videos) != entry.videos:
        given = len(videos)
        problem(column, f"entry {entry.number} needs {entry.videos} video links, {given} given")
    return _NewEntry(entry.number, text, found[0].name, videos)


def _check_candidate(
    table: _Table,
    number: int,
    cells: list[str],
    cohort_name: str,
    rubric: Rubric,
    documents: EntryDocuments,
) -> tuple[_NewCandidate | None, list[ImportProblem]]:
    problems = _check_person(table, number, cells, "candidate_id")

    def problem(column: str | None, message: str) -> None:
        problems.append(ImportProblem(table.file, number, column, message))

    cohort = table.get(cells, "cohort")
    if cohort and cohort != cohort_name:
        problem("cohort", f"{cohort!r} is not this cohort ({cohort_name!r})")
    retakes: list[str] = []
    for key in _split_list(table.get(cells, "retake_factors").lower()):
        if key in rubric.factor_keys:
            retakes.append(key)
        else:
            known = ", ".join(rubric.factor_keys)
            problem("retake_factors", f"{key!r} is not a factor of the rubric ({known})")

    # A retake's banked scores: optional columns (banked_cycle, banked_<factor key>).
    banked, banked_problems = check_banked(
        rubric,
        cohort_name,
        retakes,
        table.get(cells, BANKED_CYCLE),
        {k: table.get(cells, banked_column(k)) for k in rubric.factor_keys},
    )
    for column, message in banked_problems:
        problem(column, message)

    ident = table.get(cells, "candidate_id")
    entries: list[_NewEntry] = []
    for entry in rubric.entries:
        checked = _check_entry(entry, ident, table.get(cells, _video_column(entry.number)),
                               rubric, documents, problem)  # fmt: skip
        if checked is not None:
            entries.append(checked)

    if problems:
        return None, problems
    candidate = _NewCandidate(
        row=number,
        candidate_id=ident,
        name=table.get(cells, "name"),
        email=table.get(cells, "email"),
        organisation=table.get(cells, "organisation"),
        retake_factors=retakes,
        entries=entries,
        banked=banked,
        banked_cycle=table.get(cells, BANKED_CYCLE).strip() if banked else "",
    )
    return candidate, []


def code_prefix(cohort_name: str) -> str:
    """ "C27-" for cohort 2026-27: the last two digits of the name's last year."""
    years = re.findall(r"[0-9]+", cohort_name)
    yy = years[-1][-2:].zfill(2) if years else f"{datetime.now(UTC).year % 100:02d}"
    return f"C{yy}-"


def _new_codes(prefix: str, count: int, taken: set[str]) -> list[str]:
    if count + len(taken) > 10**_CODE_DIGITS // 2:
        # Past half the space, random draws start to collide often; no cohort is that big.
        raise ValueError(f"too many candidates for {_CODE_DIGITS}-digit blind codes")
    codes: list[str] = []
    used = set(taken)
    while len(codes) < count:
        # secrets, not random: a code must not be guessable from the roster's order.
        code = f"{prefix}{secrets.randbelow(10**_CODE_DIGITS):0{_CODE_DIGITS}d}"
        if code not in used:
            used.add(code)
            codes.append(code)
    return codes


def _existing(cohort: CohortFile, column: Any, noun: str) -> dict[str, str]:
    """Casefolded id -> what holds it ("candidate", "scorer"). Candidate ids are unique across
    every kind of row: a validity or practice portfolio's id is named as such."""
    with cohort.reading() as session:
        if column is Candidate.candidate_id:
            return {
                value.casefold(): noun if kind == CANDIDATE else f"{kind} portfolio"
                for value, kind in session.execute(select(column, Candidate.kind))
            }
        return {value.casefold(): noun for value in session.scalars(select(column))}


def _refuse_when_released(session: Session, file: Path) -> None:
    refuse_when_released(session, error=lambda when, _doing: ImportLocked(file, when))


def refuse_import_when_released(cohort: CohortFile, file: Path) -> None:
    """ImportLocked naming `file` when the results are released: said before reading the file."""
    with cohort.reading() as session:
        _refuse_when_released(session, file)


def add_candidates(
    cohort: CohortFile,
    table: RosterTable,
    documents: EntryDocuments,
    *,
    valid_only: bool = False,
) -> ImportResult:
    """Check every row of a roster read whole, then write its candidates and entries at once.

    ImportRejected (nothing written) on any problem; with `valid_only`, rows with problems are
    skipped and the rest written. The table's own problems must have been dealt with first.
    """
    roster = table.file
    rubric = cohort.rubric
    duplicates = _duplicate_problems(
        table, "candidate_id", _existing(cohort, Candidate.candidate_id, "candidate")
    )
    problems: list[ImportProblem] = []
    valid: list[_NewCandidate] = []
    for number, cells in table.rows:
        candidate, row_problems = _check_candidate(
            table, number, cells, cohort.name, rubric, documents
        )
        row_problems = duplicates.get(number, []) + row_problems
        problems.extend(row_problems)
        if candidate is not None and not row_problems:
            valid.append(candidate)
    if problems and not valid_only:
        raise ImportRejected(problems)

    with cohort.transaction() as session:
        _refuse_when_released(session, roster)
        # Checked again under the write lock: another import may have run since the check.
        taken = {t.casefold() for t in session.scalars(select(Candidate.candidate_id))}
        clash = [c for c in valid if c.candidate_id.casefold() in taken]
        if clash:
            raise ImportRejected(
                ImportProblem(roster, c.row, "candidate_id", "was imported meanwhile")
                for c in clash
            )
        codes = _new_codes(
            code_prefix(cohort.name), len(valid), set(session.scalars(select(Candidate.code)))
        )
        rows = [
            Candidate(
                candidate_id=c.candidate_id,
                code=code,
                name=c.name,
                email=c.email,
                organisation=c.organisation,
                retake_factors=c.retake_factors,
            )
            for c, code in zip(valid, codes, strict=True)
        ]
        session.add_all(rows)
        session.flush()  # assigns the candidates' keys for their entries
        entry_rows = [
            {
                "candidate_ref": row.id,
                "number": e.number,
                "text": e.text,
                "source_file": e.source_file,
                "videos": e.videos,
            }
            for row, c in zip(rows, valid, strict=True)
            for e in c.entries
        ]
        if entry_rows:
            session.execute(insert(CandidateEntry), entry_rows)
        banked_rows = [
            {
                "candidate_ref": row.id,
                "factor_key": key,
                "score": score,
                "cycle": c.banked_cycle,
                "source": f"{roster.name} row {c.row}",
                "banked_at": utcnow(),
            }
            for row, c in zip(rows, valid, strict=True)
            for key, score in c.banked.items()
        ]
        if banked_rows:
            session.execute(insert(BankedScore), banked_rows)
    return ImportResult(
        imported=len(valid), skipped=len(table.rows) - len(valid), problems=tuple(problems)
    )


# --- scorers -------------------------------------------------------------------------------


def add_scorers(cohort: CohortFile, table: RosterTable) -> ImportResult:
    """Check every row of a scorers sheet read whole, then write them all; all or nothing."""
    sheet = table.file
    duplicates = _duplicate_problems(
        table, "scorer_id", _existing(cohort, Scorer.scorer_id, "scorer")
    )
    problems: list[ImportProblem] = []
    scorers: list[Scorer] = []
    for number, cells in table.rows:
        row_problems = duplicates.get(number, []) + _check_person(table, number, cells, "scorer_id")
        role = table.get(cells, SCORER_ROLE_COLUMN).casefold() or SCORER
        if role not in ROLES:
            row_problems.append(
                ImportProblem(
                    sheet,
                    number,
                    SCORER_ROLE_COLUMN,
                    f"{table.get(cells, SCORER_ROLE_COLUMN)!r} is not a role: "
                    f"{' or '.join(ROLES)} (empty: {SCORER})",
                )
            )
        problems.extend(row_problems)
        scorers.append(
            Scorer(
                scorer_id=table.get(cells, "scorer_id"),
                name=table.get(cells, "name"),
                email=table.get(cells, "email"),
                organisation=table.get(cells, "organisation"),
                # Not checked against the candidates: scorers are often imported first.
                conflicts=_split_list(table.get(cells, "conflicts")),
                role=role,
            )
        )
    if problems:
        raise ImportRejected(problems)
    with cohort.transaction() as session:
        _refuse_when_released(session, sheet)
        taken = {s.casefold() for s in session.scalars(select(Scorer.scorer_id))}
        clash = [s for s in scorers if s.scorer_id.casefold() in taken]
        if clash:
            raise ImportRejected(
                ImportProblem(sheet, None, "scorer_id", f"{s.scorer_id!r} was imported meanwhile")
                for s in clash
            )
        session.add_all(scorers)
    return ImportResult(imported=len(scorers), skipped=0, problems=())
