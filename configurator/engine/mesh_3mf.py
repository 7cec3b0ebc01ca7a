"""The case mesh as a 3MF package (core spec, millimetres), for slicers."""

from __future__ import annotations

import io
import zipfile

import numpy as np
import trimesh

from .mesh_volume import check_volume

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
