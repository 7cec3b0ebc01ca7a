"""The fit test: a cheap print that checks a phone model's geometry on the real phone.

Before a production run a maker prints, in minutes:

- `frame.stl` / `frame.3mf`: the case cut down to a thin frame. The side walls keep every
  opening and the lip; of the back only a band of FRAME_BAND_MM beside the walls and a ring
  of CAMERA_RING_MM around the camera hole, tied to the nearer side wall, remain. The
  phone snaps in, and every button, port and the camera show whether their cut-out clears
  them.
- `back.pdf`: the case's back outline at 1:1 on an A4 page, with the camera hole and a
  10 mm scale bar. Printed at actual size (the bar measures 10 mm), cut out and laid on the
  phone's back, the lenses must sit inside the hole.

Both use the same shapes as the production files (`case.back_outline`, `case.camera_hole`,
`mesh.build_manifold`), so what fits here fits there.
"""

from __future__ import annotations

import io
import textwrap
from dataclasses import dataclass
from pathlib import Path

import manifold3d
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from .case import CaseParams, RoundedRect, back_outline, camera_bar, camera_hole
from .devices import MAX_PROTRUSION_MM, Device
from .geometry import grow, print_keepout
from .printfile import rounded_path

FRAME_BAND_MM = 3.0
"""How much of the back plate stays beside the walls, beyond the cavity's edge."""
CAMERA_RING_MM = 3.0
"""How much of the back plate stays around the camera hole."""
SCALE_BAR_MM = 10.0
PAGE_MARGIN_MM = 15.0
LINE_WIDTH_PT = 0.5


@dataclass(frozen=True)
class FitFiles:
    """The fit test's files as bytes."""

    stl: bytes
    three_mf: bytes
    pdf: bytes

    def write(self, out_dir: Path) -> dict[str, Path]:
        """Write frame.stl, frame.3mf and back.pdf into `out_dir` (created if needed)."""
        out_dir = Path(out_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        paths = {}
        for name, data in (
            ("frame.stl", self.stl),
            ("frame.3mf", self.three_mf),
            ("back.pdf", self.pdf),
        ):
            path = out_dir / name
            path.write_bytes(data)
            paths[name] = path
        return paths


def frame_manifold(device: Device, params: CaseParams, segments: int = 32) -> manifold3d.Manifold:
    """The case solid intersected with the walls, a band of back beside them and a ring of
    back around the camera hole (mesh frame of `mesh`)."""
    # Deferred, not hiding a circle: the mesh stack (trimesh, manifold3d) is loaded only when
    # needed; `mesh` never imports this module.
    from . import mesh

    solid = mesh.build_manifold(device, params, segments)
    lay = mesh.case_layout(device, params)
    low, high = -(MAX_PROTRUSION_MM + 2.0), lay.z_top + 1.0
    inset = params.wall_mm + params.tolerance_mm + FRAME_BAND_MM
    inner = grow(lay.outline, -inset)
    keep = mesh.prism(lay.outline, low, high, segments)
    if inner.width_mm > 0 and inner.height_mm > 0:
        keep -= mesh.prism(inner, low - 1.0, high + 1.0, segments)
    ring = grow(lay.camera, CAMERA_RING_MM)
    keep += mesh.prism(ring, low, high, segments)
    # joined to the nearer side wall, so that the frame stays in one piece
    if ring.x_mm + ring.width_mm / 2 <= lay.outline.width_mm / 2:
        x0, x1 = 0.0, ring.x_mm + ring.radius_mm
    else:
        x0, x1 = ring.x_mm + ring.width_mm - ring.radius_mm, lay.outline.width_mm
    tab = RoundedRect(
        x0,
        ring.y_mm + ring.radius_mm,
        x1 - x0,
        max(ring.height_mm - 2 * ring.radius_mm, 2 * CAMERA_RING_MM),
        0.0,
    )
    keep += mesh.prism(tab, low, high, segments)
    band = camera_bar(device, params)
    if band is not None:  # the raised roof over a camera bar, whole
        keep += mesh.prism(band, low, high, segments)
    frame = solid ^ keep
    if frame.status() != manifold3d.Error.NoError or frame.is_empty():
        raise mesh.MeshError(f"building the fit frame for {device.slug} failed")
    return frame


def frame_files(device: Device, params: CaseParams, segments: int = 32) -> tuple[bytes, bytes]:
    """The fit frame as binary STL and 3MF (mm); MeshError if it is not a closed volume."""
    # Deferred, not hiding a circle: only postpones loading the mesh stack (numpy, trimesh,
    # manifold3d) until a frame is written; `mesh` never imports this module.
    import numpy as np
    import trimesh

    from . import mesh

    out = frame_manifold(device, params, segments).to_mesh()
    solid = trimesh.Trimesh(
        vertices=np.asarray(out.vert_properties, dtype=np.float64)[:, :3],
        faces=np.asarray(out.tri_verts, dtype=np.int64),
        process=False,
    )
    mesh.check_volume(solid)
    return mesh.export_stl(solid), mesh.export_3mf(solid, name=f"{device.slug} fit frame")


def _path(canvas: Canvas, rect: RoundedRect, left_mm: float, top_mm: float):
    """A rounded rectangle given from the top-left (y down) on an A4 page (y up, points)."""
    return rounded_path(canvas, rect, left_mm, top_mm, A4[1] / mm)


def back_pdf(device: Device, params: CaseParams) -> bytes:
    """An A4 page with the back outline and camera hole at 1:1 and a 10 mm scale bar.

    The outline's top-left corner sits at (PAGE_MARGIN_MM, PAGE_MARGIN_MM + 12) from the
    page's top-left; the scale bar starts at the outline's left edge, 8 mm below it.
    """
    outline = back_outline(device, params)
    hole = camera_hole(device, params)
    left, top = PAGE_MARGIN_MM, PAGE_MARGIN_MM + 12.0
    page_h = A4[1] / mm
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=A4, invariant=1, pageCompression=1)
    canvas.setTitle(f"Caseforge fit test: {device.brand} {device.name}".strip())
    canvas.setCreator("caseforge configurator engine")
    canvas.setLineWidth(LINE_WIDTH_PT)
    canvas.setLineJoin(1)
    canvas.drawPath(_path(canvas, outline, left, top), stroke=1, fill=0)
    canvas.drawPath(_path(canvas, hole, left, top), stroke=1, fill=0)
    raised = print_keepout(device, params)
    if raised != hole:  # a rim or a roof over a bar: dashed, where the back is not flat
        canvas.setDash(2 * mm, 1 * mm)
        canvas.drawPath(_path(canvas, raised, left, top), stroke=1, fill=0)
        canvas.setDash()
    bar_top = top + outline.height_mm + 8.0
    canvas.rect(
        left * mm, (page_h - bar_top - 2.0) * mm, SCALE_BAR_MM * mm, 2.0 * mm, stroke=0, fill=1
    )
    canvas.setFont("Helvetica", 8)
    canvas.drawString((left + SCALE_BAR_MM + 3) * mm, (page_h - bar_top - 2.0) * mm, "10 mm")
    lines = [
        f"{device.brand} {device.name} ({device.slug}): back outline and camera hole at 1:1",
        "Print at actual size (100 %, no fit to page); the black bar must measure 10 mm.",
    ]
    estimated = device.estimated_fit()
    if estimated:
        note = "Estimated, cut with extra clearance: " + ", ".join(estimated)
        lines += textwrap.wrap(note, 110, max_lines=3)
    for i, line in enumerate(lines):
        canvas.drawString(left * mm, (page_h - PAGE_MARGIN_MM + 8 - 3.5 * i) * mm, line)
    canvas.showPage()
    canvas.save()
    return out.getvalue()


def fit_files(device: Device, params: CaseParams, segments: int = 32) -> FitFiles:
    """Everything the fit test writes, as bytes."""
    stl, three_mf = frame_files(device, params, segments)
    return FitFiles(stl=stl, three_mf=three_mf, pdf=back_pdf(device, params))
