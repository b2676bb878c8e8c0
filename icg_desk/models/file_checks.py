"""Opening is validating: a batch or cohort is checked whole, read-only, before anything writes
to it or shows it.

A file is refused unless it holds exactly what ICG Desk's own models make for its format
version, and every value in it is one ICG Desk itself could have written:

- **Schema objects**: `sqlite_master` is compared with what the ORM metadata creates (tables,
  and the indexes SQLite makes for their UNIQUE constraints), less the tables a later format
  added (`tables_added`). No trigger (SQLite would run it when ICG Desk writes), no view (a
  query of ours would run its SQL), no other table or index. Checked before any table is read.
- **Columns**: no column the models do not have (a generated one included); all of them in a
  file of the current format (an older one may lack those its migrations add).
- **Values**: each column holds its type (SQLite stores anything anywhere), and nothing where the
  model says NOT NULL; scores are decimal text on the embedded rubric's scale (no `Infinity`,
  `NaN`, `abc`, `1e999999999`, no value between two scale points); time stamps are ISO 8601
  with a zone; JSON lists are lists, of plain values or lists of them, nested at most two deep;
  statuses and other enumerated columns hold a value ICG Desk knows.

Each check reads through the validation connection of `sqlite_file.check_sqlite_contents`
(immutable or read-only, with an authorizer that allows reading only): nothing is written, no
database is attached and no pragma is set on the file.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from fractions import Fraction
from functools import cache, partial
from typing import Any

from sqlalchemy import Column, Integer, MetaData, String, Text, create_engine
from sqlalchemy.types import TypeDecorator, TypeEngine

from icg_desk.models.cohort_schema import ExactText
from icg_desk.models.schema import JsonList, ScoreText, UtcTime
from icg_desk.scoring.scale import Scale, ScoreError, decimal_score

# A schema object as sqlite_master names it: (type, name, the table it belongs to).
SchemaObject = tuple[str, str, str]

# An exact score as ExactText stores it (a banked score): decimal text, or a fraction "7/3".
_STORED_EXACT = re.compile(r"^[0-9]{1,2}(\.[0-9]{1,12})?$|^[0-9]{1,6}/[1-9][0-9]{0,5}$")
_MAX_TIME_CHARS = 40
# earlier_reads, videos and merge changes are lists of lists; nothing of ours nests deeper.
_NESTED_TOO_DEEP = "a list nested deeper than ICG Desk writes"


@dataclass(frozen=True)
class Layout:
    """What ICG Desk's own models make for a kind of file, format by format."""

    metadata: MetaData
    # The format version whose migration step creates these tables (from v to v + 1): a file of
    # version v or older does not have them.
    tables_added: Mapping[int, frozenset[str]] = field(default_factory=dict)
    # (table, column) -> the values it may hold (statuses, kinds, roles).
    known_values: Mapping[tuple[str, str], frozenset[str]] = field(default_factory=dict)


class Refusal(Exception):
    """What is wrong with a file's contents; sqlite_file turns it into a DamagedFileError."""


@cache
def _current_objects(metadata: MetaData) -> frozenset[SchemaObject]:
    engine = create_engine("sqlite://")
    try:
        metadata.create_all(engine)
        raw = engine.raw_connection()
        try:
            rows = raw.driver_connection.execute(  # type: ignore[union-attr]
                "SELECT type, name, tbl_name FROM sqlite_master"
            ).fetchall()
        finally:
            raw.close()
    finally:
        engine.dispose()
    return frozenset((str(t), str(n), str(tb)) for t, n, tb in rows)


def expected_objects(layout: Layout, version: int) -> frozenset[SchemaObject]:
    """Every table and index a file of `version` has, as our models and migrations make it."""
    absent = {t for v, tables in layout.tables_added.items() if v >= version for t in tables}
    return frozenset(o for o in _current_objects(layout.metadata) if o[2] not in absent)


def expected_tables(layout: Layout, version: int) -> frozenset[str]:
    return frozenset(name for kind, name, _ in expected_objects(layout, version) if kind == "table")


def check_objects(con: sqlite3.Connection, layout: Layout, version: int) -> None:
    """Exactly the tables and indexes of `version`: a trigger, a view or any other object is
    refused by name, before any table is read."""
    found = {
        (str(t), str(n), str(tb))
        for t, n, tb in con.execute("SELECT type, name, tbl_name FROM sqlite_master")
    }
    expected = expected_objects(layout, version)
    # Triggers and views first: the message names what makes the file dangerous.
    first = {"trigger": 0, "view": 1}
    for kind, name, table in sorted(found - expected, key=lambda o: (first.get(o[0], 2), o)):
        if kind == "trigger":
            raise Refusal(
                f"it holds a trigger {name!r} on table {table!r}, which ICG Desk never makes "
                "(it would run when ICG Desk saves)"
            )
        if kind == "view":
            raise Refusal(f"it holds a view {name!r}, which ICG Desk never makes")
        raise Refusal(f"it holds {_a(kind)} {name!r} that ICG Desk does not make")
    for kind, name, _table in sorted(expected - found, key=lambda o: (o[0] != "table", o)):
        raise Refusal(f"{kind} {name!r} is missing")


def _a(kind: str) -> str:
    return f"an {kind}" if kind[:1] in "aeiou" else f"a {kind}"


def check_columns(
    con: sqlite3.Connection, layout: Layout, version: int, current: int, scale: Scale
) -> None:
    """Every table's columns and every value in them, as our models would have written them."""
    for name in sorted(expected_tables(layout, version)):
        table = layout.metadata.tables[name]
        # table_xinfo lists hidden and generated columns too.
        found = [str(row[1]) for row in con.execute(f"PRAGMA table_xinfo({_quoted(name)})")]
        extra = [c for c in found if c not in table.columns]
        if extra:
            raise Refusal(f"table {name!r} has a column {extra[0]!r} that ICG Desk does not make")
        if version == current:
            missing = [c.name for c in table.columns if c.name not in found]
            if missing:
                raise Refusal(f"column {name}.{missing[0]} is missing")
        present = [c for c in table.columns if c.name in found]
        _check_types(con, name, present, layout)
        for column in present:
            kind = column.type
            if isinstance(kind, ScoreText):
                _check_values(con, name, column.name, partial(_score_problem, scale=scale))
            elif isinstance(kind, ExactText):
                _check_values(con, name, column.name, partial(_exact_problem, scale=scale))
            elif isinstance(kind, UtcTime):
                _check_values(con, name, column.name, _time_problem)
            elif isinstance(kind, JsonList):
                json_problem = partial(_json_problem, sort=kind.sort)
                _check_values(con, name, column.name, json_problem)


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _storage(type_: TypeEngine[object]) -> str:
    """The SQLite type a column of `type_` holds: 'integer' or 'text'."""
    base = type_.impl_instance if isinstance(type_, TypeDecorator) else type_
    if isinstance(base, Integer):
        return "integer"
    if isinstance(base, String | Text):
        return "text"
    raise TypeError(f"no storage class known for {type_!r}")  # a new column type: say here


def _check_types(
    con: sqlite3.Connection, table: str, columns: Iterable[Column[Any]], layout: Layout
) -> None:
    """One pass over the table: the first row whose value is not of its column's type (or not
    one of its known values) is named; then its text, which must be UTF-8."""
    columns = list(columns)
    conditions: list[tuple[str, str]] = []
    for column in columns:
        name = column.name
        quoted = _quoted(name)
        storage = _storage(column.type)
        allowed = f"typeof({quoted}) = '{storage}'"
        if column.nullable:
            allowed = f"({allowed} OR {quoted} IS NULL)"
        conditions.append((name, f"NOT {allowed}"))
        known = layout.known_values.get((table, name))
        if known is not None:
            values = ", ".join("'" + v.replace("'", "''") + "'" for v in sorted(known))
            conditions.append((name, f"({quoted} IS NOT NULL AND {quoted} NOT IN ({values}))"))
    # Columns whose every distinct value `_check_values` reads (and so decodes) are not read
    # twice: a cohort's merge log is most of its text.
    _check_text(
        con,
        table,
        [c.name for c in columns if _storage(c.type) == "text" and not _values_checked(c)],
    )
    if not conditions:
        return
    where = " OR ".join(c for _, c in conditions)
    row = con.execute(f"SELECT rowid FROM {_quoted(table)} WHERE {where} LIMIT 1").fetchone()
    if row is None:
        return
    for name, condition in conditions:
        sql = f"SELECT {_quoted(name)} FROM {_quoted(table)} WHERE rowid = ? AND {condition}"
        bad = con.execute(sql, (row[0],)).fetchone()
        if bad is not None:
            known = layout.known_values.get((table, name))
            if known is not None and isinstance(bad[0], str):
                raise Refusal(
                    f"{table}.{name} holds {_shown(bad[0])}, which is not one of "
                    f"{', '.join(sorted(known))}"
                )
            raise Refusal(f"{table}.{name} holds {_shown(bad[0])}: not a value of its type")
    raise Refusal(f"table {table!r} holds a value ICG Desk did not write")  # pragma: no cover


def _check_text(con: sqlite3.Connection, table: str, names: list[str]) -> None:
    """Every text value is read once, as the app will read it: SQLite keeps text that is not
    UTF-8 as it was given, and Python's sqlite3 cannot decode it (OperationalError), so a file
    holding such text opened and then failed on the first screen or step reading that value.
    Found by the fuzz test (tests/test_fuzz_inputs.py)."""
    for name in names:
        quoted = _quoted(name)
        cursor = con.execute(
            f"SELECT {quoted} FROM {_quoted(table)} WHERE typeof({quoted}) = 'text'"
        )
        try:
            for _row in cursor:
                pass
        except sqlite3.OperationalError:
            raise Refusal(f"{table}.{name} holds text that is not UTF-8") from None


def _shown(value: object) -> str:
    if value is None:
        return "nothing (NULL)"
    if isinstance(value, bytes):
        return f"{len(value)} bytes of binary data"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _values_checked(column: Column[Any]) -> bool:
    """Whether `check_columns` reads every value of the column with `_check_values`."""
    return isinstance(column.type, ScoreText | ExactText | UtcTime | JsonList)


def _check_values(
    con: sqlite3.Connection, table: str, column: str, problem: Callable[[str], str]
) -> None:
    """Every distinct value, judged by `problem`; each is decoded as it is read, so text that
    is not UTF-8 is refused here too (`_check_text` leaves these columns to this)."""
    quoted = _quoted(column)
    cursor = con.execute(
        f"SELECT DISTINCT {quoted} FROM {_quoted(table)} WHERE {quoted} IS NOT NULL"
    )
    try:
        for (value,) in cursor:
            found = problem(value)
            if found:
                raise Refusal(f"{table}.{column} holds {_shown(value)}: {found}")
    except sqlite3.OperationalError:
        raise Refusal(f"{table}.{column} holds text that is not UTF-8") from None


def _score_problem(value: str, scale: Scale) -> str:
    # The one grammar of a score in a file (scoring/scale.py), judged as text first.
    try:
        score = decimal_score(value)
    except ScoreError:
        return f"a score is a number on the scale, {scale.allowed()}"
    if not scale.contains(score):
        return f"not on the scale; a score is {scale.allowed()}"
    return ""


def _exact_problem(value: str, scale: Scale) -> str:
    """A banked score: exact decimal or fraction text within the scale (it need not be on it)."""
    if not _STORED_EXACT.match(value):
        return "a banked score is a number within the scale, as decimal or fraction text"
    if not scale.lowest <= Fraction(value) <= scale.highest:
        return "not within the scale"
    return ""


def _time_problem(value: str) -> str:
    if len(value) > _MAX_TIME_CHARS:
        return "not a time stamp"
    try:
        stamp = datetime.fromisoformat(value)
    except ValueError:
        return "not a time stamp"
    return "" if stamp.tzinfo is not None else "a time stamp without a time zone"


def _scalar(item: object) -> bool:
    return item is None or isinstance(item, str) or (type(item) is int)


# The types of a scalar item as json.loads makes them (never a subclass): a merge log holds
# tens of thousands of [code, factor, old, new] lists, checked by their types' set at C speed.
_SCALAR_TYPES = frozenset({str, int, type(None)})


def _json_problem(value: str, sort: bool) -> str:
    # No scan of the text first: CPython's JSON decoder counts its own nesting and stops with
    # RecursionError at the interpreter's limit (a scan in Python, a character at a time, was
    # most of the time taken to open a cohort whose merge log holds long lists). What it builds
    # is then held to the two levels ICG Desk writes.
    try:
        data = json.loads(value)
    except RecursionError:
        return _NESTED_TOO_DEEP
    except ValueError:
        return "not a JSON list"
    if not isinstance(data, list):
        return "not a JSON list"
    for item in data:
        if _scalar(item) or (type(item) is list and _SCALAR_TYPES.issuperset(map(type, item))):
            continue
        if isinstance(item, list) and any(isinstance(x, list | dict) for x in item):
            return _NESTED_TOO_DEEP
        return "a list of other things than text, whole numbers and lists of them"
    if sort and len({type(item) for item in data}) > 1:
        return "a list mixing kinds of values"
    return ""
