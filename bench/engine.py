"""Benchmark of the configurator engine (a script, not a test).

    /work/venv/bin/python bench/engine.py [--quick] [--only print|preview|mesh|memory ...]

Everything runs on a GENERATED 12-megapixel photo-like JPEG (4000x3000: smooth colour
gradients plus Gaussian grain, quality 90) placed to cover the back of an iPhone 15. Each
figure is the median of several runs, printed next to its goal with PASS or MISS.

- print PNG at 300 and 600 DPI: JPEG bytes -> print.png bytes (probe, draft decode,
  render, encode). Compared with a FLOOR measured in the same run: decoding the JPEG at
  the same draft scale plus encoding one PNG of the output size with the same settings
  (the engine's own raster, with the same encoder and compress level), i.e. the work no
  pipeline can skip. And compared with a NAIVE Pillow pipeline: full decode, resize to
  cover, rotate(expand=True), crop, mask, default PNG encode.
- preview 600x1200 cold (bytes in, WebP bytes out: decode included) and warm (artwork
  already decoded and pyramided, scene built; only the placement changes between runs).
- mesh: build_case at 32 segments per corner plus STL, 3MF and GLB export (bytes).
  Compared with a FLOOR measured in the same run, interleaved: manifold3d alone building
  the same solid from polygons worked out beforehand (the same extrusions and one boolean,
  the mesh out: no layout, no checks, no trimesh), plus the three writers alone on a mesh
  built beforehand. The bench checks that the floor's solid has the engine's volume.
- peak memory (VmHWM, the kernel's high-water mark of resident memory) of a child process
  doing the full 600 DPI print export (print.png + print.pdf + preflight.json), interpreter
  and imports included; the same export of a spec holding the largest texts a spec allows
  (longest, 100 mm, near both limits; turned and not); and `load_artwork` of the worst kind
  of progressive JPEG the intake accepts: 4:4:4 chroma just under its 32 MP limit (5656 x
  5656, quality 95, ~54 MB), whose decoder holds whole-image coefficient buffers.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import manifold3d
import numpy as np
import PIL
from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from configurator.engine import compose, mesh  # noqa: E402
from configurator.engine import spec as spec_module  # noqa: E402
from configurator.engine.artwork import load_artwork, probe_artwork  # noqa: E402
from configurator.engine.case import (  # noqa: E402
    DEFAULTS,
    Material,
    RoundedRect,
    camera_bar,
    camera_lip,
    rounded_rect_points,
)
from configurator.engine.devices import get_device  # noqa: E402
from configurator.engine.geometry import fit_grid, layout_for, print_grid  # noqa: E402
from configurator.engine.printfile import SRGB_PROFILE, encode_png, print_png  # noqa: E402
from configurator.engine.spec import default_spec, move_layer  # noqa: E402

DEVICE = "iphone-15"


def photo_jpeg(width: int = 4000, height: int = 3000, seed: int = 12) -> bytes:
    """A photo-like JPEG: overlapping colour gradients and blobs plus sensor-like grain."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    red = 128 + 90 * np.sin(x / 370 + 0.6) * np.cos(y / 410)
    green = 120 + 80 * np.sin((x + 0.7 * y) / 530)
    blue = 60 + 150 * (y / height) + 30 * np.cos(x / 250)
    pixels = np.stack([red, green, blue], axis=-1)
    pixels += rng.normal(0.0, 5.0, pixels.shape).astype(np.float32)
    image = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "RGB")
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=90)
    return out.getvalue()


def median_ms(run: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def engine_print(data: bytes, dpi: int) -> bytes:
    """The engine's path from upload bytes to print.png bytes."""
    device = get_device(DEVICE)
    layout = layout_for(device, DEFAULTS[Material.TPU])
    probe = probe_artwork(data)
    spec = default_spec(layout, probe.width_px, probe.height_px)
    need = compose.needed_max_side_px(spec, "artwork", probe.width_px, probe.height_px, layout, dpi)
    artwork = load_artwork(data, need)
    prepared = compose.prepare(artwork, pyramid=False)
    raster = compose.render_print(spec, {"artwork": prepared}, layout, dpi)
    return print_png(raster, dpi)


def floor_decode(data: bytes, dpi: int) -> Image.Image:
    """Decode at the same draft scale the engine picks (the unavoidable decode)."""
    layout = layout_for(get_device(DEVICE), DEFAULTS[Material.TPU])
    probe = probe_artwork(data)
    spec = default_spec(layout, probe.width_px, probe.height_px)
    need = compose.needed_max_side_px(spec, "artwork", probe.width_px, probe.height_px, layout, dpi)
    image = Image.open(io.BytesIO(data))
    scale = max(s for s in (1, 2, 4, 8) if s <= max(1, max(image.size) // need))
    image.draft("RGB", (image.width // scale, image.height // scale))
    image.load()
    return image


def naive_print(data: bytes, dpi: int) -> bytes:
    """A straightforward Pillow pipeline: decode, resize, rotate(expand), crop, encode."""
    layout = layout_for(get_device(DEVICE), DEFAULTS[Material.TPU])
    grid = print_grid(layout, dpi)
    image = Image.open(io.BytesIO(data))
    image.load()
    scale = max(grid.width_px / image.width, grid.height_px / image.height)
    image = image.resize((round(image.width * scale), round(image.height * scale)))
    image = image.rotate(0.0, expand=True)
    left = (image.width - grid.width_px) // 2
    top = (image.height - grid.height_px) // 2
    image = image.crop((left, top, left + grid.width_px, top + grid.height_px)).convert("RGBA")
    mask = Image.new("L", grid.size, 0)
    radius = round(layout.bleed.radius_mm * grid.px_per_mm)
    ImageDraw.Draw(mask).rounded_rectangle((0, 0, *grid.size), radius, fill=255)
    image.putalpha(mask)
    out = io.BytesIO()
    image.save(out, format="PNG", dpi=(dpi, dpi), icc_profile=SRGB_PROFILE)
    return out.getvalue()


def timed_ms(run: Callable[[], object]) -> float:
    start = time.perf_counter()
    run()
    return (time.perf_counter() - start) * 1000


def bench_print(data: bytes, dpi: int, repeat: int, naive_repeat: int) -> list[str]:
    layout = layout_for(get_device(DEVICE), DEFAULTS[Material.TPU])
    width, height = print_grid(layout, dpi).size
    engine_print(data, dpi)  # warm-up: imports, font and profile caches of the OS
    raster = Image.open(io.BytesIO(engine_print(data, dpi)))
    raster.load()
    # Interleaved: each round times the engine and both parts of the floor back to back,
    # so a burst of load on this shared machine hits all three alike. The ratio is the
    # median of the per-round ratios.
    engine, decode, encode, naive = [], [], [], []
    for round_ in range(repeat):
        engine.append(timed_ms(lambda: engine_print(data, dpi)))
        decode.append(timed_ms(lambda: floor_decode(data, dpi)))
        encode.append(timed_ms(lambda: encode_png(raster, dpi)))
        if round_ < naive_repeat:
            naive.append(timed_ms(lambda: naive_print(data, dpi)))
    ratio = statistics.median(e / (d + c) for e, d, c in zip(engine, decode, encode, strict=True))
    engine_ms = statistics.median(engine)
    decode_ms, encode_ms = statistics.median(decode), statistics.median(encode)
    naive_ms = statistics.median(naive)
    speedup = naive_ms / engine_ms
    return [
        f"print PNG {dpi} dpi ({width}x{height} px)",
        f"  engine            {engine_ms:8.1f} ms",
        f"  floor             {decode_ms + encode_ms:8.1f} ms  (draft decode {decode_ms:.1f} + "
        f"PNG encode {encode_ms:.1f})",
        f"  engine / floor    {ratio:8.2f}     goal <= 1.60  {verdict(ratio <= 1.6)}",
        f"  naive Pillow      {naive_ms:8.1f} ms",
        f"  speed-up vs naive {speedup:8.2f} x   goal >= 4.00  {verdict(speedup >= 4.0)}",
    ]


def bench_preview(data: bytes, repeat: int) -> list[str]:
    layout = layout_for(get_device(DEVICE), DEFAULTS[Material.TPU])
    width, height = 600, 1200

    def encode(image: Image.Image) -> bytes:
        return compose.encode_preview(image, "WEBP")

    def cold() -> bytes:
        probe = probe_artwork(data)
        spec = default_spec(layout, probe.width_px, probe.height_px)
        dpi = fit_grid(layout, width, height, 0).px_per_mm * 25.4
        need = compose.needed_max_side_px(
            spec, "artwork", probe.width_px, probe.height_px, layout, dpi
        )
        prepared = compose.prepare(load_artwork(data, need))
        return encode(compose.preview(spec, {"artwork": prepared}, layout, width, height))

    cold()
    cold_ms = median_ms(cold, repeat)

    probe = probe_artwork(data)
    spec = default_spec(layout, probe.width_px, probe.height_px)
    prepared = compose.prepare(load_artwork(data, 2000))
    scene = compose.preview_scene(layout, width, height, spec.case)
    artworks = {"artwork": prepared}
    shifts = iter(range(10_000))

    def warm() -> bytes:
        step = next(shifts) % 7 - 3  # a different placement on every run
        moved = move_layer(spec, 0, 37.45 + step, 75.45 - step)
        return encode(compose.render_preview(scene, moved, artworks))

    warm()
    warm_ms = median_ms(warm, repeat * 2)
    render_only = median_ms(lambda: compose.render_preview(scene, spec, artworks), repeat * 2)
    return [
        f"preview {width}x{height} (WebP encode included: q85, method 0)",
        f"  cold (decode incl.) {cold_ms:6.1f} ms   goal <= 150 ms  {verdict(cold_ms <= 150)}",
        f"  warm (placement)    {warm_ms:6.1f} ms   goal <=  40 ms  {verdict(warm_ms <= 40)}",
        f"  warm render only    {render_only:6.1f} ms   (no encode)",
    ]


def engine_mesh(device, params) -> int:
    """The engine's path from a device to the three files' bytes."""
    case = mesh.build_case(device, params, 32)
    stl = mesh.export_stl(case)
    three_mf = mesh.export_3mf(case)
    glb = mesh.export_glb(case, device, params, None)
    return len(stl) + len(three_mf) + len(glb)


def floor_mesh_inputs(device, params, segments: int = 32) -> dict:
    """Every polygon and level of the case solid, worked out once outside the timing: what
    the floor's manifold3d calls start from (the same shapes `mesh.build_manifold` cuts)."""
    lay = mesh.case_layout(device, params)
    eps = 1.0

    def ring(rect, z0, z1):
        return rounded_rect_points(rect, segments), z0, z1

    adds, cuts, z_low = [], [], 0.0
    lip = camera_lip(device, params)
    if lip is not None:
        z_low = -lip[1]
        adds.append(ring(lip[0], z_low, params.back_mm / 2))
    band = camera_bar(device, params)
    if band is not None:
        cam, tol = device.camera, params.tolerance_mm
        z_low = -(cam.protrusion_mm + tol)
        adds.append(ring(band, z_low, params.back_mm / 2))
        margin = tol + device.camera_clearance_mm
        pocket = RoundedRect(lay.cavity.x_mm, lay.body.y_mm + cam.bar_y_mm - margin,
                             lay.cavity.width_mm, cam.bar_height_mm + 2 * margin, 0.0)  # fmt: skip
        cuts.append(ring(pocket, lay.z_floor - cam.protrusion_mm - tol, lay.z_floor + 0.5))
    if lay.lip_opening is None:
        cuts.append(ring(lay.cavity, lay.z_floor, lay.z_top + eps))
    else:
        cuts.append(ring(lay.cavity, lay.z_floor, lay.z_cavity_top))
        mid = (lay.z_floor + lay.z_cavity_top) / 2
        cuts.append(ring(lay.lip_opening, mid, lay.z_top + eps))
    cuts.append(ring(lay.camera, z_low - eps, lay.z_floor + min(0.5, device.depth_mm / 2)))
    reach = params.tolerance_mm + params.wall_mm + device.corner_radius_mm + 1.0
    walls: dict[tuple[str, float], list[np.ndarray]] = {}
    for s in lay.slots:  # one cutter per wall: its stadiums joined in the wall's plane
        length, across = s.hi_mm - s.lo_mm, s.z_hi_mm - s.z_lo_mm
        stadium = RoundedRect(s.lo_mm, s.z_lo_mm, length, across, min(length, across) / 2)
        walls.setdefault((s.axis, s.face_mm), []).append(rounded_rect_points(stadium, segments))
    wall_cuts = []
    for (axis, face), contours in walls.items():
        centre = face + (1.0 if face == 0.0 else -1.0) * (reach - eps) / 2
        if axis == "x":
            matrix = [[0, 0, 1, centre], [1, 0, 0, 0], [0, 1, 0, 0]]
        else:
            matrix = [[1, 0, 0, 0], [0, 0, -1, centre], [0, 1, 0, 0]]
        wall_cuts.append((contours, reach + eps, np.array(matrix, dtype=float)))
    return {"shell": ring(lay.outline, 0.0, lay.z_top), "adds": adds, "cuts": cuts,
            "walls": wall_cuts}  # fmt: skip


def floor_mesh_build(inputs: dict) -> manifold3d.Mesh:
    """The floor of the build: manifold3d alone making the same solid from ready polygons
    (extrusions, one boolean, the mesh out), no layout, no checks, no trimesh."""
    Manifold, CrossSection = manifold3d.Manifold, manifold3d.CrossSection

    def prism(points, z0, z1):
        return Manifold.extrude(CrossSection([points]), z1 - z0).translate((0.0, 0.0, z0))

    shell = prism(*inputs["shell"])
    for add in inputs["adds"]:
        shell += prism(*add)
    cutters = [prism(*cut) for cut in inputs["cuts"]]
    for contours, depth, matrix in inputs["walls"]:
        section = CrossSection(contours, manifold3d.FillRule.NonZero)
        cutters.append(
            Manifold.extrude(section, depth).translate((0.0, 0.0, -depth / 2)).transform(matrix)
        )
    return Manifold.batch_boolean([shell, *cutters], manifold3d.OpType.Subtract).to_mesh()


def bench_mesh(repeat: int) -> list[str]:
    device = get_device(DEVICE)
    params = DEFAULTS[Material.TPU]
    inputs = floor_mesh_inputs(device, params)
    engine_mesh(device, params)  # warm-up: imports and first-call caches
    case = mesh.build_case(device, params, 32)
    floor_solid = floor_mesh_build(inputs)
    floor_volume = manifold3d.Manifold(floor_solid).volume()
    same = abs(floor_volume - case.volume) < 1e-6 * case.volume

    def write() -> int:  # the three writers alone, on the mesh built above
        stl = mesh.export_stl(case)
        three_mf = mesh.export_3mf(case)
        glb = mesh.export_glb(case, device, params, None)
        return len(stl) + len(three_mf) + len(glb)

    # Interleaved like bench_print: each round times the engine and both parts of the floor
    # back to back; the ratio is the median of the per-round ratios.
    engine, build, writers, engine_build = [], [], [], []
    for _ in range(repeat):
        engine.append(timed_ms(lambda: engine_mesh(device, params)))
        build.append(timed_ms(lambda: floor_mesh_build(inputs)))
        writers.append(timed_ms(write))
        engine_build.append(timed_ms(lambda: mesh.build_case(device, params, 32)))
    ratio = statistics.median(e / (b + w) for e, b, w in zip(engine, build, writers, strict=True))
    engine_ms, build_ms = statistics.median(engine), statistics.median(build)
    writers_ms, engine_build_ms = statistics.median(writers), statistics.median(engine_build)
    return [
        f"case mesh, 32 segments per corner ({len(case.faces)} triangles)",
        f"  build + STL + 3MF + GLB {engine_ms:6.1f} ms   goal <= 100 ms  "
        f"{verdict(engine_ms <= 100)}",
        f"  of which build          {engine_build_ms:6.1f} ms",
        f"  floor                   {build_ms + writers_ms:6.1f} ms  (manifold3d build "
        f"{build_ms:.1f} + writers alone {writers_ms:.1f})",
        f"  engine / floor          {ratio:6.2f}      goal <= 1.50  {verdict(ratio <= 1.5)}",
        f"  floor solid {floor_volume:.3f} mm3, engine {case.volume:.3f} mm3: "
        f"{'the same solid' if same else 'NOT THE SAME SOLID'}",
    ]


# The child reports VmHWM (peak resident set of its own address space) rather than
# ru_maxrss: Linux carries ru_maxrss over fork and exec, so a child of this (large)
# benchmark process would report the parent's peak.
_PEAK = "print([l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM')][0])"
_CHILD = textwrap.dedent(
    """
    import sys
    sys.path.insert(0, {root!r})
    from configurator.engine.cli import main
    code = main(["print", "--device", {device!r}, "--artwork", {photo!r}, "--dpi", "600",
                 "--out", {out!r}])
    assert code == 0, code
    """
)


def _child_peak_mb(code: str, cwd: str) -> float:
    """Run `code` in a fresh interpreter (the repository importable); its VmHWM in MB."""
    done = subprocess.run(
        [sys.executable, "-c", f"import sys; sys.path.insert(0, {str(ROOT)!r})\n{code}\n{_PEAK}"],
        capture_output=True,
        text=True,
        check=True,
        cwd=cwd,
    )
    return int(done.stdout.strip().splitlines()[-1]) / 1024  # VmHWM is in kB


def _largest_texts_spec() -> str:
    """A spec of the largest texts parse_spec accepts, each at its largest size_mm."""
    layers = []
    for text, rotation in (("W" * 200, 45), ("WWWWW", 0), ("WWWWW", 45),
                           ("W" * 27 + "a" + "\u0301" * 28, 30)):  # fmt: skip
        width, height = spec_module.text_extent_mm(text, "dejavu-sans", 1.0)
        size = min(
            100.0,
            spec_module.MAX_TEXT_LENGTH_MM / width,
            spec_module.MAX_TEXT_HEIGHT_MM / height,
        )
        layers.append({"type": "text", "text": text, "size_mm": int(size * 100) / 100,
                       "x_mm": 37, "y_mm": 75, "rotation": rotation})  # fmt: skip
    document = {"version": 1, "background": "#ffffff", "layers": layers}
    spec_module.parse_spec(document)
    return json.dumps(document)


_PROGRESSIVE = textwrap.dedent(
    """
    import numpy as np
    from PIL import Image
    rng = np.random.default_rng(1)
    tile = (128 + rng.normal(0, 40, (512, 512, 3))).clip(0, 255).astype(np.uint8)
    row = np.tile(tile, (1, 12, 1))[:, :5656]
    image = Image.fromarray(np.tile(row, (12, 1, 1))[:5656], "RGB")
    image.save("progressive.jpg", "JPEG", quality=95, progressive=True, subsampling=0)
    """
)


def bench_memory(data: bytes) -> list[str]:
    with tempfile.TemporaryDirectory() as tmp:
        photo = Path(tmp) / "photo.jpg"
        photo.write_bytes(data)
        code = _CHILD.format(root=str(ROOT), device=DEVICE, photo=str(photo), out=tmp) + _PEAK
        done = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        )
        peak_mb = int(done.stdout.strip().splitlines()[-1]) / 1024  # VmHWM is in kB
        (Path(tmp) / "texts.json").write_text(_largest_texts_spec())
        text_mb = _child_peak_mb(
            "from configurator.engine.cli import main\n"
            f"assert main(['print', '--device', {DEVICE!r}, '--artwork', 'photo.jpg', "
            "'--spec', 'texts.json', '--dpi', '600', '--out', 'texts']) == 0",
            tmp,
        )
        _child_peak_mb(_PROGRESSIVE, tmp)
        progressive = Path(tmp) / "progressive.jpg"
        progressive_mb = progressive.stat().st_size / 1e6
        load_mb = _child_peak_mb(
            "from configurator.engine.artwork import load_artwork\n"
            "art = load_artwork(open('progressive.jpg', 'rb').read())\n"
            "assert art.image.size == (5656, 5656)",
            tmp,
        )
        baseline = subprocess.run(
            [
                sys.executable,
                "-c",
                f"import sys; sys.path.insert(0, {str(ROOT)!r}); "
                "import configurator.engine.cli, configurator.engine.preflight; " + _PEAK,
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        base_mb = int(baseline.stdout.strip()) / 1024
    return [
        "peak memory, 600 dpi print export (png + pdf + preflight) in a child process",
        f"  peak RSS (VmHWM)  {peak_mb:8.1f} MB   goal < 400 MB  {verdict(peak_mb < 400)}",
        f"  of which interpreter + imports {base_mb:.1f} MB",
        f"  largest valid texts {text_mb:6.1f} MB   goal < 400 MB  {verdict(text_mb < 400)}"
        "  (same export, text-only spec)",
        "peak memory, load_artwork of a progressive JPEG 5656x5656 4:4:4 "
        f"({progressive_mb:.0f} MB file), child process",
        f"  peak RSS (VmHWM)  {load_mb:8.1f} MB   goal < 500 MB  {verdict(load_mb < 500)}",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    parser.add_argument(
        "--only",
        choices=("print", "preview", "mesh", "memory"),
        action="append",
        help="run only this part (repeatable); all parts by default",
    )
    args = parser.parse_args()
    only = set(args.only or ("print", "preview", "mesh", "memory"))
    repeat, naive_repeat = (3, 1) if args.quick else (7, 3)
    data = photo_jpeg() if only - {"mesh"} else b""  # the mesh part needs no photo
    print(
        f"caseforge engine benchmark: Python {platform.python_version()}, Pillow "
        f"{PIL.__version__}, numpy {np.__version__}, {os.cpu_count()} CPUs"
    )
    if data:
        print(f"photo: 4000x3000 JPEG q90, {len(data) / 1e6:.1f} MB; device {DEVICE}, cover, TPU")
    print(f"medians of {repeat} runs (naive pipeline: {naive_repeat})\n")
    parts: list[tuple[str, Callable[[], list[str]]]] = [
        ("print", lambda: bench_print(data, 300, repeat, naive_repeat)),
        ("print", lambda: bench_print(data, 600, repeat, naive_repeat)),
        ("preview", lambda: bench_preview(data, repeat)),
        ("mesh", lambda: bench_mesh(repeat)),
        ("memory", lambda: bench_memory(data)),
    ]
    sections = [run() for part, run in parts if part in only]
    print("\n\n".join("\n".join(lines) for lines in sections))


if __name__ == "__main__":
    main()
