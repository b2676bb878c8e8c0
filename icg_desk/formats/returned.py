"""A scorer's returned file, as the merge reads it: a batch or a summary workbook.

Told apart by content, not by name. Read only: a batch through `inspect_batch` and a read-only
SQLite connection, a summary through `formats.summary.read_batch_summary`. The result is the
model's `Returned` (or its `Rejected`), which `models.merge.merge_returned` checks against the
cohort and applies.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import zipfile
from datetime import datetime
from fractions import Fraction
from pathlib import Path

from icg_desk.formats.summary import SummaryError, read_batch_summary
from icg_desk.models.batch_file import BatchFileError, inspect_batch
from icg_desk.models.input_limits import RETURNED_MAX_BYTES, InputRefused, open_regular, too_big
from icg_desk.models.merge import NOT_RETURNED_FILE, ReadKey, Rejected, Returned
from icg_desk.models.schema import LAST_CHANGE_SQL
from icg_desk.scoring import Rubric, ScoreError, format_score
from icg_desk.scoring.lineage import Version
from icg_desk.scoring.scale import quoted

_SQLITE_MAGIC = b"SQLite format 3\x00"
_HEX = frozenset("0123456789abcdef")
_ZIP_MAGIC = b"PK\x03\x04"


def hash_returned(path: Path) -> tuple[bytes, str]:
    """A returned file's first bytes (its kind is told by them) and its SHA-256, read in
    chunks; Rejected when it is not a regular file or is larger than RETURNED_MAX_BYTES (said
    before reading it), OSError when it cannot be read."""
    try:
        stream = open_regular(path)
    except InputRefused as exc:
        raise Rejected(str(exc)) from None
    with stream:
        size = os.fstat(stream.fileno()).st_size
        digest, head, total = hashlib.sha256(), b"", 0
        while size <= RETURNED_MAX_BYTES and (chunk := stream.read(1 << 20)):
            head, total = head or chunk[:16], total + len(chunk)
            size = max(size, total)  # grown since it was looked at
            digest.update(chunk)
        if size > RETURNED_MAX_BYTES:
            raise Rejected(str(too_big(size, RETURNED_MAX_BYTES, "a returned file")))
    return head, digest.hexdigest()


def read_returned(path: Path, head: bytes, cohort_name: str, rubric: Rubric) -> Returned:
    """What a returned file holds, checked against the rubric; Rejected says why it cannot be.

    `head` is the file's first bytes, already read for its hash: the kind is told by content.
    """
    # By content, not by name: a renamed batch is still a batch, a renamed text file is not.
    if head.startswith(_SQLITE_MAGIC):
        return _read_batch(path, cohort_name, rubric)
    if head.startswith(_ZIP_MAGIC) and zipfile.is_zipfile(path):
        return _read_summary(path, cohort_name, rubric)
    raise Rejected(NOT_RETURNED_FILE)


def _read_batch(path: Path, cohort_name: str, rubric: Rubric) -> Returned:
    try:
        inspect_batch(path)
    except BatchFileError as exc:
        raise Rejected(exc.problem) from None
    # Like inspect_batch: with no write-ahead log beside it the file is the whole database and
    # immutable=1 reads it without even a lock file; with a log, read-only mode applies it.
    wal = path.with_name(path.name + "-wal")
    uri = f"{path.resolve().as_uri()}?{'mode=ro' if wal.exists() else 'immutable=1'}"
    try:
        con = sqlite3.connect(uri, uri=True)
        try:
            batch_id, cohort, scorer_id, edition = con.execute(
                "SELECT batch_id, cohort, scorer_id, rubric_edition FROM batch"
            ).fetchone()
            # Every portfolio, read or not: a portfolio with no reads is still the scorer's.
            rows = con.execute(
                "SELECT p.candidate_code, r.factor_key, r.score, r.rationale, r.updated_at "
                "FROM portfolio p LEFT JOIN factor_read r ON r.portfolio_id = p.id"
            ).fetchall()
            (as_of_text,) = con.execute(LAST_CHANGE_SQL).fetchone()
            versioned = "lineage" in {r[1] for r in con.execute("PRAGMA table_info(portfolio)")}
            states = con.execute(
                "SELECT candidate_code, status"
                + (", revision, lineage" if versioned else "")
                + " FROM portfolio"
            ).fetchall()
            history = (
                con.execute(
                    "SELECT p.candidate_code, c.lineage FROM change_log c "
                    "JOIN portfolio p ON p.id = c.portfolio_id WHERE c.lineage IS NOT NULL"
                ).fetchall()
                if versioned
                else []
            )
        finally:
            con.close()
    except sqlite3.Error as exc:
        raise Rejected(f"is damaged: {exc}") from None
    except UnicodeDecodeError:  # SQLite's own words quoting a damaged page
        raise Rejected("is damaged: it holds text that is not UTF-8") from None
    identity = {"batch id": batch_id, "cohort": cohort, "scorer id": scorer_id}
    identity["rubric edition"] = edition
    for field, value in identity.items():
        if not isinstance(value, str):
            raise Rejected(f"is damaged: its {field} is {quoted(value)}, not text")
    who = {"scorer_id": scorer_id, "batch_id": batch_id}
    _check_identity("a batch", cohort, cohort_name, edition, rubric, who)
    as_of = _last_change(as_of_text, who)
    keys = set(rubric.factor_keys)
    found: dict[ReadKey, tuple[Fraction | None, str]] = {}
    times: dict[ReadKey, datetime] = {}
    codes: list[str] = []
    parsed: dict[str, Fraction] = {}  # each distinct text parsed and checked once per file
    moments: dict[object, datetime] = {}
    for code, key, score_text, rationale, changed in rows:
        if not isinstance(code, str):
            raise Rejected(f"is damaged: a candidate code is not text ({quoted(code)})", **who)
        codes.append(code)
        if key is None:
            continue
        if key not in keys:
            raise Rejected(f"{code}: factor {quoted(key)} is not in the cohort's rubric", **who)
        if rationale is not None and not isinstance(rationale, str):
            problem = f"the rationale is {quoted(rationale)}, not text"
            raise Rejected(f"{code} {_name(rubric, key)}: {problem}", **who)
        if score_text is None:
            score = None
        elif (score := parsed.get(score_text)) is None:
            score = parsed[score_text] = _batch_score(code, key, score_text, rubric, who)
        found[(code, key)] = (score, rationale or "")
        if score is not None:
            moment = moments.get(changed)
            if moment is None:
                moment = moments[changed] = _read_time(code, key, changed, rubric, who)
            times[(code, key)] = moment
    reads: dict[ReadKey, tuple[Fraction | None, str | None]] = {
        (code, key): found.get((code, key), (None, ""))
        for code in codes
        for key in rubric.factor_keys
    }
    statuses, versions = _versions(states, history, who)
    return Returned("batch", batch_id, scorer_id, reads, as_of, versions, statuses, times)


def _versions(
    states: list[tuple[object, ...]], history: list[tuple[object, object]], who: dict[str, str]
) -> tuple[dict[str, str], dict[str, Version]]:
    """Each portfolio's status and version (a batch of format 4 on: scoring/lineage.py); no
    versions from an older batch. A revision or lineage ICG Desk did not write is damage."""
    statuses: dict[str, str] = {}
    heads: dict[str, tuple[int, str]] = {}
    for code, status, *version in states:
        statuses[str(code)] = str(status)
        if version and version != [0, ""]:  # "": a portfolio put in without a base
            revision, lineage = version
            if not (isinstance(revision, int) and revision >= 0 and _is_lineage(lineage)):
                raise Rejected(
                    f"is damaged: {code}'s revision {quoted(revision)} and lineage "
                    f"{quoted(lineage)} are not as ICG Desk writes them",
                    **who,
                )
            heads[str(code)] = (revision, str(lineage))
    held: dict[str, set[str]] = {}
    for code, lineage in history:
        if not _is_lineage(lineage):
            raise Rejected(f"is damaged: a lineage in {code}'s history is {quoted(lineage)}", **who)
        held.setdefault(str(code), set()).add(str(lineage))
    versions = {
        code: Version(revision, lineage, frozenset(held.get(code, ())))
        for code, (revision, lineage) in heads.items()
    }
    return statuses, versions


def _is_lineage(value: object) -> bool:
    return isinstance(value, str) and len(value) == 64 and all(c in _HEX for c in value)


def _batch_score(
    code: str, key: str, text: object, rubric: Rubric, who: dict[str, str]
) -> Fraction:
    """A stored score, by the one grammar of a score in a file (`Scale.read`): "Infinity",
    "1e999999999" or a 5,000-digit number is a named problem, never built into a number."""
    try:
        return rubric.scale.read(text)
    except ScoreError as exc:
        raise Rejected(f"{code} {_name(rubric, key)}: {exc}", **who) from None


def _read_time(
    code: str, key: str, text: object, rubric: Rubric, who: dict[str, str]
) -> datetime:
    """When a factor of a read was last changed (`factor_read.updated_at`), as ICG Desk writes
    it: ISO 8601 with its offset."""
    try:
        moment = datetime.fromisoformat(text) if isinstance(text, str) else None
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise Rejected(
            f"is damaged: {code} {_name(rubric, key)} was last changed {quoted(text)}, which is "
            "not a time with its offset from UTC",
            **who,
        )
    return moment


def _last_change(text: object, who: dict[str, str]) -> datetime:
    """The batch's last change, as ICG Desk writes every time: ISO 8601 with its offset. A
    time without one cannot be told apart from another (and was compared with zoned times)."""
    try:
        moment = datetime.fromisoformat(text) if isinstance(text, str) else None
    except ValueError:
        moment = None
    if moment is None:
        raise Rejected(f"is damaged: its last change {quoted(text)} is not a time", **who)
    if moment.tzinfo is None:
        raise Rejected(
            f"is damaged: its last change {quoted(text)} has no time zone; ICG Desk writes "
            "every time with its offset from UTC",
            **who,
        )
    return moment


def _read_summary(path: Path, cohort_name: str, rubric: Rubric) -> Returned:
    try:
        summary = read_batch_summary(path)
    except SummaryError as exc:
        # The report names the file already: the reason is the place and the problem.
        raise Rejected(f"{exc.where}: {exc.problem}" if exc.where else exc.problem) from None
    who = {"scorer_id": summary.scorer_id, "batch_id": summary.batch_id}
    _check_identity("a summary", summary.cohort, cohort_name, summary.rubric_edition, rubric, who)
    keys = set(rubric.factor_keys)
    reads: dict[ReadKey, tuple[Fraction | None, str | None]] = {}
    for code, scores in summary.scores.items():
        unknown = sorted(set(scores) - keys)
        if unknown:
            raise Rejected(f"{code}: factor {unknown[0]!r} is not in the cohort's rubric", **who)
        for key in rubric.factor_keys:
            score = scores.get(key)
            # read_batch_summary checks the workbook's own scale; the cohort's is what counts.
            if score is not None and not rubric.scale.contains(score):
                raise Rejected(
                    f"{code} {_name(rubric, key)}: {format_score(score)} is not on the scale",
                    **who,
                )
            reads[(code, key)] = (score, None)
    versions = {
        code: Version(revision, lineage, history)
        for code, (revision, lineage, history) in summary.versions.items()
    }
    return Returned(
        "summary", summary.batch_id, summary.scorer_id, reads, summary.scores_as_of, versions
    )


def _name(rubric: Rubric, key: str) -> str:
    """A factor as the merge report names it: by the rubric's name (a key is for the file)."""
    return rubric.factor(key).name


def _check_identity(
    kind: str, cohort: str, cohort_name: str, edition: str, rubric: Rubric, who: dict[str, str]
) -> None:
    if cohort != cohort_name:
        raise Rejected(f"is {kind} of cohort {cohort}, not of {cohort_name}", **who)
    if edition != rubric.edition:
        raise Rejected(
            f"was scored on rubric edition {edition}; the cohort uses {rubric.edition}", **who
        )
