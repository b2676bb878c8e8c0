"""Entry documents as a file format: one document per entry, .docx, .txt or .md.

Named `<candidate id>_entry<N>` (or `-entry<N>`) in the documents folder given to the roster
import; docs/roster-format.md describes them. Only ever read.
"""

from __future__ import annotations

import re
from pathlib import Path

from icg_desk.models.roster import EntryDocuments

DOCUMENT_SUFFIXES = (".docx", ".txt", ".md")
_DOCUMENT_NAME = re.compile(r"^(?P<id>.+?)[_-]entry(?P<number>[0-9]{1,3})$", re.IGNORECASE)


# --- finding and reading ---------------------------------------------------------------


def find_entry_documents(folder: Path) -> EntryDocuments:
    """The documents in `folder` by candidate and entry; OSError when it cannot be listed."""
    return EntryDocuments(folder, _index_documents(folder), DOCUMENT_SUFFIXES, read_document)


def _index_documents(folder: Path) -> dict[tuple[str, int], list[Path]]:
    """(casefolded candidate id, entry number) -> the document files named for it."""
    index: dict[tuple[str, int], list[Path]] = {}
    for path in sorted(folder.iterdir()):
        if path.suffix.lower() not in DOCUMENT_SUFFIXES or not path.is_file():
            continue
        match = _DOCUMENT_NAME.match(path.stem)
        if match:
            key = (match["id"].casefold(), int(match["number"]))
            index.setdefault(key, []).append(path)
    return index


def _docx_text(path: Path) -> str:
    try:
        import docx
        from docx.table import Table
    except ImportError:
        raise ValueError("cannot read Word documents: python-docx is not installed") from None
    try:
        document = docx.Document(str(path))
        blocks: list[str] = []
        # Body order, so a survey table stays where the candidate put it in the text.
        for block in document.iter_inner_content():
            if isinstance(block, Table):
                lines = []
                for table_row in block.rows:
                    cells: list[str] = []
                    for cell in table_row.cells:
                        text = cell.text.strip()
                        # A merged cell is returned once per grid column it spans.
                        if text and (not cells or cells[-1] != text):
                            cells.append(text)
                    if cells:
                        lines.append(" | ".join(cells))
                blocks.append("\n".join(lines))
            else:
                blocks.append(block.text)
    except Exception as exc:  # noqa: BLE001 - bad zips and bad XML fail in many library ways
        raise ValueError(f"is not a readable Word document ({type(exc).__name__})") from None
    return "\n\n".join(b.strip() for b in blocks if b.strip())


def read_document(path: Path) -> str:
    """A document's plain text; ValueError or OSError says why it cannot be read."""
    if path.suffix.lower() == ".docx":
        return _docx_text(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValueError("is not UTF-8 text") from None
    return text.replace("\r\n", "\n").replace("\r", "\n")
