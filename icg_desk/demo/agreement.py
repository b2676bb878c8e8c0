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

With `validity` and `practice` (issue 16, items 1 and 4), portfolios with agreed scores too:
`validity` validity portfolios read by each scorer, unseen among their live ones (the same
noise and bias, spread over the weeks; codes like the candidates'), and `practice` practice
portfolios read by every scorer in the first week, before live scoring (clear-cut exemplars:
less noise; a scorer's level bias shows there, their drift has not begun). Their agreed scores
are the portfolios' true scores. `unlocked` scorers were given the unlock code of their batch by
the coordinator (an audited event). These use a random stream of their own, so the live reads
are the same with them or without.
"""

from __future__ import annotations

import hashlib
import random
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from fractions import Fraction
from pathlib import Path

from sqlalchemy import insert

from icg_desk.models.cohort_file import CohortFile
from icg_desk.models.cohort_results import UNLOCKED
from icg_desk.models.cohort_schema import (
    PRACTICE,
    VALIDITY,
    Assignment,
    Candidate,
    CoordinatorEvent,
    KeyScore,
    MergeLog,
    ReadScore,
    Scorer,
)
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
# In the demo S-01 did not qualify on the practice portfolios and was let through anyway.
DEMO_UNLOCKED = ("S-01",)


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
    validity: int = 0,
    practice: int = 0,
    unlocked: Sequence[str] = (),
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

    keyed = _Keyed(
        rng=random.Random(seed + 1),
        values=values,
        keys=keys,
        first_ref=candidates + 1,
        first_assignment=assignment_id + 1,
    )
    keyed.add(VALIDITY, validity, ids, biases, week_of_read=lambda i: i * weeks // max(1, validity),
              middle=(weeks - 1) // 2, shared=False)  # fmt: skip
    keyed.add(PRACTICE, practice, ids, biases, week_of_read=lambda i: 0, middle=None, shared=True)
    candidate_rows += keyed.candidates
    assignment_rows += [
        {**row, "assigned_at": returned_at(0) - timedelta(days=14)} for row in keyed.assignments
    ]
    score_rows += keyed.scores
    for (sid, week), changes in keyed.returns.items():
        returns[(sid, week)].extend(changes)

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
        if keyed.key_rows:
            session.execute(insert(KeyScore), keyed.key_rows)
        for sid in unlocked:
            session.add(
                CoordinatorEvent(
                    at=returned_at(0) - timedelta(days=2),
                    action=UNLOCKED,
                    actor="Coordinator",
                    reason="practice reads not qualifying; let through to keep the schedule",
                    to_scorer=sid,
                    batch_id=f"agreement-{sid}",
                    detail=f"{practice} practice portfolios",
                )
            )
        sync_flags(session, rubric)
    return path


@dataclass
class _Keyed:
    """Validity or practice portfolios (agreed scores: their true scores) and their reads."""

    rng: random.Random
    values: list[Fraction]
    keys: Sequence[str]
    first_ref: int
    first_assignment: int

    def __post_init__(self) -> None:
        self.candidates: list[dict[str, object]] = []
        self.assignments: list[dict[str, object]] = []
        self.scores: list[dict[str, object]] = []
        self.key_rows: list[dict[str, object]] = []
        self.returns: dict[tuple[str, int], list[list[str | None]]] = defaultdict(list)

    def add(
        self,
        kind: str,
        per_scorer: int,
        ids: Sequence[str],
        biases: Mapping[str, ScorerBias],
        *,
        week_of_read: Callable[[int], int],
        middle: int | None,
        shared: bool,
    ) -> None:
        """`per_scorer` portfolios read by each scorer: the same ones for all (`shared`), or
        each scorer their own (validity: a portfolio read by one scorer only, as seeded)."""
        if per_scorer <= 0:
            return
        top = len(self.values) - 1
        pool = per_scorer if shared else per_scorer * len(ids)
        truths = []
        for _ in range(pool):
            ref = self.first_ref + len(self.candidates)
            n = ref - 1
            truth = [self.rng.choice((1, 2, 3, 4, 4, 5, 6, 7, 7, 8, 9, 10)) for _ in self.keys]
            truths.append((ref, f"C27-{10000 + n:05d}", truth))
            self.candidates.append(
                {
                    "id": ref,
                    "candidate_id": str(100000 + n),
                    "code": f"C27-{10000 + n:05d}",
                    "name": "",
                    "organisation": "",
                    "retake_factors": [],
                    "kind": kind,
                }
            )
            self.key_rows += [
                {
                    "candidate_ref": ref,
                    "factor_key": key,
                    "score": self.values[step],
                    "rationale": f"Agreed by the leaders: {format_score(self.values[step])}",
                    "source": "demo",
                }
                for key, step in zip(self.keys, truth, strict=True)
            ]
        noise = _noise if kind == VALIDITY else _practice_noise
        for s, sid in enumerate(ids):
            bias = biases.get(sid, ScorerBias())
            mine = truths if shared else truths[s * per_scorer : (s + 1) * per_scorer]
            for i, (ref, code, truth) in enumerate(mine):
                week = week_of_read(i)
                assignment = self.first_assignment + len(self.assignments)
                self.assignments.append(
                    {
                        "id": assignment,
                        "candidate_ref": ref,
                        "scorer_ref": s + 1,
                        "batch_id": f"agreement-{sid}",
                        "kind": kind,
                    }
                )
                drift = 0 if middle is None else bias.steps_per_week * (week - middle)
                for f, key in enumerate(self.keys):
                    step = truth[f] + noise(self.rng) + drift
                    if f < bias.on_factors:
                        step += bias.levels_high * STEPS_PER_LEVEL
                    score = self.values[max(0, min(top, step))]
                    self.scores.append(
                        {"assignment_ref": assignment, "factor_key": key, "score": score}
                    )
                    self.returns[(sid, week)].append([code, key, None, format_score(score)])


def _practice_noise(rng: random.Random) -> int:
    """A practice read's departure: practice portfolios are clear-cut, so mostly none."""
    roll = rng.random()
    if roll < 0.07:
        return -1
    if roll < 0.14:
        return 1
    return 0


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
