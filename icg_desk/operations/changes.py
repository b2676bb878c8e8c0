"""What an operation changed, so each screen reloads only what it shows (Anki's OpChanges)."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Changes:
    """The parts of a cohort an operation changed; all False for a read or a refusal."""

    candidates: bool = False  # candidates and their entries (roster import)
    scorers: bool = False  # scorers (scorers import)
    assignments: bool = False  # who reads what, and which batch a read went out in
    reads: bool = False  # merged scores, hence the results
    merges: bool = False  # the audit log of returned files
    flags: bool = False  # a flag accepted (or adjudicated), hence the results
    release: bool = False  # the results were released (and locked)

    @property
    def any(self) -> bool:
        return any(getattr(self, f.name) for f in fields(self))

    def __or__(self, other: Changes) -> Changes:
        return Changes(
            **{f.name: getattr(self, f.name) or getattr(other, f.name) for f in fields(self)}
        )


NOTHING = Changes()


@dataclass(frozen=True)
class Done(Generic[T]):
    """An operation's result (plain, frozen data) and what it changed."""

    value: T
    changes: Changes = NOTHING
