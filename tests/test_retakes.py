"""Retakes with banked scores, end to end, as docs/coordinator.md walks them.

A roster whose retake candidates carry their banked scores (from 2025-26); assign (a retake is
read twice, whatever --reads says); batches that ask for the retaken factors only, with the
banked ones shown, not scored; scored in the workstation's own models; merged; results; release;
reports whose text (pypdf) marks each factor banked or new and re-adds. Every surface (results
text and JSON, the summary workbook, the Coordinator window's results, the PDF) says the same of
each retake. Then `cohort bank` from last cycle's cohort file and workbook, and its refusals.
"""

from __future__ import annotations

import csv
import json
import re
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from icg_desk.cli import main
from icg_desk.models.batch_file import BatchFile
from icg_desk.models.cohort_file import CohortFile
from icg_desk.models.cohort_results import cohort_results
from icg_desk.models.cohort_schema import BankedScore, Candidate
from icg_desk.models.rubric_file import builtin_rubric
from icg_desk.models.schema import Portfolio
from icg_desk.operations import cohort as cohort_ops
from icg_desk.operations.batch_work import BatchWork, FactorNotAsked
from icg_desk.ui.coordinator_dashboard import Dashboard, ResultsModel

F = Fraction
RUBRIC = builtin_rubric()
KEYS = RUBRIC.factor_keys
NAMES = {f.key: f.name for f in RUBRIC.factors}

# The retakes: roster id -> (retake factors, banked scores of 2025-26, new reads of the retake)
# 1001 retakes Data, banked 1.50; its new reads 2.75 and 3.00: the new 2.875 replaces it.
# 1002 retakes Leadership, banked 1.50; new reads 1.25 and 1.25: the banked 1.50 stands.
# 1003 retakes Data; new reads 1.00 and 3.00 are discrepant: only Data is flagged.
BANKED = {
    "1001": ("data", {k: "3" for k in KEYS} | {"data": "1.5"}),
    "1002": ("leadership", {k: "3" for k in KEYS} | {"leadership": "1.50"}),
    "1003": ("data", {k: "3+" for k in KEYS} | {"data": ""}),  # no banked Data: optional
}
NEW_READS = {"1001": ("2.75", "3"), "1002": ("1.25", "1.25"), "1003": ("1", "3")}


def run(capsys: pytest.CaptureFixture[str], *argv: object) -> tuple[int, str, str]:
    try:
        code = main([str(a) for a in argv])
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def ok(capsys: pytest.CaptureFixture[str], *argv: object) -> str:
    code, out, err = run(capsys, *argv)
    assert code == 0, f"{argv}: exit {code}\n{out}\n{err}"
    return out


def with_banked_columns(roster: Path) -> None:
    """The demo roster, with the optional banked columns filled for the retakes."""
    with roster.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    head = list(rows[0]) + ["banked_cycle", *(f"banked_{k}" for k in KEYS)]
    for row in rows:
        retake = BANKED.get(row["candidate_id"])
        row["retake_factors"] = retake[0] if retake else ""
        row["banked_cycle"] = "2025-26" if retake else ""
        for k in KEYS:
            row[f"banked_{k}"] = retake[1][k] if retake else ""
    with roster.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, head)
        writer.writeheader()
        writer.writerows(rows)


def score_batch(path: Path, codes: dict[str, str], which: dict[str, int]) -> None:
    """A scorer's work: every factor a portfolio asks for. A retake's new reads are given
    (`which`: the scorer's place among its readers); every first submission reads 3.00."""
    with BatchFile.open(path) as batch:
        work = BatchWork(batch)
        for p in work.portfolios():
            view = work.portfolio(p.id)
            cid = codes[view.candidate_code]
            for key in view.asked:
                score = F(3)
                if cid in NEW_READS:
                    score = F(Decimal(NEW_READS[cid][which[cid]]))
                work.set_score(p.id, key, score)
            work.mark_complete(p.id)


EQUATION = re.compile(r"\((?P<terms>[^()]*)\) / 7 = (?P<total>[\d.]+) / 7 = (?P<overall>\d+\.\d+)")


def test_a_retake_from_the_roster_to_the_printed_report(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, qtbot
) -> None:
    from pypdf import PdfReader

    inputs, db = tmp_path / "inputs", tmp_path / "2026-27.icgcohort"
    ok(capsys, "cohort", "demo", inputs, "--candidates", 6, "--scorers", 4)
    with_banked_columns(inputs / "roster.csv")
    ok(capsys, "cohort", "init", db, "--name", "2026-27")
    ok(capsys, "cohort", "import", db, inputs / "roster.csv", inputs / "documents")
    ok(capsys, "cohort", "scorers", db, inputs / "scorers.csv")
    with CohortFile.open(db) as cohort, cohort.reading() as s:
        banked = {
            (cid, key): (score, cycle)
            for cid, key, score, cycle in s.execute(
                Candidate.__table__.join(BankedScore.__table__)
                .select()
                .with_only_columns(
                    Candidate.candidate_id, BankedScore.factor_key, BankedScore.score,
                    BankedScore.cycle,
                )
            )
        }  # fmt: skip
        codes = {c.code: c.candidate_id for c in s.query(Candidate)}
    assert banked[("1001", "data")] == (F(3, 2), "2025-26")
    assert banked[("1003", "impact_cycle")] == (F(13, 4), "2025-26")  # a label, as its value
    assert ("1003", "data") not in banked  # a retaken factor's banked score is optional
    assert {cid for cid, _ in banked} == {"1001", "1002", "1003"}

    # One read per portfolio asked for; the retakes get two all the same, and it says so.
    said = ok(capsys, "cohort", "assign", db, "--seed", 7, "--reads", 1)
    assert "Assigned 9 reads (seed 7)" in said
    assert "the 3 retakes are read 2 times, whatever the reads per portfolio" in said
    # The rubric's 2 reads for the first submissions too (results wait for the rubric's reads).
    assert "Assigned 3 new reads" in ok(capsys, "cohort", "assign", db, "--seed", 7)
    ok(capsys, "cohort", "batches", db, tmp_path / "out")
    batches = sorted((tmp_path / "out").glob("*.icgbatch"))

    # A retake's portfolio asks for the retaken factors only; the banked ones are named with
    # their cycle, never their scores; the workstation refuses a score on a banked factor.
    readers: dict[str, int] = {}
    seen: dict[str, list[tuple[list[str], list[list[str]]]]] = {}
    for path in batches:
        with BatchFile.open(path) as batch, batch.reading() as s:
            for p in s.query(Portfolio):
                seen.setdefault(codes[p.candidate_code], []).append((p.adjudicate, p.banked))
    assert seen["1001"] == [(["data"], [[k, "2025-26"] for k in KEYS if k != "data"])] * 2
    assert [asked for asked, _ in seen["1002"]] == [["leadership"]] * 2
    assert all(seen[cid] == [([], [])] * 2 for cid in ("1004", "1005", "1006"))
    with BatchFile.open(batches[0]) as batch:
        work = BatchWork(batch)
        retake = next(p for p in work.portfolios() if codes[p.candidate_code] in NEW_READS)
        view = work.portfolio(retake.id)
        assert view.retake
        banked_key = next(k for k in KEYS if k not in view.asked)
        with pytest.raises(FactorNotAsked, match=r"is a retake of .* only; .* is banked from "
                           r"2025-26, shown, not scored"):  # fmt: skip
            work.set_score(retake.id, banked_key, F(3))

    for path in batches:
        places: dict[str, int] = {}
        with BatchFile.open(path) as batch, batch.reading() as s:
            for p in s.query(Portfolio):
                cid = codes[p.candidate_code]
                places[cid] = readers.get(cid, 0)
                readers[cid] = places[cid] + 1
        score_batch(path, codes, places)
    ok(capsys, "cohort", "merge", db, *batches)

    # Results, JSON: each factor new or banked, the banked scores, the retake rule applied.
    data = json.loads(ok(capsys, "cohort", "results", db, "--json"))
    rows = {r["candidate_id"]: r for r in data["results"]}
    first = rows["1001"]
    assert first["reads_needed"] == 2
    assert first["reads_in"] == 2
    assert first["factors"]["data"] == "2.88"  # the mean of 2.75 and 3.00 beats the banked 1.50
    assert first["sources"] == {k: "new" if k == "data" else "banked" for k in KEYS}
    assert first["banked"]["data"] == {"score": "1.50", "cycle": "2025-26", "stands": False}
    assert first["retaken"] == ["data"]
    assert first["status"] == "certified"
    kept = rows["1002"]
    assert kept["factors"]["leadership"] == "1.50"  # higher of banked 1.50 and new 1.25
    assert kept["sources"]["leadership"] == "banked"
    assert kept["banked"]["leadership"]["stands"] is True
    assert kept["status"] == "not_certified"
    assert kept["retake"] == ["leadership"]
    # Flags concern the new factors only: 1003's Data reads differ; its banked factors never do.
    flagged = rows["1003"]
    assert [(f["kind"], f["factor"]) for f in flagged["flags"]] == [
        ("discrepancy", "data"),
        ("decision_split", None),  # Data 1.00 and 3.00 on either side of the floor: Data only
    ]
    split = " ".join(flagged["flags"][1]["reasons"])
    assert "Data is on either side of the factor floor 1.75 (1.00 and 3.00)" in split
    assert not any(NAMES[k] in split for k in KEYS if k != "data")  # banked factors never split
    assert flagged["result"] == "waiting"
    assert rows["1004"]["sources"] == {}
    assert rows["1004"]["reads_needed"] == 2

    status = json.loads(ok(capsys, "cohort", "status", db, "--json"))
    assert status["reads_needed"] == 12
    assert status["reads_returned"] == 12  # a retake read is complete with its factor scored

    text = ok(capsys, "cohort", "results", db)
    assert "      Data: 2.88, new" in text
    assert "      Impact Cycle: 3.00, banked (2025-26)" in text
    assert "      Leadership: 1.50, banked (2025-26)" in text
    assert "retake of Data; banked: Impact Cycle 3.00 (2025-26)" in text

    # Release waits for the flag on the new factor; accepted with a reason, it goes.
    code, _, err = run(capsys, "cohort", "release", db)
    assert code == 2
    assert "1003" in err
    # Adjudication asks for the new factor only: the banked ones are never sent.
    (tmp_path / "adjudicators.csv").write_text(
        "scorer_id,name,email,organisation,conflicts,role\n"
        "A-1,Ada Adj,ada@example.org,Far Away District,,adjudicator\n",
        encoding="utf-8",
    )
    ok(capsys, "cohort", "scorers", db, tmp_path / "adjudicators.csv")
    ok(capsys, "cohort", "adjudicate", db, tmp_path / "adjudication")
    (adjudication,) = sorted((tmp_path / "adjudication").glob("*.icgbatch"))
    with BatchFile.open(adjudication) as batch:
        work = BatchWork(batch)
        (only,) = work.portfolios()
        assert codes[only.candidate_code] == "1003"
        assert work.portfolio(only.id).asked == ("data",)
        work.set_score(only.id, "data", F(11, 4))
        work.mark_complete(only.id)
    assert "2 flags adjudicated" in ok(capsys, "cohort", "merge", db, adjudication)
    adjudicated = {
        r["candidate_id"]: r
        for r in json.loads(ok(capsys, "cohort", "results", db, "--json"))["results"]
    }["1003"]
    assert adjudicated["factors"]["data"] == "2.75"  # the adjudicator's, not the mean 2.00
    assert adjudicated["adjudicated"] == {"data": "A-1"}
    assert adjudicated["sources"]["data"] == "new"
    assert adjudicated["result"] == "final"
    ok(capsys, "cohort", "release", db)

    with CohortFile.open(db) as cohort:
        results = cohort_results(cohort)
    by_id = {c.candidate_id: c for c in results.candidates}
    retakes = [by_id[cid] for cid in ("1001", "1002", "1003")]

    # The workbook: the same sources and banked scores.
    ok(capsys, "cohort", "summary", db, tmp_path / "summary.xlsx")
    head, *body = list(
        load_workbook(tmp_path / "summary.xlsx")["Results"].iter_rows(values_only=True)
    )
    col = {name: i for i, name in enumerate(head)}
    book = {str(r[0]): r for r in body}
    for c in retakes:
        row = book[c.candidate_id]
        assert row[col["Factor sources"]] == "; ".join(
            f"{NAMES[k]}: {'new' if c.banked_cycle(k) is None else 'banked (2025-26)'}"
            for k in KEYS
        )
        assert row[col["Banked scores"]].startswith(f"{NAMES['impact_cycle']} ")
    assert book["1004"][col["Factor sources"]] is None

    # The Coordinator window's results: the Banked column and its tooltip say the same.
    snap = cohort_ops.snapshot(cohort_ops.CohortRef(db))
    board = Dashboard()
    qtbot.addWidget(board)
    board.show_snapshot(snap.status, snap.results, snap.merges)
    model = board.results_model
    shown = {model.text(n, ResultsModel.ID): model.text(n, ResultsModel.BANKED)
             for n in range(model.rowCount())}  # fmt: skip
    assert shown["1001"] == (
        "New: Data; banked (2025-26): Impact Cycle, Instructional Playbook, Communication, "
        "Working with Adults, Leadership, System Support"
    )
    assert shown["1002"].startswith("banked (2025-26): Impact Cycle, ")  # nothing new stands
    assert shown["1004"] == ""

    # The reports: each factor marked banked or new, and the arithmetic re-adds.
    ok(capsys, "cohort", "reports", db, tmp_path / "reports")
    for c in retakes:
        pdf = next((tmp_path / "reports").glob(f"{c.candidate_id} *.pdf"))
        page = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(pdf).pages)
        marks = re.findall(r"banked \(2025-26\)|\bnew\b", page)
        expected = ["new" if c.banked_cycle(k) is None else "banked (2025-26)" for k in KEYS]
        assert marks[: len(KEYS)] == expected, page
        found = EQUATION.search(page)
        assert found is not None, page
        terms = [Decimal(t) for t in found["terms"].split(" + ")]
        assert sum(terms) == Decimal(found["total"])
        assert [F(t) for t in terms] == [c.scores[k] for k in KEYS]  # the banked ones too
        overall = (sum(terms) / 7).quantize(Decimal("0.01"))
        assert f"{overall}" == found["overall"]


def test_a_format_of_banked_column_that_is_wrong_names_the_row(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    inputs, db = tmp_path / "inputs", tmp_path / "c.icgcohort"
    ok(capsys, "cohort", "demo", inputs, "--candidates", 3, "--scorers", 3)
    with_banked_columns(inputs / "roster.csv")
    text = (inputs / "roster.csv").read_text("utf-8")
    lines = text.splitlines()
    # Row 3 (1002): Leadership's banked score is off the scale; no other factor may be missing.
    lines[2] = lines[2].replace(",1.50,", ",5,", 1)
    (inputs / "roster.csv").write_text("\n".join(lines) + "\n", "utf-8")
    ok(capsys, "cohort", "init", db, "--name", "2026-27")
    code, _, err = run(capsys, "cohort", "import", db, inputs / "roster.csv", inputs / "documents")
    assert code == 2
    assert "row 3, column banked_leadership: 5 is not within the scale (0.75 to 4.25)" in err
    with CohortFile.open(db) as cohort, cohort.reading() as s:
        assert s.query(Candidate).count() == 0  # nothing half-applied


def _roster_without_retakes(roster: Path, cohort: str) -> None:
    with roster.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    for row in rows:
        row["cohort"], row["retake_factors"] = cohort, ""
    with roster.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def _last_cycle(capsys: pytest.CaptureFixture[str], root: Path) -> tuple[Path, Path]:
    """Last cycle, 2025-26: three candidates read and released; 1001 not certified (Data)."""
    inputs, last = root / "last-in", root / "2025-26.icgcohort"
    ok(capsys, "cohort", "demo", inputs, "--candidates", 3, "--scorers", 3)
    _roster_without_retakes(inputs / "roster.csv", "2025-26")
    ok(capsys, "cohort", "init", last, "--name", "2025-26")
    ok(capsys, "cohort", "import", last, inputs / "roster.csv", inputs / "documents")
    ok(capsys, "cohort", "scorers", last, inputs / "scorers.csv")
    ok(capsys, "cohort", "assign", last, "--seed", 1)
    ok(capsys, "cohort", "batches", last, root / "last-out")
    batches = sorted((root / "last-out").glob("*.icgbatch"))
    with CohortFile.open(last) as cohort, cohort.reading() as s:
        codes = {c.code: c.candidate_id for c in s.query(Candidate)}
    for path in batches:
        with BatchFile.open(path) as batch:
            work = BatchWork(batch)
            for p in work.portfolios():
                cid = codes[p.candidate_code]
                for key in KEYS:
                    low = cid == "1001" and key == "data"
                    work.set_score(p.id, key, F(5, 4) if low else F(3))
                work.mark_complete(p.id)
    ok(capsys, "cohort", "merge", last, *batches)
    ok(capsys, "cohort", "release", last)
    ok(capsys, "cohort", "summary", last, root / "2025-26 results.xlsx")
    return last, root / "2025-26 results.xlsx"


@pytest.mark.parametrize("source", ["cohort file", "workbook"])
def test_cohort_bank_from_last_cycles_results(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, source: str
) -> None:
    last, book = _last_cycle(capsys, tmp_path)
    inputs, db = tmp_path / "in", tmp_path / "2026-27.icgcohort"
    ok(capsys, "cohort", "demo", inputs, "--candidates", 3, "--scorers", 3)
    _roster_without_retakes(inputs / "roster.csv", "2026-27")
    ok(capsys, "cohort", "init", db, "--name", "2026-27")
    ok(capsys, "cohort", "import", db, inputs / "roster.csv", inputs / "documents")
    said = ok(capsys, "cohort", "bank", db, last if source == "cohort file" else book)
    assert "Banked the scores of 1 retake candidates" in said
    assert "(cycle 2025-26)" in said
    assert "left out 1002: not a retake" in said
    data = json.loads(ok(capsys, "cohort", "results", db, "--json"))
    first = {r["candidate_id"]: r for r in data["results"]}["1001"]
    assert first["retaken"] == ["data"]  # last cycle's factor below the floor
    assert first["banked"]["data"]["score"] == "1.25"
    assert first["banked"]["impact_cycle"] == {"score": "3.00", "cycle": "2025-26", "stands": True}
    assert first["reads_needed"] == 2


def test_cohort_bank_refuses_a_bad_workbook_naming_the_row(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    last, book = _last_cycle(capsys, tmp_path)
    workbook = load_workbook(book)
    sheet = workbook["Results"]
    head = [c.value for c in sheet[1]]
    sheet.cell(row=3, column=head.index("Data") + 1).value = "lots"
    bad = tmp_path / "edited.xlsx"
    workbook.save(bad)
    inputs, db = tmp_path / "in", tmp_path / "2026-27.icgcohort"
    ok(capsys, "cohort", "demo", inputs, "--candidates", 3, "--scorers", 3)
    ok(capsys, "cohort", "init", db, "--name", "2026-27")
    ok(capsys, "cohort", "import", db, inputs / "roster.csv", inputs / "documents")
    code, out, err = run(capsys, "cohort", "bank", db, bad)
    assert code == 2
    assert f"{bad.name}, row 3, column Data: 'lots' is not a score; a banked score is" in err
    assert "or a number from 0.75 to 4.25" in err
    with CohortFile.open(db) as cohort, cohort.reading() as s:
        assert s.query(BankedScore).count() == 0  # nothing half-applied
    # Neither a cohort file nor a workbook; and a workbook of results not released.
    code, _, err = run(capsys, "cohort", "bank", db, inputs / "roster.csv")
    assert code == 2
    assert "is neither a cohort file (.icgcohort) nor its summary workbook" in err
    empty = Workbook()
    empty.active.title = "Overview"
    empty.active.append(["Field", "Value"])
    empty.active.append(["Cohort", "2025-26"])
    empty.active.append(["Released at", "Not released — provisional"])
    results = empty.create_sheet("Results")
    results.append(["Candidate id", *NAMES.values(), "Decision", "Retake factors"])
    empty.save(tmp_path / "provisional.xlsx")
    code, _, err = run(capsys, "cohort", "bank", db, tmp_path / "provisional.xlsx")
    assert code == 2
    assert "its results are not released" in err


@pytest.mark.parametrize(
    ("retakes", "cycle", "given", "problem"),
    [
        ([], "2025-26", {"data": "1.5"}, ("retake_factors", "no factor to retake is named")),
        (["data"], "", {k: "3" for k in KEYS}, ("banked_cycle", "not the cycle they are from")),
        (["data"], "2026-27", {k: "3" for k in KEYS}, ("banked_cycle", "is this cohort")),
        (["data"], "2025-26", {"impact_cycle": "3"}, (None, "none for Instructional Playbook")),
        (
            ["data"],
            "2025-26",
            {k: "3" for k in KEYS} | {"leadership": "1-"},
            ("banked_leadership", "Leadership was 0.75, below the factor floor 1.75"),
        ),
        (
            ["data"],
            "2025-26",
            {k: "3" for k in KEYS} | {"playbook": "4.5"},
            ("banked_playbook", "4.5 is not within the scale (0.75 to 4.25)"),
        ),  # fmt: skip
        ([], "2025-26", {}, ("banked_cycle", "a cycle is given but no banked score")),
    ],
)
def test_banked_scores_are_checked_whole(retakes, cycle, given, problem) -> None:
    from icg_desk.models.banking import check_banked

    scores, problems = check_banked(RUBRIC, "2026-27", retakes, cycle, given)
    column, words = problem
    assert any(c == column and words in m for c, m in problems), problems


def test_banked_scores_that_are_whole_are_taken_exactly() -> None:
    from icg_desk.models.banking import check_banked

    given = {k: "3" for k in KEYS} | {"data": "1.875", "impact_cycle": "3+"}
    scores, problems = check_banked(RUBRIC, "2026-27", ["data"], "2025-26", given)
    assert problems == []
    assert scores["data"] == F("1.875")  # a mean of reads: not on the scale, kept exactly
    assert scores["impact_cycle"] == F("3.25")
    assert check_banked(RUBRIC, "2026-27", [], "", {}) == ({}, [])  # a first submission


def test_the_coordinator_window_banks_retake_scores(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, qtbot, monkeypatch
) -> None:
    from PySide6.QtCore import QSettings

    from icg_desk.ui.coordinator_window import CoordinatorWindow
    from icg_desk.ui.tasks import SyncTaskRunner

    last, _book = _last_cycle(capsys, tmp_path)
    inputs, db = tmp_path / "in", tmp_path / "2026-27.icgcohort"
    ok(capsys, "cohort", "demo", inputs, "--candidates", 3, "--scorers", 3)
    _roster_without_retakes(inputs / "roster.csv", "2026-27")
    ok(capsys, "cohort", "init", db, "--name", "2026-27")
    ok(capsys, "cohort", "import", db, inputs / "roster.csv", inputs / "documents")
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    window = CoordinatorWindow(settings, runner=SyncTaskRunner)
    qtbot.addWidget(window)
    assert window.open_cohort(db)
    said: list[tuple[str, str]] = []
    monkeypatch.setattr(window, "inform", lambda title, text: said.append((title, text)))
    assert window.bank_action.shortcut().toString() == "Ctrl+Shift+B"
    assert window.bank_retakes(last).value
    assert said[0][0] == "Bank retake scores"
    assert "Banked the scores of 1 retake candidates from 2025-26.icgcohort" in said[0][1]
    model = window.dashboard.results_model
    banked = {model.text(n, ResultsModel.ID): model.text(n, ResultsModel.BANKED) for n in range(3)}
    assert banked["1001"] == (  # Data is retaken: to be read anew; the others banked
        "New: Data; banked (2025-26): Impact Cycle, Instructional Playbook, Communication, "
        "Working with Adults, Leadership, System Support"
    )
    assert banked["1002"] == ""
