"""Render the scorer's window on a demo batch, or the coordinator's on a demo cohort, to PNG.

    .venv/bin/python scripts/screenshot.py [OUTDIR]
    .venv/bin/python scripts/screenshot.py --coordinator [OUTDIR]
    .venv/bin/python scripts/screenshot.py --theme dark --scale 1.3 [OUTDIR]

--theme (light, dark, high-contrast; light by default) and --scale (the Ctrl++ text scale, 1.0
by default) are set as remembered choices before the window is built; a theme other than light
and a scale other than 1 add "-{theme}" and "-x{scale}" to each file's name.

Writes main-{size}.png at 1366x768, 1280x800, 1920x1080 and 2560x1440 (offscreen unless a
display is set, e.g. under xvfb-run). The first portfolio is part-scored, with a rationale, a
look-for and evidence, so the picture shows a scorer's window in use rather than an empty one;
main-entry2-{size}.png shows Entry 2 with Leadership current and its other factors as compact
rows.

With --coordinator: coordinator-start-{size}.png, the window with no cohort open, and
coordinator-new-cohort.png, its New cohort dialog; coordinator-{size}.png on a demo cohort mid-way
(a scorer's reads still out, a rejected file in the log), then coordinator-released-{size}.png once
every read is merged and the results are released; last coordinator-start-recent-{size}.png, the
start page again with that cohort among the recent ones.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import Any

if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
    # An offscreen screen large enough for the 1920x1080 picture (the default is 800x800).
    screen = Path(__file__).resolve().parent.parent / "tests" / "offscreen-screen.json"
    os.environ.setdefault("QT_QPA_PLATFORM", f"offscreen:configfile={screen}")

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from icg_desk.demo.batch import write_demo_batch
from icg_desk.ui.app import application
from icg_desk.ui.main_window import MainWindow
from icg_desk.ui.settings import TEXT_SCALE, THEME, Settings
from icg_desk.ui.tasks import SyncTaskRunner

LOOK = {"theme": "light", "scale": 1.0}


def suffix() -> str:
    theme, scale = LOOK["theme"], float(LOOK["scale"])
    return ("" if theme == "light" else f"-{theme}") + ("" if scale == 1.0 else f"-x{scale:g}")


def remembered(settings: QSettings) -> QSettings:
    """The chosen look, as if the person had chosen it in View before."""
    Settings(settings).set(THEME, str(LOOK["theme"]))
    Settings(settings).set(TEXT_SCALE, float(LOOK["scale"]))
    return settings


SIZES = ((1366, 768), (1280, 800), (1920, 1080), (2560, 1440))


def coordinator(out: Path) -> int:
    from icg_desk.demo.cohort import build_demo_cohort, score_batch
    from icg_desk.operations import cohort as cohort_ops
    from icg_desk.ui.coordinator_dialogs import NewCohortDialog
    from icg_desk.ui.coordinator_window import CoordinatorWindow

    work = Path(tempfile.mkdtemp(prefix="icg-shot-"))
    cohort_path = build_demo_cohort(work, candidates=40, scorers=5, words_per_entry=60, unscored=4)
    app = application()
    settings = remembered(QSettings(str(work / "settings.ini"), QSettings.Format.IniFormat))
    window = CoordinatorWindow(settings, runner=SyncTaskRunner)  # a script: each step at once
    window.show()

    def grab(name: str) -> None:
        for width, height in SIZES:
            window.resize(width, height)
            app.processEvents()  # a script, not the app: let the new size lay out before grabbing
            path = out / f"{name}-{width}x{height}{suffix()}.png"
            window.grab().save(str(path))
            print(path)

    grab("coordinator-start")
    dialog = NewCohortDialog(parent=window)
    dialog.name_edit.setText("2026-27")
    dialog.show()
    app.processEvents()
    path = out / f"coordinator-new-cohort{suffix()}.png"
    dialog.grab().save(str(path))
    print(path)
    dialog.close()

    window.open_cohort(cohort_path)
    assert window.cohort is not None
    stray = work / "notes.icgbatch"
    stray.write_text("not a batch\n")
    cohort_ops.merge(window.cohort.ref, [stray])
    window.refresh()
    grab("coordinator")
    first = sorted((work / "batches").glob("*.icgbatch"))[0]
    score_batch(first)
    cohort_ops.merge(window.cohort.ref, [first])
    # The sample's reads disagree now and then: accept each flag, as release needs.
    for candidate, flag in cohort_ops.results(window.cohort.ref).open_flags:
        cohort_ops.accept(
            window.cohort.ref, candidate.code, flag.factor or None, "Demo", "screenshot"
        )
    cohort_ops.release(window.cohort.ref)
    window.refresh()
    grab("coordinator-released")
    window.close_cohort()
    grab("coordinator-start-recent")
    agreement(window, work, grab)
    backreads(window, work / "agreement.icgcohort", out, grab)
    window.close()
    return 0


def agreement(window: Any, work: Path, grab: Callable[[str], None]) -> None:
    """The Scorer agreement view on the demo of docs/agreement.md (S-01 scores high, S-02
    drifts), with validity and practice portfolios (S-01 let through practice), S-02
    selected: each chart in turn."""
    from icg_desk.demo.agreement import DEMO_BIASES, DEMO_UNLOCKED, build_agreement_cohort

    path = build_agreement_cohort(
        work / "agreement.icgcohort",
        weeks=5,
        biases=DEMO_BIASES,
        validity=8,
        practice=5,
        unlocked=DEMO_UNLOCKED,
    )
    window.open_cohort(path)
    window.show_agreement()
    app = QApplication.instance()
    assert app is not None
    app.processEvents()
    panel = window.dashboard.agreement
    panel.select_scorer("S-02")
    for index, name in enumerate(("", "-drift", "-validity", "-distribution", "-factors")):
        panel.charts.setCurrentIndex(index)
        grab(f"coordinator-agreement{name}")
    window.close_cohort()


def backreads(window: Any, path: Path, out: Path, grab: Callable[[str], None]) -> None:
    """The Backreads tab on the same cohort, a sample of each scorer's reads backread (S-01
    chosen: their differences only), and the Backread a sample dialog."""
    from icg_desk.demo.backread import add_demo_backreads
    from icg_desk.ui.backread_dialog import BackreadDialog

    add_demo_backreads(path, per_scorer=6)
    window.open_cohort(path)
    window.show_agreement()
    app = QApplication.instance()
    assert app is not None
    app.processEvents()
    panel = window.dashboard.agreement
    panel.charts.setCurrentWidget(panel.backread_panel)
    panel.backread_panel.select_scorer("S-01")
    grab("coordinator-agreement-backreads")
    dialog = BackreadDialog(window.snapshot.status.per_scorer, window)
    dialog.show()
    app.processEvents()
    shot = out / f"coordinator-backread-dialog{suffix()}.png"
    dialog.grab().save(str(shot))
    print(shot)
    dialog.close()
    window.close_cohort()


def main() -> int:
    args = sys.argv[1:]
    for flag, kind in (("--theme", str), ("--scale", float)):
        if flag in args:
            at = args.index(flag)
            LOOK[flag[2:]] = kind(args[at + 1])
            del args[at : at + 2]
    if "--coordinator" in args:
        args.remove("--coordinator")
        out = Path(args[0] if args else "screenshots")
        out.mkdir(parents=True, exist_ok=True)
        return coordinator(out)
    out = Path(args[0] if args else "screenshots")
    out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="icg-shot-"))
    batch = write_demo_batch(work / "demo.icgbatch", portfolios=24, seed=2027)
    application()  # before any widget
    settings = remembered(QSettings(str(work / "settings.ini"), QSettings.Format.IniFormat))
    window = MainWindow(settings, runner=SyncTaskRunner)
    window.show()
    window.open_batch(batch)
    session, view = window.session, window._view
    assert session is not None
    assert view is not None
    pid = view.id
    session.set_score(pid, "impact_cycle", Fraction(3), None)
    session.set_score(pid, "playbook", Fraction(13, 4), None)
    session.set_score(pid, "data", Fraction(9, 4), None)
    session.set_look_for(pid, "impact_cycle", 0, True)
    session.set_look_for(pid, "impact_cycle", 2, True)
    session.set_rationale(
        pid,
        "impact_cycle",
        "Teacher-chosen PEERS goal on student "
        "engagement; clear Identify-Learn-Improve sequence with video.",
        "",
    )
    text = view.entries[0].text
    start = text.find("\n\n", 400) + 2
    end = text.find(".", start) + 1
    session.add_evidence(pid, "impact_cycle", 1, start, end, text[start:end])
    grab_main(window, out, "main")
    # Entry 2, its third factor current: the factors before and after it as compact rows, one
    # with its rationale started.
    session.set_score(pid, "communication", Fraction(2), None)
    session.set_rationale(pid, "communication", "Listens more than tells in both clips.", "")
    panel = window.rubric_panel
    assert panel is not None
    while panel.current_factor() != "leadership":
        window.step_factor(1)
    grab_main(window, out, "main-entry2")
    window.close()
    return 0


def grab_main(window: MainWindow, out: Path, name: str) -> None:
    # The running application as it is: application() again would set the look up anew.
    app = QApplication.instance()
    assert app is not None
    for width, height in SIZES:
        window.resize(width, height)
        app.processEvents()  # a script, not the app: let the new size lay out before grabbing
        if window.rubric_panel is not None:
            window.rubric_panel.reveal_current()  # as a key would, at this size
        path = out / f"{name}-{width}x{height}{suffix()}.png"
        window.grab().save(str(path))
        print(path)


if __name__ == "__main__":
    raise SystemExit(main())
