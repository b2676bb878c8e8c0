"""Entry documents read for import: a damaged .docx says so plainly, and notes are kept."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import docx
import pytest
from openpyxl import Workbook

from icg_desk.formats.documents import read_document

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
FOOTNOTES_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"
ENDNOTES_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.endnotes+xml"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _ref(kind: str, note_id: int) -> str:
    return (
        f'<w:r><w:rPr><w:rStyle w:val="{kind.capitalize()}Reference"/></w:rPr>'
        f'<w:{kind}Reference w:id="{note_id}"/></w:r>'
    )


def _notes_xml(kind: str, notes: dict[int, str], doctype: str = "") -> str:
    body = "".join(
        f'<w:{kind} w:id="{i}"><w:p><w:r><w:{kind}Ref/></w:r>'
        f'<w:r><w:t xml:space="preserve"> {text}</w:t></w:r></w:p></w:{kind}>'
        for i, text in notes.items()
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>{doctype}'
        f'<w:{kind}s xmlns:w="{W_NS}">'
        f'<w:{kind} w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:{kind}>'
        f'<w:{kind} w:type="continuationSeparator" w:id="0"><w:p><w:r>'
        f"<w:continuationSeparator/></w:r></w:p></w:{kind}>{body}</w:{kind}s>"
    )


def with_notes(
    path: Path,
    *,
    footnotes: dict[int, str],
    endnotes: dict[int, str] | None = None,
    doctype: str = "",
) -> Path:
    """A .docx as Word saves one with notes (python-docx cannot add them): body text with
    references to footnotes 2 then 1 (in that order), one in a table cell, and one endnote."""
    document = docx.Document()
    document.add_paragraph("Goal set with the teacher.")
    document.add_paragraph("Data gathered weekly.")
    table = document.add_table(rows=1, cols=2)
    table.cell(0, 0).text = "Survey"
    table.cell(0, 1).text = "Ten teachers."
    document.add_paragraph("No note here.")
    plain = path.with_name("plain-" + path.name)
    document.save(str(plain))
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(path, "w") as out:
        for item in src.infolist():
            if not item.filename.endswith((".xml", ".rels")):
                out.writestr(item, src.read(item.filename))
                continue
            data = src.read(item.filename).decode("utf-8")
            if item.filename == "word/document.xml":
                data = data.replace(
                    "Goal set with the teacher.</w:t></w:r>",
                    "Goal set with the teacher.</w:t></w:r>" + _ref("footnote", 2),
                )
                data = data.replace(
                    "Data gathered weekly.</w:t></w:r>",
                    "Data gathered weekly.</w:t></w:r>"
                    + _ref("footnote", 1)
                    + (_ref("endnote", 1) if endnotes else ""),
                )
                data = data.replace(
                    "Ten teachers.</w:t></w:r>", "Ten teachers.</w:t></w:r>" + _ref("footnote", 3)
                )
            elif item.filename == "word/_rels/document.xml.rels":
                rels = f'<Relationship Id="rIdFn" Type="{REL}/footnotes" Target="footnotes.xml"/>'
                if endnotes:
                    rels += (
                        f'<Relationship Id="rIdEn" Type="{REL}/endnotes" Target="endnotes.xml"/>'
                    )
                data = data.replace("</Relationships>", rels + "</Relationships>")
            elif item.filename == "[Content_Types].xml":
                types = f'<Override PartName="/word/footnotes.xml" ContentType="{FOOTNOTES_TYPE}"/>'
                if endnotes:
                    types += (
                        f'<Override PartName="/word/endnotes.xml" ContentType="{ENDNOTES_TYPE}"/>'
                    )
                data = data.replace("</Types>", types + "</Types>")
            out.writestr(item, data)
        out.writestr("word/footnotes.xml", _notes_xml("footnote", footnotes, doctype))
        if endnotes:
            out.writestr("word/endnotes.xml", _notes_xml("endnote", endnotes))
    plain.unlink()
    return path


# --- notes -----------------------------------------------------------------------------------


def test_footnotes_and_endnotes_are_kept_where_the_text_refers_to_them(tmp_path: Path) -> None:
    path = with_notes(
        tmp_path / "1042_entry1.docx",
        footnotes={1: "Weekly walkthrough log.", 2: "Knight (2018), p. 12.", 3: "See appendix."},
        endnotes={1: "Survey wording from the district."},
    )
    assert read_document(path) == (
        "Goal set with the teacher.[1]\n\n"
        "Data gathered weekly.[2][i]\n\n"
        "Survey | Ten teachers.[3]\n\n"
        "No note here.\n\n"
        "Footnotes\n"
        "[1] Knight (2018), p. 12.\n"
        "[2] Weekly walkthrough log.\n"
        "[3] See appendix.\n\n"
        "Endnotes\n"
        "[i] Survey wording from the district."
    )


def test_a_document_without_notes_reads_as_before(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_paragraph("Only text.")
    document.save(str(tmp_path / "a.docx"))
    assert read_document(tmp_path / "a.docx") == "Only text."


def test_an_external_entity_in_a_notes_part_is_never_fetched(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-VALUE", encoding="utf-8")
    doctype = f'<!DOCTYPE w:footnotes [<!ENTITY secret SYSTEM "{secret.as_uri()}">]>'
    path = with_notes(
        tmp_path / "x.docx", footnotes={1: "&secret;", 2: "Second.", 3: "Third."}, doctype=doctype
    )
    text = read_document(path)
    assert "TOP-SECRET-VALUE" not in text
    # The note that was only the entity is empty; the others are as written.
    assert text.endswith("Footnotes\n[1] Second.\n[2]\n[3] Third.")


def test_an_entity_bomb_in_a_notes_part_is_refused_not_expanded(tmp_path: Path) -> None:
    laughs = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    doctype = f'<!DOCTYPE w:footnotes [<!ENTITY l0 "lol">{laughs}]>'
    path = with_notes(tmp_path / "x.docx", footnotes={1: "&l9;", 2: "B", 3: "C"}, doctype=doctype)
    with pytest.raises(ValueError, match="is damaged or not a Word document"):
        read_document(path)


# --- damaged or not a Word document ---------------------------------------------------------


def _empty(path: Path) -> None:
    path.write_bytes(b"")


def _random(path: Path) -> None:
    path.write_bytes(os.urandom(4096))


def _other_zip(path: Path) -> None:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("notes.txt", "hello")


def _workbook(path: Path) -> None:
    book = Workbook()
    book.active["A1"] = "Survey"
    book.save(str(path))


def _truncated(path: Path) -> None:
    document = docx.Document()
    document.add_paragraph("Cut short. " * 500)
    document.save(str(path))
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


@pytest.mark.parametrize(
    ("make", "detail"),
    [
        (_empty, " (the file is empty)"),
        (_random, ""),
        (_other_zip, " (it is a zip archive of other files)"),
        (_workbook, " (it is an Excel workbook)"),
        (_truncated, ""),
    ],
    ids=["empty", "random bytes", "other zip", "renamed xlsx", "truncated"],
)
def test_a_damaged_docx_says_so_without_the_librarys_words(tmp_path: Path, make, detail) -> None:
    path = tmp_path / "1042_entry1.docx"
    make(path)
    with pytest.raises(ValueError, match="damaged or not a Word document") as refused:
        read_document(path)
    assert str(refused.value) == "is damaged or not a Word document" + detail
    for word in ("PackageNotFound", "KeyError", "BadZip", "Error"):
        assert word not in str(refused.value)


def test_an_unreadable_docx_is_an_os_error_not_damaged(tmp_path: Path) -> None:
    folder = tmp_path / "1042_entry1.docx"
    folder.mkdir()  # a folder named like a document
    with pytest.raises((IsADirectoryError, PermissionError)):  # Windows says the second
        read_document(folder)
