"""Command line, run as a real subprocess: outputs, exit codes, one-line errors."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from configurator.engine.cli import main
from configurator.engine.devices import builtin_devices

from . import corpus

pytestmark = pytest.mark.slow  # every test runs the engine's CLI in a process of its own

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "configurator.engine", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


@pytest.fixture
def files(tmp_path: Path) -> Path:
    (tmp_path / "photo.jpg").write_bytes(corpus.encode(corpus.photo((400, 300)), "JPEG"))
    (tmp_path / "notes.jpg").write_bytes(b"definitely not a picture\n")
    (tmp_path / "spec.json").write_text(
        json.dumps(
            {
                "version": 1,
                "case": {"material": "pc", "colour": "#222222"},
                "background": "#ffffff",
                "layers": [
                    {"type": "image", "artwork": "x", "x_mm": 30, "y_mm": 60, "width_mm": 40},
                    {"type": "text", "text": "Hi", "x_mm": 30, "y_mm": 110, "size_mm": 8},
                ],
            }
        )
    )
    bad_layer = {"type": "image", "x_mm": 1, "y_mm": 2, "rotation": "left"}
    (tmp_path / "bad-spec.json").write_text(json.dumps({"version": 1, "layers": [bad_layer]}))
    device = {
        "slug": "my-phone", "name": "My Phone", "height_mm": 150, "width_mm": 72,
        "depth_mm": 8, "corner_radius_mm": 9,
        "camera": {"x_mm": 6, "y_mm": 6, "width_mm": 20, "height_mm": 20, "corner_radius_mm": 5},
    }  # fmt: skip
    (tmp_path / "my-phone.json").write_text(json.dumps(device))
    (tmp_path / "sub").mkdir()
    return tmp_path


def test_devices_lists_every_builtin_phone_with_its_size(tmp_path):
    """One line per built-in device: slug, name, body size in mm and its estimated cut-outs."""
    done = run("devices", cwd=tmp_path)
    assert done.returncode == 0 and done.stderr == ""
    lines = done.stdout.strip().splitlines()
    assert len(lines) == len(builtin_devices())
    for line, device in zip(lines, builtin_devices().values(), strict=True):
        assert line.startswith(device.slug) and device.name in line
        assert f"{device.width_mm:g} x {device.height_mm:g} x {device.depth_mm:g} mm" in line
        # every built-in camera island is an estimate: the listing says so
        assert line.endswith(f"estimated: camera, {len(device.openings)} of "
                             f"{len(device.openings)} openings")  # fmt: skip


@pytest.mark.parametrize("name, fmt", [("p.webp", "WEBP"), ("p.png", "PNG"), ("sub/p.jpg", "JPEG")])
def test_preview_writes_an_image_of_the_requested_size(files, name, fmt):
    """preview writes WebP/PNG/JPEG by extension at --size."""
    done = run("preview", "--device", "iphone-15", "--artwork", "photo.jpg", "--size", "300x500",
               "--out", name, cwd=files)  # fmt: skip
    assert done.returncode == 0, done.stderr
    image = Image.open(files / name)
    assert image.format == fmt and image.size == (300, 500)


def test_print_writes_png_pdf_and_preflight(files):
    """print writes print.png (exact size), print.pdf and preflight.json."""
    done = run("print", "--device", "iphone-15", "--artwork", "photo.jpg", "--dpi", "100",
               "--out", "out", cwd=files)  # fmt: skip
    assert done.returncode == 0, done.stderr
    out = files / "out"
    assert sorted(p.name for p in out.iterdir()) == ["preflight.json", "print.pdf", "print.png"]
    assert Image.open(out / "print.png").size == (311, 610)
    assert (out / "print.pdf").read_bytes().startswith(b"%PDF")
    report = json.loads((out / "preflight.json").read_text())
    assert report["dpi"] == 100 and report["print_size_px"] == [311, 610]


def test_print_is_byte_identical_across_processes(files):
    """Two separate runs with the same spec and artwork give identical files."""
    for out in ("a", "b"):
        done = run("print", "--device", "iphone-15", "--artwork", "photo.jpg", "--spec",
                   "spec.json", "--dpi", "72", "--out", out, cwd=files)  # fmt: skip
        assert done.returncode == 0, done.stderr
    for name in ("print.png", "print.pdf", "preflight.json"):
        assert (files / "a" / name).read_bytes() == (files / "b" / name).read_bytes(), name


def test_preflight_prints_json_and_accepts_a_device_file(files):
    """preflight prints the report as JSON; --device may be a JSON file of dimensions."""
    done = run("preflight", "--device", "my-phone.json", "--artwork", "photo.jpg",
               "--spec", "spec.json", cwd=files)  # fmt: skip
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["layers"][0]["effective_dpi"] == pytest.approx(400 / (40 / 25.4), abs=0.1)
    assert report["print_size_px"] == [
        round((72 + 2 * 3.4) * 300 / 25.4),
        round((150 + 2 * 3.4) * 300 / 25.4),
    ]


BAD_INPUT = {
    "unknown device": ("print", "--device", "nokia-3310", "--artwork", "photo.jpg", "--out", "o"),
    "text as .jpg": ("print", "--device", "iphone-15", "--artwork", "notes.jpg", "--out", "o"),
    "missing artwork": ("preflight", "--device", "iphone-15", "--artwork", "nope.jpg"),
    "bad spec": ("preflight", "--device", "iphone-15", "--artwork", "photo.jpg", "--spec",
                 "bad-spec.json"),
    "dpi too high": ("print", "--device", "iphone-15", "--artwork", "photo.jpg", "--dpi", "1200",
                     "--out", "o"),
    "dpi not a number": ("print", "--device", "iphone-15", "--artwork", "photo.jpg", "--dpi",
                         "lots", "--out", "o"),
    "bad size": ("preview", "--device", "iphone-15", "--artwork", "photo.jpg", "--size", "big",
                 "--out", "p.png"),
    "bad extension": ("preview", "--device", "iphone-15", "--artwork", "photo.jpg", "--out",
                      "p.gif"),
    "missing required": ("print", "--device", "iphone-15"),
    "unknown command": ("explode",),
    "no command": (),
}  # fmt: skip


@pytest.mark.parametrize("args", BAD_INPUT.values(), ids=BAD_INPUT.keys())
def test_bad_input_exits_2_with_one_line_and_no_traceback(files, args):
    """Bad input: exit code 2, exactly one line on stderr, nothing on stdout, no traceback."""
    done = run(*args, cwd=files)
    assert done.returncode == 2
    assert done.stdout == ""
    assert len(done.stderr.strip().splitlines()) == 1 and done.stderr.startswith("error: ")
    assert "Traceback" not in done.stderr


def test_bad_spec_message_names_the_file_and_field(files):
    """The one-line message names the spec file and the field path."""
    done = run("preflight", "--device", "iphone-15", "--artwork", "photo.jpg", "--spec",
               "bad-spec.json", cwd=files)  # fmt: skip
    assert "bad-spec.json: layers[0].rotation: must be a number" in done.stderr


def test_text_too_long_for_any_case_exits_2_naming_the_field(files):
    """A 200-character text at 30 mm (5.9 m of ink) is bad input, not an internal error:
    exit 2 and one line naming the field, for every command that reads the spec."""
    layer = {"type": "text", "text": "W" * 200, "x_mm": 30, "y_mm": 60, "size_mm": 30,
             "rotation": 45}  # fmt: skip
    (files / "long.json").write_text(json.dumps({"version": 1, "layers": [layer]}))
    for args in (
        ("preview", "--device", "iphone-15", "--artwork", "photo.jpg", "--out", "p.png"),
        ("print", "--device", "iphone-15", "--artwork", "photo.jpg", "--dpi", "600", "--out", "o"),
    ):
        done = run(*args, "--spec", "long.json", cwd=files)
        assert done.returncode == 2, done.stderr
        assert len(done.stderr.strip().splitlines()) == 1
        assert done.stderr.startswith("error: long.json: layers[0].text: is ")
        assert "mm long at size_mm 30; at most 560 mm is allowed" in done.stderr


DEVICE = {
    "slug": "my-phone", "height_mm": 150, "width_mm": 72, "depth_mm": 8, "corner_radius_mm": 9,
    "camera": {"x_mm": 6, "y_mm": 6, "width_mm": 20, "height_mm": 20, "corner_radius_mm": 5},
    "openings": [{"side": "right", "offset_mm": 30, "length_mm": 10, "height_mm": 3}],
}  # fmt: skip
NOT_FINITE = {
    "NaN corner radius": (("corner_radius_mm",), "NaN", "'corner_radius_mm' must be a finite"),
    "Infinity width": (("width_mm",), "Infinity", "'width_mm' must be a finite"),
    "-Infinity camera x": (("camera", "x_mm"), "-Infinity", "camera: 'x_mm' must be a finite"),
    "NaN opening offset": (("openings", 0, "offset_mm"), "NaN", "opening 0: 'offset_mm' must"),
    "NaN release year": (("release_year",), "NaN", "'release_year' must be a whole number"),
    "openings not a list": (("openings",), "5", "device file my-phone.json: "),
}  # fmt: skip


@pytest.mark.parametrize("path, literal, message", NOT_FINITE.values(), ids=NOT_FINITE.keys())
def test_device_file_with_nan_or_infinity_exits_2_naming_the_field(files, path, literal, message):
    """JSON files may hold NaN and Infinity: a device file with one is bad input (exit 2,
    one line naming the field), never an internal error or a silently accepted device."""
    device = json.loads(json.dumps(DEVICE))
    target = device
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = "@@"
    (files / "my-phone.json").write_text(json.dumps(device).replace('"@@"', literal))
    done = run("preflight", "--device", "my-phone.json", "--artwork", "photo.jpg", cwd=files)
    assert done.returncode == 2, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr
    assert message in done.stderr


def test_mesh_writes_stl_3mf_and_glb(files):
    """mesh writes case.stl, case.3mf and case.glb through the mesh module's API."""
    done = run("mesh", "--device", "iphone-15", "--artwork", "photo.jpg", "--out", "m", cwd=files)
    assert done.returncode == 0, done.stderr
    names = {p.name: p.stat().st_size for p in (files / "m").iterdir()}
    assert set(names) == {"case.stl", "case.3mf", "case.glb"}
    assert all(size > 1000 for size in names.values())
    assert (files / "m" / "case.glb").read_bytes()[:4] == b"glTF"


def test_preview_size_beyond_a_screen_is_refused(tmp_path):
    """A preview larger than 3000 px per side is bad input (exit 2), not a memory hog."""
    art = tmp_path / "a.png"
    Image.new("RGB", (64, 64), "red").save(art)
    result = subprocess.run(
        [sys.executable, "-m", "configurator.engine", "preview", "--device", "iphone-15",
         "--artwork", str(art), "--size", "3001x600", "--out", str(tmp_path / "p.png")],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "3000" in result.stderr


# ------------------------------------------------------------------ hostile inputs, outputs

MEMORY_CAP = 1024**3  # the engine never needs half of this for the inputs below


def run_capped(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """The CLI with 1 GB of address space and 60 s: a regression to reading a huge input
    or waiting on a FIFO fails the test instead of hanging or swapping."""

    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))

    try:
        return subprocess.run(
            [sys.executable, "-m", "configurator.engine", *args],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=60,
            preexec_fn=cap,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"the CLI hung on {args}")


@pytest.fixture
def hostile(files: Path) -> Path:
    os.mkfifo(files / "fifo.jpg")
    os.mkfifo(files / "fifo.json")
    with (files / "sparse.jpg").open("wb") as f:
        f.truncate(3 * 1024**3)
    huge = DEVICE | {"height_mm": 20_000, "width_mm": 10_000}
    (files / "huge.json").write_text(json.dumps(huge))
    many = DEVICE | {"openings": DEVICE["openings"] * 100_000}
    (files / "many.json").write_text(json.dumps(many))
    (files / "deep.json").write_text("[" * 100_000 + "]" * 100_000)
    # A string that never closes, restarted at every quote: quadratic for a backtracking
    # string pattern (minutes for 240 KB), one pass for a possessive one.
    (files / "quotes.json").write_text("x" + '\\"' * 120_000)
    return files


PREVIEW = ("preview", "--device", "iphone-15", "--artwork", "photo.jpg", "--out", "p.png")
HOSTILE = {
    "/dev/zero artwork": (
        ("preview", "--device", "iphone-15", "--artwork", "/dev/zero", "--out", "p.png"),
        "error: artwork /dev/zero is a device, not a regular file"),
    "FIFO artwork": (
        ("print", "--device", "iphone-15", "--artwork", "fifo.jpg", "--out", "o"),
        "error: artwork fifo.jpg is a FIFO (named pipe), not a regular file"),
    "FIFO spec": (
        (*PREVIEW, "--spec", "fifo.json"),
        "error: spec file fifo.json is a FIFO (named pipe), not a regular file"),
    "FIFO device": (
        ("mesh", "--device", "fifo.json", "--out", "m"),
        "error: device file fifo.json is a FIFO (named pipe), not a regular file"),
    "FIFO as --out": (
        ("preview", "--device", "iphone-15", "--artwork", "photo.jpg", "--out", "fifo.jpg"),
        "error: --out fifo.jpg exists and is not a regular file"),
    "3 GB sparse artwork": (
        ("preflight", "--device", "iphone-15", "--artwork", "sparse.jpg"),
        "error: artwork sparse.jpg is 3 GB; at most 100 MB is allowed"),
    "20 m x 10 m device": (
        ("print", "--device", "huge.json", "--artwork", "photo.jpg", "--out", "o"),
        "error: device file huge.json: device 'my-phone': 'height_mm' must be 80 to 200 mm"),
    "100,000 openings": (
        ("mesh", "--device", "many.json", "--out", "m"),
        "error: device file many.json is 6.58 MB; at most 64 KB is allowed"),
    "100,000 nested arrays as spec": (
        (*PREVIEW, "--spec", "deep.json"),
        "error: deep.json: spec: nests 100000 levels deep; at most 8 are allowed"),
    "240 KB of escaped quotes as spec": (
        (*PREVIEW, "--spec", "quotes.json"),
        "error: quotes.json: spec: not valid JSON"),
}  # fmt: skip


@pytest.mark.parametrize("args, message", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_inputs_exit_2_at_once_within_bounded_memory(hostile, args, message):
    """Inputs that once hung the CLI (a FIFO) or exhausted memory (/dev/zero, a 3 GB sparse
    file, a 20 m phone, 100,000 openings) end in exit 2 and one line, under a 1 GB cap."""
    done = run_capped(*args, cwd=hostile)
    assert done.returncode == 2, done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(message), done.stderr
    assert done.stdout == ""


OUTPUT_PROBLEMS = {
    "preview into a missing folder": (
        ("preview", "--device", "iphone-15", "--artwork", "photo.jpg", "--out", "nope/p.png"),
        "error: --out nope/p.png: no folder nope"),
    "preview onto a folder": (
        ("preview", "--device", "iphone-15", "--artwork", "photo.jpg", "--out", "sub.png"),
        "error: --out sub.png is a folder; give a file name"),
    "preview under a file": (
        ("preview", "--device", "iphone-15", "--artwork", "photo.jpg", "--out", "photo.jpg/p.png"),
        "error: --out photo.jpg/p.png: photo.jpg is not a folder"),
    "print into a file": (
        ("print", "--device", "iphone-15", "--artwork", "photo.jpg", "--out", "spec.json"),
        "error: --out spec.json is not a folder"),
    "print into a missing folder's folder": (
        ("print", "--device", "iphone-15", "--artwork", "photo.jpg", "--out", "a/b"),
        "error: --out a/b: no folder a"),
    "print where print.png cannot be written": (
        ("print", "--device", "iphone-15", "--artwork", "photo.jpg", "--dpi", "72", "--out",
         "blocked"),
        "error: cannot write blocked/print.png: Is a directory"),
    "mesh into a file": (
        ("mesh", "--device", "iphone-15", "--out", "photo.jpg"),
        "error: --out photo.jpg is not a folder"),
    "mesh where case.stl cannot be written": (
        ("mesh", "--device", "iphone-15", "--out", "blocked"),
        "error: cannot write blocked/case.stl: Is a directory"),
}  # fmt: skip


@pytest.mark.parametrize("args, message", OUTPUT_PROBLEMS.values(), ids=OUTPUT_PROBLEMS.keys())
def test_output_problems_exit_2_with_one_line(files, monkeypatch, capsys, args, message):
    """An --out that is a file where a folder is expected or the reverse, has no parent
    folder, or cannot be written is exit 2 with one line (before: exit 1)."""
    (files / "sub.png").mkdir()
    (files / "blocked" / "print.png").mkdir(parents=True)
    (files / "blocked" / "case.stl").mkdir()
    monkeypatch.chdir(files)
    assert main(list(args)) == 2
    out, err = capsys.readouterr()
    assert err.splitlines() == [message] and out == ""
