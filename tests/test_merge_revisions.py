"""Which copy is newer is decided by the data, not by clocks (issue 15, item 3).

Each portfolio of a batch carries a revision every scorer change raises and a lineage chained
from the sending's base; the history records both after each change. The merge compares them
with the version it merged: the same, a copy that continues it (applied), an older copy
(ignored with a note) or a copy edited apart (a conflict, kept aside whole for the coordinator,
never applied). A summary's "Scores as of" is shown, never trusted.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from fractions import Fraction
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from icg_desk.cli import main
from icg_desk.export.summary_xlsx import write_batch_summary
from icg_desk.formats.summary import F_SCORES_AS_OF
from icg_desk.models.batch_file import BatchFile
from icg_desk.models.batch_marks import record_summary_export
from icg_desk.models.cohort_file import CohortFile
from icg_desk.models.cohort_results import ReleaseError, cohort_results, release_results
from icg_desk.models.cohort_schema import (
    Assignment,
    Candidate,
    CandidateEntry,
    MergeConflict,
    ReadScore,
    Scorer,
)
from icg_desk.models.conflicts import open_conflicts, resolve_conflict
from icg_desk.models.errors import UserError
from icg_desk.models.portfolios import EntryContent, PortfolioContent, add_portfolios
from icg_desk.models.rubric_file import builtin_rubric
from icg_desk.models.schema import Change, Portfolio
from icg_desk.operations.batch_work import BatchWork
from icg_desk.operations.merge import merge_files
from icg_desk.scoring.lineage import base_lineage

COHORT = "2026-27"
CODES = ("C27-001", "C27-002")
RUBRIC = builtin_rubric()
KEYS = RUBRIC.factor_keys
F = Fraction


@pytest.fixture
def cohort(tmp_path: Path) -> Iterator[CohortFile]:
    """Two candidates, each read by S-1 in batch B-1 and by S-2 in batch B-2."""
    with CohortFile.create(tmp_path / "c.icgcohort", name=COHORT, rubric=RUBRIC) as cohort:
        with cohort.transaction() as s:
            scorers = [Scorer(scorer_id=sid, name=f"Scorer {sid}") for sid in ("S-1", "S-2")]
            s.add_all(scorers)
            for i, code in enumerate(CODES, 1):
                c = Candidate(candidate_id=str(1000 + i), code=code, name=f"Candidate {i}")
                c.entries = [CandidateEntry(number=e.number, text="T.") for e in RUBRIC.entries]
                s.add(c)
                for n, scorer in enumerate(scorers, 1):
                    s.add(Assignment(candidate=c, scorer=scorer, batch_id=f"B-{n}"))
        yield cohort


def sent(path: Path, batch_id: str = "B-1", scorer_id: str = "S-1") -> Path:
    """The batch as the coordinator sends it: no score yet."""
    with BatchFile.create(
        path,
        batch_id=batch_id,
        cohort=COHORT,
        scorer_id=scorer_id,
        scorer_name="A Scorer",
        rubric=RUBRIC,
    ) as batch:
        entries = tuple(EntryContent(e.number, "Entry text.") for e in RUBRIC.entries)
        add_portfolios(batch, [PortfolioContent(c, entries) for c in CODES])
    return path


def scored(path: Path, **kwargs: str) -> Path:
    """A batch with every factor of every portfolio scored 3 and marked complete."""
    score = F(3)
    sent(path, **kwargs)
    with BatchFile.open(path) as batch:
        work = BatchWork(batch)
        for p in work.portfolios():
            for key in KEYS:
                work.set_score(p.id, key, score)
            work.set_rationale(p.id, KEYS[0], f"Why {p.candidate_code}.")
            work.mark_complete(p.id)
    return path


def copy(path: Path, name: str) -> Path:
    target = path.with_name(name)
    shutil.copyfile(path, target)
    return target


def rescore(path: Path, code: str, key: str, score: Fraction | None) -> None:
    """The scorer reopens a complete portfolio and changes one score (two changes, two
    revisions: reopening and the score)."""
    with BatchFile.open(path) as batch:
        work = BatchWork(batch)
        (p,) = [p for p in work.portfolios() if p.candidate_code == code]
        if work.portfolio(p.id).status.value == "complete":
            work.reopen(p.id)
        work.set_score(p.id, key, score)


def merged(cohort: CohortFile, scorer: str = "S-1") -> dict[tuple[str, str], Fraction | None]:
    with cohort.reading() as s:
        rows = s.execute(
            select(Candidate.code, ReadScore.factor_key, ReadScore.score)
            .join(Assignment, ReadScore.assignment_ref == Assignment.id)
            .join(Candidate, Assignment.candidate_ref == Candidate.id)
            .join(Scorer, Assignment.scorer_ref == Scorer.id)
            .where(Scorer.scorer_id == scorer)
        ).all()
    return {(code, key): score for code, key, score in rows}


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        code = main(argv)
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else 1
    out, err = capsys.readouterr()
    return code or 0, out, err


# --- the batch carries its versions --------------------------------------------------------------


def test_every_change_raises_the_revision_and_the_history_holds_each_version(
    tmp_path: Path,
) -> None:
    path = sent(tmp_path / "b.icgbatch")
    with BatchFile.open(path) as batch:
        work = BatchWork(batch)
        pid = work.portfolios()[0].id
        with batch.reading() as s:
            p = s.get(Portfolio, pid)
            assert p is not None
            assert (p.revision, p.lineage) == (0, base_lineage("B-1", "S-1", "C27-001"))
        work.set_score(pid, KEYS[0], F(3))  # starts the portfolio (status), then the score
        work.set_rationale(pid, KEYS[0], "Clear evidence.")
        work.set_look_for(pid, KEYS[0], 0, True)
        entry = work.portfolio(pid).entries[0]
        work.add_evidence(pid, KEYS[0], entry.number, 0, 5, entry.text[:5])
        with batch.reading() as s:
            p = s.get(Portfolio, pid)
            assert p is not None
            history = [
                (c.field, c.revision, c.lineage)
                for c in s.scalars(select(Change).where(Change.portfolio_id == pid))
            ]
            revision, lineage = p.revision, p.lineage
    assert [(f, r) for f, r, _ in history] == [
        ("status", 1),
        ("score", 2),
        ("rationale", 3),
        ("look_for", 4),
        ("evidence", 5),
    ]
    assert revision == 5
    assert history[-1][2] == lineage
    assert len({lin for _, _, lin in history}) == 5  # each version its own identity


def test_the_same_edit_on_two_copies_of_different_versions_has_different_lineages(
    tmp_path: Path,
) -> None:
    first = scored(tmp_path / "a.icgbatch")
    second = copy(first, "b.icgbatch")
    rescore(first, "C27-001", KEYS[1], F(4))
    rescore(second, "C27-001", KEYS[2], F(4))
    lineages = []
    for path in (first, second):
        con = sqlite3.connect(path)
        lineages.append(
            con.execute(
                "SELECT revision, lineage FROM portfolio WHERE candidate_code = 'C27-001'"
            ).fetchone()
        )
        con.close()
    assert lineages[0][0] == lineages[1][0]  # the same revision ...
    assert lineages[0][1] != lineages[1][1]  # ... of two different versions


def test_a_rationale_typed_on_after_sending_keeps_the_version_sent_in_the_history(
    cohort: CohortFile, tmp_path: Path
) -> None:
    path = scored(tmp_path / "b1.icgbatch")
    rescore(path, "C27-001", KEYS[1], F(13, 4))  # reopened, so the rationale can change
    with BatchFile.open(path) as batch:
        work = BatchWork(batch)
        pid = work.portfolios()[0].id
        work.set_rationale(pid, KEYS[1], "Strong")
        # Sent (File > Send to coordinator stamps the export) while the scorer is typing ...
        record_summary_export(batch, datetime.now(UTC).replace(microsecond=0))
    sent_copy = copy(path, "sent.icgbatch")
    with BatchFile.open(path) as batch:
        work = BatchWork(batch)
        work.set_rationale(pid, KEYS[1], "Strong evidence of PEERS goals.")  # ... who types on
        work.mark_complete(pid)
    assert merge_files(cohort, [sent_copy])[0].outcome == "accepted"
    (later,) = merge_files(cohort, [path])
    assert later.outcome == "replaced"  # continues the copy sent: not a conflict
    assert open_conflicts(cohort) == ()


# --- the two cases -----------------------------------------------------------------------


def test_a_summary_whose_clock_says_2099_does_not_block_the_scorers_later_batch(
    cohort: CohortFile, tmp_path: Path
) -> None:
    path = scored(tmp_path / "b1.icgbatch")
    summary = tmp_path / "b1.xlsx"
    with BatchFile.open(path) as batch:
        write_batch_summary(batch, summary)
    # "Scores as of" is outside the checksum: a clock running ahead, or a hand, sets 2099.
    workbook = load_workbook(summary)
    about = workbook["About"]
    (row,) = [r for r in about.iter_rows() if r[0].value == F_SCORES_AS_OF]
    row[1].value = "2099-01-01T00:00:00+00:00"
    workbook.save(summary)
    (first,) = merge_files(cohort, [summary])
    assert first.outcome == "accepted"

    rescore(path, "C27-002", KEYS[3], F(9, 4))  # the scorer's real later work
    (later,) = merge_files(cohort, [path])
    assert (later.outcome, later.changed) == ("replaced", 1)
    assert merged(cohort)[("C27-002", KEYS[3])] == F(9, 4)


def test_two_copies_edited_apart_make_a_conflict_never_replaced(
    cohort: CohortFile, tmp_path: Path
) -> None:
    base = scored(tmp_path / "base.icgbatch")
    assert merge_files(cohort, [base])[0].outcome == "accepted"
    a, b = copy(base, "a.icgbatch"), copy(base, "b.icgbatch")
    rescore(a, "C27-001", KEYS[1], F(4))  # copy A, on the scorer's laptop
    rescore(b, "C27-001", KEYS[2], F(2))  # copy B, on their desktop, of the same portfolio

    first, second = merge_files(cohort, [a, b])
    assert (first.outcome, first.changed) == ("replaced", 1)
    assert second.outcome == "conflict"
    assert second.changed == 0
    assert "kept aside as a conflict between two copies" in second.reason
    scores = merged(cohort)
    assert scores[("C27-001", KEYS[1])] == F(4)  # A's change stands ...
    assert scores[("C27-001", KEYS[2])] == F(3)  # ... and B's is not applied over it
    (conflict,) = open_conflicts(cohort)
    assert (conflict.code, conflict.scorer_id, conflict.batch_id) == ("C27-001", "S-1", "B-1")
    assert conflict.merged.score(KEYS[1]) == "4.00"
    assert conflict.merged.score(KEYS[2]) == "3.00"
    assert conflict.returned.score(KEYS[1]) == "3.00"
    assert conflict.returned.score(KEYS[2]) == "2.00"
    assert conflict.returned.rationale(KEYS[0]) == "Why C27-001."
    assert conflict.returned.source == "b.icgbatch"
    assert conflict.merged.source.startswith("a.icgbatch, merged ")
    assert conflict.returned.status == "in_progress"
    assert conflict.differing(RUBRIC) == (KEYS[1], KEYS[2])
    assert conflict.returned_as_of is not None  # shown with it, not used to decide


def test_copies_edited_apart_in_different_portfolios_keep_both_changes(
    cohort: CohortFile, tmp_path: Path
) -> None:
    base = scored(tmp_path / "base.icgbatch")
    merge_files(cohort, [base])
    a, b = copy(base, "a.icgbatch"), copy(base, "b.icgbatch")
    rescore(a, "C27-001", KEYS[1], F(4))
    rescore(b, "C27-002", KEYS[2], F(2))
    _, second = merge_files(cohort, [a, b])
    # B's C27-001 is the version A's continues: an older copy, ignored; its C27-002 continues
    # the merged one and applies. Neither change undoes the other.
    assert (second.outcome, second.changed) == ("replaced", 1)
    assert "older copy, ignored: C27-001" in second.reason
    scores = merged(cohort)
    assert scores[("C27-001", KEYS[1])] == F(4)
    assert scores[("C27-002", KEYS[2])] == F(2)
    assert open_conflicts(cohort) == ()


def test_an_older_copy_after_a_newer_one_is_ignored_and_a_continuation_applies(
    cohort: CohortFile, tmp_path: Path
) -> None:
    path = scored(tmp_path / "b1.icgbatch")
    early = copy(path, "early.icgbatch")
    rescore(path, "C27-001", KEYS[4], F(7, 4))
    newer, older = merge_files(cohort, [path, early])
    assert newer.outcome == "accepted"
    assert older.outcome == "older copy"
    assert older.reason.startswith("an older copy of what was already merged (batch)")
    assert merged(cohort)[("C27-001", KEYS[4])] == F(7, 4)
    # Its clock does not matter: an older copy stamped in 2099 is still the older copy.
    con = sqlite3.connect(early)
    with con:
        con.execute("UPDATE change_log SET at = '2099-01-01T00:00:00.000000+00:00'")
    con.close()
    assert merge_files(cohort, [early])[0].outcome == "older copy"
    # The scorer carries on in the copy merged: it continues the merged version and applies.
    rescore(path, "C27-001", KEYS[4], F(3))
    (later,) = merge_files(cohort, [path])
    assert (later.outcome, later.changed) == ("replaced", 1)
    assert merged(cohort)[("C27-001", KEYS[4])] == F(3)


def test_a_batch_of_an_older_format_applies_over_the_base_and_is_a_conflict_after(
    cohort: CohortFile, tmp_path: Path
) -> None:
    path = scored(tmp_path / "b1.icgbatch")
    old = copy(path, "old-format.icgbatch")
    con = sqlite3.connect(old)
    for statement in (
        "ALTER TABLE portfolio DROP COLUMN revision",
        "ALTER TABLE portfolio DROP COLUMN lineage",
        "ALTER TABLE change_log DROP COLUMN revision",
        "ALTER TABLE change_log DROP COLUMN lineage",
        "UPDATE factor_read SET score = '2.00' WHERE factor_key = 'data'",
        "PRAGMA user_version = 3",
    ):
        con.execute(statement)
    con.commit()
    con.close()
    # Nothing versioned merged yet: a copy without versions applies, as before.
    assert merge_files(cohort, [old])[0].outcome == "accepted"
    # A versioned copy continues the base: applies.
    assert merge_files(cohort, [path])[0].outcome == "replaced"
    # Then the unversioned copy, which differs, cannot be placed: a conflict, not applied.
    assert merge_files(cohort, [old])[0].outcome == "conflict"
    assert merged(cohort)[("C27-001", "data")] == F(3)


# --- waiting, release, and the coordinator's choice ----------------------------------------------


def diverged(cohort: CohortFile, tmp_path: Path) -> tuple[Path, Path]:
    """Both scorers' batches merged complete; then S-1's two copies edited apart, A merged and
    B kept aside as a conflict on C27-001."""
    base = scored(tmp_path / "base.icgbatch")
    other = scored(tmp_path / "other.icgbatch", batch_id="B-2", scorer_id="S-2")
    merge_files(cohort, [base, other])
    a, b = copy(base, "a.icgbatch"), copy(base, "b.icgbatch")
    for path, key, score in ((a, KEYS[1], F(13, 4)), (b, KEYS[2], F(11, 4))):
        rescore(path, "C27-001", key, score)
        with BatchFile.open(path) as batch:
            work = BatchWork(batch)
            work.mark_complete(work.portfolios()[0].id)
    outcomes = merge_files(cohort, [a, b])
    assert [o.outcome for o in outcomes] == ["replaced", "conflict"]
    return a, b


def test_a_conflict_holds_the_result_and_the_release(cohort: CohortFile, tmp_path: Path) -> None:
    diverged(cohort, tmp_path)
    results = cohort_results(cohort)
    (waiting,) = results.waiting
    assert waiting.code == "C27-001"
    assert waiting.state.label == "Waiting: a conflict between two copies"
    assert waiting.state.counts_as is None
    assert waiting.as_json(RUBRIC)["waiting_for"] == ["a conflict between two copies"]
    with pytest.raises(ReleaseError, match="a conflict between two copies") as refused:
        release_results(cohort)
    assert "1001 (C27-001)" in str(refused.value)
    assert "icg-desk cohort resolve" in str(refused.value)


def test_taking_the_returned_copy_applies_it_and_its_continuations_merge(
    cohort: CohortFile, tmp_path: Path
) -> None:
    _a, b = diverged(cohort, tmp_path)
    done = resolve_conflict(cohort, "C27-001", "S-1", "returned", "B is the final copy", "ana")
    assert (done.action, done.by, done.code, done.from_scorer) == (
        "resolved",
        "ana",
        "C27-001",
        "S-1",
    )
    scores = merged(cohort)
    assert scores[("C27-001", KEYS[1])] == F(3)  # A's change gone, with the coordinator's word
    assert scores[("C27-001", KEYS[2])] == F(11, 4)
    assert open_conflicts(cohort) == ()
    assert cohort_results(cohort).waiting == ()
    release_results(cohort)  # nothing holds it now
    with cohort.reading() as s:
        kept = s.scalars(select(MergeConflict)).one()
        assert (kept.state, kept.resolved_by, kept.reason) == (
            "returned",
            "ana",
            "B is the final copy",
        )
    # Released: resolving is refused like the other ways out, and nothing changed.
    with pytest.raises(UserError, match="reopen them first"):
        resolve_conflict(cohort, "C27-001", "S-1", "merged", "again", "ana")


def test_a_copy_continuing_the_returned_version_merges_after_it_is_taken(
    cohort: CohortFile, tmp_path: Path
) -> None:
    _a, b = diverged(cohort, tmp_path)
    resolve_conflict(cohort, "1001", "S-1", "returned", "B is the final copy", "ana")
    rescore(b, "C27-001", KEYS[5], F(2))
    (later,) = merge_files(cohort, [b])
    assert (later.outcome, later.changed) == ("replaced", 1)
    assert merged(cohort)[("C27-001", KEYS[5])] == F(2)


def test_taking_the_merged_version_keeps_the_reads_and_refusals_change_nothing(
    cohort: CohortFile, tmp_path: Path
) -> None:
    diverged(cohort, tmp_path)
    before = merged(cohort)
    for args, message in (
        (("C27-009", "S-1", "merged", "why", "ana"), "no candidate 'C27-009'"),
        (("C27-002", "S-1", "merged", "why", "ana"), "has no open conflict in scorer S-1's"),
        (("C27-001", "S-1", "both", "why", "ana"), "--take is 'merged' or 'returned'"),
        (("C27-001", "S-1", "merged", "  ", "ana"), "give a reason"),
    ):
        with pytest.raises(UserError, match=message):
            resolve_conflict(cohort, *args)
    assert len(open_conflicts(cohort)) == 1
    resolve_conflict(cohort, "C27-001", "S-1", "merged", "A was checked with the scorer", "ana")
    assert merged(cohort) == before
    assert open_conflicts(cohort) == ()


def test_the_command_line_lists_both_versions_and_resolves_with_the_log(
    cohort: CohortFile, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    diverged(cohort, tmp_path)
    db = str(cohort.path)
    cohort.close()

    code, out, _ = run(["cohort", "conflicts", db], capsys)
    assert code == 0
    assert "1 open: two copies of a read edited apart" in out
    assert "C27-001 (1001), scorer S-1, batch B-1: a conflict between two copies" in out
    assert "returned: revision" in out
    assert "b.icgbatch" in out
    lines = out.splitlines()
    (playbook,) = [line for line in lines if RUBRIC.factor(KEYS[1]).name in line]
    assert playbook.split()[0] == "*"
    assert playbook.split()[-2:] == ["3.25", "3.00"]

    code, out, _ = run(["cohort", "conflicts", db, "--json"], capsys)
    data = json.loads(out)
    assert data["open"] == 1
    (item,) = data["conflicts"]
    assert item["differing"] == [KEYS[1], KEYS[2]]
    assert item["merged"]["reads"][1] == {"factor": KEYS[1], "score": "3.25", "rationale": ""}
    assert item["returned"]["reads"][2]["score"] == "2.75"
    assert item["returned"]["status"] == "complete"

    code, _, err = run(
        ["cohort", "resolve", db, "C27-002", "S-1", "--take", "merged", "--reason", "x"], capsys
    )
    assert code == 2
    assert "has no open conflict" in err
    assert "Traceback" not in err
    code, _, err = run(["cohort", "resolve", db, "C27-001", "S-1", "--reason", "x"], capsys)
    assert code == 2  # --take is asked for

    code, out, _ = run(
        [
            "cohort",
            "resolve",
            db,
            "C27-001",
            "S-1",
            "--take",
            "returned",
            "--reason",
            "B is the copy the scorer finished",
            "--by",
            "ana",
        ],
        capsys,
    )
    assert code == 0
    assert "Resolved the conflict in scorer S-1's read of C27-001 (1001) as ana" in out
    assert "Took the returned copy b.icgbatch" in out
    code, out, _ = run(["cohort", "log", db], capsys)
    assert "ana resolved C27-001 (1001): B is the copy the scorer finished" in out
    code, out, _ = run(["cohort", "conflicts", db], capsys)
    assert out.strip() == "No conflict between two copies of a read is open"


# --- the Coordinator window ----------------------------------------------------------------------


def test_needs_attention_lists_the_conflict_with_both_versions_and_resolves_it(
    qtbot, cohort: CohortFile, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PySide6.QtCore import QSettings, Qt

    from icg_desk.ui.coordinator_attention import ResolveConflictDialog
    from icg_desk.ui.coordinator_window import CoordinatorWindow
    from icg_desk.ui.tasks import SyncTaskRunner

    diverged(cohort, tmp_path)
    path = cohort.path
    cohort.close()
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    window = CoordinatorWindow(settings, runner=SyncTaskRunner)
    qtbot.addWidget(window)
    window.show()
    assert window.open_cohort(path)
    board = window.dashboard
    attention = board.attention
    board.tabs.setCurrentWidget(attention)
    assert board.tabs.tabText(1) == "Needs attention (1)"
    assert "1 conflict between two copies" in board.release_note.text()
    assert attention.conflicts_view.isVisible()
    model = attention.conflicts
    assert model.rowCount() == 1
    row = [model.text(0, column) for column in range(model.columnCount())]
    assert row[:3] == ["C27-001", "S-1", "B-1"]
    assert row[3].startswith("revision ")
    assert "a.icgbatch" in row[3]
    assert row[4].startswith("revision ")
    assert row[4].endswith("b.icgbatch")
    playbook, impact = RUBRIC.factor(KEYS[1]).name, RUBRIC.factor(KEYS[2]).name
    assert row[5] == f"{playbook} 3.25 | 3.00; {impact} 3.00 | 2.75"
    assert attention.resolve_button.isEnabled()

    def answer(dialog: ResolveConflictDialog) -> int:
        intro = dialog.findChild(type(attention.detail), "dialogIntro").text()
        assert "merged:   revision" in intro
        assert "returned: revision" in intro
        assert not dialog.ok.isEnabled()  # neither version chosen, no reason yet
        dialog.take_returned.setChecked(True)
        dialog.by_edit.setText("Ana Ruiz")
        assert not dialog.ok.isEnabled()
        dialog.reason_edit.setPlainText("  B is the copy the scorer finished.  ")
        assert dialog.ok.isEnabled()
        return ResolveConflictDialog.DialogCode.Accepted

    monkeypatch.setattr(ResolveConflictDialog, "exec", answer)
    qtbot.mouseClick(attention.resolve_button, Qt.MouseButton.LeftButton)
    assert attention.conflicts.rowCount() == 0
    assert not attention.conflicts_view.isVisible()
    assert board.tabs.tabText(1) == "Needs attention"
    with CohortFile.open(path) as reopened:
        assert open_conflicts(reopened) == ()
        scores = merged(reopened)
        with reopened.reading() as s:
            kept = s.scalars(select(MergeConflict)).one()
            assert (kept.state, kept.resolved_by, kept.reason) == (
                "returned",
                "Ana Ruiz",
                "B is the copy the scorer finished.",
            )
    assert scores[("C27-001", KEYS[2])] == F(11, 4)
    assert scores[("C27-001", KEYS[1])] == F(3)
