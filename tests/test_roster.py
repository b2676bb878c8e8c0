"""The coordinator's roster and scorer import: what is imported, and every problem reported."""

from __future__ import annotations

import csv
import hashlib
import re
from collections.abc import Iterator
from pathlib import Path

import docx
import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from icg_desk.formats.roster_table import write_roster_template
from icg_desk.models.cohort_file import CohortFile
from icg_desk.models.cohort_schema import Candidate, CandidateEntry, Scorer
from icg_desk.models.roster import ImportProblem, ImportRejected, code_prefix
from icg_desk.models.rubric_file import builtin_rubric
from icg_desk.operations.roster_import import import_roster, import_scorers

HEADER = ["candidate_id", "name", "email", "organisation", "cohort", "retake_factors"]
V1 = "Goal | https://youtu.be/aaa; Review | https://www.youtube.com/watch?v=bbb"


@pytest.fixture
def cohort(tmp_path: Path) -> Iterator[CohortFile]:
    with CohortFile.create(tmp_path / "c.icgcohort", name="2026-27", rubric=builtin_rubric()) as c:
        yield c


def row(cid: object, **over: str) -> list[object]:
    values = {
        "name": f"Name {cid}",
        "email": f"c{cid}@example.org",
        "organisation": "District 9",
        "cohort": "2026-27",
        "retake_factors": "",
        "entry1_videos": V1,
    }
    values.update(over)
    return [cid, *(values[k] for k in HEADER[1:]), values["entry1_videos"]]


def write_xlsx(path: Path, rows: list[list[object]], header: list[str] | None = None) -> Path:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Candidates"
    ws.append(header or [*HEADER, "entry1_videos"])
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def write_csv(path: Path, rows: list[list[object]], bom: bool = True) -> Path:
    with path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow([*HEADER, "entry1_videos"])
        w.writerows(rows)
    return path


def write_docs(folder: Path, *ids: object) -> Path:
    folder.mkdir(exist_ok=True)
    for cid in ids:
        (folder / f"{cid}_entry1.txt").write_text(f"Impact cycle of {cid}.\n", encoding="utf-8")
        (folder / f"{cid}-Entry2.md").write_text(f"# Letter\n\nFor {cid}.", encoding="utf-8")
    return folder


def count(cohort: CohortFile, model: type) -> int:
    with cohort.reading() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def digest(folder: Path) -> dict[str, str]:
    """Every roster and document file under folder (not the cohort, which the import writes)."""
    return {
        str(p): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and ".icgcohort" not in p.name
    }


def rejected(cohort: CohortFile, roster: Path, docs: Path) -> tuple[ImportProblem, ...]:
    with pytest.raises(ImportRejected) as info:
        import_roster(cohort, roster, docs)
    assert str(info.value).splitlines() == [str(p) for p in info.value.problems]
    return info.value.problems


def test_xlsx_roster_imports_candidates_entries_and_videos(
    cohort: CohortFile, tmp_path: Path
) -> None:
    roster = write_xlsx(tmp_path / "roster.xlsx", [row(1042), row("A-7", retake_factors="Data")])
    docs = write_docs(tmp_path / "docs", 1042)
    (docs / "A-7_entry1.txt").write_bytes("\ufeffRetake text\r\n".encode())
    (docs / "A-7_entry2.md").write_text("Letter for A-7.", encoding="utf-8")
    before = digest(tmp_path)

    result = import_roster(cohort, roster, docs)

    assert (result.imported, result.skipped, result.problems) == (2, 0, ())
    assert digest(tmp_path) == before  # nothing read was changed
    with cohort.reading() as s:
        people = {c.candidate_id: c for c in s.scalars(select(Candidate))}
        assert set(people) == {"1042", "A-7"}  # 1042 was a number cell
        first = people["1042"]
        assert (first.name, first.email, first.organisation) == (
            "Name 1042",
            "c1042@example.org",
            "District 9",
        )
        assert [e.number for e in first.entries] == [1, 2]
        assert first.entries[0].text == "Impact cycle of 1042."
        assert first.entries[0].source_file == "1042_entry1.txt"
        assert first.entries[1].text == "# Letter\n\nFor 1042."
        assert first.entries[0].videos == [
            ["Goal", "https://youtu.be/aaa"],
            ["Review", "https://www.youtube.com/watch?v=bbb"],
        ]
        assert first.entries[1].videos == []
        retake = people["A-7"]
        # A retake carries its whole portfolio (retake-only reads come with adjudication).
        assert retake.retake_factors == ["data"]
        assert [(e.number, e.text) for e in retake.entries] == [
            (1, "Retake text"),
            (2, "Letter for A-7."),
        ]
        codes = [c.code for c in people.values()]
    assert all(re.fullmatch(r"C27-[0-9]{5}", code) for code in codes)
    assert len(set(codes)) == 2


def test_csv_roster_with_and_without_bom_and_docx(cohort: CohortFile, tmp_path: Path) -> None:
    docs = write_docs(tmp_path / "docs", "x1", "x2")
    (docs / "x1-Entry2.md").unlink()
    document = docx.Document()
    document.add_paragraph("First paragraph.")
    document.add_paragraph("   ")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "Teacher", "Rating"
    table.cell(1, 0).text, table.cell(1, 1).text = "T1", "4"
    document.add_paragraph("After the survey.")
    document.save(str(docs / "X1_ENTRY2.docx"))  # names match case-insensitively

    result = import_roster(cohort, write_csv(tmp_path / "r.csv", [row("x1")]), docs)
    assert result.imported == 1
    result = import_roster(cohort, write_csv(tmp_path / "s.csv", [row("x2")], bom=False), docs)
    assert result.imported == 1
    with cohort.reading() as s:
        text = s.scalars(
            select(CandidateEntry.text)
            .join(Candidate)
            .where(Candidate.candidate_id == "x1", CandidateEntry.number == 2)
        ).one()
    assert text == "First paragraph.\n\nTeacher | Rating\nT1 | 4\n\nAfter the survey."


def test_every_problem_is_reported_with_file_row_and_column(
    cohort: CohortFile, tmp_path: Path
) -> None:
    docs = write_docs(tmp_path / "docs", *range(1, 12))
    (docs / "3_entry1.txt").unlink()
    (docs / "4_entry1.txt").write_bytes(b"\xff\xfe\x00bad")
    (docs / "5-Entry2.md").write_text(" \n\t ", encoding="utf-8")
    (docs / "6_entry1.txt").unlink()
    (docs / "6_entry1.docx").write_bytes(b"not a zip")
    (docs / "7_entry1.md").write_text("again", encoding="utf-8")
    rows = [
        row(1),  # row 2: fine
        row(1),  # row 3: duplicate id
        row(3),  # row 4: document missing
        row(4),  # row 5: not UTF-8
        row(5),  # row 6: empty document
        row(6),  # row 7: bad docx
        row(7),  # row 8: two documents for entry 1
        row(8, email="nope", name=""),  # row 9
        row(9, retake_factors="data; flair"),  # row 10
        row(10, entry1_videos="https://evil.example/x https://youtu.be/y"),  # row 11
        row(11, cohort="2025-26", entry1_videos="https://youtu.be/only-one"),  # row 12
        row(""),  # row 13: no id
    ]
    roster = write_xlsx(tmp_path / "roster.xlsx", rows)
    problems = rejected(cohort, roster, docs)
    assert count(cohort, Candidate) == 0
    assert count(cohort, CandidateEntry) == 0
    found = {(p.row, p.column): p.message for p in problems}
    assert all(p.file == roster for p in problems)
    assert "also row 3" in found[(2, "candidate_id")]
    assert "also row 2" in found[(3, "candidate_id")]
    assert "no document for entry 1" in found[(4, None)]
    assert "not UTF-8" in found[(5, None)]
    assert "4_entry1.txt" in found[(5, None)]
    assert "5-Entry2.md is empty" in found[(6, None)]
    assert found[(7, None)] == ("entry 1 document 6_entry1.docx: is damaged or not a Word document")
    assert "more than one document" in found[(8, None)]
    assert "is not an e-mail" in found[(9, "email")]
    assert found[(9, "name")] == "is empty"
    assert "'flair' is not a factor" in found[(10, "retake_factors")]
    assert "evil.example" in found[(11, "entry1_videos")]
    assert "not this cohort" in found[(12, "cohort")]
    assert "needs 2 video links, 1 given" in found[(12, "entry1_videos")]
    assert found[(13, "candidate_id")] == "is empty"
    assert str(problems[0]).startswith("roster.xlsx, row 2, column candidate_id: ")


def test_missing_columns_and_bad_files_reject_the_whole_roster(
    cohort: CohortFile, tmp_path: Path
) -> None:
    docs = write_docs(tmp_path / "docs", 1)
    header = ["Candidate_ID ", "NAME", "email", "district", "cohort"]  # no retakes, no videos
    roster = write_xlsx(tmp_path / "r.xlsx", [[1, "N", "a@b.org", "D", ""]], header)
    (problem,) = rejected(cohort, roster, docs)
    assert (problem.file, problem.row, problem.column) == (roster, None, None)
    assert problem.message == "missing columns: retake_factors, entry1_videos"

    with pytest.raises(ImportRejected, match="not a folder"):
        import_roster(cohort, write_csv(tmp_path / "ok.csv", [row(1)]), tmp_path / "nowhere")
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"garbage")
    with pytest.raises(ImportRejected, match="bad.xlsx: cannot be read"):
        import_roster(cohort, bad, docs, valid_only=True)
    latin = tmp_path / "latin.csv"
    latin.write_bytes("candidate_id,name\n1,Jos\xe9\n".encode("latin-1"))
    with pytest.raises(ImportRejected, match="not UTF-8"):
        import_roster(cohort, latin, docs)
    assert count(cohort, Candidate) == 0


def test_valid_only_imports_the_rest_and_reimport_is_refused(
    cohort: CohortFile, tmp_path: Path
) -> None:
    docs = write_docs(tmp_path / "docs", 1, 2, 3)
    roster = write_csv(tmp_path / "r.csv", [row(1), row(2, email="x"), [], row(3)])
    before = digest(tmp_path)
    result = import_roster(cohort, roster, docs, valid_only=True)
    assert (result.imported, result.skipped) == (2, 1)
    assert [(p.row, p.column) for p in result.problems] == [(3, "email")]
    assert count(cohort, Candidate) == 2
    assert count(cohort, CandidateEntry) == 4
    assert digest(tmp_path) == before

    problems = rejected(cohort, write_csv(tmp_path / "again.csv", [row(1), row(3)]), docs)
    assert [(p.row, p.column) for p in problems] == [(2, "candidate_id"), (3, "candidate_id")]
    assert all("already in the cohort" in p.message for p in problems)
    assert count(cohort, Candidate) == 2


def test_template_is_written_readable_and_its_example_skipped(
    cohort: CohortFile, tmp_path: Path
) -> None:
    template = tmp_path / "template.xlsx"
    write_roster_template(template, cohort.rubric)
    wb = load_workbook(template)
    assert wb.sheetnames == ["Candidates", "Scorers", "Notes"]
    ws = wb["Candidates"]
    banked = ["banked_cycle", *(f"banked_{k}" for k in cohort.rubric.factor_keys)]
    assert [c.value for c in ws[1]] == [*HEADER, "entry1_videos", *banked]  # banked: optional
    assert ws["A2"].value == "EXAMPLE"
    assert ws["A2"].font.italic
    assert [c.value for c in wb["Scorers"][1]] == [
        "scorer_id",
        "name",
        "email",
        "organisation",
        "conflicts",
        "role",
    ]
    # The example row's links are allowed, so a coordinator can copy its form.
    links = re.findall(r"https://[^\s;]+", ws["G2"].value)
    assert links
    assert all(cohort.rubric.links.allows(u) for u in links)

    ws.append(row(77))
    wb.save(template)
    result = import_roster(cohort, template, write_docs(tmp_path / "docs", 77))
    assert (result.imported, result.skipped) == (1, 0)
    with pytest.raises(
        ImportRejected, match="no scorer rows"
    ):  # its Scorers sheet: only the example
        import_scorers(cohort, template)


def test_template_alone_has_no_candidates(cohort: CohortFile, tmp_path: Path) -> None:
    template = tmp_path / "t.xlsx"
    write_roster_template(template, cohort.rubric)
    with pytest.raises(ImportRejected, match="no candidate rows"):
        import_roster(cohort, template, write_docs(tmp_path / "docs"))


def test_scorers_import_with_conflicts_and_duplicates_refused(
    cohort: CohortFile, tmp_path: Path
) -> None:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Notes"
    scorers = wb.create_sheet("Scorers")
    scorers.append(["scorer_id", "name", "email", "organization", "conflicts"])
    scorers.append(["EXAMPLE", "x", "x", "", ""])
    scorers.append(["s1", "Ann", "ann@icg.org", "ICG", "1042; 1077,1042"])
    scorers.append([2, "Bo", "bo@icg.org", None, None])
    sheet = tmp_path / "scorers.xlsx"
    wb.save(sheet)

    assert import_scorers(cohort, sheet).imported == 2
    with cohort.reading() as s:
        got = {x.scorer_id: (x.organisation, x.conflicts) for x in s.scalars(select(Scorer))}
    assert got == {"s1": ("ICG", ["1042", "1077"]), "2": ("", [])}

    with pytest.raises(ImportRejected) as info:
        import_scorers(cohort, sheet)
    assert [(p.row, p.column) for p in info.value.problems] == [(3, "scorer_id"), (4, "scorer_id")]

    twice = tmp_path / "twice.csv"
    twice.write_text(
        "scorer_id,name,email,organisation,conflicts\ns9,A,a@x.org,,\nS9,B,b@x.org,,\n",
        encoding="utf-8",
    )
    expected = r"twice\.csv, row 3, column scorer_id: 'S9' appears more than once \(also row 2\)"
    with pytest.raises(ImportRejected, match=expected):
        import_scorers(cohort, twice)
    assert count(cohort, Scorer) == 2


def test_code_prefix() -> None:
    assert code_prefix("2026-27") == "C27-"
    assert code_prefix("2026-2027") == "C27-"
    assert code_prefix("Pilot 2025") == "C25-"


def test_a_roster_saved_by_libreoffice_calc_imports(cohort: CohortFile, tmp_path: Path) -> None:
    """fixtures/libreoffice-roster.xlsx is LibreOffice Calc 7's own .xlsx of the .csv beside it
    (`soffice --headless --infilter="CSV:44,34,76,1" --convert-to xlsx`, 76: read as UTF-8):
    ids as number cells, accents, a retake factor, video links in a cell, and Calc's own
    package and styles, not openpyxl's."""
    fixtures = Path(__file__).with_name("fixtures")
    roster = tmp_path / "roster.xlsx"
    roster.write_bytes((fixtures / "libreoffice-roster.xlsx").read_bytes())
    docs = write_docs(tmp_path / "docs", 1001, 1002, 1003, 1004)

    result = import_roster(cohort, roster, docs)

    assert (result.imported, result.skipped, result.problems) == (4, 0, ())
    with (fixtures / "libreoffice-roster.csv").open(newline="", encoding="utf-8") as f:
        expected = {r["candidate_id"]: r for r in csv.DictReader(f)}
    with cohort.reading() as s:
        people = {c.candidate_id: c for c in s.scalars(select(Candidate))}
        assert set(people) == {"1001", "1002", "1003", "1004"}  # number cells, read as ids
        for cid, person in people.items():
            assert (person.name, person.email, person.organisation) == (
                expected[cid]["name"],
                expected[cid]["email"],
                expected[cid]["organisation"],
            )
        assert people["1001"].name == "Tomás Sato"
        assert people["1001"].retake_factors == ["leadership"]
        assert people["1004"].entries[0].videos == [
            ["Clip 1", "https://youtu.be/exmZDC_2vuk"],
            ["Clip 2", "https://youtu.be/6gPZ7npl75M"],
        ]
