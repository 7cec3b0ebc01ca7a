"""The one way to read an untrusted file or JSON document, bounded before it is read.

`read_file` reads only regular files: a FIFO, a device such as /dev/zero, a socket or a
folder is refused from `stat` alone, before anything opens it, so nothing can hang on a
FIFO that has no writer or stream gigabytes from a device. The size is checked against
the caller's limit from `stat` too (a 3 GB sparse file costs nothing to refuse), and the
read itself never takes more than the limit plus one byte, in case the file grows or
changes between the check and the read.

`load_json` parses a document after checking its size and how deeply its arrays and
objects nest, with a flat scan and no recursion, so a document of ten thousand opening
brackets is refused before the parser can recurse into it.
"""

from __future__ import annotations

import json
import os
import re
import stat
from pathlib import Path
from typing import Any

import numpy as np

# Nothing the engine reads nests deeper than 3 (a spec's layers, a device's openings).
MAX_JSON_DEPTH = 8

_READ_CHUNK = 1024 * 1024
# A JSON string, matched possessively and with its closing quote optional, so that a long or
# unterminated one costs one linear pass (a pattern that can fail restarts at every quote).
_JSON_STRING = re.compile(rb'"(?:[^"\\]++|\\.?)*+"?', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_OPENING = np.frombuffer(b"[{", dtype=np.uint8)


class InputError(ValueError):
    """An input file or document cannot be used; `str(error)` is one line for the user."""


def _size_text(size: int) -> str:
    if size >= 1024 * 1024 * 1024:
        return f"{size / (1024 * 1024 * 1024):.3g} GB"
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.3g} MB"
    return f"{size / 1024:.0f} KB" if size >= 1024 else f"{size} bytes"


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _check(path: Path, info: os.stat_result, limit: int, what: str) -> None:
    if not stat.S_ISREG(info.st_mode):
        raise InputError(f"{what} {path} is {_kind(info.st_mode)}, not a regular file")
    if info.st_size > limit:
        raise InputError(
            f"{what} {path} is {_size_text(info.st_size)}; at most {_size_text(limit)} is allowed"
        )


def read_file(path: Path | str, *, limit: int, what: str) -> bytes:
    """The bytes of the regular file at `path`, at most `limit` of them, else InputError.

    `what` names the file in messages ("artwork", "spec file", ...).
    """
    path = Path(path)
    try:
        _check(path, os.stat(path), limit, what)
        # O_NONBLOCK: should the path become a FIFO after the stat, opening it must not
        # wait for a writer; the fstat below then refuses it.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
    except OSError as exc:
        raise InputError(f"cannot read {what} {path}: {exc.strerror or exc}") from None
    try:
        info = os.fstat(fd)
        _check(path, info, limit, what)
        # One read of the stat size plus one byte takes a regular file whole, with no copy;
        # more is read only if the file grew, and never more than the limit plus one byte.
        chunks, total, size = [], 0, info.st_size + 1
        while size:
            chunk = os.read(fd, size)
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            size = min(_READ_CHUNK, limit + 1 - total)
    except OSError as exc:
        raise InputError(f"cannot read {what} {path}: {exc.strerror or exc}") from None
    finally:
        os.close(fd)
    if total > limit:
        raise InputError(f"{what} {path} grew beyond {_size_text(limit)} while being read")
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def json_depth(data: bytes) -> int:
    """How deeply arrays and objects nest in JSON text (0 for a bare value), without
    parsing it; brackets inside strings do not count."""
    skeleton = _JSON_STRING.sub(b"", data).translate(None, _NOT_BRACKETS)
    if not skeleton:
        return 0
    brackets = np.frombuffer(skeleton, dtype=np.uint8)
    steps = np.where(np.isin(brackets, _OPENING), 1, -1)
    return int(np.cumsum(steps).max())


def load_json(data: bytes | str, *, limit: int, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """Parse a JSON document of at most `limit` bytes nesting at most `max_depth` deep;
    InputError (one line) for anything else, including numbers Python refuses to read."""
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogatepass")
    if len(data) > limit:
        raise InputError(f"is {_size_text(len(data))}; at most {_size_text(limit)} is allowed")
    depth = json_depth(data)
    if depth > max_depth:
        raise InputError(f"nests {depth} levels deep; at most {max_depth} are allowed")
    try:
        return json.loads(data)
    except ValueError as exc:  # bad JSON or encoding, or an integer of thousands of digits
        raise InputError(f"not valid JSON ({exc})") from None
