"""The 3D case mesh: solid, dimensions, cavity, lip, camera hole, openings and exports.

Point tests use the generalised winding number of the exported triangles (no ray library
needed): about 1 inside the material, about 0 in air.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import struct
import subprocess
import xml.etree.ElementTree as ET
import zipfile
from functools import cache
from importlib.util import find_spec
from pathlib import Path

import lib3mf
import numpy as np
import pytest
import trimesh
from PIL import Image

from configurator.engine.case import (
    DEFAULTS,
    CaseParams,
    back_outline,
    camera_bar,
    camera_hole,
    camera_lip,
)
from configurator.engine.devices import (
    CLEARANCE_MM,
    Device,
    DeviceError,
    builtin_devices,
    device_from_dict,
    get_device,
)
from configurator.engine.geometry import layout_for
from configurator.engine.mesh import (
    MIN_BRIDGE_MM,
    MeshError,
    build_case,
    case_layout,
    export_3mf,
    export_case,
    export_glb,
    export_stl,
)
from tests.tools import tool_missing

SLUGS = list(builtin_devices())
PARAMS = CaseParams()
RUNNER = Path(__file__).with_name("gltf_validate.mjs")


@cache
def case(slug: str, segments: int = 32, params: CaseParams = PARAMS) -> trimesh.Trimesh:
    return build_case(get_device(slug), params, segments)


def _dot(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    return np.einsum("pfi,pfi->pf", u, v)


def material_at(mesh: trimesh.Trimesh, points) -> np.ndarray:
    """True where a point lies inside the solid (winding number > 0.5)."""
    pts = np.atleast_2d(np.asarray(points, dtype=float))
    tri = mesh.triangles
    result = []
    for chunk in np.array_split(pts, max(1, len(pts) // 32)):
        rel = tri[None, :, :, :] - chunk[:, None, None, :]
        a, b, c = rel[:, :, 0], rel[:, :, 1], rel[:, :, 2]
        la, lb, lc = (np.linalg.norm(v, axis=-1) for v in (a, b, c))
        det = _dot(a, np.cross(b, c))
        div = la * lb * lc + _dot(a, b) * lc + _dot(b, c) * la + _dot(c, a) * lb
        result.append(np.arctan2(det, div).sum(axis=1) * 2 / (4 * np.pi))
    return np.concatenate(result) > 0.5


def frame(slug: str, params: CaseParams = PARAMS):
    """The device, how far the outline grows past the body (tolerance + wall), the floor z."""
    d = get_device(slug)
    grow = params.tolerance_mm + params.wall_mm
    floor = params.back_mm
    return d, grow, floor


def glb_parts(data: bytes):
    """Parse a GLB by hand: JSON, binary chunk and an accessor reader."""
    magic, version, length = struct.unpack_from("<III", data)
    assert (magic, version, length) == (0x46546C67, 2, len(data))
    json_len, json_type = struct.unpack_from("<II", data, 12)
    assert json_type == 0x4E4F534A
    doc = json.loads(data[20 : 20 + json_len])
    bin_len, bin_type = struct.unpack_from("<II", data, 20 + json_len)
    assert bin_type == 0x004E4942
    blob = data[28 + json_len : 28 + json_len + bin_len]

    def read(index: int) -> np.ndarray:
        acc = doc["accessors"][index]
        view = doc["bufferViews"][acc["bufferView"]]
        dtype = {5126: "<f4", 5125: "<u4", 5123: "<u2"}[acc["componentType"]]
        width = {"SCALAR": 1, "VEC2": 2, "VEC3": 3}[acc["type"]]
        start = view.get("byteOffset", 0) + acc.get("byteOffset", 0)
        arr = np.frombuffer(blob, dtype=dtype, count=acc["count"] * width, offset=start)
        return arr.reshape(-1, width) if width > 1 else arr

    return doc, blob, read


def design(width_px: int, height_px: int) -> Image.Image:
    """A test design: top-left quadrant red, the rest blue, a transparent band at the bottom."""
    arr = np.zeros((height_px, width_px, 4), dtype=np.uint8)
    arr[..., 2] = 255
    arr[..., 3] = 255
    arr[: height_px // 2, : width_px // 2] = (255, 0, 0, 255)
    arr[-height_px // 10 :, :, 3] = 0
    return Image.fromarray(arr, "RGBA")


def design_px(slug: str, dpi: float) -> tuple[int, int]:
    outline = back_outline(get_device(slug), PARAMS)
    b = PARAMS.bleed_mm
    return (
        round((outline.width_mm + 2 * b) / 25.4 * dpi),
        round((outline.height_mm + 2 * b) / 25.4 * dpi),
    )


# ------------------------------------------------------------------------------- the solid


@pytest.mark.parametrize("slug", SLUGS)
def test_case_is_a_watertight_volume(slug):
    """Every built-in device gives a watertight, consistently wound, positive-volume solid."""
    mesh = case(slug)
    assert mesh.is_watertight
    assert mesh.is_winding_consistent
    assert mesh.is_volume
    assert mesh.volume > 1000  # mm³: a real shell, not a sliver


@pytest.mark.parametrize("slug", SLUGS)
def test_bounding_box_is_body_plus_walls_and_documented_depth(slug):
    """Bounds are the back outline (body + 2*(tolerance+wall)) and back+depth+tolerance+lip."""
    d, grow, _floor = frame(slug)
    outline = back_outline(d, PARAMS)
    lo, hi = case(slug).bounds
    # the back rises below z = 0 only over a protruding camera: a roof over a bar, a rim
    # around an island
    lip = camera_lip(d, PARAMS)
    raised = 0.0
    if camera_bar(d, PARAMS) is not None:
        raised = -(d.camera.protrusion_mm + PARAMS.tolerance_mm)
    elif lip is not None:
        raised = -lip[1]
    assert np.allclose(lo, [0.0, 0.0, raised], atol=1e-4)
    assert hi[0] == pytest.approx(d.width_mm + 2 * grow, abs=0.05)
    assert hi[1] == pytest.approx(d.height_mm + 2 * grow, abs=0.05)
    assert hi[0] == pytest.approx(outline.width_mm, abs=0.05)
    assert hi[1] == pytest.approx(outline.height_mm, abs=0.05)
    depth = PARAMS.back_mm + d.depth_mm + PARAMS.tolerance_mm + PARAMS.lip_mm
    assert hi[2] == pytest.approx(depth, abs=0.01)


def test_other_materials_change_the_dimensions():
    """PC and hybrid defaults (other wall/back/tolerance) still give matching solids."""
    d = get_device("iphone-13")
    for params in DEFAULTS.values():
        mesh = build_case(d, params, 16)
        grow = params.tolerance_mm + params.wall_mm
        depth = params.back_mm + d.depth_mm + params.tolerance_mm + params.lip_mm
        assert mesh.is_volume
        assert np.allclose(
            mesh.bounds[1], (d.width_mm + 2 * grow, d.height_mm + 2 * grow, depth), atol=0.05
        )


def test_no_lip_leaves_the_cavity_open_to_the_top():
    """With lip_mm = 0 the case ends tolerance_mm above the screen and has no ledge."""
    d = get_device("iphone-8")
    params = CaseParams(lip_mm=0.0)
    mesh = build_case(d, params, 16)
    top = params.back_mm + d.depth_mm + params.tolerance_mm
    assert mesh.is_volume
    assert mesh.bounds[1][2] == pytest.approx(top, abs=0.01)
    grow = params.tolerance_mm + params.wall_mm
    assert not material_at(mesh, [(grow + 0.4, grow + d.height_mm / 2, top - 0.05)]).any()


@pytest.mark.parametrize("slug", SLUGS)
def test_cavity_clears_the_body_by_the_tolerance(slug):
    """Just outside the body (tol/2) is air; in the wall (tol + wall/2) is material."""
    d, grow, floor = frame(slug)
    tol, wall = PARAMS.tolerance_mm, PARAMS.wall_mm
    z = floor + d.depth_mm - 0.1  # above every opening band, below the screen plane
    x0, x1, y0, y1 = grow, grow + d.width_mm, grow, grow + d.height_mm
    xm, ym = (x0 + x1) / 2, (y0 + y1) / 2
    gap, inside = [], []
    for dist, bucket in ((tol / 2, gap), (tol + wall / 2, inside)):
        bucket += [(x0 - dist, ym, z), (x1 + dist, ym, z), (xm, y0 - dist, z), (xm, y1 + dist, z)]
        r = d.corner_radius_mm
        for cx, cy, sx, sy in ((x0, y0, -1, -1), (x1, y0, 1, -1), (x0, y1, -1, 1), (x1, y1, 1, 1)):
            centre = np.array((cx - sx * r, cy - sy * r))
            p = centre + (r + dist) * np.array((sx, sy)) / np.sqrt(2)
            bucket.append((p[0], p[1], z))
    # the body itself, the floor just under it, and the back plate
    body = [(xm, ym, floor + d.depth_mm / 2), (xm, y0 + 0.75 * d.height_mm, floor + tol / 2)]
    plate = [(xm, y0 + 0.75 * d.height_mm, floor / 2), (x0 + 3, y1 - 3, floor / 2)]
    mesh = case(slug)
    assert not material_at(mesh, gap).any()
    assert material_at(mesh, inside).all()
    assert not material_at(mesh, body).any()
    assert material_at(mesh, plate).all()


@pytest.mark.parametrize("slug", SLUGS)
def test_lip_overhangs_the_screen_edge_and_leaves_the_screen_open(slug):
    """The rim rises lip_mm over the cavity and overhangs the screen edge; the screen stays open."""
    d, grow, floor = frame(slug)
    screen = floor + d.depth_mm
    ym = grow + d.height_mm / 2
    z_lip = screen + PARAMS.tolerance_mm + PARAMS.lip_mm / 2
    mesh = case(slug)
    over_edge = [(grow + 0.4, ym, z_lip), (grow + d.width_mm - 0.4, ym, z_lip)]
    assert material_at(mesh, over_edge).all()
    open_screen = [(grow + 1.5, ym, z_lip), (grow + d.width_mm / 2, ym, z_lip)]
    assert not material_at(mesh, open_screen).any()
    under_ledge = [(grow + 0.4, ym, screen + PARAMS.tolerance_mm / 2)]
    assert not material_at(mesh, under_ledge).any()


@pytest.mark.parametrize("slug", SLUGS)
def test_camera_hole_is_exactly_camera_hole(slug):
    """The back is open over the camera island and closed just outside camera_hole(); over a
    bar camera, the roof over the bar is."""
    d, grow, floor = frame(slug)
    cam = d.camera
    hole = camera_hole(d, PARAMS)
    z = floor / 2
    if cam.style == "bar":  # the roof over the bar lies below the back plate
        z -= cam.protrusion_mm + PARAMS.tolerance_mm
    centre = (grow + cam.x_mm + cam.width_mm / 2, grow + cam.y_mm + cam.height_mm / 2, z)
    hy = hole.y_mm + hole.height_mm / 2
    hx = hole.x_mm + hole.width_mm / 2
    air = [centre, (hole.x_mm + 0.05, hy, z), (hx, hole.y_mm + 0.05, z)]
    solid = [(hole.x_mm - 0.05, hy, z), (hx, hole.y_mm - 0.05, z)]
    solid.append((hole.x_mm + hole.width_mm + 0.05, hy, z))
    solid.append((hx, hole.y_mm + hole.height_mm + 0.05, z))
    mesh = case(slug)
    assert not material_at(mesh, air).any()
    assert material_at(mesh, solid).all()


def wall_point(d: Device, side: str, t: float, z: float) -> tuple[float, float, float]:
    """The middle of a side wall at edge position t (device conventions) and height z."""
    grow = PARAMS.tolerance_mm + PARAMS.wall_mm
    wall = PARAMS.wall_mm
    outline = back_outline(d, PARAMS)
    # the frame: z toward the screen, y from the phone's top to its bottom. A viewer at the
    # screen looks along -z with "up" = -y, so their right hand points along look x up.
    right = np.cross((0.0, 0.0, -1.0), (0.0, -1.0, 0.0))
    if side in ("left", "right"):  # offsets run from the top edge (y = grow)
        x_right_wall = wall / 2 if right[0] < 0 else outline.width_mm - wall / 2
        x = x_right_wall if side == "right" else outline.width_mm - x_right_wall
        return (x, grow + t, z)
    # offsets run from the left edge seen from the front, i.e. against `right`
    x_left_edge = grow if right[0] > 0 else grow + d.width_mm
    y = wall / 2 if side == "top" else outline.height_mm - wall / 2
    return (x_left_edge + right[0] * t, y, z)


def cut_spans(d: Device, side: str) -> list[tuple[float, float]]:
    """Where a side wall is open (device offsets): every opening grown by the tolerance and
    its clearance at each end, and cut-outs left under MIN_BRIDGE_MM apart joined."""
    tol = PARAMS.tolerance_mm
    spans = sorted(
        (o.offset_mm - tol - o.clearance, o.offset_mm + o.length_mm + tol + o.clearance)
        for o in d.openings
        if o.side == side
    )
    merged: list[tuple[float, float]] = []
    for lo, hi in spans:
        if merged and lo - merged[-1][1] < MIN_BRIDGE_MM:
            merged[-1] = (merged[-1][0], max(hi, merged[-1][1]))
        else:
            merged.append((lo, hi))
    return merged


def _side_samples(d: Device, side: str):
    """Points in the middle of one side wall at the phone's mid-plane, with expected air."""
    edge = d.height_mm if side in ("left", "right") else d.width_mm
    r = d.corner_radius_mm
    ts = np.arange(r + 0.5, edge - r - 0.5, 0.5)  # the straight part only
    spans = cut_spans(d, side)
    ends = [end for span in spans for end in span]
    near = np.array([min((abs(t - e) for e in ends), default=9.0) for t in ts])
    ts = ts[near > 0.3]
    expected = np.array([any(a < t < b for a, b in spans) for t in ts], dtype=bool)
    z = PARAMS.back_mm + d.depth_mm / 2
    return [wall_point(d, side, t, z) for t in ts], expected


ASYMMETRIC = {
    "slug": "test-asymmetric",
    "height_mm": 140.0,
    "width_mm": 70.0,
    "depth_mm": 8.0,
    "corner_radius_mm": 8.0,
    "camera": {"x_mm": 6, "y_mm": 6, "width_mm": 20, "height_mm": 12, "corner_radius_mm": 4},
    "openings": [
        {"side": "right", "offset_mm": 20.0, "length_mm": 10.0, "height_mm": 3.0},
        {"side": "left", "offset_mm": 90.0, "length_mm": 15.0, "height_mm": 3.0},
        {"side": "top", "offset_mm": 12.0, "length_mm": 8.0, "height_mm": 2.0},
        {"side": "bottom", "offset_mm": 40.0, "length_mm": 18.0, "height_mm": 12.0},
    ],
}


@pytest.mark.parametrize("slug", SLUGS)
def test_openings_are_cut_on_the_correct_side(slug):
    """Along each wall at mid-plane the wall is open exactly where the device has an opening."""
    mesh = case(slug, segments=8)
    for side in ("left", "right", "top", "bottom"):
        pts, expected = _side_samples(get_device(slug), side)
        air = ~material_at(mesh, pts)
        assert (air == expected).all(), (side, np.flatnonzero(air != expected))
    assert any(o.side in ("left", "right") for o in get_device(slug).openings)


def test_off_centre_openings_land_where_named_seen_from_the_screen():
    """Off-centre openings on all four sides (a too-tall one clamped) land on their own side."""
    d = device_from_dict(ASYMMETRIC)
    mesh = build_case(d, PARAMS, 8)
    assert mesh.is_volume
    for side in ("left", "right", "top", "bottom"):
        pts, expected = _side_samples(d, side)
        assert expected.any() and not expected.all()
        air = ~material_at(mesh, pts)
        assert (air == expected).all(), (side, np.flatnonzero(air != expected))


@pytest.mark.parametrize("slug", ["iphone-7", "galaxy-s23", "pixel-8", ASYMMETRIC["slug"]])
def test_openings_span_their_height_across_the_mid_plane(slug):
    """Each slot is open over the opening height (+tolerance) centred on the phone's mid-plane."""
    d = device_from_dict(ASYMMETRIC) if slug == ASYMMETRIC["slug"] else get_device(slug)
    mesh = build_case(d, PARAMS, 8)
    tol = PARAMS.tolerance_mm
    mid = PARAMS.back_mm + d.depth_mm / 2
    for opening in d.openings:
        half = min(opening.height_mm / 2 + tol, d.depth_mm / 2 - 0.2)
        along = opening.offset_mm + opening.length_mm / 2
        lo, hi = (
            opening.offset_mm - tol - opening.clearance,
            opening.offset_mm + opening.length_mm + tol + opening.clearance,
        )
        others = [o for o in d.openings if o.side == opening.side and o is not opening]
        assert not any(o.offset_mm - tol < along < o.offset_mm + o.length_mm + tol for o in others)
        open_z = [mid - 0.9 * half, mid, mid + 0.9 * half]
        shut_z = [mid - half - 0.3, mid + half + 0.3]
        air = [wall_point(d, opening.side, along, z) for z in open_z]
        solid = [wall_point(d, opening.side, along, z) for z in shut_z]
        # grown by tolerance + clearance at both ends, by the tolerance across: open there,
        # closed just beyond unless another cut-out (or a join) continues
        for t in (lo + tol / 2, hi - tol / 2):
            air.append(wall_point(d, opening.side, t, mid))
        if half < d.depth_mm / 2 - 0.2:  # not clamped to the phone's thickness
            air.append(wall_point(d, opening.side, along, mid + half - tol / 2))
        spans = cut_spans(d, opening.side)
        for t in (lo - 0.3, hi + 0.3):
            if not any(a - 0.3 <= t <= b + 0.3 for a, b in spans):
                solid.append(wall_point(d, opening.side, t, mid))
        assert not material_at(mesh, air).any(), opening
        assert material_at(mesh, solid).all(), opening


def test_segments_control_corner_smoothness():
    """More segments per corner give more triangles; a bad count is a MeshError."""
    assert len(case("iphone-15", 8).faces) < len(case("iphone-15", 32).faces)
    for bad in (0, -3, 1000, 2.5):
        with pytest.raises(MeshError):
            build_case(get_device("iphone-15"), PARAMS, bad)


def test_exports_refuse_a_mesh_that_is_not_a_volume():
    """An open mesh is rejected before any export, with MeshError (a ValueError)."""
    box = trimesh.creation.box((10, 10, 10))
    holed = trimesh.Trimesh(box.vertices, box.faces[:-1], process=False)
    d = get_device("iphone-15")
    for export in (export_stl, export_3mf, lambda m: export_glb(m, d, PARAMS)):
        with pytest.raises(MeshError, match="watertight"):
            export(holed)
    assert issubclass(MeshError, ValueError)


# ------------------------------------------------------------------------------- STL, 3MF


@pytest.mark.parametrize("slug", ["iphone-7", "galaxy-s24", "pixel-8"])
def test_stl_reloads_as_the_same_volume(slug):
    """The binary STL reloads with trimesh as a watertight volume of the same size."""
    mesh = case(slug)
    data = export_stl(mesh)
    assert len(data) == 84 + 50 * len(mesh.faces)
    assert not data.startswith(b"solid")
    back = trimesh.load(io.BytesIO(data), file_type="stl")
    assert back.is_volume
    assert back.volume == pytest.approx(mesh.volume, rel=1e-4)
    assert np.allclose(back.bounds, mesh.bounds, atol=1e-3)


@pytest.mark.parametrize("slug", ["iphone-7", "galaxy-s24", "pixel-8"])
def test_3mf_reloads_as_the_same_volume_in_millimetres(slug):
    """The 3MF package declares millimetres and its mesh reloads as the same volume."""
    mesh = case(slug)
    data = export_3mf(mesh)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        names = set(zf.namelist())
        assert {"[Content_Types].xml", "_rels/.rels", "3D/3dmodel.model"} <= names
        root = ET.fromstring(zf.read("3D/3dmodel.model"))
    ns = {"m": "http://schemas.microsoft.com/3dmanufacturing/core/2015/02"}
    assert root.get("unit") == "millimeter"
    verts = [[float(v.get(k)) for k in "xyz"] for v in root.iterfind(".//m:vertex", ns)]
    tris = [[int(t.get(k)) for k in ("v1", "v2", "v3")] for t in root.iterfind(".//m:triangle", ns)]
    back = trimesh.Trimesh(verts, tris, process=False)
    assert back.is_volume
    assert back.volume == pytest.approx(mesh.volume, rel=1e-4)
    if find_spec("lxml") and find_spec("networkx"):  # trimesh's own 3MF reader needs both
        loaded = trimesh.load(io.BytesIO(data), file_type="3mf", force="mesh")
        assert loaded.is_volume
        assert loaded.volume == pytest.approx(mesh.volume, rel=1e-4)


def read_3mf_with_lib3mf(data: bytes) -> tuple[lib3mf.Model, lib3mf.Reader]:
    """The package as the 3MF Consortium's own library reads it, in strict mode."""
    model = lib3mf.get_wrapper().CreateModel()
    reader = model.QueryReader("3mf")
    reader.SetStrictModeActive(True)
    reader.ReadFromBuffer(bytearray(data))
    return model, reader


@pytest.mark.parametrize("slug", SLUGS)
def test_lib3mf_reads_one_manifold_oriented_mesh_in_millimetres(slug):
    """lib3mf reads the 3MF in strict mode with no warnings: one build item, one mesh
    object in millimetres with every vertex and triangle, manifold and consistently
    oriented, within the same bounds."""
    mesh = case(slug)
    model, reader = read_3mf_with_lib3mf(export_3mf(mesh, name=f"{slug} case"))
    warnings = [reader.GetWarning(i) for i in range(reader.GetWarningCount())]
    assert warnings == []
    assert model.GetUnit() == lib3mf.ModelUnit.MilliMeter
    objects = model.GetMeshObjects()
    assert objects.Count() == 1 and model.GetBuildItems().Count() == 1
    objects.MoveNext()
    solid = objects.GetCurrentMeshObject()
    assert solid.GetName() == f"{slug} case"
    assert (solid.GetVertexCount(), solid.GetTriangleCount()) == (
        len(mesh.vertices),
        len(mesh.faces),
    )
    assert solid.IsManifoldAndOriented()
    box = solid.GetOutbox()
    assert np.allclose([box.MinCoordinate[:], box.MaxCoordinate[:]], mesh.bounds, atol=1e-4)


@pytest.mark.parametrize("slug", ["iphone-15-pro", "pixel-8"])  # an island and a bar
def test_admesh_finds_nothing_to_repair(tmp_path, slug):
    """admesh reads the STL as one part with no disconnected facets, holes or flipped normals."""
    admesh = shutil.which("admesh")
    if admesh is None:
        tool_missing("admesh is not installed")
    path = tmp_path / "case.stl"
    path.write_bytes(export_stl(case(slug)))
    # errors="replace": admesh prints the 80-byte STL header without its end, so whatever
    # bytes follow it in admesh's memory show up in the output
    out = subprocess.run(
        [admesh, str(path)], capture_output=True, text=True, errors="replace", timeout=60
    ).stdout
    stats = {}
    for line in out.splitlines():
        key, _, rest = line.partition(":")
        if rest.split():
            stats[key.strip()] = rest.split()[0]
    assert stats["Number of parts"] == "1", out
    for key in (
        "Total disconnected facets",
        "Degenerate facets",
        "Edges fixed",
        "Facets removed",
        "Facets added",
        "Facets reversed",
        "Backwards edges",
        "Normals fixed",
    ):
        assert stats[key] == "0", (key, out)


# ------------------------------------------------------------------------------- GLB


def test_glb_is_in_metres_with_a_textured_back():
    """The GLB is ~1000x smaller than the mm mesh and embeds the design as a JPEG texture."""
    slug = "iphone-15"
    mesh = case(slug)
    d = get_device(slug)
    data = export_glb(mesh, d, PARAMS, design(*design_px(slug, 72)))
    scene = trimesh.load(io.BytesIO(data), file_type="glb")
    extents_mm = np.sort(mesh.extents)
    assert np.allclose(np.sort(scene.extents) * 1000, extents_mm, atol=0.01)
    doc, blob, _read = glb_parts(data)
    material = doc["materials"][doc["meshes"][0]["primitives"][1]["material"]]
    tex = doc["textures"][material["pbrMetallicRoughness"]["baseColorTexture"]["index"]]
    image = doc["images"][tex["source"]]
    assert image["mimeType"] == "image/jpeg"
    view = doc["bufferViews"][image["bufferView"]]
    jpeg = blob[view["byteOffset"] : view["byteOffset"] + view["byteLength"]]
    assert jpeg[:2] == b"\xff\xd8"
    assert Image.open(io.BytesIO(jpeg)).mode == "RGB"


def test_glb_without_texture_has_no_image():
    """Without a design the GLB has one plain case material and no texture or UVs."""
    d = get_device("pixel-8")
    doc, _blob, _read = glb_parts(export_glb(case("pixel-8"), d, PARAMS))
    assert "images" not in doc and "textures" not in doc
    for prim in doc["meshes"][0]["primitives"]:
        assert "TEXCOORD_0" not in prim["attributes"]


@pytest.mark.parametrize("slug", SLUGS)
def test_glb_uvs_map_the_back_outline_inside_the_bleed(slug):
    """Back UVs span the outline inset by the bleed; the design's top-left is the back's."""
    d = get_device(slug)
    outline = back_outline(d, PARAMS)
    W, H, b = outline.width_mm, outline.height_mm, PARAMS.bleed_mm
    D = PARAMS.back_mm + d.depth_mm + PARAMS.tolerance_mm + PARAMS.lip_mm
    data = export_glb(case(slug), d, PARAMS, design(*design_px(slug, 60)))
    doc, blob, read = glb_parts(data)
    textured = [p for p in doc["meshes"][0]["primitives"] if "TEXCOORD_0" in p["attributes"]]
    assert len(textured) == 1
    prim = textured[0]
    pos = read(prim["attributes"]["POSITION"]).astype(float)
    uv = read(prim["attributes"]["TEXCOORD_0"]).astype(float)
    normal = read(prim["attributes"]["NORMAL"])
    # documented GLB frame: X right and Y up seen from behind, back facing +Z, centred, metres
    x, y, z = pos[:, 0] * 1000 + W / 2, H / 2 - pos[:, 1] * 1000, D / 2 - pos[:, 2] * 1000
    # the flat back, and the roof over a camera bar, which the print keeps out of
    band = camera_bar(d, PARAMS)
    roof = -(d.camera.protrusion_mm + PARAMS.tolerance_mm) if band else 0.0
    on_roof = np.isclose(z, roof, atol=1e-3) & (band is not None)
    assert (np.isclose(z, 0.0, atol=1e-3) | on_roof).all()
    if band is not None:
        off_centre = np.abs(y[on_roof] - (band.y_mm + band.height_mm / 2))
        assert (off_centre <= band.height_mm / 2 + 1e-3).all()
    assert np.allclose(normal, (0, 0, 1))
    assert ((uv >= 0) & (uv <= 1)).all()
    assert np.allclose(uv[:, 0], (x + b) / (W + 2 * b), atol=1e-5)
    assert np.allclose(uv[:, 1], (y + b) / (H + 2 * b), atol=1e-5)
    assert uv[:, 0].min() == pytest.approx(b / (W + 2 * b), abs=1e-5)
    assert uv[:, 0].max() == pytest.approx((W + b) / (W + 2 * b), abs=1e-5)
    assert uv[:, 1].min() == pytest.approx(b / (H + 2 * b), abs=1e-5)
    assert uv[:, 1].max() == pytest.approx((H + b) / (H + 2 * b), abs=1e-5)
    # the back vertex nearest the outline's top-left (seen from behind: -X, +Y) shows red
    corner = np.argmin(pos[:, 0] - pos[:, 1])
    assert x[corner] < d.corner_radius_mm and y[corner] < d.corner_radius_mm
    image_index = doc["textures"][0]["source"]
    view = doc["bufferViews"][doc["images"][image_index]["bufferView"]]
    jpeg = blob[view["byteOffset"] : view["byteOffset"] + view["byteLength"]]
    img = Image.open(io.BytesIO(jpeg)).convert("RGB")
    px = img.getpixel((int(uv[corner, 0] * img.width), int(uv[corner, 1] * img.height)))
    assert px[0] > 200 and px[2] < 60, px
    bottom_right = np.argmax(pos[:, 0] - pos[:, 1])
    u, v = uv[bottom_right]
    px = img.getpixel((int(u * img.width), min(int(v * img.height), img.height - 1)))
    assert px[0] < 60, px  # blue or flattened onto the case colour, never the red corner


@pytest.mark.parametrize("dpi", [300, 600])
def test_texture_jpeg_stays_under_1mb_for_print_resolution_noise(dpi):
    """Even incompressible noise at print resolution embeds as a JPEG under 1 MB."""
    slug = "iphone-8-plus"
    w, h = design_px(slug, dpi)
    noise = np.random.default_rng(dpi).integers(0, 256, (h, w, 4), dtype=np.uint8)
    data = export_glb(case(slug), get_device(slug), PARAMS, Image.fromarray(noise, "RGBA"))
    doc, blob, _read = glb_parts(data)
    view = doc["bufferViews"][doc["images"][0]["bufferView"]]
    assert view["byteLength"] < 1_000_000
    img = Image.open(io.BytesIO(blob[view["byteOffset"] : view["byteOffset"] + view["byteLength"]]))
    assert img.format == "JPEG"
    assert max(img.size) <= 2048
    assert img.width / img.height == pytest.approx(w / h, rel=0.01)


def test_gltf_validator_reports_no_errors(tmp_path):
    """The Khronos glTF validator finds zero errors in textured, plain and relief GLBs."""
    folder = os.environ.get("GLTF_VALIDATOR_DIR", "")
    node = shutil.which("node")
    ready = node and folder and (Path(folder) / "node_modules" / "gltf-validator").is_dir()
    if not ready:
        message = "needs node and GLTF_VALIDATOR_DIR with node_modules/gltf-validator"
        tool_missing(message)
    files = []
    for slug, kind in (
        ("iphone-15-pro", "texture"),
        ("galaxy-s23", "plain"),
        ("pixel-8", "relief"),
    ):
        d = get_device(slug)
        mesh, tex = case(slug), None
        if kind == "texture":
            tex = design(*design_px(slug, 150))
        elif kind == "relief":
            tex = relief_design(slug)
            mesh = build_case(d, PARAMS, 16, relief=tex)
        path = tmp_path / f"{slug}-{kind}.glb"
        path.write_bytes(export_glb(mesh, d, PARAMS, tex))
        files.append(str(path))
    run = subprocess.run(
        [node, str(RUNNER), *files],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "GLTF_VALIDATOR_DIR": folder},
    )
    reports = [json.loads(line) for line in run.stdout.splitlines() if line.startswith("{")]
    assert len(reports) == len(files), run.stderr
    for report in reports:
        assert report["numErrors"] == 0, report["messages"]
    assert run.returncode == 0, run.stderr


def relief_design(slug: str, dpi: float = 100) -> Image.Image:
    """Transparent, with a black square in the lower half and a 50% grey band below it."""
    w, h = design_px(slug, dpi)
    img = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    img.paste((0, 0, 0, 255), (w // 4, h // 2, 3 * w // 4, h // 2 + w // 2))
    img.paste((128, 128, 128, 255), (w // 4, h // 2 + w // 2 + 20, 3 * w // 4, h * 9 // 10))
    return img


def test_relief_engraves_dark_areas_and_stays_a_volume():
    """The optional relief cuts dark areas relief_depth_mm deep, grey half as deep, watertight."""
    slug = "galaxy-s24"
    d = get_device(slug)
    plain = case(slug)
    mesh = build_case(d, PARAMS, 32, relief=relief_design(slug), relief_depth_mm=0.3)
    assert mesh.is_volume
    assert np.allclose(mesh.bounds, plain.bounds, atol=1e-3)
    outline = back_outline(d, PARAMS)
    b = PARAMS.bleed_mm
    w_img, h_img = outline.width_mm + 2 * b, outline.height_mm + 2 * b
    # the black square's centre and the grey band's centre, in mesh coordinates
    x = w_img / 2 - b
    y_black = h_img / 2 + w_img / 4 - b
    y_grey = (h_img / 2 + w_img / 2 + h_img * 9 / 10) / 2 - b
    assert not material_at(mesh, [(x, y_black, 0.25), (x, y_grey, 0.1)]).any()
    assert material_at(mesh, [(x, y_black, 0.35), (x, y_grey, 0.2), (x, 20.0, 0.05)]).all()
    removed = plain.volume - mesh.volume
    square = (w_img / 2) ** 2
    assert square * 0.3 * 0.8 < removed < (square + (w_img / 2) * h_img * 0.4) * 0.3
    with pytest.raises(MeshError):
        build_case(d, PARAMS, 8, relief=relief_design(slug), relief_depth_mm=PARAMS.back_mm)


def test_relief_glb_textures_the_engraving(tmp_path):
    """With a relief the textured back includes the engraved faces and UVs stay in [0, 1]."""
    slug = "iphone-12"
    d = get_device(slug)
    paths = export_case(d, PARAMS, tmp_path, texture=relief_design(slug), relief=True)
    doc, _blob, read = glb_parts(paths["glb"].read_bytes())
    prim = next(p for p in doc["meshes"][0]["primitives"] if "TEXCOORD_0" in p["attributes"])
    pos = read(prim["attributes"]["POSITION"]).astype(float)
    uv = read(prim["attributes"]["TEXCOORD_0"])
    depth_m = np.ptp(pos[:, 2])
    assert 0.2e-3 < depth_m < 0.31e-3  # the back faces now reach into the engraving
    assert ((uv >= 0) & (uv <= 1)).all()
    assert trimesh.load(paths["stl"]).is_volume
    with pytest.raises(MeshError):
        export_case(d, PARAMS, tmp_path, relief=True)


def test_export_case_writes_three_files(tmp_path):
    """export_case writes case.stl, case.3mf and case.glb and returns their paths."""
    d = get_device("galaxy-s23")
    paths = export_case(d, PARAMS, tmp_path / "out", texture=design(64, 128), segments=8)
    assert {p.name for p in paths.values()} == {"case.stl", "case.3mf", "case.glb"}
    assert set(paths) == {"stl", "3mf", "glb"}
    assert trimesh.load(paths["stl"]).is_volume
    assert paths["glb"].read_bytes()[:4] == b"glTF"


# Physical spans (mm from the top, or from the left seen from the front for the bottom) of
# buttons, grilles and plug keep-outs in public drawings and mock-ups. Where the built-in
# device is another model, the span is a stand-in: the case must leave it open anyway.
P13 = "idcrook/psychic-winner iphone_13_pro_mockup/iPhone_13_Pro_Mockup.scad @006b745 (ADG R15)"
P15 = "idcrook/psychic-winner iphone_15_pro_max_mockup/iPhone_15_Pro_Max_Mockup.scad @d899317"
P6 = "idcrook/psychic-winner iphone_6plus_mount_family/files/iPhone_6_and_6_Plus_Mockups.scad"
IPHONE_13_PRO = {  # P13: *_center__from_top +- half height; bottom row edges, keep-out
    "side button": (43.48, 61.58),
    "ring/silent switch": (29.32, 35.12),
    "volume up": (39.73, 51.33),
    "volume down": (53.73, 65.33),  # volume_down_center__from_top 59.53 (not the old 59.93)
    "microphone grille": (19.14, 25.18),
    "Lightning port": (28.94, 42.59),  # lightning keep-out 13.65 wide around 35.765
    "speaker grille": (46.34, 56.89),  # 5 holes: the old centred slot covered two of them
}
IPHONE_15_PRO_MAX = {  # P15
    "side button": (47.32, 65.02),  # 3.64 mm lower than the 13 Pro's
    "action button": (28.65, 34.69),
    "volume up": (39.62, 50.82),
    "volume down": (53.82, 65.02),
}
IPHONE_6 = {  # P6, *_from_top .. + height (a leaked schematic of the iPhone 6)
    "side button": (31.0, 41.0),
    "ring/silent switch": (17.0, 22.7),
    "volume up": (31.0, 39.7),
    "volume down": (42.0, 50.7),
}
IPHONE_6_PLUS = {  # P6
    "side button": (31.0, 41.0),
    "ring/silent switch": (18.4, 24.1),
    "volume up": (31.0, 41.0),
    "volume down": (43.8, 53.8),
}
REFERENCE_SPANS = {
    "iphone-7": IPHONE_6,
    "iphone-8": IPHONE_6,
    "iphone-se-2020": IPHONE_6,
    "iphone-8-plus": IPHONE_6_PLUS,
    "iphone-12": IPHONE_13_PRO,
    "iphone-13": IPHONE_13_PRO,
    "iphone-14": IPHONE_13_PRO,
    "iphone-15": {k: v for k, v in IPHONE_15_PRO_MAX.items() if k != "action button"},
    "iphone-15-pro": IPHONE_15_PRO_MAX,
}


@pytest.mark.parametrize("slug", list(REFERENCE_SPANS))
def test_no_button_in_a_reference_drawing_is_covered(slug):
    """Along every button, grille and plug keep-out the public references give, plus the
    0.5 mm a drawing's numbers are cut with, the case wall is open at the mid-plane. (The old
    table covered 2.4 mm of the 15 Pro's side button and two of the 13's speaker holes.)"""
    d = get_device(slug)
    mesh = case(slug, segments=8)
    z = PARAMS.back_mm + d.depth_mm / 2
    by_name = {o.name: o for o in d.openings}
    for name, (lo, hi) in REFERENCE_SPANS[slug].items():
        opening = by_name[name]
        ts = np.linspace(lo - CLEARANCE_MM["drawing"], hi + CLEARANCE_MM["drawing"], 40)
        air = ~material_at(mesh, [wall_point(d, opening.side, t, z) for t in ts])
        assert air.all(), (name, ts[~air])


@pytest.mark.parametrize("slug", SLUGS)
def test_no_cut_out_is_shorter_than_its_span_plus_twice_its_clearance(slug):
    """Every slot runs past its button by the tolerance and the clearance of its confidence
    at both ends (1.5 mm for an estimate), so a guessed position errs toward open."""
    d = get_device(slug)
    lay = case_layout(d, PARAMS)
    for opening in d.openings:
        slot = next(s for s in lay.slots if s.opening is opening)
        assert opening.clearance == CLEARANCE_MM[opening.confidence] >= 0
        need = opening.length_mm + 2 * (PARAMS.tolerance_mm + opening.clearance)
        assert slot.hi_mm - slot.lo_mm == pytest.approx(need), opening.name


def test_estimated_cameras_get_the_widest_hole():
    """The camera hole grows by tolerance + 1.5 mm around an estimated island (the 8 Plus
    hole now clears its island by 1.5 mm, not 0.15), 0.5 mm for a drawn one unless the
    material asks for more."""
    d = get_device("iphone-8-plus")
    hole = camera_hole(d, PARAMS)
    grow = PARAMS.tolerance_mm + PARAMS.wall_mm
    assert hole.x_mm == pytest.approx(grow + d.camera.x_mm - PARAMS.tolerance_mm - 1.5)
    drawn = device_from_dict(
        ASYMMETRIC | {"sources": {"camera": {"confidence": "drawing", "source": "a drawing"}}}
    )
    tight = CaseParams(camera_clearance_mm=0.2)
    assert camera_hole(drawn, tight).width_mm == pytest.approx(20 + 2 * (0.15 + 0.5))
    assert camera_hole(drawn, PARAMS).width_mm == pytest.approx(20 + 2 * (0.15 + 1.0))


BAR_PHONE = {  # a Pixel-style bar: full width, 2.7 mm proud, the lenses behind a window
    "slug": "bar-phone", "height_mm": 150.5, "width_mm": 70.8, "depth_mm": 8.9,
    "corner_radius_mm": 10.6,
    "camera": {"style": "bar", "x_mm": 8.0, "y_mm": 19.0, "width_mm": 40.0, "height_mm": 11.6,
               "corner_radius_mm": 5.8, "protrusion_mm": 2.7, "bar_y_mm": 17.0,
               "bar_height_mm": 15.6},
    "openings": [{"side": "right", "offset_mm": 40, "length_mm": 12, "height_mm": 4}],
}  # fmt: skip
ISLAND_PHONE = ASYMMETRIC | {
    "slug": "raised-island",
    "camera": ASYMMETRIC["camera"] | {"protrusion_mm": 2.5},
}


def test_a_camera_bar_gets_a_raised_roof_with_a_window_not_a_hole():
    """Over a bar camera the back rises by the bar's protrusion: a pocket holds the bar, a
    roof as thick as the back covers it, and only the window over the lenses is open. The
    whole raised band is kept out of the print."""
    d = device_from_dict(BAR_PHONE)
    mesh = build_case(d, PARAMS, 8)
    assert mesh.is_volume
    hole = camera_hole(d, PARAMS)
    grow = PARAMS.tolerance_mm + PARAMS.wall_mm
    band_y = grow + 17.0 + 15.6 / 2
    roof = -(2.7 + PARAMS.tolerance_mm)  # the case's lowest point
    assert mesh.bounds[0][2] == pytest.approx(roof)
    beside_window = hole.x_mm + hole.width_mm + 5.0
    window = [(hole.x_mm + hole.width_mm / 2, band_y, z) for z in (roof + 0.6, 0.6)]
    assert not material_at(mesh, window).any()
    assert material_at(mesh, [(beside_window, band_y, roof + 0.6)]).all()  # the roof
    assert not material_at(mesh, [(beside_window, band_y, 0.0)]).any()  # the pocket
    assert material_at(mesh, [(beside_window, grow + 40.0, 0.6)]).all()  # the flat back
    layout = layout_for(d, PARAMS)
    assert layout.keepout.width_mm == pytest.approx(layout.trim.width_mm)


def test_the_pixel_8_case_rises_over_its_bar_and_opens_only_the_window():
    """The built-in Pixel 8 is a bar camera: the case rises over the bar, opens the lens
    window, keeps the roof over the bar's ends, and the print keeps out of the whole band."""
    d = get_device("pixel-8")
    assert d.camera.style == "bar" and d.camera.protrusion_mm > 0
    mesh = case("pixel-8")
    hole = camera_hole(d, PARAMS)
    band = camera_bar(d, PARAMS)
    roof = -(d.camera.protrusion_mm + PARAMS.tolerance_mm)
    mid_y = band.y_mm + band.height_mm / 2
    assert not material_at(mesh, [(hole.x_mm + hole.width_mm / 2, mid_y, roof + 0.6)]).any()
    grow = PARAMS.tolerance_mm + PARAMS.wall_mm
    bar_end = (hole.x_mm + hole.width_mm + grow + d.width_mm) / 2  # beyond the window
    assert material_at(mesh, [(bar_end, mid_y, roof + 0.6)]).all()  # the roof over the bar
    assert not material_at(mesh, [(bar_end, mid_y, 0.0)]).any()  # the bar's pocket
    layout = layout_for(d, PARAMS)
    assert layout.keepout.width_mm == pytest.approx(layout.trim.width_mm)
    assert layout.keepout.y_mm <= band.y_mm
    assert layout.keepout.y_mm + layout.keepout.height_mm >= band.y_mm + band.height_mm


def test_a_protruding_island_gets_a_raised_rim():
    """An island standing 2.5 mm proud gets a rim 1.2 mm wide rising to 0.3 mm beyond the
    lenses; the hole through it stays open and the rim is kept out of the print."""
    d = device_from_dict(ISLAND_PHONE)
    mesh = build_case(d, PARAMS, 8)
    assert mesh.is_volume
    hole = camera_hole(d, PARAMS)
    low = -(2.5 + 0.3 - PARAMS.back_mm)
    assert mesh.bounds[0][2] == pytest.approx(low)
    mid_y = hole.y_mm + hole.height_mm / 2
    right = hole.x_mm + hole.width_mm
    assert material_at(mesh, [(right + 0.6, mid_y, low / 2)]).all()
    assert not material_at(mesh, [(right + 1.8, mid_y, low / 2), (right - 2, mid_y, low / 2)]).any()
    assert layout_for(d, PARAMS).keepout.width_mm == pytest.approx(hole.width_mm + 2.4)


@pytest.mark.parametrize(
    "camera, message",
    [
        ({"style": "dome"}, "'style' must be one of island, bar"),
        ({"style": "bar", "bar_y_mm": 2.0, "bar_height_mm": 30.0}, "between the rounded corners"),
        ({"style": "bar", "bar_y_mm": 20.0, "bar_height_mm": 5.0}, "must hold the window"),
        ({"style": "island"}, "belong to a .bar. camera"),
        ({"protrusion_mm": 9.0}, "'protrusion_mm' must be 0 to 6"),
    ],
)
def test_camera_styles_are_checked(camera, message):
    """A camera style, bar placement or protrusion that cannot be built is a DeviceError."""
    with pytest.raises(DeviceError, match=message):
        device_from_dict(BAR_PHONE | {"camera": BAR_PHONE["camera"] | camera})
