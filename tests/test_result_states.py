"""One cohort with a candidate in every state, and every surface saying the same of each.

The states: final certified, final not certified, a read missing, a read in progress, an open
discrepancy, an open decision split, and an accepted flag. The surfaces: `cohort results` (text
and JSON), `cohort status --json`, `cohort flags --json`, the summary workbook's cells, and the
Coordinator window's dashboard (its models and figures). A waiting candidate is never counted
as certified anywhere.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from fractions import Fraction
from pathlib import Path

import pytest
from openpyxl import load_workbook
from PySide6.QtCore import Qt

from icg_desk.cli import main
from icg_desk.export.cohort_summary import write_cohort_summary
from icg_desk.models.cohort_file import CohortFile
from icg_desk.models.cohort_results import ReleaseError, cohort_results, release_results
from icg_desk.models.cohort_schema import Assignment, Candidate, CandidateEntry, Scorer
from icg_desk.models.flag_accept import accept_flag
from icg_desk.models.merge import Returned, merge_returned
from icg_desk.models.rubric_file import builtin_rubric
from icg_desk.operations import cohort as cohort_ops
from icg_desk.ui.coordinator_dashboard import Dashboard, ResultsFilter, ResultsModel

F = Fraction
RUBRIC = builtin_rubric()
KEYS = RUBRIC.factor_keys


def every(score: Fraction, **others: Fraction) -> dict[str, Fraction]:
    return {key: others.get(key, score) for key in KEYS}


# id -> (S-1's read, S-2's read); None: not started. A dict short of factors: in progress.
READS: dict[str, tuple[dict[str, Fraction] | None, dict[str, Fraction] | None]] = {
    "1001": (every(F(3)), every(F(13, 4))),  # final, certified
    "1002": (every(F(9, 4)), every(F(2))),  # final, not certified (both reads agree)
    "1003": (every(F(3)), None),  # a read missing
    "1004": (every(F(3)), {k: F(3) for k in KEYS[:3]}),  # a read in progress
    "1005": (every(F(3), data=F(7, 4)), every(F(3), data=F(13, 4))),  # open discrepancy
    "1006": (every(F(3)), every(F(9, 4))),  # open decision split (3.00 and 2.25 overall)
    "1007": (every(F(3), data=F(7, 4)), every(F(3), data=F(13, 4))),  # discrepancy, accepted
}

# id -> (result, counted as, Result label, [(flag kind, factor, state)])
EXPECTED: dict[str, tuple[str, str | None, str, list[tuple[str, str | None, str]]]] = {
    "1001": ("final", "certified", "Final", []),
    "1002": ("final", "not_certified", "Final", []),
    "1003": ("waiting", None, "Waiting: 1 read missing", []),
    "1004": ("waiting", None, "Waiting: 1 read in progress", []),
    "1005": ("waiting", None, "Waiting: 1 flag open", [("discrepancy", "data", "open")]),
    "1006": ("waiting", None, "Waiting: 1 flag open", [("decision_split", None, "open")]),
    "1007": ("final", "certified", "Final", [("discrepancy", "data", "accepted")]),
}
CODE = {cid: f"C27-0{cid}" for cid in READS}


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("states") / "states.icgcohort"
    with CohortFile.create(path, name="2026-27", rubric=RUBRIC) as cohort:
        with cohort.transaction() as s:
            scorers = [Scorer(scorer_id=f"S-{i}", name=f"Scorer {i}") for i in (1, 2)]
            for cid in READS:
                c = Candidate(candidate_id=cid, code=CODE[cid], name=f"Candidate {cid}")
                c.entries = [CandidateEntry(number=e.number, text="Text.") for e in RUBRIC.entries]
                s.add(c)
                for n, scorer in enumerate(scorers, start=1):
                    s.add(Assignment(candidate=c, scorer=scorer, batch_id=f"B-{n}"))
        for n in (1, 2):  # each scorer's returned batch, merged as the merge does it
            reads = {
                (CODE[cid], key): (score, "")
                for cid, pair in READS.items()
                if (given := pair[n - 1]) is not None
                for key, score in given.items()
            }
            returned = Returned("batch", f"B-{n}", f"S-{n}", reads, datetime.now(UTC))
            merge_returned(cohort, Path(f"S-{n}.icgbatch"), "0" * 64, returned)
        accept_flag(cohort, CODE["1007"], "data", "Read again by the lead: 2.50 stands", "Ana")
    return path


def cli(capsys: pytest.CaptureFixture[str], *argv: object) -> str:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    assert code == 0, err
    return out


def test_the_cohort_has_a_candidate_in_every_state(db: Path) -> None:
    with CohortFile.open(db) as cohort:
        results = cohort_results(cohort)
    found = {
        c.candidate_id: (
            c.state.standing.value,
            None if c.state.counts_as is None else c.state.counts_as.value,
            c.state.label,
            [(f.kind.value, f.factor or None, f.state.value) for f in c.flags],
        )
        for c in results.candidates
    }
    assert found == EXPECTED
    # 1003, 1004 and 1005 would certify on their reads so far, which must not be counted; the
    # mean of 1006's reads (2.63) would not, though one of them certifies.
    so_far = {c.candidate_id: c.decision.status.value for c in results.candidates}
    assert [so_far[cid] for cid in ("1003", "1004", "1005", "1006")] == [
        "certified", "certified", "certified", "not_certified",
    ]  # fmt: skip


def test_cli_text_and_json_say_the_same_of_every_candidate(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = json.loads(cli(capsys, "cohort", "results", db, "--json"))
    for row in data["results"]:
        result, counted, label, flags = EXPECTED[row["candidate_id"]]
        assert row["result"] == result
        assert row["status"] == (counted or "waiting")
        assert row["waiting_for"] == ([] if label == "Final" else label[9:].split("; "))
        assert [(f["kind"], f["factor"], f["state"]) for f in row["flags"]] == flags
    assert (data["certified"], data["not_certified"], data["waiting"]) == (2, 1, 4)
    assert data["flags_open"] == 2

    text = cli(capsys, "cohort", "results", db)
    lines = {line.split()[0]: line for line in text.splitlines() if line.startswith("  1")}
    by_id = {row["candidate_id"]: row for row in data["results"]}
    for cid, (result, _counted, label, _flags) in EXPECTED.items():
        headline = by_id[cid]["decision"]
        if result == "final":
            assert lines[cid].endswith(f"  {headline}"), lines[cid]
        else:
            assert lines[cid].endswith(f"  {label} (so far: {headline})"), lines[cid]
    assert "2 certified, 1 not certified, 4 waiting;" in text
    flag_lines = [line.strip() for line in text.splitlines() if line.startswith("      flag:")]
    assert flag_lines == [
        "flag: Data: discrepancy, open",
        "flag: Decision split, open",
        f"flag: Data: discrepancy, {by_id['1007']['flags'][0]['state']} by Ana on "
        f"{by_id['1007']['flags'][0]['closed_at'][:16].replace('T', ' ')} UTC: "
        "Read again by the lead: 2.50 stands",
    ]

    status = json.loads(cli(capsys, "cohort", "status", db, "--json"))
    assert (status["certified"], status["not_certified"], status["waiting"]) == (2, 1, 4)
    # A half-scored read is in progress, not returned: 12 complete reads of 14 assigned.
    assert (status["reads_returned"], status["reads_in_progress"]) == (12, 1)
    assert status["flags_open"] == 2

    flags = json.loads(cli(capsys, "cohort", "flags", db, "--json"))
    assert {c["candidate_id"]: c["result"] for c in flags["candidates"]} == {
        cid: e[0] for cid, e in EXPECTED.items() if e[3]
    }
    assert (flags["flags"], flags["open"]) == (3, 2)
    listed = cli(capsys, "cohort", "flags", db)
    assert "S-1: 1.75  |  S-2: 3.25" in listed
    assert "S-1: Certified 3.00  |  S-2: Not certified 2.25" in listed


def test_the_workbook_says_the_same_of_every_candidate(db: Path, tmp_path: Path) -> None:
    with CohortFile.open(db) as cohort:
        results = cohort_results(cohort)
    book = load_workbook(write_cohort_summary(results, tmp_path / "s.xlsx"))
    fields = {r[0]: r[1] for r in book["Overview"].iter_rows(min_row=2, values_only=True)}
    assert (fields["Certified"], fields["Not certified"], fields["Waiting"]) == (2, 1, 4)
    assert (fields["Flags open"], fields["Flags accepted"]) == (2, 1)
    head, *body = list(book["Results"].iter_rows(values_only=True))
    col = {name: i for i, name in enumerate(head)}
    decision_text = {"certified": "Certified", "not_certified": "Not certified"}
    for row in body:
        result, counted, label, flags = EXPECTED[str(row[0])]
        assert row[col["Decision"]] == (decision_text[counted] if counted else "Waiting")
        assert row[col["Result"]] == label
        assert (row[col["Flags"]] or "") == "; ".join(
            ("Data: discrepancy" if factor else "Decision split") + f" ({state})"
            for _kind, factor, state in flags
        )
    flag_rows = list(book["Flags"].iter_rows(min_row=2, values_only=True))
    assert [(r[0], r[3], r[4], r[5], r[6]) for r in flag_rows] == [
        ("1005", "Data: discrepancy", "open", "S-1: 1.75", "S-2: 3.25"),
        ("1006", "Decision split", "open", "S-1: Certified 3.00", "S-2: Not certified 2.25"),
        ("1007", "Data: discrepancy", "accepted", "S-1: 1.75", "S-2: 3.25"),
    ]
    closed_by, closed_at, reason = flag_rows[2][-3:]
    assert (closed_by, reason) == ("Ana", "Read again by the lead: 2.50 stands")
    assert str(closed_at).startswith("20")
    assert flag_rows[0][-3:] == (None, None, None)  # open: nobody closed it


def test_the_dashboard_says_the_same_of_every_candidate(qtbot, db: Path) -> None:
    snap = cohort_ops.snapshot(cohort_ops.CohortRef(db))
    board = Dashboard()
    qtbot.addWidget(board)
    board.show_snapshot(snap.status, snap.results, snap.merges)
    figures = {k: f.value.text() for k, f in board.figures.items()}
    assert (figures["certified"], figures["not_certified"], figures["waiting"]) == ("2", "1", "4")
    model = board.results_model
    for n in range(model.rowCount()):
        cid = model.text(n, ResultsModel.ID)
        result, _counted, label, flags = EXPECTED[cid]
        decision = model.text(n, ResultsModel.DECISION)
        headline = model.candidate(n).decision.headline
        assert decision == (headline if result == "final" else f"{label} (so far: {headline})")
        open_names = [
            "Data" if factor else "Decision split" for _k, factor, s in flags if s == "open"
        ]
        assert model.text(n, ResultsModel.FLAGS) == ", ".join(open_names)
    shown = board.results_filter
    for kind, ids in (
        ("certified", {"1001", "1007"}),
        ("not_certified", {"1002"}),
        ("waiting", {"1003", "1004", "1005", "1006"}),
        ("flagged", {"1005", "1006"}),
    ):
        board.kind_filter.setCurrentIndex(board.kind_filter.findData(kind))
        assert isinstance(shown, ResultsFilter)
        assert {shown.index(r, 0).data() for r in range(shown.rowCount())} == ids, kind
    # Needs attention: every flag, the open ones first, with both reads side by side.
    flags = board.attention.model
    rows = [
        tuple(flags.text(r, c) for c in range(flags.columnCount())) for r in range(flags.rowCount())
    ]
    assert [r[:7] for r in rows] == [
        ("1005", CODE["1005"], "Candidate 1005", "Data: discrepancy", "Open", "S-1: 1.75",
         "S-2: 3.25"),
        ("1006", CODE["1006"], "Candidate 1006", "Decision split", "Open", "S-1: Certified 3.00",
         "S-2: Not certified 2.25"),
        ("1007", CODE["1007"], "Candidate 1007", "Data: discrepancy", "Accepted", "S-1: 1.75",
         "S-2: 3.25"),
    ]  # fmt: skip
    assert rows[2][7].startswith("accepted by Ana on ")
    assert board.tabs.tabText(1) == "Needs attention (2)"
    assert board.release_note.text() == (
        "Release waits for 2 candidates waiting for reads and 2 open flags (Needs attention)."
    )


def test_every_page_of_the_preview_reports_says_the_same_of_every_candidate(
    db: Path, tmp_path: Path
) -> None:
    from pypdf import PdfReader

    from icg_desk.export.cohort_reports import write_cohort_reports

    with CohortFile.open(db) as file:
        results = cohort_results(file)
    run = write_cohort_reports(results, tmp_path, preview=True, workers=0)
    assert not run.cancelled
    why = {
        "1001": "; not released yet",
        "1002": "; not released yet",
        "1003": "",  # "1 of 2 reads in" says it
        "1004": ", 1 read in progress",
        "1005": ", 1 flag open",
        "1006": ", 1 flag open",
        "1007": "; not released yet",  # its one flag accepted: final, not yet released
    }
    for c in results.candidates:
        (pdf,) = tmp_path.glob(f"{c.candidate_id} *.pdf")
        pages = [page.extract_text() for page in PdfReader(pdf).pages]
        line = f"Provisional: {c.reads_in} of {c.reads_needed} reads in{why[c.candidate_id]}"
        for text in pages:
            assert line in text.replace("\n", " "), (c.candidate_id, text[:300])


def test_release_is_refused_listing_each_open_flag(db: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy.icgcohort"
    copy.write_bytes(db.read_bytes())
    with CohortFile.open(copy) as cohort:
        with pytest.raises(ReleaseError) as refused:
            release_results(cohort)
        assert cohort.released_at is None
    text = str(refused.value)
    assert "2 candidates are still waiting for reads: 1003 (1 of 2 reads in), 1004" in text
    assert "2 flags are open" in text
    assert f"1005 ({CODE['1005']}) Data: discrepancy" in text
    assert f"1006 ({CODE['1006']}) Decision split" in text
    assert "1007" not in text


# --- accepting in the window ----------------------------------------------------------------


@pytest.fixture
def window(qtbot, db: Path, tmp_path: Path):
    from PySide6.QtCore import QSettings

    from icg_desk.ui.coordinator_window import CoordinatorWindow
    from icg_desk.ui.tasks import SyncTaskRunner

    copy = tmp_path / "copy.icgcohort"
    copy.write_bytes(db.read_bytes())
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    window = CoordinatorWindow(settings, runner=SyncTaskRunner)
    qtbot.addWidget(window)
    window.show()
    assert window.open_cohort(copy)
    return window


def test_the_window_says_what_release_waits_for_before_it_is_pressed(window) -> None:
    board = window.dashboard
    assert board.release_note.isVisible()
    assert "2 open flags" in board.release_note.text()
    assert "Not yet: Release waits for 2 candidates waiting for reads and 2 open flags" in (
        window.release_action.toolTip()
    )


def test_accepting_from_needs_attention_asks_a_reason_and_keeps_who(
    qtbot, window, monkeypatch
) -> None:
    from icg_desk.ui.coordinator_attention import AcceptFlagDialog

    board = window.dashboard
    attention = board.attention
    board.tabs.setCurrentWidget(attention)
    assert attention.select(CODE["1006"], "")
    assert attention.accept_button.isEnabled()
    assert "one read certifies and the other does not" in attention.detail.text()

    def answer(dialog: AcceptFlagDialog) -> int:
        assert (
            "S-1: Certified 3.00" in dialog.findChild(type(attention.detail), "dialogIntro").text()
        )
        assert not dialog.ok.isEnabled()  # no reason yet
        dialog.by_edit.setText("Ana Ruiz")
        dialog.reason_edit.setPlainText("  The panel agreed: not certified stands.  ")
        assert dialog.ok.isEnabled()
        return AcceptFlagDialog.DialogCode.Accepted

    monkeypatch.setattr(AcceptFlagDialog, "exec", answer)
    qtbot.mouseClick(attention.accept_button, Qt.MouseButton.LeftButton)
    rows = {
        (attention.model.text(r, 0), attention.model.text(r, 3)): attention.model.text(r, 4)
        for r in range(attention.model.rowCount())
    }
    assert rows[("1006", "Decision split")] == "Accepted"
    assert board.tabs.tabText(1) == "Needs attention (1)"
    with CohortFile.open(window.cohort.path) as cohort:
        (flag,) = cohort_results(cohort).candidates[5].flags
    assert (flag.state.value, flag.closed_by, flag.reason) == (
        "accepted",
        "Ana Ruiz",
        "The panel agreed: not certified stands.",
    )
    # A closed flag cannot be accepted again.
    assert attention.select(CODE["1006"], "")
    assert not attention.accept_button.isEnabled()


def test_accept_on_the_command_line_refuses_what_it_cannot_do_with_exit_2(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    copy = tmp_path / "copy.icgcohort"
    copy.write_bytes(db.read_bytes())

    def refused(*argv: str) -> str:
        with pytest.raises(SystemExit) as exited:
            main(["cohort", "accept", str(copy), *argv])
        code = exited.value.code
        out, err = capsys.readouterr()
        assert code == 2, out
        return err

    assert "give a reason" in refused(CODE["1005"], "--factor", "data", "--reason", " ")
    err = refused(CODE["1005"], "--reason", "fine")  # the split, which 1005 does not have
    assert "its flags: data (open). Accept with --factor data" in err
    assert "already accepted by Ana" in refused("1007", "--factor", "data", "--reason", "x")
    assert "not a factor of the rubric" in refused("1005", "--factor", "dta", "--reason", "x")
    out = cli(capsys, "cohort", "accept", copy, "1005", "--factor", "data", "--reason", "ok",
              "--by", "Ana Ruiz")  # fmt: skip
    assert out.startswith(f"Accepted the discrepancy on data of candidate 1005 ({CODE['1005']})")
    assert "as Ana Ruiz" in out
    with CohortFile.open(copy) as cohort:
        assert cohort_results(cohort).candidates[4].flags[0].closed_by == "Ana Ruiz"
