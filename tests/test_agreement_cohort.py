"""Agreement, severity and drift of a cohort (issue 16, items 2 and 6): generated cohorts, the
merge log's times, which reads count, and `icg-desk cohort agreement`.

The generated cohorts are random with a fixed seed. Their intervals are 95% simultaneous over
the scorers, so about one cohort in twenty flags a scorer who is neither severe nor drifting:
in 40 generated cohorts of 24 scorers with no bias at all, 2 flagged someone by severity and 2
by drift. The seeds here are the generator's default (16) and one more.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from fractions import Fraction
from pathlib import Path

import pytest
from sqlalchemy import insert, select

from icg_desk.cli import main
from icg_desk.demo.agreement import ScorerBias, build_agreement_cohort
from icg_desk.demo.cohort import build_demo_cohort
from icg_desk.models.agreement import agreement_reads, cohort_agreement
from icg_desk.models.batch_file import BatchFile
from icg_desk.models.cohort_file import CohortFile, CohortFileError
from icg_desk.models.cohort_schema import (
    ADJUDICATION,
    ADJUDICATOR,
    Assignment,
    Candidate,
    MergeLog,
    ReadScore,
    Scorer,
    Withdrawal,
)
from icg_desk.operations.batch_work import BatchWork
from icg_desk.operations.merge import merge_files

SEVERE = {"S-01": ScorerBias(levels_high=1, on_factors=3)}  # a level high on 3 of 7 factors
DRIFTING = {"S-01": ScorerBias(steps_per_week=1)}  # a step of the scale more every week


def _figures(path: Path):  # type: ignore[no-untyped-def]
    with CohortFile.open(path) as cohort:
        return cohort_agreement(cohort)


@pytest.mark.parametrize("seed", [16, 3])
def test_a_scorer_a_level_high_on_half_the_factors_is_flagged(tmp_path: Path, seed: int) -> None:
    path = build_agreement_cohort(tmp_path / "c.icgcohort", seed=seed, biases=SEVERE)
    figures = _figures(path).figures
    severe = figures.scorer("S-01")
    assert severe.severity is not None
    assert severe.adjusted is not None
    # 3 of 7 factors a level (0.75 to 1 point, less where 4+ caps it) high: about +0.4.
    assert 0.25 < severe.severity.value < 0.5
    assert severe.severity.excludes_zero
    assert severe.adjusted.low is not None
    assert severe.adjusted.low > 0
    assert [s.scorer_id for s in figures.scorers if s.severe_or_lenient] == ["S-01"]
    # It shows on the factors it is high on, and not on the others.
    by_factor = severe.severity_by_factor
    assert all(by_factor[k] > 0.5 for k in ("impact_cycle", "playbook", "data"))
    assert all(abs(by_factor[k]) < 0.25 for k in ("communication", "leadership"))
    assert not any(s.drift.drifting for s in figures.scorers)


@pytest.mark.parametrize("seed", [16, 3])
def test_a_scorer_whose_scores_rise_week_by_week_shows_drift(tmp_path: Path, seed: int) -> None:
    path = build_agreement_cohort(tmp_path / "c.icgcohort", seed=seed, weeks=5, biases=DRIFTING)
    figures = _figures(path).figures
    drift = figures.scorer("S-01").drift
    assert drift.slope is not None
    assert drift.slope.low is not None
    # A step a week is 0.25 points (0.5 between levels, less where the scale ends).
    assert 0.2 < drift.slope.value < 0.4
    assert drift.slope.low > 0
    assert [w.week for w in drift.weeks] == [
        "2026-W27",
        "2026-W28",
        "2026-W29",
        "2026-W30",
        "2026-W31",
    ]
    weekly = [w.severity for w in drift.weeks]
    assert weekly == sorted(weekly)  # rising
    assert weekly[0] < -0.3
    assert weekly[-1] > 0.3
    assert [s.scorer_id for s in figures.scorers if s.drift.drifting] == ["S-01"]
    assert not any(s.severe_or_lenient for s in figures.scorers)


def test_a_cohort_with_no_bias_flags_no_one(tmp_path: Path) -> None:
    figures = _figures(build_agreement_cohort(tmp_path / "c.icgcohort")).figures
    assert not any(s.severe_or_lenient or s.drift.drifting for s in figures.scorers)
    # Realistic agreement: most pairs the same level, a third or more exact.
    assert figures.cohort.exact is not None
    assert figures.cohort.adjacent is not None
    assert Fraction(1, 3) < figures.cohort.exact < figures.cohort.adjacent
    assert figures.cohort.kappa is not None
    assert figures.cohort.kappa > Fraction(8, 10)


def test_a_reads_time_is_when_a_merged_file_last_changed_it(tmp_path: Path) -> None:
    path = build_demo_cohort(tmp_path, candidates=12, scorers=3, words_per_entry=30)
    with CohortFile.open(path) as cohort:
        with cohort.reading() as session:
            first = {
                (r.scorer_id, r.portfolio): r.at
                for r in agreement_reads(session, cohort.rubric, cohort)
            }
            as_of = dict(session.execute(select(MergeLog.scorer_id, MergeLog.scores_as_of)).all())
    assert len(first) == 24
    assert all(at == as_of[scorer] for (scorer, _), at in first.items())

    # A scorer changes one score a moment later and sends the batch again.
    batch_path = sorted((tmp_path / "batches").glob("*.icgbatch"))[0]
    time.sleep(0.01)
    with BatchFile.open(batch_path) as batch:
        scorer = batch.identity.scorer_id
        work = BatchWork(batch)
        portfolio = work.portfolios()[0]
        key = work.rubric.factor_keys[0]
        old = work.portfolio(portfolio.id).reads[key].score
        work.reopen(portfolio.id)
        work.set_score(portfolio.id, key, Fraction(1) if old != Fraction(1) else Fraction(4))
        work.mark_complete(portfolio.id)
    with CohortFile.open(path) as cohort:
        merge_files(cohort, [batch_path])
        with cohort.reading() as session:
            later = {
                (r.scorer_id, r.portfolio): r.at
                for r in agreement_reads(session, cohort.rubric, cohort)
            }
    changed = (scorer, portfolio.candidate_code)
    assert later[changed] > first[changed]
    assert all(later[k] == first[k] for k in first if k != changed)


def test_adjudications_and_withdrawn_candidates_are_not_counted(tmp_path: Path) -> None:
    path = build_agreement_cohort(tmp_path / "c.icgcohort", candidates=60, scorers=6)
    before = _figures(path).figures
    with CohortFile.open(path) as cohort, cohort.transaction() as session:
        session.execute(insert(Scorer).values(id=99, scorer_id="ADJ-1", name="A", role=ADJUDICATOR))
        session.execute(
            insert(Assignment).values(
                id=9999,
                candidate_ref=1,
                scorer_ref=99,
                kind=ADJUDICATION,
                factors=["data"],
                assigned_at=datetime.now(UTC),
            )
        )
        session.execute(
            insert(ReadScore).values(assignment_ref=9999, factor_key="data", score=Fraction(4))
        )
    assert _figures(path).figures.as_json() == before.as_json()

    with CohortFile.open(path) as cohort, cohort.transaction() as session:
        session.execute(
            insert(Withdrawal).values(
                candidate_ref=2, actor="T", reason="test", at=datetime.now(UTC)
            )
        )
        code = session.scalar(select(Candidate.code).where(Candidate.id == 2))
    after = _figures(path).figures
    assert after.reads == before.reads - 2
    assert after.portfolios_compared == before.portfolios_compared - 1
    with CohortFile.open(path) as cohort, cohort.reading() as session:
        assert code not in {r.portfolio for r in agreement_reads(session, cohort.rubric, cohort)}


def test_reads_in_progress_are_not_counted(tmp_path: Path) -> None:
    path = build_agreement_cohort(tmp_path / "c.icgcohort", candidates=60, scorers=6)
    before = _figures(path).figures
    with CohortFile.open(path) as cohort, cohort.transaction() as session:
        session.execute(
            ReadScore.__table__.update()
            .where(ReadScore.assignment_ref == 1, ReadScore.factor_key == "data")
            .values(score=None)
        )
    assert _figures(path).figures.reads == before.reads - 1


def run(capsys: pytest.CaptureFixture[str], *argv: object) -> tuple[int, str, str]:
    try:
        code = main([str(a) for a in argv])
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_the_command_prints_one_json_object(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = build_agreement_cohort(tmp_path / "c.icgcohort", biases=SEVERE)
    code, out, _ = run(capsys, "cohort", "agreement", path, "--json")
    assert code == 0
    found = json.loads(out)
    for key in (
        "exact_agreement",
        "adjacent_agreement",
        "quadratic_weighted_kappa",
        "krippendorff_alpha",
    ):
        assert isinstance(found[key], float)
        assert set(found["factors"]["data"]) >= {key, "read_pairs"}
    assert list(found["factors"]) == [
        "impact_cycle",
        "playbook",
        "data",
        "communication",
        "partnership",
        "leadership",
        "system_support",
    ]
    first = found["scorers"][0]
    assert first["scorer_id"] == "S-01"
    assert first["severity_flagged"] is True
    assert first["severity"] > 0.25
    low, high = first["severity_interval"]
    assert 0 < low < first["severity"] < high
    assert first["validity_exact"] is None
    assert isinstance(first["reads"], int)
    assert set(first["drift"]) >= {"weeks", "slope_per_week", "slope_interval", "drifting"}
    assert not any(s["severity_flagged"] for s in found["scorers"][1:])


def test_the_command_reads_plainly(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = build_agreement_cohort(tmp_path / "c.icgcohort", weeks=5, biases=DRIFTING)
    code, out, _ = run(capsys, "cohort", "agreement", path)
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith("Cohort 2026-27 (icg-revised): 600 complete reads")
    assert any(line.lstrip().startswith("Impact Cycle") for line in lines)
    drifter = next(line for line in lines if line.lstrip().startswith("S-01"))
    assert "DRIFTS" in drifter
    assert sum("DRIFTS" in line for line in lines) == 1


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: None, "no such file"),
        (lambda p: p.write_text("not a cohort"), "is not an ICG Desk cohort"),
    ],
)
def test_a_bad_cohort_exits_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, make, message
) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "x.icgcohort"
    make(path)
    code, out, err = run(capsys, "cohort", "agreement", path, "--json")
    assert code == 2
    assert out == ""
    assert message in err
    assert str(path) in err


def test_a_score_off_the_scale_in_the_file_is_named(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = build_agreement_cohort(tmp_path / "c.icgcohort", candidates=20, scorers=4)
    with CohortFile.open(path) as cohort:
        with cohort.transaction() as session:
            session.connection().exec_driver_sql(
                "UPDATE read_score SET score = '2.50' WHERE assignment_ref = 1 "
                "AND factor_key = 'data'"
            )
        # Changed after the file was opened (and checked): the figures name the read.
        with pytest.raises(CohortFileError, match=r"C27-10000 by S-\d\d has '2.50' for data"):
            cohort_agreement(cohort)
    # Opened afresh, the file is refused, and the command exits 2 saying why.
    code, out, err = run(capsys, "cohort", "agreement", path)
    assert code == 2
    assert out == ""
    assert "'2.50'" in err
    assert "not on the scale" in err
