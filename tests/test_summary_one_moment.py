"""The cohort summary's results and agreement are read in one transaction: a merge landing
while the workbook is being read changes neither, so its sheets cannot tell two stories."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from icg_desk.demo.agreement import build_agreement_cohort
from icg_desk.operations import cohort as ops


def test_a_merge_between_the_results_and_the_agreement_changes_neither(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = build_agreement_cohort(tmp_path / "c.icgcohort", candidates=40)
    written: dict[str, Any] = {}
    real_results_in = ops.results_in

    def results_then_a_merge(session: Any, cohort: Any, **kwargs: Any) -> Any:
        found = real_results_in(session, cohort, **kwargs)
        # Another program (a merge from the command line) takes a read's scores away now.
        con = sqlite3.connect(path, timeout=5)
        with con:
            con.execute(
                "DELETE FROM read_score WHERE assignment_ref = (SELECT min(assignment_ref) "
                "FROM read_score)"
            )
        con.close()
        return found

    def capture(results: Any, target: Path, **kwargs: Any) -> Path:
        written.update(results=results, agreement=kwargs["agreement"])
        return target

    monkeypatch.setattr(ops, "results_in", results_then_a_merge)
    monkeypatch.setattr(ops, "write_cohort_summary", capture)
    ops.export_summary(ops.CohortRef(path), tmp_path / "summary.xlsx")

    complete = sum(1 for r in written["results"].reads if r.complete)
    assert complete == 80  # 40 candidates, two complete reads each, as before the merge
    assert written["agreement"].figures.reads == complete
    # The merge itself landed: the next reading sees it.
    assert ops.results(ops.CohortRef(path)).reads != written["results"].reads
