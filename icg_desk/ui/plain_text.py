"""Untrusted text shown as typed: the one helper every tooltip in the window goes through.

Candidate codes, names, entry titles, rationales, evidence quotes, video labels, file names and
a batch's rubric text are untrusted. Labels showing them are `Qt.TextFormat.PlainText`, item
views paint their DisplayRole as plain text, but Qt guesses whether a tooltip (or What's This
text) is rich text with `Qt.mightBeRichText`: "<img src=x>" in a candidate code would be an
image Qt tries to load. `plain_tip` escapes the text into rich text that shows exactly it.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import Qt as GuiQt


def mnemonic_free(text: str) -> str:
    """`text` for a widget that takes "&" as a mnemonic (a tab, a button, a label with a buddy),
    so that it shows as typed: "Q&A" would otherwise show "QA" with an underlined A."""
    return text.replace("&", "&&")


def plain_tip(text: str) -> str:
    """A tooltip (or What's This text) that shows `text` literally; "" stays "" (no tooltip)."""
    if not text:
        return ""
    return GuiQt.convertFromPlainText(text, Qt.WhiteSpaceMode.WhiteSpaceNormal)
