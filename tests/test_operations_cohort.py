"""The coordinator's operations: plain data in and out, their own connection, the lock, Changes."""

from __future__ import annotations

import ast
import os
import threading
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TypeVar

import pytest

from icg_desk.demo.cohort import score_batch, write_demo_inputs
from icg_desk.models.cohort_results import ResultsLocked
from icg_desk.models.merge import ACCEPTED, REJECTED
from icg_desk.models.rubric_file import builtin_rubric
from icg_desk.operations import cohort as ops
from icg_desk.operations.changes import Changes, Done
from icg_desk.operations.errors import FileBusy
from icg_desk.operations.file_lock import COORDINATOR_WINDOW, lock_file

T = TypeVar("T")
RUBRIC = builtin_rubric()


def on_a_thread(step: Callable[[], T]) -> T:
    """Run `step` on a thread of its own, as the window's worker would; re-raise its error."""
    found: list[T] = []
    failed: list[BaseException] = []

    def run() -> None:
        try:
            found.append(step())
        except BaseException as exc:  # noqa: BLE001 - handed back to the test
            failed.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if failed:
        raise failed[0]
    return found[0]


def open_handles(path: Path) -> int:
    """How many of this process's file descriptors are on `path` (or its -wal/-shm)."""
    names = {str(path), f"{path}-wal", f"{path}-shm"}
    count = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            if os.readlink(f"/proc/self/fd/{fd}") in names:
                count += 1
        except OSError:
            continue
    return count


needs_proc = pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc")


@needs_proc
def test_the_whole_path_on_worker_threads_closes_every_connection(tmp_path: Path) -> None:
    """Every step from a new cohort to printed reports, each on its own thread."""
    path = tmp_path / "c.icgcohort"
    inputs = write_demo_inputs(tmp_path / "in", candidates=4, scorers=2, words_per_entry=30)
    ref = ops.CohortRef(path, program="a test")

    def step(call: Callable[[], T], changes: Changes | None = None) -> T:
        result = on_a_thread(call)
        assert open_handles(path) == 0, "the step left the cohort open"
        if changes is not None:
            assert isinstance(result, Done)
            assert result.changes == changes
        return result

    step(lambda: ops.create_cohort(path, "2026-27", RUBRIC))
    done = step(
        lambda: ops.import_roster(ref, inputs.roster, inputs.documents),
        Changes(candidates=True),
    )
    assert done.value.imported == 4
    assert step(lambda: ops.import_scorers(ref, inputs.scorers), Changes(scorers=True))
    plan = step(lambda: ops.assign(ref, seed=7), Changes(assignments=True)).value
    assert plan.added == 8
    assert step(lambda: ops.assign(ref, seed=7), Changes()).value.added == 0  # nothing new
    sent = step(lambda: ops.send_batches(ref, tmp_path / "out"), Changes(assignments=True)).value
    assert len(sent) == 2
    for batch in sent:
        score_batch(batch.path)
    merged = step(
        lambda: ops.merge(ref, [b.path for b in sent]), Changes(reads=True, merges=True)
    ).value
    assert [o.outcome for o in merged] == [ACCEPTED, ACCEPTED]
    again = step(lambda: ops.merge(ref, [sent[0].path]), Changes(merges=True)).value
    assert again[0].outcome == "unchanged"

    status = step(lambda: ops.status(ref))
    assert status.reads_returned == 8
    assert status.files_merged >= 2
    snap = step(lambda: ops.snapshot(ref))
    assert snap.released_at is None
    assert len(snap.results.candidates) == 4
    # The sample reads disagree now and then: each flag is accepted, on a thread of its own.
    for candidate, flag in snap.results.open_flags:
        accepted = step(
            partial(ops.accept, ref, candidate.code, flag.factor or None, "checked", "Ana"),
            Changes(flags=True),
        )
        assert accepted.value.by == "Ana"
    if snap.results.open_flags:
        snap = step(lambda: ops.snapshot(ref, previous=snap, changes=Changes(flags=True)))
        assert not snap.results.open_flags
        assert snap.status.flags_open == 0
    stamp = step(lambda: ops.release(ref), Changes(release=True)).value
    # Only the results are read again after a release; the rest is the previous snapshot's.
    after = step(lambda: ops.snapshot(ref, previous=snap, changes=Changes(release=True)))
    assert after.released_at == stamp
    assert after.status is snap.status
    assert after.merges is snap.merges
    assert step(lambda: ops.snapshot(ref, previous=snap, changes=Changes())) is snap

    results, run = step(lambda: ops.print_reports(ref, tmp_path / "reports"))
    assert results.released_at == stamp
    assert len(run.written) == 5
    _, workbook = step(lambda: ops.export_summary(ref, tmp_path / "summary.xlsx"))
    assert workbook.is_file()


@pytest.fixture
def cohort_path(tmp_path: Path) -> Path:
    """A cohort with a roster and scorers, nothing assigned yet."""
    path = tmp_path / "c.icgcohort"
    inputs = write_demo_inputs(tmp_path / "in", candidates=3, scorers=2, words_per_entry=30)
    ops.create_cohort(path, "2026-27", RUBRIC)
    ref = ops.CohortRef(path)
    ops.import_roster(ref, inputs.roster, inputs.documents)
    ops.import_scorers(ref, inputs.scorers)
    return path


def writing_steps(tmp_path: Path) -> dict[str, Callable[[ops.CohortRef], object]]:
    more = write_demo_inputs(tmp_path / "more", candidates=2, scorers=1, seed=5)
    return {
        "import": lambda ref: ops.import_roster(ref, more.roster, more.documents),
        "scorers": lambda ref: ops.import_scorers(ref, more.scorers),
        "assign": lambda ref: ops.assign(ref, seed=1),
        "send": lambda ref: ops.send_batches(ref, tmp_path / "out"),
        "merge": lambda ref: ops.merge(ref, [tmp_path / "none.icgbatch"]),
        "release": lambda ref: ops.release(ref),
    }


def test_every_writing_step_is_refused_while_the_window_holds_the_lock(
    cohort_path: Path, tmp_path: Path
) -> None:
    before = cohort_path.read_bytes()
    window = ops.lock_for_window(cohort_path)
    try:
        for name, call in writing_steps(tmp_path).items():
            with pytest.raises(FileBusy, match="is open in the Coordinator window"):
                on_a_thread(lambda call=call: call(ops.CohortRef(cohort_path)))
            assert cohort_path.read_bytes() == before, name
        # Reading needs no lock: the dashboard's data and a status can be read meanwhile.
        assert ops.status(ops.CohortRef(cohort_path)).candidates == 3
        # The window itself passes the lock it holds: its step runs and does not lock again.
        held = ops.CohortRef(cohort_path, lock=window)
        assert on_a_thread(lambda: ops.assign(held, seed=1)).changes == Changes(assignments=True)
        assert window.held
    finally:
        window.release()


def test_a_lock_not_held_is_a_programming_error(cohort_path: Path) -> None:
    lock = lock_file(cohort_path, COORDINATOR_WINDOW)
    lock.release()
    with pytest.raises(RuntimeError, match="not held"):
        ops.assign(ops.CohortRef(cohort_path, lock=lock), seed=1)


def test_results_locked_is_refused_the_same_way_by_every_step(
    cohort_path: Path, tmp_path: Path
) -> None:
    ref = ops.CohortRef(cohort_path)
    ops.assign(ref, seed=1)
    sent = ops.send_batches(ref, tmp_path / "sent").value
    for batch in sent:
        score_batch(batch.path)
    ops.merge(ref, [b.path for b in sent])
    for candidate, flag in ops.results(ref).open_flags:  # the sample reads disagree now and then
        ops.accept(ref, candidate.code, flag.factor or None, "checked", "Ana")
    ops.release(ref)
    reasons = set()
    steps = writing_steps(tmp_path)
    steps["move"] = lambda ref: ops.move_read(ref, "x", "y", "z")
    steps["accept"] = lambda ref: ops.accept(ref, "x", None, "a reason", "Ana")
    for name, call in steps.items():
        if name == "merge":
            (outcome,) = ops.merge(ref, [sent[0].path]).value
            assert outcome.outcome == REJECTED
            reasons.add(outcome.reason)
            continue
        with pytest.raises(ResultsLocked) as refused:
            call(ref)
        reasons.add(refused.value.reason)
    assert len(reasons) == 1
    assert "released on" in reasons.pop()


def test_released_at_is_only_read_by_the_one_refusal() -> None:
    """No step checks `released_at` on its own: they all call refuse_when_released."""
    root = Path(__file__).resolve().parents[1] / "icg_desk"
    callers = set()
    for source in [
        *root.glob("models/*.py"),
        *root.glob("operations/*.py"),
        root / "cli_cohort.py",
    ]:
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "released_at"
            ):
                callers.add(source.name)
    assert callers == {"cohort_results.py"}


def test_changes_combine_and_say_whether_anything_changed() -> None:
    assert not Changes().any
    both = Changes(reads=True) | Changes(merges=True)
    assert both == Changes(reads=True, merges=True)
    assert both.any
    assert Done(1).changes == Changes()
