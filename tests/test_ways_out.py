"""The ways out, from the command line: a read taken back, a candidate withdrawn, results
reopened; each audited (who, when, why) and each refused as it should be, with exit code 2."""

from __future__ import annotations

import json
import re
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select

from icg_desk.cli import main
from icg_desk.demo.cohort import build_demo_cohort, score_batch, write_demo_inputs
from icg_desk.models.assignment import _ineligibility
from icg_desk.models.batch_file import BatchFile
from icg_desk.models.cohort_file import CohortFile
from icg_desk.models.cohort_schema import Assignment, Candidate, CoordinatorEvent, Scorer
from icg_desk.models.schema import Portfolio


def run(capsys, *argv: object) -> tuple[int, str, str]:
    try:
        code = main([str(a) for a in argv])
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def results(capsys, db: Path) -> dict:
    code, out, err = run(capsys, "cohort", "results", db, "--json")
    assert code == 0, err
    return json.loads(out)


def by_code(capsys, db: Path) -> dict[str, dict]:
    return {c["code"]: c for c in results(capsys, db)["results"]}


# --- a read taken back -------------------------------------------------------------------


@pytest.fixture
def sent(capsys, tmp_path) -> tuple[Path, Path]:
    """Four candidates, three scorers, every read sent out and nothing returned yet."""
    inputs = write_demo_inputs(tmp_path / "in", candidates=4, scorers=3, words_per_entry=30)
    db = tmp_path / "c.icgcohort"
    for argv in (
        ("init", db, "--name", "2026-27"),
        ("import", db, inputs.roster, inputs.documents),
        ("scorers", db, inputs.scorers),
        ("assign", db, "--seed", "7"),
        ("batches", db, tmp_path / "out"),
    ):
        code, _, err = run(capsys, "cohort", *argv)
        assert code == 0, (argv, err)
    return db, tmp_path / "out"


def movable(db: Path) -> tuple[str, str, str, str]:
    """A read that may go to another scorer: (code, its scorer, an eligible scorer, a scorer
    who may not read it, or "")."""
    with CohortFile.open(db) as cohort, cohort.reading() as s:
        scorers = s.scalars(select(Scorer).order_by(Scorer.scorer_id)).all()
        for c in s.scalars(select(Candidate).order_by(Candidate.code)):
            readers = {a.scorer.scorer_id for a in c.assignments}
            others = [x for x in scorers if x.scorer_id not in readers]
            ok = [
                x.scorer_id
                for x in others
                if _ineligibility(c.candidate_id, c.organisation, x.organisation,
                                  frozenset(x.conflicts)) is None
            ]  # fmt: skip
            if ok:
                return c.code, sorted(readers)[0], ok[0], ""
    raise AssertionError("no read can move in the sample")


def batch_of(outdir: Path, scorer: str) -> Path:
    (path,) = [p for p in outdir.glob("*.icgbatch") if f"-{scorer}" in p.name]
    return path


def codes_in(path: Path) -> list[str]:
    with BatchFile.open(path) as batch, batch.reading() as s:
        return sorted(s.scalars(select(Portfolio.candidate_code)))


def test_a_sent_read_taken_back_goes_to_the_new_scorer_and_its_later_return_is_refused(
    capsys, sent, tmp_path
):
    db, out = sent
    code, old, new, _ = movable(db)
    old_batch = batch_of(out, old)
    assert code in codes_in(old_batch)
    rc, said, err = run(
        capsys, "cohort", "reassign", db, code, "--from", old, "--to", new,
        "--reason", "On leave until October", "--by", "Ana Ruiz",
    )  # fmt: skip
    assert rc == 0, err
    assert f"the read of {old} was taken back and given to {new} by Ana Ruiz" in said
    assert "A later return of it" in said

    # The new scorer gets it in their next batch; nobody else gets anything.
    rc, said, err = run(capsys, "cohort", "batches", db, tmp_path / "round2")
    assert rc == 0, err
    (second,) = (tmp_path / "round2").glob("*.icgbatch")
    assert f"-{new}" in second.name
    assert codes_in(second) == [code]

    # The old scorer returns their whole batch, the taken-back portfolio scored too: that one
    # is refused with the reason, the rest merges.
    score_batch(old_batch)
    rc, said, err = run(capsys, "cohort", "merge", db, old_batch)
    assert rc == 0, err
    today = datetime.now(UTC).strftime("%Y-%m-%d")
    assert "accepted" in said
    assert (
        f"refused for that portfolio: {code} was taken back from {old} on {today} and given "
        f"to {new}: On leave until October"
    ) in said
    now = by_code(capsys, db)
    assert now[code]["reads_in"] == 0  # the taken-back read did not count
    others = [c for c in codes_in(old_batch) if c != code]
    assert others
    assert all(now[c]["reads_in"] == 1 for c in others)

    # The new scorer's read counts.
    score_batch(second)
    rc, said, err = run(capsys, "cohort", "merge", db, second)
    assert rc == 0, err
    assert by_code(capsys, db)[code]["reads_in"] == 1

    rc, said, _ = run(capsys, "cohort", "log", db)
    assert rc == 0
    assert re.search(
        rf"UTC Ana Ruiz reassigned {code} \(\w+\) from {old} to {new}: On leave until October",
        said,
    )
    rc, said, _ = run(capsys, "cohort", "log", db, "--json")
    (event,) = json.loads(said)["events"]
    assert (event["action"], event["from_scorer"], event["to_scorer"]) == ("reassigned", old, new)
    assert event["batch_id"] is not None


def test_a_file_of_taken_back_reads_only_is_rejected_saying_why(capsys, sent, tmp_path):
    db, out = sent
    code, old, new, _ = movable(db)
    old_batch = batch_of(out, old)
    for other in codes_in(old_batch):  # the file keeps only the portfolio to be taken back
        if other == code:
            continue
        with BatchFile.open(old_batch) as batch, batch.transaction() as s:
            s.delete(s.scalars(select(Portfolio).where(Portfolio.candidate_code == other)).one())
    assert codes_in(old_batch) == [code]
    assert run(capsys, "cohort", "reassign", db, code, "--from", old, "--to", new,
               "--reason", "Gone quiet")[0] == 0  # fmt: skip
    score_batch(old_batch)
    rc, said, err = run(capsys, "cohort", "merge", db, old_batch)
    assert rc == 2
    assert "rejected" in said
    assert f"{code} was taken back from {old}" in said
    assert "1 of 1 file rejected" in err


def test_reassign_is_refused_with_exit_2_and_changes_nothing(capsys, sent):
    db, _out = sent
    code, old, new, _ = movable(db)
    with CohortFile.open(db) as cohort, cohort.reading() as s:
        c = s.scalars(select(Candidate).where(Candidate.code == code)).one()
        readers = sorted(a.scorer.scorer_id for a in c.assignments)
    other_reader = [r for r in readers if r != old][0]
    cases = [
        (("--from", old, "--to", other_reader, "--reason", "x"), "already reads this portfolio"),
        (("--from", old, "--to", old, "--reason", "x"), "already with scorer"),
        (("--from", new, "--to", old, "--reason", "x"), f"is not assigned to scorer {new}"),
        (("--from", old, "--to", "S-99", "--reason", "x"), "there is no scorer S-99"),
        (("--from", old, "--to", new, "--reason", "   "), "give a reason"),
    ]
    for argv, message in cases:
        rc, _, err = run(capsys, "cohort", "reassign", db, code, *argv)
        assert rc == 2, argv
        assert message in err, (argv, err)
    rc, _, err = run(capsys, "cohort", "reassign", db, "C27-NOPE", "--from", old, "--to", new,
                     "--reason", "x")  # fmt: skip
    assert (rc, "no candidate 'C27-NOPE'" in err) == (2, True)
    with CohortFile.open(db) as cohort, cohort.reading() as s:
        assert s.scalars(select(CoordinatorEvent)).all() == []


def test_reassign_to_a_scorer_with_a_conflict_is_refused(capsys, sent):
    db, _out = sent
    with CohortFile.open(db) as cohort, cohort.transaction() as s:
        c = s.scalars(select(Candidate).order_by(Candidate.code)).first()
        assert c is not None
        readers = {a.scorer_ref for a in c.assignments}
        target = s.scalars(select(Scorer).where(Scorer.id.not_in(readers))).first()
        assert target is not None
        target.conflicts = [*target.conflicts, c.candidate_id]
        code, old = c.code, sorted(a.scorer.scorer_id for a in c.assignments)[0]
        to = target.scorer_id
    rc, _, err = run(capsys, "cohort", "reassign", db, code, "--from", old, "--to", to,
                     "--reason", "x")  # fmt: skip
    assert rc == 2
    assert f"cannot go to scorer {to}: the scorer declared a conflict of interest" in err


# --- on a cohort with every read merged ----------------------------------------------------


@pytest.fixture(scope="module")
def demo_master(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Four candidates, every read merged but the last portfolio of the first batch."""
    return build_demo_cohort(
        tmp_path_factory.mktemp("ways"), candidates=4, scorers=3, words_per_entry=30, unscored=1
    )


@pytest.fixture
def demo(demo_master: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "demo"
    shutil.copytree(demo_master.parent, folder)
    return folder / demo_master.name


def test_a_complete_read_is_not_taken_back(capsys, demo):
    code = next(c for c, r in by_code(capsys, demo).items() if r["reads_in"] == 2)
    with CohortFile.open(demo) as cohort, cohort.reading() as s:
        c = s.scalars(select(Candidate).where(Candidate.code == code)).one()
        old = sorted(a.scorer.scorer_id for a in c.assignments)[0]
        new = next(x for x in s.scalars(select(Scorer.scorer_id)) if x != old)
    rc, _, err = run(capsys, "cohort", "reassign", demo, code, "--from", old, "--to", new,
                     "--reason", "x")  # fmt: skip
    assert rc == 2
    assert f"the read by scorer {old} came back complete" in err


def test_a_withdrawn_candidate_waits_for_nothing_counts_nowhere_and_gets_no_report(
    capsys, demo, tmp_path
):
    before = results(capsys, demo)
    waiting = [c for c in before["results"] if c["result"] == "waiting"]
    assert len(waiting) == 1
    assert waiting[0]["reads_missing"] == 1
    code = waiting[0]["code"]
    rc, _, err = run(capsys, "cohort", "release", demo)
    assert rc == 2
    assert "still waiting for reads" in err

    rc, said, err = run(capsys, "cohort", "withdraw", demo, code, "--reason", "Left the district",
                        "--by", "Ana Ruiz")  # fmt: skip
    assert rc == 0, err
    assert f"Withdrew candidate {waiting[0]['candidate_id']} ({code}) as Ana Ruiz" in said
    after = results(capsys, demo)
    mine = next(c for c in after["results"] if c["code"] == code)
    assert (mine["result"], mine["status"], mine["reads_missing"]) == ("withdrawn",) * 2 + (0,)
    assert mine["withdrawn"]["reason"] == "Left the district"
    assert mine["withdrawn"]["by"] == "Ana Ruiz"
    assert (after["waiting"], after["withdrawn"]) == (0, 1)
    assert after["certified"] + after["not_certified"] == 3
    rc, said, _ = run(capsys, "cohort", "results", demo)
    assert "Withdrawn (withdrawn by Ana Ruiz on " in said
    assert "1 withdrawn" in said
    rc, said, _ = run(capsys, "cohort", "status", demo, "--json")
    status = json.loads(said)
    assert (status["withdrawn"], status["reads_needed"], status["waiting"]) == (1, 6, 0)

    # The summary workbook says the same.
    book = tmp_path / "summary.xlsx"
    assert run(capsys, "cohort", "summary", demo, book)[0] == 0
    workbook = load_workbook(book, read_only=True)
    overview = {r[0]: r[1] for r in workbook["Overview"].iter_rows(values_only=True)}
    assert (overview["Withdrawn"], overview["Waiting"], overview["Reads needed"]) == (1, 0, 6)
    rows = list(workbook["Results"].iter_rows(values_only=True))
    head = rows[0]
    (row,) = [r for r in rows if r[head.index("Code")] == code]
    assert row[head.index("Decision")] == "Withdrawn"
    assert row[head.index("Result")] == "Withdrawn"
    workbook.close()

    # Withdrawing again, and reassigning a withdrawn candidate's read, are refused.
    rc, _, err = run(capsys, "cohort", "withdraw", demo, code, "--reason", "again")
    assert rc == 2
    assert "already withdrawn by Ana Ruiz" in err

    # The scorer returns the withdrawn candidate's read: refused, the rest of the file merges.
    first = sorted((demo.parent / "batches").glob("*.icgbatch"))[0]
    assert code in codes_in(first)
    score_batch(first)
    rc, said, err = run(capsys, "cohort", "merge", demo, first)
    assert rc == 0, err
    assert f"refused for that portfolio: {code} was withdrawn on" in said
    assert "Left the district" in said
    assert by_code(capsys, demo)[code]["reads_in"] == 1

    # Release does not wait for them; no report is printed for them.
    rc, said, err = run(capsys, "cohort", "release", demo)
    assert rc == 0, err
    rc, said, err = run(capsys, "cohort", "reports", demo, tmp_path / "reports")
    assert rc == 0, err
    assert "Wrote 3 score reports" in said
    pdfs = sorted((tmp_path / "reports").glob("*.pdf"))
    assert len(pdfs) == 4  # three candidates and the combined file
    combined = next(p for p in pdfs if "score reports" in p.name)
    text = "".join(page.extract_text() for page in PdfReader(combined).pages)
    assert code not in text
    assert all(r["code"] in text for r in after["results"] if r["code"] != code)

    # Once released, withdrawing is refused: reopen first.
    other = next(r["code"] for r in after["results"] if r["code"] != code)
    rc, _, err = run(capsys, "cohort", "withdraw", demo, other, "--reason", "x")
    assert rc == 2
    assert "reopen them first" in err


def test_undo_reinstates_a_withdrawn_candidate_as_they_were(capsys, demo):
    before = by_code(capsys, demo)
    code = next(c for c, r in before.items() if r["result"] == "final")
    assert run(capsys, "cohort", "withdraw", demo, code, "--reason", "Asked to")[0] == 0
    assert by_code(capsys, demo)[code]["result"] == "withdrawn"
    rc, said, err = run(capsys, "cohort", "withdraw", demo, code, "--undo", "--reason", "Back")
    assert rc == 0, err
    assert "Reinstated candidate" in said
    again = by_code(capsys, demo)[code]
    assert (again["result"], again["decision"]) == ("final", before[code]["decision"])
    rc, _, err = run(capsys, "cohort", "withdraw", demo, code, "--undo", "--reason", "Twice")
    assert rc == 2
    assert "is not withdrawn" in err
    rc, said, _ = run(capsys, "cohort", "log", demo)
    actions = [line.split(" UTC ", 1)[1].split()[1] for line in said.splitlines()]
    assert actions == ["withdrawn", "reinstated"]


def test_reopen_unlocks_the_steps_and_reports_after_the_next_release_say_amended(
    capsys, demo, tmp_path
):
    waiting = next(c for c, r in by_code(capsys, demo).items() if r["result"] == "waiting")
    assert run(capsys, "cohort", "withdraw", demo, waiting, "--reason", "Left")[0] == 0
    rc, _, err = run(capsys, "cohort", "reopen", demo, "--reason", "nothing released")
    assert rc == 2
    assert "not released" in err
    assert run(capsys, "cohort", "release", demo)[0] == 0
    rc, said, err = run(capsys, "cohort", "reports", demo, tmp_path / "first")
    assert rc == 0, err
    first = next((tmp_path / "first").glob("*score reports.pdf"))
    assert "Amended" not in "".join(p.extract_text() for p in PdfReader(first).pages)

    # Locked: reinstating is refused until the results are reopened.
    rc, _, err = run(capsys, "cohort", "withdraw", demo, waiting, "--undo", "--reason", "x")
    assert rc == 2
    assert "released" in err
    rc, _, err = run(capsys, "cohort", "reopen", demo, "--reason", "   ")
    assert rc == 2
    assert "give a reason" in err
    rc, said, err = run(capsys, "cohort", "reopen", demo, "--reason", "A score was misread",
                        "--by", "Ana Ruiz")  # fmt: skip
    assert rc == 0, err
    assert "Reopened the results" in said
    assert "A score was misread" in said
    assert results(capsys, demo)["released_at"] is None
    rc, _, err = run(capsys, "cohort", "reports", demo, tmp_path / "none")
    assert rc == 2
    assert "not released" in err
    # Unlocked: a step refused while released goes again.
    rc, _, err = run(capsys, "cohort", "withdraw", demo, waiting, "--undo", "--reason", "Back")
    assert rc == 0, err
    assert run(capsys, "cohort", "withdraw", demo, waiting, "--reason", "Left after all")[0] == 0

    rc, said, err = run(capsys, "cohort", "release", demo)
    assert rc == 0, err
    released = results(capsys, demo)
    assert released["amended_at"] == released["released_at"]
    day = datetime.fromisoformat(released["released_at"])
    rc, said, err = run(capsys, "cohort", "reports", demo, tmp_path / "again")
    assert rc == 0, err
    spelled = f"{day:%B} {day.day}, {day.year}"
    pdfs = sorted((tmp_path / "again").glob("*.pdf"))
    assert len(pdfs) == 4
    for pdf in pdfs:  # each candidate's file and the combined one
        text = "".join(p.extract_text() for p in PdfReader(pdf).pages)
        assert f"Amended {spelled}" in " ".join(text.split()), pdf.name

    rc, said, _ = run(capsys, "cohort", "log", demo, "--json")
    events = json.loads(said)["events"]
    assert [e["action"] for e in events] == [
        "withdrawn", "reopened", "reinstated", "withdrawn"
    ]  # fmt: skip
    reopened = events[1]
    assert (reopened["by"], reopened["reason"]) == ("Ana Ruiz", "A score was misread")
    assert reopened["detail"].startswith("released ")


def test_the_log_says_when_nothing_was_done(capsys, demo):
    rc, said, _ = run(capsys, "cohort", "log", demo)
    assert (rc, said.strip()) == (
        0,
        "No read taken back, no candidate withdrawn, no release reopened",
    )


def test_the_new_scorer_of_a_reassigned_unsent_read_gets_it_in_the_first_batch(capsys, tmp_path):
    inputs = write_demo_inputs(tmp_path / "in", candidates=4, scorers=3, words_per_entry=30)
    db = tmp_path / "c.icgcohort"
    for argv in (
        ("init", db, "--name", "2026-27"),
        ("import", db, inputs.roster, inputs.documents),
        ("scorers", db, inputs.scorers),
        ("assign", db, "--seed", "7"),
    ):
        assert run(capsys, "cohort", *argv)[0] == 0
    code, old, new, _ = movable(db)
    rc, said, err = run(capsys, "cohort", "reassign", db, code, "--from", old, "--to", new,
                        "--reason", "Balance the loads")  # fmt: skip
    assert rc == 0, err
    assert "moved (it was not sent yet)" in said
    with CohortFile.open(db) as cohort, cohort.reading() as s:
        (event,) = s.scalars(select(CoordinatorEvent)).all()
        assert (event.batch_id, event.detail) == (None, "not sent yet: moved")
        readers = {
            a.scorer.scorer_id
            for a in s.scalars(select(Assignment).join(Candidate).where(Candidate.code == code))
        }
    assert new in readers
    assert old not in readers
