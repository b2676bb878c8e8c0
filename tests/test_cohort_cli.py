"""A cohort from the command line: roster to batches out and scores merged back."""

from __future__ import annotations

import csv
import json
from fractions import Fraction as F
from pathlib import Path

import pytest

from icg_desk.cli import main
from icg_desk.models.batch_file import BatchFile
from icg_desk.models.batch_work import BatchWork

ORGS = ["Lincoln USD", "Harbor ISD", "Mesa Schools", "Pine County"]


def run(capsys, *argv: object) -> tuple[int, str, str]:
    try:
        code = main([str(a) for a in argv])
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def write_roster(folder: Path, count: int, *, bad_link_row: int | None = None) -> tuple[Path, Path]:
    docs = folder / "docs"
    docs.mkdir(parents=True, exist_ok=True)
    roster = folder / "roster.csv"
    with roster.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(
            [
                "candidate_id",
                "name",
                "email",
                "organisation",
                "cohort",
                "retake_factors",
                "entry1_videos",
            ]
        )
        for i in range(1, count + 1):
            link = "http://vimeo.com/1" if i == bad_link_row else "https://youtu.be/a"
            writer.writerow(
                [
                    f"K{i:03d}",
                    f"Candidate {i}",
                    f"k{i}@example.org",
                    ORGS[i % len(ORGS)],
                    "2026-27",
                    "",
                    f"Goal | {link}; Review | https://youtu.be/b{i}",
                ]
            )
            (docs / f"K{i:03d}_entry1.txt").write_text(f"Impact Cycle of candidate {i}.")
            (docs / f"K{i:03d}_entry2.md").write_text(f"Letter and surveys of candidate {i}.")
    return roster, docs


def write_scorers(path: Path) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["scorer_id", "name", "email", "organisation", "conflicts"])
        writer.writerow(["S-1", "Ana Reyes", "ana@example.org", "Lincoln USD", ""])
        writer.writerow(["S-2", "Ben Okafor", "ben@example.org", "", "K002"])
        writer.writerow(["S-3", "Chen Li", "chen@example.org", "Elsewhere", ""])
    return path


@pytest.fixture
def cohort(capsys, tmp_path) -> Path:
    db = tmp_path / "c.icgcohort"
    assert run(capsys, "cohort", "init", db, "--name", "2026-27")[0] == 0
    return db


def status(capsys, db: Path) -> dict:
    code, out, _ = run(capsys, "cohort", "status", db, "--json")
    assert code == 0
    return json.loads(out)


def test_a_cohort_from_roster_to_merged_scores(capsys, cohort, tmp_path):
    code, out, _ = run(capsys, "cohort", "template", tmp_path / "template.xlsx")
    assert code == 0 and (tmp_path / "template.xlsx").is_file()

    roster, docs = write_roster(tmp_path, 12)
    code, out, _ = run(capsys, "cohort", "import", cohort, roster, docs)
    assert code == 0 and "Imported 12 candidates" in out
    code, out, _ = run(capsys, "cohort", "scorers", cohort, write_scorers(tmp_path / "s.csv"))
    assert code == 0 and "Imported 3 scorers" in out

    code, out, _ = run(capsys, "cohort", "assign", cohort, "--seed", "7")
    assert code == 0 and "Assigned 24 reads" in out
    code, out, _ = run(capsys, "cohort", "batches", cohort, tmp_path / "out")
    assert code == 0 and "Wrote 3 batches" in out
    batches = sorted((tmp_path / "out").glob("*.icgbatch"))
    assert len(batches) == 3
    assert status(capsys, cohort)["reads_sent"] == 24

    for path in batches:  # each scorer scores their batch
        with BatchFile.open(path) as batch:
            work = BatchWork(batch)
            for p in work.portfolios():
                for key in work.rubric.factor_keys:
                    work.set_score(p.id, key, F(3))
    code, out, _ = run(capsys, "cohort", "merge", cohort, *batches)
    assert code == 0 and "3 files: 3 accepted" in out
    code, out, _ = run(capsys, "cohort", "merge", cohort, *batches)
    assert code == 0 and "3 unchanged" in out

    now = status(capsys, cohort)
    assert (now["candidates"], now["reads_needed"], now["reads_returned"]) == (12, 24, 24)
    assert now["files_merged"] == 3
    assert sorted(p["scorer_id"] for p in now["per_scorer"]) == ["S-1", "S-2", "S-3"]


def test_a_roster_with_a_bad_row_imports_nothing_and_says_where(capsys, cohort, tmp_path):
    roster, docs = write_roster(tmp_path, 5, bad_link_row=3)
    code, _, err = run(capsys, "cohort", "import", cohort, roster, docs)
    assert code == 2
    assert "roster.csv, row 4, column entry1_videos" in err and "vimeo" in err
    assert status(capsys, cohort)["candidates"] == 0
    code, out, _ = run(capsys, "cohort", "import", cohort, roster, docs, "--valid-only")
    assert code == 0 and "Imported 4 candidates; skipped 1" in out


def test_merging_a_stranger_file_exits_2_with_the_report(capsys, cohort, tmp_path):
    stranger = tmp_path / "notes.icgbatch"
    stranger.write_text("not a batch")
    code, out, err = run(capsys, "cohort", "merge", cohort, stranger)
    assert code == 2 and "rejected" in out and "1 of 1 files rejected" in err
    assert stranger.read_text() == "not a batch"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["cohort", "status", "{tmp}/none.icgcohort"], "no such file"),
        (["cohort", "init", "{db}", "--name", "x"], "already exists"),
        (["cohort", "assign", "{db}"], "candidate"),  # no scorers yet: nobody eligible
        (["cohort", "merge", "{db}", "{tmp}/missing.icgbatch"], "missing.icgbatch: no such file"),
    ],
)
def test_bad_cohort_commands_exit_2(capsys, cohort, tmp_path, argv, message):
    roster, docs = write_roster(tmp_path, 2)
    run(capsys, "cohort", "import", cohort, roster, docs)
    code, _, err = run(capsys, *(a.format(tmp=tmp_path, db=cohort) for a in argv))
    assert code == 2 and message in err and "Traceback" not in err
