"""Last cycle's results, read back for banking retake scores (`icg-desk cohort bank`).

From the summary workbook ICG Desk wrote for that cycle (docs/cohort-summary-format.md): the
`Overview` sheet's Cohort and Released at, and one row of the `Results` sheet per candidate, its
factor scores under the factors' names, its Decision and its Retake factors. The workbook's
scores are the two decimals it shows (a mean of 1.875 is 1.88): the cohort file itself gives the
exact ones. Every problem names the file, the row and the column.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

from icg_desk.formats.roster_table import read_table
from icg_desk.models.banking import parse_banked_score
from icg_desk.models.roster import ImportProblem
from icg_desk.scoring import Rubric, ScoreError

RESULTS_SHEET, OVERVIEW_SHEET = "Results", "Overview"
NOT_CERTIFIED = "Not certified"
NOT_RELEASED_PREFIX = "Not released"


def header_name(text: str) -> str:
    """A column's name as the sheet readers normalise it: `Impact Cycle` -> `impact_cycle`."""
    return "_".join(text.strip().lower().split())


@dataclass(frozen=True)
class LastResult:
    """One candidate's final result of last cycle, as banking needs it."""

    candidate_id: str
    scores: dict[str, Fraction]  # every factor
    retake: tuple[str, ...]  # the factors below the floor, in rubric order
    not_certified: bool
    where: str  # "FILE, row R", for messages and the banked scores' source


@dataclass
class LastCycle:
    cycle: str  # the cohort's name, e.g. 2025-26
    released: bool
    results: list[LastResult] = field(default_factory=list)
    problems: list[ImportProblem] = field(default_factory=list)


def read_results_workbook(path: Path, rubric: Rubric) -> LastCycle:
    """Last cycle's results from its summary workbook; what is wrong is in `problems`."""
    found = LastCycle(cycle="", released=False)
    overview = read_table(path, OVERVIEW_SHEET, ["field", "value"])
    if overview.problems:
        found.problems.extend(overview.problems)
        return found
    fields = {
        overview.get(cells, "field"): overview.get(cells, "value") for _, cells in overview.rows
    }
    found.cycle = fields.get("Cohort", "").strip()
    released = fields.get("Released at", "").strip()
    found.released = bool(released) and not released.startswith(NOT_RELEASED_PREFIX)

    columns = {f.key: header_name(f.name) for f in rubric.factors}
    table = read_table(
        path, RESULTS_SHEET, ["candidate_id", *columns.values(), "decision", "retake_factors"]
    )
    if table.problems:
        found.problems.extend(table.problems)
        return found
    by_name = {f.name.casefold(): f.key for f in rubric.factors}
    for number, cells in table.rows:
        cid = table.get(cells, "candidate_id")
        if not cid:
            found.problems.append(ImportProblem(path, number, "candidate_id", "is empty"))
            continue
        decision = table.get(cells, "decision")
        scores: dict[str, Fraction] = {}
        bad = False
        for key, column in columns.items():
            text = table.get(cells, column)
            if not text:
                if decision == NOT_CERTIFIED:  # a final result has every factor scored
                    found.problems.append(
                        ImportProblem(path, number, rubric.factor(key).name, "has no score")
                    )
                    bad = True
                continue
            try:
                scores[key] = parse_banked_score(rubric, text)
            except ScoreError as exc:
                name = rubric.factor(key).name
                found.problems.append(ImportProblem(path, number, name, str(exc)))
                bad = True
        retake: list[str] = []
        for listed in (n.strip() for n in table.get(cells, "retake_factors").split(";")):
            if not listed:
                continue
            known = by_name.get(listed.casefold())
            if known is None:
                found.problems.append(
                    ImportProblem(
                        path, number, "Retake factors", f"{listed!r} is not a factor of the rubric"
                    )
                )
                bad = True
            else:
                retake.append(known)
        if bad:
            continue
        found.results.append(
            LastResult(
                candidate_id=cid,
                scores=scores,
                retake=tuple(k for k in rubric.factor_keys if k in retake),
                not_certified=decision == NOT_CERTIFIED,
                where=f"{path.name}, row {number}",
            )
        )
    return found
