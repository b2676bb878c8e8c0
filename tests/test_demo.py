"""Demo batches: realistic, deterministic, and opened by the models like any batch."""

import hashlib
import random
import re
import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

import icg_desk
from icg_desk.demo.batch import generate_portfolios, write_demo_batch
from icg_desk.demo.text import DemoDataError, UnknownFactorError, compose_entry
from icg_desk.models.batch_file import BatchFile
from icg_desk.models.rubric_file import builtin_rubric, parse_rubric
from icg_desk.models.schema import FactorRead, Portfolio
from icg_desk.paths import resources_dir

# What the demo writes for a seed, pinned: moving the sentence banks from code to data (or
# tidying the generator) must not change a single byte. Each digest covers four lengths.
PINNED_ENTRIES = {
    ("icg-revised", 1, 1): "af695ea180a6bb2b",
    ("icg-revised", 1, 2): "86e8b38ed5421775",
    ("icg-revised", 2027, 1): "296853369479825a",
    ("icg-revised", 2027, 2): "461ddd0572a07fc5",
    ("icg-pilot", 1, 1): "af063e53a2e997c3",
    ("icg-pilot", 1, 2): "a07be8fe66e9d76c",
    ("icg-pilot", 1, 3): "259319692ddf24cf",
    ("icg-pilot", 1, 4): "1ad45745c54a4e90",
    ("icg-pilot", 1, 5): "43b2c6d4b0b8a187",
    ("icg-pilot", 1, 6): "3cfc391b92602ae4",
    ("icg-pilot", 1, 7): "c93cf6b5f49305c7",
    ("icg-pilot", 2027, 1): "8b949158c169f114",
    ("icg-pilot", 2027, 2): "c978febca98fcae6",
    ("icg-pilot", 2027, 3): "768542a8a8ae334f",
    ("icg-pilot", 2027, 4): "7c9c9c72cd25a23f",
    ("icg-pilot", 2027, 5): "20152f32a69adc5c",
    ("icg-pilot", 2027, 6): "4d53724ad9925077",
    ("icg-pilot", 2027, 7): "54da08affeb5de31",
}
PINNED_PORTFOLIOS = {"icg-revised": "8ed36571fbe83bf6", "icg-pilot": "1a72f4117dc182b4"}


def _entry_text(edition: str, seed: int, number: int, words: int) -> str:
    return compose_entry(random.Random(seed), builtin_rubric(edition), number, words)


@pytest.mark.parametrize(("edition", "seed", "number"), sorted(PINNED_ENTRIES))
def test_entry_text_is_pinned_for_a_seed(edition, seed, number):
    digest = hashlib.sha256()
    for words in (60, 400, 1500, 5000):
        digest.update(_entry_text(edition, seed, number, words).encode())
        digest.update(b"\x00")
    assert digest.hexdigest()[:16] == PINNED_ENTRIES[edition, seed, number]


@pytest.mark.parametrize("edition", sorted(PINNED_PORTFOLIOS))
def test_demo_portfolios_are_pinned_for_a_seed(edition):
    digest = hashlib.sha256()
    for p in generate_portfolios(builtin_rubric(edition), 4, seed=11):
        digest.update(p.candidate_code.encode())
        for e in p.entries:
            digest.update(f"{e.number}\x00{e.text}\x00".encode())
            for v in e.videos:
                digest.update(f"{v.label}\x00{v.url}\x00".encode())
    assert digest.hexdigest()[:16] == PINNED_PORTFOLIOS[edition]


def test_demo_batch_has_realistic_portfolios(batch_path, revised):
    write_demo_batch(batch_path, portfolios=24, seed=5)
    with BatchFile.open(batch_path) as batch, batch.reading() as session:
        portfolios = session.scalars(select(Portfolio).order_by(Portfolio.position)).all()
        assert len(portfolios) == 24
        codes = [p.candidate_code for p in portfolios]
        assert len(set(codes)) == 24
        assert all(re.fullmatch(r"C27-\d{5}", c) for c in codes)
        for p in portfolios:
            assert [e.number for e in p.entries] == [1, 2]
            for e in p.entries:
                words = len(e.text.split())
                limit = revised.entry(e.number).max_words
                assert 0.35 * limit <= words <= limit, (p.candidate_code, e.number, words)
                assert e.text.count("\n\n") >= 5  # paragraphs
            assert len(p.entries[0].videos) >= revised.entry(1).videos
        links = [v.url for p in portfolios for e in p.entries for v in e.videos]
        allowed = [u for u in links if revised.links.allows(u)]
        assert len(allowed) >= 0.8 * len(links)


def test_demo_batch_looks_like_work_in_progress(batch_path, revised):
    write_demo_batch(batch_path, portfolios=40, seed=9)
    with BatchFile.open(batch_path) as batch, batch.reading() as session:
        portfolios = session.scalars(select(Portfolio).order_by(Portfolio.position)).all()
        # The first portfolios are left for the person trying ICG Desk.
        assert all(p.status == "not_started" for p in portfolios[:3])
        statuses = {p.status for p in portfolios}
        assert "not_started" in statuses
        assert len(statuses) >= 2
        for p in portfolios:
            scored = [r for r in p.reads if r.score is not None]
            if p.status == "complete":
                assert len(scored) == 7
            if p.status == "not_started":
                assert scored == []
        scores = session.scalars(select(FactorRead.score)).all()
        assert all(revised.scale.contains(s) for s in scores)


def test_the_same_seed_gives_the_same_demo(revised):
    a = generate_portfolios(revised, 3, seed=42, words_per_entry=300)
    b = generate_portfolios(revised, 3, seed=42, words_per_entry=300)
    c = generate_portfolios(revised, 3, seed=43, words_per_entry=300)
    assert a == b
    assert [p.candidate_code for p in a] != [p.candidate_code for p in c]
    assert a[0].entries[0].text != c[0].entries[0].text


def test_fixed_length_entries_for_benchmarks(revised):
    (p,) = generate_portfolios(revised, 1, seed=1, words_per_entry=3000)
    for e in p.entries:
        assert 2700 <= len(e.text.split()) <= 3300


def test_a_pilot_demo_has_seven_entries(batch_path):
    write_demo_batch(batch_path, portfolios=2, edition="icg-pilot", prefill=False)
    with BatchFile.open(batch_path) as batch, batch.reading() as session:
        p = session.scalars(select(Portfolio)).first()
        assert [e.number for e in p.entries] == list(range(1, 8))


def test_the_sample_roster_s_emails_keep_accented_letters(tmp_path):
    """Tomás Sato is tomas.sato1@…, not toms.sato1@…: accents dropped, the letters kept."""
    import csv

    from icg_desk.demo.cohort import write_demo_inputs

    inputs = write_demo_inputs(tmp_path, candidates=40, scorers=1, words_per_entry=20)
    with inputs.roster.open(encoding="utf-8") as f:
        rows = {r["name"]: r["email"] for r in csv.DictReader(f)}
    tomas = next(name for name in rows if name.startswith("Tomás "))
    assert rows[tomas].startswith(f"tomas.{tomas.split()[1].lower()}")
    assert any(name.startswith("Chloé ") for name in rows)  # the sample has both accents
    for name, email in rows.items():
        local = email.split("@")[0]
        assert local.isascii()
        letters = [ch for ch in name if ch.isalpha()]
        assert len(re.sub(r"[0-9.]", "", local)) == len(letters), (name, email)


def test_the_entry_title_comes_from_the_rubric(revised):
    text = revised.source_text.replace('"The Impact Cycle"', '"Coaching in cycles"', 1)
    renamed = parse_rubric(text, "renamed entry")
    for seed in range(20):
        entry = compose_entry(random.Random(seed), renamed, 1, 800)
        assert "The Impact Cycle\n" not in entry
        if entry.startswith("Entry 1:"):
            assert entry.startswith("Entry 1: Coaching in cycles\n\n")
            return
    raise AssertionError("no seed of twenty gave the entry a title")


def test_a_factor_the_demo_has_no_sentences_for_is_refused_by_name(revised):
    text = revised.source_text.replace('key = "leadership"', 'key = "stewardship"', 1)
    rubric = parse_rubric(text, "a rubric with a new factor")
    compose_entry(random.Random(1), rubric, 1, 300)  # entry 1 does not have it
    with pytest.raises(UnknownFactorError, match=r"'stewardship'.*factors\.toml"):
        compose_entry(random.Random(1), rubric, 2, 300)


def test_the_sentence_banks_are_data_and_a_broken_file_is_named(tmp_path, monkeypatch, revised):
    shipped = resources_dir() / "demo"
    assert {p.name for p in shipped.glob("*.toml")} >= {"banks.toml", "factors.toml"}
    resources = tmp_path / "resources"
    shutil.copytree(resources_dir(), resources)
    monkeypatch.setenv("ICG_DESK_RESOURCES", str(resources))
    factors = resources / "demo" / "factors.toml"
    text = factors.read_text(encoding="utf-8")
    factors.write_text(text.replace('bank = "data"', 'bank = "dta"'), encoding="utf-8")
    with pytest.raises(DemoDataError, match=r"factors\.toml: data\.section\.bank .*'dta'"):
        compose_entry(random.Random(1), revised, 1, 300)
    factors.write_text(text, encoding="utf-8")
    (resources / "demo" / "surveys.toml").write_text("statements = [", encoding="utf-8")
    with pytest.raises(DemoDataError, match=r"surveys\.toml: is not valid TOML"):
        compose_entry(random.Random(1), revised, 1, 300)


def test_nothing_in_models_or_scoring_imports_the_demo():
    package = Path(icg_desk.__file__).parent
    for layer in ("models", "scoring"):
        for source in (package / layer).glob("*.py"):
            assert "icg_desk.demo" not in source.read_text(encoding="utf-8"), source
