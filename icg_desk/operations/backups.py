"""Rotating backups of an open batch or cohort, and bringing one back.

While a batch is open in the scorer's window, or a cohort in the Coordinator window, ICG Desk
keeps the last `KEEP` states of it: one when it is opened, one every `EVERY` while it changes, and
one when it is closed (if it changed). A backup is made with SQLite's online backup API, never a
copy of the file: one consistent snapshot of everything committed, the write-ahead log's part
included, even while the file is open. It is written under a temporary name and linked into place
(`formats.atomic.atomic_create`), so a backup is whole or not there at all; the oldest beyond
`KEEP` are then removed.

Where: in ICG Desk's data folder (`paths.data_dir()`), `backups/<file name>-<12 hex>/`, the hex
a hash of the file's full path, so two files of the same name never share their backups. Not
beside the file: a batch often sits in a download or e-mail folder, on a USB stick or a synced
drive, where a folder of extra `.icgbatch` files would be read-only, shared with others, or taken
for the file to send back. The backups of a file that was moved are still there, under its old
path's folder.

Restoring checks the backup as opening checks any file (read-only, whole), backs up the current
state first (so a restore can itself be undone), then copies the backup into the file through the
backup API: one SQLite transaction, never half applied. The window closes the file before and
opens it again after.
"""

from __future__ import annotations

import hashlib
import os
import re
import sqlite3
import stat
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from icg_desk.formats.atomic import atomic_create
from icg_desk.models.batch_file import BATCH_SUFFIX, validate_batch
from icg_desk.models.cohort_file import COHORT_SUFFIX, validate_cohort
from icg_desk.models.errors import UserError
from icg_desk.models.sqlite_file import DatabaseFileError, read_only_uri, sqlite_user_error
from icg_desk.operations.file_lock import FileLock, lock_file
from icg_desk.paths import data_dir

KEEP = 5  # backups kept of each file; the oldest go first
EVERY = timedelta(minutes=10)  # at most one backup this often while the file changes
RESTORING = "ICG Desk restoring a backup"

# "2026-07-01T09-30-00.123456Z.icgbatch": sorts by time, and says it.
_NAME = re.compile(r"^(\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}\.\d{6})Z(\.icgbatch|\.icgcohort)$")
_STAMP = "%Y-%m-%dT%H-%M-%S.%f"


class BackupError(UserError):
    """A backup that cannot be made, listed or restored; the message names the file."""


@dataclass(frozen=True)
class _Kind:
    """What a backup of a batch or a cohort is, and how to describe one."""

    name: str
    suffix: str
    validate: Callable[[Path], int]
    identity_sql: str
    describe: Callable[[sqlite3.Connection], str]


def _describe_batch(con: sqlite3.Connection) -> str:
    total, complete, started = con.execute(
        "SELECT count(*), coalesce(sum(status = 'complete'), 0), "
        "coalesce(sum(status = 'in_progress'), 0) FROM portfolio"
    ).fetchone()
    return f"{complete} of {total} portfolios complete, {started} in progress"


def _describe_cohort(con: sqlite3.Connection) -> str:
    (candidates,) = con.execute("SELECT count(*) FROM candidate").fetchone()
    (assigned,) = con.execute("SELECT count(*) FROM assignment").fetchone()
    (merged,) = con.execute(
        "SELECT count(DISTINCT assignment_ref) FROM read_score WHERE score IS NOT NULL"
    ).fetchone()
    return f"{candidates} candidates, {merged} of {assigned} reads scored"


_KINDS = {
    BATCH_SUFFIX: _Kind("batch", BATCH_SUFFIX, validate_batch, "SELECT batch_id FROM batch",
                        _describe_batch),
    COHORT_SUFFIX: _Kind("cohort", COHORT_SUFFIX, validate_cohort, "SELECT name FROM cohort",
                         _describe_cohort),
}  # fmt: skip


def _kind(path: Path) -> _Kind:
    kind = _KINDS.get(path.suffix.lower())
    if kind is None:
        raise BackupError(f"{path}: only a batch or a cohort file is backed up")
    return kind


@dataclass(frozen=True)
class Backup:
    """One backup of a file: where it is, when it was made, and what it holds in words."""

    path: Path
    made_at: datetime  # UTC
    contents: str  # "12 of 40 portfolios complete, 3 in progress"; or why it cannot be read


def backup_folder(path: Path, base: Path | None = None) -> Path:
    """The folder the backups of the file at `path` go to (made when the first one is)."""
    resolved = Path(path).resolve()
    digest = hashlib.sha256(os.fsencode(resolved)).hexdigest()[:12]
    name = re.sub(r"[^A-Za-z0-9._-]", "_", resolved.name)[:60]
    return (base if base is not None else data_dir()) / "backups" / f"{name}-{digest}"


def _backups_in(folder: Path, suffix: str) -> list[tuple[Path, datetime]]:
    """The backups in `folder`, oldest first: regular files of our naming, nothing else."""
    found: list[tuple[Path, datetime]] = []
    try:
        entries = list(os.scandir(folder))
    except FileNotFoundError:
        return []
    for entry in entries:
        match = _NAME.match(entry.name)
        if match is None or match.group(2) != suffix:
            continue
        if not entry.is_file(follow_symlinks=False):
            continue
        made = datetime.strptime(match.group(1), _STAMP).replace(tzinfo=UTC)
        found.append((Path(entry.path), made))
    return sorted(found, key=lambda item: item[1])


def _copy(source: sqlite3.Connection, target: sqlite3.Connection) -> None:
    # pages=-1: the whole database in one step, one consistent snapshot.
    source.backup(target, pages=-1)


def _read_only(path: Path) -> sqlite3.Connection:
    """A backup, which nothing writes: read without a lock file (`read_only_uri`)."""
    return sqlite3.connect(read_only_uri(path), uri=True)


def _live(path: Path) -> sqlite3.Connection:
    """The open batch or cohort, which a step may write meanwhile: a plain connection (never
    `immutable`, which assumes nobody writes), used only to read; as the last to close it
    leaves no log beside a file that had none."""
    return sqlite3.connect(path, timeout=5.0)


def make_backup(
    path: Path,
    *,
    base: Path | None = None,
    keep: int = KEEP,
    now: datetime | None = None,
) -> Path:
    """Back up the file at `path` (open or not) into its backup folder; the oldest beyond
    `keep` are removed. Returns the new backup's path."""
    path = Path(path)
    kind = _kind(path)
    folder = backup_folder(path, base)
    made = (now or datetime.now(UTC)).astimezone(UTC)
    target = folder / f"{made.strftime(_STAMP)}Z{kind.suffix}"
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        with (
            atomic_create(target) as staged,
            closing(_live(path)) as source,
            closing(sqlite3.connect(staged.path)) as copy,
        ):
            _copy(source, copy)
    except sqlite3.Error as exc:
        raise (
            sqlite_user_error(path, exc, writing=False)
            or BackupError(f"{path}: no backup was made: {exc}")
        ) from None
    except OSError as exc:
        raise BackupError(f"{target}: no backup was made: {exc.strerror or exc}") from None
    prune(folder, kind.suffix, keep)
    return target


def prune(folder: Path, suffix: str, keep: int = KEEP) -> list[Path]:
    """Remove the oldest backups in `folder` beyond `keep`; the ones removed."""
    backups = _backups_in(folder, suffix)
    removed = []
    for old, _made in backups[: max(0, len(backups) - keep)]:
        old.unlink(missing_ok=True)
        removed.append(old)
    return removed


def list_backups(path: Path, *, base: Path | None = None) -> list[Backup]:
    """The backups of the file at `path`, newest first, each with what it holds."""
    kind = _kind(Path(path))
    found = []
    for backup, made in reversed(_backups_in(backup_folder(path, base), kind.suffix)):
        try:
            with closing(_read_only(backup)) as con:
                contents = kind.describe(con)
        except sqlite3.Error:
            contents = "cannot be read"
        found.append(Backup(backup, made, contents))
    return found


def _identity(path: Path, kind: _Kind) -> object:
    with closing(_read_only(path)) as con:
        row = con.execute(kind.identity_sql).fetchone()
    return None if row is None else row[0]


def restore_backup(
    path: Path,
    backup: Path,
    *,
    base: Path | None = None,
    lock: FileLock | None = None,
    keep: int = KEEP,
) -> Path:
    """Bring `backup` back as the file at `path`; returns the backup made of the state it
    replaced (restore that one to undo this).

    The file must be closed (the window closes it first); it is locked for the restore unless
    `lock` (held on it) is given. A backup that does not open (damaged, tampered with, of another
    batch or cohort) is refused and nothing changes.
    """
    path, backup = Path(path), Path(backup)
    kind = _kind(path)
    if not stat.S_ISREG(os.lstat(backup).st_mode) or backup.parent != backup_folder(path, base):
        raise BackupError(f"{backup}: not one of the backups of {path.name}")
    try:
        kind.validate(backup)
    except DatabaseFileError as exc:
        raise BackupError(f"The backup cannot be restored: {exc}") from None
    if _identity(backup, kind) != _identity(path, kind):
        raise BackupError(f"{backup}: it is a backup of another {kind.name}, not restored")
    held = lock if lock is not None else lock_file(path, RESTORING)
    try:
        # Kept apart from the rotation for one step: the state replaced must survive the prune.
        undo = make_backup(path, base=base, keep=keep + 1)
        try:
            with closing(_read_only(backup)) as source, closing(sqlite3.connect(path)) as target:
                _copy(source, target)
        except sqlite3.Error as exc:
            raise (
                sqlite_user_error(path, exc)
                or BackupError(f"{path}: the backup was not restored: {exc}")
            ) from None
        prune(undo.parent, kind.suffix, keep + 1)
        return undo
    finally:
        if lock is None:
            held.release()


@dataclass
class BackupSchedule:
    """When the open file is next backed up: on open, then at most every `every` while it
    changes, and on close if it changed. The window asks `due` on a timer and at close.

    A change is told by the file itself: the size and modification time of the file and its
    write-ahead log (`fingerprint`), so both windows and the command line's writes count.
    """

    every: timedelta = EVERY
    last_at: datetime | None = None
    last_seen: tuple[int, ...] | None = None

    def due(self, seen: tuple[int, ...], now: datetime, *, closing: bool = False) -> bool:
        if self.last_at is None or self.last_seen is None:
            return True
        if seen == self.last_seen:
            return False
        return closing or now - self.last_at >= self.every

    def done(self, seen: tuple[int, ...], now: datetime) -> None:
        self.last_at, self.last_seen = now, seen


def fingerprint(path: Path) -> tuple[int, ...]:
    """What changes when the file is written: its and its log's size and time."""
    found: list[int] = []
    for name in (path, path.with_name(path.name + "-wal")):
        try:
            info = os.stat(name)
        except FileNotFoundError:
            found += [-1, -1]
            continue
        found += [info.st_size, info.st_mtime_ns]
    return tuple(found)
