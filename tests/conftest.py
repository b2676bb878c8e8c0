"""Test set-up: Qt offscreen before any QApplication exists, and a private data folder."""

from __future__ import annotations

import os

# Before anything imports Qt: with no display and no platform, Qt aborts the whole run.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("LANG", "C.UTF-8")

from collections.abc import Iterator  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

from icg_desk.models.rubric_file import builtin_rubric  # noqa: E402
from icg_desk.scoring.rubric import Rubric  # noqa: E402


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "qtbot" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.gui)


@pytest.fixture(autouse=True)
def _private_data_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    # Nothing a test does lands in the developer's own ICG Desk folders.
    monkeypatch.setenv("ICG_DESK_DATA", str(tmp_path_factory.mktemp("data")))


@pytest.fixture(scope="session")
def revised() -> Rubric:
    return builtin_rubric("icg-revised")


@pytest.fixture(scope="session")
def pilot() -> Rubric:
    return builtin_rubric("icg-pilot")


@pytest.fixture
def batch_path(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path / "test.icgbatch"
