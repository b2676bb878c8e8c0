#!/usr/bin/env bash
# The system libraries Qt needs to run offscreen (tests) on a bare Debian/Ubuntu machine.
# Installs only what is missing, and only as root with apt; elsewhere it says what to do.
set -euo pipefail

packages=(libgl1 libegl1 libxkbcommon0 libfontconfig1 libdbus-1-3 libglib2.0-0 fonts-dejavu-core)
if [ "${1:-}" = "--gui" ]; then
  # A real window under Xvfb, and PDF pages to PNG for looking at reports.
  packages+=(xvfb xauth libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1
             libxcb-render-util0 libxcb-render0 libxcb-shape0 libxcb-util1 libxcb-xkb1
             libxkbcommon-x11-0 poppler-utils)
fi

[ "$(uname -s)" = "Linux" ] || exit 0          # macOS and Windows ship what Qt needs
command -v dpkg-query >/dev/null 2>&1 || exit 0  # not Debian-like: nothing we can check

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [ "$status" = "install ok installed" ] || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "Qt needs these system packages, which are missing: ${missing[*]}" >&2
  echo "Install them with: sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
  exit 1
fi
echo "Installing the system libraries Qt needs: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
