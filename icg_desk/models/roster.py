"""The coordinator's import: candidates and portfolios from a roster, scorers from a sheet.

A roster is a workbook (.xlsx) or CSV with one row per candidate (format: docs/roster-format.md,
template: `write_roster_template`); each entry's written document comes from a folder of .docx,
.txt or .md files named by candidate id and entry number. Everything is checked before anything
is written: every problem is reported with its file, row and column, and the import is
all-or-nothing unless the coordinator asks for the valid rows only. The roster and documents are
only ever read.
"""

from __future__ import annotations

import csv
import os
import re
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from icg_desk.models.cohort_file import CohortFile
from icg_desk.models.cohort_results import ResultsLocked, refuse_when_released
from icg_desk.models.cohort_schema import Candidate, CandidateEntry, Scorer
from icg_desk.models.errors import UserError
from icg_desk.scoring.rubric import Rubric

CANDIDATES_SHEET = "Candidates"
SCORERS_SHEET = "Scorers"
NOTES_SHEET = "Notes"
# The template's example row carries this id; import skips it so a filled-in template can be
# imported without deleting it first.
EXAMPLE_ID = "EXAMPLE"
DOCUMENT_SUFFIXES = (".docx", ".txt", ".md")

CANDIDATE_COLUMNS = ("candidate_id", "name", "email", "organisation", "cohort", "retake_factors")
SCORER_COLUMNS = ("scorer_id", "name", "email", "organisation", "conflicts")
# Spellings coordinators use for the same column (the issue says "organisation/district").
_ALIASES = {"organization": "organisation", "district": "organisation"}

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
_DOCUMENT_NAME = re.compile(r"^(?P<id>.+?)[_-]entry(?P<number>[0-9]{1,3})$", re.IGNORECASE)
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


# --- reading tables -----------------------------------------------------------------------


@dataclass
class _Table:
    """A sheet's header and data rows, every cell as trimmed text, with real row numbers."""

    file: Path
    header_row: int
    columns: dict[str, int]  # normalised header name -> cell index
    rows: list[tuple[int, list[str]]]
    problems: list[ImportProblem] = field(default_factory=list)

    def get(self, cells: list[str], column: str) -> str:
        index = self.columns.get(column)
        return cells[index] if index is not None and index < len(cells) else ""


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
    """(row number, cells) for every row; raises OSError/ValueError when it cannot be read."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        # utf-8-sig: Excel writes "CSV UTF-8" with a byte-order mark, other tools without.
        with path.open(encoding="utf-8-sig", newline="") as handle:
            # Numbered by record, not by line, which is what a spreadsheet shows for the file.
            return [
                (number, [c.strip() for c in record])
                for number, record in enumerate(csv.reader(handle), start=1)
            ]
    if suffix in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook

        workbook = load_workbook(path, read_only=True, data_only=True)
        try:
            ws = workbook[sheet] if sheet in workbook.sheetnames else workbook.worksheets[0]
            # Read-only sheets yield blank rows in between too, so enumerate gives row numbers.
            return [
                (number, [_cell_text(v) for v in values])
                for number, values in enumerate(ws.iter_rows(values_only=True), start=1)
            ]
        finally:
            workbook.close()
    raise ValueError("is not a .xlsx workbook or a .csv file")


def _read_table(path: Path, sheet: str, required: Sequence[str]) -> _Table:
    table = _Table(path, 0, {}, [])
    try:
        raw = _raw_rows(path, sheet)
    except UnicodeDecodeError:
        table.problems.append(ImportProblem(path, None, None, "is not UTF-8 text"))
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
    table: _Table, id_column: str, existing: set[str], kind: str
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
            message = f"{kind} {ident!r} is already in the cohort"
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


# --- documents -----------------------------------------------------------------------------


def _index_documents(folder: Path) -> dict[tuple[str, int], list[Path]]:
    """(casefolded candidate id, entry number) -> the document files named for it."""
    index: dict[tuple[str, int], list[Path]] = {}
    for path in sorted(folder.iterdir()):
        if path.suffix.lower() not in DOCUMENT_SUFFIXES or not path.is_file():
            continue
        match = _DOCUMENT_NAME.match(path.stem)
        if match:
            key = (match["id"].casefold(), int(match["number"]))
            index.setdefault(key, []).append(path)
    return index


def _docx_text(path: Path) -> str:
    try:
        import docx
        from docx.table import Table
    except ImportError:
        raise ValueError("cannot read Word documents: python-docx is not installed") from None
    try:
        document = docx.Document(str(path))
        blocks: list[str] = []
        # Body order, so a survey table stays where the candidate put it in the text.
        for block in document.iter_inner_content():
            if isinstance(block, Table):
                lines = []
                for table_row in block.rows:
                    cells: list[str] = []
                    for cell in table_row.cells:
                        text = cell.text.strip()
                        # A merged cell is returned once per grid column it spans.
                        if text and (not cells or cells[-1] != text):
                            cells.append(text)
                    if cells:
                        lines.append(" | ".join(cells))
                blocks.append("\n".join(lines))
            else:
                blocks.append(block.text)
    except Exception as exc:  # noqa: BLE001 - bad zips and bad XML fail in many library ways
        raise ValueError(f"is not a readable Word document ({type(exc).__name__})") from None
    return "\n\n".join(b.strip() for b in blocks if b.strip())


def read_document(path: Path) -> str:
    """A document's plain text; ValueError or OSError says why it cannot be read."""
    if path.suffix.lower() == ".docx":
        return _docx_text(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValueError("is not UTF-8 text") from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


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


def _video_column(number: int) -> str:
    return f"entry{number}_videos"


def _required_columns(rubric: Rubric) -> list[str]:
    return [*CANDIDATE_COLUMNS, *(_video_column(e.number) for e in rubric.entries if e.videos)]


def _check_candidate(
    table: _Table,
    number: int,
    cells: list[str],
    cohort_name: str,
    rubric: Rubric,
    documents: dict[tuple[str, int], list[Path]],
    folder: Path,
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

    ident = table.get(cells, "candidate_id")
    entries: list[_NewEntry] = []
    for entry in rubric.entries:
        column = _video_column(entry.number)
        links_text = table.get(cells, column)
        found = documents.get((ident.casefold(), entry.number), []) if ident else []
        # Every entry, retakes included: a batch carries whole portfolios, and a retake is
        # read in full until retake-only reads arrive with adjudication (a later issue).
        needed = True
        if not found:
            if needed and ident:
                names = "/".join(s.lstrip(".") for s in DOCUMENT_SUFFIXES)
                problem(
                    None,
                    f"no document for entry {entry.number}: expected "
                    f"{ident}_entry{entry.number}.{names} in {folder}",
                )
            elif links_text:
                problem(column, f"video links given but there is no entry {entry.number} document")
            continue
        if len(found) > 1:
            names = ", ".join(p.name for p in found)
            problem(None, f"entry {entry.number} has more than one document: {names}")
            continue
        text = ""
        try:
            text = read_document(found[0]).strip()
        except (OSError, ValueError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            problem(None, f"entry {entry.number} document {found[0].name}: {reason}")
        else:
            if not text:
                problem(None, f"entry {entry.number} document {found[0].name} is empty")
        videos, link_problems = _parse_links(links_text, rubric)
        for message in link_problems:
            problem(column, message)
        if not link_problems and len(videos) != entry.videos:
            problem(
                column,
                f"entry {entry.number} needs {entry.videos} video links, {len(videos)} given",
            )
        entries.append(_NewEntry(entry.number, text, found[0].name, videos))

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


def _existing(cohort: CohortFile, column: Any) -> set[str]:
    with cohort.reading() as session:
        return {value.casefold() for value in session.scalars(select(column))}


def _refuse_when_released(session: Session, file: Path) -> None:
    refuse_when_released(session, error=lambda when, _doing: ImportLocked(file, when))


def import_roster(
    cohort: CohortFile, roster: Path, documents: Path, *, valid_only: bool = False
) -> ImportResult:
    """Import candidates and their entries; ImportRejected (nothing written) on any problem.

    With `valid_only`, rows with problems are skipped and the rest imported; problems with the
    roster as a whole (unreadable, missing columns, no documents folder) still reject it.
    """
    with cohort.reading() as session:  # said first: nothing else matters once locked
        _refuse_when_released(session, roster)
    rubric = cohort.rubric
    table = _read_table(roster, CANDIDATES_SHEET, _required_columns(rubric))
    if not table.problems and not table.rows:
        table.problems.append(ImportProblem(roster, None, None, "has no candidate rows"))
    if not documents.is_dir():
        table.problems.append(ImportProblem(documents, None, None, "is not a folder"))
    if table.problems:
        raise ImportRejected(table.problems)
    try:
        index = _index_documents(documents)
    except OSError as exc:
        message = f"cannot be read: {exc.strerror or exc}"
        raise ImportRejected([ImportProblem(documents, None, None, message)]) from None

    duplicates = _duplicate_problems(
        table, "candidate_id", _existing(cohort, Candidate.candidate_id), "candidate"
    )
    problems: list[ImportProblem] = []
    valid: list[_NewCandidate] = []
    for number, cells in table.rows:
        candidate, row_problems = _check_candidate(
            table, number, cells, cohort.name, rubric, index, documents
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
    return ImportResult(
        imported=len(valid), skipped=len(table.rows) - len(valid), problems=tuple(problems)
    )


# --- scorers -------------------------------------------------------------------------------


def import_scorers(cohort: CohortFile, sheet: Path) -> ImportResult:
    """Import scorers from a .xlsx ("Scorers" sheet, else the first) or .csv; all or nothing."""
    with cohort.reading() as session:
        _refuse_when_released(session, sheet)
    table = _read_table(sheet, SCORERS_SHEET, SCORER_COLUMNS)
    if not table.problems and not table.rows:
        table.problems.append(ImportProblem(sheet, None, None, "has no scorer rows"))
    if table.problems:
        raise ImportRejected(table.problems)
    duplicates = _duplicate_problems(
        table, "scorer_id", _existing(cohort, Scorer.scorer_id), "scorer"
    )
    problems: list[ImportProblem] = []
    scorers: list[Scorer] = []
    for number, cells in table.rows:
        row_problems = duplicates.get(number, []) + _check_person(table, number, cells, "scorer_id")
        problems.extend(row_problems)
        scorers.append(
            Scorer(
                scorer_id=table.get(cells, "scorer_id"),
                name=table.get(cells, "name"),
                email=table.get(cells, "email"),
                organisation=table.get(cells, "organisation"),
                # Not checked against the candidates: scorers are often imported first.
                conflicts=_split_list(table.get(cells, "conflicts")),
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


# --- the template --------------------------------------------------------------------------


def _example_link(rubric: Rubric, n: int) -> str:
    host = "youtu.be" if "youtu.be" in rubric.links.hosts else min(rubric.links.hosts, default="")
    scheme = "https" if "https" in rubric.links.schemes else min(rubric.links.schemes)
    return f"{scheme}://{host}/EXAMPLE{n}"


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
    scorer_example = [EXAMPLE_ID, "Sam Scorer", "sam.scorer@example.org", "ICG", "1042; 1077"]
    sheets: list[tuple[Any, list[str], list[str]]] = [
        (candidates, _required_columns(rubric), candidate_example),
        (scorers, list(SCORER_COLUMNS), scorer_example),
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
        "Documents: one file per entry in the documents folder, named "
        "<candidate_id>_entry<N>.docx (or .txt, .md), e.g. 1042_entry1.docx.",
        "",
        "Scorers: one row per scorer; conflicts: candidate ids separated by ;.",
    ]
    for line in lines:
        notes.append([line])
    notes.column_dimensions["A"].width = 110

    # Written beside the target and moved over it, so a failed save leaves no half-written file.
    temporary = path.with_name(f".{path.name}.tmp")
    try:
        workbook.save(temporary)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
