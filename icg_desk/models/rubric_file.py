"""Rubric files (TOML): read, validate and turn into a `Rubric`.

A broken rubric file is a coordinator's typo, not a bug: every problem is reported as
"FILE: KEY: what is wrong", and nothing half-read is ever returned.
"""

from __future__ import annotations

import re
import tomllib
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

from icg_desk.models.errors import UserError
from icg_desk.models.input_limits import (
    RUBRIC_MAX_BYTES,
    RUBRIC_MAX_DEPTH,
    InputRefused,
    open_regular,
    read_limited,
    size_text,
)
from icg_desk.paths import builtin_editions, rubrics_dir
from icg_desk.scoring.calibration import QualifyingRule, ValidityRule
from icg_desk.scoring.links import BUILTIN_HOSTS, BUILTIN_SCHEMES
from icg_desk.scoring.reads import DEFAULT_RETAKE_RULE, RETAKE_RULES
from icg_desk.scoring.rubric import (
    Entry,
    Factor,
    Level,
    LinkPolicy,
    ReadPolicy,
    RetakePolicy,
    Rubric,
    Thresholds,
)
from icg_desk.scoring.scale import Scale, ScaleValue

RUBRIC_FORMAT = 1
DEFAULT_EDITION = "icg-revised"
COMBINE_RULES = ("mean",)
ADJUDICATION_RULES = ("adjudicator-replaces",)
_LABEL = re.compile(r"^[1-9][0-9]?[+-]?$")
_KEY = re.compile(r"^[a-z][a-z0-9_]*$")
# A rubric's exact number, written as a string: a plain decimal, judged as text before any
# number is built ("1e-999999999" would make Fraction build a billion-digit denominator).
_NUMBER_TEXT = re.compile(r"^[+-]?[0-9]{1,12}(\.[0-9]{1,12})?$")


class RubricError(UserError, ValueError):
    """A rubric file that cannot be used; the message names the file, the key and the problem."""


class _Reader:
    """Typed access to the parsed TOML that knows where it is, for the error messages."""

    def __init__(self, source: str, data: Any, where: str = "") -> None:
        self.source, self.data, self.where = source, data, where

    def fail(self, key: str, problem: str) -> RubricError:
        path = f"{self.where}.{key}" if self.where and key else (self.where or key)
        return RubricError(f"{self.source}: {path}: {problem}")

    def _get(self, key: str) -> Any:
        if not isinstance(self.data, dict):
            raise self.fail("", "must be a table")
        if key not in self.data:
            raise self.fail(key, "is missing")
        return self.data[key]

    def table(self, key: str) -> _Reader:
        value = self._get(key)
        if not isinstance(value, dict):
            raise self.fail(key, "must be a table")
        return _Reader(self.source, value, f"{self.where}.{key}" if self.where else key)

    def tables(self, key: str) -> list[_Reader]:
        value = self._get(key)
        if not isinstance(value, list) or not value:
            raise self.fail(key, "must be a non-empty array of tables")
        prefix = f"{self.where}.{key}" if self.where else key
        readers = []
        for i, item in enumerate(value):
            if not isinstance(item, dict):
                raise RubricError(f"{self.source}: {prefix}[{i}]: must be a table")
            readers.append(_Reader(self.source, item, f"{prefix}[{i}]"))
        return readers

    def text(self, key: str, *, allow_empty: bool = False) -> str:
        value = self._get(key)
        if not isinstance(value, str):
            raise self.fail(key, f"must be text, not {type(value).__name__}")
        if not allow_empty and not value.strip():
            raise self.fail(key, "must not be empty")
        return value.strip()

    def texts(self, key: str, *, least: int, most: int) -> tuple[str, ...]:
        value = self._get(key)
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise self.fail(key, "must be an array of non-empty texts")
        if not least <= len(value) <= most:
            raise self.fail(key, f"must hold {least} to {most} items, not {len(value)}")
        return tuple(v.strip() for v in value)

    def integer(self, key: str, *, least: int = 0) -> int:
        value = self._get(key)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(key, f"must be a whole number, not {value!r}")
        if value < least:
            raise self.fail(key, f"must be at least {least}, not {value}")
        return value

    def boolean(self, key: str) -> bool:
        value = self._get(key)
        if not isinstance(value, bool):
            raise self.fail(key, f"must be true or false, not {value!r}")
        return value

    def number(self, key: str) -> Fraction:
        """An exact number: written as a string ("2.75") or an integer; floats are refused."""
        value = self._get(key)
        if isinstance(value, (bool, float)):
            raise self.fail(key, f'write the number as a string, "{value}", so it stays exact')
        if isinstance(value, int):
            return Fraction(value)
        if isinstance(value, str):
            if not _NUMBER_TEXT.match(value.strip()):
                shown = value if len(value) <= 40 else value[:37] + "..."
                raise self.fail(
                    key, f'{shown!r} is not a number written as a plain decimal, such as "2.75"'
                )
            return Fraction(Decimal(value.strip()))
        raise self.fail(key, f"must be a number written as a string, not {value!r}")

    def choice(self, key: str, allowed: tuple[str, ...]) -> str:
        value = self.text(key)
        if value not in allowed:
            raise self.fail(key, f"{value!r} is not one of {', '.join(allowed)}")
        return value


# The nesting pre-scan's pieces: a run of nothing it counts, and each kind of TOML string, read
# possessively from its opening quote (linear time, even on an unterminated one).
_PLAIN_RUN = re.compile(r"[^\"'#\[\]{}.,=\n]+")
_STRINGS = {
    '"""': re.compile(r'"""(?:[^"\\]|\\.|"(?!""))*+"""', re.DOTALL),
    "'''": re.compile(r"'''(?:[^']|'(?!''))*+'''"),
    '"': re.compile(r'"(?:[^"\\\n]|\\.)*+"'),
    "'": re.compile(r"'[^'\n]*+'"),
}


def _nests_too_deep(text: str) -> bool:
    """Whether the TOML text nests brackets, or chains dotted keys, past RUBRIC_MAX_DEPTH.

    Run before tomllib, which parses brackets recursively and builds a dotted key's prefixes
    in quadratic time and memory (a key of 100,000 parts never finishes). A dot chain counts
    the dots since the last bracket, comma, `=` or line end, outside strings and comments: a
    key `a.b.c` is 2, a number or time (`2.75`) at most 1. One pass, linear in the text.
    """
    depth = chain = 0
    i, n = 0, len(text)
    while i < n:
        plain = _PLAIN_RUN.match(text, i)
        if plain is not None:
            i = plain.end()
            continue
        c = text[i]
        if c == "#":
            i = n if (j := text.find("\n", i)) < 0 else j
            continue
        if c in "\"'":
            quote = c * 3 if text.startswith(c * 3, i) else c
            string = _STRINGS[quote].match(text, i)
            if string is None:
                return False  # unterminated: not TOML at all, as tomllib will say
            i = string.end()
            continue
        if c in "[{":
            depth, chain = depth + 1, 0
            if depth > RUBRIC_MAX_DEPTH:
                return True
        elif c in "]}":
            depth, chain = max(depth - 1, 0), 0
        elif c == ".":
            chain += 1
            if chain >= RUBRIC_MAX_DEPTH:
                return True
        else:  # , = or a line end
            chain = 0
        i += 1
    return False


def _too_deep(data: object) -> bool:
    """Whether `data` nests deeper than RUBRIC_MAX_DEPTH; walked without recursion."""
    stack: list[tuple[object, int]] = [(data, 0)]
    while stack:
        value, depth = stack.pop()
        if depth > RUBRIC_MAX_DEPTH:
            return True
        if isinstance(value, dict):
            stack.extend((child, depth + 1) for child in value.values())
        elif isinstance(value, list):
            stack.extend((child, depth + 1) for child in value)
    return False


def parse_rubric(text: str, source: str) -> Rubric:
    """A `Rubric` from the text of a rubric file; `source` names the file in error messages.

    Bounded (`models.input_limits`): at most RUBRIC_MAX_BYTES of text and RUBRIC_MAX_DEPTH
    levels of nesting, so a hostile rubric (in a file, a batch or a cohort) is a RubricError
    like any other, never a RecursionError. A leading byte-order mark is allowed.
    """
    text = text.removeprefix("\ufeff")  # Notepad saves UTF-8 with one
    if len(text) > RUBRIC_MAX_BYTES:
        raise RubricError(
            f"{source}: is {len(text):,} characters long; a rubric may be at most "
            f"{size_text(RUBRIC_MAX_BYTES)}"
        )
    too_deep = RubricError(
        f"{source}: nests tables or arrays more than {RUBRIC_MAX_DEPTH} levels deep; "
        "a rubric needs three"
    )
    if _nests_too_deep(text):
        raise too_deep
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RubricError(f"{source}: not valid TOML: {exc}") from None
    except ValueError as exc:  # tomllib's int() of a whole number past Python's 4,300 digits
        raise RubricError(f"{source}: not a rubric ICG Desk can read: {exc}") from None
    if _too_deep(data):  # brackets within dotted keys within table headers: nesting adds up
        raise too_deep
    root = _Reader(source, data)
    fmt = root.integer("format", least=1)
    if fmt > RUBRIC_FORMAT:
        raise root.fail(
            "format", f"is {fmt}, from a newer ICG Desk; this one reads format {RUBRIC_FORMAT}"
        )

    head = root.table("rubric")
    scale = _scale(root)
    levels = _levels(root, scale)
    thresholds = _thresholds(root, scale)
    entries = _entries(root)
    factors = _factors(root, entries)
    return Rubric(
        edition=head.text("edition"),
        title=head.text("title"),
        program=head.text("program"),
        description=head.text("description", allow_empty=True),
        scale=scale,
        levels=levels,
        thresholds=thresholds,
        reads=_reads(root),
        retake=_retake(root),
        calibration=_calibration(root, scale),
        validity=_validity(root, scale),
        links=_links(root),
        entries=entries,
        factors=factors,
        source_text=text,
    )


def _retake(root: _Reader) -> RetakePolicy:
    """[retake] rule: optional, the section too; "higher" when absent (docs/rubric-format.md)."""
    if not isinstance(root.data, dict) or "retake" not in root.data:
        return RetakePolicy(rule=DEFAULT_RETAKE_RULE)
    section = root.table("retake")
    if not isinstance(section.data, dict) or "rule" not in section.data:
        return RetakePolicy(rule=DEFAULT_RETAKE_RULE)
    return RetakePolicy(rule=section.choice("rule", RETAKE_RULES))


def _calibration(root: _Reader, scale: Scale) -> QualifyingRule:
    """[calibration] min_exact and max_levels_off: optional, each and the section; the default
    rule when absent (docs/rubric-format.md)."""
    if not isinstance(root.data, dict) or "calibration" not in root.data:
        return QualifyingRule()
    section = root.table("calibration")
    present = section.data if isinstance(section.data, dict) else {}
    rule = QualifyingRule()
    min_exact, max_off = rule.min_exact, rule.max_levels_off
    if "min_exact" in present:
        min_exact = section.number("min_exact")
        if not 0 <= min_exact <= 1:
            raise section.fail("min_exact", 'must be a share from 0 to 1, such as "0.70"')
    if "max_levels_off" in present:
        max_off = section.integer("max_levels_off")
        top = len({scale.level_of(v.value) for v in scale.values}) - 1
        if max_off > top:
            raise section.fail("max_levels_off", f"must be at most {top}, the scale's span")
    return QualifyingRule(min_exact, max_off)


def _validity(root: _Reader, scale: Scale) -> ValidityRule:
    """[validity] margin and min_exact: optional, each and the section; the defaults when
    absent (docs/rubric-format.md)."""
    rule = ValidityRule()
    if not isinstance(root.data, dict) or "validity" not in root.data:
        return rule
    section = root.table("validity")
    present = section.data if isinstance(section.data, dict) else {}
    margin, min_exact = rule.margin, rule.min_exact
    if "margin" in present:
        margin = section.number("margin")
        if not 0 <= margin <= scale.highest - scale.lowest:
            raise section.fail("margin", "must be from 0 to the scale's span, in score points")
    if "min_exact" in present:
        min_exact = section.number("min_exact")
        if not 0 <= min_exact <= 1:
            raise section.fail("min_exact", 'must be a share from 0 to 1, such as "0.50"')
    return ValidityRule(margin, min_exact)


def _scale(root: _Reader) -> Scale:
    section = root.table("scale")
    raw = section._get("values")
    if not isinstance(raw, list) or not raw:
        raise section.fail("values", "must be a non-empty array of {label, value} tables")
    values: list[ScaleValue] = []
    for i, item in enumerate(raw):
        r = _Reader(root.source, item, f"scale.values[{i}]")
        if not isinstance(item, dict):
            raise r.fail("", "must be a table {label = ..., value = ...}")
        label = r.text("label")
        if not _LABEL.match(label):
            raise r.fail("label", f'{label!r} must be a level with an optional + or - ("3+")')
        value = r.number("value")
        if values and value <= values[-1].value:
            raise r.fail("value", "values must ascend")
        if label in {v.label for v in values}:
            raise r.fail("label", f"{label!r} appears twice")
        values.append(ScaleValue(label, value))
    return Scale(tuple(values))


def _levels(root: _Reader, scale: Scale) -> tuple[Level, ...]:
    levels = []
    for r in root.tables("levels"):
        number = r.integer("level", least=1)
        if number not in scale.levels:
            raise r.fail("level", f"{number} has no value on the scale")
        levels.append(
            Level(number, r.text("short"), r.text("descriptor"), r.boolean("accomplished"))
        )
    missing = set(scale.levels) - {lv.level for lv in levels}
    if missing:
        raise root.fail("levels", f"level {min(missing)} of the scale has no descriptor")
    if len(levels) != len(scale.levels):
        raise root.fail("levels", "a level is described twice")
    return tuple(sorted(levels, key=lambda lv: -lv.level))


def _thresholds(root: _Reader, scale: Scale) -> Thresholds:
    r = root.table("thresholds")
    result = Thresholds(
        certification=r.number("certification"),
        factor_floor=r.number("factor_floor"),
        accomplished=r.number("accomplished"),
    )
    for key in ("certification", "factor_floor", "accomplished"):
        value = getattr(result, key)
        if not scale.lowest <= value <= scale.highest:
            raise r.fail(key, "must lie within the scale")
    return result


def _reads(root: _Reader) -> ReadPolicy:
    r = root.table("reads")
    share = r.number("second_read_share")
    if not 0 <= share <= 1:
        raise r.fail("second_read_share", "must be between 0 and 1")
    discrepancy = r.number("discrepancy")
    if discrepancy < 0:
        raise r.fail("discrepancy", "must not be negative")
    return ReadPolicy(
        per_portfolio=r.integer("per_portfolio", least=1),
        second_read_share=share,
        discrepancy=discrepancy,
        combine=r.choice("combine", COMBINE_RULES),
        adjudication=r.choice("adjudication", ADJUDICATION_RULES),
        flag_decision_disagreement=r.boolean("flag_decision_disagreement"),
        adjudicator_sees_reads=(
            r.boolean("adjudicator_sees_reads")
            if isinstance(r.data, dict) and "adjudicator_sees_reads" in r.data
            else False
        ),
    )


def _links(root: _Reader) -> LinkPolicy:
    """The rubric's link policy: ICG Desk's own (`BUILTIN_LINKS`) or narrower.

    A scheme or host beyond the built-in policy refuses the whole rubric rather than being
    dropped quietly: a coordinator who listed another site must learn now that its links will
    never open, not from every roster row refused later; and a batch whose rubric lists
    `file`, `javascript` or another site was not made by ICG Desk, so it is not opened at all.
    """
    r = root.table("links")
    schemes = r.texts("schemes", least=1, most=10)
    hosts = r.texts("hosts", least=0, most=100)
    for key, values, limit, what in (
        ("schemes", schemes, BUILTIN_SCHEMES, "ICG Desk opens only https links"),
        (
            "hosts",
            hosts,
            BUILTIN_HOSTS,
            "ICG Desk opens links to " + ", ".join(sorted(BUILTIN_HOSTS)),
        ),
    ):
        for value in values:
            if value.lower() not in limit:
                shown = value if len(value) <= 60 else value[:57] + "..."
                raise r.fail(key, f"{shown!r} is not allowed: {what}; a rubric may only list fewer")
    return LinkPolicy(
        schemes=frozenset(s.lower() for s in schemes), hosts=frozenset(h.lower() for h in hosts)
    )


def _entries(root: _Reader) -> tuple[Entry, ...]:
    entries: list[Entry] = []
    for r in root.tables("entries"):
        number = r.integer("number", least=1)
        if number in {e.number for e in entries}:
            raise r.fail("number", f"entry {number} appears twice")
        entries.append(
            Entry(
                number=number,
                title=r.text("title"),
                evidence=r.text("evidence"),
                max_words=r.integer("max_words", least=1),
                videos=r.integer("videos"),
                max_video_minutes=r.integer("max_video_minutes"),
            )
        )
    return tuple(entries)


def _factors(root: _Reader, entries: tuple[Entry, ...]) -> tuple[Factor, ...]:
    factors: list[Factor] = []
    numbers = {e.number for e in entries}
    for r in root.tables("factors"):
        key = r.text("key")
        if not _KEY.match(key):
            raise r.fail("key", f"{key!r} must be lower-case letters, digits and _")
        if key in {f.key for f in factors}:
            raise r.fail("key", f"{key!r} appears twice")
        entry = r.integer("entry", least=1)
        if entry not in numbers:
            raise r.fail("entry", f"there is no entry {entry}")
        weight = r.number("weight")
        if weight <= 0:
            raise r.fail("weight", "must be more than 0")
        factors.append(
            Factor(
                key=key,
                name=r.text("name"),
                entry=entry,
                weight=weight,
                rationale_required=r.boolean("rationale_required"),
                standard=r.text("standard"),
                look_fors=r.texts("look_fors", least=1, most=12),
            )
        )
    for e in entries:
        if not any(f.entry == e.number for f in factors):
            raise root.fail("entries", f"entry {e.number} is scored on no factor")
    return tuple(factors)


def load_rubric(path: Path) -> Rubric:
    """The rubric in a file: a regular file of UTF-8 TOML (a byte-order mark allowed), at most
    RUBRIC_MAX_BYTES; RubricError naming the file otherwise."""
    try:
        with open_regular(path) as stream:
            data = read_limited(stream, RUBRIC_MAX_BYTES, "a rubric file")
        text = data.decode("utf-8-sig")
    except FileNotFoundError:
        raise RubricError(f"{path}: no such rubric file") from None
    except UnicodeDecodeError:
        raise RubricError(f"{path}: not a text file (expected UTF-8 TOML)") from None
    except InputRefused as exc:
        raise RubricError(f"{path}: {exc}") from None
    except OSError as exc:
        raise RubricError(f"{path}: cannot be read: {exc.strerror or exc}") from None
    return parse_rubric(text, str(path))


def builtin_rubric(edition: str = DEFAULT_EDITION) -> Rubric:
    path = rubrics_dir() / f"{edition}.toml"
    if not path.is_file():
        raise RubricError(
            f"no rubric edition {edition!r}; the editions are {', '.join(builtin_editions())}"
        )
    return load_rubric(path)


def rubric_from_argument(value: str) -> Rubric:
    """`--rubric` takes an edition name or the path of a rubric file."""
    if value.endswith(".toml") or "/" in value or "\\" in value:
        return load_rubric(Path(value))
    return builtin_rubric(value)
