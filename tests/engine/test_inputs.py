"""Untrusted files and JSON documents: regular files only, bounded before they are read."""

from __future__ import annotations

import contextlib
import json
import os
import threading

import pytest

from configurator.engine import inputs
from configurator.engine.inputs import InputError, json_depth, load_json, read_file


def test_reads_a_regular_file_up_to_its_limit(tmp_path):
    """A regular file of exactly the limit is read whole."""
    path = tmp_path / "a.bin"
    path.write_bytes(b"x" * 1000)
    assert read_file(path, limit=1000, what="artwork") == b"x" * 1000


def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path):
    """A FIFO is refused at once. (Before, the read waited forever for a writer: here a
    writer arrives after 5 s so that a regression fails instead of hanging the suite.)"""
    fifo = tmp_path / "art.png"
    os.mkfifo(fifo)

    def unblock() -> None:
        with contextlib.suppress(OSError):  # succeeds only while a reader waits in open()
            os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))

    timer = threading.Timer(5, unblock)
    timer.start()
    try:
        with pytest.raises(InputError, match=r"art.png is a FIFO \(named pipe\), not a regular"):
            read_file(fifo, limit=1000, what="artwork")
    finally:
        timer.cancel()


@pytest.mark.parametrize("path, kind", [("/dev/zero", "a device"), (".", "a folder")])
def test_devices_and_folders_are_refused_unopened(tmp_path, monkeypatch, path, kind):
    """/dev/zero (before: 7.5 GB read, then MemoryError) and folders are not regular files;
    they are refused from stat alone, never opened."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(inputs.os, "open", lambda *a, **k: pytest.fail("opened"))
    with pytest.raises(InputError, match=f"artwork {path} is {kind}, not a regular file"):
        read_file(path, limit=1000, what="artwork")


def test_a_huge_sparse_file_is_refused_by_its_size_without_reading(tmp_path, monkeypatch):
    """A 3 GB sparse file is refused from its stat size; not one byte is read."""
    path = tmp_path / "huge.jpg"
    with path.open("wb") as f:
        f.truncate(3 * 1024**3)
    monkeypatch.setattr(inputs.os, "read", lambda *a: pytest.fail("read"))
    with pytest.raises(InputError, match=r"huge.jpg is 3 GB; at most 100 MB is allowed"):
        read_file(path, limit=100 * 1024 * 1024, what="artwork")


def test_never_reads_more_than_the_limit_plus_one_byte(monkeypatch):
    """A file longer than its stat size says (here /proc, whose files claim 0 bytes) is
    refused after at most limit + 1 bytes."""
    asked = []
    real_read = os.read

    def counting_read(fd: int, n: int) -> bytes:
        asked.append(n)
        return real_read(fd, n)

    monkeypatch.setattr(inputs.os, "read", counting_read)
    with pytest.raises(InputError, match="grew beyond 100 bytes while being read"):
        read_file("/proc/self/status", limit=100, what="spec file")
    assert sum(asked) <= 101


def test_a_missing_file_is_one_line(tmp_path):
    """A missing file is an InputError naming it, not an OSError."""
    with pytest.raises(InputError, match=r"cannot read spec file .*nope.json: No such file"):
        read_file(tmp_path / "nope.json", limit=1000, what="spec file")


def test_depth_ignores_brackets_inside_strings():
    """Brackets in strings (escaped quotes included) do not count as nesting."""
    assert json_depth(b'{"a": [1, {"b": "[[[{{\\"[["}]}') == 3
    assert json_depth(b"42") == 0


def test_deep_nesting_is_refused_before_parsing(monkeypatch):
    """100,000 nested arrays are refused by depth; the parser never sees them."""
    monkeypatch.setattr(inputs.json, "loads", lambda *a: pytest.fail("parsed"))
    with pytest.raises(InputError, match="nests 100000 levels deep; at most 8 are allowed"):
        load_json(b"[" * 100_000 + b"]" * 100_000, limit=1_000_000)


@pytest.mark.parametrize(
    "document, message",
    [
        (b'{"a": "' + b"x" * 2000 + b'"}', "is 2 KB; at most 1000 bytes is allowed"),
        (b'{"a": ' + b"9" * 900 + b"}", None),
        (b'{"a": ' + b"9" * 5000 + b"}", "not valid JSON"),  # Python's 4300-digit limit
        (b'{"a": "\xff"}', "not valid JSON"),
        (b'{"a": ', "not valid JSON"),
    ],
)
def test_load_json_refuses_with_one_line(document, message):
    """Oversized, unreadable and malformed documents are an InputError of one line."""
    limit = 1000 if len(document) < 3000 else 10_000
    if message is None:
        assert load_json(document, limit=limit) == json.loads(document)
        return
    with pytest.raises(InputError, match=message) as caught:
        load_json(document, limit=limit)
    assert "\n" not in str(caught.value)
