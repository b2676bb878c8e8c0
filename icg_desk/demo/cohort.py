"""A sample cohort for trying the coordinator's side, for its tests and for its benchmarks.

`write_demo_inputs` writes what a coordinator starts from: a roster CSV, a scorers CSV and a
folder of entry documents (.txt, .md and .docx). `score_batches` fills exported batches with
plausible reads, as if the scorers had read them: each candidate has a strength, each scorer
reads it with a little noise, so some candidates certify, some retake and a few reads are
discrepant. `build_demo_cohort` runs the whole path to merged reads.
"""

from __future__ import annotations

import csv
import hashlib
import random
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from sqlalchemy import delete, insert, select, update

from icg_desk.demo.batch import _video_id
from icg_desk.demo.text import compose_entry
from icg_desk.models.batch_file import BatchFile
from icg_desk.models.cohort_file import CohortFile
from icg_desk.models.rubric_file import DEFAULT_EDITION, builtin_rubric
from icg_desk.models.schema import Change, FactorRead, Portfolio, PortfolioStatus, utcnow
from icg_desk.scoring.rubric import Rubric

DEMO_COHORT_NAME = "2026-27"
DEMO_COHORT_FILE = "demo.icgcohort"

_FIRST = (
    "Maya", "Daniel", "Aisha", "Tomás", "Grace", "Kenji", "Olivia", "Marcus", "Zoë", "Priya",
    "Samuel", "Lena", "Jamal", "Chloé", "Noah", "Fatima", "Ethan", "Ingrid", "Rafael", "Hannah",
)  # fmt: skip
_LAST = (
    "Alvarez", "Okafor", "Chen", "O'Brien", "Lindqvist", "Nakamura", "Patel", "Kowalski",
    "Haddad", "Brooks", "Dubois", "Mensah", "Rossi", "Whitaker", "Sato", "Novak",
)  # fmt: skip
_DISTRICTS = (
    "Lawrence USD 497",
    "Riverside County Schools",
    "North Valley ISD",
    "Cedar Rapids CSD",
    "Portland Public Schools",
    "Hillsborough County",
)
_SCORER_NAMES = (
    ("S-01", "Jordan Ellis"),
    ("S-02", "Beatriz Santos"),
    ("S-03", "Michael Oduya"),
    ("S-04", "Karin Holm"),
    ("S-05", "Ravi Iyer"),
    ("S-06", "Ellen Park"),
)


@dataclass(frozen=True)
class DemoInputs:
    roster: Path
    scorers: Path
    documents: Path


def _name(rng: random.Random, taken: set[str]) -> str:
    while True:
        name = f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"
        if name not in taken or len(taken) > len(_FIRST) * len(_LAST) // 2:
            taken.add(name)
            return name


def _email(name: str, n: int) -> str:
    """tomas.sato1@example.org for Tomás Sato: accents dropped, not the letters that carry them."""
    decomposed = unicodedata.normalize("NFKD", name.lower().replace(" ", "."))
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    local = "".join(ch for ch in plain if ch.isascii() and ch != "'")
    return f"{local}{n}@example.org"


def write_demo_inputs(
    folder: Path,
    *,
    candidates: int = 12,
    scorers: int = 3,
    seed: int = 2027,
    edition: str = DEFAULT_EDITION,
    words_per_entry: int | None = None,
) -> DemoInputs:
    """Write roster.csv, scorers.csv and documents/ into `folder` (made if missing)."""
    rubric = builtin_rubric(edition)
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    documents = folder / "documents"
    documents.mkdir(exist_ok=True)
    video_entries = [e for e in rubric.entries if e.videos]
    taken: set[str] = set()
    rows = []
    for n in range(1, candidates + 1):
        candidate_id = str(1000 + n)
        name = _name(rng, taken)
        retakes = rng.choice(rubric.factor_keys) if rng.random() < 0.1 else ""
        row = {
            "candidate_id": candidate_id,
            "name": name,
            "email": _email(name, n),
            "organisation": rng.choice(_DISTRICTS),
            "cohort": DEMO_COHORT_NAME,
            "retake_factors": retakes,
        }
        for entry in video_entries:
            row[f"entry{entry.number}_videos"] = "; ".join(
                f"Clip {i + 1} | https://youtu.be/{_video_id(rng)}" for i in range(entry.videos)
            )
        rows.append(row)
        for entry in rubric.entries:
            words = words_per_entry or int(entry.max_words * rng.uniform(0.3, 0.5))
            _write_document(
                documents,
                candidate_id,
                entry.number,
                compose_entry(rng, rubric, entry.number, words),
            )
    roster = folder / "roster.csv"
    with roster.open("w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)

    # With three scorers or more, the first two come from districts of the roster and the third
    # declared a conflict, so both rules show in the assignment. The conflict is with a candidate
    # from neither district: that candidate still has two scorers left to read it.
    shown_rules = scorers >= 3
    district_of = {0: _DISTRICTS[0], 1: _DISTRICTS[1]} if shown_rules else {}
    conflict = next(
        (r["candidate_id"] for r in rows if r["organisation"] not in district_of.values()), ""
    )
    scorer_rows = []
    for i in range(scorers):
        scorer_id, name = (
            _SCORER_NAMES[i] if i < len(_SCORER_NAMES) else (f"S-{i + 1:02d}", f"Scorer {i + 1}")
        )
        scorer_rows.append(
            {
                "scorer_id": scorer_id,
                "name": name,
                "email": _email(name, i + 1),
                "organisation": district_of.get(i, "ICG"),
                "conflicts": conflict if shown_rules and i == 2 else "",
            }
        )
    scorer_sheet = folder / "scorers.csv"
    with scorer_sheet.open("w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, fieldnames=list(scorer_rows[0]))
        writer.writeheader()
        writer.writerows(scorer_rows)
    return DemoInputs(roster, scorer_sheet, documents)


def _write_document(folder: Path, candidate_id: str, number: int, text: str) -> None:
    """Mostly .txt, some .md and .docx: a real folder of submissions is mixed."""
    kind = int(candidate_id) % 4
    stem = f"{candidate_id}_entry{number}"
    if kind == 1:
        import docx  # python-docx: only here and in the roster import

        document = docx.Document()
        for paragraph in text.split("\n\n"):
            document.add_paragraph(paragraph)
        document.save(str(folder / f"{stem}.docx"))
    elif kind == 2:
        (folder / f"{stem}.md").write_text(text, encoding="utf-8")
    else:
        (folder / f"{stem}.txt").write_text(text, encoding="utf-8")


def _strength(code: str) -> float:
    """A candidate's true level, the same for every scorer who reads the portfolio."""
    digest = hashlib.sha256(code.encode()).digest()
    return 1.8 + 2.1 * (int.from_bytes(digest[:4], "big") / 2**32)


def score_batch(path: Path, *, seed: int = 2027, unscored: int = 0) -> int:
    """Fill a batch with complete reads, as its scorer would have; returns portfolios scored.

    The last `unscored` portfolios are left as they are (a scorer not yet done). Written in one
    transaction with bulk inserts: benchmarks score hundreds of batches.
    """
    with BatchFile.open(path) as batch:
        rubric = batch.rubric
        rng = random.Random(f"{seed}:{batch.identity.scorer_id}")
        values = [v.value for v in rubric.scale.values]
        now = utcnow()
        with batch.transaction() as session:
            portfolios = session.execute(
                select(Portfolio.id, Portfolio.candidate_code).order_by(Portfolio.position)
            ).all()
            chosen = portfolios[: max(0, len(portfolios) - unscored)]
            ids = [pid for pid, _ in chosen]
            session.execute(delete(FactorRead).where(FactorRead.portfolio_id.in_(ids)))
            reads, changes = [], []
            for pid, code in chosen:
                strength = _strength(code)
                for factor in rubric.factors:
                    score = _nearest(values, strength + rng.gauss(0, 0.35))
                    reads.append(
                        {
                            "portfolio_id": pid,
                            "factor_key": factor.key,
                            "score": score,
                            "rationale": _rationale(rubric, factor.key, score),
                            "look_fors_seen": [0],
                            "updated_at": now,
                        }
                    )
                    changes.append(
                        {
                            "at": now,
                            "portfolio_id": pid,
                            "factor_key": factor.key,
                            "field": "score",
                            "old_value": None,
                            "new_value": rubric.scale.label(score),
                        }
                    )
            if reads:
                session.execute(insert(FactorRead), reads)
                session.execute(insert(Change), changes)
                session.execute(
                    update(Portfolio)
                    .where(Portfolio.id.in_(ids))
                    .values(status=PortfolioStatus.COMPLETE.value, completed_at=now)
                )
    return len(chosen)


def _nearest(values: Sequence[Fraction], target: float) -> Fraction:
    return min(values, key=lambda v: abs(float(v) - target))


def _rationale(rubric: Rubric, key: str, score: Fraction) -> str:
    factor = rubric.factor(key)
    return (
        f"{rubric.scale.label(score)}: the entry shows {factor.name.lower()} "
        f"({factor.look_fors[0].rstrip('.').lower()})."
    )


def build_demo_cohort(
    folder: Path,
    *,
    candidates: int = 12,
    scorers: int = 3,
    seed: int = 2027,
    words_per_entry: int | None = 200,
    unscored: int = 0,
    accept_flags: bool = True,
) -> Path:
    """Inputs, cohort, import, assignment, batches, reads and merge: a cohort ready to release.

    The made-up reads disagree now and then, as real ones do; with `accept_flags` every flag
    they raise is accepted (by "ICG Desk demo", saying why), else the flags stay open for the
    coordinator to try. Returns the cohort file (`folder/demo.icgcohort`); batches are in
    `folder/batches`.
    """
    # Imported here: these modules import this one's neighbours, not the other way round.
    from icg_desk.models.assignment import assign
    from icg_desk.operations.merge import merge_files
    from icg_desk.operations.roster_import import import_roster, import_scorers
    from icg_desk.operations.sending import export_batches

    inputs = write_demo_inputs(
        folder, candidates=candidates, scorers=scorers, seed=seed, words_per_entry=words_per_entry
    )
    path = folder / DEMO_COHORT_FILE
    with CohortFile.create(path, name=DEMO_COHORT_NAME, rubric=builtin_rubric()) as cohort:
        import_roster(cohort, inputs.roster, inputs.documents)
        import_scorers(cohort, inputs.scorers)
        assign(cohort, seed=seed)
        outbox = folder / "batches"
        outbox.mkdir(exist_ok=True)
        exported = export_batches(cohort, outbox)
        for i, batch in enumerate(exported):
            score_batch(batch.path, seed=seed, unscored=unscored if i == 0 else 0)
        merge_files(cohort, [b.path for b in exported])
        if accept_flags:
            accept_every_flag(cohort)
    return path


DEMO_ACCEPTOR = "ICG Desk demo"
DEMO_REASON = "A demo cohort: its reads are made up, so their disagreements are accepted"


def accept_every_flag(cohort: CohortFile) -> int:
    """Accept every open flag of the cohort as the demo's; returns how many."""
    from icg_desk.models.cohort_results import cohort_results
    from icg_desk.models.flag_accept import accept_flag

    flagged = cohort_results(cohort).open_flags
    for candidate, flag in flagged:
        accept_flag(cohort, candidate.code, flag.factor or None, DEMO_REASON, DEMO_ACCEPTOR)
    return len(flagged)
