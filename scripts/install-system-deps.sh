#!/usr/bin/env bash
# The system packages ICG Desk needs on a bare Debian/Ubuntu machine, for one purpose:
#
#   (no option)      Qt offscreen: the tests, rendering windows to PNG
#   --window         plus Qt's xcb platform: a real window (`make run`, the one-folder app)
#   --pyinstaller    plus what PyInstaller needs to build the one-folder app (the frozen-app
#                    test of `make test`, `make installer`): binutils (objdump) and, when the
#                    Python is Debian's own, its shared library (libpython3.X)
#   --gui            --window plus Xvfb and poppler-utils: windows under xvfb-run, PDF pages
#                    to PNG (scripts/screenshot.py)
#   --python PATH    the Python whose shared library --pyinstaller checks (default python3)
#   --print          only print the missing packages, one line, and install nothing
#
# Installs only what is missing, and only as root with apt (apt-get update first: a fresh
# machine has no package lists). Not root: prints the one line that installs them, fails.
set -euo pipefail

offscreen=(libgl1 libegl1 libxkbcommon0 libfontconfig1 libdbus-1-3 libglib2.0-0 fonts-dejavu-core)
xcb=(libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-render-util0
     libxcb-render0 libxcb-shape0 libxcb-util1 libxcb-xkb1 libxkbcommon-x11-0)

window=0 pyinstaller=0 gui=0 only_print=0 python=python3
while [ $# -gt 0 ]; do
  case "$1" in
    --window) window=1 ;;
    --pyinstaller) pyinstaller=1 ;;
    --gui) gui=1 window=1 ;;
    --python) python="${2:?--python needs a path}"; shift ;;
    --print) only_print=1 ;;
    *) echo "install-system-deps.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done

[ "$(uname -s)" = "Linux" ] || exit 0          # macOS and Windows ship what Qt needs
command -v dpkg-query >/dev/null 2>&1 || exit 0  # not Debian-like: nothing we can check

packages=("${offscreen[@]}")
[ $window = 1 ] && packages+=("${xcb[@]}")
[ $gui = 1 ] && packages+=(xvfb xauth poppler-utils)
if [ $pyinstaller = 1 ]; then
  packages+=(binutils)  # PyInstaller reads every library's dependencies with objdump
  # PyInstaller bundles libpython3.X.so. Debian's Python is linked statically and ships that
  # library in a package of its own; a Python of pyenv, conda or python.org brings its own.
  if interpreter=$("$python" -c 'import os, sys; print(os.path.realpath(getattr(sys, "_base_executable", sys.executable)))' 2>/dev/null) \
     && dpkg-query -S "$interpreter" >/dev/null 2>&1; then
    packages+=("libpython$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')")
  fi
fi

# Installed packages and the names they provide: on Ubuntu 24.04 libglib2.0-0 and
# libpython3.12 are provided by libglib2.0-0t64 and libpython3.12t64.
installed=$(dpkg-query -W -f='${db:Status-Abbrev}|${Package}|${Provides}\n' 2>/dev/null |
  awk -F'|' '$1 ~ /^ii/ { print $2; n = split($3, p, /, */); for (i = 1; i <= n; i++) { split(p[i], w, " "); print w[1] } }')
missing=()
for p in "${packages[@]}"; do
  grep -qxF "$p" <<<"$installed" || missing+=("$p")
done
if [ $only_print = 1 ]; then
  echo "${missing[*]}"
  exit 0
fi
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  # One line, and one that works on a fresh machine (no package lists yet without the update).
  echo "ICG Desk needs system packages that are missing; install them with:" \
       "sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
  exit 1
fi
echo "Installing the system packages ICG Desk needs: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
