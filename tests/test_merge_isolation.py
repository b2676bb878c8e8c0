"""Every returned file is judged alone (issue 15, item 4).

A merge of several files where the middle one carries a poison: a score that is not a number
on the scale (`Infinity`, `NaN`, `1E999`, `1e999999999`, a 5,000-digit number, `abc`), a time
stamp without a zone, or a bug that raises while it is merged. The poisoned file is rejected with
its reason, in the outcome and in the audit log; nothing of it reaches the cohort; the file after
it is merged and logged. Each case fails on a merge that lets one file stop the others.
"""

from __future__ import annotations

import logging
import re
import sqlite3
import zipfile
from collections.abc import Callable, Iterator
from fractions import Fraction
from pathlib import Path

import pytest
from sqlalchemy import select

from icg_desk.cli import main
from icg_desk.export.summary_xlsx import write_batch_summary
from icg_desk.models import merge as merge_model
from icg_desk.models.batch_file import BatchFile
from icg_desk.models.cohort_file import CohortFile
from icg_desk.models.cohort_schema import (
    Assignment,
    Candidate,
    CandidateEntry,
    MergeLog,
    ReadScore,
    Scorer,
)
from icg_desk.models.portfolios import EntryContent, PortfolioContent, add_portfolios
from icg_desk.models.rubric_file import builtin_rubric
from icg_desk.operations.batch_work import BatchWork
from icg_desk.operations.merge import merge_files

COHORT = "2026-27"
# batch id -> (scorer, its candidates): the first and last files of every merge are B-1 and B-3,
# the poisoned middle one B-2.
BATCHES = {
    "B-1": ("S-1", ("C27-001",)),
    "B-2": ("S-2", ("C27-002",)),
    "B-3": ("S-3", ("C27-003",)),
}
THREE, FOUR = Fraction(3), Fraction(4)
FIVE_THOUSAND_DIGITS = "9" * 5000
SCORE_POISONS = {
    "Infinity": "Infinity",
    "NaN": "NaN",
    "nan": "nan",
    "1E999": "1E999",
    "1e999999999": "1e999999999",
    "5000 digits": FIVE_THOUSAND_DIGITS,
    "abc": "abc",
    "-Infinity": "-Infinity",
    "sNaN": "sNaN",
    "three places": "3.250",
    "negative": "-3",
}


@pytest.fixture
def cohort(tmp_path: Path) -> Iterator[CohortFile]:
    rubric = builtin_rubric()
    with CohortFile.create(tmp_path / "c.icgcohort", name=COHORT, rubric=rubric) as cohort:
        with cohort.transaction() as s:
            for batch_id, (scorer_id, codes) in BATCHES.items():
                scorer = Scorer(scorer_id=scorer_id, name=f"Scorer {scorer_id}")
                s.add(scorer)
                for code in codes:
                    c = Candidate(candidate_id=code[-3:], code=code, name=f"Candidate {code}")
                    c.entries = [CandidateEntry(number=e.number, text="T.") for e in rubric.entries]
                    s.add(c)
                    s.add(Assignment(candidate=c, scorer=scorer, batch_id=batch_id))
        yield cohort


def make_batch(path: Path, batch_id: str, score: Fraction = THREE) -> Path:
    rubric = builtin_rubric()
    scorer_id, codes = BATCHES[batch_id]
    with BatchFile.create(
        path,
        batch_id=batch_id,
        cohort=COHORT,
        scorer_id=scorer_id,
        scorer_name="A Scorer",
        rubric=rubric,
    ) as batch:
        entries = tuple(EntryContent(e.number, "Entry text.") for e in rubric.entries)
        add_portfolios(batch, [PortfolioContent(c, entries) for c in codes])
        work = BatchWork(batch)
        for p in work.portfolios():
            for key in rubric.factor_keys:
                work.set_score(p.id, key, score)
    return path


def make_summary(path: Path, batch_id: str, score: Fraction = THREE) -> Path:
    batch = make_batch(path.with_suffix(".icgbatch"), batch_id, score)
    with BatchFile.open(batch) as opened:
        write_batch_summary(opened, path)
    batch.unlink()
    return path


def sql(path: Path, statement: str, *params: object) -> Path:
    con = sqlite3.connect(path)
    with con:
        con.execute(statement, params)
    con.close()
    return path


def merged_reads(cohort: CohortFile) -> dict[tuple[str, str], Fraction | None]:
    with cohort.reading() as s:
        rows = s.execute(
            select(Candidate.code, ReadScore.factor_key, ReadScore.score)
            .join(Assignment, ReadScore.assignment_ref == Assignment.id)
            .join(Candidate, Assignment.candidate_ref == Candidate.id)
        ).all()
    return {(code, key): score for code, key, score in rows}


def log_rows(cohort: CohortFile) -> list[tuple[str, str, str]]:
    with cohort.reading() as s:
        return [
            (row.file_name, row.outcome, row.detail)
            for row in s.scalars(select(MergeLog).order_by(MergeLog.id))
        ]


def merge_around(cohort: CohortFile, tmp_path: Path, poisoned: Path) -> str:
    """Merge a good file, `poisoned` and another good file; check what became of each, and that
    the cohort holds the good files' scores only. The poisoned file's reason."""
    first = make_batch(tmp_path / "first.icgbatch", "B-1")
    last = make_batch(tmp_path / "last.icgbatch", "B-3")
    outcomes = merge_files(cohort, [first, poisoned, last])

    assert [o.file for o in outcomes] == [first, poisoned, last]
    assert [o.outcome for o in outcomes] == ["accepted", "rejected", "accepted"]
    keys = cohort.rubric.factor_keys
    # Nothing of B-2 (every other score 4) reached the cohort; B-1 and B-3 are whole.
    assert merged_reads(cohort) == {
        **{("C27-001", k): THREE for k in keys},
        **{("C27-003", k): THREE for k in keys},
    }
    logged = log_rows(cohort)
    assert [(name, outcome) for name, outcome, _ in logged] == [
        ("first.icgbatch", "accepted"),
        (poisoned.name, "rejected"),
        ("last.icgbatch", "accepted"),
    ]
    assert logged[1][2] == outcomes[1].reason
    return outcomes[1].reason


# --- scores in a returned batch ------------------------------------------------------------------


@pytest.mark.timeout(60)
@pytest.mark.parametrize("poison", SCORE_POISONS)
def test_a_batch_score_that_is_no_score_rejects_that_file_and_the_merge_goes_on(
    cohort: CohortFile, tmp_path: Path, poison: str
) -> None:
    text = SCORE_POISONS[poison]
    path = make_batch(tmp_path / "poisoned.icgbatch", "B-2", FOUR)
    sql(path, "UPDATE factor_read SET score = ? WHERE factor_key = 'data'", text)

    reason = merge_around(cohort, tmp_path, path)
    assert reason.startswith("C27-002 Data: ")
    assert "is not a score" in reason or "is not on the scale" in reason
    # The text is named, cut short when long: the report is read by a person.
    assert len(reason) < 400
    assert text[:20] in reason


@pytest.mark.parametrize(
    ("statement", "expected"),
    [
        (
            "UPDATE factor_read SET score = X'332e3030' WHERE factor_key = 'data'",
            "C27-002 Data: a binary value is not a score",
        ),
        (
            "UPDATE portfolio SET candidate_code = X'00'",
            "is damaged: a candidate code is not text (a binary value)",
        ),
        (
            "UPDATE factor_read SET rationale = X'00' WHERE factor_key = 'data'",
            "C27-002 Data: the rationale is a binary value, not text",
        ),
        ("UPDATE batch SET scorer_id = X'00'", "is damaged: its scorer id is a binary value"),
    ],
    ids=["score", "code", "rationale", "scorer"],
)
def test_a_batch_value_that_is_not_text_is_a_named_problem(
    cohort: CohortFile, tmp_path: Path, statement: str, expected: str
) -> None:
    # SQLite keeps a blob as it is in a text column (a number it would store as text).
    path = sql(make_batch(tmp_path / "poisoned.icgbatch", "B-2", FOUR), statement)
    assert merge_around(cohort, tmp_path, path).startswith(expected)


def test_a_batch_whose_last_change_has_no_time_zone_is_rejected_by_name(
    cohort: CohortFile, tmp_path: Path
) -> None:
    path = make_batch(tmp_path / "poisoned.icgbatch", "B-2", FOUR)
    # Later than every zoned time in the file, so it is the batch's last change.
    sql(path, "UPDATE factor_read SET updated_at = '2999-01-01T00:00:00'")
    reason = merge_around(cohort, tmp_path, path)
    assert reason == (
        "is damaged: its last change '2999-01-01T00:00:00' has no time zone; ICG Desk writes "
        "every time with its offset from UTC"
    )


# --- cells of a returned summary -----------------------------------------------------------------


def rewrite_part(path: Path, part: str, change: Callable[[str], str]) -> Path:
    """Rewrite one XML part of a workbook as text, the rest copied as it was."""
    with zipfile.ZipFile(path) as source:
        items = [(info, source.read(info)) for info in source.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info, data in items:
            if info.filename == part:
                new = change(data.decode("utf-8"))
                assert new != data.decode("utf-8"), f"nothing to change in {part}"
                data = new.encode("utf-8")
            target.writestr(info, data)
    return path


def sheet_part(path: Path, sheet: str) -> str:
    """A sheet's part in the workbook, found by its relationship, not guessed."""
    with zipfile.ZipFile(path) as z:
        book = z.read("xl/workbook.xml").decode()
        rels = z.read("xl/_rels/workbook.xml.rels").decode()
    tag = re.search(rf'<sheet [^>]*name="{sheet}"[^>]*/>', book)
    assert tag is not None
    rid = re.search(r'r:id="([^"]+)"', tag.group(0))
    assert rid is not None
    rel = re.search(rf'<Relationship [^>]*Id="{rid.group(1)}"[^>]*/>', rels)
    assert rel is not None
    target = re.search(r'Target="([^"]+)"', rel.group(0))
    assert target is not None
    found = target.group(1)
    return found.lstrip("/") if found.startswith("/xl/") else f"xl/{found}"


def with_cell(path: Path, cell: str, value: str) -> Path:
    """The number in `cell` replaced by `value`, written as a number cell's text in the XML."""

    def change(xml: str) -> str:
        return re.sub(
            rf'(<c r="{cell}"[^>]*>)(?:<v>[^<]*</v>|<is>.*?</is>)',
            lambda m: m.group(1).replace(' t="n"', "") + f"<v>{value}</v>",
            xml,
            count=1,
        )

    return rewrite_part(path, sheet_part(path, "Scores"), change)


@pytest.mark.timeout(60)
@pytest.mark.parametrize("poison", SCORE_POISONS)
def test_a_summary_cell_that_is_no_score_rejects_that_file_and_the_merge_goes_on(
    cohort: CohortFile, tmp_path: Path, poison: str
) -> None:
    text = SCORE_POISONS[poison]
    path = make_summary(tmp_path / "poisoned.xlsx", "B-2", FOUR)
    with_cell(path, "C3", text)  # the portfolio's first factor

    reason = merge_around(cohort, tmp_path, path)
    # The cell, or its row where openpyxl itself cannot read the cell's number.
    assert reason.startswith(
        ("Scores!C3: ", "Scores!3:3: a cell of this row is marked as a number")
    )
    assert len(reason) < 400


def with_about(path: Path, label: str, value: str) -> Path:
    """The About sheet's field `label` set to `value`, as inline text (the field stays text)."""
    from openpyxl import load_workbook

    workbook = load_workbook(path)
    about = workbook["About"]
    for row in about.iter_rows(min_col=1, max_col=2):
        if row[0].value == label:
            row[1].value = value
            break
    else:
        raise AssertionError(f"no field {label!r}")
    workbook.save(path)
    return path


@pytest.mark.timeout(60)
@pytest.mark.parametrize(
    ("label", "value", "expected"),
    [
        ("Score scale", "0.75 1 1e999999999", "the score scale"),
        ("Score scale", "0.75 Infinity", "the score scale"),
        ("Score scale", f"0.75 {FIVE_THOUSAND_DIGITS}", "the score scale"),
        ("Scores as of (UTC)", "2030-01-01T00:00:00", "should be a date and time in UTC"),
        ("Exported at (UTC)", "2030-01-01 00:00", "should be a date and time in UTC"),
    ],
    ids=["scale huge exponent", "scale infinity", "scale 5000 digits", "as of", "exported"],
)
def test_a_summary_field_that_is_poisoned_rejects_that_file_and_the_merge_goes_on(
    cohort: CohortFile, tmp_path: Path, label: str, value: str, expected: str
) -> None:
    path = with_about(make_summary(tmp_path / "poisoned.xlsx", "B-2", FOUR), label, value)
    reason = merge_around(cohort, tmp_path, path)
    assert expected in reason
    assert len(reason) < 400


@pytest.mark.timeout(60)
@pytest.mark.parametrize(
    "value", ["1E999", "nan", FIVE_THOUSAND_DIGITS], ids=["1E999", "nan", "5000"]
)
def test_a_summary_number_field_that_is_no_number_is_named(
    cohort: CohortFile, tmp_path: Path, value: str
) -> None:
    path = make_summary(tmp_path / "poisoned.xlsx", "B-2", FOUR)

    def change(xml: str) -> str:
        # The About sheet's first number cell in column B: the summary format, 1.
        return re.sub(r'(<c r="B(\d+)"[^>]*><v>)1(</v>)', rf"\g<1>{value}\g<3>", xml, count=1)

    rewrite_part(path, sheet_part(path, "About"), change)
    reason = merge_around(cohort, tmp_path, path)
    assert re.match(r"About!(B\d+|\d+:\d+): ", reason), reason
    assert len(reason) < 400


# --- a bug while one file is merged --------------------------------------------------------------


def test_an_unexpected_error_in_one_file_rejects_it_and_the_merge_goes_on(
    cohort: CohortFile,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    poisoned = make_batch(tmp_path / "poisoned.icgbatch", "B-2", FOUR)
    real = merge_model._new_reads

    def new_reads(returned: merge_model.Returned, *args: object) -> object:
        if returned.batch_id == "B-2":
            raise ZeroDivisionError("a bug met while merging B-2")
        return real(returned, *args)  # type: ignore[arg-type]

    # Inside the write transaction that applies the file, after its scores were diffed: a
    # rollback of that file alone is what keeps the cohort clean.
    monkeypatch.setattr(merge_model, "_new_reads", new_reads)
    with caplog.at_level(logging.ERROR, logger="icg_desk"):
        reason = merge_around(cohort, tmp_path, poisoned)
    assert reason.startswith("unexpected error: ")
    assert "ZeroDivisionError" in reason
    assert "Traceback" not in reason
    # The traceback is for whoever fixes the bug: in the log, not in the report.
    (record,) = [r for r in caplog.records if r.exc_info]
    assert "poisoned.icgbatch" in record.getMessage()
    assert record.exc_info is not None
    assert record.exc_info[0] is ZeroDivisionError


def test_an_unexpected_error_while_reading_one_file_rejects_it_and_the_merge_goes_on(
    cohort: CohortFile, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from icg_desk.formats import returned as returned_format

    poisoned = make_batch(tmp_path / "poisoned.icgbatch", "B-2", FOUR)
    real = returned_format._read_batch

    def read_batch(path: Path, *args: object) -> object:
        if path == poisoned:
            raise KeyError("a bug met while reading")
        return real(path, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(returned_format, "_read_batch", read_batch)
    reason = merge_around(cohort, tmp_path, poisoned)
    assert reason.startswith("unexpected error: KeyError")


def test_the_command_line_reports_a_poisoned_file_and_merges_the_others(
    cohort: CohortFile, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first = make_batch(tmp_path / "first.icgbatch", "B-1")
    poisoned = make_batch(tmp_path / "poisoned.icgbatch", "B-2", FOUR)
    sql(poisoned, "UPDATE factor_read SET score = '1e999999999' WHERE factor_key = 'data'")
    last = make_batch(tmp_path / "last.icgbatch", "B-3")
    path = cohort.path
    cohort.close()

    with pytest.raises(SystemExit) as exit_:
        main(["cohort", "merge", str(path), str(first), str(poisoned), str(last)])
    out, err = capsys.readouterr()
    assert exit_.value.code == 2
    assert "Traceback" not in out + err
    lines = out.splitlines()
    (line,) = [line for line in lines if line.startswith("poisoned.icgbatch")]
    assert "rejected" in line
    assert "C27-002 Data: '1e999999999' is not a score" in line
    assert "1 of 3 files rejected (left out whole); the other 2 files were merged" in err


# --- the one grammar -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"), [("3+", "3.25"), ("3.25", "3.25"), ("4", "4"), ("4.0", "4")]
)
def test_a_file_score_is_a_label_or_a_short_decimal(text: str, value: str) -> None:
    assert builtin_rubric().scale.read(text) == Fraction(value)


@pytest.mark.timeout(10)
@pytest.mark.parametrize(
    "text",
    [
        *SCORE_POISONS.values(),
        " 3",
        "3 ",
        "3\n",
        "+3",
        "3.",
        ".5",
        "３",
        "1_0",
        "0x3",
        "3e0",
        "",
        None,
    ],
)
def test_anything_else_in_a_file_is_no_score_and_no_number_is_built(text: str | None) -> None:
    from icg_desk.scoring import ScoreError

    with pytest.raises(ScoreError, match="is not (a score|on the scale)"):
        builtin_rubric().scale.read(text)
