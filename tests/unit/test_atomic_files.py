"""The atomic file sink: complete under its final name, or not there at all."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from allocations.adapters import files
from allocations.adapters.files import open_atomic


def _entries(directory: Path) -> list[str]:
    return sorted(os.listdir(directory))


def _write_then_fail(path: Path, error: BaseException, mode: str = "w") -> None:
    with open_atomic(path, mode) as out:  # type: ignore[call-overload]
        out.write("half of the new content" if mode == "w" else b"partial")
        raise error


def test_text_is_written_and_only_the_target_remains(tmp_path: Path) -> None:
    target = tmp_path / "out.jsonl"
    with open_atomic(target, "w") as out:
        out.write("première ligne\n")
        assert not target.exists()  # invisible until committed
    assert target.read_text(encoding="utf-8") == "première ligne\n"
    assert _entries(tmp_path) == ["out.jsonl"]


def test_bytes_are_written(tmp_path: Path) -> None:
    target = tmp_path / "pain.001.xml"
    with open_atomic(str(target), "wb") as out:
        out.write(b"<Document/>\r\n")
    assert target.read_bytes() == b"<Document/>\r\n"


def test_newline_is_honoured_in_text_mode(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    with open_atomic(target, "w", newline="") as out:
        out.write("a,b\r\n")
    assert target.read_bytes() == b"a,b\r\n"


@pytest.mark.parametrize("error", [RuntimeError("crash"), KeyboardInterrupt()])
def test_an_error_in_the_block_leaves_the_old_file_and_no_temporary(
    tmp_path: Path, error: BaseException
) -> None:
    target = tmp_path / "out.txt"
    target.write_text("old\n")
    with pytest.raises(type(error)):
        _write_then_fail(target, error)
    assert target.read_text() == "old\n"
    assert _entries(tmp_path) == ["out.txt"]


def test_an_error_leaves_no_file_when_there_was_none(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="crash"):
        _write_then_fail(tmp_path / "new.txt", RuntimeError("crash"), "wb")
    assert _entries(tmp_path) == []


def test_a_failed_rename_removes_the_temporary(tmp_path: Path) -> None:
    target = tmp_path / "taken"
    target.mkdir()  # os.replace cannot put a file over a directory
    sink = open_atomic(target)
    sink.file.write("content")
    with pytest.raises(IsADirectoryError):
        sink.commit()
    assert _entries(tmp_path) == ["taken"]
    assert _entries(target) == []


def test_a_failed_fsync_removes_the_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full_disk(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(files.os, "fsync", full_disk)
    with pytest.raises(OSError, match="No space"), open_atomic(tmp_path / "out") as out:
        out.write("content")
    assert _entries(tmp_path) == []


def test_explicit_discard_and_commit(tmp_path: Path) -> None:
    sink = open_atomic(tmp_path / "a")
    sink.file.write("never published")
    sink.discard()
    sink.discard()  # idempotent
    assert _entries(tmp_path) == []
    sink = open_atomic(tmp_path / "b", durable=False)
    sink.file.write("published")
    sink.commit()
    assert (tmp_path / "b").read_text() == "published"
    with pytest.raises(ValueError, match="already committed"):
        sink.commit()


def test_permissions_follow_the_request_and_the_umask(tmp_path: Path) -> None:
    with open_atomic(tmp_path / "secret", permissions=0o600) as out:
        out.write("IBAN")
    assert stat.S_IMODE((tmp_path / "secret").stat().st_mode) == 0o600
    previous = os.umask(0o022)
    try:
        with open_atomic(tmp_path / "public") as out:
            out.write("x")
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / "public").stat().st_mode) == 0o644  # 0o666 & ~0o022


def test_a_missing_directory_fails_before_any_write_naming_the_target(tmp_path: Path) -> None:
    target = tmp_path / "missing" / "out.txt"
    with pytest.raises(FileNotFoundError) as caught:
        open_atomic(target)
    assert caught.value.filename == str(target)
    assert _entries(tmp_path) == []


def test_an_unknown_mode_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="'a'"):
        open_atomic(tmp_path / "out", "a")  # type: ignore[call-overload]
    assert _entries(tmp_path) == []


def test_the_file_and_its_directory_are_synced_before_and_after_the_rename(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    events: list[str] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd: int) -> None:
        events.append("fsync-dir" if stat.S_ISDIR(os.fstat(fd).st_mode) else "fsync-file")
        real_fsync(fd)

    def replace(source: str, destination: str) -> None:
        events.append("replace")
        real_replace(source, destination)

    monkeypatch.setattr(files.os, "fsync", fsync)
    monkeypatch.setattr(files.os, "replace", replace)
    with open_atomic(tmp_path / "out") as out:
        out.write("x")
    assert events == ["fsync-file", "replace", "fsync-dir"]
    events.clear()
    with open_atomic(tmp_path / "throwaway", durable=False) as out:
        out.write("x")
    assert events == ["replace"]
