"""The scoring quality report (issue 16, item 3): the agreement figures and charts as a PDF,
`icg-desk cohort quality-report DB OUT.pdf`; the same numbers as `cohort agreement --json`."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from pypdf import PdfReader

from icg_desk.cli import main
from icg_desk.demo.agreement import DEMO_BIASES, build_agreement_cohort


@pytest.fixture(scope="module")
def cohort(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("quality")
    return build_agreement_cohort(
        folder / "c.icgcohort", candidates=160, weeks=5, biases=DEMO_BIASES
    )


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        code = main(argv)
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else 1
    out, err = capsys.readouterr()
    return code or 0, out, err


def text_of(path: Path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


def test_the_report_says_what_the_json_says(
    cohort: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(["cohort", "agreement", str(cohort), "--json"], capsys)
    assert code == 0
    figures = json.loads(out)
    target = tmp_path / "quality.pdf"
    code, out, err = run(["cohort", "quality-report", str(cohort), str(target)], capsys)
    assert code == 0, err
    assert "flagged: S-01, S-02" in out
    text = text_of(target)
    assert "Scoring quality: cohort 2026-27" in text
    assert f"{figures['reads']} complete reads" in text
    # The cohort's and every factor's exact agreement, as the JSON has it, to one decimal.
    for share in [figures["exact_agreement"]] + [
        f["exact_agreement"] for f in figures["factors"].values()
    ]:
        assert f"{share * 100:.1f}%" in text
    by_id = {s["scorer_id"]: s for s in figures["scorers"]}
    assert by_id["S-01"]["severity_flagged"]
    assert by_id["S-02"]["drift"]["drifting"]
    # Flagged in words, in the table and beside their marks in the charts.
    assert "S-01 (flagged)" in text
    assert "S-02 drifts" in text
    assert "Flagged: S-01, S-02." in text
    adjusted = by_id["S-01"]["severity_adjusted"]
    assert f"{adjusted:+.2f}" in text


def test_a_scorer_id_is_printed_as_typed_never_as_markup(
    cohort: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    copy = tmp_path / "c.icgcohort"
    copy.write_bytes(cohort.read_bytes())
    con = sqlite3.connect(copy)
    with con:
        con.execute("UPDATE scorer SET scorer_id = '<b>S&amp;3</b>' WHERE scorer_id = 'S-03'")
    con.close()
    target = tmp_path / "quality.pdf"
    code, _, err = run(["cohort", "quality-report", str(copy), str(target)], capsys)
    assert code == 0, err
    assert "<b>S&amp;3</b>" in text_of(target)


@pytest.mark.parametrize(
    ("name", "problem"),
    [("quality.xlsx", "is a PDF; name it .pdf"), ("missing/quality.pdf", "does not exist")],
)
def test_a_bad_target_is_refused_with_exit_2(
    cohort: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, problem: str
) -> None:
    code, _, err = run(["cohort", "quality-report", str(cohort), str(tmp_path / name)], capsys)
    assert code == 2
    assert problem in err
    assert str(tmp_path / name) in err
    assert not (tmp_path / name).exists()


def test_not_a_cohort_is_refused_and_left_as_it_was(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bogus = tmp_path / "notes.icgcohort"
    bogus.write_text("not a cohort " * 50)
    before = bogus.read_bytes()
    code, _, err = run(["cohort", "quality-report", str(bogus), str(tmp_path / "q.pdf")], capsys)
    assert code == 2
    assert "not an ICG Desk cohort" in err
    assert bogus.read_bytes() == before
    assert not (tmp_path / "q.pdf").exists()


def test_validity_and_practice_have_their_section_and_chart(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from icg_desk.demo.agreement import DEMO_UNLOCKED

    path = build_agreement_cohort(
        tmp_path / "c.icgcohort",
        candidates=160,
        weeks=4,
        biases=DEMO_BIASES,
        validity=10,
        practice=2,
        unlocked=DEMO_UNLOCKED,
    )
    code, out, _ = run(["cohort", "agreement", str(path), "--json"], capsys)
    assert code == 0
    by_id = {s["scorer_id"]: s for s in json.loads(out)["scorers"]}
    target = tmp_path / "quality.pdf"
    code, out, err = run(["cohort", "quality-report", str(path), str(target)], capsys)
    assert code == 0, err
    text = text_of(target)
    assert "Validity portfolios and calibration" in text
    assert "Each scorer's difference from the validity portfolios" in text
    severe = by_id["S-01"]
    assert severe["validity"]["flagged"]
    assert "scores high on validity" in severe["validity"]["flags"]
    assert "scores high on validity" in text
    assert f"{severe['validity']['difference']:+.2f}" in text
    assert "unlocked by the" in text  # S-01's practice, let through by the coordinator
    assert "S-01" in out  # named among the flagged


def test_without_validity_or_practice_there_is_no_such_section(cohort: Path, tmp_path: Path):
    target = tmp_path / "quality.pdf"
    assert main(["cohort", "quality-report", str(cohort), str(target)]) == 0
    text = text_of(target)
    assert "Validity portfolios and calibration" not in text
    assert "difference from the validity portfolios" not in text


def test_backreads_have_their_section_and_count_among_the_flags(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from icg_desk.demo.backread import add_demo_backreads

    path = build_agreement_cohort(tmp_path / "c.icgcohort", weeks=4, biases=DEMO_BIASES)
    add_demo_backreads(path, per_scorer=6)
    code, out, _ = run(["cohort", "agreement", str(path), "--json"], capsys)
    assert code == 0
    by_id = {s["scorer_id"]: s["backread"] for s in json.loads(out)["scorers"]}
    target = tmp_path / "quality.pdf"
    code, _, err = run(["cohort", "quality-report", str(path), str(target)], capsys)
    assert code == 0, err
    text = text_of(target)
    assert "Backreads" in text
    for scorer_id, back in by_id.items():
        assert f"{back['returned']} of {back['pulled']}" in text, scorer_id
    flagged = [i for i, b in by_id.items() if b["mean_difference_flagged"]]
    assert flagged  # the demo's S-01 scores high against their backreaders too
    for scorer_id in flagged:
        assert f"{by_id[scorer_id]['mean_difference']:+.2f}" in text
    assert "scores higher than backreaders" in text
