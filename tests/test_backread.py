"""Backreading (issue 16, item 5): a seeded, fair sample of each scorer's completed reads,
pulled for an adjudicator's second look, sent and merged like any batch, never counted in a
result, a flag or the inter-rater agreement, and the differences in the agreement figures."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from fractions import Fraction
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import insert, select

from icg_desk.cli import main
from icg_desk.demo.agreement import DEMO_BIASES, build_agreement_cohort
from icg_desk.demo.backread import add_demo_backreads
from icg_desk.demo.cohort import build_demo_cohort, score_batch
from icg_desk.export.backread_sheet import DIFFERENCE_HEADS, SCORER_HEADS
from icg_desk.models.agreement import cohort_agreement
from icg_desk.models.backread import (
    BackreadLocked,
    BackreadRefused,
    pull_backreads,
)
from icg_desk.models.batch_file import BatchFile
from icg_desk.models.cohort_file import CohortFile
from icg_desk.models.cohort_results import cohort_results, release_results
from icg_desk.models.cohort_schema import (
    ADJUDICATOR,
    BACKREAD,
    READ,
    Assignment,
    Candidate,
    CoordinatorEvent,
    ReadScore,
    Scorer,
    Withdrawal,
)
from icg_desk.models.flags import sync_flags
from icg_desk.models.rubric_file import builtin_rubric
from icg_desk.models.schema import Portfolio
from icg_desk.models.ways_out import coordinator_log
from icg_desk.operations.merge import merge_files
from icg_desk.operations.sending import export_batches
from icg_desk.scoring.backread import (
    BackreadPair,
    Eligible,
    backread_figures,
    draw_sample,
    share_wanted,
)

READER = "A-01"


# --- the pure rules -------------------------------------------------------------------------


def _pool(scorers: int, reads: int) -> dict[str, list[Eligible[tuple[str, int]]]]:
    """Each scorer's reads, portfolios shared two by two as in a cohort of two reads."""
    pool: dict[str, list[Eligible[tuple[str, int]]]] = {}
    for s in range(scorers):
        sid = f"S-{s + 1:02d}"
        pool[sid] = [Eligible((sid, n), (s // 2, n)) for n in range(reads)]
    return pool


def test_the_sample_is_seeded_and_each_scorer_gets_their_number() -> None:
    pool = _pool(6, 40)
    wanted = {s: 5 for s in pool}
    one = draw_sample(pool, wanted, seed=7)
    assert draw_sample(pool, wanted, seed=7) == one  # the same seed, the same sample
    assert draw_sample(pool, wanted, seed=8).picked != one.picked
    assert not one.short
    assert {s: len(p) for s, p in one.picked.items()} == wanted
    for sid, picked in one.picked.items():
        assert all(owner == sid for owner, _ in picked)  # each scorer's own reads
        assert len(set(picked)) == len(picked)
    # One reader never gets two reads of one portfolio (S-01 and S-02 share theirs).
    portfolios = [(int(sid[2:]) - 1) // 2 for p in one.picked.values() for sid, _ in p]
    numbers = [n for p in one.picked.values() for _, n in p]
    assert len(set(zip(portfolios, numbers, strict=True))) == len(numbers)


def test_a_scorers_sample_does_not_change_when_another_is_added() -> None:
    pool = _pool(4, 30)
    alone = draw_sample({"S-03": pool["S-03"]}, {"S-03": 4}, seed=3)
    together = draw_sample(pool, {"S-01": 4, "S-03": 4}, seed=3)
    assert together.picked["S-03"] == alone.picked["S-03"]


def test_the_sample_is_uniform_over_a_scorers_reads() -> None:
    """Over many seeds every read is drawn about as often: fair to each read."""
    pool = _pool(1, 10)
    seen: Counter[int] = Counter()
    for seed in range(2000):
        for _sid, n in draw_sample(pool, {"S-01": 3}, seed).picked["S-01"]:
            seen[n] += 1
    # 6000 draws over 10 reads: 600 each expected; a binomial sd of about 22.
    assert set(seen) == set(range(10))
    assert all(500 < c < 700 for c in seen.values()), seen


def test_too_few_reads_is_short() -> None:
    pool = _pool(2, 3)
    sample = draw_sample(pool, {"S-01": 2, "S-02": 2}, seed=1)
    # S-01 and S-02 read the same 3 portfolios: one reader can take 3 of them, not 4.
    assert sum(len(p) for p in sample.picked.values()) == 3
    assert list(sample.short.values()) == [(2, 1)]


def test_share_wanted_brings_the_share_up_and_rounds_up() -> None:
    assert share_wanted(Fraction(1, 10), 25, 0) == 3
    assert share_wanted(Fraction(1, 10), 25, 2) == 1
    assert share_wanted(Fraction(1, 10), 25, 3) == 0
    assert share_wanted(Fraction(1, 10), 1, 0) == 1
    assert share_wanted(Fraction(1, 10), 0, 0) == 0


def test_the_figures_of_hand_made_backreads() -> None:
    rubric = builtin_rubric()
    keys = rubric.factor_keys
    q = Fraction(1, 4)
    same = dict.fromkeys(keys, Fraction(3))
    # S-01: one read a quarter up on two factors (same level), one a whole level up on one.
    up = same | {keys[0]: 3 + q, keys[1]: 3 + q}
    level = same | {keys[2]: Fraction(4)}
    pairs = [
        BackreadPair("S-01", READER, "C-1", up, same),
        BackreadPair("S-01", READER, "C-2", level, same),
        BackreadPair("S-02", READER, "C-3", same, same),
    ]
    figures = backread_figures(pairs, keys, rubric.scale, {"S-01": 3, "S-02": 1, "S-03": 2})
    s1 = figures.of("S-01")
    assert s1 is not None
    assert (s1.pulled, s1.returned, s1.factor_pairs) == (3, 2, 14)
    assert s1.exact == Fraction(11, 14)
    assert s1.same_level == Fraction(13, 14)
    assert s1.difference is not None
    # Per read: 0.5 / 7 and 1 / 7; their mean 0.75 / 7.
    assert s1.difference.value == pytest.approx(0.75 / 7)
    assert [
        (d.portfolio, d.factor_key, d.scorer_score, d.reader_score) for d in s1.differences
    ] == [
        ("C-1", keys[0], 3 + q, Fraction(3)),
        ("C-1", keys[1], 3 + q, Fraction(3)),
        ("C-2", keys[2], Fraction(4), Fraction(3)),
    ]
    assert s1.as_json()["differences"][2] == {
        "code": "C-2",
        "factor": keys[2],
        "score": "4.00",
        "backread_score": "3.00",
        "difference": "+1.00",
        "backread_by": READER,
    }
    s2 = figures.of("S-02")
    assert s2 is not None
    assert s2.exact == 1
    assert s2.differences == ()
    s3 = figures.of("S-03")
    assert s3 is not None
    assert (s3.pulled, s3.returned, s3.exact, s3.difference) == (
        2,
        0,
        None,
        None,
    )
    assert figures.as_json("S-09")["pulled"] == 0


def test_a_scorer_a_level_above_their_backreads_is_flagged() -> None:
    rubric = builtin_rubric()
    keys = rubric.factor_keys
    base = dict.fromkeys(keys, Fraction(2))
    high = dict.fromkeys(keys, Fraction(3))
    pairs = [
        BackreadPair(
            "S-01", READER, f"C-{n}", high if n % 4 else high | {keys[0]: Fraction(2)}, base
        )
        for n in range(8)
    ] + [BackreadPair("S-02", READER, f"D-{n}", base, base) for n in range(8)]
    figures = backread_figures(pairs, keys, rubric.scale, {})
    s1, s2 = figures.of("S-01"), figures.of("S-02")
    assert s1 is not None
    assert s2 is not None
    assert s1.flagged
    assert s1.difference is not None
    assert s1.difference.value > 0.8
    assert not s2.flagged


# --- in the cohort ----------------------------------------------------------------------------


def _cohort(tmp_path: Path, *, candidates: int = 24) -> Path:
    """A demo cohort, every read merged (3 scorers, 2 reads of each portfolio: 16 reads each),
    and two adjudicators."""
    path = build_demo_cohort(
        tmp_path / "demo", candidates=candidates, scorers=3, words_per_entry=40
    )
    with CohortFile.open(path) as cohort, cohort.transaction() as session:
        session.execute(
            insert(Scorer),
            [
                {"scorer_id": READER, "name": "Ada Reader", "role": ADJUDICATOR},
                {"scorer_id": "A-02", "name": "Bo Second", "role": ADJUDICATOR},
            ],
        )
    return path


def _pull(path: Path, reader: str = READER, **kwargs: object):  # type: ignore[no-untyped-def]
    kwargs.setdefault("by", "coordinator")
    with CohortFile.open(path) as cohort:
        return pull_backreads(cohort, reader, **kwargs)  # type: ignore[arg-type]


def _backreads(path: Path) -> list[tuple[int, int, str, str]]:
    """(backread id, read id, the read's scorer, the backread's reader) of every backread."""
    with CohortFile.open(path) as cohort, cohort.reading() as session:
        rows = session.execute(
            select(Assignment.id, Assignment.of_read, Assignment.scorer_ref).where(
                Assignment.kind == BACKREAD
            )
        ).all()
        scorer_of = dict(session.execute(select(Scorer.id, Scorer.scorer_id)).all())
        read_by = dict(session.execute(select(Assignment.id, Assignment.scorer_ref)).all())
        return [(b, r, scorer_of[read_by[r]], scorer_of[s]) for b, r, s in rows]


def test_pulling_a_sample_per_scorer(tmp_path: Path) -> None:
    path = _cohort(tmp_path)
    copy = tmp_path / "copy.icgcohort"
    shutil.copy(path, copy)
    done = _pull(path, per_scorer=2, seed=5)
    assert Counter(r.scorer_id for r in done.reads) == {"S-01": 2, "S-02": 2, "S-03": 2}
    assert done.eligible == {"S-01": 16, "S-02": 16, "S-03": 16}
    assert done.text().startswith("Pulled 6 reads for A-01 to backread (seed 5): S-01 2")
    assert [(r.code, r.scorer_id) for r in _pull(copy, per_scorer=2, seed=5).reads] == [
        (r.code, r.scorer_id) for r in done.reads
    ]
    found = _backreads(path)
    assert len(found) == 6
    assert all(reader == READER for *_, reader in found)
    with CohortFile.open(path) as cohort, cohort.reading() as session:
        for backread_id, read_id, _scorer, _reader in found:
            backread, read = session.get(Assignment, backread_id), session.get(Assignment, read_id)
            assert backread is not None
            assert read is not None
            assert read.kind == READ
            assert backread.candidate_ref == read.candidate_ref
            assert backread.batch_id is None  # goes out with the next export
        # The reader gets a portfolio once: six different candidates.
        assert len({session.get(Assignment, b).candidate_ref for b, *_ in found}) == 6  # type: ignore[union-attr]
        events = session.scalars(
            select(CoordinatorEvent).where(CoordinatorEvent.action == "backread")
        ).all()
        assert len(events) == 6
        assert {e.actor for e in events} == {"coordinator"}
    log = [e.text() for e in coordinator_log_of(path)]
    assert any("coordinator backread" in line and "to A-01" in line for line in log)
    # Pulled again: never a read twice, never a portfolio the reader has.
    _pull(path, per_scorer=2, seed=5)
    again = _backreads(path)
    assert len(again) == 12
    assert len({r for _b, r, *_ in again}) == 12


def coordinator_log_of(path: Path):  # type: ignore[no-untyped-def]
    with CohortFile.open(path) as cohort:
        return coordinator_log(cohort)


def test_pulling_a_share_brings_each_scorer_up_to_it(tmp_path: Path) -> None:
    path = _cohort(tmp_path)  # each scorer has 16 completed reads
    done = _pull(path, share=Fraction(1, 4), seed=2)
    assert Counter(r.scorer_id for r in done.reads) == {"S-01": 4, "S-02": 4, "S-03": 4}
    more = _pull(path, share=Fraction(3, 8), seed=2)
    assert Counter(r.scorer_id for r in more.reads) == {"S-01": 2, "S-02": 2, "S-03": 2}
    with pytest.raises(BackreadRefused, match="backread already"):
        _pull(path, share=Fraction(3, 8), seed=9)


def test_only_the_scorers_named(tmp_path: Path) -> None:
    path = _cohort(tmp_path)
    done = _pull(path, per_scorer=3, scorer_ids=["S-02"], seed=1)
    assert {r.scorer_id for r in done.reads} == {"S-02"}
    assert len(done.reads) == 3


def test_the_reader_never_gets_their_own_or_a_read_portfolio(tmp_path: Path) -> None:
    path = _cohort(tmp_path)
    with CohortFile.open(path) as cohort, cohort.transaction() as session:
        # The reader read one candidate (as an adjudicator) and declared a conflict with one.
        reader = session.scalars(select(Scorer).where(Scorer.scorer_id == READER)).one()
        first, second = session.scalars(select(Candidate).order_by(Candidate.id).limit(2)).all()
        session.add(Assignment(candidate_ref=first.id, scorer_ref=reader.id, kind="adjudication"))
        reader.conflicts = [second.candidate_id]
        barred = {first.code, second.code}
    done = _pull(path, per_scorer=5, seed=4)
    assert barred.isdisjoint(r.code for r in done.reads)
    with pytest.raises(BackreadRefused, match="nobody backreads their own"):
        _pull(path, per_scorer=1, scorer_ids=[READER])


def test_refusals_change_nothing(tmp_path: Path) -> None:
    path = _cohort(tmp_path)
    with pytest.raises(BackreadRefused, match="no scorer 'A-09'"):
        _pull(path, "A-09", per_scorer=1)
    with pytest.raises(BackreadRefused, match="S-01 is a scorer, not an adjudicator"):
        _pull(path, "S-01", per_scorer=1)
    with pytest.raises(BackreadRefused, match="too few completed reads: S-01 has 16"):
        _pull(path, per_scorer=17)
    # 12 each would give the one reader 36 of the 24 portfolios.
    with pytest.raises(BackreadRefused, match="without giving A-01 one portfolio twice"):
        _pull(path, per_scorer=12)
    with pytest.raises(BackreadRefused, match="no scorer 'S-77'"):
        _pull(path, per_scorer=1, scorer_ids=["S-77"])
    with pytest.raises(BackreadRefused, match="no completed read"):
        _pull(path, per_scorer=1, scorer_ids=["A-02"])
    assert _backreads(path) == []
    with CohortFile.open(path) as cohort:
        release_results(cohort)
    with pytest.raises(BackreadLocked):
        _pull(path, per_scorer=1)
    assert _backreads(path) == []


def test_withdrawn_and_incomplete_reads_are_not_sampled(tmp_path: Path) -> None:
    path = _cohort(tmp_path)
    with CohortFile.open(path) as cohort, cohort.transaction() as session:
        first, second = session.scalars(select(Candidate).order_by(Candidate.id).limit(2)).all()
        session.add(Withdrawal(candidate_ref=first.id, actor="c", reason="left"))
        one_read = session.scalars(
            select(Assignment.id).where(Assignment.candidate_ref == second.id)
        ).first()
        score = session.scalars(
            select(ReadScore).where(ReadScore.assignment_ref == one_read)
        ).first()
        assert score is not None
        score.score = None  # a read in progress
        gone = {first.code}
        partial = one_read
    done = _pull(path, per_scorer=4, seed=1)
    assert gone.isdisjoint(r.code for r in done.reads)
    assert partial not in {r.read_id for r in done.reads}
    # 48 reads, less the withdrawn candidate's two and the one in progress.
    assert sum(done.eligible.values()) == 45


def run(capsys: pytest.CaptureFixture[str], *argv: object) -> tuple[int, str, str]:
    try:
        code = main([str(a) for a in argv])
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def _trimmed(row: tuple[object, ...]) -> list[object]:
    """A sheet's row without the empty cells after its last value."""
    values = list(row)
    while values and values[-1] is None:
        values.pop()
    return values


def _snapshot(path: Path) -> tuple[object, object]:
    with CohortFile.open(path) as cohort:
        results = cohort_results(cohort).as_json()
        figures = cohort_agreement(cohort).figures
    return results, figures


def test_a_backread_end_to_end(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _cohort(tmp_path)
    before = _snapshot(path)
    code = main(
        ["cohort", "backread", str(path), "--reader", READER, "--per-scorer", "2", "--seed", "3"]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert "Pulled 6 reads for A-01 to backread (seed 3)" in out
    # Sent by the normal export as the reader's batch: every factor, blind.
    outbox = tmp_path / "out"
    with CohortFile.open(path) as cohort:
        exported = export_batches(cohort, outbox)
        rubric = cohort.rubric
    assert [(e.scorer_id, e.portfolios) for e in exported] == [(READER, 6)]
    batch_path = exported[0].path
    with BatchFile.open(batch_path) as batch, batch.reading() as session:
        portfolios = session.scalars(select(Portfolio)).all()
        assert len(portfolios) == 6
        assert all(not p.adjudicate for p in portfolios)  # a read of every factor
    raw = batch_path.read_bytes()
    assert b"backread" not in raw.lower()  # nothing says it is a second look
    score_batch(batch_path, seed=99)
    with CohortFile.open(path) as cohort:
        merge_files(cohort, [batch_path])
    # Never in a result, a flag or the inter-rater agreement.
    assert _snapshot(path) == before
    # The differences: each of the reader's scores against the scorer's, from the cohort.
    with CohortFile.open(path) as cohort, cohort.reading() as session:
        scores = {
            (ref, key): score
            for ref, key, score in session.execute(
                select(ReadScore.assignment_ref, ReadScore.factor_key, ReadScore.score)
            )
        }
        code_of = dict(
            session.execute(
                select(Assignment.id, Candidate.code).join(
                    Candidate, Candidate.id == Assignment.candidate_ref
                )
            ).all()
        )
    expected = Counter()
    differing = set()
    for backread_id, read_id, scorer, _reader in _backreads(path):
        for key in rubric.factor_keys:
            if scores[(read_id, key)] != scores[(backread_id, key)]:
                differing.add((code_of[read_id], key, scorer))
            expected[scorer] += scores[(read_id, key)] == scores[(backread_id, key)]
    assert differing, "the made-up reads should differ somewhere"
    code = main(["cohort", "agreement", str(path), "--json"])
    found = json.loads(capsys.readouterr().out)
    assert code == 0
    got = set()
    for scorer in found["scorers"]:
        backread = scorer["backread"]
        assert (backread["pulled"], backread["returned"]) == (2, 2)
        assert backread["exact_agreement"] == round(expected[scorer["scorer_id"]] / 14, 4)
        for d in backread["differences"]:
            assert d["backread_by"] == READER
            got.add((d["code"], d["factor"], scorer["scorer_id"]))
    assert got == differing
    # Even a backread two levels and more from the read raises no flag, changes no result.
    with CohortFile.open(path) as cohort, cohort.transaction() as session:
        backread_ids = [b for b, *_ in _backreads(path)]
        for row in session.scalars(
            select(ReadScore).where(ReadScore.assignment_ref.in_(backread_ids))
        ):
            row.score = Fraction(3, 4)
        sync_flags(session, cohort.rubric)
    assert _snapshot(path) == before
    with CohortFile.open(path) as cohort:
        assert {s.returned for s in cohort_agreement(cohort).backreads.scorers.values()} == {2}
    with CohortFile.open(path) as cohort, cohort.transaction() as session:
        for (ref, key), score in scores.items():
            if ref in backread_ids:
                row = session.scalars(
                    select(ReadScore).where(
                        ReadScore.assignment_ref == ref, ReadScore.factor_key == key
                    )
                ).one()
                row.score = score
    # The summary workbook's Backreads sheet: each scorer, then every difference.
    code = main(["cohort", "summary", str(path), str(tmp_path / "summary.xlsx")])
    capsys.readouterr()
    assert code == 0
    book = load_workbook(tmp_path / "summary.xlsx")
    assert book.sheetnames[-2:] == ["Agreement", "Backreads"]
    rows = [_trimmed(r) for r in book["Backreads"].iter_rows(values_only=True)]
    head = rows.index(list(SCORER_HEADS))
    assert [r[:3] for r in rows[head + 1 : head + 4]] == [
        ["S-01", 2, 2],
        ["S-02", 2, 2],
        ["S-03", 2, 2],
    ]
    listed = rows[rows.index(list(DIFFERENCE_HEADS)) + 1 :]
    assert {(r[0], r[2], r[3]) for r in listed} == differing
    assert all(r[6] == r[4] - r[5] and r[7] == READER for r in listed)
    # Its text output says the same.
    main(["cohort", "agreement", str(path)])
    text = capsys.readouterr().out
    assert "Backreads: 6 of 6 back" in text
    assert all(f"{c}" in text for c, _k, _s in differing)


def test_the_command_refuses_with_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _cohort(tmp_path)
    for argv, said in (
        (["--reader", "S-01", "--per-scorer", "1"], "not an adjudicator"),
        (["--reader", "NOBODY", "--per-scorer", "1"], "no scorer 'NOBODY'"),
        (["--reader", READER, "--per-scorer", "50"], "too few completed reads"),
    ):
        code, _out, err = run(capsys, "cohort", "backread", path, *argv)
        assert code == 2, argv
        assert said in err
    code, _out, err = run(capsys, "cohort", "backread", path, "--reader", READER, "--share", "1.5")
    assert code == 2
    assert "--share" in err
    assert _backreads(path) == []


def test_a_scorer_who_scores_high_scores_high_against_their_backreads(tmp_path: Path) -> None:
    """The agreement demo (S-01 a level high on three factors), backread as a careful reader
    would: S-01's backreads show it, and no one else's."""
    path = build_agreement_cohort(tmp_path / "c.icgcohort", weeks=5, biases=DEMO_BIASES)
    add_demo_backreads(path, per_scorer=6)
    with CohortFile.open(path) as cohort:
        found = cohort_agreement(cohort)
    flagged = {s.scorer_id: s for s in found.backreads.scorers.values() if s.flagged}
    assert list(flagged) == ["S-01"]
    difference = flagged["S-01"].difference
    assert difference is not None
    assert difference.low is not None
    assert difference.low > 0
    data = found.as_json()
    (s01,) = [s for s in data["scorers"] if s["scorer_id"] == "S-01"]  # type: ignore[union-attr]
    assert s01["backread"]["mean_difference_flagged"] is True
    assert s01["backread"]["returned"] == 6
