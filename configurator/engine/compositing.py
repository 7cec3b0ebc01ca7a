"""Stacking placed layers into one picture, and the print raster.

`render_layers` draws the background and every layer (each placed by `placement`) bottom to
top on a grid; `render_print` is that stack at the print's DPI, clipped to the printable
shape (the bleed outline, minus the camera hole), with nothing hidden left in its
transparent pixels.
"""

from __future__ import annotations

from collections.abc import Mapping

from PIL import Image, ImageChops

from .geometry import PixelGrid, PrintLayout, print_grid, printable_mask, unprintable_boxes
from .placement import Patch, PreparedArtwork, Resample, check_artworks, place_layer
from .spec import DesignSpec, rgba


def _composite(canvas: Image.Image, patch: Patch) -> None:
    """Draw `patch` over `canvas` (which this module owns), clipping it to the canvas."""
    image, left, top = patch.image, patch.left, patch.top
    if (
        left < 0
        or top < 0
        or left + image.width > canvas.width
        or top + image.height > canvas.height
    ):
        box = (
            max(-left, 0),
            max(-top, 0),
            min(image.width, canvas.width - left),
            min(image.height, canvas.height - top),
        )
        if box[2] <= box[0] or box[3] <= box[1]:
            return
        image = image.crop(box)
        left, top = left + box[0], top + box[1]
    if image.mode == "RGB":
        canvas.paste(image, (left, top))  # opaque: a plain copy
    else:
        canvas.alpha_composite(image, (left, top))


def _render_layers(
    spec: DesignSpec,
    artworks: Mapping[str, PreparedArtwork],
    layout: PrintLayout,
    grid: PixelGrid,
    resample: Resample,
) -> tuple[Image.Image, bool]:
    """`render_layers`, plus whether every pixel is known to be opaque. The image may be
    mode RGB (then it is opaque) to spare a conversion; callers add the alpha."""
    check_artworks(spec, artworks)
    background = rgba(spec.background) if spec.background else (0, 0, 0, 0)
    canvas: Image.Image | None = None
    opaque = background[3] == 255
    for layer in spec.layers:
        patch = place_layer(layer, artworks, layout, grid, resample)
        if patch is None:
            continue
        if (
            patch.image.mode == "RGB"
            and (patch.left, patch.top) == (0, 0)
            and (patch.image.size == grid.size)
        ):
            # An opaque layer over the whole grid hides everything below it: start afresh
            # from it rather than fill a canvas and copy it in.
            canvas, opaque = patch.image, True
            continue
        if canvas is None:
            canvas = Image.new("RGBA", grid.size, background)
        elif canvas.mode == "RGB":
            canvas = canvas.convert("RGBA")
        _composite(canvas, patch)
    if canvas is None:
        canvas = Image.new("RGBA", grid.size, background)
    return canvas, opaque


def render_layers(
    spec: DesignSpec,
    artworks: Mapping[str, PreparedArtwork],
    layout: PrintLayout,
    grid: PixelGrid,
    resample: Resample = Resample.BICUBIC,
) -> Image.Image:
    """Background and layers, bottom to top, on `grid` as straight-alpha RGBA, unclipped."""
    canvas, _ = _render_layers(spec, artworks, layout, grid, resample)
    return canvas if canvas.mode == "RGBA" else canvas.convert("RGBA")


def _zero_hidden(image: Image.Image) -> Image.Image:
    """Black out the colour of alpha-0 pixels (premultiply and back; other pixels keep
    their colour to within rounding on soft edges), so nothing hidden travels in the file
    and it compresses better."""
    return image.convert("RGBa").convert("RGBA")


def clip_alpha(image: Image.Image, mask: Image.Image) -> Image.Image:
    """`image` (RGBA) with its alpha multiplied by `mask` and fully transparent pixels
    zeroed."""
    clipped = image.copy()
    clipped.putalpha(ImageChops.multiply(image.getchannel("A"), mask))
    return _zero_hidden(clipped)


def render_print(
    spec: DesignSpec,
    artworks: Mapping[str, PreparedArtwork],
    layout: PrintLayout,
    dpi: int,
) -> Image.Image:
    """The print raster: (outline + 2 x bleed) at `dpi`, transparent outside the printable
    shape (the bleed outline, minus the camera hole shrunk by the bleed). RGBA, sRGB."""
    grid = print_grid(layout, dpi)
    canvas, opaque = _render_layers(spec, artworks, layout, grid, Resample.BICUBIC)
    mask = printable_mask(layout, grid)
    if not opaque:
        return clip_alpha(canvas, mask)
    # Opaque everywhere (the usual full-bleed photo): the alpha IS the mask, set in the
    # same pass that adds the channel, and alpha-0 pixels exist only in the corners and
    # the camera hole, so only those boxes need their colour cleared.
    canvas.putalpha(mask)
    for box in unprintable_boxes(layout, grid):
        canvas.paste(_zero_hidden(canvas.crop(box)), box[:2])
    return canvas
