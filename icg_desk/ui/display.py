"""Is there a screen to open a window on? Asked before Qt is loaded, because Qt's own answer on
Linux is an abort and a core dump ("could not connect to display", exit 134).

No Qt here: this runs in the command line before `icg_desk.ui.app` is imported.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping

_ADVICE = "run it in a desktop session, or under xvfb-run"


def _is_set(environ: Mapping[str, str], name: str) -> bool:
    return bool(environ.get(name, "").strip())


def display_problem(environ: Mapping[str, str], platform: str) -> str | None:
    """The sentence to print when a window cannot open here, or None when it can (or may).

    Only Linux is checked (macOS and Windows always have their screen). `platform` is
    `sys.platform`. QT_QPA_PLATFORM may name a fallback list ("wayland;xcb") and options after
    a colon ("vnc:size=800x600"): the window can open if any plugin in the list can. A plugin
    this function does not know is left to Qt.
    """
    if not platform.startswith("linux"):
        return None
    x11 = _is_set(environ, "DISPLAY")
    wayland = _is_set(environ, "WAYLAND_DISPLAY") or _is_set(environ, "WAYLAND_SOCKET")
    requested = environ.get("QT_QPA_PLATFORM", "").strip()
    names = [part.split(":", 1)[0].strip().lower() for part in requested.split(";")]
    names = [name for name in names if name]
    if not names:  # Qt's own choice: xcb, or wayland in a Wayland session
        if x11 or wayland:
            return None
        why = "neither DISPLAY nor WAYLAND_DISPLAY is set"
    else:
        for name in names:
            if name == "xcb" and not x11:
                continue
            if name.startswith("wayland") and not wayland:
                continue
            # A server that is there, a plugin that needs none (offscreen, minimal, vnc, eglfs,
            # linuxfb...), or one we don't know: Qt decides.
            return None
        missing = sorted({"DISPLAY" if name == "xcb" else "WAYLAND_DISPLAY" for name in names})
        unset = (
            f"{missing[0]} is not set"
            if len(missing) == 1
            else "neither DISPLAY nor WAYLAND_DISPLAY is set"
        )
        why = f"QT_QPA_PLATFORM is {requested} and {unset}"
    return f"no display to open the window on ({why}); {_ADVICE}"


def opens_window(args: argparse.Namespace) -> bool:
    """Whether this parsed `icg-desk` command line ends in a window (so needs a display)."""
    command = getattr(args, "command", None)
    if command is None or command == "open":
        return True
    if command == "demo":
        return not getattr(args, "no_gui", False)
    if command == "cohort":
        sub = getattr(args, "cohort_command", None)
        if sub == "open":
            return True
        if sub == "demo":  # only `--build --open` opens it; `--score` returns before
            wants = getattr(args, "build", False) and getattr(args, "open", False)
            return bool(wants) and not getattr(args, "score", None)
    return False
