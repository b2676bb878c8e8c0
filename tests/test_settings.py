"""Typed settings: each option round-trips, bad stored values fall back, lists and batches cap."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QByteArray, QSettings

from icg_desk.ui import settings as s
from icg_desk.ui.entry_panel import DEFAULT_POINT_SIZE
from icg_desk.ui.settings import (
    COORDINATOR_WINDOW,
    ENTRY_FONT_SIZE,
    LAST_BATCH_FOLDER,
    LAST_COHORT_FOLDER,
    LAST_PORTFOLIO,
    RECENT_BATCHES,
    RECENT_COHORTS,
    SCORER_WINDOW,
    Option,
    PerBatchIntOption,
    Settings,
)


@pytest.fixture
def store(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def settings(store: QSettings) -> Settings:
    return Settings(store)


def reopened(store: QSettings) -> Settings:
    """The same file read afresh, as the next start of the app would: every value via text."""
    store.sync()
    return Settings(QSettings(store.fileName(), QSettings.Format.IniFormat))


def example(option: Option[Any]) -> object:
    if isinstance(option, s.ChoiceOption):
        return option.choices[-1]
    if isinstance(option, s.RangeOption):
        return 1.3
    if isinstance(option, s.FloatOption):
        return 15.0
    if isinstance(option, s.PathOption):
        return Path("/data/batches & more")
    if isinstance(option, s.PathListOption):
        return (Path("/data/one.icgbatch"), Path("/data/two, three.icgbatch"))
    if isinstance(option, s.BytesOption):
        return bytes(range(256))
    raise AssertionError(f"no example for {option!r}")


# The keys the windows have always used: existing users' settings must carry over.
KEYS = {
    "entry/fontSize",
    "batch/lastFolder",
    "batch/sendFolder",
    "recentBatches",
    "window/geometry",
    "window/state",
    "window/mainSplitter",
    "window/readingSplitter",
    "coordinator/lastFolder",
    "recentCohorts",
    "coordinator/geometry",
    "coordinator/state",
    "coordinator/dashboardSplitter",
    "coordinator/sideSplitter",
    "coordinator/agreementSplitter",
    "coordinator/agreementTopSplitter",
    # New in issue 13: View > Theme and the text scale of Ctrl++.
    "view/theme",
    "view/textScale",
}


def test_the_declared_keys_are_the_ones_the_windows_used() -> None:
    assert {o.key for o in s.declared_options()} == KEYS
    assert LAST_PORTFOLIO.of("b1").key == "lastPortfolio/b1"
    assert SCORER_WINDOW.splitter("readingSplitter").key == "window/readingSplitter"
    assert COORDINATOR_WINDOW.splitter("sideSplitter").key == "coordinator/sideSplitter"
    with pytest.raises(KeyError):
        SCORER_WINDOW.splitter("undeclaredSplitter")


def test_the_default_font_size_is_the_entry_panels() -> None:
    assert ENTRY_FONT_SIZE.default == DEFAULT_POINT_SIZE


@pytest.mark.parametrize("option", s.declared_options(), ids=lambda o: o.key)
def test_every_option_round_trips(store: QSettings, settings: Settings, option) -> None:
    assert settings.get(option) == option.default
    value = example(option)
    settings.set(option, value)
    assert settings.get(option) == value
    assert reopened(store).get(option) == value


def test_the_per_batch_number_round_trips(store: QSettings, settings: Settings) -> None:
    assert settings.get(LAST_PORTFOLIO.of("b1")) is None
    settings.set(LAST_PORTFOLIO.of("b1"), 42)
    assert settings.get(LAST_PORTFOLIO.of("b1")) == 42
    assert reopened(store).get(LAST_PORTFOLIO.of("b1")) == 42


def test_bytes_are_stored_as_qt_stores_a_saved_geometry(store: QSettings, settings: Settings):
    # The INI file keeps @ByteArray(...) as before, so an older ICG Desk still reads it.
    settings.set(SCORER_WINDOW.geometry, b"\x01\x02")
    assert isinstance(store.value("window/geometry"), QByteArray)
    store.setValue("window/state", QByteArray(b"\x03"))
    assert settings.get(SCORER_WINDOW.state) == b"\x03"


@pytest.mark.parametrize(
    ("option", "stored", "expected"),
    [
        (ENTRY_FONT_SIZE, "13.0", 13.0),  # what an INI file gives back
        (ENTRY_FONT_SIZE, 14, 14.0),
        (ENTRY_FONT_SIZE, "large", ENTRY_FONT_SIZE.default),
        (ENTRY_FONT_SIZE, "nan", ENTRY_FONT_SIZE.default),
        (ENTRY_FONT_SIZE, "true", ENTRY_FONT_SIZE.default),
        (ENTRY_FONT_SIZE, True, ENTRY_FONT_SIZE.default),
        (ENTRY_FONT_SIZE, ["12", "13"], ENTRY_FONT_SIZE.default),
        (LAST_BATCH_FOLDER, "", None),
        (LAST_BATCH_FOLDER, ["/a", "/b"], None),
        (LAST_BATCH_FOLDER, 7, None),
        (RECENT_BATCHES, "/only/one.icgbatch", (Path("/only/one.icgbatch"),)),
        (RECENT_BATCHES, 3, ()),
        (
            RECENT_BATCHES,
            ["/a.icgbatch", 4, "", "/b.icgbatch"],
            (Path("/a.icgbatch"), Path("/b.icgbatch")),
        ),
        (SCORER_WINDOW.geometry, "not bytes", None),
        (SCORER_WINDOW.geometry, 12, None),
        (SCORER_WINDOW.geometry, b"\x00\x01", b"\x00\x01"),
        (LAST_PORTFOLIO.of("b1"), "17", 17),
        (LAST_PORTFOLIO.of("b1"), " 17 ", 17),
        (LAST_PORTFOLIO.of("b1"), "seventeen", None),
        (LAST_PORTFOLIO.of("b1"), "true", None),
        (LAST_PORTFOLIO.of("b1"), True, None),
        (LAST_PORTFOLIO.of("b1"), 17.0, 17),
        (LAST_PORTFOLIO.of("b1"), 17.5, None),
        (s.THEME, "dark", "dark"),
        (s.THEME, " high-contrast ", "high-contrast"),
        (s.THEME, "solarized", "system"),
        (s.THEME, 3, "system"),
        (s.TEXT_SCALE, "1.5", 1.5),
        (s.TEXT_SCALE, 50, s.MAX_TEXT_SCALE),
        (s.TEXT_SCALE, 0.01, s.MIN_TEXT_SCALE),
        (s.TEXT_SCALE, "big", 1.0),
    ],
)
def test_wrong_type_stored_values_fall_back_and_never_raise(
    store: QSettings, settings: Settings, option, stored: object, expected: object
) -> None:
    store.setValue(option.key, stored)
    assert settings.get(option) == expected


def test_wrong_types_written_to_the_file_by_hand_fall_back(store: QSettings, settings: Settings):
    store.sync()
    path = Path(store.fileName())
    path.write_text(
        "[General]\nrecentBatches=@Invalid()\n"
        "[entry]\nfontSize=@ByteArray(huge)\n"
        "[window]\ngeometry=not a byte array\n"
        "[lastPortfolio]\nb1=@Rect(1 2 3 4)\n",
        encoding="utf-8",
    )
    again = Settings(QSettings(str(path), QSettings.Format.IniFormat))
    assert again.get(RECENT_BATCHES) == ()
    assert again.get(ENTRY_FONT_SIZE) == ENTRY_FONT_SIZE.default
    assert again.get(SCORER_WINDOW.geometry) is None
    assert again.get(LAST_PORTFOLIO.of("b1")) is None


@pytest.mark.parametrize("option", [RECENT_BATCHES, RECENT_COHORTS], ids=lambda o: o.key)
def test_recent_lists_put_the_newest_first_once_and_cap(settings: Settings, option) -> None:
    for i in range(option.cap + 3):
        settings.add_recent(option, Path(f"/work/{i}.file"))
    recent = settings.add_recent(option, Path("/work/5.file"))
    assert recent[0] == Path("/work/5.file")
    assert len(recent) == option.cap == 8
    assert len(set(recent)) == len(recent)
    assert settings.get(option) == recent
    assert Path("/work/0.file") not in recent  # the oldest went first


def test_recent_lists_stored_with_duplicates_come_back_once(store: QSettings, settings: Settings):
    store.setValue("recentCohorts", ["/a.icgcohort", "/b.icgcohort", "/a.icgcohort"])
    assert settings.get(RECENT_COHORTS) == (Path("/a.icgcohort"), Path("/b.icgcohort"))


def test_the_per_batch_cap_drops_the_oldest_batch(store: QSettings, settings: Settings) -> None:
    family = PerBatchIntOption("lastPortfolio", cap=3)
    for number, batch in enumerate(["b1", "b2", "b3"], start=1):
        settings.set(family.of(batch), number)
    settings.set(family.of("b1"), 10)  # b1 is the newest again; b2 is now the oldest
    settings.set(family.of("b4"), 4)
    assert settings.get(family.of("b2")) is None
    assert store.value("lastPortfolio/b2") is None
    assert [settings.get(family.of(b)) for b in ("b1", "b3", "b4")] == [10, 3, 4]
    store.beginGroup("lastPortfolio")
    assert sorted(store.childKeys()) == ["b1", "b3", "b4"]
    store.endGroup()


def test_the_per_batch_keys_of_older_versions_are_capped_too(store: QSettings, settings: Settings):
    # Before the cap: one key per batch ever opened and no record of their order.
    for i in range(250):
        store.setValue(f"lastPortfolio/old{i:03}", i)
    settings.set(LAST_PORTFOLIO.of("new"), 1)
    store.beginGroup("lastPortfolio")
    kept = store.childKeys()
    store.endGroup()
    assert len(kept) == LAST_PORTFOLIO.cap == 200
    assert "new" in kept
    assert settings.get(LAST_PORTFOLIO.of("new")) == 1


def test_setting_none_forgets_the_value(store: QSettings, settings: Settings) -> None:
    settings.set(LAST_BATCH_FOLDER, Path("/data"))
    settings.set(LAST_BATCH_FOLDER, None)
    assert not store.contains("batch/lastFolder")
    assert settings.get(LAST_BATCH_FOLDER) is None
    settings.set(LAST_COHORT_FOLDER, Path("/data"))
    settings.remove(LAST_COHORT_FOLDER)
    assert settings.get(LAST_COHORT_FOLDER) is None
