"""A cohort from the command line: roster to batches out and scores merged back."""

from __future__ import annotations

import csv
import json
from fractions import Fraction as F
from pathlib import Path

import pytest

from icg_desk.cli import main
from icg_desk.models.batch_file import BatchFile
from icg_desk.operations.batch_work import BatchWork

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
    assert code == 0
    assert (tmp_path / "template.xlsx").is_file()

    roster, docs = write_roster(tmp_path, 12)
    code, out, _ = run(capsys, "cohort", "import", cohort, roster, docs)
    assert code == 0
    assert "Imported 12 candidates" in out
    code, out, _ = run(capsys, "cohort", "scorers", cohort, write_scorers(tmp_path / "s.csv"))
    assert code == 0
    assert "Imported 3 scorers" in out

    code, out, _ = run(capsys, "cohort", "assign", cohort, "--seed", "7")
    assert code == 0
    assert "Assigned 24 reads" in out
    code, out, _ = run(capsys, "cohort", "batches", cohort, tmp_path / "out")
    assert code == 0
    assert "Wrote 3 batches" in out
    batches = sorted((tmp_path / "out").glob("*.icgbatch"))
    assert len(batches) == 3
    assert status(capsys, cohort)["reads_sent"] == 24
    code, out, _ = run(capsys, "cohort", "batches", cohort, tmp_path / "again")
    assert code == 0
    assert out.startswith("Nothing to send")
    assert not (tmp_path / "again").exists()

    for path in batches:  # each scorer scores their batch
        with BatchFile.open(path) as batch:
            work = BatchWork(batch)
            for p in work.portfolios():
                for key in work.rubric.factor_keys:
                    work.set_score(p.id, key, F(3))
    code, out, _ = run(capsys, "cohort", "merge", cohort, *batches)
    assert code == 0
    assert "3 files: 3 accepted" in out
    code, out, _ = run(capsys, "cohort", "merge", cohort, *batches)
    assert code == 0
    assert "3 unchanged" in out

    now = status(capsys, cohort)
    assert (now["candidates"], now["reads_needed"], now["reads_returned"]) == (12, 24, 24)
    assert now["files_merged"] == 3
    assert sorted(p["scorer_id"] for p in now["per_scorer"]) == ["S-1", "S-2", "S-3"]


def test_a_roster_with_a_bad_row_imports_nothing_and_says_where(capsys, cohort, tmp_path):
    roster, docs = write_roster(tmp_path, 5, bad_link_row=3)
    code, _, err = run(capsys, "cohort", "import", cohort, roster, docs)
    assert code == 2
    assert "roster.csv, row 4, column entry1_videos" in err
    assert "vimeo" in err
    assert status(capsys, cohort)["candidates"] == 0
    code, out, _ = run(capsys, "cohort", "import", cohort, roster, docs, "--valid-only")
    assert code == 0
    assert "Imported 4 candidates; skipped 1" in out


def test_merging_a_stranger_file_exits_2_with_the_report(capsys, cohort, tmp_path):
    stranger = tmp_path / "notes.icgbatch"
    stranger.write_text("not a batch")
    code, out, err = run(capsys, "cohort", "merge", cohort, stranger)
    assert code == 2
    assert "rejected" in out
    assert err.strip().endswith("1 of 1 file rejected (left out whole); nothing was merged")
    assert stranger.read_text() == "not a batch"
    # A file named that does not exist stops it before anything is merged.
    code, out, err = run(capsys, "cohort", "merge", cohort, stranger, tmp_path / "gone.xlsx")
    assert code == 2
    assert out == ""
    assert "gone.xlsx: no such file; nothing merged" in err
    assert status(capsys, cohort)["files_rejected"] == 1


def test_a_pattern_that_matches_nothing_is_a_note_and_the_rest_is_merged(capsys, cohort, tmp_path):
    roster, docs = write_roster(tmp_path, 4)
    run(capsys, "cohort", "import", cohort, roster, docs)
    run(capsys, "cohort", "scorers", cohort, write_scorers(tmp_path / "s.csv"))
    run(capsys, "cohort", "assign", cohort, "--seed", "3")
    run(capsys, "cohort", "batches", cohort, tmp_path / "returned")
    batches = sorted((tmp_path / "returned").glob("*.icgbatch"))
    for path in batches:
        with BatchFile.open(path) as batch:
            work = BatchWork(batch)
            for p in work.portfolios():
                for key in work.rubric.factor_keys:
                    work.set_score(p.id, key, F(3))
    # The README's example, as a shell leaves it when scorers sent batches only.
    code, out, err = run(
        capsys,
        "cohort",
        "merge",
        cohort,
        tmp_path / "returned/*.icgbatch",  # expanded here too, as Windows shells do not
        tmp_path / "returned/*.xlsx",
    )
    assert code == 0, err
    assert f"Note: {tmp_path / 'returned/*.xlsx'} matched no file; merging the others" in err
    assert f"{len(batches)} files: {len(batches)} accepted" in out
    assert status(capsys, cohort)["reads_returned"] == 8

    # Nothing at all to merge: still a stop, saying so.
    code, out, err = run(
        capsys, "cohort", "merge", cohort, tmp_path / "back/*.icgbatch", tmp_path / "back/*.xlsx"
    )
    assert code == 2
    assert out == ""
    assert "no file to merge:" in err
    assert "back/*.icgbatch or " in err
    assert "matched no file; nothing merged" in err
    # A folder is not a file: said plainly.
    code, _, err = run(capsys, "cohort", "merge", cohort, tmp_path / "returned")
    assert code == 2
    assert "is a folder; give the files in it" in err
    assert status(capsys, cohort)["files_merged"] == len(batches)


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
    assert code == 2
    assert message in err
    assert "Traceback" not in err


def _reads(db: Path) -> set[tuple[str, str, str | None]]:
    from sqlalchemy import select

    from icg_desk.models.cohort_file import CohortFile
    from icg_desk.models.cohort_schema import Assignment

    with CohortFile.open(db) as cohort, cohort.reading() as session:
        return {
            (a.candidate.candidate_id, a.scorer.scorer_id, a.batch_id)
            for a in session.scalars(select(Assignment))
        }


def test_assigning_again_with_another_seed_keeps_the_plan_and_says_so(capsys, cohort, tmp_path):
    roster, docs = write_roster(tmp_path, 12)
    run(capsys, "cohort", "import", cohort, roster, docs)
    run(capsys, "cohort", "scorers", cohort, write_scorers(tmp_path / "s.csv"))
    code, out, _ = run(capsys, "cohort", "assign", cohort, "--seed", "8")
    assert code == 0
    assert "Assigned 24 reads (seed 8)" in out
    planned = _reads(cohort)

    code, out, _ = run(capsys, "cohort", "assign", cohort, "--seed", "7")
    assert code == 0
    assert "Already assigned: 24 reads kept" in out
    assert "nothing changed" in out
    assert "Assigned" not in out
    assert _reads(cohort) == planned

    # After the batches are sent, just the same.
    assert run(capsys, "cohort", "batches", cohort, tmp_path / "out")[0] == 0
    sent = _reads(cohort)
    code, out, _ = run(capsys, "cohort", "assign", cohort, "--seed", "9")
    assert code == 0
    assert "Already assigned: 24 reads kept" in out
    assert "Assigned" not in out
    assert _reads(cohort) == sent


def test_assigning_more_reads_says_how_many_were_added_and_kept(capsys, cohort, tmp_path):
    roster, docs = write_roster(tmp_path, 12)
    run(capsys, "cohort", "import", cohort, roster, docs)
    run(capsys, "cohort", "scorers", cohort, write_scorers(tmp_path / "s.csv"))
    code, out, _ = run(capsys, "cohort", "assign", cohort, "--seed", "8", "--reads", "1")
    assert code == 0
    assert "Assigned 12 reads (seed 8)" in out
    code, out, _ = run(capsys, "cohort", "assign", cohort, "--seed", "7")
    assert code == 0
    assert "Assigned 12 new reads (seed 7); kept the 12 already assigned" in out
    assert len(_reads(cohort)) == 24


def test_batches_after_more_reads_get_new_names_in_the_same_folder(capsys, cohort, tmp_path):
    roster, docs = write_roster(tmp_path, 6)
    scorers = write_scorers(tmp_path / "s.csv")
    with scorers.open("a", newline="", encoding="utf-8") as f:  # a 4th: 3 reads for everyone
        csv.writer(f).writerow(["S-4", "Dee Four", "dee@example.org", "Far Away", ""])
    run(capsys, "cohort", "import", cohort, roster, docs)
    run(capsys, "cohort", "scorers", cohort, scorers)
    run(capsys, "cohort", "assign", cohort, "--seed", "8")
    out_dir = tmp_path / "outgoing"
    assert run(capsys, "cohort", "batches", cohort, out_dir)[0] == 0
    first = {p.name for p in out_dir.iterdir()}
    code, out, _ = run(capsys, "cohort", "assign", cohort, "--seed", "8", "--reads", "3")
    assert code == 0, out
    code, out, err = run(capsys, "cohort", "batches", cohort, out_dir)
    assert (code, err) == (0, "")
    second = {p.name for p in out_dir.iterdir()} - first
    assert second  # every new batch is a new file; none of the first round's was touched
    assert len(first) + len(second) == len(list(out_dir.iterdir()))
    for name in second:
        scorer = name.removeprefix("2026-27-").split("-batch")[0].removesuffix(".icgbatch")
        had_one = f"2026-27-{scorer}.icgbatch" in first
        assert name == f"2026-27-{scorer}" + ("-batch2" if had_one else "") + ".icgbatch"
    assert status(capsys, cohort)["reads_sent"] == 18

    # A folder holding a file of the name a batch would take: refused, nothing written.
    run(capsys, "cohort", "assign", cohort, "--reads", "3")  # nothing new: adds nothing
    taken = tmp_path / "taken"
    taken.mkdir()
    (taken / "2026-27-S-1.icgbatch").write_text("another cohort's batch")
    other = tmp_path / "c2.icgcohort"
    run(capsys, "cohort", "init", other, "--name", "2026-27")
    run(capsys, "cohort", "import", other, roster, docs)
    run(capsys, "cohort", "scorers", other, scorers)
    run(capsys, "cohort", "assign", other)
    code, _, err = run(capsys, "cohort", "batches", other, taken)
    assert code == 2
    assert "2026-27-S-1.icgbatch already exists" in err
    assert "choose another folder" in err
    assert [p.name for p in taken.iterdir()] == ["2026-27-S-1.icgbatch"]


def test_results_text_names_factors_and_json_keeps_their_keys(capsys, cohort, tmp_path):
    roster, docs = write_roster(tmp_path, 3)
    run(capsys, "cohort", "import", cohort, roster, docs)
    run(capsys, "cohort", "scorers", cohort, write_scorers(tmp_path / "s.csv"))
    run(capsys, "cohort", "assign", cohort, "--seed", "4")
    run(capsys, "cohort", "batches", cohort, tmp_path / "out")
    batches = sorted((tmp_path / "out").glob("*.icgbatch"))
    for n, path in enumerate(batches):  # the first scorer reads Impact Cycle 1, the others 4
        with BatchFile.open(path) as batch:
            work = BatchWork(batch)
            for p in work.portfolios():
                for key in work.rubric.factor_keys:
                    low = n == 0 and key == "impact_cycle"
                    work.set_score(
                        p.id, key, F(1) if low else F(4) if key == "impact_cycle" else F(3)
                    )
    assert run(capsys, "cohort", "merge", cohort, *batches)[0] == 0
    code, out, _ = run(capsys, "cohort", "results", cohort)
    assert code == 0
    flagged = [line for line in out.splitlines() if "discrepancy" in line]
    assert flagged
    assert all(line.strip() == "flag: Impact Cycle: discrepancy, open" for line in flagged)
    assert "impact_cycle" not in out
    code, out, _ = run(capsys, "cohort", "results", cohort, "--json")
    data = json.loads(out)
    assert sum(c["discrepant"] == ["impact_cycle"] for c in data["results"]) == len(flagged)


@pytest.fixture(scope="module")
def demo_master(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small demo cohort with every read merged, not released; copied by `demo_cohort`."""
    from icg_desk.demo.cohort import build_demo_cohort

    return build_demo_cohort(
        tmp_path_factory.mktemp("demo"), candidates=4, scorers=3, words_per_entry=30
    )


@pytest.fixture
def demo_cohort(demo_master: Path, tmp_path: Path) -> Path:
    import shutil

    folder = tmp_path / "demo"
    shutil.copytree(demo_master.parent, folder)
    return folder / demo_master.name


def _release(db: Path) -> None:
    from icg_desk.models.cohort_file import CohortFile
    from icg_desk.models.cohort_results import release_results

    with CohortFile.open(db) as cohort:
        release_results(cohort)


def test_importing_after_release_says_only_that_the_results_are_locked(
    capsys, demo_cohort, tmp_path
):
    _release(demo_cohort)
    roster, docs = write_roster(tmp_path, 3, bad_link_row=2)  # a fixable problem too
    for argv in (
        ("import", demo_cohort, roster, docs),
        ("import", demo_cohort, roster, docs, "--valid-only"),
        ("scorers", demo_cohort, write_scorers(tmp_path / "s.csv")),
    ):
        code, out, err = run(capsys, "cohort", *argv)
        assert code == 2, argv
        assert "released" in err, err
        assert "locked" in err, err
        assert "nothing imported" in err, err
        assert "fix these" not in err
        assert "--valid-only" not in err
        assert "vimeo" not in err
        assert len(err.strip().splitlines()) == 1, err
    assert status(capsys, demo_cohort)["candidates"] == 4


def test_preview_reports_are_counted_without_the_combined_file(capsys, demo_cohort, tmp_path):
    code, out, _ = run(capsys, "cohort", "reports", demo_cohort, tmp_path / "p", "--preview")
    assert code == 0
    assert out.splitlines() == [
        f"Wrote 4 preview reports to {tmp_path / 'p'}",
        "  and all of them in one file: 2026-27 score reports (preview).pdf",
    ]
    assert len(list((tmp_path / "p").glob("*(preview).pdf"))) == 5


def test_refused_reports_and_batches_make_no_folder(capsys, demo_cohort, tmp_path):
    code, _, err = run(capsys, "cohort", "reports", demo_cohort, tmp_path / "early")
    assert code == 2
    assert "not released yet" in err
    assert not (tmp_path / "early").exists()

    _release(demo_cohort)
    code, _, err = run(capsys, "cohort", "batches", demo_cohort, tmp_path / "out")
    assert code == 2
    assert "locked" in err
    assert not (tmp_path / "out").exists()

    # After release there is nothing to preview: --preview is refused, not quietly final.
    code, out, err = run(capsys, "cohort", "reports", demo_cohort, tmp_path / "p", "--preview")
    assert code == 2
    assert out == ""
    assert "released" in err
    assert "without --preview" in err
    assert not (tmp_path / "p").exists()

    code, out, _ = run(capsys, "cohort", "reports", demo_cohort, tmp_path / "final")
    assert code == 0
    assert f"Wrote 4 score reports to {tmp_path / 'final'}" in out
    assert len(list((tmp_path / "final").glob("*.pdf"))) == 5


def test_ctrl_c_while_reports_print_stops_the_workers_and_says_so(
    capsys, demo_cohort, tmp_path, monkeypatch
):
    import multiprocessing

    from icg_desk import cli_cohort
    from icg_desk.cli_common import ProgressBar
    from icg_desk.export.report_pool import WORKERS_ENV

    class Interrupted(ProgressBar):
        """Ctrl+C arrives once the first report is written."""

        def __call__(self, done: int, total: int) -> bool:
            if done >= 1:
                raise KeyboardInterrupt
            return super().__call__(done, total)

    monkeypatch.setattr(cli_cohort, "ProgressBar", Interrupted)
    monkeypatch.setenv(WORKERS_ENV, "2")
    _release(demo_cohort)
    out = tmp_path / "final"
    code, _, err = run(capsys, "cohort", "reports", demo_cohort, out)
    assert code == 130
    assert "Stopped (Ctrl+C)" in err
    assert "Traceback" not in err
    written = sorted(out.iterdir())
    assert 1 <= len(written) < 4  # whole reports only: no combined file, no temporary file
    assert all(p.suffix == ".pdf" and "score reports" not in p.name for p in written)
    assert multiprocessing.active_children() == []


def test_reports_help_says_preview_is_refused_after_release(capsys):
    code, out, _ = run(capsys, "cohort", "reports", "--help")
    assert code == 0
    text = " ".join(out.split())
    assert "before release: print previews" in text
    assert "refused (exit 2) once the results are released" in text
