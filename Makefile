# ICG Desk: `make run` opens the workstation on a demo batch; `make test` runs every test.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
export LANG ?= C.UTF-8

.PHONY: setup run coordinator test bench bench-national lint sysdeps installer clean

# One stamp per set of installed extras: pyproject.toml changing reinstalls.
$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "ICG Desk needs Python 3.11 or newer, this is " + sys.version.split()[0]' 
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test,installer]'
	@touch $@

# The system packages (scripts/install-system-deps.sh; root installs, anyone else is told the
# one line to run). Before the venv, so a missing package fails in a second, not after pip.
# `make sysdeps` alone: Qt offscreen. `make run` and `make test` ask for more (below); what
# `make run` adds is Qt's xcb platform, for a real window.
SYSDEPS_ARGS =
SYSDEPS_PYTHON = $(if $(wildcard $(PY)),$(PY),$(PYTHON))
sysdeps:
	@scripts/install-system-deps.sh $(SYSDEPS_ARGS) --python $(SYSDEPS_PYTHON)

run: SYSDEPS_ARGS = --window
run: sysdeps $(VENV)/.installed
	$(VENV)/bin/icg-desk demo

# The Coordinator window on a demo cohort of 12 candidates and 3 scorers, every read merged.
coordinator: SYSDEPS_ARGS = --window
coordinator: sysdeps $(VENV)/.installed
	$(VENV)/bin/icg-desk cohort demo "$$($(PY) -c 'from icg_desk.paths import data_dir; print(data_dir() / "demo-cohort")')" --build --open

# The frozen-app test (tests/test_installer.py) runs whenever PyInstaller is installed, and
# the venv always has it (the installer extra), so it needs PyInstaller's system packages
# unless it is turned off with ICG_DESK_INSTALLER_TEST=0.
TEST_SYSDEPS = $(if $(filter 0,$(ICG_DESK_INSTALLER_TEST)),,--pyinstaller)
test: SYSDEPS_ARGS = $(TEST_SYSDEPS)
test: sysdeps $(VENV)/.installed
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest $(PYTEST_ARGS)

# What `make test` sets up, without running the tests (CI lints in between).
setup: SYSDEPS_ARGS = $(TEST_SYSDEPS)
setup: sysdeps $(VENV)/.installed

# Checks only: it installs nothing (run `make setup` or `make test` once first). ruff, mypy strict
# over all of icg_desk, and the layers (faces -> operations -> ... -> scoring, pyproject.toml).
lint:
	@test -x $(VENV)/bin/lint-imports || { echo "make lint: no tools in $(VENV); run 'make setup' first" >&2; exit 2; }
	$(VENV)/bin/ruff check icg_desk tests bench scripts
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

bench: $(VENV)/.installed sysdeps
	QT_QPA_PLATFORM=offscreen $(PY) -m bench

# A national-size cohort (10,000 candidates) through every coordinator step: about 15 minutes.
bench-national: $(VENV)/.installed sysdeps
	QT_QPA_PLATFORM=offscreen $(PY) -m bench.national

# The one-folder app for this OS in dist/ (README: Installer). PyInstaller is not a dependency of
# the app, so it is installed here. On Linux the libraries of Qt's xcb platform go into the
# bundle, so they must be on this machine (--window), and PyInstaller needs objdump and, with
# Debian's Python, libpython3.X (--pyinstaller).
installer: SYSDEPS_ARGS = --window --pyinstaller
installer: sysdeps $(VENV)/.installed
	$(PY) -m PyInstaller --noconfirm --clean --log-level WARN build_installer.spec
	@du -sh dist/*
	@echo 'Check it: "dist/ICG Desk/ICG Desk" --smoke'

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .ruff_cache .mypy_cache
