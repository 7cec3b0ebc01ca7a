"""Command line for the configurator engine: `python -m configurator.engine COMMAND ...`.

    devices
    preview   --device SLUG --artwork FILE [--spec FILE] [--size WxH] --out FILE
    print     --device SLUG --artwork FILE [--spec FILE] [--dpi N] --out DIR
    mesh      --device SLUG [--artwork FILE] [--spec FILE] --out DIR
    preflight --device SLUG --artwork FILE [--spec FILE]
    fitcheck  --device SLUG [--material tpu|pc|hybrid] --out DIR

`--device` takes a built-in slug or a JSON file describing a device. Without `--spec` the
artwork covers the back, centred, on a TPU case. The command line has one artwork file:
every image layer of the spec uses it, whatever name it gives.

Every input file is read through `inputs.read_file`: regular files only, size-checked
before reading. `--out` is checked before any work is done: its parent folder must exist,
and it must not be a folder where a file is expected or the reverse.

Exit codes: 0 success; 2 bad input or an output that cannot be written (one line on
stderr, no traceback); 1 an unexpected error, i.e. a bug.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from .artwork import MAX_BYTES as MAX_ARTWORK_BYTES
from .artwork import ArtworkError, load_artwork, probe_artwork
from .case import DEFAULTS, CaseParams, Material
from .compose import (
    PREVIEW_FORMATS,
    PreparedArtwork,
    encode_preview,
    needed_max_side_px,
    prepare,
    preview,
    render_print,
)
from .devices import Device, DeviceError, builtin_devices, get_device
from .geometry import MM_PER_INCH, PrintLayout, check_dpi, fit_grid, layout_for
from .inputs import InputError, read_file
from .preflight import preflight
from .printfile import PRINT_DPI, design_print_files
from .spec import MAX_SPEC_BYTES, DesignSpec, SpecError, default_spec, parse_spec

MESH_TEXTURE_DPI = 200


class BadInput(Exception):
    """Wrong arguments or unusable input files: exit code 2 with this one-line message."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse would print usage and exit itself
        raise BadInput(f"{message} (see --help)")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m configurator.engine", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    commands.add_parser("devices", help="list the built-in phone models")

    def design(name: str, help_text: str, artwork_required: bool) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text)
        sub.add_argument("--device", required=True, help="device slug or JSON file")
        sub.add_argument("--artwork", required=artwork_required, type=Path, help="image file")
        sub.add_argument("--spec", type=Path, help="design spec JSON file")
        return sub

    sub = design("preview", "render a mockup image (WebP, PNG or JPEG by extension)", True)
    sub.add_argument("--size", default="600x1200", help="WIDTHxHEIGHT in pixels")
    sub.add_argument("--out", required=True, type=Path, help="output image file")
    sub = design("print", "write print.png, print.pdf and preflight.json", True)
    sub.add_argument("--dpi", default=PRINT_DPI, type=int, help=f"72..600, default {PRINT_DPI}")
    sub.add_argument("--out", required=True, type=Path, help="output directory")
    sub = design("mesh", "write case.stl, case.3mf and case.glb", False)
    sub.add_argument("--out", required=True, type=Path, help="output directory")
    design("preflight", "print the preflight report as JSON", True)
    sub = commands.add_parser(
        "fitcheck", help="write frame.stl, frame.3mf and back.pdf: a quick fit test print"
    )
    sub.add_argument("--device", required=True, help="device slug or JSON file")
    sub.add_argument("--material", default="tpu", choices=[str(m) for m in Material])
    sub.add_argument("--out", required=True, type=Path, help="output directory")
    return parser


def _spec(path: Path | None) -> DesignSpec | None:
    if path is None:
        return None
    data = read_file(path, limit=MAX_SPEC_BYTES, what="spec file")
    try:
        return parse_spec(data)
    except SpecError as exc:
        raise BadInput(f"{path}: {exc}") from exc


def _artwork(path: Path) -> bytes:
    return read_file(path, limit=MAX_ARTWORK_BYTES, what="artwork")


def _output_parent(path: Path) -> None:
    parent = path.parent
    if not parent.is_dir():
        problem = f"{parent} is not a folder" if parent.exists() else f"no folder {parent}"
        raise BadInput(f"--out {path}: {problem}")


def _output_file(path: Path) -> None:
    """Refuse, before any work, an --out file that cannot be a new or replaced file."""
    _output_parent(path)
    if path.is_dir():
        raise BadInput(f"--out {path} is a folder; give a file name")
    if path.exists() and not path.is_file():  # a FIFO would block the write forever
        raise BadInput(f"--out {path} exists and is not a regular file")


def _output_dir(path: Path) -> None:
    """Refuse, before any work, an --out folder that is a file or has no parent."""
    _output_parent(path)
    if path.exists() and not path.is_dir():
        raise BadInput(f"--out {path} is not a folder")


@contextmanager
def _writing(path: Path) -> Iterator[None]:
    """Turn a failed write into bad output (exit 2): a full disk, no permission, ..."""
    try:
        yield
    except OSError as exc:
        where = exc.filename or path
        raise BadInput(f"cannot write {where}: {exc.strerror or exc}") from None


def _params(spec: DesignSpec | None) -> CaseParams:
    return DEFAULTS[spec.case.material if spec else Material.TPU]


# A preview is for a screen: 3000 px per side is plenty and keeps memory under 400 MB.
MAX_PREVIEW_SIDE = 3000


def _size(text: str) -> tuple[int, int]:
    try:
        width, height = (int(part) for part in text.lower().split("x"))
    except ValueError:
        raise BadInput(f"--size must look like 600x1200, got '{text}'") from None
    if not (16 <= width <= MAX_PREVIEW_SIDE and 16 <= height <= MAX_PREVIEW_SIDE):
        raise BadInput(f"--size must be 16..{MAX_PREVIEW_SIDE} pixels per side, got '{text}'")
    return width, height


def _artworks(
    spec: DesignSpec | None,
    data: bytes,
    layout: PrintLayout,
    dpi: float,
    pyramid: bool,
) -> tuple[DesignSpec, dict[str, PreparedArtwork], dict]:
    """Load the one artwork at the resolution `spec` needs at `dpi`; bind it to every name."""
    probe = probe_artwork(data)
    if spec is None:
        spec = default_spec(layout, probe.width_px, probe.height_px)
    names = spec.artwork_names() or ("artwork",)
    needs = [
        needed_max_side_px(spec, name, probe.width_px, probe.height_px, layout, dpi)
        for name in names
    ]
    max_side = max((n for n in needs if n), default=None)
    artwork = load_artwork(data, max_side)
    prepared = prepare(artwork, pyramid=pyramid)
    return spec, dict.fromkeys(names, prepared), dict.fromkeys(names, artwork.facts)


def _setup(args: argparse.Namespace) -> tuple[Device, DesignSpec | None, PrintLayout]:
    device = get_device(args.device)
    spec = _spec(args.spec)
    return device, spec, layout_for(device, _params(spec))


def _cmd_devices(args: argparse.Namespace) -> None:
    for device in builtin_devices().values():
        name = f"{device.brand} {device.name}".strip()
        size = f"{device.width_mm:g} x {device.height_mm:g} x {device.depth_mm:g} mm"
        guessed = [op for op in device.openings if op.confidence == "estimate"]
        estimated = ["camera"] if device.provenance("camera").confidence == "estimate" else []
        if guessed:
            estimated.append(f"{len(guessed)} of {len(device.openings)} openings")
        fit = f"estimated: {', '.join(estimated)}" if estimated else "no estimated cut-outs"
        print(f"{device.slug:<16} {name:<26} {size:<26} {fit}")


def _cmd_preview(args: argparse.Namespace) -> None:
    fmt = PREVIEW_FORMATS.get(args.out.suffix.lower())
    if fmt is None:
        raise BadInput(f"--out must end in {', '.join(PREVIEW_FORMATS)}, got '{args.out.name}'")
    width, height = _size(args.size)
    _output_file(args.out)
    device, spec, layout = _setup(args)
    data = _artwork(args.artwork)
    grid = fit_grid(layout, width, height, 0)  # the scale the preview shows the case at
    spec, artworks, _facts = _artworks(spec, data, layout, grid.px_per_mm * MM_PER_INCH, True)
    image = preview(spec, artworks, layout, width, height)
    encoded = encode_preview(image, fmt)
    with _writing(args.out):
        args.out.write_bytes(encoded)


def _cmd_print(args: argparse.Namespace) -> None:
    try:
        dpi = check_dpi(args.dpi)
    except ValueError as exc:
        raise BadInput(f"--dpi: {exc}") from None
    _output_dir(args.out)
    device, spec, layout = _setup(args)
    data = _artwork(args.artwork)
    spec, artworks, facts = _artworks(spec, data, layout, dpi, False)
    files = design_print_files(spec, artworks, layout, dpi, facts)
    with _writing(args.out):
        files.write(args.out)


def _cmd_preflight(args: argparse.Namespace) -> None:
    device, spec, layout = _setup(args)
    data = _artwork(args.artwork)
    spec, artworks, facts = _artworks(spec, data, layout, PRINT_DPI, False)
    sys.stdout.write(preflight(spec, artworks, layout, PRINT_DPI, facts).to_json())


def _cmd_mesh(args: argparse.Namespace) -> None:
    _output_dir(args.out)
    device, spec, layout = _setup(args)
    params = _params(spec)
    texture = None
    if args.artwork is not None or (spec is not None and spec.layers):
        if args.artwork is None and spec.artwork_names():
            raise BadInput("this spec has image layers: give --artwork")
        if args.artwork is not None:
            data = _artwork(args.artwork)
            spec, artworks, _ = _artworks(spec, data, layout, MESH_TEXTURE_DPI, False)
        else:
            artworks = {}
        texture = render_print(spec, artworks, layout, MESH_TEXTURE_DPI)
    # Imported here, not hiding a circle: the mesh stack (trimesh, manifold3d) is only
    # needed by this command; `mesh` never imports the CLI.
    from . import mesh

    try:
        with _writing(args.out):
            mesh.export_case(device, params, args.out, texture=texture, segments=32)
    except mesh.MeshError as exc:  # the device's dimensions do not make a valid solid
        raise BadInput(f"cannot build this case: {exc}") from exc


def _cmd_fitcheck(args: argparse.Namespace) -> None:
    _output_dir(args.out)
    device = get_device(args.device)
    # Imported here, not hiding a circle: the mesh stack (trimesh, manifold3d) is only
    # needed by this command; `mesh` never imports the CLI.
    from . import fitcheck, mesh

    try:
        files = fitcheck.fit_files(device, DEFAULTS[Material(args.material)], segments=32)
    except mesh.MeshError as exc:
        raise BadInput(f"cannot build the fit frame: {exc}") from exc
    with _writing(args.out):
        files.write(args.out)


COMMANDS = {
    "devices": _cmd_devices,
    "preview": _cmd_preview,
    "print": _cmd_print,
    "mesh": _cmd_mesh,
    "preflight": _cmd_preflight,
    "fitcheck": _cmd_fitcheck,
}


MAX_MESSAGE_CHARS = 300


def _one_line(message: str) -> str:
    """The message with control characters escaped and shortened: file names and field
    names come from the user and may hold newlines or be thousands of characters long."""
    text = "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in message)
    return text if len(text) <= MAX_MESSAGE_CHARS else text[: MAX_MESSAGE_CHARS - 3] + "..."


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; returns the process exit code."""
    try:
        args = _parser().parse_args(argv)
        COMMANDS[args.command](args)
    except (BadInput, InputError, ArtworkError, SpecError, DeviceError) as exc:
        print(_one_line(f"error: {exc}"), file=sys.stderr)
        return 2
    except Exception as exc:  # a one-line report, not a traceback, for the operator
        print(_one_line(f"internal error: {type(exc).__name__}: {exc}"), file=sys.stderr)
        return 1
    return 0
