"""Sending the batch back while ICG Desk runs: the checkpoints that keep the .icgbatch file alone
up to date, and File > Send to coordinator's self-contained copy and summary (issue 13, item 6).
"""

from __future__ import annotations

import shutil
from fractions import Fraction as F
from pathlib import Path

import pytest
from sqlalchemy import select

from icg_desk.models.batch_file import BatchFile
from icg_desk.models.schema import FactorRead, Portfolio, PortfolioStatus
from icg_desk.operations.batch_work import BatchWork

KEYS = (
    "impact_cycle",
    "playbook",
    "data",
    "communication",
    "partnership",
    "leadership",
    "system_support",
)


@pytest.fixture
def demo_path(tmp_path: Path, demo_copies) -> Path:
    return demo_copies.batch(tmp_path / "demo.icgbatch", portfolios=4, seed=3, prefill=False)


def scores_in(path: Path) -> dict[str, dict[str, F | None]]:
    """Every score the file at `path` holds, by candidate code: what a second program finds."""
    with BatchFile.open(path) as other, other.reading() as session:
        found: dict[str, dict[str, F | None]] = {}
        for code, key, score in session.execute(
            select(Portfolio.candidate_code, FactorRead.factor_key, FactorRead.score).join(
                FactorRead, FactorRead.portfolio_id == Portfolio.id
            )
        ):
            found.setdefault(code, {})[key] = score
        return found


def statuses_in(path: Path) -> dict[str, str]:
    with BatchFile.open(path) as other, other.reading() as session:
        return dict(session.execute(select(Portfolio.candidate_code, Portfolio.status)).all())


def copy_file_alone(path: Path, target: Path) -> Path:
    """What a scorer e-mails while ICG Desk runs: the .icgbatch, never its -wal."""
    shutil.copyfile(path, target)
    assert not target.with_name(target.name + "-wal").exists()
    return target


# --- checkpoints ----------------------------------------------------------------------------------


def test_a_copy_of_the_file_alone_holds_every_completed_portfolio(demo_path, tmp_path):
    with BatchFile.open(demo_path) as batch:
        work = BatchWork(batch)
        first, second = (p for p in work.portfolios()[:2])
        for n, key in enumerate(KEYS):
            work.set_score(first.id, key, F(1 + n % 4))
        work.mark_complete(first.id)
        work.set_score(second.id, "data", F(2))  # after the last completed portfolio
        assert demo_path.with_name(demo_path.name + "-wal").exists()  # still open, in WAL
        copy = copy_file_alone(demo_path, tmp_path / "mailed.icgbatch")

        found = scores_in(copy)
        assert found[first.candidate_code] == {k: F(1 + n % 4) for n, k in enumerate(KEYS)}
        assert statuses_in(copy)[first.candidate_code] == PortfolioStatus.COMPLETE.value
        # A score after the last completed portfolio waits for the next checkpoint (idle).
        assert second.candidate_code not in found

        assert work.checkpoint() is True
        copy = copy_file_alone(demo_path, tmp_path / "later.icgbatch")
        assert scores_in(copy)[second.candidate_code] == {"data": F(2)}


def test_a_checkpoint_after_close_does_nothing(demo_path):
    batch = BatchFile.open(demo_path)
    batch.close()
    assert batch.checkpoint() is False
    # It did not open the file again: nothing beside it.
    assert not demo_path.with_name(demo_path.name + "-wal").exists()


def test_the_window_checkpoints_when_the_scorer_pauses(qtbot, demo_path, tmp_path):
    from icg_desk.ui.session import IDLE_CHECKPOINT_MS, ScoringSession

    assert IDLE_CHECKPOINT_MS == 30_000
    with BatchFile.open(demo_path) as batch:
        session = ScoringSession(batch)
        session.idle_timer.setInterval(50)  # 30 s in the app
        first = session.work.portfolios()[0]
        session.set_score(first.id, "data", F(3), None)
        assert session.idle_timer.isActive()
        assert first.candidate_code not in scores_in(
            copy_file_alone(demo_path, tmp_path / "before.icgbatch")
        )
        qtbot.waitUntil(lambda: not session.idle_timer.isActive(), timeout=2000)
        copy = copy_file_alone(demo_path, tmp_path / "after.icgbatch")
        assert scores_in(copy)[first.candidate_code] == {"data": F(3)}
        # Each change starts the wait again: a scorer typing is not interrupted by checkpoints.
        session.idle_timer.setInterval(IDLE_CHECKPOINT_MS)
        session.set_score(first.id, "data", F(4), F(3))
        assert session.idle_timer.remainingTime() > IDLE_CHECKPOINT_MS - 5000
        session.idle_timer.stop()
        session.deleteLater()
