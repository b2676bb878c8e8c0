"""Mutations for the fuzz test of every file kind ICG Desk reads (tests/test_fuzz_inputs.py).

Hypothesis strategies that draw a list of mutations, and the functions that apply them to a copy
of a valid file: bytes (flip, truncate, extend), SQLite content (a value replaced, rows deleted
or duplicated, objects added or dropped, the header's versions changed), workbook cells and zip
members, CSV text and its encoding, and rubric TOML text.

What an SQL mutation can touch is read from the file itself (`sqlite_master`, `PRAGMA
table_info`), never from a fixed list of tables, so a new format version is fuzzed as written.
"""

from __future__ import annotations

import io
import re
import sqlite3
import warnings
import zipfile
from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

# --- hostile values -----------------------------------------------------------------------------

# Text without lone surrogates: sqlite3 and the csv module cannot even encode those, so they are
# no input a file can carry.
_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)

_NESTED_JSON = "[" * 50_000 + "]" * 50_000
HOSTILE_TEXTS: tuple[str, ...] = (
    "",
    " ",
    "Infinity",
    "-Infinity",
    "NaN",
    "nan",
    "sNaN",
    "inf",
    "1E999",
    "1e999999999",
    "1e-999999999",
    "9" * 5000,
    "0." + "0" * 5000 + "1",
    "-3",
    "-0",
    "0",
    "3.250",
    "3.25",
    "4.00",
    "2.75",
    "1.00",
    "4+",
    "3-",
    "abc",
    "7/3",
    "1/0",
    "2099-01-01T00:00:00",
    "2099-01-01T00:00:00+00:00",
    "2026-06-01 10:00:00",
    "1970-01-01T00:00:00+14:00",
    "not a time",
    "[]",
    "{}",
    '["a", 1, [2]]',
    "[[[[[[1]]]]]]",
    _NESTED_JSON,
    '{"a": ' * 1000 + "1" + "}" * 1000,
    "\x00",
    "a\x00b",
    "\ufeff",
    "\u202e\u0644\u0627",
    "e\u0301\u200b\u200d",
    "<img src=x>",
    "<b>bold</b>",
    "=cmd|' /C calc'!A0",
    '=HYPERLINK("http://x","y")',
    "'; DROP TABLE portfolio; --",
    "../../etc/passwd",
    "complete",
    "in_progress",
    "not_started",
    "file:///etc/passwd",
    "javascript:alert(1)",
    "https://www.youtube.com/redirect?q=http://evil",
    "x" * 200_000,
)

# Every SQLite storage class: NULL, integers at the edges, reals (NaN is stored as NULL), text,
# blobs.
HOSTILE_VALUES = st.one_of(
    st.sampled_from(HOSTILE_TEXTS),
    st.none(),
    st.sampled_from((0, -1, 1, 2**31, 2**63 - 1, -(2**63))),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=True, allow_infinity=True),
    st.binary(max_size=40),
    st.just(b"\x00" * 100_000),
    _TEXT,
)


# --- bytes -------------------------------------------------------------------------------------


def byte_mutations(size: int) -> st.SearchStrategy[list[tuple[Any, ...]]]:
    """Flips (mostly in the first pages, where the headers are), a truncation, an extension."""
    position = st.one_of(st.integers(0, min(size - 1, 199)), st.integers(0, size - 1))
    flip = st.tuples(st.just("flip"), position, st.integers(1, 255))
    cut = st.tuples(st.just("truncate"), st.integers(0, size - 1))
    grow = st.tuples(st.just("extend"), st.binary(min_size=1, max_size=5000))
    return st.lists(st.one_of(flip, flip, cut, grow), min_size=1, max_size=4)


def apply_bytes(data: bytes, mutations: Sequence[tuple[Any, ...]]) -> bytes:
    out = bytearray(data)
    for kind, *args in mutations:
        if kind == "flip" and out:
            at, mask = args
            at %= len(out)
            out[at] ^= mask
        elif kind == "truncate":
            del out[args[0] % (len(out) + 1) :]
        elif kind == "extend":
            out += args[0]
    return bytes(out)


# --- SQLite content ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Schema:
    """What a file holds, read from it: tables with their columns, and every named object."""

    tables: dict[str, tuple[str, ...]]
    objects: tuple[tuple[str, str], ...]  # (type, name), SQLite's own left out

    @classmethod
    def of(cls, path: Path) -> Schema:
        con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            objects = tuple(
                (kind, name)
                for kind, name in con.execute("SELECT type, name FROM sqlite_master ORDER BY name")
                if not name.startswith("sqlite_")
            )
            tables = {
                name: tuple(row[1] for row in con.execute(f'PRAGMA table_info("{name}")'))
                for kind, name in objects
                if kind == "table"
            }
        finally:
            con.close()
        return cls(tables, objects)


def sql_mutations(schema: Schema) -> st.SearchStrategy[list[tuple[Any, ...]]]:
    """Mutations of a file's content and structure, each (kind, *arguments)."""
    tables = sorted(schema.tables)
    cells = st.sampled_from(tables).flatmap(
        lambda t: st.tuples(
            st.just("set"),
            st.just(t),
            st.sampled_from(schema.tables[t]),
            HOSTILE_VALUES,
            st.integers(0, 30),  # which row (by position), or
            st.booleans(),  # every row
        )
    )
    # Text that is not UTF-8: SQLite keeps whatever bytes it is given as text.
    raw = st.sampled_from(tables).flatmap(
        lambda t: st.tuples(
            st.just("raw text"),
            st.just(t),
            st.sampled_from(schema.tables[t]),
            st.sampled_from((b"\xc3(", b"\xff\xfe", b"abc\x80", b"\xed\xa0\x80")),
        )
    )
    # The rubric a file carries is text to mutate like a rubric file.
    rubric = st.tuples(st.just("rubric"), toml_mutations())
    delete = st.tuples(st.just("delete"), st.sampled_from(tables), st.integers(0, 5))
    duplicate = st.tuples(st.just("duplicate"), st.sampled_from(tables))
    add = st.tuples(
        st.just("add"),
        st.sampled_from(("trigger", "view", "table", "index", "column", "shadow view")),
        st.sampled_from(tables),
    )
    drop = st.tuples(st.just("drop"), st.sampled_from(schema.objects))
    header = st.tuples(
        st.just("pragma"),
        st.sampled_from(("user_version", "application_id")),
        st.one_of(st.integers(-(2**31), 2**31 - 1), st.integers(-3, 12)),
    )
    journal = st.tuples(st.just("journal"), st.sampled_from(("wal", "delete", "truncate")))
    return st.lists(
        st.one_of(cells, cells, cells, raw, rubric, delete, duplicate, add, drop, header, journal),
        min_size=1,
        max_size=4,
    )


def apply_sql(path: Path, schema: Schema, mutations: Sequence[tuple[Any, ...]]) -> None:
    """Apply each mutation as another program could; one SQLite refuses is skipped."""
    con = sqlite3.connect(path, isolation_level=None)
    try:
        # A CHECK constraint is the writer's choice; an attacker's program need not make it.
        con.execute("PRAGMA ignore_check_constraints = ON")
        for mutation in mutations:
            # One SQLite refuses (a unique index, a dropped table) makes no file to test.
            with suppress(sqlite3.Error, OverflowError):
                _apply_one(con, schema, mutation)
    finally:
        con.close()


def _apply_one(con: sqlite3.Connection, schema: Schema, mutation: tuple[Any, ...]) -> None:
    kind, *args = mutation
    if kind == "set":
        table, column, value, row, every = args
        where = "" if every else f"WHERE rowid IN (SELECT rowid FROM {table} LIMIT 1 OFFSET {row})"
        con.execute(f'UPDATE "{table}" SET "{column}" = ? {where}', (value,))
    elif kind == "raw text":
        table, column, data = args
        where = f'WHERE rowid = (SELECT min(rowid) FROM "{table}")'
        con.execute(f'UPDATE "{table}" SET "{column}" = CAST(? AS TEXT) {where}', (data,))
    elif kind == "rubric":
        for table, columns in schema.tables.items():
            if "rubric_text" in columns:
                row = con.execute(f'SELECT rubric_text FROM "{table}"').fetchone()
                if row and isinstance(row[0], str):
                    text = apply_toml(row[0], args[0])
                    con.execute(f'UPDATE "{table}" SET rubric_text = ?', (text,))
    elif kind == "delete":
        table, count = args
        con.execute(
            f'DELETE FROM "{table}" WHERE rowid IN (SELECT rowid FROM "{table}" LIMIT ?)', (count,)
        )
    elif kind == "duplicate":
        (table,) = args
        key = [r[1] for r in con.execute(f'PRAGMA table_info("{table}")') if r[5]]
        columns = ", ".join(f'"{c}"' for c in schema.tables[table] if c not in key)
        con.execute(f'INSERT INTO "{table}" ({columns}) SELECT {columns} FROM "{table}" LIMIT 1')
    elif kind == "add":
        what, table = args
        column = schema.tables[table][-1]
        statement = {
            "trigger": f'CREATE TRIGGER fuzz_t AFTER UPDATE ON "{table}" BEGIN '
            f'UPDATE "{table}" SET "{column}" = "{column}"; END',
            "view": f'CREATE VIEW fuzz_v AS SELECT * FROM "{table}"',
            "table": "CREATE TABLE fuzz_x (a)",
            "index": f'CREATE INDEX fuzz_i ON "{table}" ("{column}")',
            "column": f'ALTER TABLE "{table}" ADD COLUMN fuzz_c TEXT',
            "shadow view": f'ALTER TABLE "{table}" RENAME TO fuzz_old',
        }[what]
        con.execute(statement)
        if what == "shadow view":
            con.execute(f'CREATE VIEW "{table}" AS SELECT * FROM fuzz_old')
    elif kind == "drop":
        (kind_, name) = args[0]
        con.execute(f'DROP {kind_.upper()} IF EXISTS "{name}"')
    elif kind == "pragma":
        name, value = args
        con.execute(f"PRAGMA {name} = {int(value)}")
    elif kind == "journal":
        con.execute(f"PRAGMA journal_mode = {args[0]}")


# --- rubric TOML text ------------------------------------------------------------------------


def _deep(n: int) -> str:
    return "[" * n + "]" * n


TOML_VALUES: tuple[str, ...] = (
    '""',
    '" "',
    '"abc"',
    '"1e999999999"',
    '"-1e999999999"',
    '"1e-999999999"',
    '"9' + "9" * 5000 + '"',
    '"Infinity"',
    '"NaN"',
    '"-0"',
    '"0"',
    '"4.25"',
    '"2.75"',
    "1e400",
    "inf",
    "-inf",
    "nan",
    "0",
    "-1",
    "3",
    "9223372036854775807",
    "-9223372036854775808",
    "1" + "0" * 5000,
    "true",
    "1979-05-27T07:32:00",
    "1979-05-27",
    "[]",
    "{}",
    '["https", "http"]',
    '["file"]',
    '[1, "a", [2]]',
    "{ a = { b = { c = 1 } } }",
    _deep(31),
    _deep(33),
    _deep(5000),
    "{a=" * 40 + "1" + "}" * 40,
    '"' + "x" * 100_000 + '"',
    '"\\u0000"',
    '"\u202e\u0644"',
    '"<img src=x>"',
)
TOML_INSERTS: tuple[str, ...] = (
    "\ufeff",
    "\x00",
    "\n[[",
    "\n" + "[" * 10_000,
    "\n" + ".".join("a" * 1 for _ in range(10_000)) + " = 1\n",
    "\na." * 40 + " = 1\n",
    "\n[scale]\n",
    "\n[[factors]]\n",
    "\nformat = 99\n",
    '\n"""',
    "\u200b",
    "\u0301",
    "\r",
    "# comment [[[[ {{{{\n",
    "\n" + "x = 1\n" * 2000,
)


def toml_mutations() -> st.SearchStrategy[list[tuple[Any, ...]]]:
    """Edits of a rubric's text: a value replaced (a key's, or any number's: the scale's values
    sit in inline tables), text inserted, a line deleted or doubled, the text cut short, a
    byte-order mark put first."""
    hostile = st.sampled_from(TOML_VALUES)
    value = st.tuples(st.just("value"), st.integers(0, 400), st.one_of(hostile, hostile, _TEXT))
    number = st.tuples(st.just("number"), st.integers(0, 100), hostile)
    insert = st.tuples(
        st.just("insert"), st.integers(0, 20_000), st.one_of(st.sampled_from(TOML_INSERTS), _TEXT)
    )
    line = st.tuples(st.sampled_from(("delete line", "double line")), st.integers(0, 400))
    cut = st.tuples(st.just("truncate"), st.integers(0, 20_000))
    bom = st.tuples(st.just("bom"))
    return st.lists(
        st.one_of(value, number, value, number, insert, line, cut, bom), min_size=1, max_size=3
    )


# A number in the text: a quoted decimal ("2.75"), a bare whole number, true or false.
_NUMBER = re.compile(r'"-?[0-9]+(?:\.[0-9]+)?"|(?<![\w.-])[0-9]+(?![\w.-])|\btrue\b|\bfalse\b')
_ASSIGNMENT = re.compile(r"^(\s*[A-Za-z0-9_.\"-]+\s*=\s*)(.*)$", re.MULTILINE)


def apply_toml(text: str, mutations: Sequence[tuple[Any, ...]]) -> str:
    for kind, *args in mutations:
        if kind == "value":
            found = list(_ASSIGNMENT.finditer(text))
            if found:
                m = found[args[0] % len(found)]
                text = text[: m.start(2)] + args[1] + text[m.end(2) :]
        elif kind == "number":
            found = list(_NUMBER.finditer(text))
            if found:
                m = found[args[0] % len(found)]
                text = text[: m.start()] + args[1] + text[m.end() :]
        elif kind == "insert":
            at = args[0] % (len(text) + 1)
            text = text[:at] + args[1] + text[at:]
        elif kind in ("delete line", "double line"):
            lines = text.split("\n")
            i = args[0] % len(lines)
            lines[i : i + 1] = [] if kind == "delete line" else [lines[i], lines[i]]
            text = "\n".join(lines)
        elif kind == "truncate":
            text = text[: args[0] % (len(text) + 1)]
        elif kind == "bom":
            text = "\ufeff" + text
    return text


# --- workbooks ---------------------------------------------------------------------------------

CELL_VALUES = st.one_of(
    st.sampled_from(HOSTILE_TEXTS[:-1]),  # the 200,000-character one is past a cell's limit
    st.sampled_from(("=1+1", "=A1", "=1/0", '=WEBSERVICE("http://x")', "=SUM(A1:A9)")),
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from((Decimal("1E+999"), Decimal("NaN"))),
    st.datetimes(min_value=datetime(1900, 3, 1), max_value=datetime(9999, 1, 1)),
    _TEXT,
)
# Raw text for a cell's <v> element, as another program (or a hand) could write it.
RAW_CELL_VALUES = st.one_of(
    st.sampled_from(
        (
            "1E999",
            "1e999999999",
            "-1E999",
            "nan",
            "NaN",
            "inf",
            "Infinity",
            "9" * 5000,
            "abc",
            "",
            "3.25",
            "4",
            "-1",
            "99999",
            "2.5E-400",
            "0x10",
            " 3 ",
            "3,25",
        )
    ),
    _TEXT,
)
XML_EDITS = st.one_of(
    st.tuples(st.just("value"), st.integers(0, 200), RAW_CELL_VALUES),
    st.tuples(
        st.just("type"),
        st.integers(0, 200),
        st.sampled_from(
            ('t="s"', 't="n"', 't="b"', 't="d"', 't="e"', 't="str"', 't="inlineStr"', 't="x"')
        ),
    ),
    st.tuples(
        st.just("formula"), st.integers(0, 200), st.sampled_from(("1+1", "A1", 'WEBSERVICE("x")'))
    ),
    st.tuples(
        st.just("member"),
        st.sampled_from(("delete", "garbage", "bomb", "deep", "empty", "double")),
    ),
)


def xlsx_mutations() -> st.SearchStrategy[list[tuple[Any, ...]]]:
    """Edits of a workbook's zip members (cell values, types and formulas as raw XML, members
    deleted, emptied, replaced by an entity bomb or deep nesting), each naming its member by
    position."""
    return st.lists(st.tuples(st.integers(0, 50), XML_EDITS), min_size=1, max_size=3)


_V = re.compile(rb"<v>([^<]*)</v>")
_C_TYPE = re.compile(rb'(<c [^>]*?)(?: t="[^"]*")?(\s*/?>)')
_BOMB = (
    b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">'
    + b"".join(
        b'<!ENTITY %s "%s">' % (bytes([98 + i]), (b"&%s;" % bytes([97 + i])) * 10) for i in range(8)
    )
    + b"]><x>&i;</x>"
)


def apply_xlsx(data: bytes, mutations: Sequence[tuple[int, tuple[Any, ...]]]) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        members = {info.filename: source.read(info) for info in source.infolist()}
    names = sorted(members)
    extra: list[tuple[str, bytes]] = []
    for which, (kind, *args) in mutations:
        name = names[which % len(names)]
        if name not in members:
            continue
        body = members[name]
        if kind == "value":
            found = list(_V.finditer(body))
            if found:
                m = found[args[0] % len(found)]
                raw = args[1].encode("utf-8").replace(b"&", b"&amp;").replace(b"<", b"&lt;")
                body = body[: m.start(1)] + raw + body[m.end(1) :]
        elif kind == "type":
            found = list(_C_TYPE.finditer(body))
            if found:
                m = found[args[0] % len(found)]
                body = (
                    body[: m.start()]
                    + m.group(1)
                    + b" "
                    + args[1].encode()
                    + m.group(2)
                    + body[m.end() :]
                )
        elif kind == "formula":
            found = list(_V.finditer(body))
            if found:
                m = found[args[0] % len(found)]
                body = body[: m.start()] + b"<f>" + args[1].encode() + b"</f>" + body[m.start() :]
        elif kind == "member":
            (what,) = args
            if what == "delete":
                del members[name]
                continue
            body = {
                "garbage": b"\x00\xff<<not xml",
                "bomb": _BOMB,
                "deep": b"<x>" + b"<a>" * 100_000 + b"</a>" * 100_000 + b"</x>",
                "empty": b"",
                "double": body,
            }[what]
            if what == "double":
                extra.append((name, body))
        members[name] = body
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name, body in members.items():
            target.writestr(name, body)
        for name, body in extra:  # a second member of one name
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # zipfile's "Duplicate name": that is the point
                with target.open(zipfile.ZipInfo(name), "w") as stream:
                    stream.write(body)
    return out.getvalue()


# --- CSV tables ---------------------------------------------------------------------------------

ENCODINGS = ("utf-8", "utf-8-sig", "utf-16", "utf-16-le", "latin-1", "cp1252", "utf-32")


def table_mutations(columns: int, rows: int) -> st.SearchStrategy[list[tuple[Any, ...]]]:
    """Edits of a table's cells, rows and columns (the header row is row 0)."""
    cell = st.tuples(
        st.just("cell"), st.integers(0, rows), st.integers(0, columns + 1), CELL_VALUES
    )
    row = st.tuples(
        st.sampled_from(("delete row", "double row", "blank row")), st.integers(0, rows)
    )
    wide = st.tuples(st.just("wide row"), st.integers(0, rows), st.integers(0, 400))
    long_cell = st.tuples(
        st.just("cell"), st.integers(0, rows), st.integers(0, columns), st.just("w " * 60_000)
    )
    return st.lists(st.one_of(cell, cell, cell, row, wide, long_cell), min_size=1, max_size=5)


def apply_table(table: list[list[Any]], mutations: Sequence[tuple[Any, ...]]) -> list[list[Any]]:
    rows = [list(r) for r in table]
    for kind, *args in mutations:
        if not rows:
            rows = [[]]
        i = args[0] % len(rows)
        if kind == "cell":
            _, column, value = args
            row = rows[i]
            row.extend([""] * (column + 1 - len(row)))
            row[column] = value
        elif kind == "delete row":
            del rows[i]
        elif kind == "double row":
            rows.insert(i, list(rows[i]))
        elif kind == "blank row":
            rows.insert(i, [])
        elif kind == "wide row":
            rows[i] = rows[i] + [""] * args[1] + ["x"]
    return rows


def csv_bytes(rows: list[list[Any]], encoding: str, junk: bytes) -> bytes:
    import csv

    text = io.StringIO(newline="")
    csv.writer(text).writerows(["" if v is None else str(v) for v in row] for row in rows)
    try:
        data = text.getvalue().encode(encoding)
    except UnicodeEncodeError:
        data = text.getvalue().encode(encoding, errors="replace")
    return data + junk
