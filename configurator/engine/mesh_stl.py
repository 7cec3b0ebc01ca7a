"""The case mesh as binary STL (millimetres), for slicers."""

from __future__ import annotations

import numpy as np
import trimesh

from .mesh_volume import check_volume


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
