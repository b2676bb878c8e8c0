"""Seeding validity and practice portfolios into the scorers' next batches (docs/validity.md).

For each scorer (role scorer) with reads assigned and not yet sent, `seed_keys` adds reads of
kind VALIDITY so the next batch holds `validity` validity portfolios the scorer has not had
(among them, sent or not, the ones already seeded count), and reads of kind PRACTICE so a scorer
who has had no practice yet starts with `practice` practice portfolios. Run again it adds
nothing more. Checked for every scorer before anything is written: when some scorer would get
too few, nothing is seeded and the message says who and how many there are. Audited: one
coordinator_event (action "seeded") with who, why (both optional) and what was added.

The choice is random but repeatable: the same seed, the same portfolios for the same scorer.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select

from icg_desk.models.cohort_file import CohortFile
from icg_desk.models.cohort_results import refuse_when_released
from icg_desk.models.cohort_schema import (
    ADJUDICATOR,
    PRACTICE,
    READ,
    VALIDITY,
    Assignment,
    Candidate,
    CoordinatorEvent,
    Scorer,
    Withdrawal,
)
from icg_desk.models.errors import UserError
from icg_desk.models.schema import utcnow

SEEDED = "seeded"
MAX_SEEDED = 50  # per scorer and kind: a batch is a scorer's summer, not a test bank


class SeedRefused(UserError):
    """Nothing was seeded; the message says why (too few portfolios, a bad number)."""


@dataclass(frozen=True)
class Seeded:
    """What seeding added for one scorer: the codes of each kind, in the order added."""

    scorer_id: str
    validity: tuple[str, ...]
    practice: tuple[str, ...]


@dataclass(frozen=True)
class SeedDone:
    validity: int  # asked per batch
    practice: int
    seeded: tuple[Seeded, ...]  # scorers given something, by id
    untouched: tuple[str, ...]  # scorers with reads to send who needed nothing more

    @property
    def added(self) -> int:
        return sum(len(s.validity) + len(s.practice) for s in self.seeded)

    def summary(self) -> str:
        if not self.seeded:
            if not self.untouched:
                return "Nothing seeded: no scorer has reads waiting to be sent"
            return (
                f"Nothing seeded: the next batches of {len(self.untouched)} scorers already hold "
                "what was asked"
            )
        v = sum(len(s.validity) for s in self.seeded)
        p = sum(len(s.practice) for s in self.seeded)
        return (
            f"Seeded {v} validity and {p} practice reads into the next batches of "
            f"{len(self.seeded)} scorers"
        )


def _check_count(name: str, value: int) -> None:
    if not 0 <= value <= MAX_SEEDED:
        raise SeedRefused(f"--{name} {value}: give a number from 0 to {MAX_SEEDED}")


def seed_keys(
    cohort: CohortFile,
    *,
    validity: int,
    practice: int = 0,
    seed: int = 1,
    actor: str = "",
    reason: str = "",
) -> SeedDone:
    """Add the validity and practice reads each scorer's next batch needs, in one transaction;
    SeedRefused (nothing added) when a scorer would get too few."""
    _check_count("validity", validity)
    _check_count("practice", practice)
    with cohort.transaction() as session:
        refuse_when_released(session, "reopen them first to seed portfolios")
        scorers = {
            s.id: s for s in session.scalars(select(Scorer).where(Scorer.role != ADJUDICATOR))
        }
        gone = set(session.scalars(select(Withdrawal.candidate_ref)))
        keys: dict[str, list[Candidate]] = {VALIDITY: [], PRACTICE: []}
        for c in session.scalars(
            select(Candidate).where(Candidate.kind.in_(list(keys))).order_by(Candidate.code)
        ):
            if c.id not in gone:
                keys[c.kind].append(c)
        waiting: set[int] = set()  # scorers with reads to send
        had: dict[int, set[int]] = defaultdict(set)  # scorer -> portfolios ever given them
        seeded_now: dict[tuple[int, str], int] = defaultdict(int)  # validity waiting to be sent
        practised: set[int] = set()
        for a in session.scalars(select(Assignment)):
            had[a.scorer_ref].add(a.candidate_ref)
            if a.kind == READ and a.batch_id is None and a.candidate_ref not in gone:
                waiting.add(a.scorer_ref)
            if a.kind == VALIDITY and a.batch_id is None:
                seeded_now[a.scorer_ref, VALIDITY] += 1
            if a.kind == PRACTICE:
                practised.add(a.scorer_ref)

        plan: list[tuple[Scorer, list[Candidate], list[Candidate]]] = []
        short: list[str] = []
        untouched: list[str] = []
        for ref in sorted(waiting & set(scorers), key=lambda r: scorers[r].scorer_id):
            scorer = scorers[ref]
            rng = random.Random(f"{seed}:{scorer.scorer_id}")
            # Never one the scorer has had, nor one named among their conflicts (by its id).
            barred = {c.casefold() for c in scorer.conflicts}
            fresh = {
                k: [c for c in keys[k] if c.id not in had[ref] and c.candidate_id.casefold()
                    not in barred]
                for k in keys
            }  # fmt: skip
            need = validity - seeded_now[ref, VALIDITY]
            new_validity = _pick(fresh[VALIDITY], need, rng, scorer.scorer_id, VALIDITY, short)
            need = practice if ref not in practised else 0
            new_practice = _pick(fresh[PRACTICE], need, rng, scorer.scorer_id, PRACTICE, short)
            if new_validity or new_practice:
                plan.append((scorer, new_validity, new_practice))
            else:
                untouched.append(scorer.scorer_id)
        if short:
            raise SeedRefused(
                "nothing seeded: too few portfolios (import more with `icg-desk cohort keys`, "
                "or seed fewer):\n" + "\n".join(f"  {line}" for line in short)
            )
        done: list[Seeded] = []
        now = utcnow()
        for scorer, new_validity, new_practice in plan:
            for kind, chosen in ((VALIDITY, new_validity), (PRACTICE, new_practice)):
                for c in chosen:
                    session.add(
                        Assignment(candidate_ref=c.id, scorer_ref=scorer.id, kind=kind,
                                   assigned_at=now)
                    )  # fmt: skip
            done.append(
                Seeded(
                    scorer.scorer_id,
                    tuple(c.code for c in new_validity),
                    tuple(c.code for c in new_practice),
                )
            )
        if done:
            detail = "; ".join(
                f"{s.scorer_id}: {len(s.validity)} validity, {len(s.practice)} practice"
                for s in done
            )
            session.add(
                CoordinatorEvent(
                    at=now,
                    action=SEEDED,
                    actor=" ".join(actor.split()),
                    reason=reason.strip(),
                    detail=f"--validity {validity} --practice {practice} --seed {seed}: {detail}",
                )
            )
    return SeedDone(validity, practice, tuple(done), tuple(untouched))


def _pick(
    fresh: list[Candidate], need: int, rng: random.Random, scorer_id: str, kind: str,
    short: list[str],
) -> list[Candidate]:  # fmt: skip
    """`need` of the portfolios not had before, at random; none, and a line in `short`, when
    there are too few."""
    if need <= 0:
        return []
    if len(fresh) < need:
        short.append(
            f"scorer {scorer_id}: needs {need} more {kind} portfolios not had before; "
            f"there are {len(fresh)}"
        )
        return []
    return rng.sample(fresh, need)
