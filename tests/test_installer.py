"""The installer: the `--smoke` self-test in process, and the frozen app built and smoke-tested.

The frozen test builds build_installer.spec with PyInstaller into a temporary folder (about half
a minute on two cores) and runs the bundle's `--smoke`. It is marked `slow` and runs when
PyInstaller is installed (`make installer` installs it) or ICG_DESK_INSTALLER_TEST=1 (then a
missing PyInstaller is a failure); ICG_DESK_INSTALLER_TEST=0 skips it.
"""

from __future__ import annotations

import importlib.util
import os
import re
import struct
import subprocess
import sys
import time
from pathlib import Path

import pytest

from icg_desk import cli, smoke

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "build_installer.spec"
APP_NAME = "ICG Desk"


# --- the smoke run, in this process ---------------------------------------------------------


def test_smoke_scores_exports_and_reports_ok(qtbot, tmp_path, capsys):
    folder = tmp_path / "smoke"
    assert smoke.main(folder) == 0
    out = capsys.readouterr().out
    assert out.startswith("smoke: ok (scored ")
    result = (folder / smoke.RESULT_FILE).read_text(encoding="utf-8")
    assert result == out  # the same line, for a windowed app that has no stdout
    assert (folder / smoke.SUMMARY_NAME).read_bytes()[:2] == b"PK"
    pdfs = sorted((folder / smoke.REPORTS_FOLDER).glob("*.pdf"))
    # One preview per portfolio and the combined file.
    assert len(pdfs) == smoke.PORTFOLIOS + 1
    assert all(p.read_bytes()[:4] == b"%PDF" for p in pdfs)
    # The coordinator's part: a released cohort's reports with names, and its workbook.
    assert f"cohort of {smoke.COHORT_CANDIDATES} released" in out
    named = sorted((folder / smoke.COHORT_REPORTS_FOLDER).glob("*.pdf"))
    assert len(named) == smoke.COHORT_CANDIDATES + 1
    assert not any("preview" in p.name for p in named)
    assert (folder / smoke.COHORT_SUMMARY_NAME).read_bytes()[:2] == b"PK"


def test_smoke_puts_back_the_data_folder_it_borrowed(qtbot, tmp_path, capsys):
    before = os.environ.get("ICG_DESK_DATA")
    assert smoke.main(tmp_path / "smoke") == 0
    assert os.environ.get("ICG_DESK_DATA") == before


def test_smoke_refuses_a_folder_with_files_in_it(tmp_path, capsys):
    (tmp_path / "old-summary.xlsx").write_bytes(b"PK")
    assert smoke.main(tmp_path) == 1
    err = capsys.readouterr().err
    assert err.startswith("smoke: FAILED: ")
    assert "is not empty" in err
    # An old result file would otherwise be taken for this run's.
    assert not (tmp_path / smoke.RESULT_FILE).exists()


def test_smoke_fails_with_what_the_window_said(qtbot, tmp_path, capsys, monkeypatch):
    # An export that fails opens a message box; nobody is there to close it. The smoke run
    # must close it and fail with its text, not hang.
    import icg_desk.export.summary_xlsx as summary_xlsx

    def full_disk(*_args, **_kwargs):
        raise OSError(28, "No space left on device", "smoke-summary.xlsx")

    monkeypatch.setattr(summary_xlsx, "write_batch_summary", full_disk)
    folder = tmp_path / "smoke"
    assert smoke.main(folder) == 1
    err = capsys.readouterr().err
    assert "smoke: FAILED: exporting the summary: the window said Summary not written" in err
    assert "smoke-summary.xlsx: cannot be saved: the disk is full" in err  # the one helper's words
    assert (folder / smoke.RESULT_FILE).read_text(encoding="utf-8").startswith("smoke: FAILED")


def test_smoke_reports_a_bug_as_a_failure(qtbot, tmp_path, capsys, monkeypatch):
    from icg_desk.ui.main_window import MainWindow

    def broken(self, folder=None, which=None):
        raise KeyError("factor")

    monkeypatch.setattr(MainWindow, "print_reports", broken)
    assert smoke.main(tmp_path / "smoke") == 1
    err = capsys.readouterr().err
    assert "Traceback" in err
    assert "smoke: FAILED: KeyError: 'factor'" in err


def test_the_command_line_hands_smoke_its_folder(tmp_path, monkeypatch):
    seen: list[Path | None] = []

    def fake(folder: Path | None = None) -> int:
        seen.append(folder)
        return 7

    monkeypatch.setattr(smoke, "main", fake)
    assert cli.main(["--smoke", str(tmp_path)]) == 7
    assert cli.main(["--smoke"]) == 7
    assert seen == [tmp_path, None]


# --- what the spec and the icons are made of ------------------------------------------------


def test_the_spec_names_no_folder_of_this_machine():
    text = SPEC.read_text(encoding="utf-8")
    code = "\n".join(line.split("#", 1)[0] for line in text.splitlines())
    for pattern in (r"/(home|root|work|tmp|usr|opt|Users)/", r"[A-Za-z]:\\\\", r"site-packages"):
        assert not re.search(pattern, code), f"build_installer.spec: {pattern} found"
    assert "SPECPATH" in text
    assert "__version__" in text


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()[:24]
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path.name} is not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_the_app_icon_is_there_in_each_size():
    icons = ROOT / "resources" / "icons"
    assert _png_size(icons / "icg-desk-256.png") == (256, 256)
    assert _png_size(icons / "icg-desk-512.png") == (512, 512)
    ico = icons / "icg-desk.ico"
    if ico.exists():  # made only where Pillow was installed
        reserved, kind, count = struct.unpack("<HHH", ico.read_bytes()[:6])
        assert (reserved, kind) == (0, 1)
        assert count >= 5


# --- the frozen app -------------------------------------------------------------------------


def _installer_test_wanted() -> tuple[bool, str]:
    setting = os.environ.get("ICG_DESK_INSTALLER_TEST", "")
    if setting == "0":
        return False, "ICG_DESK_INSTALLER_TEST=0"
    if setting == "1" or importlib.util.find_spec("PyInstaller") is not None:
        return True, ""
    return False, "PyInstaller is not installed (make installer installs it)"


_wanted, _why_not = _installer_test_wanted()


def _frozen_executable(dist: Path) -> Path:
    if sys.platform == "darwin":
        # The .app is what a scorer gets; its executable runs from inside it.
        return dist / f"{APP_NAME}.app" / "Contents" / "MacOS" / APP_NAME
    suffix = ".exe" if sys.platform == "win32" else ""
    return dist / APP_NAME / f"{APP_NAME}{suffix}"


def _bundle_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


@pytest.mark.slow
@pytest.mark.skipif(not _wanted, reason=_why_not)
def test_the_frozen_app_passes_its_smoke_test(tmp_path):
    if importlib.util.find_spec("PyInstaller") is None:
        pytest.fail("ICG_DESK_INSTALLER_TEST=1 but PyInstaller is not installed: make installer")
    dist, work = tmp_path / "dist", tmp_path / "build"
    started = time.monotonic()
    build = subprocess.run(
        [sys.executable, "-m", "PyInstaller", "--noconfirm", "--distpath", str(dist)]
        + ["--workpath", str(work), str(SPEC)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    build_seconds = time.monotonic() - started
    assert build.returncode == 0, build.stderr[-4000:]

    bundle = dist / APP_NAME
    internal = bundle / "_internal"
    # The resources where paths.resources_dir() looks for them, and the Qt the app needs only.
    assert sorted(p.name for p in (internal / "resources" / "rubrics").glob("*.toml"))
    assert (internal / "resources" / "fonts" / "DejaVuSans.ttf").is_file()
    assert (internal / "resources" / "icons" / "icg-desk-256.png").is_file()
    assert not list(internal.rglob("draw_icons.py"))
    names = {p.name for p in internal.rglob("*")}
    assert not {n for n in names if n.startswith(("QtQml.", "QtQuick.", "QtSvg."))}
    # QtNetwork for the single-instance socket only: none of its TLS backends (OpenSSL's).
    assert not [p for p in internal.rglob("*") if p.parent.name in {"tls", "networkinformation"}]
    assert any("offscreen" in n for n in names), "the offscreen platform plugin is missing"

    executable = _frozen_executable(dist)
    env = {
        k: v
        for k, v in os.environ.items()
        # The bundle must find everything in itself: no checkout resources, no venv, and no
        # screen (the smoke run goes offscreen on its own).
        if not k.startswith(("ICG_DESK_", "PYTHON", "QT_", "VIRTUAL_ENV"))
        and k not in {"DISPLAY", "WAYLAND_DISPLAY"}
    }
    folder = tmp_path / "smoke"
    started = time.monotonic()
    run = subprocess.run(
        [str(executable), "--smoke", str(folder)],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=180,
    )
    smoke_seconds = time.monotonic() - started
    result = (folder / smoke.RESULT_FILE).read_text(encoding="utf-8")
    assert run.returncode == 0, f"{result}\n{run.stderr}"
    assert result.startswith("smoke: ok (")
    if sys.platform != "win32":  # a windowed Windows app has no stdout; the file says it all
        assert run.stdout == result
    # Like qutebrowser's frozen test: anything else the app prints is a problem to look at.
    assert run.stderr == "", run.stderr
    size = _bundle_size(bundle)
    print(
        f"\ninstaller: built in {build_seconds:.0f} s, {size / 2**20:.0f} MiB; "
        f"frozen smoke {smoke_seconds:.1f} s"
    )
