"""Every colour ICG Desk draws with, by what it is for, in one place: the light, dark and
high-contrast palettes.

Colours used to be hex codes spread over ten modules' stylesheets and table models, so a dark
theme would have meant finding them all, and nothing checked that text stayed readable. Here each
colour is a role in the app's own words (certified, waiting, find highlight...), a stylesheet is
a function of a Palette, and a test holds every text role to WCAG's 4.5:1 against the
background it is drawn on (TEXT_ON_BACKGROUND) in every palette. LIGHT is the old look with its
four greys and the amber that fell short (3.1:1 at worst) darkened just enough to pass.

Pure Python, no Qt: colours are "#rrggbb" strings, turned into QColor where they are used.
"""

from __future__ import annotations

from dataclasses import dataclass, fields


@dataclass(frozen=True)
class Palette:
    name: str

    # Surfaces, from the window back to the controls on it.
    background: str  # the window, the rubric column, dialogs, table headers
    surface: str  # cards, the summary bar, the cohort header, tables, line edits
    alternate_surface: str  # every other row of a table
    band: str  # neutral badges (a decision so far), group headings, grid lines
    quote_surface: str  # an evidence passage quoted on a card
    control: str  # a score button
    control_disabled: str  # a score button on a locked portfolio
    control_pressed: str  # a start-page button held down
    track: str  # the empty part of a progress bar

    # Lines.
    border: str  # around cards and tables, under headers, rules
    control_border: str  # around buttons
    focus: str  # the focus ring of a start-page button

    # Text, strongest first.
    text: str  # titles, scores, figures, table text we colour ourselves
    body_text: str  # look-for prompts, score button labels
    secondary_text: str  # a neutral decision, evidence quotes, reasons, intros
    muted_text: str  # captions, hints, headers, "incomplete", "unchanged"
    pending: str  # a portfolio not started, an overall that is only "so far"
    disabled_text: str  # a score that cannot be chosen now, a level not yet scored

    # The accent: as text or a line on a surface, and as a fill with text on it.
    accent: str  # a card's score, the current card's border, a replaced file
    accent_fill: str  # the chosen score, the start page's default button
    accent_fill_hover: str
    accent_fill_pressed: str
    accent_fill_disabled: str  # the chosen score on a locked portfolio
    accent_text: str  # text on any accent fill
    selection: str  # selected rows and text
    selection_text: str

    # What a result or a state is.
    certified: str  # also: a complete portfolio's lock, released results, an accepted file
    certified_surface: str
    not_certified: str  # also: a retake
    not_certified_surface: str
    error: str  # below a floor, a rejected file, an invalid score, a problem in a dialog
    warning: str  # a change across a threshold, a score below the floor, over the word limit
    warning_surface: str
    over_limit_surface: str  # an entry over its word limit
    waiting: str  # reads still out with a scorer, discrepant factors
    in_progress: str  # a portfolio part-scored
    complete: str  # a portfolio complete
    progress_fill: str  # the done part of a progress bar; returned reads
    sent_fill: str  # reads sent to a scorer, not yet back

    # Find in the entry text: the highlight sets its own text colour, so it reads on any theme.
    find_highlight: str
    find_current: str  # the match being looked at
    find_text: str

    # True would leave the text colour of plain widgets (menus, buttons, lists, the entry text)
    # to the platform. No palette does: with a dark system palette under LIGHT's white surfaces
    # that gave white text on white (issue 13), so every palette sets every Qt colour role.
    platform_text: bool = False


# (text role, background role) for every pair the app draws: held to 4.5:1 by the tests.
TEXT_ON_BACKGROUND: tuple[tuple[str, str], ...] = (
    ("text", "surface"),
    ("text", "background"),
    ("text", "alternate_surface"),
    ("text", "band"),
    ("text", "control_pressed"),
    ("body_text", "surface"),
    ("body_text", "control"),
    ("secondary_text", "background"),
    ("secondary_text", "band"),
    ("secondary_text", "quote_surface"),
    ("muted_text", "surface"),
    ("muted_text", "background"),
    ("muted_text", "alternate_surface"),
    ("pending", "surface"),
    ("pending", "alternate_surface"),
    ("disabled_text", "control_disabled"),
    ("disabled_text", "background"),
    ("accent", "surface"),
    ("accent", "alternate_surface"),
    ("accent_text", "accent_fill"),
    ("accent_text", "accent_fill_hover"),
    ("accent_text", "accent_fill_pressed"),
    ("accent_text", "accent_fill_disabled"),
    ("selection_text", "selection"),
    ("certified", "certified_surface"),
    ("certified", "surface"),
    ("certified", "alternate_surface"),
    ("not_certified", "not_certified_surface"),
    ("not_certified", "surface"),
    ("not_certified", "alternate_surface"),
    ("error", "surface"),
    ("error", "alternate_surface"),
    ("error", "background"),
    ("warning", "warning_surface"),
    ("warning", "over_limit_surface"),
    ("waiting", "surface"),
    ("waiting", "alternate_surface"),
    ("in_progress", "surface"),
    ("in_progress", "alternate_surface"),
    ("complete", "surface"),
    ("complete", "alternate_surface"),
    ("find_text", "find_highlight"),
    ("find_text", "find_current"),
)

# Roles never drawn as text nor behind text: lines and bar fills.
NOT_TEXT_ROLES = frozenset(
    {"border", "control_border", "focus", "track", "progress_fill", "sent_fill"}
)


LIGHT = Palette(
    name="light",
    background="#f4f5f7",
    surface="#ffffff",
    alternate_surface="#f7f8fa",
    band="#eef0f3",
    quote_surface="#f6f8fb",
    control="#fbfbfc",
    control_disabled="#f1f2f4",
    control_pressed="#e3e6ea",
    track="#e3e6ea",
    border="#dcdfe4",
    control_border="#c9ced6",
    focus="#7fa3c7",
    text="#1f2933",
    body_text="#27313c",
    secondary_text="#3c4653",
    muted_text="#5f6b7a",
    pending="#6b7079",
    disabled_text="#676e78",
    accent="#2f5d8a",
    accent_fill="#2f5d8a",
    accent_fill_hover="#284f76",
    accent_fill_pressed="#22445f",
    accent_fill_disabled="#5a7896",
    accent_text="#ffffff",
    selection="#2f5d8a",
    selection_text="#ffffff",
    certified="#1e5e24",
    certified_surface="#e3f1e4",
    not_certified="#8c1d18",
    not_certified_surface="#fbe9e7",
    error="#b3261e",
    warning="#7a4a00",
    warning_surface="#fff4d6",
    over_limit_surface="#fdf0d3",
    waiting="#9a5b00",
    in_progress="#a05f00",
    complete="#2e7d32",
    progress_fill="#2e7d32",
    sent_fill="#a9bccf",
    find_highlight="#fff1a6",
    find_current="#ffb940",
    find_text="#1d1d1d",
)

# Slate greys, not black: long reading on pure black tires the eyes. Result colours are the
# light ones' hues, lightened until they read on the dark surfaces.
DARK = Palette(
    name="dark",
    background="#1b1f24",
    surface="#23282e",
    alternate_surface="#2a3037",
    band="#323941",
    quote_surface="#283039",
    control="#2b3138",
    control_disabled="#262b31",
    control_pressed="#3a424c",
    track="#3a414a",
    border="#3b434d",
    control_border="#525c68",
    focus="#7fb0e0",
    text="#e8ebef",
    body_text="#d8dde3",
    secondary_text="#c4cbd3",
    muted_text="#a7b1bc",
    pending="#a0a7b0",
    disabled_text="#959ea8",
    accent="#8cbcec",
    accent_fill="#3a6d9e",
    accent_fill_hover="#33618d",
    accent_fill_pressed="#2b5379",
    accent_fill_disabled="#3f5366",
    accent_text="#ffffff",
    selection="#3a6d9e",
    selection_text="#ffffff",
    certified="#86d391",
    certified_surface="#1d3a24",
    not_certified="#f4a29b",
    not_certified_surface="#47211f",
    error="#ff9c94",
    warning="#f2c46d",
    warning_surface="#3d3116",
    over_limit_surface="#40321a",
    waiting="#efb56b",
    in_progress="#f0b45a",
    complete="#86d391",
    progress_fill="#4caf50",
    sent_fill="#5f7890",
    find_highlight="#fff1a6",
    find_current="#ffb940",
    find_text="#1d1d1d",
)

# White on black, yellow for the accent and focus, as the high-contrast themes of Windows and
# GNOME do; every text role at 7:1 or more, badges told apart by their text colour.
HIGH_CONTRAST = Palette(
    name="high-contrast",
    background="#000000",
    surface="#000000",
    alternate_surface="#141414",
    band="#1f1f1f",
    quote_surface="#0f0f0f",
    control="#000000",
    control_disabled="#000000",
    control_pressed="#333333",
    track="#3d3d3d",
    border="#ffffff",
    control_border="#ffffff",
    focus="#ffff00",
    text="#ffffff",
    body_text="#ffffff",
    secondary_text="#ffffff",
    muted_text="#e6e6e6",
    pending="#d9d9d9",
    disabled_text="#bfbfbf",
    accent="#ffff00",
    accent_fill="#ffff00",
    accent_fill_hover="#ffff80",
    accent_fill_pressed="#e6e600",
    accent_fill_disabled="#a6a600",
    accent_text="#000000",
    selection="#1aebff",
    selection_text="#000000",
    certified="#7dff8a",
    certified_surface="#002b08",
    not_certified="#ff9e9e",
    not_certified_surface="#330000",
    error="#ff8f8f",
    warning="#ffd23f",
    warning_surface="#2b2100",
    over_limit_surface="#2b2100",
    waiting="#ffc266",
    in_progress="#ffc266",
    complete="#7dff8a",
    progress_fill="#7dff8a",
    sent_fill="#80bfff",
    find_highlight="#ffff00",
    find_current="#ff9900",
    find_text="#000000",
)

PALETTES = (LIGHT, DARK, HIGH_CONTRAST)


# What View > Theme offers, by the name remembered in the settings: "system" follows the
# platform's colour scheme (dark -> DARK, anything else -> LIGHT).
SYSTEM = "system"
THEMES = (SYSTEM, LIGHT.name, DARK.name, HIGH_CONTRAST.name)

_current = [LIGHT]


def current() -> Palette:
    """The palette the app draws with now: LIGHT until a theme is applied (ui/style.py)."""
    return _current[0]


def set_current(palette: Palette) -> None:
    """Only `style.Appearance` calls this, as it re-applies the stylesheets."""
    _current[0] = palette


def by_name(name: str) -> Palette:
    """The palette called `name`; LIGHT for any other name."""
    return next((p for p in PALETTES if p.name == name), LIGHT)


def colour_roles() -> tuple[str, ...]:
    """Every colour field of a Palette, in declaration order."""
    return tuple(f.name for f in fields(Palette) if f.type in (str, "str") and f.name != "name")


def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def relative_luminance(colour: str) -> float:
    """WCAG 2.x relative luminance of "#rrggbb" (sRGB), from 0 (black) to 1 (white)."""
    text = colour.removeprefix("#")
    if len(text) != 6:
        raise ValueError(f"not a #rrggbb colour: {colour!r}")
    r, g, b = (int(text[i : i + 2], 16) for i in (0, 2, 4))
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def contrast_ratio(fg: str, bg: str) -> float:
    """WCAG 2.x contrast ratio of two "#rrggbb" colours: 1.0 (none) to 21.0 (black on white)."""
    lighter, darker = sorted((relative_luminance(fg), relative_luminance(bg)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def low_contrast_pairs(palette: Palette, minimum: float = 4.5) -> list[tuple[str, str, float]]:
    """(text role, background role, ratio) of each pair in TEXT_ON_BACKGROUND below `minimum`."""
    found = []
    for fg, bg in TEXT_ON_BACKGROUND:
        ratio = contrast_ratio(getattr(palette, fg), getattr(palette, bg))
        if ratio < minimum:
            found.append((fg, bg, ratio))
    return found
