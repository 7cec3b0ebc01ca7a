"""Preflight: what to tell the shopper (and production) before a design is printed.

Checks, per layer and for the whole design:
- effective resolution of every image layer, from the uploaded file's own pixel size and
  the size it is placed at: below 300 DPI a warning, below 150 DPI an error;
- content outside the safe zone (within `safe_mm` of the cut, where it may be trimmed) or
  inside the camera keep-out (never printed). A layer that fills the whole back is a
  background and expected to run to the edges, so for it these are only "info";
- how much of the printable back no layer covers (it shows the background colour or the
  bare case);
- for production, which cut-outs of the phone model are placed by estimate (camera,
  buttons, ports): they get the widest clearance, and a fit test print is advised.

Area checks rasterize each layer's alpha at PX_PER_MM (4 px/mm, ~100 DPI): 0.25 mm is far
finer than any of the thresholds and it keeps a preflight at about 15 ms.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from .artwork_intake import ArtworkFacts
from .geometry import MM_PER_INCH, PixelGrid, PrintLayout, coverage, print_size_px
from .placement import PreparedArtwork, Resample, check_artworks, place_layer
from .spec import DesignSpec, ImageLayer, TextLayer, image_size_mm

WARN_DPI = 300.0
ERROR_DPI = 150.0
PX_PER_MM = 4.0
COVERS_BACK_SHARE = 0.99
EMPTY_AREA_NOTICE_PERCENT = 0.5


@dataclass(frozen=True)
class Issue:
    """One finding. level: "info", "warning" or "error"; layer: index into spec.layers."""

    level: str
    code: str
    message: str
    layer: int | None = None


@dataclass(frozen=True)
class LayerCheck:
    """Measurements of one layer (percentages are of the layer's content on the back)."""

    index: int
    kind: str
    effective_dpi: float | None
    outside_safe_percent: float
    in_keepout_percent: float
    covers_back: bool


@dataclass(frozen=True)
class PreflightReport:
    dpi: int
    print_size_px: tuple[int, int]
    print_size_mm: tuple[float, float]
    empty_area_percent: float
    layers: tuple[LayerCheck, ...]
    issues: tuple[Issue, ...]

    @property
    def ok(self) -> bool:
        """True when nothing is at error level."""
        return all(issue.level != "error" for issue in self.issues)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (lists, not tuples; `ok` included)."""
        data = asdict(self)
        data["ok"] = self.ok
        data["print_size_px"] = list(self.print_size_px)
        data["print_size_mm"] = [round(v, 2) for v in self.print_size_mm]
        data["layers"] = [asdict(layer) for layer in self.layers]
        data["issues"] = [asdict(issue) for issue in self.issues]
        return data

    def to_json(self) -> str:
        """Stable JSON text (sorted keys)."""
        return json.dumps(self.to_dict(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _share(weights: np.ndarray, region: np.ndarray) -> float:
    total = float(weights.sum())
    return 0.0 if total <= 0 else round(float((weights * region).sum()) / total * 100, 2)


def _layer_alpha(patch, grid: PixelGrid) -> np.ndarray:
    """The patch's alpha (0..1) on the whole grid."""
    out = np.zeros((grid.height_px, grid.width_px), np.float32)
    if patch is None:
        return out
    image = patch.image
    alpha = (
        np.asarray(image.getchannel("A"), np.float32) / 255
        if image.mode == "RGBA"
        else np.ones((image.height, image.width), np.float32)
    )
    x0, y0 = max(patch.left, 0), max(patch.top, 0)
    x1 = min(patch.left + image.width, grid.width_px)
    y1 = min(patch.top + image.height, grid.height_px)
    if x1 > x0 and y1 > y0:
        out[y0:y1, x0:x1] = alpha[
            y0 - patch.top : y1 - patch.top, x0 - patch.left : x1 - patch.left
        ]
    return out


def _dpi_issue(index: int, dpi: float) -> Issue | None:
    if dpi >= WARN_DPI:
        return None
    if dpi < ERROR_DPI:
        return Issue(
            "error",
            "resolution_too_low",
            f"Image {index + 1} has only {dpi:.0f} DPI at this size and will print blurry. "
            "Use a larger image or make it smaller on the case.",
            index,
        )
    return Issue(
        "warning",
        "resolution_low",
        f"Image {index + 1} has {dpi:.0f} DPI at this size; 300 DPI or more prints sharpest.",
        index,
    )


def preflight(
    spec: DesignSpec,
    artworks: Mapping[str, PreparedArtwork],
    layout: PrintLayout,
    dpi: int = 300,
    facts: Mapping[str, ArtworkFacts] | None = None,
) -> PreflightReport:
    """Check `spec` for printing at `dpi`; `facts` adds the intake's warnings as issues."""
    check_artworks(spec, artworks)
    grid = PixelGrid(
        round(layout.width_mm * PX_PER_MM),
        round(layout.height_mm * PX_PER_MM),
        PX_PER_MM,
        layout.bleed.x_mm,
        layout.bleed.y_mm,
    )
    trim = coverage(layout.trim, grid).astype(np.float32) / 255
    keepout = coverage(layout.keepout, grid).astype(np.float32) / 255
    safe = coverage(layout.safe, grid).astype(np.float32) / 255 * (1 - keepout)
    back = trim * (1 - keepout)  # the part of the case back that gets printed
    uncovered = np.ones_like(back)
    checks: list[LayerCheck] = []
    issues: list[Issue] = []
    for name, fact in sorted((facts or {}).items()):
        for warning in fact.warnings:
            issues.append(Issue("warning", "artwork", f"{name}: {warning}"))
    for index, layer in enumerate(spec.layers):
        # Only coverage matters here, so nearest-neighbour sampling is exact enough and cheap.
        patch = place_layer(layer, artworks, layout, grid, Resample.NEAREST)
        alpha = _layer_alpha(patch, grid)
        uncovered *= 1 - alpha
        on_case = alpha * trim
        effective = None
        if isinstance(layer, ImageLayer):
            art = artworks[layer.artwork]
            width_mm, _ = image_size_mm(layer, art.image.width, art.image.height, layout)
            effective = round(art.source_width_px / (width_mm / MM_PER_INCH), 1)
            found = _dpi_issue(index, effective)
            if found:
                issues.append(found)
        covers = float((alpha * back).sum()) >= COVERS_BACK_SHARE * float(back.sum())
        check = LayerCheck(
            index=index,
            kind="text" if isinstance(layer, TextLayer) else "image",
            effective_dpi=effective,
            outside_safe_percent=_share(on_case, trim - np.minimum(trim, safe + keepout)),
            in_keepout_percent=_share(on_case, keepout),
            covers_back=covers,
        )
        checks.append(check)
        what = f'Text "{layer.text}"' if isinstance(layer, TextLayer) else f"Image {index + 1}"
        level = "info" if covers else "warning"
        if float(on_case.sum()) <= 0 and layer.opacity > 0:
            issues.append(
                Issue("warning", "off_case", f"{what} is outside the case and won't print.", index)
            )
            continue
        if check.outside_safe_percent > 0:
            issues.append(
                Issue(
                    level,
                    "outside_safe_zone",
                    f"{what} reaches within {layout.safe_mm:g} mm of the edge, where it may be "
                    "trimmed.",
                    index,
                )
            )
        if check.in_keepout_percent > 0:
            issues.append(
                Issue(
                    level,
                    "in_camera_area",
                    f"Part of {what[0].lower() + what[1:]} is under the camera cut-out and "
                    "won't print.",
                    index,
                )
            )
    empty = _share(back, uncovered)
    if empty > EMPTY_AREA_NOTICE_PERCENT:
        shows = "the background colour" if spec.background else "the bare case"
        issues.append(
            Issue(
                "info" if spec.background else "warning",
                "empty_area",
                f"{empty:.0f}% of the back has no design and will show {shows}.",
            )
        )
    if layout.estimated_fit:
        issues.append(
            Issue(
                "info",
                "estimated_fit",
                "Estimated positions, cut with extra clearance (check with a fit test): "
                + ", ".join(layout.estimated_fit)
                + ".",
            )
        )
    return PreflightReport(
        dpi=dpi,
        print_size_px=print_size_px(layout, dpi),
        print_size_mm=(layout.width_mm, layout.height_mm),
        empty_area_percent=empty,
        layers=tuple(checks),
        issues=tuple(issues),
    )
