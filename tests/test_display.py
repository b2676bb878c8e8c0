"""No display: the window commands say so in one sentence and exit 2, not Qt's abort (exit 134)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from icg_desk.cli import build_parser
from icg_desk.ui.display import display_problem, opens_window


@pytest.mark.parametrize(
    "environ",
    [
        {"DISPLAY": ":0"},
        {"WAYLAND_DISPLAY": "wayland-0"},
        {"WAYLAND_SOCKET": "3"},
        {"QT_QPA_PLATFORM": "offscreen"},
        {"QT_QPA_PLATFORM": "offscreen:configfile=/tmp/screen.json"},
        {"QT_QPA_PLATFORM": "minimal"},
        {"QT_QPA_PLATFORM": "vnc:size=800x600"},
        {"QT_QPA_PLATFORM": "eglfs"},
        {"QT_QPA_PLATFORM": "linuxfb"},
        {"QT_QPA_PLATFORM": "xcb", "DISPLAY": ":1"},
        {"QT_QPA_PLATFORM": "wayland", "WAYLAND_DISPLAY": "wayland-1"},
        {"QT_QPA_PLATFORM": "wayland;xcb", "DISPLAY": ":1"},
        {"QT_QPA_PLATFORM": "xcb;offscreen"},
        {"QT_QPA_PLATFORM": "someday-a-new-plugin"},  # not ours to judge: Qt says
    ],
)
def test_a_window_can_open(environ):
    assert display_problem(environ, "linux") is None


@pytest.mark.parametrize(
    ("environ", "why"),
    [
        ({}, "neither DISPLAY nor WAYLAND_DISPLAY is set"),
        ({"DISPLAY": "", "WAYLAND_DISPLAY": "  "}, "neither DISPLAY nor WAYLAND_DISPLAY is set"),
        ({"QT_QPA_PLATFORM": ""}, "neither DISPLAY nor WAYLAND_DISPLAY is set"),
        ({"QT_QPA_PLATFORM": "xcb"}, "QT_QPA_PLATFORM is xcb and DISPLAY is not set"),
        (
            {"QT_QPA_PLATFORM": "xcb", "WAYLAND_DISPLAY": "wayland-0"},
            "QT_QPA_PLATFORM is xcb and DISPLAY is not set",
        ),
        (
            {"QT_QPA_PLATFORM": "wayland", "DISPLAY": ":0"},
            "QT_QPA_PLATFORM is wayland and WAYLAND_DISPLAY is not set",
        ),
        (
            {"QT_QPA_PLATFORM": "wayland;xcb"},
            "QT_QPA_PLATFORM is wayland;xcb and neither DISPLAY nor WAYLAND_DISPLAY is set",
        ),
    ],
)
def test_no_display_is_one_sentence_saying_why_and_what_to_do(environ, why):
    problem = display_problem(environ, "linux")
    assert problem == (
        f"no display to open the window on ({why}); run it in a desktop session, or under xvfb-run"
    )
    assert "\n" not in problem


@pytest.mark.parametrize("platform", ["darwin", "win32"])
def test_macos_and_windows_always_have_their_screen(platform):
    assert display_problem({}, platform) is None


@pytest.mark.parametrize(
    ("argv", "window"),
    [
        ([], True),
        (["open", "x.icgbatch"], True),
        (["demo"], True),
        (["demo", "--fresh"], True),
        (["demo", "--no-gui"], False),
        (["calc", "3", "3", "3", "3", "3", "3", "3"], False),
        (["batch", "summary", "b.icgbatch", "s.xlsx"], False),
        (["cohort", "open", "c.icgcohort"], True),
        (["cohort", "demo", "folder", "--build", "--open"], True),
        (["cohort", "demo", "folder", "--build"], False),
        (["cohort", "demo", "folder"], False),
        (["cohort", "demo", "--score", "b.icgbatch"], False),
        (["cohort", "results", "c.icgcohort"], False),
    ],
)
def test_the_commands_that_open_a_window(argv, window):
    assert opens_window(build_parser().parse_args(argv)) is window


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="only Linux can have no display")
def test_the_window_commands_exit_2_with_the_sentence_when_there_is_no_display(tmp_path):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DISPLAY", "WAYLAND_DISPLAY", "WAYLAND_SOCKET", "QT_QPA_PLATFORM"}
    }
    env["ICG_DESK_DATA"] = str(tmp_path / "data")
    for argv in (["demo"], ["cohort", "demo", str(tmp_path / "cohort"), "--build", "--open"]):
        result = subprocess.run(
            [sys.executable, "-m", "icg_desk", *argv],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 2, result.stderr
        assert result.stderr == (
            "icg-desk: no display to open the window on (neither DISPLAY nor WAYLAND_DISPLAY "
            "is set); run it in a desktop session, or under xvfb-run\n"
        )
        assert result.stdout == ""
    # Nothing was made for a window that could not open.
    assert not (tmp_path / "cohort").exists()
    assert not (tmp_path / "data" / "demo.icgbatch").exists()
