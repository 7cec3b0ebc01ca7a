"""Mutated spec and device files: the CLI always ends in exit 0 or 2, never 1, and never
with a traceback, within bounded time and memory.

Hypothesis starts from a valid spec and a valid device file and drops keys, changes types,
puts in huge, negative, NaN or infinite numbers, long strings, deep nesting, many layers or
openings, or cuts the text short. The engine runs in this process (fast) under a cap of
1 GB more address space than the process already has, and a deadline per example; the
subprocess tests in test_cli.py cover the cases that once hung or exhausted memory.
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
import re
import resource
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from configurator.engine.cli import main

from . import corpus

pytestmark = pytest.mark.slow  # 100 generated inputs a test

SPEC = {
    "version": 1,
    "case": {"material": "pc", "colour": "#222222", "finish": "matte"},
    "background": "#ffffff",
    "layers": [
        {"type": "image", "artwork": "x", "x_mm": 30, "y_mm": 60, "width_mm": 40,
         "rotation": 30, "flip": "both", "opacity": 0.8},
        {"type": "text", "text": "Hi", "x_mm": 30, "y_mm": 110, "size_mm": 8,
         "colour": "#ff0000", "rotation": -15},
    ],
}  # fmt: skip
DEVICE = {
    "slug": "my-phone", "brand": "Acme", "name": "My Phone", "release_year": 2024,
    "height_mm": 150, "width_mm": 72, "depth_mm": 8, "corner_radius_mm": 9,
    "camera": {"x_mm": 6, "y_mm": 6, "width_mm": 20, "height_mm": 20, "corner_radius_mm": 5},
    "openings": [
        {"kind": "button", "name": "power", "side": "right", "offset_mm": 30, "length_mm": 10,
         "height_mm": 3},
        {"kind": "port", "side": "bottom", "offset_mm": 26, "length_mm": 20, "height_mm": 4},
    ],
    "sources": {"body": "caliper"},
}  # fmt: skip
ARTWORK = corpus.encode(corpus.photo((64, 48)), "PNG")
EXTRA_ADDRESS_SPACE = 1024**3
FUZZ = settings(
    max_examples=100,
    deadline=10_000,  # ms per example: the slowest valid input takes well under 1 s
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# json.dumps itself recurses: deep nesting goes in as a placeholder, spliced into the text
_DEEP = "@@deep{}@@"
_DEEP_PLACEHOLDER = re.compile(r'"@@deep(\d+)@@"')


_EDGE_NUMBERS = st.sampled_from([0, -1, -1e308, 1e308, 5e-324, 10**400, 20_000, 1e6, 0.4])


def _hostile_values(valid_item: Any) -> st.SearchStrategy:
    return st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(10**30), max_value=10**30),
        st.floats(allow_nan=True, allow_infinity=True),
        _EDGE_NUMBERS,
        _EDGE_NUMBERS,  # twice: most fields are numbers, and their edges find most bugs
        st.text(max_size=20),
        st.sampled_from(["x" * 100_000, "\u0301" * 5000, "line\nbreak", "\x00"]),
        st.integers(min_value=1, max_value=20_000).map(_DEEP.format),
        st.lists(st.integers(), max_size=4),
        st.dictionaries(st.text(max_size=4), st.integers(), max_size=3),
        st.integers(min_value=0, max_value=3000).map(
            lambda n: [dict(valid_item) for _ in range(n)]
        ),
    )


def _slots(node: Any) -> Iterator[tuple[Any, Any]]:
    """Every (container, key or index) in a JSON tree."""
    items = node.items() if isinstance(node, dict) else enumerate(node)
    for key, value in list(items):
        yield node, key
        if isinstance(value, dict | list):
            yield from _slots(value)


@st.composite
def mutated(draw: st.DrawFn, valid: dict, list_item: dict) -> bytes:
    """`valid` with one to three mutations, as JSON bytes (NaN and Infinity allowed)."""
    doc = copy.deepcopy(valid)
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        slots = list(_slots(doc))
        if not slots:
            break
        container, key = draw(st.sampled_from(slots))
        action = draw(st.sampled_from(["drop", "replace", "replace", "add"]))
        if action == "drop":
            del container[key]
        elif action == "replace":
            container[key] = draw(_hostile_values(list_item))
        elif isinstance(container, dict):
            container[draw(st.text(max_size=8))] = draw(_hostile_values(list_item))
        else:
            container.append(draw(_hostile_values(list_item)))
    text = _DEEP_PLACEHOLDER.sub(lambda m: "[" * int(m[1]) + "]" * int(m[1]), json.dumps(doc))
    data = text.encode()
    if draw(st.integers(min_value=0, max_value=9)) == 0:  # now and then, cut it short
        data = data[: draw(st.integers(min_value=0, max_value=len(data)))]
    return data


def _vm_size() -> int:
    with open("/proc/self/status") as status:
        line = next(line for line in status if line.startswith("VmSize:"))
    return int(line.split()[1]) * 1024


@contextlib.contextmanager
def bounded_memory() -> Iterator[None]:
    """Cap this process's address space at what it has now plus EXTRA_ADDRESS_SPACE; an
    input that tries to allocate more gets MemoryError (exit 1) instead of the machine."""
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    resource.setrlimit(resource.RLIMIT_AS, (_vm_size() + EXTRA_ADDRESS_SPACE, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def run_cli(*args: str) -> tuple[int, str]:
    """Run the CLI in this process; its exit code and stderr."""
    out, err = io.StringIO(), io.StringIO()
    with bounded_memory(), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return code, err.getvalue()


def assert_clean_outcome(code: int, err: str) -> None:
    assert code in (0, 2), err
    assert "Traceback" not in err
    if code == 2:
        assert err.startswith("error: ") and len(err.splitlines()) == 1, err
    else:
        assert err == ""


@FUZZ
@given(spec=mutated(SPEC, SPEC["layers"][1]))
def test_mutated_specs_end_in_exit_0_or_2(spec):
    """A mutated spec prints (or is refused with one line), never an internal error."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "spec.json").write_bytes(spec)
        (folder / "art.png").write_bytes(ARTWORK)
        code, err = run_cli("print", "--device", "iphone-15", "--artwork", str(folder / "art.png"),
                            "--spec", str(folder / "spec.json"), "--dpi", "72",
                            "--out", str(folder / "out"))  # fmt: skip
    assert_clean_outcome(code, err)


@FUZZ
@given(device=mutated(DEVICE, DEVICE["openings"][0]))
def test_mutated_device_files_end_in_exit_0_or_2(device):
    """A mutated device file gives a preflight and a mesh (or one line), never an internal
    error."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "device.json").write_bytes(device)
        (folder / "art.png").write_bytes(ARTWORK)
        path = str(folder / "device.json")
        code, err = run_cli("preflight", "--device", path, "--artwork", str(folder / "art.png"))
        assert_clean_outcome(code, err)
        code, err = run_cli("mesh", "--device", path, "--out", str(folder / "mesh"))
        assert_clean_outcome(code, err)
