"""The case's plan shapes and z levels in the mesh frame (see `mesh`), and the side-wall
slots for the device's buttons and ports: plain geometry, no solid modelling."""

from __future__ import annotations

from dataclasses import dataclass

from .case import CaseParams, RoundedRect, back_outline, camera_hole
from .devices import Device, Opening

LIP_OVERHANG_MM = 0.8
"""How far the lip reaches inward over the screen, measured from the body's outline."""

MIN_BRIDGE_MM = 2.0
"""The narrowest strip of side wall left between two cut-outs; closer ones are cut as one."""


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
