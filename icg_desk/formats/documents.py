"""Entry documents as a file format: one document per entry, .docx, .txt or .md.

Named `<candidate id>_entry<N>` (or `-entry<N>`) in the documents folder given to the roster
import; docs/roster-format.md describes them. Only ever read, and only when each is a regular
file in the folder itself: a symbolic link (to a system file, to /proc/self/environ, to another
folder), a pipe or a device named like a document is refused by name, never followed or opened
for reading, and so is a documents folder that is itself a link. Sizes are bounded
(`models.input_limits`): a .txt or .md by its bytes, a .docx by its central directory (size,
parts, compression ratio) before python-docx parses it, from the very bytes checked.
"""

from __future__ import annotations

import io
import os
import posixpath
import re
import stat
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from icg_desk.models.input_limits import (
    DOCUMENT_DOCX,
    DOCUMENT_TEXT_MAX_BYTES,
    InputRefused,
    check_zip,
    open_regular,
    read_limited,
)
from icg_desk.models.roster import EntryDocuments

DOCUMENT_SUFFIXES = (".docx", ".txt", ".md")
_DOCUMENT_NAME = re.compile(r"^(?P<id>.+?)[_-]entry(?P<number>[0-9]{1,3})$", re.IGNORECASE)


# --- finding and reading ---------------------------------------------------------------


def find_entry_documents(folder: Path) -> EntryDocuments:
    """The documents in `folder` by candidate and entry; OSError when it cannot be listed,
    InputRefused when the folder is a symbolic link (give the folder itself)."""
    if os.path.islink(folder):
        raise InputRefused("is a symbolic link; give the documents folder itself")
    return EntryDocuments(folder, _index_documents(folder), DOCUMENT_SUFFIXES, read_document)


def _index_documents(folder: Path) -> dict[tuple[str, int], list[Path]]:
    """(casefolded candidate id, entry number) -> the files named for it.

    Everything named like a document but a real folder is listed, links and special files
    included, so that reading it refuses it by name (`read_document`) rather than the row
    saying its document is missing.
    """
    index: dict[tuple[str, int], list[Path]] = {}
    for path in sorted(folder.iterdir()):
        if path.suffix.lower() not in DOCUMENT_SUFFIXES or stat.S_ISDIR(path.lstat().st_mode):
            continue
        match = _DOCUMENT_NAME.match(path.stem)
        if match:
            key = (match["id"].casefold(), int(match["number"]))
            index.setdefault(key, []).append(path)
    return index


_NOT_WORD = "is damaged or not a Word document"
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
# Word's own separator lines between the text and its notes: not notes.
_NOT_A_NOTE = {"separator", "continuationSeparator", "continuationNotice"}


_PACKAGE_TYPES = "{http://schemas.openxmlformats.org/package/2006/content-types}"
_PACKAGE_RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
_WORD_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"


class _WordParts:
    """The parts of a .docx its text is in: the main document and its notes, found through the
    package's own content types and relationships, as python-docx finds them.

    Not `docx.Document()`: that parses every part of the package (styles, numbering, settings,
    theme, fonts...) and took 15 ms a file, three quarters of importing a national cohort; the
    text needs the document and its notes. Each part is parsed with python-docx's own parser
    (its element classes give the text exactly as python-docx does; entities never resolved).
    """

    def __init__(self, data: bytes) -> None:
        from docx.oxml.parser import parse_xml

        self._parse = parse_xml
        self._zip = zipfile.ZipFile(io.BytesIO(data))
        types = self._xml("[Content_Types].xml")
        overrides = {
            o.get("PartName", "").lstrip("/"): o.get("ContentType")
            for o in types.iterchildren(f"{_PACKAGE_TYPES}Override")
        }
        main = self._related("", "_rels/.rels", "officeDocument")
        if main is None or overrides.get(main) != _WORD_MAIN:
            raise ValueError("no Word document in the package")
        self.main = main
        self.document = self._xml(main)
        if self.document.tag != f"{_W}document":
            raise ValueError("the main part is not a Word document")

    def close(self) -> None:
        self._zip.close()

    def _xml(self, name: str) -> Any:
        return self._parse(self._zip.read(name))

    def _related(self, base: str, rels: str, kind: str) -> str | None:
        """The part name of the first internal relationship of this kind in `rels`."""
        if rels not in self._zip.namelist():
            return None
        for rel in self._xml(rels).iterchildren(f"{_PACKAGE_RELS}Relationship"):
            if rel.get("Type") == _RELATIONSHIPS + kind and rel.get("TargetMode") != "External":
                target = rel.get("Target", "")
                path = target.lstrip("/") if target.startswith("/") else base + target
                return str(posixpath.normpath(path))
        return None

    def notes(self, kind: str) -> Any | None:
        """The footnotes (or endnotes) part's root element, if the document has one."""
        folder, name = posixpath.split(self.main)
        base = f"{folder}/" if folder else ""
        part = self._related(base, f"{base}_rels/{name}.rels", f"{kind}s")
        return None if part is None else self._xml(part)


def _docx_text(data: bytes) -> str:
    """The text of a .docx in body order, then its footnotes and endnotes.

    A note's reference becomes "[1]" (an endnote's "[i]", as Word numbers them) where it stands
    in the text, and the notes follow the body under "Footnotes" and "Endnotes", in the order of
    their references. A file that is not a Word document says what it is, never the library's
    exception (`PackageNotFoundError`). `data` is the whole file, already within its limits.
    """
    try:
        from docx.oxml.text.paragraph import CT_P
        from docx.table import Table
        from docx.text.paragraph import Paragraph
    except ImportError:
        raise ValueError("cannot read Word documents: python-docx is not installed") from None
    try:
        parts = _WordParts(data)
        try:
            body = parts.document.body
            footnotes, endnotes = _notes(parts, "footnote"), _notes(parts, "endnote")
        finally:
            parts.close()
        marks = _marks(body, "footnote", footnotes, str)
        marks.update(_marks(body, "endnote", endnotes, _roman))

        def text(paragraph: Paragraph) -> str:
            return _paragraph_text(paragraph._p, marks) if marks else paragraph.text

        blocks: list[str] = []
        # Body order, so a survey table stays where the candidate put it in the text (what
        # python-docx's Document.iter_inner_content walks).
        for element in body.inner_content_elements:
            if not isinstance(element, CT_P):
                lines = []
                for table_row in Table(element, None).rows:  # type: ignore[arg-type]
                    cells: list[str] = []
                    for cell in table_row.cells:
                        cell_text = "\n".join(text(p) for p in cell.paragraphs).strip()
                        # A merged cell is returned once per grid column it spans.
                        if cell_text and (not cells or cells[-1] != cell_text):
                            cells.append(cell_text)
                    if cells:
                        lines.append(" | ".join(cells))
                blocks.append("\n".join(lines))
            else:
                blocks.append(text(Paragraph(element, None)))  # type: ignore[arg-type]
        for title, kind, notes in (
            ("Footnotes", "footnote", footnotes),
            ("Endnotes", "endnote", endnotes),
        ):
            # In the order of their marks: the order the text first refers to them.
            listed = [f"{mark} {notes[i]}".rstrip() for (k, i), mark in marks.items() if k == kind]
            if listed:
                blocks.append("\n".join([title, *listed]))
    except Exception:  # noqa: BLE001 - bad zips and bad XML fail in many library ways
        raise ValueError(_NOT_WORD + _what_it_is(data)) from None
    return "\n\n".join(b.strip() for b in blocks if b.strip())


def _notes(parts: _WordParts, kind: str) -> dict[str, str]:
    """Note id -> its text, from the document's footnotes (or endnotes) part, if it has one.

    python-docx reads no notes, so the part's XML is parsed here, with python-docx's own parser:
    entities are not resolved (an entity in a candidate's file is never expanded or fetched).
    """
    found: dict[str, str] = {}
    root = parts.notes(kind)
    if root is None:
        return found
    for note in root.iterchildren(f"{_W}{kind}"):
        if note.get(f"{_W}type") in _NOT_A_NOTE:
            continue
        paragraphs = (p.text for p in note.iter(f"{_W}p"))
        found[note.get(f"{_W}id", "")] = "\n".join(t.strip() for t in paragraphs if t.strip())
    return found


def _marks(
    body: Any, kind: str, notes: dict[str, str], number: Callable[[int], str]
) -> dict[tuple[str, str], str]:
    """(kind, note id) -> "[n]", numbered in the order the text first refers to each note."""
    marks: dict[tuple[str, str], str] = {}
    for ref in body.iter(f"{_W}{kind}Reference"):
        note_id = ref.get(f"{_W}id", "")
        if note_id in notes and (kind, note_id) not in marks:
            marks[kind, note_id] = f"[{number(len(marks) + 1)}]"
    return marks


def _paragraph_text(p: Any, marks: dict[tuple[str, str], str]) -> str:
    """A paragraph's text as python-docx gives it (`CT_P.text`), with each note's mark."""
    parts: list[str] = []
    for child in p.xpath("w:r | w:hyperlink"):
        for run in [child] if child.tag == f"{_W}r" else child.xpath("w:r"):
            parts.append(run.text)
            for ref in run.iterchildren(f"{_W}footnoteReference", f"{_W}endnoteReference"):
                kind = "footnote" if ref.tag == f"{_W}footnoteReference" else "endnote"
                parts.append(marks.get((kind, ref.get(f"{_W}id", "")), ""))
    return "".join(parts)


def _roman(n: int) -> str:
    """i, ii, iii, iv ...: how Word numbers endnotes."""
    out = []
    for value, letters in (
        (1000, "m"),
        (900, "cm"),
        (500, "d"),
        (400, "cd"),
        (100, "c"),
        (90, "xc"),
        (50, "l"),
        (40, "xl"),
        (10, "x"),
        (9, "ix"),
        (5, "v"),
        (4, "iv"),
        (1, "i"),
    ):
        count, n = divmod(n, value)
        out.append(letters * count)
    return "".join(out)


def _what_it_is(data: bytes) -> str:
    """What a file that python-docx refused is, when that can be told: the fix differs."""
    try:
        if not data:
            return " (the file is empty)"
        if not zipfile.is_zipfile(io.BytesIO(data)):
            return ""
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            types = ""
            if "[Content_Types].xml" in names:
                with archive.open("[Content_Types].xml") as f:
                    types = f.read(1_000_000).decode("utf-8", "replace")
    except (OSError, zipfile.BadZipFile, RuntimeError, NotImplementedError):
        return ""
    if "xl/workbook.xml" in names:
        return " (it is an Excel workbook)"
    if "ppt/presentation.xml" in names:
        return " (it is a PowerPoint presentation)"
    if "word/document.xml" in names and ("macroEnabled" in types or "template" in types):
        return " (a Word template or macro-enabled file: save it as a Word document, .docx)"
    if "[Content_Types].xml" not in names:
        return " (it is a zip archive of other files)"
    return ""


def read_document(path: Path) -> str:
    """A document's plain text; ValueError or OSError says why it cannot be read.

    Only a regular file is read (InputRefused, a ValueError, for a link, pipe or device), and
    only within the limits of `models.input_limits`.
    """
    is_docx = path.suffix.lower() == ".docx"
    with open_regular(path, follow_symlinks=False) as stream:
        if is_docx:
            data = read_limited(stream, DOCUMENT_DOCX.max_bytes, DOCUMENT_DOCX.kind)
        else:
            data = read_limited(stream, DOCUMENT_TEXT_MAX_BYTES, "a text document")
    if is_docx:
        check_zip(io.BytesIO(data), DOCUMENT_DOCX)
        return _docx_text(data)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValueError("is not UTF-8 text") from None
    return text.replace("\r\n", "\n").replace("\r", "\n")
