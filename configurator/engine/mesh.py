"""The 3D case: a watertight solid around a device body, exported as STL, 3MF and GLB.

Coordinate frame of `build_case` (millimetres, right-handed)
-------------------------------------------------------------
* origin at the top-left corner of the case's outer back outline as seen from BEHIND,
* x to the right as seen from behind (x = 0 is the side wall that is the phone's RIGHT
  side seen from the screen, x = outline width is the phone's LEFT side),
* y DOWN as seen from behind, i.e. from the phone's top edge (y = 0) to its bottom edge,
* z = 0 on the outer back face, z growing toward the screen.

So (x, y) are exactly the coordinates of `case.back_outline()` and `case.camera_hole()`
(origin top-left, y down, seen from behind), the artwork's print coordinates. The frame is
right-handed (x cross y = z); "x right, y up seen from behind, z toward the screen" would be
left-handed and print a mirrored case. The back lies on z = 0, so the STL/3MF can go on a
print bed as they are; only a camera that stands proud of the back plate adds material below
z = 0 (`case.camera_lip`: a rim around an island; `case.camera_bar`: a roof over a bar,
full width, with a pocket for the bar and a window over the lenses).

Z levels (see `CaseLayout`): the back plate fills 0..back_mm; the phone lies on the cavity
floor at z = back_mm, its screen at back_mm + depth_mm; the cavity reaches tolerance_mm
higher; the lip adds lip_mm on top and overhangs the screen edge by `LIP_OVERHANG_MM`:

    total depth = back_mm + device.depth_mm + tolerance_mm + lip_mm

In plan the outside is `back_outline()` (body grown by tolerance + wall, radius grown too),
the cavity is the body grown by tolerance_mm (radius = body radius + tolerance), the lip's
opening is the body shrunk by LIP_OVERHANG_MM, the camera hole is `camera_hole()` through
the back plate, and every `device.openings` entry is a stadium-shaped slot through its side
wall, grown by tolerance_mm on every side and centred on the phone's mid-plane
z = back_mm + depth_mm / 2 (its height is capped at depth_mm - 0.4 so it never reaches the
floor or the screen plane). Rounded shapes have `segments` straight pieces per quarter
corner, their points on the true arcs, so straight sides and bounding boxes are exact.
Optionally (`relief=`) the design is engraved into the back as a height map.

This module is the mesh BUILDER and the public face of the mesh package: it turns the
layout (`mesh_layout`) into the solid with manifold3d and returns it as a checked trimesh
(`mesh_volume`). Its three writers live beside it and are re-exported here: `mesh_stl`,
`mesh_3mf` and `mesh_glb` (whose docstring gives the GLB's frame).

Public API: build_case, export_stl, export_3mf, export_glb, export_case, MeshError;
helpers: case_layout, build_manifold, check_volume, glb_positions, back_uv, texture_jpeg.
"""

from __future__ import annotations

import math
from pathlib import Path

import manifold3d
import numpy as np
import trimesh
from PIL import Image

from .case import CaseParams, RoundedRect, camera_bar, camera_lip, rounded_rect_points
from .devices import Device
from .mesh_3mf import export_3mf
from .mesh_glb import (
    CASE_COLOURS,
    ROUGHNESS,
    TEXTURE_MAX_BYTES,
    TEXTURE_MAX_PX,
    TEXTURE_QUALITY,
    back_uv,
    export_glb,
    glb_positions,
    texture_jpeg,
)
from .mesh_layout import (
    LIP_OVERHANG_MM,
    MIN_BRIDGE_MM,
    CaseLayout,
    SlotCut,
    case_layout,
    cut_span,
)
from .mesh_stl import export_stl
from .mesh_volume import MeshError, check_volume

__all__ = [
    "CASE_COLOURS",
    "LIP_OVERHANG_MM",
    "MAX_SEGMENTS",
    "MIN_BRIDGE_MM",
    "RELIEF_CELL_MM",
    "RELIEF_DEPTH_MM",
    "ROUGHNESS",
    "TEXTURE_MAX_BYTES",
    "TEXTURE_MAX_PX",
    "TEXTURE_QUALITY",
    "CaseLayout",
    "MeshError",
    "SlotCut",
    "back_uv",
    "build_case",
    "build_manifold",
    "case_layout",
    "check_volume",
    "cut_span",
    "export_3mf",
    "export_case",
    "export_glb",
    "export_stl",
    "glb_positions",
    "prism",
    "relief_heights",
    "texture_jpeg",
]

MAX_SEGMENTS = 256
RELIEF_DEPTH_MM = 0.3
RELIEF_CELL_MM = 0.5
_EPS = 1.0  # how far cutters reach past the faces they cut through (mm)


def prism(rect: RoundedRect, z0: float, z1: float, segments: int) -> manifold3d.Manifold:
    """`rect` extruded from z0 to z1, `segments` straight pieces per rounded corner."""
    section = manifold3d.CrossSection([rounded_rect_points(rect, segments)])
    return manifold3d.Manifold.extrude(section, z1 - z0).translate((0.0, 0.0, z0))


def _wall_cutters(
    slots: tuple[SlotCut, ...], reach: float, segments: int
) -> list[manifold3d.Manifold]:
    """One prism per side wall through all its slots, from just outside the wall to `reach`
    inside: the wall's stadiums joined in its plane, then extruded once.

    Every slot of a wall spans the same depth across it, so this is exactly the union of the
    slots' own stadium prisms; joining them in 2D spares the 3D boolean the intersections of
    overlapping cutters (a join overlaps the two slots it joins), which cost it several times
    the rest of the case.
    """
    walls: dict[tuple[str, float], list[np.ndarray]] = {}
    for slot in slots:
        length = slot.hi_mm - slot.lo_mm
        across = slot.z_hi_mm - slot.z_lo_mm
        # in (a, b) = (along the wall, up the wall): a is y for axis x, x for axis y; b is z
        stadium = RoundedRect(slot.lo_mm, slot.z_lo_mm, length, across, min(length, across) / 2)
        walls.setdefault((slot.axis, slot.face_mm), []).append(
            rounded_rect_points(stadium, segments)
        )
    depth = reach + _EPS
    cutters = []
    for (axis, face_mm), contours in walls.items():
        # counter-clockwise stadiums: the non-zero fill of all of them is their union
        section = manifold3d.CrossSection(contours, manifold3d.FillRule.NonZero)
        # extruded along c (into the wall), centred on c = 0; symmetric in c, so only a
        # proper rotation and the centre across the wall matter
        prism = manifold3d.Manifold.extrude(section, depth).translate((0.0, 0.0, -depth / 2))
        inward = 1.0 if face_mm == 0.0 else -1.0
        normal_centre = face_mm + inward * (reach - _EPS) / 2
        if axis == "x":  # x = c, y = a, z = b
            m = [[0, 0, 1, normal_centre], [1, 0, 0, 0], [0, 1, 0, 0]]
        else:  # x = a, y = -c, z = b
            m = [[1, 0, 0, 0], [0, 0, -1, normal_centre], [0, 1, 0, 0]]
        cutters.append(prism.transform(np.array(m, dtype=float)))
    return cutters


def _check_segments(segments: int) -> int:
    if isinstance(segments, bool) or not isinstance(segments, int | np.integer):
        raise MeshError("segments must be an integer")
    if not 1 <= segments <= MAX_SEGMENTS:
        raise MeshError(f"segments must be between 1 and {MAX_SEGMENTS}, got {segments}")
    return int(segments)


def build_manifold(
    device: Device,
    params: CaseParams,
    segments: int = 32,
    *,
    relief: Image.Image | None = None,
    relief_depth_mm: float = RELIEF_DEPTH_MM,
    relief_cell_mm: float = RELIEF_CELL_MM,
) -> manifold3d.Manifold:
    """The case as a manifold3d solid (mm, frame in the module docstring)."""
    segments = _check_segments(segments)
    lay = case_layout(device, params)
    shell = prism(lay.outline, 0.0, lay.z_top, segments)
    cutters = []
    z_low = 0.0  # the lowest point of the back: below 0 where it rises over the camera
    lip = camera_lip(device, params)
    if lip is not None:
        rim, z_low = lip[0], -lip[1]
        shell += prism(rim, z_low, params.back_mm / 2, segments)
    band = camera_bar(device, params)
    if band is not None:
        # the roof over the bar is as thick as the back plate; the bar sits in a pocket
        cam, tol = device.camera, params.tolerance_mm
        z_low = -(cam.protrusion_mm + tol)
        shell += prism(band, z_low, params.back_mm / 2, segments)
        margin = tol + device.camera_clearance_mm
        pocket = RoundedRect(
            lay.cavity.x_mm,
            lay.body.y_mm + cam.bar_y_mm - margin,
            lay.cavity.width_mm,
            cam.bar_height_mm + 2 * margin,
            0.0,
        )
        cutters.append(
            prism(pocket, lay.z_floor - cam.protrusion_mm - tol, lay.z_floor + 0.5, segments)
        )
    if lay.lip_opening is None:
        cutters.append(prism(lay.cavity, lay.z_floor, lay.z_top + _EPS, segments))
    else:
        cutters.append(prism(lay.cavity, lay.z_floor, lay.z_cavity_top, segments))
        mid = (lay.z_floor + lay.z_cavity_top) / 2
        cutters.append(prism(lay.lip_opening, mid, lay.z_top + _EPS, segments))
    cam_top = lay.z_floor + min(0.5, device.depth_mm / 2)
    cutters.append(prism(lay.camera, z_low - _EPS, cam_top, segments))
    # deep enough to clear a wall that curves away inside a rounded corner
    reach = params.tolerance_mm + params.wall_mm + device.corner_radius_mm + 1.0
    cutters.extend(_wall_cutters(lay.slots, reach, segments))
    if relief is not None:
        cutter = _relief_cutter(lay, params, relief, relief_depth_mm, relief_cell_mm)
        if cutter is not None:
            cutters.append(cutter)
    solid = manifold3d.Manifold.batch_boolean([shell, *cutters], manifold3d.OpType.Subtract)
    if relief is not None:
        solid = solid.simplify(0.002)  # merge the flat grid cells the relief left behind
    status = solid.status()
    if status != manifold3d.Error.NoError or solid.is_empty():
        raise MeshError(f"building the case for {device.slug} failed: {status}")
    return solid


def relief_heights(
    lay: CaseLayout, params: CaseParams, image: Image.Image, depth_mm: float, cell_mm: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Engraving depth (mm, 0 = untouched) on a grid over the back: (xs, ys, heights[y, x]).

    The image covers the back outline grown by bleed_mm (like the print texture); it is
    flattened onto white and dark areas are cut deeper: depth * (1 - luminance). A band of
    wall_mm along the outline stays flat, and so does anything shallower than 0.02 mm.
    """
    outline = lay.outline
    w, h, b = outline.width_mm, outline.height_mm, params.bleed_mm
    nx = max(2, math.ceil(w / cell_mm) + 1)
    ny = max(2, math.ceil(h / cell_mm) + 1)
    xs, ys = np.linspace(0.0, w, nx), np.linspace(0.0, h, ny)
    img = image.convert("RGBA")
    flat = Image.new("RGBA", img.size, (255, 255, 255, 255))
    flat.alpha_composite(img)
    sx, sy = img.width / (w + 2 * b), img.height / (h + 2 * b)
    box = (b * sx, b * sy, (w + b) * sx, (h + b) * sy)
    lum = np.asarray(
        flat.convert("L").resize((nx, ny), Image.Resampling.BOX, box=box), dtype=np.float64
    )
    heights = depth_mm * (1.0 - lum / 255.0)
    # keep the rim band flat: inside the outline inset by wall_mm (a rounded rect test)
    m = params.wall_mm
    r = max(outline.radius_mm - m, 0.0)
    gx, gy = np.meshgrid(xs, ys)
    dx = np.maximum(np.abs(gx - w / 2) - (w / 2 - m - r), 0.0)
    dy = np.maximum(np.abs(gy - h / 2) - (h / 2 - m - r), 0.0)
    inside = (dx**2 + dy**2 <= r**2) & (np.abs(gx - w / 2) <= w / 2 - m)
    inside &= np.abs(gy - h / 2) <= h / 2 - m
    heights[~inside | (heights < 0.02)] = 0.0
    return xs, ys, heights


def _relief_cutter(
    lay: CaseLayout, params: CaseParams, image: Image.Image, depth_mm: float, cell_mm: float
) -> manifold3d.Manifold | None:
    """A closed height-field solid whose top is the engraving surface (None: nothing to cut)."""
    if not 0 < depth_mm <= params.back_mm / 2:
        raise MeshError(f"relief depth must be in (0, back_mm/2 = {params.back_mm / 2}] mm")
    if not 0.1 <= cell_mm <= 5:
        raise MeshError("relief cell size must be between 0.1 and 5 mm")
    xs, ys, heights = relief_heights(lay, params, image, depth_mm, cell_mm)
    if not heights.any():
        return None
    ny, nx = heights.shape
    gx, gy = np.meshgrid(xs, ys)
    top_z = np.where(heights > 0, heights, -0.05)  # uncut cells sit just below the back face
    top = np.column_stack((gx.ravel(), gy.ravel(), top_z.ravel()))
    bottom = np.column_stack((gx.ravel(), gy.ravel(), np.full(gx.size, -_EPS)))
    n = nx * ny
    idx = np.arange(n).reshape(ny, nx)
    a, b = idx[:-1, :-1].ravel(), idx[:-1, 1:].ravel()
    c, d = idx[1:, 1:].ravel(), idx[1:, :-1].ravel()
    top_tris = np.vstack((np.column_stack((a, b, c)), np.column_stack((a, c, d))))
    ring = np.concatenate((idx[0, :], idx[1:, -1], idx[-1, -2::-1], idx[-2:0:-1, 0]))
    nxt = np.roll(ring, -1)
    sides = np.vstack(
        (np.column_stack((ring, ring + n, nxt)), np.column_stack((nxt, ring + n, nxt + n)))
    )
    faces = np.vstack((top_tris, top_tris[:, ::-1] + n, sides)).astype(np.uint32)
    verts = np.vstack((top, bottom)).astype(np.float32)
    cutter = manifold3d.Manifold(manifold3d.Mesh(vert_properties=verts, tri_verts=faces))
    if cutter.status() != manifold3d.Error.NoError:
        raise MeshError(f"the relief height field is not a closed solid: {cutter.status()}")
    return cutter


def build_case(
    device: Device,
    params: CaseParams,
    segments: int = 32,
    *,
    relief: Image.Image | None = None,
    relief_depth_mm: float = RELIEF_DEPTH_MM,
    relief_cell_mm: float = RELIEF_CELL_MM,
) -> trimesh.Trimesh:
    """The case solid as a trimesh in millimetres; raises MeshError if it is not a volume.

    `segments` is the number of straight pieces per quarter corner of every rounded shape.
    Optional `relief`: the design image (outline + bleed, like the texture), engraved into
    the back up to `relief_depth_mm` deep (dark = deep) on a `relief_cell_mm` grid.
    """
    solid = build_manifold(
        device,
        params,
        segments,
        relief=relief,
        relief_depth_mm=relief_depth_mm,
        relief_cell_mm=relief_cell_mm,
    )
    out = solid.to_mesh()
    vertices = np.asarray(out.vert_properties, dtype=np.float64)[:, :3]
    faces = np.asarray(out.tri_verts, dtype=np.int64)
    mesh = trimesh.Trimesh(vertices=vertices, faces=faces, process=False)
    check_volume(mesh)
    return mesh


def export_case(
    device: Device,
    params: CaseParams,
    out_dir: Path,
    texture: Image.Image | None = None,
    segments: int = 32,
    *,
    relief: bool = False,
) -> dict[str, Path]:
    """Build the case and write case.stl, case.3mf and case.glb into `out_dir`.

    With `relief=True` the texture is also engraved into the back (see `build_case`).
    """
    if relief and texture is None:
        raise MeshError("a relief needs a texture to engrave")
    mesh = build_case(device, params, segments, relief=texture if relief else None)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    files = {
        "stl": (out_dir / "case.stl", export_stl(mesh)),
        "3mf": (out_dir / "case.3mf", export_3mf(mesh, name=f"{device.slug} case")),
        "glb": (out_dir / "case.glb", export_glb(mesh, device, params, texture)),
    }
    for path, data in files.values():
        path.write_bytes(data)
    return {key: path for key, (path, _data) in files.items()}
