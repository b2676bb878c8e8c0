"""Every setting ICG Desk remembers, declared once with its key, its type and its default.

Before this module each window read and wrote QSettings keys by hand, each with its own guess at
what QSettings hands back: an INI file gives "13.0" for a float, a lone string for a one-item list
and a QByteArray (or, from elsewhere, bytes or junk) for a window's geometry. Here each option
decodes what is stored into its own type and falls back to its default when the stored value is
not one, so a damaged or hand-edited settings file never stops a window from opening (the way
MusicBrainz Picard declares its options in `picard/config.py`).

The keys are the ones the windows have always used, so a scorer's remembered batches, folders and
layout carry over. `lastPortfolio/<batch id>` used to grow by one key for every batch ever
opened; it now keeps the most recent LAST_PORTFOLIO.cap batches.

    settings = Settings(QSettings())
    size = settings.get(ENTRY_FONT_SIZE)
    settings.set(LAST_BATCH_FOLDER, path.parent)
    recent = settings.add_recent(RECENT_BATCHES, path)
    last = settings.get(LAST_PORTFOLIO.of(batch_id))
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QByteArray, QSettings

from icg_desk.ui.palette import THEMES

T = TypeVar("T")

# The reading text's size when none was remembered; the same as entry_panel.DEFAULT_POINT_SIZE
# (a test keeps the two equal, without this module importing the whole entry panel).
DEFAULT_ENTRY_FONT_SIZE = 12.0
# The whole window's text scale, Ctrl+- to Ctrl++.
MIN_TEXT_SCALE, MAX_TEXT_SCALE = 0.7, 2.0


class _WrongType(Exception):
    """A stored value that is not one of the option's type: the default is used instead."""


@dataclass(frozen=True)
class Option(Generic[T]):
    """One remembered value: where it is stored, what it is when nothing (usable) is stored."""

    key: str
    default: T

    def decode(self, stored: object) -> T:
        """The stored value as this option's type; raise _WrongType when it cannot be one."""
        raise NotImplementedError

    def encode(self, value: T) -> object:
        """What goes into QSettings for `value`."""
        return value


@dataclass(frozen=True)
class IntOption(Option[int | None]):
    default: int | None = None

    def decode(self, stored: object) -> int | None:
        # bool is an int to Python, but a stored true/false is not a number anyone meant.
        if isinstance(stored, int) and not isinstance(stored, bool):
            return stored
        if isinstance(stored, str):
            try:
                return int(stored.strip())
            except ValueError:
                pass
        if isinstance(stored, float) and stored.is_integer():
            return int(stored)
        raise _WrongType


@dataclass(frozen=True)
class FloatOption(Option[float]):
    default: float = 0.0

    def decode(self, stored: object) -> float:
        if isinstance(stored, bool):
            raise _WrongType
        if isinstance(stored, int | float | str):
            try:
                value = float(stored)
            except ValueError:
                raise _WrongType from None
            if math.isfinite(value):
                return value
        raise _WrongType


@dataclass(frozen=True)
class ChoiceOption(Option[str]):
    """One of a fixed set of words (a theme's name); the default for anything else stored."""

    default: str = ""
    choices: tuple[str, ...] = ()

    def decode(self, stored: object) -> str:
        if isinstance(stored, str) and stored.strip() in self.choices:
            return stored.strip()
        raise _WrongType


@dataclass(frozen=True)
class RangeOption(FloatOption):
    """A float kept within [low, high]: a hand-edited 50x text scale comes back as the top."""

    low: float = 0.0
    high: float = 1.0

    def decode(self, stored: object) -> float:
        return min(max(super().decode(stored), self.low), self.high)


@dataclass(frozen=True)
class PathOption(Option[Path | None]):
    """A folder or file; None until one is remembered (the caller picks its own fallback)."""

    default: Path | None = None

    def decode(self, stored: object) -> Path | None:
        if isinstance(stored, str) and stored.strip():
            return Path(stored)
        raise _WrongType

    def encode(self, value: Path | None) -> object:
        return None if value is None else str(value)


@dataclass(frozen=True)
class StrListOption(Option[tuple[str, ...]]):
    """Most recent first, each text once, at most `cap` of them."""

    default: tuple[str, ...] = ()
    cap: int = 8

    def decode(self, stored: object) -> tuple[str, ...]:
        if isinstance(stored, str):  # QSettings gives a lone string for a one-item list
            stored = [stored]
        if not isinstance(stored, list | tuple):
            raise _WrongType
        return self.tidy(item for item in stored if isinstance(item, str) and item.strip())

    def encode(self, value: tuple[str, ...]) -> object:
        return list(self.tidy(value))

    def tidy(self, items: Iterable[str]) -> tuple[str, ...]:
        return tuple(dict.fromkeys(items))[: self.cap]


@dataclass(frozen=True)
class PathListOption(Option[tuple[Path, ...]]):
    """Recent files: most recent first, each path once, at most `cap` of them."""

    default: tuple[Path, ...] = ()
    cap: int = 8

    @property
    def _texts(self) -> StrListOption:
        return StrListOption(self.key, cap=self.cap)

    def decode(self, stored: object) -> tuple[Path, ...]:
        return self.tidy(Path(text) for text in self._texts.decode(stored))

    def encode(self, value: tuple[Path, ...]) -> object:
        return [str(p) for p in self.tidy(value)]

    def tidy(self, paths: Iterable[Path]) -> tuple[Path, ...]:
        # Two spellings of one path ("a/b/" and "a/b") are one path: the first one stays.
        unique: dict[str, Path] = {}
        for path in paths:
            unique.setdefault(str(path), path)
        return tuple(unique.values())[: self.cap]


@dataclass(frozen=True)
class BytesOption(Option[bytes | None]):
    """A widget's own saved state (geometry, dock state, splitter sizes), opaque to us."""

    default: bytes | None = None

    def decode(self, stored: object) -> bytes | None:
        if isinstance(stored, QByteArray):
            return bytes(stored.data())
        if isinstance(stored, bytes | bytearray):
            return bytes(stored)
        raise _WrongType

    def encode(self, value: bytes | None) -> object:
        # Stored as QByteArray, as saveGeometry() gave it before: the file keeps its format.
        return None if value is None else QByteArray(value)


@dataclass(frozen=True)
class BatchKey(IntOption):
    """One batch's key in a PerBatchIntOption family; set through Settings to keep the cap."""

    family: PerBatchIntOption | None = None
    batch_id: str = ""


@dataclass(frozen=True)
class PerBatchIntOption:
    """A number remembered per batch (`<prefix>/<batch id>`) for the `cap` most recent batches.

    Which batches are most recent is kept in `<prefix>Order`, newest first, because QSettings
    lists keys alphabetically, not in the order they were written.
    """

    prefix: str
    cap: int = 200

    @property
    def order(self) -> StrListOption:
        return StrListOption(f"{self.prefix}Order", cap=self.cap)

    def of(self, batch_id: str) -> BatchKey:
        return BatchKey(f"{self.prefix}/{batch_id}", family=self, batch_id=batch_id)


@dataclass(frozen=True)
class WindowOptions:
    """A window's geometry, its state (toolbars, docks) and its splitters, by splitter name."""

    name: str
    splitter_names: tuple[str, ...] = ()

    @property
    def geometry(self) -> BytesOption:
        return BytesOption(f"{self.name}/geometry")

    @property
    def state(self) -> BytesOption:
        return BytesOption(f"{self.name}/state")

    @property
    def splitters(self) -> Mapping[str, BytesOption]:
        return {s: BytesOption(f"{self.name}/{s}") for s in self.splitter_names}

    def splitter(self, object_name: str) -> BytesOption:
        """The option for the splitter of that objectName; KeyError if it was never declared."""
        return self.splitters[object_name]


# --- the options -------------------------------------------------------------------------------

# The scorer's window.
ENTRY_FONT_SIZE = FloatOption("entry/fontSize", default=DEFAULT_ENTRY_FONT_SIZE)
# View > Theme (palette.THEMES; "system" follows the platform) and the text scale of Ctrl++ and
# Ctrl+-, both windows' (ui/style.py's Appearance applies them to the whole application).
THEME = ChoiceOption("view/theme", default="system", choices=THEMES)
TEXT_SCALE = RangeOption("view/textScale", default=1.0, low=MIN_TEXT_SCALE, high=MAX_TEXT_SCALE)
LAST_BATCH_FOLDER = PathOption("batch/lastFolder")
# Where File > Send to coordinator last saved the two files (the batch's folder until then).
SEND_FOLDER = PathOption("batch/sendFolder")
RECENT_BATCHES = PathListOption("recentBatches", cap=8)
LAST_PORTFOLIO = PerBatchIntOption("lastPortfolio", cap=200)
SCORER_WINDOW = WindowOptions("window", ("mainSplitter", "readingSplitter"))

# The coordinator's window (its last folder is also where the scorer's File > Open cohort starts).
LAST_COHORT_FOLDER = PathOption("coordinator/lastFolder")
RECENT_COHORTS = PathListOption("recentCohorts", cap=8)
COORDINATOR_WINDOW = WindowOptions(
    "coordinator",
    ("dashboardSplitter", "sideSplitter", "agreementSplitter", "agreementTopSplitter"),
)


def declared_options() -> list[Option[Any]]:
    """Every single-key option above (the per-batch family aside), for tests and tools."""
    options: list[Option[Any]] = [
        ENTRY_FONT_SIZE,
        LAST_BATCH_FOLDER,
        SEND_FOLDER,
        RECENT_BATCHES,
        LAST_COHORT_FOLDER,
        RECENT_COHORTS,
        THEME,
        TEXT_SCALE,
    ]
    for window in (SCORER_WINDOW, COORDINATOR_WINDOW):
        options += [window.geometry, window.state, *window.splitters.values()]
    return options


# --- the store ---------------------------------------------------------------------------------


class Settings:
    """Typed reads and writes over one QSettings (the application's, or a test's own file)."""

    def __init__(self, store: QSettings | None = None) -> None:
        self.store = store if store is not None else QSettings()

    def get(self, option: Option[T]) -> T:
        """The stored value as the option's type, or its default: never raises on bad data."""
        stored = self.store.value(option.key)
        if stored is None:
            return option.default
        try:
            return option.decode(stored)
        except _WrongType:
            return option.default

    def set(self, option: Option[T], value: T) -> None:
        encoded = option.encode(value)
        if encoded is None:
            self.store.remove(option.key)
        else:
            self.store.setValue(option.key, encoded)
        if isinstance(option, BatchKey) and option.family is not None:
            self._keep_recent_batches(option.family, option.batch_id)

    def remove(self, option: Option[T]) -> None:
        self.store.remove(option.key)

    def add_recent(self, option: PathListOption, path: Path) -> tuple[Path, ...]:
        """Put `path` first in a recent list (once, capped) and return the new list."""
        recent = option.tidy([path, *self.get(option)])
        self.set(option, recent)
        return recent

    def sync(self) -> None:
        self.store.sync()

    def _keep_recent_batches(self, family: PerBatchIntOption, batch_id: str) -> None:
        order = family.order
        stored: tuple[str, ...] = self.get(order)
        before = list(stored)
        if before[:1] == [batch_id]:
            return  # the same batch as last time: the order stands
        if not before:
            # Settings from before the cap have keys but no order: keep them, oldest unknown.
            self.store.beginGroup(family.prefix)
            try:
                before = sorted(self.store.childKeys())
            finally:
                self.store.endGroup()
        ids = [batch_id, *(b for b in before if b != batch_id)]
        for dropped in ids[family.cap :]:
            self.store.remove(f"{family.prefix}/{dropped}")
        self.set(order, tuple(ids))
