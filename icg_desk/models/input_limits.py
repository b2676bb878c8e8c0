"""How much ICG Desk reads of a file it is given: every input limit in one place, with its reason.

A coordinator's national cohort is about 10,000 candidates, each with two entries of a few
thousand words; a scorer's batch holds a few hundred portfolios. Each limit below is set well
above what such a cohort needs, and far below what would take minutes or gigabytes to read: a
file past one is refused before it is parsed, with a message naming the file, the limit and
what was found. Zip-based files (.xlsx, .docx) are judged by their central directory (sizes and
counts, read by `zipfile` without extracting anything) before any library parses them; what a
library then decompresses is bounded by those same declared sizes (`zipfile` stops each member at
its declared size).

Also here: opening a file to read only if it is a regular file (never a pipe, device or folder,
which could block or never end), optionally refusing a symbolic link. Nothing here knows what the
files mean; `formats` and `models.rubric_file` apply the limits. Every refusal is an
`InputRefused` whose text is the problem alone: the caller names the file its own way.
"""

from __future__ import annotations

import errno
import os
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

MB = 1_000_000  # decimal megabytes: what a file manager shows


@dataclass(frozen=True)
class ZipLimits:
    """What a zip-based file (.xlsx, .docx) may be, judged from its central directory."""

    kind: str  # "a roster workbook": for the messages
    max_bytes: int  # the file itself
    max_uncompressed: int  # all members together, as the central directory declares them
    max_members: int
    max_ratio: int  # uncompressed : compressed, for members above RATIO_GRACE


# A member this small may compress at any ratio (a sheet of empty styled cells, an XML header):
# it cannot grow into a bomb. Above it, no member may inflate more than the kind's max_ratio.
RATIO_GRACE = 1 * MB

# Rosters and scorer sheets (.csv, .xlsx). 10,000 candidates at about 500 bytes a row is 5 MB
# of CSV; 50 MB is ten times that. Rows: a national cohort is 10,000; 100,000 rows (blank rows
# of a workbook included) is ten times it, and reading them stays within seconds.
ROSTER_MAX_BYTES = 50 * MB
ROSTER_MAX_ROWS = 100_000
# A row is a person: about ten columns, a few hundred characters (video links included). A CSV
# line is read to at most 100,000 characters and a row may have 200 cells (a workbook is read
# no further right): a file of nothing but commas would otherwise become one row of millions of
# cells, and a sheet whose dimension says XFD a million cells a row, gigabytes in memory.
ROSTER_MAX_LINE_CHARS = 100_000
ROSTER_MAX_CELLS = 200
# A 10,000-row sheet is about 10 MB of XML; shared strings are read whole by openpyxl, so the
# uncompressed total bounds its memory. Sheet XML compresses 5-20 times; a bomb, ~1000 times.
ROSTER_ZIP = ZipLimits("a roster workbook", ROSTER_MAX_BYTES, 200 * MB, 1_000, 100)

# Entry documents. A few thousand words is 20-40 KB of text; 5 MB is a hundred times that (the
# rubric's word limit then decides). A .docx may carry photographs, which python-docx loads
# whole: 50 MB on disk, 200 MB unpacked. Images do not compress; document XML 5-20 times.
DOCUMENT_TEXT_MAX_BYTES = 5 * MB
DOCUMENT_DOCX = ZipLimits("a Word document", 50 * MB, 200 * MB, 5_000, 100)

# A scorer's summary workbook: one row per portfolio of a batch (a few hundred), written by
# ICG Desk. 10,000 rows is a whole national cohort in one batch.
SUMMARY_ZIP = ZipLimits("a summary workbook", 20 * MB, 100 * MB, 200, 100)
SUMMARY_MAX_ROWS = 10_000

# A returned file (batch or summary) is hashed whole before it is judged. A batch of 1,000
# portfolios with two entries of 5,000 words is about 100 MB; 1 GB is ten times that.
RETURNED_MAX_BYTES = 1_000 * MB

# Rubric files (TOML, and the copy a batch or cohort carries). The built-in ones are 15 KB.
# Nesting: a rubric's deepest value is three levels down (scale.values[0].label); 32 leaves room
# and stays far below Python's recursion limit, which tomllib would otherwise hit.
RUBRIC_MAX_BYTES = 1 * MB
RUBRIC_MAX_DEPTH = 32


class InputRefused(ValueError):
    """A file ICG Desk will not read; the text is the problem only: the caller names the file."""


def size_text(size: int) -> str:
    """ "12.3 MB" (decimal, as file managers show it), or "812 bytes"."""
    if size < MB:
        return f"{size:,} bytes" if size < 10_000 else f"{size / 1000:,.0f} KB"
    return f"{size // MB:,} MB" if size % MB == 0 else f"{size / MB:,.1f} MB"


def too_big(size: int, limit: int, kind: str) -> InputRefused:
    found, most = size_text(size), size_text(limit)
    if f"{size / MB:.1f}" == f"{limit / MB:.1f}":  # just over: rounding would hide by how much
        found, most = f"{size:,} bytes", f"{most} ({limit:,} bytes)"
    return InputRefused(f"is {found}; {kind} may be at most {most}")


def too_many_rows(limit: int, kind: str) -> InputRefused:
    return InputRefused(f"has more than {limit:,} rows; {kind} may have at most {limit:,}")


def open_regular(path: Path, *, follow_symlinks: bool = True) -> BinaryIO:
    """`path` opened for reading in binary, if it is a regular file; InputRefused if not.

    A pipe, device or socket is refused (a folder: IsADirectoryError) without blocking: opened
    non-blocking, judged by the open handle's own status, so nothing can be swapped in between.
    Without `follow_symlinks` a symbolic link is refused too, and never followed. OSError when
    the file cannot be opened at all (missing, permissions).
    """
    if not follow_symlinks and os.path.islink(path):
        raise InputRefused("is a symbolic link; only files themselves are read")
    flags = os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_NONBLOCK", 0)
    if not follow_symlinks:
        flags |= getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags)
    except OSError:
        if not follow_symlinks and os.path.islink(path):  # swapped in after the check above
            raise InputRefused("is a symbolic link; only files themselves are read") from None
        raise  # missing, permissions, a folder on Windows: the system's own words
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):  # as reading a folder fails anywhere: an OSError
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(path))
        if not stat.S_ISREG(mode):
            raise InputRefused("is a pipe, device or other special file, not a regular file")
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_limited(stream: BinaryIO, limit: int, kind: str) -> bytes:
    """All of `stream`, or InputRefused when it holds more than `limit` bytes (never read past)."""
    size = os.fstat(stream.fileno()).st_size
    if size > limit:  # said before reading any of it
        raise too_big(size, limit, kind)
    data = stream.read(limit + 1)  # the size may grow meanwhile, or not be known (/proc)
    if len(data) > limit:
        raise too_big(max(size, len(data)), limit, kind)
    return data


def check_zip(file: Path | BinaryIO, limits: ZipLimits) -> None:
    """InputRefused unless the zip's central directory is within `limits`; nothing is extracted.

    A file that is not a zip at all passes (the parser says what it is); `zipfile` reads only
    the directory at the end of the file here.
    """
    try:
        with zipfile.ZipFile(file) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, EOFError, ValueError, NotImplementedError):
        return
    if len(members) > limits.max_members:
        raise InputRefused(
            f"holds {len(members):,} parts; {limits.kind} may hold at most {limits.max_members:,}"
        )
    total = sum(m.file_size for m in members)
    if total > limits.max_uncompressed:
        raise InputRefused(
            f"unpacks to {size_text(total)}; {limits.kind} may unpack to at most "
            f"{size_text(limits.max_uncompressed)}"
        )
    for m in members:
        if m.file_size > RATIO_GRACE and m.file_size > limits.max_ratio * max(m.compress_size, 1):
            ratio = m.file_size // max(m.compress_size, 1)
            raise InputRefused(
                f"its part {m.filename!r} is compressed {ratio:,} to 1 ({size_text(m.file_size)} "
                f"unpacked); {limits.kind} may be compressed at most {limits.max_ratio} to 1, "
                "more is the mark of a zip bomb"
            )
