"""Validity and practice figures (issue 16, items 1, 4 and 6) and the coordinator's unlock code:
the pure rules worked by hand, generated cohorts with validity and practice portfolios, and
`icg-desk cohort agreement` / `icg-desk cohort unlock`.

The generated cohorts' validity portfolios are read with the same noise and bias as the live
ones (demo/agreement.py), on a random stream of their own: the live reads, and so every
inter-rater figure, are the same with them or without.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from fractions import Fraction as F
from pathlib import Path

import pytest
from sqlalchemy import func, select

from icg_desk.cli import main
from icg_desk.demo.agreement import ScorerBias, build_agreement_cohort
from icg_desk.models.agreement import cohort_agreement
from icg_desk.models.cohort_file import CohortFile
from icg_desk.models.cohort_schema import (
    PRACTICE,
    Assignment,
    CohortInfo,
    CoordinatorEvent,
    KeyScore,
    ReadScore,
    Scorer,
)
from icg_desk.models.rubric_file import builtin_rubric
from icg_desk.scoring.calibration import QualifyingRule, judge_practice, unlock_code
from icg_desk.scoring.quality import (
    FAILED,
    IN_PROGRESS,
    MISSES_KEY,
    NOT_STARTED,
    QUALIFIED,
    SCORES_HIGH_ON_KEY,
    SCORES_LOW_ON_KEY,
    UNLOCKED,
    KeyedRead,
    Unlock,
    ValidityRule,
    practice_figures,
    validity_figures,
)
from icg_desk.scoring.stats import mean_interval

RUBRIC = builtin_rubric()
KEYS = RUBRIC.factor_keys
SCALE = RUBRIC.scale
# A level high on four of the seven factors: "a full level high on half the factors".
SEVERE = {"S-01": ScorerBias(levels_high=1, on_factors=4)}


def _read(scorer: str, code: str, given: list[str], key: list[str]) -> KeyedRead:
    return KeyedRead(
        scorer,
        code,
        {k: SCALE.parse(g) for k, g in zip(KEYS, given, strict=True)},
        {k: SCALE.parse(a) for k, a in zip(KEYS, key, strict=True)},
    )


KEY_A = ["3", "3", "2+", "2", "3-", "4", "1+"]
KEY_B = ["2", "2-", "3", "3+", "2", "2+", "3"]


def test_validity_figures_worked_by_hand() -> None:
    reads = [
        # 3 exact; impact_cycle +0.25 (same level), playbook +1.00 (next level), data -0.50
        # (2+ -> 2-: same level), communication +0.75 (2 -> 3-: next level).
        _read("S-01", "V1", ["3+", "4", "2-", "3-", "3-", "4", "1+"], KEY_A),
        # 6 exact; leadership -0.25 (2+ -> 2).
        _read("S-01", "V2", ["2", "2-", "3", "3+", "2", "2", "3"], KEY_B),
    ]
    found = validity_figures(reads, KEYS, SCALE)
    v = found.scorers["S-01"]
    assert (v.reads, v.compared) == (2, 14)
    assert v.exact == F(9, 14)
    assert v.same_level == F(12, 14)
    # Read 1: (0.25 + 1 - 0.5 + 0.75) / 7 = 1.5 / 7; read 2: -0.25 / 7.
    assert v.difference is not None
    assert v.difference.value == pytest.approx((1.5 / 7 - 0.25 / 7) / 2)
    # One scorer with an interval: the plain 95% t-interval of the two per-read differences.
    expected = mean_interval([1.5 / 7, -0.25 / 7], 0.95)
    assert expected is not None
    assert (v.difference.low, v.difference.high) == pytest.approx((expected.low, expected.high))
    assert v.by_factor["playbook"] == F(1, 2)  # (+1 + 0) / 2, exact
    assert v.by_factor["leadership"] == F(-1, 8)
    assert v.by_factor["system_support"] == 0
    assert v.exact_share is not None
    assert v.exact_share.value == pytest.approx((3 / 7 + 6 / 7) / 2)
    assert not v.flagged  # two reads: wide intervals


def test_a_read_in_progress_is_not_a_validity_read() -> None:
    complete = _read("S-01", "V1", KEY_A, KEY_A)
    partial = KeyedRead("S-01", "V2", {**complete.scores, "data": None}, complete.key)
    found = validity_figures([complete, partial], KEYS, SCALE)
    assert found.scorers["S-01"].reads == 1
    assert found.scorers["S-01"].exact == 1


def test_the_validity_flags_follow_the_rule() -> None:
    high = [_read("S-01", f"V{i}", ["4", "4-", "3+", "3", "3", "4+", "2"], KEY_A) for i in range(6)]
    # Every read the same: the interval is the value, +0.68 (4.75 / 7).
    on_key = [_read("S-02", f"W{i}", KEY_B, KEY_B) for i in range(6)]
    low = [
        _read("S-03", f"X{i}", ["1+", "1", "2", "3-", "1+", "2-", "2+"], KEY_B) for i in range(6)
    ]
    found = validity_figures([*high, *on_key, *low], KEYS, SCALE)
    assert found.scorers["S-01"].flags == [SCORES_HIGH_ON_KEY, MISSES_KEY]
    assert found.scorers["S-02"].flags == []
    assert found.scorers["S-03"].flags == [SCORES_LOW_ON_KEY, MISSES_KEY]
    # The margin: a scorer a quarter point high on one factor of seven (+0.036) is on the key.
    slightly = [
        _read("S-04", f"Y{i}", ["2+", "2-", "3", "3+", "2", "2+", "3"], KEY_B) for i in range(6)
    ]
    nudged = validity_figures(slightly, KEYS, SCALE).scorers["S-04"]
    assert nudged.difference is not None
    assert nudged.difference.low is not None
    assert nudged.difference.low > 0  # wholly above zero ...
    assert not nudged.scores_high  # ... but not beyond half a step of the scale
    strict = validity_figures(slightly, KEYS, SCALE, rule=ValidityRule(margin=F(0)))
    assert strict.scorers["S-04"].scores_high


def test_practice_is_judged_by_the_rubric_rule_with_the_coordinators_unlock() -> None:
    rule = QualifyingRule()  # 70% exact, none more than a level off
    good = _read("S-01", "P1", ["3", "3", "2+", "2", "3-", "4", "2-"], KEY_A)  # 6 of 7, 1 level
    off = _read("S-02", "P1", ["3", "3", "2+", "2", "3-", "4", "3-"], KEY_A)  # 6 of 7, 2 levels
    partial = KeyedRead("S-03", "P1", {**good.scores, "data": None}, good.key)
    when = datetime(2026, 7, 1, 9, tzinfo=UTC)
    unlocks = {"S-02": [Unlock("b-2", "Ana", when, "on leave at practice")]}
    found = practice_figures(
        [good, off, partial],
        KEYS,
        SCALE,
        rule,
        assigned={"S-01": 1, "S-02": 1, "S-03": 2, "S-04": 1},
        unlocks=unlocks,
    )
    for s, read in (("S-01", good), ("S-02", off)):
        pairs = [(read.scores[k], read.key[k]) for k in KEYS]
        assert found[s].result == judge_practice(pairs, SCALE, rule)
    assert found["S-01"].status == QUALIFIED
    assert (
        found["S-01"].words() == "6 of 7 factor scores exact (86%), at most 1 level off: qualified"
    )
    assert found["S-02"].result.worst_levels_off == 2
    assert found["S-02"].status == UNLOCKED
    assert "unlocked by Ana on 2026-07-01: on leave at practice" in found["S-02"].words()
    assert not found["S-02"].flagged
    assert found["S-03"].status == IN_PROGRESS  # 1 of 2 practice reads begun, 6 scores
    assert found["S-03"].result.compared == 6
    assert found["S-04"].status == NOT_STARTED
    failed = practice_figures([off], KEYS, SCALE, rule)["S-02"]
    assert failed.status == FAILED
    assert failed.flagged


# --- generated cohorts ---------------------------------------------------------------------------


def _figures(path: Path):  # type: ignore[no-untyped-def]
    with CohortFile.open(path) as cohort:
        return cohort_agreement(cohort).figures


@pytest.mark.parametrize("seed", [16, 3])
def test_a_scorer_a_level_high_on_half_the_factors_is_flagged_by_severity_and_validity(
    tmp_path: Path, seed: int
) -> None:
    path = build_agreement_cohort(
        tmp_path / "c.icgcohort", seed=seed, biases=SEVERE, validity=8, practice=5
    )
    figures = _figures(path)
    severe = figures.scorer("S-01")
    assert [s.scorer_id for s in figures.scorers if s.severe_or_lenient] == ["S-01"]
    v = severe.validity
    assert v is not None
    assert v.difference is not None
    assert v.difference.low is not None
    # A level (0.75 to 1 point) high on 4 of 7 factors: about +0.5 from the agreed scores.
    assert 0.35 < v.difference.value < 0.6
    assert v.difference.low > float(v.rule.margin)
    assert SCORES_HIGH_ON_KEY in v.flags
    assert all(v.by_factor[k] > F(1, 2) for k in KEYS[:4])
    # Every other scorer is on the level with the key: not flagged by the validity portfolios.
    others = [s for s in figures.scorers if s.scorer_id != "S-01"]
    assert [s.scorer_id for s in others if s.validity is not None and s.validity.flagged] == []
    assert all(s.validity is not None and s.validity.reads == 8 for s in figures.scorers)
    # And the practice portfolios, judged by the rubric's rule, hold S-01 back.
    assert severe.practice is not None
    assert not severe.practice.qualified
    assert [s.scorer_id for s in figures.scorers if s.practice and s.practice.flagged] == ["S-01"]


def test_validity_reads_never_enter_the_inter_rater_figures(tmp_path: Path) -> None:
    plain = _figures(build_agreement_cohort(tmp_path / "a.icgcohort", biases=SEVERE))
    seeded = _figures(
        build_agreement_cohort(tmp_path / "b.icgcohort", biases=SEVERE, validity=8, practice=5)
    )
    assert seeded.reads == plain.reads == 600
    assert seeded.cohort == plain.cohort
    assert seeded.factors == plain.factors
    for a, b in zip(plain.scorers, seeded.scorers, strict=True):
        assert (a.reads, a.compared, a.figures, a.severity, a.adjusted) == (
            b.reads,
            b.compared,
            b.figures,
            b.severity,
            b.adjusted,
        )
        assert a.validity is None
        assert b.validity is not None
    assert plain.validity is None
    assert seeded.validity is not None
    assert seeded.validity.reads == 12 * 8


def test_practice_is_judged_from_the_cohorts_own_key_as_the_batch_judges(tmp_path: Path) -> None:
    path = build_agreement_cohort(
        tmp_path / "c.icgcohort", biases=SEVERE, practice=5, unlocked=("S-01",)
    )
    pairs: dict[str, list[tuple[F, F]]] = {}
    with CohortFile.open(path) as cohort, cohort.reading() as session:
        for scorer_id, given, agreed in session.execute(
            select(Scorer.scorer_id, ReadScore.score, KeyScore.score)
            .join(Assignment, ReadScore.assignment_ref == Assignment.id)
            .join(Scorer, Assignment.scorer_ref == Scorer.id)
            .join(
                KeyScore,
                (KeyScore.candidate_ref == Assignment.candidate_ref)
                & (KeyScore.factor_key == ReadScore.factor_key),
            )
            .where(Assignment.kind == PRACTICE)
        ):
            pairs.setdefault(scorer_id, []).append((given, agreed))
    figures = _figures(path)
    for s in figures.scorers:
        assert s.practice is not None
        assert s.practice.result == judge_practice(pairs[s.scorer_id], SCALE, RUBRIC.calibration)
        assert (s.practice.assigned, s.practice.complete) == (5, 5)
    s01 = figures.scorer("S-01").practice
    assert s01 is not None
    assert not s01.qualified
    assert s01.status == UNLOCKED
    assert [u.by for u in s01.unlocks] == ["Coordinator"]
    assert all(s.practice.qualified for s in figures.scorers[1:] if s.practice)


def run(capsys: pytest.CaptureFixture[str], *argv: object) -> tuple[int, str, str]:
    try:
        code = main([str(a) for a in argv])
    except SystemExit as exc:  # a refusal, as the command line exits
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_the_command_gives_validity_and_practice_per_scorer(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = build_agreement_cohort(
        tmp_path / "c.icgcohort", biases=SEVERE, validity=8, practice=5, unlocked=("S-01",)
    )
    code, out, _ = run(capsys, "cohort", "agreement", path, "--json")
    assert code == 0
    found = json.loads(out)
    first = found["scorers"][0]
    assert first["scorer_id"] == "S-01"
    # The shape is kept; validity_exact is now a number, the share of the validity object.
    assert set(first) >= {"scorer_id", "reads", "exact_agreement", "severity", "drift"}
    assert isinstance(first["validity_exact"], float)
    assert first["validity_exact"] == first["validity"]["exact"]
    validity = first["validity"]
    assert validity["reads"] == 8
    assert validity["factor_scores"] == 56
    low, high = validity["difference_interval"]
    assert 0.125 < low < validity["difference"] < high
    assert validity["flagged"] is True
    assert SCORES_HIGH_ON_KEY in validity["flags"]
    practice = first["practice"]
    assert practice["qualified"] is False
    assert practice["unlocked"] is True
    assert practice["status"] == UNLOCKED
    assert practice["rule"] == {"min_exact": 0.7, "max_levels_off": 1}
    assert practice["unlocks"][0]["by"] == "Coordinator"
    assert found["validity"]["reads"] == 96
    assert not any(s["validity"]["flagged"] for s in found["scorers"][1:])

    code, out, _ = run(capsys, "cohort", "agreement", path)
    lines = out.splitlines()
    validity_line = next(
        line for line in lines if line.lstrip().startswith("S-01") and "difference" in line
    )
    assert "SCORES HIGH ON VALIDITY" in validity_line
    practice_line = next(
        line for line in lines if line.lstrip().startswith("S-01") and "practice" in line.lower()
    )
    assert "not qualified; unlocked by Coordinator" in practice_line


def test_a_cohort_with_no_validity_reads_keeps_validity_exact_null(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = build_agreement_cohort(tmp_path / "c.icgcohort", candidates=40, scorers=4)
    code, out, _ = run(capsys, "cohort", "agreement", path, "--json")
    found = json.loads(out)
    assert code == 0
    assert found["validity"] is None
    assert all(s["validity_exact"] is None and s["validity"] is None for s in found["scorers"])
    assert all(s["practice"] is None for s in found["scorers"])


# --- the unlock code -----------------------------------------------------------------------------


def _events(path: Path) -> list[CoordinatorEvent]:
    with CohortFile.open(path) as cohort, cohort.reading() as session:
        rows = list(session.scalars(select(CoordinatorEvent).order_by(CoordinatorEvent.id)))
        session.expunge_all()
        return rows


def _secret(path: Path) -> str:
    with CohortFile.open(path) as cohort, cohort.reading() as session:
        found = session.scalar(select(CohortInfo.secret))
        assert found
        return found


def test_unlock_prints_the_batch_code_and_logs_who_when_why(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = build_agreement_cohort(tmp_path / "c.icgcohort", candidates=40, scorers=4, practice=2)
    code, out, err = run(
        capsys, "cohort", "unlock", path, "--scorer", "S-03", "--by", "Ana", "--reason", "ill"
    )
    assert (code, err) == (0, "")
    expected = unlock_code(_secret(path), "agreement-S-03")
    assert f"Unlock code for batch agreement-S-03 of S-03: {expected}" in out
    (event,) = _events(path)
    assert (event.action, event.actor, event.reason) == ("unlocked", "Ana", "ill")
    assert (event.to_scorer, event.batch_id) == ("S-03", "agreement-S-03")
    # By the batch id: the same code (it is the batch's), a second event.
    code, out, _ = run(
        capsys, "cohort", "unlock", path, "--batch", "agreement-S-03", "--by", "Bo", "--reason", "x"
    )
    assert code == 0
    assert expected in out
    assert len(_events(path)) == 2
    code, out, _ = run(capsys, "cohort", "log", path)
    assert "Ana unlocked batch agreement-S-03 of S-03 (unlock code given): ill" in out
    # The agreement view's practice line shows it.
    figures = _figures(path)
    practice = figures.scorer("S-03").practice
    assert practice is not None
    assert [u.by for u in practice.unlocks] == ["Ana", "Bo"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--scorer", "S-99"], "no scorer 'S-99' in this cohort"),
        (["--batch", "nope"], "no batch 'nope' was sent out from this cohort"),
        (["--batch", "agreement-S-02", "--scorer", "S-01"], "not allowed with argument"),
        (["--scorer", "S-01", "--reason", "  "], "give a reason"),
    ],
)
def test_unlock_refuses_clearly_and_writes_nothing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, args: list[str], message: str
) -> None:
    path = build_agreement_cohort(tmp_path / "c.icgcohort", candidates=40, scorers=4, practice=2)
    reason = [] if "--reason" in args else ["--reason", "why"]
    code, out, err = run(capsys, "cohort", "unlock", path, *args, *reason, "--by", "Ana")
    assert code == 2
    assert out == ""
    assert message in err
    assert _events(path) == []


def test_unlock_refuses_a_batch_with_no_practice(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = build_agreement_cohort(tmp_path / "c.icgcohort", candidates=40, scorers=4)
    for which in (["--scorer", "S-02"], ["--batch", "agreement-S-02"]):
        code, out, err = run(
            capsys, "cohort", "unlock", path, *which, "--by", "Ana", "--reason", "why"
        )
        assert code == 2
        assert out == ""
        assert "practice" in err and "nothing to unlock" in err or "no unlock code" in err
    assert _events(path) == []
    with CohortFile.open(path) as cohort, cohort.reading() as session:
        assert session.scalar(select(func.count()).select_from(CoordinatorEvent)) == 0
