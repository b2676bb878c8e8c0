"""Assigning portfolios to scorers: the pure plan's rules, and the cohort database around it."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

import icg_desk.operations.sending as assignment_module
from icg_desk.models.assignment import (
    AssignmentError,
    assign,
    move_assignment,
    plan_assignments,
)
from icg_desk.models.batch_file import BatchFile
from icg_desk.models.cohort_file import CohortFile
from icg_desk.models.cohort_schema import Assignment, Candidate, CandidateEntry, Scorer
from icg_desk.models.rubric_file import builtin_rubric
from icg_desk.models.schema import EntryDocument, Portfolio, VideoLink
from icg_desk.operations.sending import export_batches

ScorerRow = tuple[str, str, frozenset[str]]


def _eligible(candidate: tuple[str, str], scorer: ScorerRow) -> bool:
    cid, corg = candidate
    _sid, sorg, conflicts = scorer
    a, b = corg.strip().casefold(), sorg.strip().casefold()
    return cid not in conflicts and not (a and a == b)


ORGS = ["", "Lincoln USD", " lincoln usd ", "Oak Park", "OAK PARK", "Riverside"]


@st.composite
def cohorts(draw: st.DrawFn) -> tuple[list[tuple[str, str]], list[ScorerRow], int]:
    n_candidates = draw(st.integers(0, 15))
    candidates = [(f"c{i:02d}", draw(st.sampled_from(ORGS))) for i in range(n_candidates)]
    ids = [c[0] for c in candidates]
    scorers = [
        (
            f"s{j}",
            draw(st.sampled_from(ORGS)),
            frozenset(draw(st.lists(st.sampled_from(ids), max_size=3)) if ids else []),
        )
        for j in range(draw(st.integers(1, 7)))
    ]
    return candidates, scorers, draw(st.integers(1, 3))


@settings(max_examples=200, deadline=None)
@given(cohorts(), st.integers(0, 2**32))
def test_plan_gives_each_candidate_distinct_eligible_scorers_or_names_who_cannot(
    cohort: tuple[list[tuple[str, str]], list[ScorerRow], int], seed: int
) -> None:
    candidates, scorers, reads = cohort
    short = [c[0] for c in candidates if sum(_eligible(c, s) for s in scorers) < reads]
    if short:
        with pytest.raises(AssignmentError) as info:
            plan_assignments(candidates, scorers, reads=reads, seed=seed)
        for cid in short:
            assert f"candidate {cid}:" in str(info.value)
        for cid in {c[0] for c in candidates} - set(short):
            assert f"candidate {cid}:" not in str(info.value)
        return
    plan = plan_assignments(candidates, scorers, reads=reads, seed=seed)
    by_id = {s[0]: s for s in scorers}
    assert set(plan.reads) == {c[0] for c in candidates}
    for c in candidates:
        got = plan.reads[c[0]]
        assert len(got) == reads
        assert len(set(got)) == reads
        assert all(_eligible(c, by_id[sid]) for sid in got)
    counted = Counter(sid for got in plan.reads.values() for sid in got)
    assert plan.load == {s[0]: counted[s[0]] for s in scorers}
    # Same inputs, in another order, and the same seed: the same plan.
    again = plan_assignments(candidates[::-1], scorers[::-1], reads=reads, seed=seed)
    assert again == plan


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 30), st.integers(1, 8), st.integers(1, 3), st.integers(0, 2**32), st.data())
def test_loads_differ_by_at_most_one_when_everyone_is_eligible(
    n_candidates: int, n_scorers: int, reads: int, seed: int, data: st.DataObject
) -> None:
    reads = min(reads, n_scorers)
    candidates = [(f"c{i}", data.draw(st.sampled_from(["", "Org A"]))) for i in range(n_candidates)]
    scorers = [(f"s{j}", "", frozenset[str]()) for j in range(n_scorers)]
    plan = plan_assignments(candidates, scorers, reads=reads, seed=seed)
    assert max(plan.load.values()) - min(plan.load.values()) <= 1
    assert sum(plan.load.values()) == n_candidates * reads


def test_different_seeds_can_give_different_plans() -> None:
    candidates = [(f"c{i}", "") for i in range(10)]
    scorers = [(f"s{j}", "", frozenset[str]()) for j in range(5)]
    plans = {
        tuple(sorted(plan_assignments(candidates, scorers, reads=2, seed=s).reads.items()))
        for s in range(20)
    }
    assert len(plans) > 1


def test_infeasible_candidates_are_named_with_how_many_are_eligible() -> None:
    candidates = [("c1", "Oak Park"), ("c2", "Riverside"), ("c3", "")]
    scorers = [
        ("s1", "oak park ", frozenset[str]()),
        ("s2", "", frozenset({"c1", "c2"})),
        ("s3", "Riverside", frozenset[str]()),
    ]
    with pytest.raises(AssignmentError) as info:
        plan_assignments(candidates, scorers, reads=2, seed=1)
    message = str(info.value)
    assert "candidate c1: 1 eligible scorer, 2 needed" in message
    assert "candidate c2: 1 eligible scorer, 2 needed" in message
    assert "c3" not in message


def test_most_constrained_candidates_are_placed_first() -> None:
    # c0..c3 may be read by s1 only (s2 shares their organisation); c4..c7 by anyone. Taken in
    # id order with 1 read each, the open candidates would spread over s1 and s2 first, leaving
    # s1 with the four constrained ones on top (loads 6 and 2). Constrained first: 4 and 4.
    candidates = [(f"c{i}", "Riverside" if i < 4 else "") for i in range(8)]
    scorers = [("s1", "Oak Park", frozenset[str]()), ("s2", "Riverside", frozenset[str]())]
    for seed in range(30):
        plan = plan_assignments(candidates, scorers, reads=1, seed=seed)
        assert plan.load == {"s1": 4, "s2": 4}
        assert all(plan.reads[f"c{i}"] == ("s1",) for i in range(4))


def test_order_matters_for_a_naive_greedy_but_not_for_the_plan() -> None:
    # One constrained candidate (conflict with s2) and one open one, 1 read each. A naive greedy
    # taking c_open first gives it s1 on about half the seeds, and then c_conf must also take s1.
    candidates = [("a_open", ""), ("b_conf", "")]
    scorers = [("s1", "", frozenset[str]()), ("s2", "", frozenset({"b_conf"}))]
    for seed in range(30):
        plan = plan_assignments(candidates, scorers, reads=1, seed=seed)
        assert plan.reads == {"a_open": ("s2",), "b_conf": ("s1",)}
        assert plan.load == {"s1": 1, "s2": 1}


def test_existing_reads_are_kept_and_counted() -> None:
    candidates = [("c1", ""), ("c2", ""), ("c3", "")]
    scorers = [(f"s{j}", "", frozenset[str]()) for j in range(3)]
    plan = plan_assignments(
        candidates, scorers, reads=2, seed=3, existing={"c1": ["s0", "s1"], "c2": ["s0"]}
    )
    assert plan.reads["c1"] == ("s0", "s1")
    assert plan.reads["c2"][0] == "s0"
    assert len(set(plan.reads["c2"])) == 2
    assert sum(plan.load.values()) == 6
    assert max(plan.load.values()) - min(plan.load.values()) <= 1


def test_bad_inputs_are_refused() -> None:
    scorers = [("s1", "", frozenset[str]())]
    with pytest.raises(AssignmentError, match="at least 1 read"):
        plan_assignments([("c1", "")], scorers, reads=0, seed=0)
    with pytest.raises(AssignmentError, match="candidate c1 is listed more than once"):
        plan_assignments([("c1", ""), ("c1", "")], scorers, reads=1, seed=0)
    with pytest.raises(AssignmentError, match="scorer s9"):
        plan_assignments([("c1", "")], scorers, reads=1, seed=0, existing={"c1": ["s9"]})


# --- the cohort database -------------------------------------------------------------------

NAMES = {"c1": "Ada Quillfeather", "c2": "Bertram Oakhollow", "c3": "Cressida Vantablack"}
ORG_OF = {"c1": "Lincoln USD", "c2": "Oak Park", "c3": "Riverside"}


def _cohort(tmp_path: Path) -> CohortFile:
    cohort = CohortFile.create(tmp_path / "c.icgcohort", name="2026-27", rubric=builtin_rubric())
    with cohort.transaction() as session:
        for n, (cid, name) in enumerate(NAMES.items(), start=1):
            session.add(
                Candidate(
                    candidate_id=cid,
                    code=f"C27-{n:05d}",
                    name=name,
                    email=f"{name.split()[0].lower()}@example.org",
                    organisation=ORG_OF[cid],
                    entries=[
                        CandidateEntry(
                            number=e,
                            text=f"Entry {e} of portfolio {n}: the Impact Cycle, step by step.",
                            videos=[[f"Clip {e}", f"https://youtu.be/vid{n}{e}"]],
                        )
                        for e in (1, 2)
                    ],
                )
            )
        session.add_all(
            [
                Scorer(scorer_id="s1", name="Sam One", organisation="lincoln usd "),
                Scorer(scorer_id="s2", name="Sue Two", organisation="Oak Park"),
                Scorer(scorer_id="s3", name="Sid Three", organisation="", conflicts=["c3"]),
                Scorer(scorer_id="s4", name="Sol Four", organisation="Elsewhere"),
            ]
        )
    return cohort


def _reads(cohort: CohortFile) -> dict[str, set[str]]:
    with cohort.reading() as session:
        got: dict[str, set[str]] = {}
        for a in session.scalars(select(Assignment)).all():
            got.setdefault(a.candidate.candidate_id, set()).add(a.scorer.scorer_id)
        return got


def test_assign_writes_the_plan_and_a_second_run_adds_nothing(tmp_path: Path) -> None:
    with _cohort(tmp_path) as cohort:
        plan = assign(cohort, seed=7)  # builtin rubric: 2 reads per portfolio
        reads = _reads(cohort)
        assert reads == {cid: set(sids) for cid, sids in plan.reads.items()}
        assert all(len(s) == cohort.rubric.reads.per_portfolio for s in reads.values())
        assert "s1" not in reads["c1"]
        assert "s2" not in reads["c2"]
        assert "s3" not in reads["c3"]
        assert sum(plan.load.values()) == 6

        again = assign(cohort, seed=99)
        assert again.reads == plan.reads
        with cohort.reading() as session:
            assert len(session.scalars(select(Assignment)).all()) == 6


def test_assign_with_more_reads_keeps_the_existing_ones(tmp_path: Path) -> None:
    with _cohort(tmp_path) as cohort:
        first = assign(cohort, seed=1, reads=1)
        assign(cohort, seed=1, reads=2)
        reads = _reads(cohort)
        for cid, (sid,) in first.reads.items():
            assert sid in reads[cid]
            assert len(reads[cid]) == 2


def test_assign_again_says_what_it_kept_and_what_it_added(tmp_path: Path) -> None:
    """A seed places only the reads not yet assigned: another seed later changes nothing."""
    with _cohort(tmp_path) as cohort:
        first = assign(cohort, seed=8, reads=1)
        assert (first.added, first.kept) == (3, 0)
        assert first.summary(8) == "Assigned 3 reads (seed 8)"

        more = assign(cohort, seed=7)  # 2 reads each now: one more per portfolio
        assert (more.added, more.kept) == (3, 3)
        assert more.summary(7) == (
            "Assigned 3 new reads (seed 7); kept the 3 already assigned as they were"
        )

        before = _reads(cohort)
        again = assign(cohort, seed=99)
        assert _reads(cohort) == before
        assert again.reads == more.reads
        assert (again.added, again.kept) == (0, 6)
        assert again.summary(99) == (
            "Already assigned: 6 reads kept as they were; nothing changed "
            "(seed 99 only places reads not yet assigned)"
        )
        assert "Assigned" not in again.summary(99)


def test_assign_refuses_when_a_candidate_has_too_few_scorers(tmp_path: Path) -> None:
    with _cohort(tmp_path) as cohort:
        with pytest.raises(AssignmentError, match="candidate c3: 3 eligible scorers, 4 needed"):
            assign(cohort, seed=1, reads=4)
        assert _reads(cohort) == {}


def _move_setup(tmp_path: Path) -> CohortFile:
    cohort = _cohort(tmp_path)
    with cohort.transaction() as session:
        candidates = {c.candidate_id: c for c in session.scalars(select(Candidate))}
        scorers = {s.scorer_id: s for s in session.scalars(select(Scorer))}
        for cid, sid in [("c1", "s2"), ("c1", "s4"), ("c2", "s1")]:
            session.add(Assignment(candidate=candidates[cid], scorer=scorers[sid]))
    return cohort


def test_move_assignment_moves_an_unsent_read(tmp_path: Path) -> None:
    with _move_setup(tmp_path) as cohort:
        move_assignment(cohort, "c1", "s2", "s3")
        assert _reads(cohort)["c1"] == {"s3", "s4"}


@pytest.mark.parametrize(
    ("candidate", "source", "target", "why"),
    [
        ("c1", "s2", "s1", "from the candidate's organisation"),
        ("c2", "s1", "s2", "from the candidate's organisation"),
        ("c1", "s2", "s4", "s4 already reads this portfolio"),
        ("c1", "s1", "s3", "c1 is not assigned to scorer s1"),
        ("c1", "s2", "s2", "already with scorer s2"),
        ("c9", "s2", "s3", "no candidate c9"),
        ("c1", "s2", "s9", "no scorer s9"),
    ],
)
def test_move_assignment_refuses_and_says_why(
    tmp_path: Path, candidate: str, source: str, target: str, why: str
) -> None:
    with _move_setup(tmp_path) as cohort:
        before = _reads(cohort)
        with pytest.raises(AssignmentError, match=why):
            move_assignment(cohort, candidate, source, target)
        assert _reads(cohort) == before


def test_move_assignment_refuses_a_declared_conflict_and_a_sent_read(tmp_path: Path) -> None:
    with _cohort(tmp_path) as cohort:
        with cohort.transaction() as session:
            c = {x.candidate_id: x for x in session.scalars(select(Candidate))}
            s = {x.scorer_id: x for x in session.scalars(select(Scorer))}
            session.add(Assignment(candidate=c["c3"], scorer=s["s1"], batch_id="b-123"))
            session.add(Assignment(candidate=c["c3"], scorer=s["s4"]))
            session.add(Assignment(candidate=c["c2"], scorer=s["s1"]))
        with pytest.raises(AssignmentError, match="s3: the scorer declared a conflict"):
            move_assignment(cohort, "c3", "s4", "s3")
        with pytest.raises(AssignmentError, match="s1 was already sent out in batch b-123"):
            move_assignment(cohort, "c3", "s1", "s2")
        move_assignment(cohort, "c2", "s1", "s3")  # s3's conflict is with c3 only
        assert _reads(cohort) == {"c3": {"s1", "s4"}, "c2": {"s3"}}


def test_export_batches_writes_one_blind_batch_per_scorer(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with _cohort(tmp_path) as cohort:
        plan = assign(cohort, seed=5)
        exported = export_batches(cohort, out)
        codes = {"c1": "C27-00001", "c2": "C27-00002", "c3": "C27-00003"}
        busy = sorted(sid for sid, n in plan.load.items() if n)
        assert [e.scorer_id for e in exported] == busy
        with cohort.reading() as session:
            sent = {
                (a.candidate.candidate_id, a.scorer.scorer_id): a.batch_id
                for a in session.scalars(select(Assignment))
            }
        for e in exported:
            assert e.path == out / f"2026-27-{e.scorer_id}.icgbatch"
            mine = sorted(cid for cid, sids in plan.reads.items() if e.scorer_id in sids)
            assert e.portfolios == len(mine)
            with BatchFile.open(e.path) as batch:
                assert batch.identity.cohort == "2026-27"
                assert batch.identity.scorer_id == e.scorer_id
                assert batch.identity.batch_id == e.batch_id
                assert batch.rubric == cohort.rubric
                with batch.reading() as session:
                    got = sorted(session.scalars(select(Portfolio.candidate_code)))
                    entries = list(session.scalars(select(EntryDocument.text)))
                    videos = list(session.scalars(select(VideoLink.url)))
            assert got == sorted(codes[cid] for cid in mine)
            assert len(entries) == 2 * len(mine)
            assert len(videos) == 2 * len(mine)
            assert all("the Impact Cycle, step by step" in x for x in entries)
            assert all(v.startswith("https://youtu.be/vid") for v in videos)
            raw = e.path.read_bytes()
            for name in NAMES.values():
                for word in [name, *name.split(), name.split()[0].lower() + "@example.org"]:
                    assert word.encode() not in raw
            for cid in mine:
                assert sent[(cid, e.scorer_id)] == e.batch_id
        assert all(batch_id is not None for batch_id in sent.values())

        assert export_batches(cohort, out) == []  # nothing new to send
        assert export_batches(cohort, tmp_path / "again") == []
        assert not (tmp_path / "again").exists()  # and no empty folder for it


def test_export_refuses_to_overwrite_and_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    with _cohort(tmp_path) as cohort:
        plan = assign(cohort, seed=5)
        busy = sorted(sid for sid, n in plan.load.items() if n)
        blocker = out / f"2026-27-{busy[-1]}.icgbatch"
        blocker.write_bytes(b"someone else's file")
        with pytest.raises(AssignmentError, match="already exists") as refused:
            export_batches(cohort, out)
        assert "choose another folder" in str(refused.value)
        assert sorted(p.name for p in out.iterdir()) == [blocker.name]
        assert blocker.read_bytes() == b"someone else's file"
        with cohort.reading() as session:
            assert all(a.batch_id is None for a in session.scalars(select(Assignment)))

        only = export_batches(cohort, out, scorer_ids=[busy[0]])
        assert [e.scorer_id for e in only] == [busy[0]]


def test_a_second_round_of_batches_never_takes_a_name_of_the_first(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with _cohort(tmp_path) as cohort:
        assign(cohort, seed=5, reads=1)
        first = export_batches(cohort, out)
        before = {p.name: p.read_bytes() for p in out.iterdir()}
        assign(cohort, seed=5, reads=2)  # a read more for every portfolio, after the first went out
        second = export_batches(cohort, out)  # into the same folder
        assert second
        assert not {e.path.name for e in second} & set(before)
        assert all(e.path.is_file() for e in first + second)
        for e in second:
            earlier = sum(f.scorer_id == e.scorer_id for f in first)
            suffix = f"-batch{earlier + 1}" if earlier else ""
            assert e.path.name == f"2026-27-{e.scorer_id}{suffix}.icgbatch"
            with BatchFile.open(e.path) as batch:
                assert batch.identity.batch_id == e.batch_id
        # The first round's files are as they were sent.
        assert {name: (out / name).read_bytes() for name in before} == before
        assign(cohort, seed=5, reads=3)
        third = export_batches(cohort, out)
        names = [p.name for p in out.iterdir()]
        assert len(names) == len(set(names)) == len(first) + len(second) + len(third)


def test_a_failed_export_leaves_no_files_and_marks_nothing_sent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    real = assignment_module.add_portfolios
    calls = []

    def failing(batch: BatchFile, portfolios: object) -> None:
        calls.append(batch.path)
        if len(calls) == 2:
            raise OSError("disk full")
        real(batch, portfolios)  # type: ignore[arg-type]

    monkeypatch.setattr(assignment_module, "add_portfolios", failing)
    with _cohort(tmp_path) as cohort:
        assign(cohort, seed=5)
        with pytest.raises(OSError, match="disk full"):
            export_batches(cohort, out)
        assert list(out.iterdir()) == []
        with cohort.reading() as session:
            assert all(a.batch_id is None for a in session.scalars(select(Assignment)))


def test_export_names_a_candidate_with_missing_entries(tmp_path: Path) -> None:
    with _cohort(tmp_path) as cohort:
        assign(cohort, seed=5)
        with cohort.transaction() as session:
            c2 = session.scalars(select(Candidate).where(Candidate.candidate_id == "c2")).one()
            c2.entries.pop()
        with pytest.raises(AssignmentError, match=r"candidate c2: has entries \[1\]"):
            export_batches(cohort, tmp_path / "out")
        assert not any((tmp_path / "out").glob("*"))


def test_export_refuses_an_unknown_scorer(tmp_path: Path) -> None:
    with _cohort(tmp_path) as cohort, pytest.raises(AssignmentError, match="no scorer s9"):
        export_batches(cohort, tmp_path / "out", scorer_ids=["s9"])
