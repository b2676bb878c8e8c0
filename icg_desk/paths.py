"""Where ICG Desk finds its resources and keeps its files: every path is worked out here."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from platformdirs import user_data_dir


def resources_dir() -> Path:
    """The `resources/` folder: beside the package in a checkout, inside the bundle when frozen.

    ICG_DESK_RESOURCES overrides both, for tests and for a coordinator's own copy.
    """
    override = os.environ.get("ICG_DESK_RESOURCES")
    if override:
        return Path(override)
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle is not None:
        return Path(bundle) / "resources"
    return Path(__file__).resolve().parent.parent / "resources"


def rubrics_dir() -> Path:
    return resources_dir() / "rubrics"


def builtin_editions() -> tuple[str, ...]:
    return tuple(sorted(p.stem for p in rubrics_dir().glob("*.toml")))


def data_dir() -> Path:
    """Where ICG Desk keeps the files it makes for the user (the demo batch, for one).

    ICG_DESK_DATA overrides it: tests and the frozen app's smoke run point it at a temp folder.
    """
    override = os.environ.get("ICG_DESK_DATA")
    if override:
        return Path(override)
    return Path(user_data_dir("ICG Desk", appauthor=False))
