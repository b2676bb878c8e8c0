"""Adjudication: flagged portfolios go to adjudicators, their scores settle the flags, release."""

from __future__ import annotations

import json
from dataclasses import replace
from fractions import Fraction
from pathlib import Path

import pytest
from sqlalchemy import select, update

from icg_desk.cli import main
from icg_desk.demo.cohort import build_demo_cohort
from icg_desk.models.adjudication import AdjudicationRefused, plan_adjudication
from icg_desk.models.batch_file import BatchFile
from icg_desk.models.cohort_file import CohortFile
from icg_desk.models.cohort_results import ReleaseError
from icg_desk.models.cohort_schema import ADJUDICATION, Assignment, Candidate, Flag, Scorer
from icg_desk.models.rubric_file import builtin_rubric, parse_rubric
from icg_desk.models.schema import Portfolio
from icg_desk.operations.batch_work import BatchWork, FactorNotAsked, NotReady
from icg_desk.operations.cohort import (
    CohortRef,
    adjudicate,
    import_scorers,
    merge,
    release,
    results,
    status,
)
from icg_desk.scoring.flags import FlagKind, FlagState, split_factors

F = Fraction
RUBRIC = builtin_rubric()
KEYS = RUBRIC.factor_keys
HEADER = "scorer_id,name,email,organisation,conflicts,role\n"


def every(score: Fraction, **others: Fraction) -> dict[str, Fraction]:
    return {key: others.get(key, score) for key in KEYS}


@pytest.fixture
def flagged(tmp_path: Path, fixed_candidate_codes: None) -> Path:
    """A demo cohort of 30 whose flags stay open: discrepancies and decision splits."""
    return build_demo_cohort(
        tmp_path / "demo", candidates=30, words_per_entry=20, accept_flags=False
    )


def add_adjudicators(db: Path, tmp_path: Path, rows: str) -> None:
    sheet = tmp_path / "adjudicators.csv"
    sheet.write_text(HEADER + rows, encoding="utf-8")
    import_scorers(CohortRef(db), sheet)


TWO = (
    "A-1,Ada Adj,ada@example.org,Far Away District,,adjudicator\n"
    "A-2,Bo Adj,bo@example.org,Other Far District,,Adjudicator\n"
)


def score_batches(paths: list[Path], score: Fraction) -> None:
    """Score every adjudication portfolio as an adjudicator would, with the operations API."""
    for path in paths:
        with BatchFile.open(path) as batch:
            work = BatchWork(batch)
            for p in work.portfolios():
                view = work.portfolio(p.id)
                for key in view.adjudicate:
                    work.set_score(p.id, key, score)
                    work.set_rationale(p.id, key, "Weighed against the standard's wording.")
                work.mark_complete(p.id)


# --- the pure rule: which factors split a decision --------------------------------------------


def test_the_factors_that_split_a_decision_follow_the_floor_and_certification_rules() -> None:
    # Data on either side of the 1.75 floor; the rest equal: only data splits it.
    reads = [("S-1", every(F(3), data=F(3, 2))), ("S-2", every(F(3), data=F(2)))]
    assert split_factors(RUBRIC, reads) == ("data",)
    # One certifies (3.00), the other not (2.50), no factor below the floor: every factor whose
    # reads differ may move the overall across 2.75, so each is asked; an equal one is not.
    reads = [("S-1", every(F(3))), ("S-2", every(F(5, 2), data=F(3)))]
    assert split_factors(RUBRIC, reads) == tuple(k for k in KEYS if k != "data")
    assert split_factors(RUBRIC, [("S-1", every(F(3))), ("S-2", every(F(3)))]) == ()


# --- the whole path ---------------------------------------------------------------------------


def test_flagged_portfolios_are_adjudicated_merged_and_released(
    flagged: Path, tmp_path: Path
) -> None:
    ref = CohortRef(flagged)
    before = results(ref)
    flagged_ids = {c.candidate_id for c, _ in before.open_flags}
    assert len(flagged_ids) >= 2  # the demo's reads vary with its text; some always disagree
    with pytest.raises(ReleaseError, match="open"):
        release(ref)
    add_adjudicators(flagged, tmp_path, TWO)
    # Adjudicators are in the scorers sheet, but are not readers: status counts reads only.
    assert status(ref).reads_assigned == 2 * len(before.candidates)

    sent = adjudicate(ref, tmp_path / "adjudication").value
    assert {i.candidate_id for i in sent.items} == flagged_ids  # the flagged ones only
    loads = [b.portfolios for b in sent.batches]
    assert sorted(b.scorer_id for b in sent.batches) == ["A-1", "A-2"]
    assert max(loads) - min(loads) <= 1  # balanced across adjudicators
    for item in sent.items:
        result = next(c for c in before.candidates if c.candidate_id == item.candidate_id)
        kinds = {f.kind for f in result.open_flags}
        discrepant = {f.factor for f in result.open_flags if f.kind is FlagKind.DISCREPANCY}
        assert discrepant <= set(item.factors)
        if kinds == {FlagKind.DISCREPANCY}:
            assert set(item.factors) == discrepant
    # A batch says which portfolio asks for which factors; the earlier reads stay hidden.
    asked = {i.code: list(i.factors) for i in sent.items}
    for batch in sent.batches:
        with BatchFile.open(batch.path) as opened, opened.reading() as session:
            for p in session.scalars(select(Portfolio)):
                assert p.adjudicate == asked[p.candidate_code]
                assert p.earlier_reads == []
    # Sent again: nothing new, since every adjudication is out.
    again = adjudicate(ref, tmp_path / "again").value
    assert again.batches == ()
    assert set(again.still_out) == flagged_ids
    assert not (tmp_path / "again").exists()

    score_batches([b.path for b in sent.batches], F(3))
    outcomes = merge(ref, [b.path for b in sent.batches]).value
    assert [o.outcome for o in outcomes] == ["accepted", "accepted"]
    assert all("adjudicated" in o.reason for o in outcomes)

    after = results(ref)
    assert after.open_flags == ()
    by = {i.candidate_id: i for i in sent.items}
    for c in after.candidates:
        if c.candidate_id not in by:
            assert c.adjudicated_by == ()
            continue
        item = by[c.candidate_id]
        assert c.adjudicated_by == tuple((k, item.adjudicator_id) for k in item.factors)
        for f in c.factors:
            assert f.adjudicated is (f.key in item.factors)
            if f.adjudicated:
                assert f.score == F(3)  # the adjudicator's score replaces the mean
        closed = [f for f in c.flags if f.state is FlagState.ADJUDICATED]
        assert closed
        assert all(f.closed_by == item.adjudicator_id for f in closed)
        assert all(f.closed_at is not None for f in closed)
        row = c.as_json(after.rubric)
        assert row["adjudicated"] == {k: item.adjudicator_id for k in item.factors}
    # An adjudication is not a read: the candidate still has its 2 reads, in and compared.
    assert all(c.reads_needed == 2 and c.reads_in == 2 for c in after.candidates)
    release(ref)


def test_results_text_and_json_name_the_adjudicated_factors_and_who(
    flagged: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    add_adjudicators(flagged, tmp_path, TWO)
    assert main(["cohort", "adjudicate", str(flagged), str(tmp_path / "adj")]) == 0
    out = capsys.readouterr().out
    assert "Wrote 2 adjudication batches" in out
    sent = [line for line in out.splitlines() if " -> A-" in line]
    assert sent  # each portfolio with the factors asked, as the rubric names them
    assert not any("_" in line.split(":", 1)[1] for line in sent), sent
    score_batches(sorted((tmp_path / "adj").glob("*.icgbatch")), F(13, 4))
    assert main(["cohort", "merge", str(flagged), str(tmp_path / "adj" / "*.icgbatch")]) == 0
    capsys.readouterr()
    assert main(["cohort", "results", str(flagged), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    adjudicated = [r for r in data["results"] if r["adjudicated"]]
    assert adjudicated
    assert all(set(r["adjudicated"].values()) <= {"A-1", "A-2"} for r in adjudicated)
    assert main(["cohort", "results", str(flagged)]) == 0
    text = capsys.readouterr().out
    assert "adjudicated by A-" in text


# --- refusals -----------------------------------------------------------------------------------


def test_no_adjudicator_is_refused_and_nothing_is_written(flagged: Path, tmp_path: Path) -> None:
    outdir = tmp_path / "adj"
    with pytest.raises(AdjudicationRefused, match="the scorers sheet names no adjudicator"):
        adjudicate(CohortRef(flagged), outdir)
    assert not outdir.exists()
    with CohortFile.open(flagged) as cohort, cohort.reading() as session:
        kinds = set(session.scalars(select(Assignment.kind)))
    assert ADJUDICATION not in kinds


def test_the_cli_says_why_with_exit_code_2(
    flagged: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["cohort", "adjudicate", str(flagged), str(tmp_path / "adj")])
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert "no adjudicator may adjudicate" in err
    assert "nothing was sent" in err


def test_a_read_portfolio_names_its_readers_in_the_refusal(flagged: Path, tmp_path: Path) -> None:
    with CohortFile.open(flagged) as cohort, cohort.transaction() as session:
        code, readers = _a_flagged_candidate(session)
        # Only the two who read it are adjudicators.
        session.execute(
            update(Scorer).where(Scorer.scorer_id.in_(readers)).values(role="adjudicator")
        )
    with pytest.raises(AdjudicationRefused) as refused:
        adjudicate(CohortRef(flagged), tmp_path / "adj")
    message = str(refused.value)
    assert code in message
    assert all(f"{sid} read it already" in message for sid in readers)
    assert not (tmp_path / "adj").exists()


def test_an_adjudicator_with_a_conflict_is_not_eligible(flagged: Path, tmp_path: Path) -> None:
    with CohortFile.open(flagged) as cohort, cohort.reading() as session:
        code, _readers = _a_flagged_candidate(session)
        candidate_id = session.scalars(
            select(Candidate.candidate_id).where(Candidate.code == code)
        ).one()
    add_adjudicators(
        flagged,
        tmp_path,
        f"A-9,Cy Adj,cy@example.org,Far Away District,{candidate_id},adjudicator\n",
    )
    with pytest.raises(AdjudicationRefused) as refused:
        adjudicate(CohortRef(flagged), tmp_path / "adj")
    assert "A-9 declared a conflict of interest with the candidate" in str(refused.value)
    assert candidate_id in str(refused.value)


def _a_flagged_candidate(session) -> tuple[str, list[str]]:  # type: ignore[no-untyped-def]
    cref, code = session.execute(
        select(Candidate.id, Candidate.code)
        .join(Flag, Flag.candidate_ref == Candidate.id)
        .where(Flag.state == FlagState.OPEN)
        .order_by(Candidate.candidate_id)
    ).first()
    readers = list(
        session.scalars(
            select(Scorer.scorer_id)
            .join(Assignment, Assignment.scorer_ref == Scorer.id)
            .where(Assignment.candidate_ref == cref)
        )
    )
    return code, readers


def test_a_bad_role_in_the_scorers_sheet_names_its_row(flagged: Path, tmp_path: Path) -> None:
    sheet = tmp_path / "bad.csv"
    sheet.write_text(HEADER + "A-1,Ada Adj,ada@example.org,X,,judge\n", encoding="utf-8")
    with pytest.raises(Exception, match=r"row 2, column role: 'judge' is not a role"):
        import_scorers(CohortRef(flagged), sheet)


# --- the batch: only the asked factors, earlier reads as the rubric says -----------------------


def test_an_adjudication_portfolio_asks_only_for_its_factors(tmp_path: Path) -> None:
    from icg_desk.models.portfolios import EntryContent, PortfolioContent, add_portfolios

    entries = tuple(EntryContent(e.number, "Entry text.") for e in RUBRIC.entries)
    path = tmp_path / "adj.icgbatch"
    with BatchFile.create(
        path, batch_id="b", cohort="2026-27", scorer_id="A-1", scorer_name="Ada", rubric=RUBRIC
    ) as batch:
        add_portfolios(batch, [PortfolioContent("C27-00001", entries, ("data", "playbook"))])
        work = BatchWork(batch)
        (p,) = work.portfolios()
        view = work.portfolio(p.id)
        assert view.adjudicate == ("playbook", "data")  # in rubric order
        with pytest.raises(FactorNotAsked, match="Impact Cycle is shown, not scored"):
            work.set_score(p.id, "impact_cycle", F(3))
        with pytest.raises(FactorNotAsked):
            work.set_rationale(p.id, "leadership", "not mine to score")
        with pytest.raises(NotReady) as not_ready:
            work.mark_complete(p.id)
        # Completion needs the asked factors only: the others are never listed.
        assert len(not_ready.value.reasons) == 2
        assert all(
            RUBRIC.factor(k).name in " ".join(not_ready.value.reasons) for k in ("data", "playbook")
        )
        work.set_score(p.id, "data", F(3))
        work.set_score(p.id, "playbook", F(2))
        work.mark_complete(p.id)
        assert work.progress() == (1, 1)


def test_the_rubric_may_show_the_adjudicator_the_earlier_reads(
    flagged: Path, tmp_path: Path
) -> None:
    add_adjudicators(flagged, tmp_path, TWO)
    with CohortFile.open(flagged) as cohort, cohort.reading() as session:
        hidden = plan_adjudication(session, cohort.rubric)
        shown_rubric = replace(
            cohort.rubric, reads=replace(cohort.rubric.reads, adjudicator_sees_reads=True)
        )
        shown = plan_adjudication(session, shown_rubric)
    assert all(i.earlier_reads == () for i in hidden.items)
    for item in shown.items:
        # Two reads of each factor asked, unnamed: the factor key and the score.
        assert len(item.earlier_reads) == 2 * len(item.factors)
        assert {k for k, _ in item.earlier_reads} == set(item.factors)


def test_the_rubric_option_is_read_and_defaults_to_hidden() -> None:
    assert RUBRIC.reads.adjudicator_sees_reads is False
    text = RUBRIC.source_text.replace(
        "flag_decision_disagreement = true",
        "flag_decision_disagreement = true\nadjudicator_sees_reads = true",
    )
    assert parse_rubric(text, "shown.toml").reads.adjudicator_sees_reads is True


def test_the_workbook_and_reports_name_the_adjudicated_factors(
    flagged: Path, tmp_path: Path
) -> None:
    from openpyxl import load_workbook

    from icg_desk.export.cohort_reports import reports_from_results
    from icg_desk.export.report_data import factor_lines
    from icg_desk.operations.cohort import export_summary

    ref = CohortRef(flagged)
    add_adjudicators(flagged, tmp_path, TWO)
    sent = adjudicate(ref, tmp_path / "adj").value
    score_batches([b.path for b in sent.batches], F(3))
    merge(ref, [b.path for b in sent.batches])
    found = results(ref)
    adjudicated = {c.candidate_id: c for c in found.candidates if c.adjudicated_by}
    assert adjudicated

    _found, book = export_summary(ref, tmp_path / "summary.xlsx")
    workbook = load_workbook(book, read_only=True)
    try:
        rows = list(workbook["Results"].iter_rows(values_only=True))
    finally:
        workbook.close()
    column = rows[0].index("Adjudicated")
    # A row's empty cells at its end are not read back: no adjudication there.
    shown = {row[0]: row[column] if len(row) > column else None for row in rows[1:]}
    for cid, c in adjudicated.items():
        assert shown[cid] == "; ".join(
            f"{RUBRIC.factor(k).name} by {by}" for k, by in c.adjudicated_by
        )
    assert all(not shown[c.candidate_id] for c in found.candidates if not c.adjudicated_by)

    reports = {r.candidate_code: r for r in reports_from_results(found)}
    for c in adjudicated.values():
        marks = {line.factor.key: line.mark for line in factor_lines(reports[c.code])}
        for key, by in c.adjudicated_by:
            assert marks[key] == f"adjudicated by {by}"
        assert all(marks[k] == "" for k in KEYS if c.adjudicator_of(k) is None)


def test_a_withdrawn_candidates_flags_are_not_sent_for_adjudication(
    flagged: Path, tmp_path: Path
) -> None:
    from icg_desk.models.cohort_file import CohortFile
    from icg_desk.models.ways_out import withdraw_candidate

    ref = CohortRef(flagged)
    flagged_ids = sorted({c.candidate_id for c, _ in results(ref).open_flags})
    gone = flagged_ids[0]
    with CohortFile.open(flagged) as cohort:
        withdraw_candidate(cohort, gone, "moved abroad", "Ana")
    add_adjudicators(flagged, tmp_path, TWO)
    sent = adjudicate(ref, tmp_path / "adjudication").value
    assert {i.candidate_id for i in sent.items} == set(flagged_ids[1:])
