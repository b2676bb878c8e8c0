"""File names made from what people type: names, cohort names, scorer ids, candidate codes.

The one rule for every file ICG Desk names itself: a name never becomes a path, is never a name
Windows reserves, has no leading dot (hidden) or trailing dot or space (dropped by Windows), and
fits the file system. Batch files and per-code reports keep to plain ASCII (`ascii_only`): they
travel by e-mail and USB stick between machines; reports named for people keep their letters.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from icg_desk.models.batch_file import BATCH_SUFFIX

# Windows refuses these in a file name; "/" and NUL everywhere.
_FORBIDDEN = re.compile(r'[<>:"/\\|?*]+')
_NOT_ASCII_SAFE = re.compile(r"[^A-Za-z0-9._-]+")
_SPACES = re.compile(r"\s+")
# Names Windows reserves in every folder, whatever the extension.
_RESERVED = frozenset(
    {
        "CON",
        "PRN",
        "AUX",
        "NUL",
        *(f"COM{n}" for n in range(1, 10)),
        *(f"LPT{n}" for n in range(1, 10)),
    }
)
# Bytes, not characters: ext4 and most others allow 255 bytes per name, and the whole path on
# Windows is 260 characters unless long paths are enabled; leave room for the folder.
STEM_BYTES = 120


def _readable(text: str) -> str:
    # Keeps letters of every script (a coordinator looks for "Zoë", not "Zo_"); drops control
    # and format characters (a right-to-left override could make "exe.pdf" look like "pdf.exe").
    kept = []
    for ch in unicodedata.normalize("NFC", text):
        category = unicodedata.category(ch)
        if category in ("Zs", "Zl", "Zp") or ch in "\t\n\r\f\v":
            kept.append(" ")
        elif category[0] != "C":  # Cc, Cf, Cs, Co, Cn
            kept.append(ch)
    return _SPACES.sub(" ", _FORBIDDEN.sub("_", "".join(kept))).strip()


def safe_stem(
    text: str,
    *,
    fallback: str = "candidate",
    ascii_only: bool = False,
    max_bytes: int = STEM_BYTES,
) -> str:
    """A file name (without its extension) that every common file system accepts.

    With `ascii_only`, anything but letters, digits, `.`, `_` and `-` becomes `_`. Never empty
    (`fallback`), never longer than `max_bytes` in UTF-8, never a device name such as CON.
    """
    stem = _NOT_ASCII_SAFE.sub("_", str(text)).strip("._") if ascii_only else _readable(str(text))
    while len(stem.encode("utf-8")) > max_bytes:
        stem = stem[:-1]
    stem = stem.lstrip(".").rstrip(". ")
    if not stem:
        return fallback
    if stem.split(".")[0].strip().upper() in _RESERVED:
        stem = f"_{stem}"
    return stem


def batch_file_name(cohort_name: str, scorer_id: str, number: int = 1) -> str:
    """The file a scorer's batch is sent as: `<cohort>-<scorer id>.icgbatch` for their first,
    `<cohort>-<scorer id>-batch<N>.icgbatch` for their Nth, made safe.

    A later round (reads assigned after the first batches went out) never takes the name of the
    scorer's earlier batch, which may still be open on the scorer's laptop or in the same folder.
    """
    if number < 1:
        raise ValueError(f"a batch number starts at 1, not {number}")
    stem = f"{cohort_name}-{scorer_id}" + ("" if number == 1 else f"-batch{number}")
    return safe_stem(stem, fallback="batch", ascii_only=True) + BATCH_SUFFIX


def sent_batch_stem(cohort_name: str, scorer_id: str, day: date) -> str:
    """What a scorer's files sent back are named by: `<cohort> <scorer id> <date>`, such as
    "2026-27 S-017 2026-12-07"; each part plain ASCII, as the batch file's own name is."""
    cohort = safe_stem(cohort_name, fallback="cohort", ascii_only=True, max_bytes=60)
    scorer = safe_stem(scorer_id, fallback="scorer", ascii_only=True, max_bytes=40)
    return f"{cohort} {scorer} {day.isoformat()}"


def free_names(folder: Path, stem: str, endings: Sequence[str]) -> list[Path]:
    """`folder/<stem><ending>` for each ending, numbered together ("<stem> (2)<ending>", ...)
    until none of them is taken: files written as a set never overwrite one of another set.

    Compared as Windows and macOS compare names (without case), wherever it runs.
    """
    taken = {p.name.casefold() for p in folder.iterdir()} if folder.is_dir() else set()
    name, n = stem, 1
    while any(f"{name}{ending}".casefold() in taken for ending in endings):
        n += 1
        name = f"{stem} ({n})"
    return [folder / f"{name}{ending}" for ending in endings]
