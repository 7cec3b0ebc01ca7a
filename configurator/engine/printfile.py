"""Print files: the PNG raster and the PDF with its cut line, byte-for-byte reproducible.

PNG: written here rather than by Pillow because Pillow's PNG encoder tries five row
filters on every row and keeps the best; on a photo that search costs more than the
deflate itself (about 60 ms per megapixel even at compress_level 0). We use one filter,
"Up", for every row (computed with numpy, ~1 ms per megapixel) and zlib at level 1. On
photographic content that gives files within a few percent of Pillow's level 1 at about
half the time. The file carries pHYs (the DPI) and an iCCP chunk holding Little CMS's
built-in sRGB profile (`ImageCms.createProfile("sRGB")`), whose creation date is pinned
so that the same input always gives the same bytes.

PDF: one page of exactly (outline + 2 x bleed) mm, the raster drawn edge to edge with its
alpha as a soft mask and its colour in an ICCBased space holding that same sRGB profile,
then the cut path (case outline and camera hole) stroked 0.25 pt in the Separation colour
space "CutContour" with overprint on, so the cutter finds it and the press does not print
it. ReportLab runs in invariant mode (fixed dates and IDs).
"""

from __future__ import annotations

import io
import json
import struct
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageCms
from reportlab.lib.colors import CMYKColorSep
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfdoc
from reportlab.pdfgen.canvas import Canvas

from .artwork_intake import ArtworkFacts
from .case import RoundedRect, rounded_rect_points
from .compositing import render_print
from .geometry import MM_PER_INCH, PrintLayout, check_dpi
from .placement import PreparedArtwork
from .preflight import preflight as preflight_check
from .spec import DesignSpec

PRINT_DPI = 300  # the print files' resolution unless the caller asks for another
PNG_COMPRESS_LEVEL = 1  # fast: the print file is written once, read by one RIP
CUT_LINE_WIDTH_PT = 0.25
CUT_SPOT_NAME = "CutContour"
_ROWS_PER_BAND = 256  # filter and deflate in bands: memory stays ~one band, not the image
_IDAT_SIZE = 1 << 20


def _pinned_srgb_profile() -> bytes:
    """Little CMS's sRGB profile with its creation date fixed at 2000-01-01 00:00:00.

    lcms stamps the current time into the header (bytes 24..35); left alone, every file
    would differ. The profile ID (bytes 84..99) is left zero, which the ICC spec allows.
    """
    data = bytearray(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())
    data[24:36] = struct.pack(">6H", 2000, 1, 1, 0, 0, 0)
    return bytes(data)


SRGB_PROFILE = _pinned_srgb_profile()


def _chunk(kind: bytes, payload: bytes) -> bytes:
    return (
        struct.pack(">I", len(payload))
        + kind
        + payload
        + struct.pack(">I", zlib.crc32(payload, zlib.crc32(kind)))
    )


_COLOUR_TYPES = {"L": 0, "RGB": 2, "LA": 4, "RGBA": 6}


def _deflate_up(image: Image.Image, compress_level: int) -> bytes:
    """Rows of `image` (8-bit L, LA, RGB or RGBA), each prefixed by filter byte 2 ("Up")
    and filtered, as one zlib stream. This is both PNG's IDAT payload and a PDF Flate
    stream with /Predictor 15."""
    width, height = image.size
    row_bytes = width * len(image.mode)
    compressor = zlib.compressobj(compress_level, zlib.DEFLATED, 15, 9)
    pieces: list[bytes] = []
    previous = np.zeros(row_bytes, np.uint8)
    filtered = np.empty((_ROWS_PER_BAND, row_bytes + 1), np.uint8)
    filtered[:, 0] = 2
    for top in range(0, height, _ROWS_PER_BAND):
        rows = min(_ROWS_PER_BAND, height - top)
        band = np.asarray(image.crop((0, top, width, top + rows))).reshape(rows, row_bytes)
        body = filtered[:rows, 1:]
        np.subtract(band[0], previous, out=body[0])  # uint8 arithmetic wraps, as PNG wants
        np.subtract(band[1:], band[:-1], out=body[1:])
        previous = band[-1].copy()
        pieces.append(compressor.compress(filtered[:rows]))
    pieces.append(compressor.flush())
    return b"".join(pieces)


def encode_png(
    image: Image.Image,
    dpi: float | None = None,
    icc_profile: bytes | None = SRGB_PROFILE,
    compress_level: int = PNG_COMPRESS_LEVEL,
) -> bytes:
    """A PNG of `image` (mode L, LA, RGB or RGBA, 8 bits) with optional DPI and ICC profile.

    Deterministic: the same pixels and arguments always give the same bytes.
    """
    if image.mode not in _COLOUR_TYPES:
        raise ValueError(f"cannot write mode {image.mode} as PNG here")
    width, height = image.size
    header = struct.pack(">IIBBBBB", width, height, 8, _COLOUR_TYPES[image.mode], 0, 0, 0)
    out = [b"\x89PNG\r\n\x1a\n", _chunk(b"IHDR", header)]
    if icc_profile:
        out.append(_chunk(b"iCCP", b"sRGB\x00\x00" + zlib.compress(icc_profile, 9)))
    if dpi:
        per_metre = round(dpi / MM_PER_INCH * 1000)
        out.append(_chunk(b"pHYs", struct.pack(">IIB", per_metre, per_metre, 1)))
    stream = _deflate_up(image, compress_level)
    for start in range(0, len(stream), _IDAT_SIZE):
        out.append(_chunk(b"IDAT", stream[start : start + _IDAT_SIZE]))
    out.append(_chunk(b"IEND", b""))
    return b"".join(out)


def print_png(raster: Image.Image, dpi: int) -> bytes:
    """The print PNG: the RGBA raster with its DPI and the sRGB profile embedded."""
    check_dpi(dpi)
    return encode_png(raster.convert("RGBA") if raster.mode != "RGBA" else raster, dpi)


CUT_SEGMENTS = 32
"""Points per superellipse corner of a cut line: as many as the mesh's default."""


def rounded_path(
    canvas: Canvas, rect: RoundedRect, left_mm: float, top_mm: float, page_height_mm: float
):
    """A closed path of `rect`, whose parent's origin lies `left_mm`, `top_mm` from the page's
    top-left (y down), in PDF coordinates (origin bottom-left, points). A circular corner is
    an exact arc; a superellipse corner is the mesh's polygon, so cut and case agree."""
    path = canvas.beginPath()
    if rect.exponent == 2.0:
        y = page_height_mm - top_mm - rect.y_mm - rect.height_mm
        path.roundRect(
            (left_mm + rect.x_mm) * mm,
            y * mm,
            rect.width_mm * mm,
            rect.height_mm * mm,
            rect.radius_mm * mm,
        )
    else:
        points = rounded_rect_points(rect, CUT_SEGMENTS)
        xs = (points[:, 0] + left_mm) * mm
        ys = (page_height_mm - top_mm - points[:, 1]) * mm
        path.moveTo(xs[0], ys[0])
        for x, y in zip(xs[1:], ys[1:], strict=True):
            path.lineTo(x, y)
    path.close()
    return path


class _FlateImage(pdfdoc.PDFImageXObject):
    """An image XObject whose pixels we compress ourselves (PNG "Up" predictor, level 1).

    ReportLab's own drawImage deflates at level 6 and then ASCII85-encodes the stream
    (+25 % size) because `rl_config.useA85` is a process-wide default we must not change;
    for a 600 DPI raster that took seconds. Only the stream differs: registration and
    drawing below follow `Canvas.drawImage` step by step.
    """

    def __init__(self, name: str, image: Image.Image, colour_space=None) -> None:
        super().__init__(name)
        self.width, self.height = image.size
        self.bitsPerComponent = 8
        self.colorSpace = "DeviceRGB" if image.mode == "RGB" else "DeviceGray"
        self.colourSpaceObject = colour_space  # e.g. [/ICCBased ref]; else the device space
        self.colours = len(image.mode)
        self.streamContent = _deflate_up(image, PNG_COMPRESS_LEVEL)
        self.mask = None

    def format(self, document) -> bytes:
        stream = pdfdoc.PDFStream(content=self.streamContent)
        entries = stream.dictionary
        entries["Type"] = pdfdoc.PDFName("XObject")
        entries["Subtype"] = pdfdoc.PDFName("Image")
        entries["Width"] = self.width
        entries["Height"] = self.height
        entries["BitsPerComponent"] = self.bitsPerComponent
        entries["ColorSpace"] = self.colourSpaceObject or pdfdoc.PDFName(self.colorSpace)
        entries["Filter"] = pdfdoc.PDFName("FlateDecode")
        entries["DecodeParms"] = pdfdoc.PDFDictionary(
            {"Predictor": 15, "Colors": self.colours, "BitsPerComponent": 8, "Columns": self.width}
        )
        if getattr(self, "smask", None):
            entries["SMask"] = self.smask
        return stream.format(document)


def _srgb_colour_space(doc) -> pdfdoc.PDFArray:
    """[/ICCBased <stream>]: the pinned sRGB profile (the one print.png carries), so the
    PDF's pixels are tagged sRGB too rather than left as device-dependent DeviceRGB."""
    profile = pdfdoc.PDFStream(
        pdfdoc.PDFDictionary(
            {
                "N": 3,
                "Alternate": pdfdoc.PDFName("DeviceRGB"),
                "Filter": pdfdoc.PDFName("FlateDecode"),
            }
        ),
        content=zlib.compress(SRGB_PROFILE, 9),
    )
    return pdfdoc.PDFArray([pdfdoc.PDFName("ICCBased"), doc.Reference(profile, "caseforge-srgb")])


def _draw_raster(canvas: Canvas, raster: Image.Image, width_pt: float, height_pt: float) -> None:
    """Draw the RGBA raster over the whole page with its alpha as a soft mask."""
    doc = canvas._doc
    image = _FlateImage("caseforge-print", raster.convert("RGB"), _srgb_colour_space(doc))
    smask = _FlateImage("caseforge-print-alpha", raster.getchannel("A"))
    name = doc.getXObjectName(image.name)
    canvas._setXObjects(image)
    doc.Reference(image, name)
    doc.addForm(image.name, image)
    canvas._setXObjects(smask)
    image.smask = doc.Reference(smask, doc.getXObjectName(smask.name))
    canvas._currentPageHasImages = 1
    canvas.saveState()
    canvas.scale(width_pt, height_pt)
    canvas._code.append(f"/{name} Do")
    canvas.restoreState()
    canvas._formsinuse.append(image.name)


def print_pdf(raster: Image.Image, layout: PrintLayout, dpi: int) -> bytes:
    """A one-page PDF: page = bleed box in mm, the raster filling it, the CutContour line.

    `raster` must be the RGBA print raster for `layout` (its pixels cover the bleed box).
    """
    check_dpi(dpi)
    page_w, page_h = layout.width_mm, layout.height_mm
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=(page_w * mm, page_h * mm), invariant=1, pageCompression=1)
    canvas.setTitle("Caseforge print file")
    canvas.setAuthor("caseforge")
    canvas.setCreator("caseforge configurator engine")
    canvas.setSubject(f"{page_w:.2f} x {page_h:.2f} mm at {dpi} dpi, cut line on {CUT_SPOT_NAME}")
    _draw_raster(
        canvas,
        raster if raster.mode == "RGBA" else raster.convert("RGBA"),
        page_w * mm,
        page_h * mm,
    )
    # Layout coordinates have their origin at the trim line; the page starts at the bleed.
    offset = -layout.bleed.x_mm
    canvas.setStrokeColor(CMYKColorSep(0, 1, 0, 0, spotName=CUT_SPOT_NAME))
    canvas.setStrokeOverprint(True)
    canvas.setLineWidth(CUT_LINE_WIDTH_PT)
    canvas.setLineJoin(1)
    for rect in (layout.trim, layout.keepout):
        canvas.drawPath(rounded_path(canvas, rect, offset, offset, page_h), stroke=1, fill=0)
    canvas.showPage()
    canvas.save()
    return out.getvalue()


@dataclass(frozen=True)
class PrintFiles:
    """The three production files as bytes."""

    png: bytes
    pdf: bytes
    preflight_json: bytes

    def write(self, out_dir: Path) -> dict[str, Path]:
        """Write print.png, print.pdf and preflight.json into `out_dir` (created if needed)."""
        out_dir.mkdir(parents=True, exist_ok=True)
        paths = {
            "png": out_dir / "print.png",
            "pdf": out_dir / "print.pdf",
            "preflight": out_dir / "preflight.json",
        }
        paths["png"].write_bytes(self.png)
        paths["pdf"].write_bytes(self.pdf)
        paths["preflight"].write_bytes(self.preflight_json)
        return paths


def print_files(
    raster: Image.Image, layout: PrintLayout, dpi: int, preflight: dict[str, object]
) -> PrintFiles:
    """PNG, PDF and preflight JSON for a print raster."""
    report = json.dumps(preflight, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    return PrintFiles(print_png(raster, dpi), print_pdf(raster, layout, dpi), report.encode())


def design_print_files(
    spec: DesignSpec,
    artworks: Mapping[str, PreparedArtwork],
    layout: PrintLayout,
    dpi: int = PRINT_DPI,
    facts: Mapping[str, ArtworkFacts] | None = None,
) -> PrintFiles:
    """A design's print files: its print raster at `dpi` as PNG and PDF, and its preflight
    report at the same `dpi` (`facts` adds the intake's warnings to the report)."""
    check_dpi(dpi)
    raster = render_print(spec, artworks, layout, dpi)
    report = preflight_check(spec, artworks, layout, dpi, facts)
    return print_files(raster, layout, dpi, report.to_dict())
