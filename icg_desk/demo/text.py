"""Realistic written entries for the demo batches ICG Desk generates.

A scorer judging a demo batch needs text that reads like a real coach's portfolio: a school, a
teacher, an Impact Cycle told in order, concrete data, and (for the partnership entry) a letter
from the coach's supervisor and ten teacher surveys. Identical boilerplate would make every
portfolio look the same and give scorers nothing to tell apart, so each document is built from
banks of sentence templates with slot fills, drawn by the caller's `random.Random`.

Each document also draws a hidden "quality": weaker portfolios pick more of the vague,
teacher-directed templates (marked with a leading "~" in the banks) and report fewer numbers,
weaker results, less time in Impact Cycles and lower survey ratings, so there is something to
score. About one document in twenty carries a line with accents, and a few carry markup-like text
("<b>", "&", a line starting with "="): candidate text is untrusted and the app must show it
literally, so the demo data keeps that path exercised.

The banks and every other table of words are data, in `resources/demo/` (read once, then
cached); this module is how a document is put together from them. Which sections an entry has
follows from the rubric: the factors it maps to the entry, each described by its key in
`resources/demo/factors.toml`.
"""

from __future__ import annotations

import random
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from icg_desk.models.errors import UserError
from icg_desk.paths import resources_dir
from icg_desk.scoring.rubric import Rubric

__all__ = ["DemoDataError", "UnknownFactorError", "compose_entry"]


class DemoDataError(UserError):
    """A file of resources/demo/ is missing or not as this module expects; names the file."""


class UnknownFactorError(UserError, ValueError):
    """The rubric has a factor the demo has no sentences for."""


# ---------------------------------------------------------------------------------------------
# Template banks
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Group:
    """Alternative sentences for one beat of a section; a section walks its beats in order."""

    strong: tuple[str, ...]
    weak: tuple[str, ...]
    limit: int  # most sentences one document takes from this beat; 0 = no limit

    @property
    def size(self) -> int:
        n = len(self.strong) + len(self.weak)
        return min(n, self.limit) if self.limit else n


@dataclass(frozen=True, slots=True)
class _Bank:
    groups: tuple[_Group, ...]
    avg_words: float

    @property
    def size(self) -> int:
        return sum(g.size for g in self.groups)


def _bank(
    text: str,
    tags: dict[str, tuple[bool, tuple[str, ...]]],
    order: dict[str, int],
    ordered: bool = True,
) -> _Bank:
    """Parse a bank of templates (the format is described at the top of banks.toml).

    "== name" starts a beat ("== name 1": at most one sentence of it per document), "~" marks a
    weak template, "[tag,tag]" the claims it makes, and indented lines continue the one above.
    A template's claims go into `tags` and its place in its beat into `order`.
    """
    lines: list[str] = []
    for raw in text.splitlines():
        if not raw.strip():
            continue
        if raw[0] in " \t":
            lines[-1] += " " + raw.strip()
        else:
            lines.append(raw.rstrip())
    groups: list[_Group] = []
    strong: list[str] = []
    weak: list[str] = []
    limit = 0
    for line in lines:
        if line.startswith("=="):
            if strong or weak:
                groups.append(_Group(tuple(strong), tuple(weak), limit))
            strong, weak = [], []
            words = line.split()
            limit = int(words[-1]) if words[-1].isdigit() else 0
            continue
        is_weak = line.startswith("~")
        template = line[1:] if is_weak else line
        if template.startswith("["):
            names, template = template[1:].split("]", 1)
            tags[template] = (is_weak, tuple(names.split(",")))
        if ordered:
            order[template] = len(strong) + len(weak)
        (weak if is_weak else strong).append(template)
    if strong or weak:
        groups.append(_Group(tuple(strong), tuple(weak), limit))
    templates = [t for g in groups for t in (*g.strong, *g.weak)]
    # Slots expand to a couple of words on average; only a rough figure is needed to plan.
    words_total = sum(len(t.split()) + t.count("{") for t in templates)
    return _Bank(tuple(groups), words_total / max(1, len(templates)))


def _join(*banks: _Bank) -> _Bank:
    groups = tuple(g for b in banks for g in b.groups)
    total = sum(b.avg_words * b.size for b in banks)
    return _Bank(groups, total / max(1, sum(b.size for b in banks)))


_NUMBER_WORDS = (
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
    "nineteen", "twenty",
)  # fmt: skip
_ORDINALS = (
    "zeroth", "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth",
    "ninth", "tenth", "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth",
    "sixteenth", "seventeenth", "eighteenth", "nineteenth", "twentieth",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class _Measure:
    kind: str  # engagement, achievement or behavior: Knight's three kinds of student data
    name: str
    short: str
    unit: str  # "pct", "count" or "dec"
    base: tuple[float, float]
    target: tuple[float, float]
    tool: str
    goal: str
    wish: str
    notice: tuple[str, ...]

    @property
    def falling(self) -> bool:
        return self.target[0] < self.base[0]


@dataclass(frozen=True, slots=True)
class _Stage:
    """One stage of the Impact Cycle story (Identify, Learn, Improve)."""

    name: str  # its bank's name, which factors' stage_weights refer to
    bank: _Bank
    weight: float
    drop_rank: int
    titles: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _FactorSection:
    bank: _Bank
    weight: float
    titles: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _FactorText:
    """What an entry scored on one factor says: factors.toml, for one key."""

    story: bool
    evidence: bool
    data_table: bool
    stages: tuple[_Stage, ...]
    stage_weights: Mapping[str, float]
    section: _FactorSection | None


# level key -> (school suffix, level noun, grades phrase, grade numbers, subjects)
_Level = tuple[str, str, str, tuple[int, ...], tuple[str, ...]]


@dataclass(frozen=True)
class _Data:
    """Everything resources/demo/ holds, parsed once."""

    folder: Path
    banks: Mapping[str, _Bank]
    # Claims a template makes, e.g. "[choice]" for "the teacher chose the strategy" and its weak
    # opposite "I chose the strategy". A document keeps to whichever side it states first, so a
    # weak portfolio is vague or directive without contradicting itself.
    tags: Mapping[str, tuple[bool, tuple[str, ...]]]
    # Where a template stands in its beat: banks are written in narrative order, and a paragraph
    # keeps that order ("we recorded the lesson" before "the video showed").
    order: Mapping[str, int]
    factors: Mapping[str, _FactorText]
    cycle_story: _Bank
    # A further cycle can only reuse the story templates that name its own teacher or numbers.
    story_cap: float
    survey_statements: tuple[str, ...]
    survey_intros: tuple[str, ...]
    comments: Mapping[str, tuple[str, ...]]  # high, mid, low
    places: tuple[str, ...]
    district_roots: tuple[str, ...]
    district_kinds: tuple[str, ...]
    communities: tuple[str, ...]
    school_focus: tuple[str, ...]
    previous_roles: tuple[str, ...]
    meeting_frequencies: tuple[str, ...]
    periods_secondary: tuple[str, ...]
    periods_elementary: tuple[str, ...]
    months: tuple[tuple[str, ...], ...]
    supervisor_titles: tuple[tuple[str, ...], ...]
    surnames: tuple[str, ...]
    accented_surnames: tuple[str, ...]
    first_names: Mapping[str, tuple[str, ...]]
    accented_first_names: Mapping[str, tuple[str, ...]]
    adjustments: tuple[str, ...]
    levels: Mapping[str, _Level]
    units: Mapping[str, tuple[str, ...]]
    measures: tuple[_Measure, ...]
    strategies: Mapping[str, tuple[str, tuple[str, ...]]]
    strategies_by_kind: Mapping[str, tuple[str, ...]]
    kind_options: Mapping[str, Mapping[str, tuple[str, ...]]]
    general_options: Mapping[str, tuple[str, ...]]
    story_openers: tuple[str, ...]
    reflect_openers: tuple[str, ...]
    letter_openers: tuple[str, ...]
    special_sentences: tuple[str, ...]
    markup_intros: tuple[str, ...]
    markup_quotes: tuple[str, ...]
    second_cycle_titles: tuple[str, ...]
    later_cycle_titles: tuple[str, ...]


class _Toml:
    """A table of one resources/demo file; a missing or mistyped key names the file."""

    def __init__(self, path: Path, data: Mapping[str, Any], where: str = "") -> None:
        self.path, self.data, self.where = path, data, where

    def _fail(self, key: str, problem: str) -> DemoDataError:
        return DemoDataError(f"{self.path}: {self.where}{key} {problem}")

    def get(self, key: str, kind: type, default: Any = None) -> Any:
        value = self.data.get(key, default)
        if value is None:
            raise self._fail(key, "is missing")
        if not isinstance(value, kind):
            raise self._fail(key, f"should be a {kind.__name__}")
        return value

    def table(self, key: str) -> _Toml:
        return _Toml(self.path, self.get(key, dict), f"{self.where}{key}.")

    def texts(self, key: str) -> tuple[str, ...]:
        values = self.get(key, list)
        if not values or not all(isinstance(v, str) for v in values):
            raise self._fail(key, "should be a list of texts")
        return tuple(values)

    def rows(self, key: str) -> tuple[tuple[str, ...], ...]:
        values = self.get(key, list)
        if not values or not all(isinstance(v, list) for v in values):
            raise self._fail(key, "should be a list of lists of texts")
        return tuple(tuple(v) for v in values)

    def number(self, key: str) -> float:
        value = self.get(key, (int, float))  # type: ignore[arg-type]
        return float(value)

    def keys(self) -> list[str]:
        return list(self.data)

    def __iter__(self) -> Iterator[str]:
        return iter(self.data)


def _read(folder: Path, name: str) -> _Toml:
    path = folder / name
    try:
        with path.open("rb") as f:
            return _Toml(path, tomllib.load(f))
    except OSError as exc:
        raise DemoDataError(f"{path}: cannot be read: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise DemoDataError(f"{path}: is not valid TOML: {exc}") from None


# The banks every document may use, whatever its factors: context, reflection, letter, filler.
_FIXED_BANKS = (
    "context_school",
    "context_teacher",
    "context_program",
    "reflection",
    "letter_intro",
    "letter_partnership",
    "letter_communication",
    "letter_role",
    "letter_closing",
    "vague",
)


@cache
def _load(folder: Path) -> _Data:
    tags: dict[str, tuple[bool, tuple[str, ...]]] = {}
    order: dict[str, int] = {}
    bank_file = _read(folder, "banks.toml")
    # In file order: a template in two banks takes the tags and place of the later one.
    banks = {
        name: _bank(
            table.get("text", str),
            tags,
            order,
            ordered=table.get("ordered", bool, True),
        )
        for name in bank_file
        for table in (bank_file.table(name),)
    }

    def bank(where: _Toml, key: str) -> _Bank:
        name = where.get(key, str)
        if name not in banks:
            raise where._fail(key, f"names no bank of banks.toml: {name!r}")
        return banks[name]

    factor_file = _read(folder, "factors.toml")
    factors: dict[str, _FactorText] = {}
    for key in factor_file:
        f = factor_file.table(key)
        stages = tuple(
            _Stage(
                s.get("bank", str),
                bank(s, "bank"),
                s.number("weight"),
                s.get("drop_rank", int),
                s.texts("titles"),
            )
            for s in (_Toml(f.path, t, f"{key}.stage.") for t in f.get("stage", list, []))
        )
        if f.get("stages", bool, False) and not stages:
            raise f._fail("stage", "is missing")
        section = None
        if "section" in f.data:
            s = f.table("section")
            section = _FactorSection(bank(s, "bank"), s.number("weight"), s.texts("titles"))
        weights = f.get("stage_weights", dict, {})
        factors[key] = _FactorText(
            story=f.get("story", bool, False),
            evidence=f.get("evidence", bool, False),
            data_table=f.get("data_table", bool, False),
            stages=stages,
            stage_weights={k: float(v) for k, v in weights.items()},
            section=section,
        )
    for needed in _FIXED_BANKS:
        if needed not in banks:
            raise DemoDataError(f"{bank_file.path}: bank {needed!r} is missing")
    stage_banks = [s.bank for ft in factors.values() for s in ft.stages]
    cycle_story = _join(*stage_banks) if stage_banks else _Bank((), 0.0)
    templates = [t for g in cycle_story.groups for t in (*g.strong, *g.weak)]
    story_cap = 0.8 * sum("{" in t for t in templates) / max(1, cycle_story.size)

    surveys = _read(folder, "surveys.toml")
    comments = surveys.table("comments")
    people = _read(folder, "people.toml")
    rooms = _read(folder, "classrooms.toml")
    phrases = _read(folder, "phrases.toml")
    openers = phrases.table("openers")
    special = phrases.table("special")
    titles = phrases.table("cycle_titles")
    levels_table = rooms.table("levels")
    levels: dict[str, _Level] = {}
    for key in levels_table:
        lv = levels_table.table(key)
        levels[key] = (
            lv.get("school_suffix", str),
            lv.get("noun", str),
            lv.get("grades", str),
            tuple(lv.get("grade_numbers", list)),
            lv.texts("subjects"),
        )
    units = rooms.table("units")
    measures = tuple(
        _Measure(
            m.get("kind", str),
            m.get("name", str),
            m.get("short", str),
            m.get("unit", str),
            (m.get("base", list)[0], m.get("base", list)[1]),
            (m.get("target", list)[0], m.get("target", list)[1]),
            m.get("tool", str),
            m.get("goal", str),
            m.get("wish", str),
            m.texts("notice"),
        )
        for m in (_Toml(rooms.path, t, "measures.") for t in rooms.get("measures", list))
    )
    strategies_table = rooms.table("strategies")
    strategies = {
        name: (s.get("area", str), s.texts("checklist"))
        for name in strategies_table
        for s in (strategies_table.table(name),)
    }
    by_kind = rooms.table("strategies_by_kind")
    kinds = rooms.table("kind_options")
    general = rooms.table("general_options")
    first = people.table("first_names")
    accented_first = people.table("accented_first_names")
    return _Data(
        folder=folder,
        banks=banks,
        tags=tags,
        order=order,
        factors=factors,
        cycle_story=cycle_story,
        story_cap=story_cap,
        survey_statements=surveys.texts("statements"),
        survey_intros=surveys.texts("intros"),
        comments={k: comments.texts(k) for k in ("high", "mid", "low")},
        places=people.texts("places"),
        district_roots=people.texts("district_roots"),
        district_kinds=people.texts("district_kinds"),
        communities=people.texts("communities"),
        school_focus=people.texts("school_focus"),
        previous_roles=people.texts("previous_roles"),
        meeting_frequencies=people.texts("meeting_frequencies"),
        periods_secondary=people.texts("periods_secondary"),
        periods_elementary=people.texts("periods_elementary"),
        months=people.rows("months"),
        supervisor_titles=people.rows("supervisor_titles"),
        surnames=people.texts("surnames"),
        accented_surnames=people.texts("accented_surnames"),
        first_names={k: first.texts(k) for k in first},
        accented_first_names={k: accented_first.texts(k) for k in accented_first},
        adjustments=rooms.texts("adjustments"),
        levels=levels,
        units={k: units.texts(k) for k in units},
        measures=measures,
        strategies=strategies,
        strategies_by_kind={k: by_kind.texts(k) for k in by_kind},
        kind_options={
            kind: {k: kinds.table(kind).texts(k) for k in kinds.table(kind)}
            for kind in kinds
        },
        general_options={k: general.texts(k) for k in general},
        story_openers=openers.texts("story"),
        reflect_openers=openers.texts("reflection"),
        letter_openers=openers.texts("letter"),
        special_sentences=special.texts("sentences"),
        markup_intros=special.texts("markup_intros"),
        markup_quotes=special.texts("markup_quotes"),
        second_cycle_titles=titles.texts("second"),
        later_cycle_titles=titles.texts("later"),
    )


def _data() -> _Data:
    """resources/demo/, read on first use and kept."""
    return _load(resources_dir() / "demo")


# ---------------------------------------------------------------------------------------------
# Slots
# ---------------------------------------------------------------------------------------------


class _Slots(dict[str, str]):
    """Slot values for one section; keys listed in `options` are drawn afresh at every use.

    Fixed facts (names, numbers) must agree across the document, while incidental words
    (a weekday, a phrasing) should vary from sentence to sentence.
    """

    def __init__(
        self, rng: random.Random, values: dict[str, str], options: dict[str, tuple[str, ...]]
    ) -> None:
        super().__init__(values)
        self.rng = rng
        self.options = options
        self.last: dict[str, str] = {}

    def __missing__(self, key: str) -> str:
        options = self.options[key]
        value = self.rng.choice(options)
        if value == self.last.get(key) and len(options) > 1:
            value = self.rng.choice(options)
        self.last[key] = value
        return value

    def derive(self, values: dict[str, str]) -> _Slots:
        slots = _Slots(self.rng, dict(self), self.options)
        slots.update(values)
        return slots


def _words(n: int) -> str:
    return _NUMBER_WORDS[n] if 0 <= n < len(_NUMBER_WORDS) else str(n)


def _grade_names(grade: int) -> tuple[str, str]:
    """('seventh grade', 'seventh-grade'), with kindergarten as its own word."""
    if grade == 0:
        return "kindergarten", "kindergarten"
    return f"{_ORDINALS[grade]} grade", f"{_ORDINALS[grade]}-grade"


def _fmt(value: float, unit: str) -> str:
    if unit == "pct":
        return f"{round(value)}%"
    if unit == "dec":
        return f"{value:.1f}"
    return str(round(value))


def _school_values(rng: random.Random, quality: float, special: bool) -> dict[str, str]:
    d = _data()
    place = rng.choice(d.places)
    level_key = rng.choice(tuple(d.levels))
    suffix, level, grades, _, _ = d.levels[level_key]
    years_coaching = rng.randint(2, 9)
    first_names = d.accented_first_names if special and rng.random() < 0.5 else d.first_names
    principal_last = rng.choice(d.surnames)
    honorific = rng.choice(("Ms.", "Mr."))
    principal_first = rng.choice(d.first_names[honorific])
    doctor = rng.random() < 0.4
    principal_short = f"{'Dr.' if doctor else honorific} {principal_last}"
    principal = f"{'Dr. ' if doctor else ''}{principal_first} {principal_last}"
    title, title_l, title_a = rng.choice(d.supervisor_titles)
    school_level = title in ("Principal", "Assistant Principal")
    school = f"{place} {suffix}"
    district = f"{rng.choice(d.district_roots)} {rng.choice(d.district_kinds)}"
    if title == "Principal":
        sup_name = principal
    else:
        sup_first = rng.choice(first_names[rng.choice(("Ms.", "Mr."))])
        sup_name = f"{sup_first} {rng.choice(d.surnames)}"
    # Weaker portfolios come from schools where coaching time is eaten by other duties.
    time_pct = round(rng.uniform(58, 72) if quality > 0.45 else rng.uniform(30, 55))
    talk_before = rng.randint(55, 75)
    n_coached = rng.randint(8, 18)
    program_year = rng.randint(3, 8)
    year = rng.randint(2020, 2026)
    return {
        "school": school,
        "school_short": place,
        "district": district,
        "level_a": ("an " if level[0] in "aeiou" else "a ") + level,
        "level_key": level_key,
        "grades": grades,
        "community": rng.choice(d.communities),
        "n_students": str(rng.randrange(280, 1900, 10)),
        "n_teachers": str(rng.randint(24, 95)),
        "pct_frl": str(rng.randint(18, 88)),
        "pct_ml": str(rng.randint(4, 42)),
        "pct_absent": str(rng.randint(12, 31)),
        "sip_focus": rng.choice(d.school_focus),
        "years_coaching": _words(years_coaching),
        "years_coaching_ord": _ORDINALS[years_coaching],
        "years_teaching": _words(rng.randint(5, 19)),
        "prev_role": rng.choice(d.previous_roles),
        "coaches_phrase": rng.choice(
            (
                "I am the only coach in the building",
                "Our building has two instructional coaches",
                "I share the coaching work with a literacy coach",
            )
        ),
        "n_coached": str(n_coached),
        "cycles_year": str(n_coached + rng.randint(2, 9)),
        "time_pct": str(time_pct),
        "hours_week": str(round(time_pct * 0.4)),
        "meet_freq": rng.choice(d.meeting_frequencies),
        "principal_short": principal_short,
        "sup_name": sup_name,
        "sup_title": title,
        "sup_title_l": title_l,
        "sup_title_a": title_a,
        "sup_at": f"at {school}" if school_level else f"in {district}",
        "sup_org": school if school_level else district,
        "sup_years": _words(rng.randint(3, 12)),
        "sup_sup_years": _words(rng.randint(2, min(years_coaching, 3))),
        "program_year_ord": _ORDINALS[program_year],
        "program_years": _words(program_year - 1),
        "n_pb": str(rng.randint(8, 24)),
        "pd_minutes": str(rng.choice((15, 20, 30, 45))),
        "talk_pct": str(rng.randint(28, 42) if quality > 0.4 else rng.randint(45, 60)),
        "talk_pct_before": str(talk_before),
        # Letters are written in the submission window, May 1 to June 15.
        "letter_date": f"{rng.choice(('May', 'June'))} {rng.randint(1, 15)}, {year}",
    }


def _teacher_name(rng: random.Random, style: str, index: int, accented: bool) -> tuple[str, ...]:
    """Name, possessive and object pronoun for one teacher (pseudonyms, as portfolios use)."""
    d = _data()
    if style == "letter":
        name = f"Teacher {'ABCDEFGH'[index % 8]}"
        honorific = rng.choice(("Ms.", "Mr.", "Mx."))
    else:
        honorific = rng.choice(("Ms.", "Ms.", "Mr.", "Mr.", "Mx."))
        surname = rng.choice(d.accented_surnames if accented else d.surnames)
        name = f"{honorific} {surname}"
    pronouns = {"Ms.": ("her", "her"), "Mr.": ("his", "him"), "Mx.": ("their", "them")}
    their, them = pronouns[honorific]
    return name, their, them


def _teacher_values(
    rng: random.Random, school: dict[str, str], quality: float, name: tuple[str, ...]
) -> tuple[dict[str, str], dict[str, tuple[str, ...]]]:
    """One teacher's Impact Cycle: class, goal, strategy and the numbers it produced."""
    d = _data()
    _, _, _, grade_numbers, subjects = d.levels[school["level_key"]]
    grade, grade_adj = _grade_names(rng.choice(grade_numbers))
    subject = rng.choice(subjects)
    measure = rng.choice(d.measures)
    strategy = rng.choice(d.strategies_by_kind[measure.kind])
    area, checks = d.strategies[strategy]
    others = [s for s in d.strategies_by_kind[measure.kind] if s != strategy]
    alternatives = rng.sample(others, 2)
    adjustments = rng.sample(d.adjustments, 2)
    weeks = rng.randint(4, 9)

    base = rng.uniform(*measure.base)
    target = rng.uniform(*measure.target)
    if measure.unit == "pct":
        base, target = float(round(base)), float(5 * round(target / 5))
    elif measure.unit == "count":
        base, target = float(round(base)), float(round(target))
    # Strong cycles overshoot the target; weak ones stop short of it.
    reach = 1.0 + (quality - 0.45) * 0.45 + rng.uniform(-0.05, 0.05)
    final = base + (target - base) * reach
    if measure.unit == "pct":
        final = min(final, 98.0)
    elif measure.unit == "count":
        final = max(final, 1.0)
    # Weekly points: a climb, a stall in the plateau week that prompted an adjustment, then a
    # second climb to the final value.
    plateau_week = rng.randint(3, weeks - 1)
    series: list[float] = []
    share = 0.0
    for week in range(1, weeks + 1):
        if week == 1:
            share = 0.0
        elif week < plateau_week:
            share = 0.55 * (week - 1) / (plateau_week - 1)
        elif week > plateau_week:
            share = 0.55 + 0.45 * (week - plateau_week) / (weeks - plateau_week)
        value = base + (final - base) * share
        if 1 < week < weeks:
            value += (target - base) * rng.uniform(-0.03, 0.03)
        series.append(value)
    unit = measure.unit
    falling = measure.falling
    met = (final <= target) if falling else (final >= target)
    if met:
        outcome = rng.choice(
            ("which met the goal", "beyond the goal we had set", "and the goal was met")
        )
    else:
        outcome = f"just short of the target of {_fmt(target, unit)}"
    periods = d.periods_elementary if school["level_key"] == "elementary" else d.periods_secondary
    start_month, end_month = rng.choice(d.months)
    fill = {
        "T": name[0],
        "end_month": end_month,
        "period": rng.choice(periods),
        "unit": rng.choice(d.units[subject]),
        "weeks": _words(weeks),
        "target": _fmt(target, unit),
    }
    s_base = rng.randint(30, 55)
    t_years = rng.randint(2, 20)
    values = {
        "T": name[0],
        "their": name[1],
        "them": name[2],
        "grade": grade,
        "grade_adj": grade_adj,
        "a_grade_adj": ("an " if grade_adj[0] in "ae" else "a ") + grade_adj,
        "trend": "drop" if falling else "climb",
        "subject": subject,
        "course": f"{grade_adj} {subject}",
        "unit": fill["unit"],
        "period": fill["period"],
        "period_minutes": str(rng.choice((45, 50, 55, 60, 75, 90))),
        "class_size": str(rng.randint(18, 32)),
        "n_iep": _words(rng.randint(2, 6)),
        "t_years": _words(t_years),
        "t_years_ord": _ORDINALS[t_years],
        "start_month": start_month,
        "end_month": end_month,
        "kind_word": measure.kind,
        "measure": measure.name,
        "measure_s": measure.short,
        "tool": measure.tool,
        "wish": measure.wish,
        "goal": measure.goal.format_map(fill),
        "base": _fmt(base, unit),
        "base_lo": _fmt(base - abs(target - base) * 0.08, unit),
        "base_hi": _fmt(base + abs(target - base) * 0.08, unit),
        "target": fill["target"],
        "final": _fmt(final, unit),
        "w2": _fmt(series[1], unit),
        "plateau": _fmt(series[plateau_week - 1], unit),
        "w_after": _fmt(series[plateau_week], unit),
        "weeks": _words(weeks),
        "weeks_n": str(weeks),
        "wk": str(plateau_week),
        "goal_outcome": outcome,
        "strategy": strategy,
        "strategy_area": area,
        "alt_strategy": alternatives[0],
        "alt_strategy2": alternatives[1],
        "check1": checks[0],
        "check2": checks[1],
        "check3": checks[2],
        "check4": checks[3],
        "n_check": _words(len(checks)),
        "adjust": adjustments[0],
        "adjust2": adjustments[1],
        "video_len": str(rng.randint(12, 25)),
        "s_base": str(s_base),
        "s_final": str(min(96, s_base + round(rng.uniform(15, 40) * reach))),
        "series": " ".join(_fmt(v, unit) for v in series),
    }
    moved_pp = ("fallen", "dropped", "decreased") if falling else ("risen", "climbed", "increased")
    options = dict(d.general_options)
    options.update(d.kind_options[measure.kind])
    options["notice"] = measure.notice
    options["check_any"] = checks
    options["moved_pp"] = moved_pp
    return values, options


# ---------------------------------------------------------------------------------------------
# Document assembly
# ---------------------------------------------------------------------------------------------


# Marks a top-level heading whose "Part A:" or "Section 1:" is added at render time, when the
# final order of the sections (further cycles are inserted late) is known.
_NUMBERED = "\x00"


def _count(text: str) -> int:
    """Words in a block as it will be rendered; a numbering prefix is two words."""
    return len(text.split()) + (2 if text.startswith(_NUMBERED) else 0)


class _Fixed:
    """A block whose text is settled when it is created (headings, tables, surveys)."""

    __slots__ = ("text", "words")

    def __init__(self, text: str) -> None:
        self.text = text
        self.words = _count(text)


class _Voice:
    """What one document has committed to: its claims, its sentences and its template pools.

    Pools are shared by every section that uses a beat, so a further Impact Cycle told with the
    same banks picks up templates the first cycle left unused before any is used again.
    """

    __slots__ = ("claims", "vague", "pools", "refills", "said", "tags", "order")

    def __init__(self, rng: random.Random, data: _Data) -> None:
        self.claims: dict[str, bool] = {}
        vague = data.banks["vague"].groups[0].weak
        self.vague = rng.sample(vague, len(vague))
        self.pools: dict[int, tuple[list[str], list[str]]] = {}
        self.refills: dict[int, int] = {}
        self.said: set[str] = set()
        self.tags = data.tags
        self.order = data.order

    def allows(self, template: str) -> bool:
        tags = self.tags.get(template)
        if tags is None:
            return True
        weak, names = tags
        return all(self.claims.get(name, weak) == weak for name in names)

    def commit(self, template: str) -> None:
        tags = self.tags.get(template)
        if tags is not None:
            for name in tags[1]:
                self.claims[name] = tags[0]

    def pools_for(self, rng: random.Random, group: _Group) -> tuple[list[str], list[str]]:
        key = id(group)
        pools = self.pools.get(key)
        if pools is None or (not pools[0] and not pools[1] and self.refills.get(key, 0) < 4):
            # A used-up beat starts over for later sections; verbatim repeats are still refused.
            if pools is not None:
                self.refills[key] = self.refills.get(key, 0) + 1
            pools = (
                rng.sample(group.strong, len(group.strong)),
                rng.sample(group.weak, len(group.weak)),
            )
            self.pools[key] = pools
        return pools


class _Section:
    """A run of paragraphs drawn from one bank; it grows or shrinks by whole sentences."""

    __slots__ = (
        "heading",
        "heading_words",
        "bank",
        "slots",
        "weight",
        "drop_rank",
        "openers",
        "chosen",
        "body_words",
        "budget",
        "in_letter",
        "cap",
        "voice",
        "vague_ok",
        "used",
    )

    def __init__(
        self,
        heading: str | None,
        bank: _Bank,
        slots: _Slots,
        weight: float,
        drop_rank: int,
        openers: tuple[str, ...],
        voice: _Voice,
        in_letter: bool = False,
        cap: float = 0.8,
    ) -> None:
        self.heading = heading
        self.heading_words = _count(heading) if heading else 0
        self.bank = bank
        self.slots = slots
        self.weight = weight
        self.drop_rank = drop_rank  # higher ranks are dropped first when the target is tiny
        self.openers = openers
        self.voice = voice
        self.in_letter = in_letter
        self.cap = cap
        # Filler belongs in the coach's commentary, not in the facts of the context or the letter.
        self.vague_ok = bool(openers) and not in_letter
        # Per beat: (sentence, words, position of its template in the beat).
        self.chosen: list[list[tuple[str, int, int]]] = [[] for _ in bank.groups]
        self.body_words = 0
        self.budget = 0.0
        self.used: set[str] = set()  # a section never says the same template twice

    @property
    def words(self) -> int:
        return self.heading_words + self.body_words

    @property
    def capacity(self) -> float:
        """Words the bank can give before sentences would repeat."""
        return self.bank.size * self.bank.avg_words * self.cap

    def sentences(self) -> int:
        return sum(len(c) for c in self.chosen)

    def has_room(self, gi: int) -> bool:
        limit = self.bank.groups[gi].limit
        return not limit or len(self.chosen[gi]) < limit

    def pool(self, rng: random.Random, gi: int, weak: bool) -> list[str]:
        strong_pool, weak_pool = self.voice.pools_for(rng, self.bank.groups[gi])
        if weak and not weak_pool and self.vague_ok and self.voice.vague and rng.random() < 0.5:
            return self.voice.vague
        if weak and weak_pool:
            return weak_pool
        return strong_pool or weak_pool

    def pick(self, rng: random.Random, gi: int, p_weak: float) -> tuple[list[str], int] | None:
        """A template this section may still say: its pool and index, not yet taken."""
        weak = rng.random() < p_weak
        for _ in range(6):
            pool = self.pool(rng, gi, weak)
            if not pool:
                return None
            index = rng.randrange(len(pool))
            template = pool[index]
            if not self.voice.allows(template):
                # It contradicts what this document already said, so it can never be used here.
                pool[index] = pool[-1]
                pool.pop()
            elif template not in self.used:
                return pool, index
        return None

    def take(self, rng: random.Random, gi: int, pool: list[str], index: int) -> int:
        """Say the template at pool[index]; 0 words if the document already has that sentence."""
        template = pool[index]
        pool[index] = pool[-1]
        pool.pop()
        return self.say(rng, gi, template)

    def say(self, rng: random.Random, gi: int, template: str) -> int:
        text = template.format_map(self.slots)
        if text in self.voice.said:
            return 0
        self.voice.said.add(text)
        self.used.add(template)
        self.voice.commit(template)
        if self.openers and rng.random() < 0.14:
            first = template.split(" ", 1)[0]
            if first == "I":
                text = rng.choice(self.openers) + text
            elif first == "We":
                text = rng.choice(self.openers) + "we" + text[2:]
        if text[0].islower():
            text = text[0].upper() + text[1:]
        # Filler from the shared vague pool has no place in the beat; it closes the paragraph.
        return self.add(gi, (text, len(text.split()), self.voice.order.get(template, 99)))

    def add(self, gi: int, sentence: tuple[str, int, int]) -> int:
        self.chosen[gi].append(sentence)
        self.body_words += sentence[1]
        return sentence[1]

    def remove(self, gi: int, si: int) -> int:
        _, words, _ = self.chosen[gi].pop(si)
        self.body_words -= words
        return words

    def fill(self, rng: random.Random, p_weak: float) -> None:
        groups = self.bank.groups
        avg = self.bank.avg_words
        wanted = max(1, round(self.budget / avg))
        indices = list(range(len(groups)))
        if wanted < len(indices):
            indices = sorted(rng.sample(indices, wanted))
        sizes = {gi: groups[gi].size for gi in indices}
        total = sum(sizes.values())
        carry = 0.0  # words a capped or used-up beat could not take pass on to the next beat
        for gi in indices:
            carry += self.budget * sizes[gi] / total
            carry -= self._say_up_to(rng, gi, p_weak, carry, at_least_one=True)
        # Whatever is still owed goes to any beat with sentences left, in order.
        for gi in range(len(groups)):
            if carry <= avg * 0.5:
                break
            carry -= self._say_up_to(rng, gi, p_weak, carry, at_least_one=False)

    def _say_up_to(
        self, rng: random.Random, gi: int, p_weak: float, share: float, at_least_one: bool
    ) -> int:
        half = self.bank.avg_words * 0.5
        got = 0
        for _ in range(40):  # bounded: every attempt consumes a template or gives up
            if not self.has_room(gi) or (got >= share - half and (got or not at_least_one)):
                break
            picked = self.pick(rng, gi, p_weak)
            if picked is None:
                break
            got += self.take(rng, gi, *picked)
        return got

    def paragraphs(self, rng: random.Random) -> list[str]:
        """Beats become paragraphs; short beats merge and long ones split, as writers do."""
        out: list[str] = []
        current: list[str] = []
        for chosen in self.chosen:
            if not chosen:
                continue
            texts = [s for s, _, _ in sorted(chosen, key=lambda c: c[2])]
            if len(current) >= 3 or current and len(current) + len(texts) > 8:
                out.append(" ".join(current))
                current = []
            while len(texts) > 7:
                cut = rng.randint(3, 6)
                if current:
                    out.append(" ".join(current))
                    current = []
                out.append(" ".join(texts[:cut]))
                texts = texts[cut:]
            current.extend(texts)
        if current:
            out.append(" ".join(current))
        return out


_Part = _Fixed | _Section


@dataclass(slots=True)
class _Plan:
    rng: random.Random
    keys: tuple[str, ...]
    target: int
    quality: float
    p_weak: float
    compact: bool
    heading_style: str
    voice: _Voice
    data: _Data
    title: str
    parts: list[_Part] = field(default_factory=list)
    # What further Impact Cycles need if _allocate decides the document is long enough for them.
    school: dict[str, str] = field(default_factory=dict)
    others: list[tuple[str, ...]] = field(default_factory=list)

    def heading(self, text: str, top: bool = True) -> str | None:
        if self.compact:
            return None
        if not top or self.heading_style == "plain":
            return text
        return _NUMBERED + text


def compose_entry(rng: random.Random, rubric: Rubric, entry_number: int, target_words: int) -> str:
    """A candidate's written document for one entry of `rubric`, scored on its factors.

    The document tells what the rubric's factors for the entry call for (resources/demo/
    factors.toml, by factor key), has about `target_words` words (within 10% for 150 to 6000),
    and is a pure function of the rng state. A factor the demo has no sentences for is refused
    with `UnknownFactorError`: text about some other factor would mislead a scorer.
    """
    data = _data()
    entry = rubric.entry(entry_number)
    keys = tuple(f.key for f in rubric.factors_for_entry(entry_number))
    unknown = [k for k in keys if k not in data.factors]
    if unknown:
        raise UnknownFactorError(
            f"the demo has no sentences for factor {unknown[0]!r} of rubric "
            f"{rubric.edition!r}; add it to {data.folder / 'factors.toml'}"
        )
    if target_words < 1:
        raise ValueError("target_words must be positive")
    quality = rng.betavariate(2.2, 1.8)
    plan = _Plan(
        rng=rng,
        keys=keys,
        target=target_words,
        quality=quality,
        p_weak=min(0.9, max(0.03, 1.1 - 1.5 * quality)),
        # Short documents cannot afford a heading per section.
        compact=target_words < 420,
        heading_style=rng.choice(("part", "part", "plain", "section")),
        voice=_Voice(rng, data),
        data=data,
        title=f"Entry {entry.number}: {entry.title}",
    )
    _build(plan)
    _allocate(plan)
    for part in plan.parts:
        if isinstance(part, _Section):
            part.fill(rng, plan.p_weak)
    _adjust(plan)
    return _render(plan)


def _build(plan: _Plan) -> None:
    rng, keys, parts, d = plan.rng, plan.keys, plan.parts, plan.data
    factors = [d.factors[k] for k in keys]
    special = rng.random() < 0.05
    markup = special and rng.random() < 0.4
    school = _school_values(rng, plan.quality, special)
    name_style = "letter" if rng.random() < 0.3 else "named"
    main_name = _teacher_name(rng, name_style, 0, special)
    teacher, options = _teacher_values(rng, school, plan.quality, main_name)
    base = _Slots(rng, {**school, **teacher}, options)
    # Colleagues for the Entry 2 examples and for further cycles in long entries.
    others: list[tuple[str, ...]] = []
    for i in range(1, 8):
        name = _teacher_name(rng, name_style, i, False)
        if name[0] != main_name[0] and all(name[0] != o[0] for o in others):
            others.append(name)
    plan.school, plan.others = school, others
    has_cycle = any(f.story for f in factors)

    if not plan.compact and rng.random() < 0.75:
        parts.append(_Fixed(plan.title))
    context = _join(
        d.banks["context_school"], d.banks["context_teacher" if has_cycle else "context_program"]
    )
    heading = plan.heading(
        rng.choice(
            (
                "Context for coaching",
                "School and coaching context",
                "The context of my coaching",
                "My school and my role",
            )
        )
    )
    parts.append(_Section(heading, context, base, 1.0, 3, (), plan.voice))
    if special:
        parts.append(_Fixed(rng.choice(d.special_sentences).format_map(base)))
    for factor in factors:
        if not factor.stages:
            continue
        heading = plan.heading(
            rng.choice(
                (
                    "The Impact Cycle with {T}",
                    "An Impact Cycle with {T}",
                    "Impact Cycle narrative: {T}'s {course} class",
                )
            )
        )
        if heading:
            parts.append(_Fixed(heading.format_map(base)))
        for stage in factor.stages:
            weight = stage.weight
            for other in factors:  # e.g. the playbook section tells most of the Learn stage
                weight = other.stage_weights.get(stage.name, weight)
            sub = plan.heading(rng.choice(stage.titles), top=False)
            parts.append(
                _Section(
                    sub and sub.format_map(base),
                    stage.bank,
                    base,
                    weight,
                    stage.drop_rank,
                    d.story_openers,
                    plan.voice,
                )
            )
    # Sections in the order of factors.toml; the i-th factor with a section takes the i-th
    # colleague as its example.
    sectioned = [(k, f.section) for k, f in d.factors.items() if f.section is not None]
    for i, (key, section) in enumerate(sectioned):
        if key not in keys:
            continue
        name = others[i % len(others)]
        slots = base.derive({"T2": name[0], "their2": name[1], "them2": name[2]})
        parts.append(
            _Section(
                plan.heading(rng.choice(section.titles)),
                section.bank,
                slots,
                section.weight,
                1,
                d.reflect_openers,
                plan.voice,
            )
        )
        table = d.factors[key].data_table and not plan.compact
        if table and rng.random() < 0.3 + 0.6 * plan.quality:
            parts.append(_data_table(rng, teacher))
    parts.append(
        _Section(
            plan.heading(
                rng.choice(
                    (
                        "Reflection and next steps",
                        "What I learned and what comes next",
                        "Next steps",
                    )
                )
            ),
            d.banks["reflection"],
            base,
            0.7,
            4,
            d.reflect_openers,
            plan.voice,
        )
    )
    if markup:
        intro = rng.choice(d.markup_intros).format_map(base)
        parts.append(_Fixed(f"{intro}\n{rng.choice(d.markup_quotes)}"))
    if any(f.evidence for f in factors):
        _letter(plan, base)
        _surveys(plan, school)


def _data_table(rng: random.Random, teacher: dict[str, str]) -> _Fixed:
    label = teacher["measure_s"]
    lines = [
        rng.choice(
            (
                f"Progress-monitoring data ({label}):",
                f"Weekly data for {label}:",
                f"{label[0].upper()}{label[1:]} by week:",
            )
        )
    ]
    for week, value in enumerate(teacher["series"].split(), start=1):
        lines.append(f"Week {week}{' (baseline)' if week == 1 else ''}: {value}")
    return _Fixed("\n".join(lines))


def _letter(plan: _Plan, base: _Slots) -> None:
    rng, parts, d = plan.rng, plan.parts, plan.data
    parts.append(_Fixed("Letter from the coach's supervisor"))
    if not plan.compact:
        salutation = rng.choice(
            (
                "Dear ICG Certification scorers,",
                "To the ICG scoring team:",
                "Dear members of the certification committee,",
            )
        )
        parts.append(_Fixed(f"{base['letter_date']}\n\n{salutation}"))
    with_prompts = not plan.compact and rng.random() < 0.5
    for bank, prompt, weight, rank in (
        (d.banks["letter_intro"], None, 0.5, 3),
        (d.banks["letter_partnership"], "Prompt 1: The coach's partnership approach", 1.2, 1),
        (d.banks["letter_communication"], "Prompt 2: Communicating about coaching", 1.0, 2),
        (d.banks["letter_role"], "Prompt 3: Role clarity and time for coaching", 1.0, 2),
        (d.banks["letter_closing"], None, 0.4, 4),
    ):
        parts.append(
            _Section(
                prompt if with_prompts else None,
                bank,
                base,
                weight,
                rank,
                d.letter_openers,
                plan.voice,
                in_letter=True,
                cap=1.0,
            )
        )
    sign_off = rng.choice(("Sincerely,", "Respectfully,", "With appreciation,"))
    parts.append(_Fixed(f"{sign_off}\n{base['sup_name']}\n{base['sup_title']}, {base['sup_org']}"))


def _surveys(plan: _Plan, school: dict[str, str]) -> None:
    rng, parts, d = plan.rng, plan.parts, plan.data
    parts.append(_Fixed("Teacher surveys"))
    budget = min(1200.0, max(55.0, plan.target * 0.2)) - 2
    if budget > 220:
        intro = rng.choice(d.survey_intros)
        parts.append(_Fixed(intro))
        budget -= len(intro.split())
    per_teacher = budget / 10
    _, _, _, grades, subjects = d.levels[school["level_key"]]
    rating_style = rng.choice(("{s}: {r} of 5", "{s}: {r}/5", "{s} - {r}"))
    # Ten teachers rarely write the same sentence, so each comment is used once per document.
    unused = {level: list(comments) for level, comments in d.comments.items()}
    for n in range(1, 11):
        # Teachers differ, but the coach's real practice sets where their ratings sit.
        mean = min(5.0, max(1.6, rng.gauss(3.1 + 1.9 * plan.quality, 0.45)))
        if per_teacher < 9:
            parts.append(_Fixed(f"Teacher {n}: overall, {_rate(rng, mean)} of 5."))
            continue
        statements = rng.sample(d.survey_statements, 8)
        if per_teacher < 16:
            line = rating_style.format(s=statements[0], r=_rate(rng, mean))
            parts.append(_Fixed(f"Teacher {n}: {line}."))
            continue
        header = f"Teacher {n}"
        if per_teacher > 45:
            grade, _ = _grade_names(rng.choice(grades))
            header += rng.choice(
                (
                    f" ({grade}, {rng.randint(1, 28)} years of teaching)",
                    f" ({rng.choice(subjects)}, {rng.choice(_ORDINALS[1:4])} Impact Cycle)",
                    f" ({grade} {rng.choice(subjects)})",
                )
            )
        lines = [header]
        used = len(header.split())
        comment_room = min(30.0, per_teacher * 0.35)
        for statement in statements:
            words = len(statement.split()) + 3
            if used + words > per_teacher - comment_room and len(lines) > 1:
                break
            lines.append(rating_style.format(s=statement, r=_rate(rng, mean)))
            used += words
        room = per_teacher - used - 1
        if room >= 3:
            pool = unused["high" if mean >= 4.1 else "mid" if mean >= 3.2 else "low"]
            candidates = rng.sample(pool, min(4, len(pool)))
            comment = min(candidates, key=lambda c: abs(len(c.split()) - room), default=None)
            if comment is not None and len(comment.split()) <= room * 1.6:
                pool.remove(comment)
                lines.append(f"Comment: {comment}")
        parts.append(_Fixed("\n".join(lines)))


def _rate(rng: random.Random, mean: float) -> int:
    return min(5, max(1, round(mean + rng.gauss(0, 0.55))))


def _allocate(plan: _Plan) -> None:
    """Share the words left after fixed blocks among sections, adding cycles when needed."""
    fixed = sum(p.words for p in plan.parts if isinstance(p, _Fixed))
    sections = [p for p in plan.parts if isinstance(p, _Section)]
    letter = [s for s in sections if s.in_letter]
    body = [s for s in sections if not s.in_letter]
    remaining = max(0.0, plan.target - fixed)
    letter_budget = 0.0
    if letter:
        capacity = sum(s.capacity for s in letter)
        letter_budget = min(remaining * 0.3, max(30.0, plan.target * 0.18), capacity)
    body_budget = remaining - letter_budget
    overflow = 0.0
    for group, budget in ((body, body_budget), (letter, letter_budget)):
        # Tiny targets cannot hold one sentence per section: drop the least essential ones.
        while len(group) > 1:
            if sum(s.heading_words + s.bank.avg_words for s in group) <= budget * 1.05:
                break
            victim = max(group, key=lambda s: (s.drop_rank, group.index(s)))
            if victim.drop_rank == 0:
                break
            group.remove(victim)
            plan.parts.remove(victim)
        unplaced = _share(group, budget)
        overflow = overflow if group is letter else unplaced
    if overflow > 150 and not plan.compact:
        _add_cycles(plan, overflow)
        body = [p for p in plan.parts if isinstance(p, _Section) and not p.in_letter]
        _share(body, body_budget)


def _share(group: list[_Section], budget: float) -> float:
    """Budgets by weight, none above its section's capacity; returns the words nobody can take."""
    if not group:
        return 0.0
    spare = budget - sum(s.heading_words for s in group)
    open_sections = list(group)
    while open_sections:
        weights = sum(s.weight for s in open_sections)
        full = [s for s in open_sections if spare * s.weight / weights > s.capacity]
        if not full:
            for section in open_sections:
                section.budget = max(section.bank.avg_words * 0.6, spare * section.weight / weights)
            return 0.0
        for section in full:
            section.budget = section.capacity
            spare -= section.capacity
            open_sections.remove(section)
    return max(0.0, spare)


def _add_cycles(plan: _Plan, overflow: float) -> None:
    """Long entries describe further Impact Cycles, as real portfolios do, instead of repeating."""
    rng, d = plan.rng, plan.data
    story_capacity = d.cycle_story.size * d.cycle_story.avg_words * d.story_cap
    count = min(len(plan.others), max(1, -(-round(overflow) // round(story_capacity))))
    anchor = next(
        (
            i
            for i, p in enumerate(plan.parts)
            if isinstance(p, _Section) and p.bank is d.banks["reflection"]
        ),
        len(plan.parts),
    )
    for i in range(count):
        values, options = _teacher_values(rng, plan.school, plan.quality, plan.others[i])
        slots = _Slots(rng, {**plan.school, **values}, options)
        title = rng.choice(d.second_cycle_titles if i == 0 else d.later_cycle_titles)
        heading = plan.heading(title.format_map(slots))
        section = _Section(
            heading, d.cycle_story, slots, 2.5, 1, d.story_openers, plan.voice, cap=d.story_cap
        )
        plan.parts.insert(anchor + i, section)


def _adjust(plan: _Plan) -> None:
    """Add or remove whole sentences until the document is within a few percent of the target."""
    sections = [p for p in plan.parts if isinstance(p, _Section)]
    if not sections:
        return
    total = sum(p.words for p in plan.parts)
    tolerance = max(3.0, plan.target * 0.03)
    for _ in range(300):
        diff = total - plan.target
        if abs(diff) <= tolerance:
            return
        change = _shorten(sections, diff) if diff > 0 else _lengthen(plan, sections, diff)
        if change is None:
            return
        total += change


def _shorten(sections: list[_Section], diff: float) -> int | None:
    """Remove the sentence that brings the words nearest the target; how many words went."""
    # A section may lose its last sentence only while another of its kind (body or letter)
    # still speaks; tiny targets need that, and headings are off there anyway.
    speaking = [s for s in sections if s.body_words]
    body = sum(1 for s in speaking if not s.in_letter)
    letter = len(speaking) - body
    best: tuple[float, _Section, int, int] | None = None
    for section in speaking:
        alone = (letter if section.in_letter else body) <= 1
        if section.sentences() <= 1 and (alone or section.heading):
            continue
        for gi, chosen in enumerate(section.chosen):
            for si, (_, words, _) in enumerate(chosen):
                score = abs(diff - words)
                if best is None or score < best[0]:
                    best = (score, section, gi, si)
    if best is None or best[0] >= diff:
        return None
    _, section, gi, si = best
    return -section.remove(gi, si)


def _lengthen(plan: _Plan, sections: list[_Section], diff: float) -> int | None:
    """Add the sentence, of a few drawn, that lands nearest the target; how many words came."""
    rng = plan.rng
    best: tuple[int, _Section, int, str, list[str]] | None = None
    for _k in range(6):
        section = rng.choice(sections)
        room = [gi for gi in range(len(section.chosen)) if section.has_room(gi)]
        if not room:
            continue
        gi = rng.choice(room)
        picked = section.pick(rng, gi, plan.p_weak)
        if picked is None:
            continue
        pool, index = picked
        template = pool[index]
        words = len(template.split()) + template.count("{")
        if best is None or abs(-diff - words) < abs(-diff - best[0]):
            best = (words, section, gi, template, pool)
    if best is None or abs(-diff - best[0]) >= -diff:
        return None
    _, section, gi, template, pool = best
    # Later candidates may have dropped templates from this pool: remove it by value.
    if template not in pool:
        return 0
    pool.remove(template)
    return section.say(rng, gi, template)


def _render(plan: _Plan) -> str:
    blocks: list[str] = []
    # Sentences of a section without a heading that are too few for a paragraph of their own
    # join the paragraph before them when it came from such a section too.
    loose = False
    for part in plan.parts:
        if isinstance(part, _Fixed):
            blocks.append(part.text)
            loose = False
        elif part.body_words:
            paragraphs = part.paragraphs(plan.rng)
            if part.heading:
                blocks.append(part.heading)
            elif loose and part.sentences() <= 2 and blocks[-1].count(". ") < 4:
                blocks[-1] += " " + paragraphs.pop(0)
            blocks.extend(paragraphs)
            loose = not part.heading
    number = 0
    for i, block in enumerate(blocks):
        if block.startswith(_NUMBERED):
            number += 1
            if plan.heading_style == "part":
                prefix = f"Part {chr(ord('A') + (number - 1) % 26)}:"
            else:
                prefix = f"Section {number}:"
            blocks[i] = f"{prefix} {block[1:]}"
    return "\n\n".join(blocks)
