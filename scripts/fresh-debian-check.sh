#!/usr/bin/env bash
# Proof that the README's two commands work on a fresh machine: a minimal Debian 12 root
# (minbase with python3, python3-venv, make and git, nothing else), a fresh clone of this
# repository's committed HEAD, and in it, as root:
#
#   .ci/run                     make test with the frozen-app test; installs its own packages
#   make lint                   unless .ci/run already runs it
#   make run, no display        one sentence, exit 2, no Qt abort or core dump
#   window libraries            ldd finds every library of Qt's xcb plugin (before Xvfb is there)
#   make run under Xvfb         the window opens (Xvfb is installed for this check only)
#
# and, in another fresh copy of the root, as a user who is not root: `make test` and `make run`
# each fail at once with one line, `sudo apt-get update && sudo apt-get install ...`, and that
# line, run by the user (sudo is added for this), installs what was missing.
#
# Usage (as root, on a Debian/Ubuntu host; needs mmdebstrap or debootstrap, installed if missing):
#   scripts/fresh-debian-check.sh [--fresh] [--only=root|--only=user] [--ca FILE] [FOLDER]
# FOLDER (default /var/tmp/icg-desk-fresh-debian) keeps the bootstrapped root (base/) between
# runs, the downloads (cache/: pip wheels and .deb files, so a rerun downloads less) and the logs
# of the last run (logs/). Each run works on overlays over base/, so every run starts from the
# fresh root. --fresh bootstraps base/ again and empties the caches.
# Behind a proxy that re-signs TLS, pip in the root must trust the proxy's CA: --ca FILE (a PEM
# bundle), or the host's PIP_CERT when it is set, is given to pip in the root as PIP_CERT. A
# fresh machine on the open internet needs none of this: pip brings its own CA list, so the
# root has no ca-certificates package.
# Takes about 5 minutes on two cores; the full test suite is most of it.
set -euo pipefail

fresh=0
only=
ca=${PIP_CERT:-}
folder=/var/tmp/icg-desk-fresh-debian
while [ $# -gt 0 ]; do
  arg=$1
  shift
  case "$arg" in
    --fresh) fresh=1 ;;
    --ca) ca=${1:?--ca needs a file}; shift ;;
    --only=root|--only=user) only=${arg#--only=} ;;
    -h|--help) sed -n '2,29p' "$0"; exit 0 ;;
    -*) echo "fresh-debian-check.sh: unknown option $arg" >&2; exit 2 ;;
    *) folder=$arg ;;
  esac
done
[ -z "$ca" ] || [ -f "$ca" ] || { echo "fresh-debian-check.sh: --ca $ca: no such file" >&2; exit 2; }
[ "$(id -u)" -eq 0 ] || { echo "fresh-debian-check.sh: run it as root (it builds a root and chroots into it)" >&2; exit 2; }

repo=$(git -C "$(dirname "$0")/.." rev-parse --show-toplevel)
head=$(git -C "$repo" rev-parse HEAD)
mkdir -p "$folder"
folder=$(cd "$folder" && pwd)
base=$folder/base
logs=$folder/logs
suite=bookworm
mirror=http://deb.debian.org/debian
user=scorer
src=/srv/icg-desk  # where the clone lives in the root
path=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

# The packages each command should install in the fresh root (scripts/install-system-deps.sh).
offscreen="libgl1 libegl1 libxkbcommon0 libfontconfig1 libdbus-1-3 libglib2.0-0 fonts-dejavu-core"
xcb="libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-render-util0 libxcb-render0 libxcb-shape0 libxcb-util1 libxcb-xkb1 libxkbcommon-x11-0"
sentence="icg-desk: no display to open the window on (neither DISPLAY nor WAYLAND_DISPLAY is set); run it in a desktop session, or under xvfb-run"

# --- the report ------------------------------------------------------------------------------

results=()
failed=0
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
say() { printf '\n== %s\n' "$*"; }
record() {  # record PASS|FAIL seconds name [detail]
  results+=("$(printf '%-4s %7s s  %s%s' "$1" "$2" "$3" "${4:+  ($4)}")")
  printf '%s %s (%s s)%s\n' "$1" "$3" "$2" "${4:+: $4}"
  [ "$1" = PASS ] || failed=1
}
show_log() { echo "--- last lines of $1:"; tail -n "${2:-30}" "$1" | sed 's/^/    /'; }

# --- the roots -------------------------------------------------------------------------------

mounted=()
cleanup() {
  local i
  for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
    umount -R "${mounted[$i]}" 2>/dev/null || umount -R -l "${mounted[$i]}" 2>/dev/null || true
  done
  mounted=()
}
trap cleanup EXIT
trap 'exit 130' INT TERM

bootstrap() {
  if [ -d "$base" ] && [ $fresh = 0 ]; then
    echo "Reusing the root in $base (--fresh makes a new one)"
    return
  fi
  rm -rf "$base" "$base.tmp" "$folder/cache"
  local started
  started=$(now)
  local include=python3,python3-venv,make,git
  if ! command -v mmdebstrap >/dev/null && ! command -v debootstrap >/dev/null; then
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends mmdebstrap >/dev/null \
      || apt-get install -y -qq --no-install-recommends debootstrap >/dev/null
  fi
  if command -v mmdebstrap >/dev/null; then
    # As a fresh install has them: the point releases' updates and the security archive.
    mmdebstrap --variant=minbase --include=$include $suite "$base.tmp" \
      "deb $mirror $suite main" "deb $mirror $suite-updates main" \
      "deb http://deb.debian.org/debian-security $suite-security main" >"$logs/bootstrap.log" 2>&1
  else
    debootstrap --variant=minbase --include=$include $suite "$base.tmp" $mirror >"$logs/bootstrap.log" 2>&1
    printf 'deb %s %s main\ndeb %s %s-updates main\ndeb http://deb.debian.org/debian-security %s-security main\n' \
      $mirror $suite $mirror $suite $suite >"$base.tmp/etc/apt/sources.list"
    rm -rf "$base.tmp"/var/lib/apt/lists/*_* "$base.tmp"/var/cache/apt/archives/*.deb
  fi
  mv "$base.tmp" "$base"
  record PASS "$(since "$started")" "bootstrap a minbase $suite root (+ python3 python3-venv make git)"
}

# machine NAME: a fresh copy of the root (an overlay over base/) at $folder/NAME/root, with
# /proc, /sys and /dev mounted and the host's DNS; its path in $root.
machine() {
  local top=$folder/$1
  if mountpoint -q "$top/root"; then umount -R "$top/root"; fi
  rm -rf "$top"
  mkdir -p "$top/upper" "$top/work" "$top/root"
  if mount -t overlay overlay -o "lowerdir=$base,upperdir=$top/upper,workdir=$top/work" "$top/root" 2>/dev/null; then
    mounted+=("$top/root")
  else  # no overlayfs here: a plain copy
    rmdir "$top/root" && cp -a "$base" "$top/root"
  fi
  root=$top/root
  mount -t proc proc "$root/proc"; mounted+=("$root/proc")
  mount -t sysfs sysfs "$root/sys"; mounted+=("$root/sys")
  mount --rbind /dev "$root/dev"; mount --make-rslave "$root/dev"; mounted+=("$root/dev")
  # Downloads only: wheels for pip and .deb files for apt, kept between runs.
  mkdir -p "$folder/cache/pip" "$folder/cache/apt/partial" "$root/root/.cache/pip"
  mount --bind "$folder/cache/pip" "$root/root/.cache/pip"; mounted+=("$root/root/.cache/pip")
  mount --bind "$folder/cache/apt" "$root/var/cache/apt/archives"; mounted+=("$root/var/cache/apt/archives")
  rm -f "$root/etc/resolv.conf"
  cp -L /etc/resolv.conf "$root/etc/resolv.conf"
  if [ -n "$ca" ]; then
    mkdir -p "$root/etc/ssl"
    cp -L "$ca" "$root/etc/ssl/proxy-ca.pem"
  fi
  # The committed HEAD, cloned afresh: what is not committed is not tested.
  git clone --quiet --no-checkout "$repo" "$root$src"
  git -C "$root$src" checkout --quiet --detach "$head"
}

# in_root [--user] COMMAND: run a bash command in the root with a clean environment (no DISPLAY,
# no QT_*, nothing of this host's shell), in the clone.
in_root() {
  local name=root home=/root who=()
  if [ "$1" = --user ]; then
    shift
    name=$user home=/home/$user who=(runuser -u "$user" --)
  fi
  chroot "$root" "${who[@]}" /usr/bin/env -i HOME=$home USER=$name LOGNAME=$name PATH=$path \
    LANG=C.UTF-8 TERM=dumb ${ca:+PIP_CERT=/etc/ssl/proxy-ca.pem} bash -c "cd $src && $1"
}

missing_in_root() {  # the packages of this set that are not installed in the root
  local p out=()
  for p in $1; do
    # shellcheck disable=SC2016  # ${Status} is dpkg-query's, not the shell's
    [ "$(chroot "$root" dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)" = "install ok installed" ] || out+=("$p")
  done
  echo "${out[*]}"
}

installed_line() {  # what install-system-deps.sh said it installed, from a log
  grep -h '^Installing the system packages' "$@" 2>/dev/null | sed 's/^Installing the system packages ICG Desk needs: //' | paste -sd' ' || true
}

# --- the checks ------------------------------------------------------------------------------

mkdir -p "$logs"
rm -f "$logs"/*.log
cd "$repo"
if [ -n "$(git status --porcelain --untracked-files=no)" ]; then
  echo "Note: the checkout has uncommitted changes; they are not in the test (HEAD $head is)."
fi
say "Fresh Debian check of $(git log -1 --format='%h %s' "$head")"
[ -z "$ca" ] || echo "pip in the root trusts the CA bundle $ca (a proxy re-signs TLS here; see --ca)"
bootstrap
libpython=libpython$(chroot "$base" python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])')

if [ "$only" != user ]; then
say "As root in a fresh root: .ci/run, make run"
machine as-root
started=$(now)
if in_root ".ci/run" >"$logs/ci-run.log" 2>&1; then
  installed=$(installed_line "$logs/ci-run.log")
  record PASS "$(since "$started")" ".ci/run" "$(grep -E '^=+ .*(passed|failed).* =+$' "$logs/ci-run.log" | tail -1 | tr -d '='| xargs); installed: ${installed:-nothing}"
  want="$offscreen binutils $libpython"
  left=$(missing_in_root "$want")
  if [ -z "$left" ] && [ "$installed" = "$want" ]; then
    record PASS 0 "make test installed exactly: $want"
  else
    record FAIL 0 "make test installed exactly: $want" "installed: $installed; still missing: $left"
  fi
else
  record FAIL "$(since "$started")" ".ci/run"
  show_log "$logs/ci-run.log" 60
fi

if grep -q 'make lint' .ci/run 2>/dev/null; then
  echo "(.ci/run runs make lint itself)"
else
  started=$(now)
  if in_root "make lint" >"$logs/lint.log" 2>&1; then
    record PASS "$(since "$started")" "make lint (after .ci/run; not yet part of it)"
  else
    record FAIL "$(since "$started")" "make lint (after .ci/run; not yet part of it)"
    show_log "$logs/lint.log"
  fi
fi

started=$(now)
code=0
in_root "make run" >"$logs/run-no-display.log" 2>&1 || code=$?
seconds=$(since "$started")
installed=$(installed_line "$logs/run-no-display.log")
if [ $code -ne 0 ] && grep -qxF "$sentence" "$logs/run-no-display.log" \
   && grep -qE '^make: \*\*\* \[Makefile:[0-9]+: run\] Error 2$' "$logs/run-no-display.log" \
   && ! grep -qiE 'core dumped|aborted|Error 134|Traceback|qt\.qpa' "$logs/run-no-display.log"; then
  record PASS "$seconds" "make run with no display: the one sentence, exit 2" "installed: ${installed:-nothing}"
else
  record FAIL "$seconds" "make run with no display: the one sentence, exit 2" "make exited $code"
  show_log "$logs/run-no-display.log"
fi
left=$(missing_in_root "$offscreen $xcb")
if [ -z "$left" ]; then
  record PASS 0 "make run installed the window's libraries"
else
  record FAIL 0 "make run installed the window's libraries" "missing: $left"
fi

# Before Xvfb and its libraries are there: does the xcb plugin find all it links to?
started=$(now)
if in_root 'ldd .venv/lib/python3*/site-packages/PySide6/Qt/plugins/platforms/libqxcb.so' >"$logs/ldd-xcb.log" 2>&1 \
   && ! grep -q 'not found' "$logs/ldd-xcb.log"; then
  record PASS "$(since "$started")" "ldd: Qt's xcb plugin finds every library"
else
  record FAIL "$(since "$started")" "ldd: Qt's xcb plugin finds every library" "$(grep 'not found' "$logs/ldd-xcb.log" | awk '{print $1}' | paste -sd' ')"
fi

# The window under Xvfb. xwininfo (x11-utils) looks for it; the app is stopped after.
started=$(now)
if in_root "DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends xvfb xauth x11-utils" >"$logs/xvfb-install.log" 2>&1; then
  record PASS "$(since "$started")" "install xvfb xauth x11-utils (for the next check only)"
else
  record FAIL "$(since "$started")" "install xvfb xauth x11-utils (for the next check only)"
  show_log "$logs/xvfb-install.log"
fi
started=$(now)
cat >"$root/tmp/window-check.sh" <<'EOF'
# Under xvfb-run: start `make run` and wait up to 90 s for its window to show the demo batch
# (the title names the file; Qt's 1x1 helper window named "ICG Desk" does not count). Still
# there two seconds later: it opened and did not die. Then stop it.
setsid make run >/tmp/make-run.log 2>&1 &
app=$!
window() { xwininfo -root -tree | grep -E '"[^"]*demo\.icgbatch[^"]*ICG Desk"' | grep -v ' 1x1+'; }
for _ in $(seq 90); do
  sleep 1
  if window >/dev/null; then
    sleep 2
    if kill -0 $app 2>/dev/null && window; then
      kill -TERM -- -$app; wait $app 2>/dev/null
      cat /tmp/make-run.log
      echo "WINDOW OPEN"; exit 0
    fi
  fi
  kill -0 $app 2>/dev/null || break
done
kill -TERM -- -$app 2>/dev/null; wait $app 2>/dev/null
xwininfo -root -tree
cat /tmp/make-run.log
echo "NO WINDOW"; exit 1
EOF
if in_root "xvfb-run -a -s '-screen 0 1280x800x24' bash /tmp/window-check.sh" >"$logs/run-xvfb.log" 2>&1 \
   && grep -qx 'WINDOW OPEN' "$logs/run-xvfb.log"; then
  record PASS "$(since "$started")" "make run under Xvfb: the window opens on the demo batch" \
    "$(grep -m1 'demo.icgbatch' "$logs/run-xvfb.log" | sed 's/^ *0x[0-9a-f]* //')"
else
  record FAIL "$(since "$started")" "make run under Xvfb: the window opens on the demo batch"
  show_log "$logs/run-xvfb.log"
fi
cleanup
fi

if [ "$only" != root ]; then
say "As a user who is not root, in another fresh root"
machine as-user
chroot "$root" useradd --create-home --shell /bin/bash "$user"
chroot "$root" chown -R "$user:$user" "$src"
for target in test run; do
  started=$(now)
  code=0
  in_root --user "make $target" >"$logs/user-$target.log" 2>&1 || code=$?
  seconds=$(since "$started")
  if [ $target = test ]; then want="$offscreen binutils $libpython"; else want="$offscreen $xcb"; fi
  line="ICG Desk needs system packages that are missing; install them with: sudo apt-get update && sudo apt-get install -y --no-install-recommends $want"
  # One line from the script, then make's own line; nothing else, and no venv was made.
  if [ $code -ne 0 ] && [ "$(head -1 "$logs/user-$target.log")" = "$line" ] \
     && [ "$(wc -l <"$logs/user-$target.log")" -eq 2 ] && [ ! -e "$root$src/.venv" ]; then
    record PASS "$seconds" "make $target as $user fails at once with the one sudo line" "${line#*with: }"
  else
    record FAIL "$seconds" "make $target as $user fails at once with the one sudo line"
    show_log "$logs/user-$target.log"
  fi
done
# The line works on this fresh machine (no package lists yet), run by the user through sudo.
started=$(now)
in_root "DEBIAN_FRONTEND=noninteractive apt-get update -qq && apt-get install -y -qq --no-install-recommends sudo && rm -rf /var/lib/apt/lists/*_* && echo '$user ALL=(ALL) NOPASSWD: ALL' >/etc/sudoers.d/$user" >"$logs/user-sudo.log" 2>&1
line=$(head -1 "$logs/user-test.log")
command=${line#*with: }
if in_root --user "$command && scripts/install-system-deps.sh --pyinstaller" >>"$logs/user-sudo.log" 2>&1 \
   && [ -z "$(missing_in_root "$offscreen binutils $libpython")" ]; then
  record PASS "$(since "$started")" "the line, run by $user, installs what make test lacked" "sudo added first"
else
  record FAIL "$(since "$started")" "the line, run by $user, installs what make test lacked"
  show_log "$logs/user-sudo.log"
fi
cleanup
fi

say "Summary ($(git log -1 --format=%h "$head") in a fresh $suite minbase root; logs in $logs)"
printf '%s\n' "${results[@]}"
if [ $failed = 0 ]; then echo "ALL PASS"; else echo "SOME FAILED"; fi
exit $failed
