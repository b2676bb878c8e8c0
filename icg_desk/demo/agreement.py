"""A made-up cohort whose scorers agree as real ones do, with a severe one or a drifting one.

For the agreement figures' tests and bench (docs/agreement.md): `build_agreement_cohort` writes
a cohort database whose reads and merge log are as merges of weekly returned batches would
leave them, without making and merging the files (a 5,000-candidate cohort in seconds).

Each portfolio has a true score per factor; each read is that score moved by a little noise (a
step of the scale either way now and then, a whole level rarely), plus the scorer's bias:
`levels_high` whole levels on the first `on_factors` factors (a severe scorer, from 3- to 4-),
and `steps_per_week` steps of the scale more each week (a drifting scorer: that many steps
under the true score per week before the middle week, over it after). Portfolios are
scored in order over `weeks` weeks; each scorer returns their batch at the end of each week,
and the merge log records that return's changes with its time, as `cohort merge` would.
"""

from __future__ import annotations

import hashlib
import random
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from sqlalchemy import insert

from icg_desk.models.cohort_file import CohortFile
from icg_desk.models.cohort_schema import Assignment, Candidate, MergeLog, ReadScore, Scorer
from icg_desk.models.flags import sync_flags
from icg_desk.models.merge import ACCEPTED, REPLACED
from icg_desk.models.rubric_file import builtin_rubric
from icg_desk.scoring.scale import format_score

AGREEMENT_COHORT_NAME = "2026-27"
# A Monday: scoring starts in the summer.
FIRST_MONDAY = date(2026, 6, 29)
STEPS_PER_LEVEL = 3  # 3-, 3, 3+: a whole level is three steps of the scale


@dataclass(frozen=True)
class ScorerBias:
    """How a made-up scorer departs from the portfolios' true scores."""

    levels_high: int = 0  # whole levels added (negative: fewer) ...
    on_factors: int = 0  # ... on this many factors, the first ones in the rubric's order
    # Steps of the scale added per week of scoring (drift), from below the others in the first
    # weeks to above them in the last: none in the middle week.
    steps_per_week: int = 0


# The demo of docs/agreement.md and the agreement view: S-01 scores a level high on three
# factors, S-02 a step of the scale higher each week.
DEMO_BIASES = {
    "S-01": ScorerBias(levels_high=1, on_factors=3),
    "S-02": ScorerBias(steps_per_week=1),
}


def scorer_id(n: int) -> str:
    return f"S-{n + 1:02d}"


def build_agreement_cohort(
    path: Path,
    *,
    candidates: int = 300,
    scorers: int = 12,
    reads: int = 2,
    weeks: int = 6,
    seed: int = 16,
    biases: Mapping[str, ScorerBias] | None = None,
) -> Path:
    """Write the cohort to `path` (which must not exist) and return it."""
    if not 2 <= reads <= scorers:
        raise ValueError("reads must be at least 2 and at most the number of scorers")
    rubric = builtin_rubric()
    keys = rubric.factor_keys
    values = [v.value for v in rubric.scale.values]
    top = len(values) - 1
    biases = dict(biases or {})
    rng = random.Random(seed)
    ids = [scorer_id(s) for s in range(scorers)]

    def week_of(n: int) -> int:
        return n * weeks // candidates

    def returned_at(week: int) -> datetime:
        day = FIRST_MONDAY + timedelta(days=7 * week + 4)  # the Friday
        return datetime.combine(day, time(16, 0), tzinfo=UTC)

    candidate_rows, assignment_rows, score_rows = [], [], []
    # (scorer, week) -> [[code, key, old, new], ...]: that week's return of the batch.
    returns: dict[tuple[str, int], list[list[str | None]]] = defaultdict(list)
    assignment_id = 0
    for n in range(candidates):
        code = f"C27-{10000 + n:05d}"
        candidate_rows.append(
            {
                "id": n + 1,
                "candidate_id": str(100000 + n),
                "code": code,
                "name": f"Candidate {n + 1}",
                "email": f"candidate{n + 1}@example.org",
                "organisation": "District",
                "retake_factors": [],
            }
        )
        # True steps: mostly level 2 and 3, any modifier.
        truth = [rng.choice((1, 2, 3, 4, 4, 5, 6, 7, 7, 8, 9, 10)) for _ in keys]
        week = week_of(n)
        for s in rng.sample(range(scorers), reads):
            bias = biases.get(ids[s], ScorerBias())
            assignment_id += 1
            assignment_rows.append(
                {
                    "id": assignment_id,
                    "candidate_ref": n + 1,
                    "scorer_ref": s + 1,
                    "batch_id": f"agreement-{ids[s]}",
                    "assigned_at": returned_at(0) - timedelta(days=14),
                }
            )
            for f, key in enumerate(keys):
                step = truth[f] + _noise(rng) + bias.steps_per_week * (week - (weeks - 1) // 2)
                if f < bias.on_factors:
                    step += bias.levels_high * STEPS_PER_LEVEL
                score = values[max(0, min(top, step))]
                score_rows.append(
                    {"assignment_ref": assignment_id, "factor_key": key, "score": score}
                )
                returns[(ids[s], week)].append([code, key, None, format_score(score)])

    log_rows = []
    for (sid, week), changes in sorted(returns.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        name = f"{AGREEMENT_COHORT_NAME}-{sid}-week{week + 1}.icgbatch"
        first = not any(w < week for s, w in returns if s == sid)
        log_rows.append(
            {
                "at": returned_at(week) + timedelta(hours=20),
                "file_name": name,
                "file_sha256": hashlib.sha256(name.encode()).hexdigest(),
                "scorer_id": sid,
                "batch_id": f"agreement-{sid}",
                "outcome": ACCEPTED if first else REPLACED,
                "detail": f"{len(changes)} scores merged (batch)",
                "changes": changes,
                "scores_as_of": returned_at(week),
            }
        )

    cohort = CohortFile.create(path, name=AGREEMENT_COHORT_NAME, rubric=rubric)
    with cohort, cohort.transaction() as session:
        session.execute(insert(Candidate), candidate_rows)
        session.execute(
            insert(Scorer),
            [{"id": s + 1, "scorer_id": ids[s], "name": f"Scorer {s + 1}"} for s in range(scorers)],
        )
        session.execute(insert(Assignment), assignment_rows)
        session.execute(insert(ReadScore), score_rows)
        session.execute(insert(MergeLog), log_rows)
        sync_flags(session, rubric)
    return path


def _noise(rng: random.Random) -> int:
    """A read's departure from the true score, in steps: mostly none or one, a level rarely."""
    roll = rng.random()
    if roll < 0.02:
        return -STEPS_PER_LEVEL
    if roll < 0.04:
        return STEPS_PER_LEVEL
    if roll < 0.24:
        return -1
    if roll < 0.44:
        return 1
    return 0
