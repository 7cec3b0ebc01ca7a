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

Public API: build_case, export_stl, export_3mf, export_glb, export_case, MeshError;
helpers: case_layout, build_manifold, check_volume, glb_positions, back_uv, texture_jpeg.

The GLB is in metres and uses glTF's frame: X = right seen from behind, Y = up (toward the
phone's top), Z = out of the back toward a viewer looking at the design, origin at the
centre of the case's bounding box: X = (x - W/2) / 1000, Y = (H/2 - y) / 1000,
Z = (D/2 - z) / 1000 (a 180 degree turn about x, so still right-handed). The printed back
(and any relief in it) is its own primitive whose TEXCOORD_0 maps the texture over the back
outline grown by bleed_mm: u = (x + bleed) / (W + 2 bleed), v = (y + bleed) / (H + 2 bleed)
(v = 0 is the image's top row); everything else is a plain primitive in the case colour.
"""

from __future__ import annotations

import io
import math
import zipfile
from dataclasses import dataclass
from pathlib import Path

import manifold3d
import numpy as np
import trimesh
from PIL import Image

from .case import (
    CaseParams,
    Material,
    RoundedRect,
    back_outline,
    camera_bar,
    camera_hole,
    camera_lip,
    rounded_rect_points,
)
from .devices import Device, Opening
from .glb import GlbBuilder

LIP_OVERHANG_MM = 0.8
"""How far the lip reaches inward over the screen, measured from the body's outline."""

MAX_SEGMENTS = 256
RELIEF_DEPTH_MM = 0.3
RELIEF_CELL_MM = 0.5
TEXTURE_MAX_PX = 2048
TEXTURE_MAX_BYTES = 1_000_000
TEXTURE_QUALITY = 85

# Case body colours (sRGB) and PBR roughness per material, for the GLB preview.
CASE_COLOURS: dict[Material, tuple[int, int, int]] = {
    Material.TPU: (34, 35, 38),
    Material.PC: (244, 244, 244),
    Material.HYBRID: (58, 61, 68),
}
ROUGHNESS: dict[Material, float] = {Material.TPU: 0.8, Material.PC: 0.35, Material.HYBRID: 0.55}

_CREASE_COS = math.cos(math.radians(35.0))
MIN_BRIDGE_MM = 2.0
"""The narrowest strip of side wall left between two cut-outs; closer ones are cut as one."""
_EPS = 1.0  # how far cutters reach past the faces they cut through (mm)


class MeshError(ValueError):
    """The case solid cannot be built, or is not a closed outward-facing volume."""


@dataclass(frozen=True)
class SlotCut:
    """A button or port opening: a rounded slot through one side wall (mesh frame, mm)."""

    opening: Opening
    axis: str  # "x" for the left/right walls, "y" for the top/bottom walls
    lo_mm: float  # the slot's extent along its wall (y for axis x, x for axis y)
    hi_mm: float
    z_lo_mm: float
    z_hi_mm: float
    face_mm: float  # the wall's outer face coordinate on `axis` (0, width or height)


@dataclass(frozen=True)
class CaseLayout:
    """Every plan shape and z level of the case, in the mesh frame (mm)."""

    outline: RoundedRect
    body: RoundedRect
    cavity: RoundedRect
    lip_opening: RoundedRect | None
    camera: RoundedRect
    slots: tuple[SlotCut, ...]
    z_floor: float
    z_screen: float
    z_cavity_top: float
    z_top: float


def case_layout(device: Device, params: CaseParams) -> CaseLayout:
    """The case's shapes (plan) and levels (z) in the frame documented above."""
    outline = back_outline(device, params)
    grow = params.tolerance_mm + params.wall_mm
    tol = params.tolerance_mm
    n = device.corner_exponent
    body = RoundedRect(grow, grow, device.width_mm, device.height_mm, device.corner_radius_mm, n)
    cavity = RoundedRect(
        grow - tol,
        grow - tol,
        device.width_mm + 2 * tol,
        device.height_mm + 2 * tol,
        device.corner_radius_mm + tol,
        n,
    )
    z_floor = params.back_mm
    z_screen = z_floor + device.depth_mm
    z_cavity_top = z_screen + tol
    z_top = z_cavity_top + params.lip_mm
    lip_opening = None
    if params.lip_mm > 0:
        o = LIP_OVERHANG_MM
        lip_opening = RoundedRect(
            grow + o,
            grow + o,
            device.width_mm - 2 * o,
            device.height_mm - 2 * o,
            max(device.corner_radius_mm - o, 0.0),
            n,
        )
    z_mid = z_floor + device.depth_mm / 2
    slots = []
    for op in device.openings:
        low, high = cut_span(op, tol)
        # centred on the phone's mid-plane; kept 0.2 mm clear of floor and screen plane
        across = min(op.height_mm + 2 * tol, device.depth_mm - 0.4)
        if op.side in ("left", "right"):
            start = grow + low  # offset runs from the top edge: y grows down
            axis = "x"
            wall = 0.0 if op.side == "right" else outline.width_mm  # mirrored seen from behind
        else:
            # offset runs from the left edge seen from the front = the right edge from behind
            start = grow + device.width_mm - high
            axis = "y"
            wall = 0.0 if op.side == "top" else outline.height_mm
        slots.append(
            SlotCut(
                op, axis, start, start + high - low, z_mid - across / 2, z_mid + across / 2, wall
            )
        )
    slots += _bridges(slots)
    return CaseLayout(
        outline=outline,
        body=body,
        cavity=cavity,
        lip_opening=lip_opening,
        camera=camera_hole(device, params),
        slots=tuple(slots),
        z_floor=z_floor,
        z_screen=z_screen,
        z_cavity_top=z_cavity_top,
        z_top=z_top,
    )


def cut_span(opening: Opening, tolerance_mm: float) -> tuple[float, float]:
    """Where the wall is cut for `opening`, along its edge in the opening's own offsets: the
    button (or keep-out) grown by the case tolerance and the opening's clearance at each end."""
    grow = tolerance_mm + opening.clearance
    return opening.offset_mm - grow, opening.offset_mm + opening.length_mm + grow


def _bridges(slots: list[SlotCut]) -> list[SlotCut]:
    """Cuts that join two slots on one wall left less than MIN_BRIDGE_MM apart: such a sliver
    of wall cannot be printed and would snap off. The join is as tall as the lower slot."""
    joins = []
    for a in slots:
        for b in slots:
            gap = b.lo_mm - a.hi_mm
            if a.face_mm == b.face_mm and a.axis == b.axis and 0 <= gap < MIN_BRIDGE_MM:
                low = a if a.z_hi_mm - a.z_lo_mm <= b.z_hi_mm - b.z_lo_mm else b
                # from the middle of one slot to the middle of the next: the join's rounded
                # ends lie well inside them, not tangent to their ends
                lo, hi = (a.lo_mm + a.hi_mm) / 2, (b.lo_mm + b.hi_mm) / 2
                joins.append(SlotCut(low.opening, a.axis, lo, hi, low.z_lo_mm, low.z_hi_mm,
                                     a.face_mm))  # fmt: skip
    return joins


def _prism(rect: RoundedRect, z0: float, z1: float, segments: int) -> manifold3d.Manifold:
    section = manifold3d.CrossSection([rounded_rect_points(rect, segments)])
    return manifold3d.Manifold.extrude(section, z1 - z0).translate((0.0, 0.0, z0))


def _slot_cutter(slot: SlotCut, reach: float, segments: int) -> manifold3d.Manifold:
    """A stadium prism through the wall, from just outside it to `reach` inside."""
    length = slot.hi_mm - slot.lo_mm
    across = slot.z_hi_mm - slot.z_lo_mm
    depth = reach + _EPS
    stadium = RoundedRect(-length / 2, -across / 2, length, across, min(length, across) / 2)
    section = manifold3d.CrossSection([rounded_rect_points(stadium, segments)])
    # centred on the origin in (a, b, c) = (along the wall, across the wall, into the wall);
    # symmetric in all three, so only a proper rotation and the centre matter
    prism = manifold3d.Manifold.extrude(section, depth).translate((0.0, 0.0, -depth / 2))
    inward = 1.0 if slot.face_mm == 0.0 else -1.0
    normal_centre = slot.face_mm + inward * (reach - _EPS) / 2
    along_centre = (slot.lo_mm + slot.hi_mm) / 2
    z_centre = (slot.z_lo_mm + slot.z_hi_mm) / 2
    if slot.axis == "x":  # x = c, y = a, z = b
        m = [[0, 0, 1, normal_centre], [1, 0, 0, along_centre], [0, 1, 0, z_centre]]
    else:  # x = a, y = -c, z = b
        m = [[1, 0, 0, along_centre], [0, 0, -1, normal_centre], [0, 1, 0, z_centre]]
    return prism.transform(np.array(m, dtype=float))


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
    shell = _prism(lay.outline, 0.0, lay.z_top, segments)
    cutters = []
    z_low = 0.0  # the lowest point of the back: below 0 where it rises over the camera
    lip = camera_lip(device, params)
    if lip is not None:
        rim, z_low = lip[0], -lip[1]
        shell += _prism(rim, z_low, params.back_mm / 2, segments)
    band = camera_bar(device, params)
    if band is not None:
        # the roof over the bar is as thick as the back plate; the bar sits in a pocket
        cam, tol = device.camera, params.tolerance_mm
        z_low = -(cam.protrusion_mm + tol)
        shell += _prism(band, z_low, params.back_mm / 2, segments)
        margin = tol + device.camera_clearance_mm
        pocket = RoundedRect(
            lay.cavity.x_mm,
            lay.body.y_mm + cam.bar_y_mm - margin,
            lay.cavity.width_mm,
            cam.bar_height_mm + 2 * margin,
            0.0,
        )
        cutters.append(
            _prism(pocket, lay.z_floor - cam.protrusion_mm - tol, lay.z_floor + 0.5, segments)
        )
    if lay.lip_opening is None:
        cutters.append(_prism(lay.cavity, lay.z_floor, lay.z_top + _EPS, segments))
    else:
        cutters.append(_prism(lay.cavity, lay.z_floor, lay.z_cavity_top, segments))
        mid = (lay.z_floor + lay.z_cavity_top) / 2
        cutters.append(_prism(lay.lip_opening, mid, lay.z_top + _EPS, segments))
    cam_top = lay.z_floor + min(0.5, device.depth_mm / 2)
    cutters.append(_prism(lay.camera, z_low - _EPS, cam_top, segments))
    # deep enough to clear a wall that curves away inside a rounded corner
    reach = params.tolerance_mm + params.wall_mm + device.corner_radius_mm + 1.0
    cutters.extend(_slot_cutter(s, reach, segments) for s in lay.slots)
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


def check_volume(mesh: trimesh.Trimesh) -> None:
    """Raise MeshError unless `mesh` is watertight, consistently wound and of positive volume."""
    if len(mesh.faces) == 0:
        raise MeshError("the case mesh is empty")
    if not mesh.is_watertight:
        raise MeshError("the case mesh is not watertight (it has open or non-manifold edges)")
    if not mesh.is_winding_consistent:
        raise MeshError("the case mesh has inconsistent triangle winding")
    if not mesh.is_volume:
        raise MeshError(f"the case mesh is not a proper volume (volume {mesh.volume:.3f} mm³)")


# ---------------------------------------------------------------------------------- STL, 3MF


def export_stl(mesh: trimesh.Trimesh) -> bytes:
    """Binary STL in millimetres."""
    check_volume(mesh)
    tri = mesh.triangles.astype(np.float32)
    record = np.dtype([("normal", "<f4", 3), ("vertices", "<f4", (3, 3)), ("attr", "<u2")])
    packed = np.zeros(len(tri), dtype=record)
    packed["normal"] = mesh.face_normals
    packed["vertices"] = tri
    header = b"caseforge phone case, binary STL, millimetres".ljust(80, b" ")
    return header + np.uint32(len(tri)).tobytes() + packed.tobytes()


_3MF_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="model" '
    'ContentType="application/vnd.ms-package.3dmanufacturing-3dmodel+xml"/>'
    "</Types>"
)
_3MF_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Target="/3D/3dmodel.model" Id="rel0" '
    'Type="http://schemas.microsoft.com/3dmanufacturing/2013/01/3dmodel"/>'
    "</Relationships>"
)


def export_3mf(mesh: trimesh.Trimesh, name: str = "case") -> bytes:
    """A 3MF package (core spec, unit millimetre) holding the mesh as one object."""
    check_volume(mesh)
    verts = np.asarray(mesh.vertices, dtype=np.float64)
    faces = np.asarray(mesh.faces, dtype=np.int64)
    # one %-format over the flattened arrays: far faster than a Python loop per vertex
    coords, corners = tuple(verts.ravel().tolist()), tuple(faces.ravel().tolist())
    vertex_xml = ('<vertex x="%.5f" y="%.5f" z="%.5f"/>' * len(verts)) % coords
    tri_xml = ('<triangle v1="%d" v2="%d" v3="%d"/>' * len(faces)) % corners
    safe_name = "".join(c for c in name if c.isalnum() or c in " -_.") or "case"
    model = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<model unit="millimeter" xml:lang="en-US" '
        'xmlns="http://schemas.microsoft.com/3dmanufacturing/core/2015/02">'
        '<metadata name="Application">caseforge</metadata>'
        f'<resources><object id="1" type="model" name="{safe_name}"><mesh>'
        f"<vertices>{vertex_xml}</vertices><triangles>{tri_xml}</triangles>"
        '</mesh></object></resources><build><item objectid="1"/></build></model>'
    )
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        zf.writestr("[Content_Types].xml", _3MF_CONTENT_TYPES)
        zf.writestr("_rels/.rels", _3MF_RELS)
        zf.writestr("3D/3dmodel.model", model)
    return buf.getvalue()


# ---------------------------------------------------------------------------------- GLB


def _srgb_to_linear(c: int) -> float:
    s = c / 255.0
    return s / 12.92 if s <= 0.04045 else ((s + 0.055) / 1.055) ** 2.4


def texture_jpeg(
    texture: Image.Image,
    background: tuple[int, int, int] = (255, 255, 255),
    max_px: int = TEXTURE_MAX_PX,
    max_bytes: int = TEXTURE_MAX_BYTES,
) -> tuple[bytes, tuple[int, int]]:
    """The design flattened onto `background` as a JPEG under `max_bytes`, and its size.

    Images larger than `max_px` on their long side are scaled down (aspect kept); the JPEG is
    encoded at quality 85 and, only if still too big, at lower quality and then smaller sizes.
    """
    img = texture
    if img.mode not in ("RGBA", "RGB", "L", "LA", "P", "1"):
        img = img.convert("RGB")
    if img.mode != "RGBA":
        img = img.convert("RGBA")
    size = img.size
    if max(size) > max_px:
        scale = max_px / max(size)
        size = (max(1, round(size[0] * scale)), max(1, round(size[1] * scale)))
    while True:
        work = img
        if img.size != size:
            work = img.resize(size, Image.Resampling.BILINEAR, reducing_gap=2.0)
        alpha = work.getchannel("A")
        rgb = work.convert("RGB")
        if alpha.getextrema()[0] < 255:
            flat = Image.new("RGB", size, background)
            flat.paste(rgb, mask=alpha)
            rgb = flat
        for quality in (TEXTURE_QUALITY, 75, 65, 50):
            out = io.BytesIO()
            rgb.save(out, format="JPEG", quality=quality)
            if out.tell() < max_bytes:
                return out.getvalue(), size
        if max(size) <= 64:
            raise MeshError("cannot encode the texture under the size limit")
        size = (max(1, size[0] * 3 // 4), max(1, size[1] * 3 // 4))


def glb_positions(points_mm: np.ndarray, device: Device, params: CaseParams) -> np.ndarray:
    """Mesh-frame points (mm) in the GLB frame (metres, Y up, back facing +Z, centred)."""
    lay = case_layout(device, params)
    centre = np.array([lay.outline.width_mm / 2, lay.outline.height_mm / 2, lay.z_top / 2])
    return (np.asarray(points_mm, dtype=np.float64) - centre) * np.array([1e-3, -1e-3, -1e-3])


def back_uv(points_mm: np.ndarray, device: Device, params: CaseParams) -> np.ndarray:
    """Texture coordinates of mesh-frame points on the back (the image spans outline+bleed)."""
    outline = back_outline(device, params)
    b = params.bleed_mm
    pts = np.asarray(points_mm, dtype=np.float64)
    u = (pts[:, 0] + b) / (outline.width_mm + 2 * b)
    v = (pts[:, 1] + b) / (outline.height_mm + 2 * b)
    return np.column_stack((u, v))


def _crease_normals(
    vertices: np.ndarray, faces: np.ndarray, cos_crease: float = _CREASE_COS
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Split vertices along sharp edges; smooth normals elsewhere (area weighted).

    Returns (positions, normals, faces) of a render mesh.
    """
    tri = vertices[faces]
    cross = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
    length = np.linalg.norm(cross, axis=1)
    unit = cross / np.maximum(length, 1e-300)[:, None]
    if (unit @ unit[0] > 0.99999).all():  # flat (the plain back): one normal, no splits
        return vertices, np.tile(unit[0], (len(vertices), 1)), faces
    corner_vertex = faces.ravel()
    corner_face = np.repeat(np.arange(len(faces)), 3)
    order = np.argsort(corner_vertex, kind="stable")
    sorted_vertex = corner_vertex[order]
    starts = np.flatnonzero(np.r_[True, sorted_vertex[1:] != sorted_vertex[:-1]])
    sizes = np.diff(np.r_[starts, len(order)])
    group_start = np.repeat(starts, sizes)
    group_size = np.repeat(sizes, sizes)
    # every ordered pair (i, j) of corners that share a vertex
    i = np.repeat(np.arange(len(order)), group_size)
    first = np.cumsum(group_size) - group_size
    j = group_start[i] + (np.arange(len(i)) - first[i])
    fi = corner_face[order[i]]
    fj = corner_face[order[j]]
    smooth = np.einsum("ij,ij->i", unit[fi], unit[fj]) > cos_crease
    i, fj = i[smooth], fj[smooth]
    summed = np.column_stack(
        [np.bincount(i, weights=cross[fj, k], minlength=len(order)) for k in range(3)]
    )
    corner_normal = np.empty_like(summed)
    corner_normal[order] = summed
    norm = np.linalg.norm(corner_normal, axis=1)
    weak = norm < 1e-12  # only slivers around a vertex: fall back to the face's own normal
    corner_normal[weak] = unit[corner_face[weak]]
    corner_normal[weak & (np.abs(unit[corner_face]).sum(axis=1) == 0)] = (0.0, 0.0, 1.0)
    corner_normal /= np.linalg.norm(corner_normal, axis=1)[:, None]
    # one int64 key per (vertex, normal at 1e-3): corners in different smoothing groups of a
    # vertex differ by more than the crease angle, so they never share a key
    q = np.round(corner_normal * 1000).astype(np.int64) + 1000  # 0..2000: 11 bits each
    key = (corner_vertex.astype(np.int64) << 33) | (q[:, 0] << 22) | (q[:, 1] << 11) | q[:, 2]
    _, first_corner, inverse = np.unique(key, return_index=True, return_inverse=True)
    positions = vertices[corner_vertex[first_corner]]
    normals = corner_normal[first_corner]
    return positions, normals, inverse.reshape(-1, 3)


def _index_array(faces: np.ndarray, vertex_count: int) -> np.ndarray:
    dtype = np.uint16 if vertex_count < 65535 else np.uint32
    return faces.astype(dtype).ravel()


def export_glb(
    mesh: trimesh.Trimesh,
    device: Device,
    params: CaseParams,
    texture: Image.Image | None = None,
    colour: tuple[int, int, int] | None = None,
) -> bytes:
    """A binary glTF preview in metres, the design as baseColorTexture on the back face.

    `texture` covers the back outline grown by params.bleed_mm on every side (RGBA,
    transparent outside); it is flattened onto the case colour and embedded as a JPEG.
    `colour` is the case's colour (sRGB 0..255); None for the material's stock colour.
    """
    check_volume(mesh)
    vertices = np.asarray(mesh.vertices, dtype=np.float64)
    faces = np.asarray(mesh.faces, dtype=np.int64)
    normals = mesh.face_normals
    # the outer back, and any relief engraved into it: facing away from the screen, below
    # the cavity floor (camera-hole walls are vertical, the floor faces the screen)
    on_back = (normals[:, 2] < -0.3) & (vertices[faces][:, :, 2].max(axis=1) < params.back_mm)
    if colour is None:
        colour = CASE_COLOURS.get(params.material, (200, 200, 200))
    roughness = ROUGHNESS.get(params.material, 0.6)
    base = [*(_srgb_to_linear(c) for c in colour), 1.0]

    doc: dict = {
        "asset": {"version": "2.0", "generator": "caseforge configurator.engine.mesh"},
        "scene": 0,
        "scenes": [{"name": device.slug, "nodes": [0]}],
        "nodes": [{"name": "case", "mesh": 0}],
        "materials": [
            {
                "name": f"case {params.material}",
                "pbrMetallicRoughness": {
                    "baseColorFactor": base,
                    "metallicFactor": 0.0,
                    "roughnessFactor": roughness,
                },
            }
        ],
        "extras": {"device": device.slug, "material": str(params.material), "units": "metres"},
    }
    builder = GlbBuilder(doc)
    primitives = []

    # the walls, rim and inside: smooth normals with hard creases
    body_faces = faces[~on_back]
    used, local = np.unique(body_faces, return_inverse=True)
    pos, nrm, tris = _crease_normals(vertices[used], local.reshape(-1, 3))
    primitives.append(
        {
            "attributes": {
                "POSITION": builder.accessor(
                    glb_positions(pos, device, params).astype(np.float32), bounds=True
                ),
                "NORMAL": builder.accessor((nrm * [1, -1, -1]).astype(np.float32)),
            },
            "indices": builder.accessor(_index_array(tris, len(pos)), indices=True),
            "material": 0,
            "mode": 4,
        }
    )

    # the printed back: flat, facing +Z in the GLB frame, textured
    back_faces = faces[on_back]
    if len(back_faces):
        used, local = np.unique(back_faces, return_inverse=True)
        back_pos, back_nrm, back_tris = _crease_normals(vertices[used], local.reshape(-1, 3))
        attributes = {
            "POSITION": builder.accessor(
                glb_positions(back_pos, device, params).astype(np.float32), bounds=True
            ),
            "NORMAL": builder.accessor((back_nrm * [1, -1, -1]).astype(np.float32)),
        }
        back_material = 0
        if texture is not None:
            jpeg, _size = texture_jpeg(texture, colour)
            doc["samplers"] = [
                {"magFilter": 9729, "minFilter": 9987, "wrapS": 33071, "wrapT": 33071}
            ]
            doc["textures"] = [
                {"sampler": 0, "source": builder.image(jpeg, "image/jpeg", "design")}
            ]
            doc["materials"].append(
                {
                    "name": "printed back",
                    "pbrMetallicRoughness": {
                        "baseColorTexture": {"index": 0},
                        "metallicFactor": 0.0,
                        "roughnessFactor": roughness,
                    },
                }
            )
            back_material = 1
            attributes["TEXCOORD_0"] = builder.accessor(
                back_uv(back_pos, device, params).astype(np.float32)
            )
        primitives.append(
            {
                "attributes": attributes,
                "indices": builder.accessor(_index_array(back_tris, len(back_pos)), indices=True),
                "material": back_material,
                "mode": 4,
            }
        )
    doc["meshes"] = [{"name": "case", "primitives": primitives}]
    return builder.to_bytes()


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
