"""A whole cohort from the command line, as docs/coordinator.md walks it: roster to printed reports.

Three scorers and twelve candidates: a sample roster with .txt, .md and .docx documents, import,
assignment, batches out, scored (one scorer through the workstation's own models, the others
filled as if scored), merged back as batches and as a summary workbook, results, release,
reports with names and the coordinator's workbook.
"""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import pytest
from openpyxl import load_workbook

from icg_desk.cli import main
from icg_desk.export.summary_xlsx import write_batch_summary
from icg_desk.models.batch_file import BatchFile
from icg_desk.operations.batch_work import BatchWork


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


def score_by_hand(path: Path) -> None:
    """What a scorer does in the workstation, through the same models layer."""
    with BatchFile.open(path) as batch:
        work = BatchWork(batch)
        keys = batch.rubric.factor_keys
        for i, p in enumerate(work.portfolios()):
            for n, key in enumerate(keys):
                work.set_score(p.id, key, Fraction(3) if (i + n) % 3 else Fraction(13, 4))
            work.set_rationale(p.id, keys[0], "=cmd|' /C calc'!A0 is text, not a formula")
            work.mark_complete(p.id)


def test_a_cohort_from_roster_to_printed_reports(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    inputs, db = tmp_path / "inputs", tmp_path / "2026-27.icgcohort"
    out = ok(capsys, "cohort", "demo", inputs, "--candidates", 12, "--scorers", 3)
    assert "12 candidates" in out
    assert {p.suffix for p in (inputs / "documents").iterdir()} == {".txt", ".md", ".docx"}

    ok(capsys, "cohort", "init", db, "--name", "2026-27")
    assert "Imported 12 candidates" in ok(
        capsys, "cohort", "import", db, inputs / "roster.csv", inputs / "documents"
    )
    ok(capsys, "cohort", "scorers", db, inputs / "scorers.csv")
    assert "Assigned 24 reads" in ok(capsys, "cohort", "assign", db, "--seed", 7)
    ok(capsys, "cohort", "batches", db, tmp_path / "out")
    batches = sorted((tmp_path / "out").glob("*.icgbatch"))
    assert len(batches) == 3

    # Before anything comes back: every read missing, nothing to release.
    data = json.loads(ok(capsys, "cohort", "results", db, "--json"))
    assert data["reads_missing"] == 24
    assert data["incomplete"] == 12
    code, _, err = run(capsys, "cohort", "release", db)
    assert code == 2
    assert "12 candidates are still waiting for reads" in err

    # One scorer scores by hand and sends the summary workbook; the others send their batches.
    score_by_hand(batches[0])
    with BatchFile.open(batches[0]) as batch:
        write_batch_summary(batch, tmp_path / "returned-summary.xlsx")
    ok(capsys, "cohort", "demo", "--score", *batches[1:])
    report = ok(capsys, "cohort", "merge", db, tmp_path / "returned-summary.xlsx", *batches[1:])
    assert "3 files: 3 accepted" in report, report
    # The first scorer's batch as well: the same scores as the summary, and the rationales a
    # summary does not carry; sent twice, the second time changes nothing.
    again = ok(capsys, "cohort", "merge", db, batches[0])
    assert "0 changed (batch); 8 rationales changed" in again, again
    assert "1 file: 1 unchanged" in ok(capsys, "cohort", "merge", db, batches[0])

    status = json.loads(ok(capsys, "cohort", "status", db, "--json"))
    assert status["reads_returned"] == 24
    assert status["files_merged"] == 4
    data = json.loads(ok(capsys, "cohort", "results", db, "--json"))
    assert data["reads_missing"] == 0
    assert data["incomplete"] == 0
    # Every read is in; the made-up reads disagree now and then (candidate codes are random, so
    # which and how many differs from run to run), and each flag holds its candidate back until
    # it is accepted (or adjudicated).
    flagged = json.loads(ok(capsys, "cohort", "flags", db, "--json"))
    open_flags = [
        (c["code"], f["factor"]) for c in flagged["candidates"] for f in c["flags"]
        if f["state"] == "open"
    ]  # fmt: skip
    assert flagged["open"] == len(open_flags) == data["flags_open"]
    held = {c["code"] for c in flagged["candidates"]}
    assert data["waiting"] == len(held)
    assert data["certified"] + data["not_certified"] == 12 - len(held)
    if open_flags:
        code, _, err = run(capsys, "cohort", "release", db)
        assert code == 2
        assert f"{len(open_flags)} flags are open" in err or "1 flag is open" in err
        assert all(code_ in err for code_, _ in open_flags)
    for code_, factor in open_flags:
        extra = ["--factor", factor] if factor else []
        said = ok(capsys, "cohort", "accept", db, code_, *extra, "--reason", "Read again: fair")
        assert said.startswith("Accepted"), said
    data = json.loads(ok(capsys, "cohort", "results", db, "--json"))
    assert data["certified"] + data["not_certified"] == 12
    assert data["flags_open"] == 0 == data["waiting"]
    for result in data["results"]:
        assert result["reads_in"] == 2
        assert all(len(v) == 4 and v[1] == "." for v in result["factors"].values())

    # Previews before release; then release, which locks; then the candidates' reports.
    code, _, err = run(capsys, "cohort", "reports", db, tmp_path / "reports")
    assert code == 2
    assert "release" in err
    ok(capsys, "cohort", "reports", db, tmp_path / "previews", "--preview")
    assert "now locked" in ok(capsys, "cohort", "release", db)
    code, _, err = run(capsys, "cohort", "merge", db, batches[1])
    assert code == 2
    ok(capsys, "cohort", "reports", db, tmp_path / "reports")
    pdfs = sorted((tmp_path / "reports").glob("*.pdf"))
    assert len(pdfs) == 13  # twelve candidates and the combined file
    names = {r["name"] for r in data["results"]}
    assert sum(any(name in p.name for name in names) for p in pdfs) == 12
    assert all(p.read_bytes().startswith(b"%PDF") for p in pdfs)

    ok(capsys, "cohort", "summary", db, tmp_path / "cohort.xlsx")
    workbook = load_workbook(tmp_path / "cohort.xlsx", read_only=True)
    assert {"Overview", "Results", "Reads"} <= set(workbook.sheetnames)
    workbook.close()


def test_cohort_commands_name_what_is_wrong_and_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    not_a_cohort = tmp_path / "notes.icgcohort"
    not_a_cohort.write_text("hello")
    before = not_a_cohort.read_bytes()
    for argv in (
        ("cohort", "results", not_a_cohort),
        ("cohort", "release", not_a_cohort),
        ("cohort", "open", tmp_path / "missing.icgcohort"),
        ("cohort", "summary", not_a_cohort, tmp_path / "x.csv"),
        ("cohort", "demo", "--candidates", "0", tmp_path / "d"),
    ):
        code, _, err = run(capsys, *argv)
        assert code == 2, argv
        assert err.strip(), argv
    assert not_a_cohort.read_bytes() == before
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("")
    code, _, err = run(capsys, "cohort", "demo", tmp_path / "full")
    assert code == 2
    assert "not empty" in err
