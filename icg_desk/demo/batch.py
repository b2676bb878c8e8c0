"""A realistic sample batch, for trying ICG Desk, for its screenshots and for its benchmarks."""

from __future__ import annotations

import random
import string
import uuid
from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path

from sqlalchemy import insert, select, update

from icg_desk.demo.text import compose_entry
from icg_desk.models.batch_file import BatchFile
from icg_desk.models.portfolios import (
    EntryContent,
    PortfolioContent,
    VideoContent,
    add_portfolios,
    set_unlock_hash,
)
from icg_desk.models.rubric_file import DEFAULT_EDITION, builtin_rubric
from icg_desk.models.schema import Change, FactorRead, Portfolio, PortfolioStatus, utcnow
from icg_desk.scoring.calibration import unlock_code, unlock_hash
from icg_desk.scoring.rubric import Rubric

DEMO_COHORT = "2026-27"
DEMO_SCORER = ("S-017", "Demo Scorer")
# The demo cohort's secret for calibration unlock codes: `demo_unlock_code(batch_id)` is the code
# a coordinator would give the demo scorer. Invented, like everything in the demo.
DEMO_SECRET = "icg-desk-demo-secret"

_CLIP_TOPICS = (
    "Identify: watching the current-reality video together",
    "Learn: modelling the strategy in the classroom",
    "Improve: reviewing progress toward the PEERS goal",
    "Coaching conversation: choosing a strategy from the playbook",
    "Partnership in action: the teacher leads the debrief",
)
# Links a scorer must see but never open: not https, another host, a look-alike host.
_OFF_LIST_LINKS = (
    "http://www.youtube.com/watch?v={id}",
    "https://vimeo.com/{num}",
    "https://youtube.com.clips.example/watch?v={id}",
)


def candidate_codes(rng: random.Random, count: int, cohort: str = DEMO_COHORT) -> list[str]:
    """Codes like C27-04813: cohort year and a number that says nothing about the candidate."""
    year = cohort[-2:]
    numbers = rng.sample(range(10000, 100000), count)
    return [f"C{year}-{n:05d}" for n in numbers]


def _video_id(rng: random.Random) -> str:
    return "".join(rng.choices(string.ascii_letters + string.digits + "-_", k=11))


def _videos(rng: random.Random, count: int, off_list: bool) -> tuple[VideoContent, ...]:
    videos = []
    for i in range(count):
        topic = rng.choice(_CLIP_TOPICS)
        if rng.random() < 0.5:
            url = f"https://youtu.be/{_video_id(rng)}"
        else:
            url = f"https://www.youtube.com/watch?v={_video_id(rng)}"
        videos.append(VideoContent(f"Clip {i + 1}: {topic}", url))
    if off_list:
        pattern = rng.choice(_OFF_LIST_LINKS)
        url = pattern.format(id=_video_id(rng), num=rng.randrange(10**7, 10**8))
        videos.append(VideoContent(f"Clip {count + 1}: extra footage", url))
    return tuple(videos)


def generate_portfolios(
    rubric: Rubric,
    count: int,
    *,
    seed: int = 2027,
    words_per_entry: int | None = None,
) -> list[PortfolioContent]:
    """`count` portfolios with entry texts of realistic length and their video links.

    `words_per_entry` fixes every entry's length (benchmarks); by default lengths vary around
    two thirds of each entry's word limit, as real submissions do.
    """
    rng = random.Random(seed)
    portfolios = []
    for code in candidate_codes(rng, count):
        entries = []
        off_list = rng.random() < 0.08
        for entry in rubric.entries:
            words = words_per_entry or int(entry.max_words * rng.uniform(0.45, 0.85))
            videos = _videos(rng, entry.videos, off_list and entry.videos > 0)
            entries.append(
                EntryContent(entry.number, compose_entry(rng, rubric, entry.number, words), videos)
            )
        portfolios.append(PortfolioContent(code, tuple(entries)))
    return portfolios


def demo_unlock_code(batch_id: str) -> str:
    """The unlock code of a demo batch with practice portfolios (docs/calibration.md)."""
    return unlock_code(DEMO_SECRET, batch_id)


def practice_portfolios(rubric: Rubric, count: int, *, seed: int = 2027) -> list[PortfolioContent]:
    """`count` practice portfolios: demo portfolios with agreed scores and an expert's
    rationale for each factor, coded P27-... so the demo shows plainly which they are."""
    rng = random.Random(seed + 7)
    values = [v.value for v in rubric.scale.values]
    made = []
    for i, p in enumerate(generate_portfolios(rubric, count, seed=seed + 7), start=1):
        strength = rng.uniform(1.6, 3.8)
        key = []
        for factor in rubric.factors:
            target = Fraction(strength + rng.uniform(-0.6, 0.6)).limit_denominator(100)
            score = min(values, key=lambda v: abs(v - target))
            level = rubric.level(rubric.scale.level_of(score))
            look_for = rng.choice(factor.look_fors)
            why = (
                f"{rubric.scale.label(score)} ({level.short.lower()}). {level.descriptor} "
                f"What decided it, in entry {factor.entry}: {look_for}"
            )
            key.append((factor.key, score, why))
        made.append(
            PortfolioContent(f"P{DEMO_COHORT[-2:]}-{i:05d}", p.entries, practice_key=tuple(key))
        )
    return made


def _prefill_reads(batch: BatchFile, rng: random.Random, positions: Sequence[int]) -> None:
    """Score some portfolios as a scorer part-way through a batch would have."""
    rubric = batch.rubric
    now = utcnow()
    values = [v.value for v in rubric.scale.values]
    with batch.transaction() as session:
        ids = dict(session.execute(select(Portfolio.position, Portfolio.id)).all())
        reads, changes = [], []
        for position in positions:
            portfolio_id = ids[position]
            complete = rng.random() < 0.7
            strength = rng.uniform(1.2, 3.9)  # some candidates certify, some do not
            factors = rubric.factors if complete else rubric.factors[: rng.randint(1, 5)]
            for factor in factors:
                target = Fraction(strength + rng.uniform(-0.8, 0.8)).limit_denominator(100)
                score = min(values, key=lambda v: abs(v - target))
                seen = sorted(rng.sample(range(len(factor.look_fors)), rng.randint(1, 3)))
                reads.append(
                    {
                        "portfolio_id": portfolio_id,
                        "factor_key": factor.key,
                        "score": score,
                        "rationale": f"Scored {rubric.scale.label(score)} on the evidence in "
                        f"entry {factor.entry}.",
                        "look_fors_seen": seen,
                        "updated_at": now,
                    }
                )
                changes.append(
                    {
                        "at": now,
                        "portfolio_id": portfolio_id,
                        "factor_key": factor.key,
                        "field": "score",
                        "old_value": None,
                        "new_value": rubric.scale.label(score),
                    }
                )
            status = PortfolioStatus.COMPLETE if complete else PortfolioStatus.IN_PROGRESS
            session.execute(
                update(Portfolio)
                .where(Portfolio.id == portfolio_id)
                .values(status=status.value, completed_at=now if complete else None)
            )
        session.execute(insert(FactorRead), reads)
        session.execute(insert(Change), changes)


def write_demo_batch(
    path: Path,
    *,
    portfolios: int = 12,
    seed: int = 2027,
    edition: str = DEFAULT_EDITION,
    words_per_entry: int | None = None,
    prefill: bool = True,
    overwrite: bool = True,
    practice: int = 0,
) -> Path:
    """Write a demo batch at `path` and return it.

    With `prefill`, about a quarter of the portfolios after the first three already carry
    scores, so the demo looks like a batch in the middle of a summer. With `practice`, the batch
    starts with that many practice portfolios (calibration before live scoring) and carries
    the hash of `demo_unlock_code(batch_id)`; then nothing is prefilled, as a batch whose live
    portfolios wait for the practice would be.
    """
    rubric = builtin_rubric(edition)
    content = generate_portfolios(rubric, portfolios, seed=seed, words_per_entry=words_per_entry)
    rng = random.Random(seed + 1)
    with BatchFile.create(
        path,
        batch_id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        cohort=DEMO_COHORT,
        scorer_id=DEMO_SCORER[0],
        scorer_name=DEMO_SCORER[1],
        rubric=rubric,
        overwrite=overwrite,
    ) as batch:
        if practice:
            add_portfolios(batch, practice_portfolios(rubric, practice, seed=seed))
            set_unlock_hash(batch, unlock_hash(demo_unlock_code(batch.identity.batch_id)))
            prefill = False
        add_portfolios(batch, content)
        if prefill and portfolios > 3:
            later = list(range(4, portfolios + 1))
            _prefill_reads(batch, rng, sorted(rng.sample(later, max(1, len(later) // 4))))
    return path
