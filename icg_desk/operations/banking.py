"""Banking retake scores from last cycle's results: `icg-desk cohort bank DB FILE`.

FILE is last cycle's cohort file (`.icgcohort`: exact scores) or the summary workbook written
from it (`.xlsx`: the two decimals it shows). Its results must be released (final). Each of its
candidates who is in this cohort (matched by roster id, ignoring case) and was **not certified**
is banked: every factor score, with the cycle (the file's cohort name, or `--cycle`). The factors
retaken are the ones this cohort's roster names for the candidate (`retake_factors`), else last
cycle's factors below the floor; a candidate not certified with neither is left out, and said so.

Checked whole, then written in one transaction (models/banking.write_banked), or nothing is: a
problem anywhere names the file, row and column, and exits 2 on the command line.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from icg_desk.formats.last_cycle import LastCycle, LastResult, read_results_workbook
from icg_desk.models.banking import BankEntry, BankRefused, check_banked, write_banked
from icg_desk.models.cohort_file import CohortFile
from icg_desk.models.cohort_results import cohort_results
from icg_desk.models.cohort_schema import CANDIDATE, Candidate
from icg_desk.models.errors import UserError
from icg_desk.models.roster import ImportProblem, ImportRejected
from icg_desk.scoring import Rubric, Status


@dataclass(frozen=True)
class BankDone:
    """What banking did: the cycle, each candidate banked, and who was left out and why."""

    cycle: str
    source: Path
    banked: tuple[BankEntry, ...]
    left_out: tuple[str, ...]  # "1007: certified in 2025-26", ... for people
    not_in_cohort: int  # candidates of the file who are not in this cohort


def _from_cohort_file(path: Path, rubric: Rubric) -> LastCycle:
    """Last cycle's final results from its cohort file (exact scores)."""
    with CohortFile.open(path) as last:
        if last.rubric.factor_keys != rubric.factor_keys:
            raise UserError(
                f"{path}: is scored on the rubric {last.rubric.edition!r}, whose factors are not "
                f"this cohort's ({rubric.edition!r}); its scores cannot be banked here"
            )
        results = cohort_results(last)
    found = LastCycle(cycle=results.cohort, released=results.released_at is not None)
    for c in results.candidates:
        if c.withdrawn is not None or not c.state.final:
            continue
        scores = {f.key: f.score for f in c.factors if f.score is not None}
        found.results.append(
            LastResult(
                candidate_id=c.candidate_id,
                scores=scores,
                retake=c.decision.retake,
                not_certified=c.decision.status is Status.NOT_CERTIFIED,
                where=f"{path.name}, candidate {c.candidate_id}",
            )
        )
    return found


def plan_bank(cohort: CohortFile, source: Path, cycle: str | None = None) -> BankDone:
    """Read and check the file against this cohort; BankRefused or ImportRejected says why not."""
    rubric = cohort.rubric
    if source.suffix.lower() == ".icgcohort":
        last = _from_cohort_file(source, rubric)
    elif source.suffix.lower() in (".xlsx", ".xlsm"):
        last = read_results_workbook(source, rubric)
    else:
        raise BankRefused(
            f"{source}: is neither a cohort file (.icgcohort) nor its summary workbook (.xlsx)"
        )
    if last.problems:
        raise ImportRejected(last.problems)
    if not last.released:
        raise BankRefused(
            f"{source}: its results are not released (provisional); only released results "
            "are banked"
        )
    named = (cycle or last.cycle).strip()
    if not named:
        raise BankRefused(f"{source}: does not say its cycle; name it with --cycle (e.g. 2025-26)")
    with cohort.reading() as session:
        people = {
            cid.casefold(): (cid, list(retakes))
            for cid, retakes in session.execute(
                select(Candidate.candidate_id, Candidate.retake_factors).where(
                    Candidate.kind == CANDIDATE
                )
            )
        }
    entries: list[BankEntry] = []
    left_out: list[str] = []
    problems: list[ImportProblem] = []
    not_here = 0
    for r in last.results:
        here = people.get(r.candidate_id.casefold())
        if here is None:
            not_here += 1
            continue
        cid, roster_retakes = here
        if not r.not_certified:
            left_out.append(f"{cid}: not a retake (certified, or not final, in {named})")
            continue
        retakes = [k for k in rubric.factor_keys if k in (roster_retakes or r.retake)]
        if not retakes:
            left_out.append(
                f"{cid}: not certified in {named} with no factor below the floor; name the "
                "factors to retake in the roster's retake_factors, then bank again"
            )
            continue
        scores, found = check_banked(
            rubric, cohort.name, retakes, named, {k: str(s) for k, s in r.scores.items()}
        )
        for column, message in found:
            problems.append(ImportProblem(source, None, column, f"{r.where}: {message}"))
        if not found:
            entries.append(BankEntry(cid, tuple(retakes), scores, named, r.where))
    if problems:
        raise ImportRejected(problems)
    return BankDone(named, source, tuple(entries), tuple(left_out), not_here)


def bank_scores(cohort: CohortFile, source: Path, cycle: str | None = None) -> BankDone:
    """Check the whole file, then bank every retake's scores in one transaction."""
    done = plan_bank(cohort, source, cycle)
    if done.banked:
        write_banked(cohort, done.banked)
    return done
