"""The case mesh as a binary glTF (GLB) preview: the design as a texture on the back, the
rest in the case colour, smooth normals with hard creases.

The GLB is in metres and uses glTF's frame: X = right seen from behind, Y = up (toward the
phone's top), Z = out of the back toward a viewer looking at the design, origin at the
centre of the case's bounding box: X = (x - W/2) / 1000, Y = (H/2 - y) / 1000,
Z = (D/2 - z) / 1000 (a 180 degree turn about x, so still right-handed; x, y, z in the mesh
frame of `mesh`). The printed back (and any relief in it) is its own primitive whose
TEXCOORD_0 maps the texture over the back outline grown by bleed_mm:
u = (x + bleed) / (W + 2 bleed), v = (y + bleed) / (H + 2 bleed) (v = 0 is the image's top
row); everything else is a plain primitive in the case colour.
"""

from __future__ import annotations

import io
import math

import numpy as np
import trimesh
from PIL import Image

from .case import CaseParams, Material, back_outline
from .devices import Device
from .glb import GlbBuilder
from .mesh_layout import case_layout
from .mesh_volume import MeshError, check_volume

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
    sorted_face = corner_face[order]
    starts = np.flatnonzero(np.r_[True, sorted_vertex[1:] != sorted_vertex[:-1]])
    sizes = np.diff(np.r_[starts, len(order)])
    group_start = np.repeat(starts, sizes)
    group_size = np.repeat(sizes, sizes)
    # Corners of one vertex whose faces have bit for bit the same unit normal (a flat fan:
    # the lid, the floor, the walls) have the same smooth neighbours, summed in the same
    # order: each such class is summed once, by its first corner, and shared.
    classes = np.column_stack((sorted_vertex.astype(np.int64), unit[sorted_face].view(np.int64)))
    by_class = np.lexsort(classes.T[::-1])
    ordered = classes[by_class]
    new_class = np.r_[True, (ordered[1:] != ordered[:-1]).any(axis=1)]
    rep = by_class[new_class]  # one corner of each class, sorted by vertex
    cls = np.empty(len(order), dtype=np.int64)
    cls[by_class] = np.cumsum(new_class) - 1
    # every ordered pair (i, j) of a class's first corner i and a corner j at its vertex
    rep_size = group_size[rep]
    i = np.repeat(np.arange(len(rep)), rep_size)
    first = np.cumsum(rep_size) - rep_size
    j = group_start[rep][i] + (np.arange(len(i)) - first[i])
    fi = sorted_face[rep][i]
    fj = sorted_face[j]
    smooth = np.einsum("ij,ij->i", unit[fi], unit[fj]) > cos_crease
    i, weights = i[smooth], cross[fj[smooth]]
    summed = np.column_stack(
        [np.bincount(i, weights=weights[:, k], minlength=len(rep)) for k in range(3)]
    )
    corner_normal = np.empty((len(order), 3))
    corner_normal[order] = summed[cls]
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
