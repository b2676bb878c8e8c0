"""The one atomic-write helper and the one safe-name helper."""

from __future__ import annotations

from pathlib import Path

import pytest

from icg_desk.formats.atomic import atomic_write
from icg_desk.formats.naming import batch_file_name, safe_stem


def test_a_finished_block_replaces_the_target_whole(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    target.write_text("old")
    with atomic_write(target) as staged:
        assert staged.path.parent == tmp_path
        assert staged.path.name.startswith(".out.txt.")
        assert staged.path.exists()  # made exclusively, before the writer opens it by name
        staged.path.write_text("new")
        assert target.read_text() == "old"
    assert target.read_text() == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_a_failed_or_abandoned_block_leaves_the_target_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    target.write_text("old")
    # Cancelled half-way through writing: the failure must come from inside.
    with pytest.raises(RuntimeError), atomic_write(target) as staged:  # noqa: PT012
        staged.path.write_text("half")
        raise RuntimeError("cancelled")
    with atomic_write(target, keep=False) as staged:
        staged.path.write_text("not kept")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_an_error_names_the_target_not_the_temporary(tmp_path: Path) -> None:
    target = tmp_path / "folder"
    target.mkdir()
    with pytest.raises(IsADirectoryError) as caught, atomic_write(target) as staged:
        staged.path.write_text("x")
    assert caught.value.filename == str(target)
    with pytest.raises(FileNotFoundError) as missing, atomic_write(tmp_path / "no" / "x"):
        pass
    assert missing.value.filename == str(tmp_path / "no" / "x")


def test_two_writers_never_share_a_temporary(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    with atomic_write(target) as first, atomic_write(target) as second:
        assert first.path != second.path


def test_safe_names() -> None:
    assert batch_file_name("2026-27", "S/1") == "2026-27-S_1.icgbatch"
    assert batch_file_name("2026-27", "../S 1") == "2026-27-.._S_1.icgbatch"  # never a path
    assert batch_file_name("2026-27", "S-1", 1) == "2026-27-S-1.icgbatch"
    assert batch_file_name("2026-27", "S-1", 2) == "2026-27-S-1-batch2.icgbatch"
    with pytest.raises(ValueError, match="starts at 1"):
        batch_file_name("2026-27", "S-1", 0)
    assert safe_stem("CON", ascii_only=True) == "_CON"
    assert safe_stem("C27-0001 Zoë", ascii_only=True) == "C27-0001_Zo"
    assert safe_stem("1001 Zoë") == "1001 Zoë"
    assert len(safe_stem("x" * 500, ascii_only=True, max_bytes=80)) == 80
