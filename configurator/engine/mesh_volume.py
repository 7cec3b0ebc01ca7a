"""The closed-volume check every case mesh passes before it is returned or written, and the
error the mesh builder and its writers raise."""

from __future__ import annotations

import trimesh


class MeshError(ValueError):
    """The case solid cannot be built, or is not a closed outward-facing volume."""


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
