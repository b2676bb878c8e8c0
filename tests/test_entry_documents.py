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


# --- the lean reader says what python-docx's Document() says ----------------------------------


def _as_python_docx_reads_it(path: Path) -> str:
    """The body text as python-docx's whole-package `Document()` gives it: the reader before it
    learnt to open only the parts the text is in (no notes here; they have their own tests)."""
    from docx.table import Table

    blocks = []
    for block in docx.Document(str(path)).iter_inner_content():
        if isinstance(block, Table):
            lines = []
            for row in block.rows:
                cells: list[str] = []
                for cell in row.cells:
                    text = "\n".join(p.text for p in cell.paragraphs).strip()
                    if text and (not cells or cells[-1] != text):
                        cells.append(text)
                if cells:
                    lines.append(" | ".join(cells))
            blocks.append("\n".join(lines))
        else:
            blocks.append(block.text)
    return "\n\n".join(b.strip() for b in blocks if b.strip())


def _rich_document(path: Path) -> Path:
    """Headings, runs in several styles, tabs and line breaks, a list, a table with a merged
    cell, a page break, a hyperlink and tracked changes (an insertion and a deletion)."""
    document = docx.Document()
    document.add_heading("Entry 1: The Impact Cycle", level=1)
    paragraph = document.add_paragraph("Identify: ")
    paragraph.add_run("bold words").bold = True
    paragraph.add_run("\tafter a tab")
    paragraph.add_run().add_break()
    paragraph.add_run("after a line break, and & < > \" ' as typed")
    for item in ("first step", "second step"):
        document.add_paragraph(item, style="List Bullet")
    table = document.add_table(rows=2, cols=3)
    table.cell(0, 0).merge(table.cell(0, 1)).text = "Merged across"
    table.cell(0, 2).text = "Right"
    table.cell(1, 0).text = "A"
    table.cell(1, 2).text = "C"
    document.add_page_break()
    document.add_paragraph("Link: ")
    document.add_paragraph("Tracked: kept")
    document.add_paragraph("Ünïcödé — “quotes” 数学")
    plain = path.with_name("plain-" + path.name)
    document.save(str(plain))
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(path, "w") as out:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "word/document.xml":
                xml = data.decode("utf-8")
                xml = xml.replace(
                    "Link: </w:t></w:r>",
                    'Link: </w:t></w:r><w:hyperlink w:anchor="x"><w:r><w:t>the clip</w:t>'
                    "</w:r></w:hyperlink>",
                )
                xml = xml.replace(
                    "Tracked: kept</w:t></w:r>",
                    'Tracked: kept</w:t></w:r><w:ins w:id="1" w:author="A"><w:r>'
                    '<w:t> inserted</w:t></w:r></w:ins><w:del w:id="2" w:author="A"><w:r>'
                    "<w:delText> deleted</w:delText></w:r></w:del>",
                )
                data = xml.encode("utf-8")
            out.writestr(item, data)
    plain.unlink()
    return path


def test_the_text_is_what_python_docx_reads_from_the_whole_package(tmp_path: Path) -> None:
    path = _rich_document(tmp_path / "1042_entry1.docx")
    expected = _as_python_docx_reads_it(path)
    assert "Merged across | Right" in expected  # the document is what it says it is
    assert "the clip" in expected
    assert read_document(path) == expected


def test_a_word_template_or_macro_file_is_refused_as_python_docx_refuses_it(
    tmp_path: Path,
) -> None:
    path = _rich_document(tmp_path / "source.docx")
    template = tmp_path / "1042_entry1.docx"
    main = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
    dotx = "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(template, "w") as out:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "[Content_Types].xml":
                data = data.replace(main.encode(), dotx.encode())
            out.writestr(item, data)
    with pytest.raises(ValueError, match="is not a Word file"):
        docx.Document(str(template))
    with pytest.raises(ValueError, match="damaged or not a Word document") as refused:
        read_document(template)
    assert "Word template or macro-enabled file" in str(refused.value)


FIXTURES = Path(__file__).with_name("fixtures")


def test_a_docx_saved_by_libreoffice_reads_with_its_table_and_footnote(tmp_path: Path) -> None:
    """fixtures/libreoffice-entry2.docx is LibreOffice 7's own .docx of libreoffice-entry2.fodt
    (`soffice --headless --convert-to docx`): its package names and relationships are not
    python-docx's, and its footnotes are LibreOffice's."""
    path = tmp_path / "1042_entry2.docx"
    path.write_bytes((FIXTURES / "libreoffice-entry2.docx").read_bytes())
    assert read_document(path) == (
        "Entry 2: Partnership\n\n"
        "The coach met the teacher weekly.[1] Goals were set together.\n\n"
        "Question | Agree\nThe coach listens | 9 of 10\n\n"
        "Ünïcödé — “quotes” & <tags> as typed.\n\n"
        "Footnotes\n[1] Meeting notes are in the appendix."
    )
    # The body as python-docx's whole-package reading gives it (which knows no notes).
    body = read_document(path).split("\n\nFootnotes")[0].replace("[1]", "")
    assert body == _as_python_docx_reads_it(path)
