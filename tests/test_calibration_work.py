"""Calibration in the batch, through `BatchWork` alone (no Qt): practice portfolios first, live
portfolios locked until the practice qualifies or the coordinator's unlock code is entered,
a practice read settled once compared with its agreed scores.

Batches are built directly (BatchFile.create, add_portfolios with a practice key,
set_unlock_hash), as the coordinator's sending would make them, and every refusal is checked
in the file: nothing half-applied, nothing logged.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from fractions import Fraction as F
from pathlib import Path

import pytest
from sqlalchemy import select

from icg_desk.demo.batch import demo_unlock_code, generate_portfolios, write_demo_batch
from icg_desk.models.batch_file import BatchFile
from icg_desk.models.calibration import EXACT, FAR, LIVE_LOCKED, NEAR
from icg_desk.models.portfolios import PortfolioContent, add_portfolios, set_unlock_hash
from icg_desk.models.rubric_file import builtin_rubric, parse_rubric
from icg_desk.models.schema import BatchInfo, Change, Portfolio, PortfolioStatus
from icg_desk.operations.batch_work import BatchWork, CalibrationLocked, WorkError
from icg_desk.scoring.calibration import unlock_code, unlock_hash
from icg_desk.scoring.lineage import next_lineage
from icg_desk.scoring.rubric import Rubric

SECRET = "a made-up cohort secret"
BATCH_ID = "b-calib-1"
RUBRIC = builtin_rubric()
KEYS = RUBRIC.factor_keys
CODE = unlock_code(SECRET, BATCH_ID)


def agreed(*scores: str) -> dict[str, F]:
    """The agreed scores of the seven factors, in rubric order."""
    assert len(scores) == len(KEYS)
    return {k: RUBRIC.scale.parse(s) for k, s in zip(KEYS, scores, strict=True)}


KEY_A = agreed("3", "3+", "2", "4-", "3", "2+", "3")
KEY_B = agreed("2", "2", "3-", "3", "1+", "2", "4")


def make_batch(
    path: Path,
    keys: Sequence[dict[str, F]] = (KEY_A, KEY_B),
    *,
    live: int = 3,
    live_first: bool = True,
    rubric: Rubric = RUBRIC,
    code_hash: str | None = None,
) -> Path:
    """A batch of `live` live portfolios and one practice portfolio per key; the live ones are
    placed first unless `live_first` is false, so the practice ones are seen to lead anyway."""
    content = generate_portfolios(rubric, live + len(keys), seed=11, words_per_entry=80)
    practice = [
        PortfolioContent(
            f"P27-{i:05d}",
            content[live + i - 1].entries,
            practice_key=tuple(
                (k, v, f"The expert's reason for {k}: <b>plain</b> =1+1") for k, v in key.items()
            ),
        )
        for i, key in enumerate(keys, start=1)
    ]
    with BatchFile.create(
        path,
        batch_id=BATCH_ID,
        cohort="2026-27",
        scorer_id="S-9",
        scorer_name="Calibrating Scorer",
        rubric=rubric,
    ) as batch:
        parts = [content[:live], practice] if live_first else [practice, content[:live]]
        for part in parts:
            if part:
                add_portfolios(batch, part)
        if keys:
            set_unlock_hash(batch, unlock_hash(CODE) if code_hash is None else code_hash)
    return path


@pytest.fixture
def batch(tmp_path: Path) -> Iterator[BatchFile]:
    with BatchFile.open(make_batch(tmp_path / "calib.icgbatch")) as b:
        yield b


@pytest.fixture
def work(batch: BatchFile) -> BatchWork:
    return BatchWork(batch)


def ids(work: BatchWork) -> tuple[list[int], list[int]]:
    """(practice ids, live ids) in the order the list shows them."""
    rows = work.portfolios()
    return [p.id for p in rows if p.practice], [p.id for p in rows if not p.practice]


def score_all(work: BatchWork, portfolio_id: int, scores: dict[str, F]) -> None:
    for key, score in scores.items():
        work.set_score(portfolio_id, key, score)


def practise(work: BatchWork, portfolio_id: int, scores: dict[str, F]):  # type: ignore[no-untyped-def]
    """Score a practice portfolio, mark it complete and compare it with the agreed scores."""
    score_all(work, portfolio_id, scores)
    work.mark_complete(portfolio_id)
    return work.show_key(portfolio_id)


def history(batch: BatchFile, portfolio_id: int) -> list[tuple[str, str | None, int | None]]:
    with batch.reading() as session:
        return [
            (c.field, c.new_value, c.revision)
            for c in session.scalars(
                select(Change).where(Change.portfolio_id == portfolio_id).order_by(Change.id)
            )
        ]


def state(batch: BatchFile, portfolio_id: int) -> tuple[str, int, str, object]:
    with batch.reading() as session:
        p = session.get(Portfolio, portfolio_id)
        assert p is not None
        return p.status, p.revision, p.lineage, p.key_shown_at


def refused_everywhere(work: BatchWork, portfolio_id: int, words: str) -> None:
    """Every change the scorer can make to the portfolio is refused with `words`, and the file
    holds nothing of it."""
    before = state(work.batch, portfolio_id), history(work.batch, portfolio_id)
    key = KEYS[0]
    view = work.portfolio(portfolio_id)
    entry = view.entries[0]
    attempts = [
        lambda: work.set_score(portfolio_id, key, F(3)),
        lambda: work.set_score(portfolio_id, key, None),
        lambda: work.set_rationale(portfolio_id, key, "why"),
        lambda: work.set_look_for(portfolio_id, key, 0, True),
        lambda: work.add_evidence(portfolio_id, key, entry.number, 0, 5, entry.text[:5]),
        lambda: work.mark_complete(portfolio_id),
        lambda: work.reopen(portfolio_id),
    ]
    for attempt in attempts:
        with pytest.raises(CalibrationLocked, match=words):
            attempt()
    assert (state(work.batch, portfolio_id), history(work.batch, portfolio_id)) == before


# --- a batch without practice: as before ------------------------------------------------------


def test_a_batch_without_practice_is_open_as_before(tmp_path: Path) -> None:
    with BatchFile.open(make_batch(tmp_path / "plain.icgbatch", keys=())) as batch:
        work = BatchWork(batch)
        found = work.calibration()
        assert not found.has_practice
        assert found.live_open
        rows = work.portfolios()
        assert [p.practice for p in rows] == [0, 0, 0]
        assert [p.position for p in rows] == [1, 2, 3]  # batch order, untouched
        first = rows[0].id
        view = work.portfolio(first)
        assert (view.practice, view.live_locked, view.key) == (0, False, ())
        score_all(work, first, KEY_A)
        work.mark_complete(first)
        work.reopen(first)
        with pytest.raises(WorkError, match="no practice portfolios"):
            work.unlock(CODE)
        with pytest.raises(WorkError, match="not a practice portfolio"):
            work.show_key(first)


def test_the_demo_batch_without_practice_is_unchanged(tmp_path: Path) -> None:
    path = write_demo_batch(tmp_path / "demo.icgbatch", portfolios=5, seed=4)
    with BatchFile.open(path) as batch:
        work = BatchWork(batch)
        assert not work.calibration().has_practice
        assert batch.identity
        assert batch.rubric
        with batch.reading() as session:
            assert session.scalar(select(BatchInfo.unlock_hash)) == ""


# --- the batch starts with its practice portfolios --------------------------------------------


def test_practice_portfolios_lead_the_list_numbered(work: BatchWork) -> None:
    rows = work.portfolios()
    # Placed after the live ones in the file, listed first.
    assert [p.practice for p in rows] == [1, 2, 0, 0, 0]
    assert [p.candidate_code for p in rows[:2]] == ["P27-00001", "P27-00002"]
    view = work.portfolio(rows[1].id)
    assert (view.practice, view.practice_total, view.key_shown, view.key) == (2, 2, False, ())
    assert not view.live_locked
    live = work.portfolio(rows[2].id)
    assert live.live_locked
    assert live.practice == 0


# --- live portfolios locked ---------------------------------------------------------------------


def test_live_portfolios_can_be_read_but_not_changed(work: BatchWork) -> None:
    _, live = ids(work)
    view = work.portfolio(live[0])  # reading is allowed
    assert view.entries
    assert view.live_locked
    refused_everywhere(work, live[0], LIVE_LOCKED)
    found = work.calibration()
    assert not found.live_open
    assert found.has_code
    assert found.result is None
    assert "0 of 2 compared" in found.words()


def test_the_score_key_fast_path_is_refused_too_after_other_changes(work: BatchWork) -> None:
    practice, live = ids(work)
    work.set_score(practice[0], KEYS[0], F(3))  # the gate is read and kept by now
    for _ in range(2):
        with pytest.raises(CalibrationLocked, match="Live portfolios unlock when your practice"):
            work.set_score(live[1], KEYS[2], F(2))
    assert history(work.batch, live[1]) == []


def test_the_lock_holds_in_a_new_session_on_the_file(tmp_path: Path) -> None:
    path = make_batch(tmp_path / "again.icgbatch")
    with BatchFile.open(path) as batch:
        work = BatchWork(batch)
        practice, _ = ids(work)
        practise(work, practice[0], KEY_A)
    with BatchFile.open(path) as batch:
        work = BatchWork(batch)
        _, live = ids(work)
        with pytest.raises(CalibrationLocked):
            work.set_score(live[0], KEYS[0], F(3))
        found = work.calibration()
        assert found.shown == frozenset({practice[0]})
        assert not found.live_open


# --- comparing with the agreed scores -----------------------------------------------------------


def test_the_key_shows_only_after_the_read_is_complete(work: BatchWork) -> None:
    practice, live = ids(work)
    with pytest.raises(WorkError, match="Mark P27-00001 complete first"):
        work.show_key(practice[0])
    score_all(work, practice[0], KEY_A)
    with pytest.raises(WorkError, match="complete first"):
        work.show_key(practice[0])
    assert state(work.batch, practice[0])[3] is None
    with pytest.raises(WorkError, match="not a practice portfolio"):
        work.show_key(live[0])


def test_showing_the_key_is_a_logged_change_and_settles_the_read(work: BatchWork) -> None:
    practice, _ = ids(work)
    p = practice[0]
    mine = dict(KEY_A)
    mine[KEYS[1]] = F(3)  # 3 against 3+: same level, not exact
    mine[KEYS[2]] = F(4)  # 4 against 2: two levels off
    score_all(work, p, mine)
    work.mark_complete(p)
    status, revision, lineage, shown_at = state(work.batch, p)
    assert shown_at is None
    done = work.show_key(p)
    status2, revision2, lineage2, shown_at2 = state(work.batch, p)
    assert shown_at2 is not None
    assert status2 == status == PortfolioStatus.COMPLETE
    # A change like any other: one revision, the lineage chained, the history's last row.
    assert revision2 == revision + 1
    assert lineage2 == next_lineage(
        lineage, revision2, None, "key_shown", None, "agreed scores shown"
    )
    assert history(work.batch, p)[-1] == ("key_shown", "agreed scores shown", revision2)
    assert done.changed is not None
    assert done.changed.field == "key_shown"
    assert not done.opened  # one of two compared: nothing decided yet
    # The agreed scores beside the scorer's, factor by factor, in rubric order.
    rows = {r.factor_key: r for r in done.key}
    assert [r.factor_key for r in done.key] == list(KEYS)
    assert (rows[KEYS[0]].given, rows[KEYS[0]].agreed, rows[KEYS[0]].closeness) == (
        F(3),
        F(3),
        EXACT,
    )
    assert (rows[KEYS[1]].closeness, rows[KEYS[1]].words) == (NEAR, "same level, not exact")
    assert (rows[KEYS[2]].closeness, rows[KEYS[2]].words) == (FAR, "2 levels off")
    assert rows[KEYS[0]].rationale.startswith("The expert's reason for impact_cycle: <b>")
    view = work.portfolio(p)
    assert view.key_shown
    assert view.key == done.key
    # Settled: nothing about it changes any more, reopening included.
    refused_everywhere(work, p, "compared with the agreed scores: its read is settled")
    with pytest.raises(WorkError, match="already compared"):
        work.show_key(p)


# --- the rule decides -----------------------------------------------------------------------------


def test_qualifying_practice_opens_the_live_portfolios_once(work: BatchWork) -> None:
    practice, live = ids(work)
    first = practise(work, practice[0], KEY_A)
    assert not first.opened
    assert not first.calibration.live_open
    with pytest.raises(CalibrationLocked):
        work.set_score(live[0], KEYS[0], F(3))
    mine = dict(KEY_B)
    mine[KEYS[0]] = F(3)  # one level off: 13 of 14 exact, none further
    last = practise(work, practice[1], mine)
    assert last.opened
    assert last.calibration.qualified
    assert last.calibration.live_open
    assert last.calibration.result is not None
    assert (last.calibration.result.compared, last.calibration.result.exact) == (14, 13)
    assert last.calibration.words().startswith("Your practice reads qualify: 13 of 14")
    # Open, in this session and the next.
    work.set_score(live[0], KEYS[0], F(3))
    work.set_rationale(live[0], KEYS[0], "now it counts")
    assert not work.portfolio(live[1]).live_locked
    assert work.calibration().live_open


def test_practice_two_levels_off_does_not_qualify_and_says_why(work: BatchWork) -> None:
    practice, live = ids(work)
    practise(work, practice[0], KEY_A)
    mine = dict(KEY_B)
    mine[KEYS[4]] = F(4)  # 4 against 1+: three levels off
    last = practise(work, practice[1], mine)
    found = last.calibration
    assert not last.opened
    assert not found.live_open
    assert not found.qualified
    words = found.words()
    assert "13 of 14 factor scores exact (93%)" in words
    assert "3 levels off" in words
    assert "not qualified" in words
    assert "at least 70% exact and none more than 1 level off needed" in words
    assert "unlock code" in words
    refused_everywhere(work, live[0], LIVE_LOCKED)


def test_too_few_exact_does_not_qualify(work: BatchWork) -> None:
    practice, live = ids(work)
    # Each factor one level from the agreed score: none exact, none further off.
    near = {k: RUBRIC.scale.level_value(3 if v < 3 else 2) for k, v in KEY_A.items()}
    practise(work, practice[0], near)
    last = practise(work, practice[1], KEY_B)
    assert last.calibration.result is not None
    assert last.calibration.result.exact == 7
    assert not last.calibration.qualified
    assert "7 of 14 factor scores exact (50%)" in last.calibration.words()
    with pytest.raises(CalibrationLocked):
        work.set_score(live[0], KEYS[0], F(3))


def test_the_rubrics_own_rule_decides(tmp_path: Path) -> None:
    text = RUBRIC.source_text.replace('min_exact = "0.70"', 'min_exact = "1"')
    assert text != RUBRIC.source_text
    strict = parse_rubric(text, "strict rubric")
    assert strict.calibration.min_exact == 1
    path = make_batch(tmp_path / "strict.icgbatch", keys=(KEY_A,), rubric=strict)
    with BatchFile.open(path) as batch:
        work = BatchWork(batch)
        practice, _ = ids(work)
        mine = dict(KEY_A)
        mine[KEYS[6]] = F(13, 4)  # 3+ against 3: the default rule would pass 6 of 7
        done = practise(work, practice[0], mine)
        assert not done.opened
        assert "100% exact" in done.calibration.words()


# --- the coordinator's unlock code --------------------------------------------------------------


def test_a_wrong_code_says_so_and_changes_nothing(work: BatchWork) -> None:
    practice, live = ids(work)
    before = state(work.batch, practice[0]), history(work.batch, practice[0])
    wrong = unlock_code("another secret", BATCH_ID)
    other_batch = unlock_code(SECRET, "b-another-batch")
    for typed in (wrong, other_batch, CODE[:-1], "1234"):
        with pytest.raises(WorkError, match="not this batch's unlock code; nothing changed"):
            work.unlock(typed)
    with pytest.raises(WorkError, match="Type the unlock code"):
        work.unlock("   ")
    assert (state(work.batch, practice[0]), history(work.batch, practice[0])) == before
    with work.batch.reading() as session:
        assert session.scalar(select(BatchInfo.unlocked_at)) is None
    with pytest.raises(CalibrationLocked):
        work.set_score(live[0], KEYS[0], F(3))


def test_the_right_code_unlocks_logged_however_it_is_typed(work: BatchWork) -> None:
    practice, live = ids(work)
    typed = " " + CODE.lower().replace("-", " ").replace("0", "o") + " "
    _, revision, lineage, _ = state(work.batch, practice[0])
    done = work.unlock(typed)
    assert done.opened
    assert done.calibration.live_open
    assert done.calibration.unlocked_at is not None
    assert "unlock code was entered" in done.calibration.words()
    with work.batch.reading() as session:
        assert session.scalar(select(BatchInfo.unlocked_at)) == done.calibration.unlocked_at
    # Logged on the first practice portfolio's history, a change like any other.
    rows = history(work.batch, practice[0])
    assert rows[-1][0] == "unlock"
    assert rows[-1][2] == revision + 1
    assert state(work.batch, practice[0])[2] == next_lineage(
        lineage, revision + 1, None, "unlock", None, rows[-1][1]
    )
    work.set_score(live[0], KEYS[0], F(3))
    with pytest.raises(WorkError, match="open already"):
        work.unlock(CODE)
    # The practice portfolios can still be scored and compared after the unlock.
    practise(work, practice[0], KEY_A)


def test_a_batch_without_an_unlock_hash_cannot_be_unlocked(tmp_path: Path) -> None:
    path = make_batch(tmp_path / "nohash.icgbatch", code_hash="")
    with BatchFile.open(path) as batch:
        work = BatchWork(batch)
        assert not work.calibration().has_code
        with pytest.raises(WorkError, match="carries no unlock code"):
            work.unlock(CODE)


def test_the_practice_leads_even_when_placed_first(tmp_path: Path) -> None:
    path = make_batch(tmp_path / "first.icgbatch", live_first=False)
    with BatchFile.open(path) as batch:
        rows = BatchWork(batch).portfolios()
        assert [p.practice for p in rows] == [1, 2, 0, 0, 0]
        assert [p.position for p in rows] == [1, 2, 3, 4, 5]


def test_the_demo_can_start_with_practice(tmp_path: Path) -> None:
    path = write_demo_batch(tmp_path / "demo.icgbatch", portfolios=4, seed=3, practice=2)
    with BatchFile.open(path) as batch:
        work = BatchWork(batch)
        rows = work.portfolios()
        assert [p.practice for p in rows] == [1, 2, 0, 0, 0, 0]
        assert all(p.status is PortfolioStatus.NOT_STARTED for p in rows)  # nothing prefilled
        assert not work.calibration().live_open
        done = work.unlock(demo_unlock_code(batch.identity.batch_id))
        assert done.opened


def test_demo_practice_on_the_command_line(capsys, tmp_path: Path) -> None:
    from test_cli import run

    out = tmp_path / "demo.icgbatch"
    code, stdout, _ = run(
        capsys, "demo", "--no-gui", "--portfolios", "2", "--practice", "2", "--out", str(out)
    )
    assert code == 0
    with BatchFile.open(out) as batch:
        unlock = demo_unlock_code(batch.identity.batch_id)
        assert [p.practice for p in BatchWork(batch).portfolios()] == [1, 2, 0, 0]
    assert f"the coordinator's unlock code for it is {unlock}" in stdout
    code, _, stderr = run(capsys, "demo", "--no-gui", "--practice", "21", "--out", str(out))
    assert code == 2
    assert "--practice" in stderr
    assert "out of range (0 to 20)" in stderr
