"""The configurator's public face for the shop: its business rules, re-exported from the
modules that each hold one role.

- `configurator.artworks`: artwork intake and the look-ups of a visitor's own artworks;
- `configurator.artwork_decoding`: stored artworks decoded for rendering and display;
- `configurator.specs`: request bodies, design specs and phone models read;
- `configurator.previews`: the editor's mockups, and clearing the per-process caches;
- `configurator.designs`: saving, sharing and copying designs;
- `configurator.renditions`: the files made from a design, each rendered once;
- `configurator.owners`: a visitor's records moved to their account at login;
- `configurator.errors`: `Invalid` and `NotFound`.

Every function takes keyword arguments only and owns its transaction; the engine is called
through its public functions only. Errors a visitor can cause are `Invalid` (their input
cannot be used) or `NotFound` (not theirs, or nothing there): the views answer 4xx with the
message, which is one line written for the shopper. The configurator's own modules import
the role modules, not this one.
"""

from .artwork_decoding import DISPLAY_SIDE_PX, artwork_display, prepared_artwork
from .artworks import (
    ARTWORKS_LISTED,
    PUBLIC_ID,
    artwork_create,
    artwork_get,
    artworks_owned,
    artworks_recent,
    is_public_id,
    master_short_side,
)
from .designs import MAX_TEXT_FIELD, design_copy, design_create, design_get_shared
from .errors import Invalid, NotFound
from .owners import owner_claim
from .previews import PREVIEW_SIZE, prepared_cache_clear, preview_render
from .renditions import (
    MESH_SEGMENTS,
    MESH_TEXTURE_DPI,
    RENDERERS,
    design_case,
    rendition_get_or_create,
    rendition_spec_hash,
)
from .specs import DEVICE_SLUG_MAX, device_get, device_resolve, parse_json_body, spec_parse

__all__ = [
    "ARTWORKS_LISTED",
    "DEVICE_SLUG_MAX",
    "DISPLAY_SIDE_PX",
    "MAX_TEXT_FIELD",
    "MESH_SEGMENTS",
    "MESH_TEXTURE_DPI",
    "PREVIEW_SIZE",
    "PUBLIC_ID",
    "RENDERERS",
    "Invalid",
    "NotFound",
    "artwork_create",
    "artwork_display",
    "artwork_get",
    "artworks_owned",
    "artworks_recent",
    "design_case",
    "design_copy",
    "design_create",
    "design_get_shared",
    "device_get",
    "device_resolve",
    "is_public_id",
    "master_short_side",
    "owner_claim",
    "parse_json_body",
    "prepared_artwork",
    "prepared_cache_clear",
    "preview_render",
    "rendition_get_or_create",
    "rendition_spec_hash",
    "spec_parse",
]
