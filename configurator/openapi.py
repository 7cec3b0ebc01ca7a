"""The configurator's HTTP API in the OpenAPI schema (drf-spectacular).

The views are plain Django views (their upload handler must be in place before anything
reads the body, which DRF's request parsing does not allow), so drf-spectacular cannot
discover them. `configurator_paths` is a postprocessing hook
(SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"]) that adds hand-written path items for them,
under the tag "Configurator", with the request and answer shapes and the error shape. The
limits and choices in the shapes come from the engine, so the schema follows it.
"""

from __future__ import annotations

from typing import Any

from configurator.engine.case import Material
from configurator.engine.devices import builtin_devices
from configurator.engine.spec import (
    COORD_LIMIT_MM,
    FONTS,
    MAX_LAYERS,
    MAX_TEXT_CHARS,
    MIN_SCALE,
    MIN_WIDTH_MM,
    SPEC_VERSION,
    Finish,
    Flip,
)

TAG = "Configurator"
MAX_UPLOAD_MB = 25
MAX_TEXT_FIELD = 100  # configurator.designs.MAX_TEXT_FIELD
COLOUR_PATTERN = "^#(?:[0-9a-fA-F]{6}|[0-9a-fA-F]{8})$"
_CONTROL = "\\x00-\\x1f\\x7f-\\x9f"
SINGLE_LINE_PATTERN = f"^[^{_CONTROL}]*[^\\s{_CONTROL}][^{_CONTROL}]*$"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _number(low: float, high: float, *, low_open: bool = False, default=None) -> dict:
    schema: dict[str, Any] = {"type": "number", "minimum": low, "maximum": high}
    if low_open:
        schema["exclusiveMinimum"] = True
    if default is not None:
        schema["default"] = default
    return schema


def _coordinate(description: str) -> dict:
    return {**_number(-COORD_LIMIT_MM, COORD_LIMIT_MM), "description": description}


def _colour(default: str) -> dict:
    return {"type": "string", "pattern": COLOUR_PATTERN, "default": default}


def _schemas() -> dict[str, dict]:
    devices = sorted(builtin_devices())
    text_field = {"type": "string", "maxLength": MAX_TEXT_FIELD}
    return {
        "ConfiguratorError": {
            "type": "object",
            "description": "Every refusal of the configurator API: one line for the shopper.",
            "properties": {"error": {"type": "string", "example": "Unknown phone model."}},
            "required": ["error"],
        },
        "Artwork": {
            "type": "object",
            "description": "An uploaded picture, as stored: the engine's lossless re-encode.",
            "properties": {
                "id": {"type": "string", "description": "The artwork id image layers name."},
                "width": {"type": "integer", "minimum": 1, "description": "Stored width, px."},
                "height": {"type": "integer", "minimum": 1, "description": "Stored height, px."},
                "format": {"type": "string", "description": "The uploaded file's format."},
                "sha256": {
                    "type": "string",
                    "description": "Hash of the stored picture's pixels (names its file).",
                },
            },
            "required": ["id", "width", "height"],
        },
        "ArtworkList": {
            "type": "object",
            "properties": {"artworks": {"type": "array", "items": _ref("Artwork")}},
            "required": ["artworks"],
        },
        "ArtworkUpload": {
            "type": "object",
            "properties": {
                "file": {
                    "type": "string",
                    "format": "binary",
                    "description": f"JPEG, PNG, WebP, HEIC or similar; at most {MAX_UPLOAD_MB} MB.",
                }
            },
            "required": ["file"],
        },
        "CaseStyle": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "material": {"type": "string", "enum": [m.value for m in Material]},
                "colour": _colour("#ffffff"),
                "finish": {"type": "string", "enum": [f.value for f in Finish]},
            },
        },
        "ImageLayer": {
            "type": "object",
            "additionalProperties": False,
            "description": 'An uploaded artwork placed on the back; give "width_mm" or "scale".',
            "properties": {
                "type": {"type": "string", "enum": ["image"]},
                "artwork": {"type": "string", "minLength": 1, "maxLength": 100},
                "x_mm": _coordinate("Centre, mm from the back's left edge."),
                "y_mm": _coordinate("Centre, mm from the back's top edge."),
                "width_mm": _number(MIN_WIDTH_MM, 1000.0),
                "scale": {
                    **_number(MIN_SCALE, 20.0, default=1.0),
                    "description": "1 just covers the whole print.",
                },
                "rotation": {**_number(-3600.0, 3600.0, default=0.0), "description": "Degrees."},
                "flip": {"type": "string", "enum": [f.value for f in Flip], "default": "none"},
                "opacity": _number(0.0, 1.0, default=1.0),
            },
            "required": ["type", "artwork", "x_mm", "y_mm"],
            "not": {"required": ["width_mm", "scale"]},
        },
        "TextLayer": {
            "type": "object",
            "additionalProperties": False,
            "description": "One line of text, centred on (x_mm, y_mm).",
            "properties": {
                "type": {"type": "string", "enum": ["text"]},
                "text": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": MAX_TEXT_CHARS,
                    "pattern": SINGLE_LINE_PATTERN,
                    "description": "One line: no control characters, not only spaces.",
                },
                "x_mm": _coordinate("Centre, mm from the back's left edge."),
                "y_mm": _coordinate("Centre, mm from the back's top edge."),
                "size_mm": _number(0.5, 100.0, default=6.0),
                "colour": _colour("#000000"),
                "font": {"type": "string", "enum": list(FONTS), "default": FONTS[0]},
                "rotation": _number(-3600.0, 3600.0, default=0.0),
                "opacity": _number(0.0, 1.0, default=1.0),
            },
            "required": ["type", "text", "x_mm", "y_mm"],
        },
        "DesignSpec": {
            "type": "object",
            "additionalProperties": False,
            "description": (
                f"The engine's design spec, version {SPEC_VERSION}: the case look and the "
                "layers, bottom to top. Coordinates are mm on the case back seen from behind."
            ),
            "properties": {
                "version": {"type": "integer", "enum": [SPEC_VERSION]},
                "case": _ref("CaseStyle"),
                "background": {
                    "type": "string",
                    "pattern": "^(?:transparent|#[0-9a-fA-F]{6}(?:[0-9a-fA-F]{2})?)$",
                    "description": '"transparent" or a colour "#rrggbb[aa]".',
                    "default": "transparent",
                },
                "layers": {
                    "type": "array",
                    "maxItems": MAX_LAYERS,
                    "items": {"oneOf": [_ref("ImageLayer"), _ref("TextLayer")]},
                },
            },
            "required": ["version"],
        },
        "PreviewRequest": {
            "type": "object",
            "properties": {
                "device": {"type": "string", "enum": devices, "description": "Phone model."},
                "spec": _ref("DesignSpec"),
            },
            "required": ["device", "spec"],
        },
        "DesignRequest": {
            "type": "object",
            "properties": {
                "product": {
                    **text_field,
                    "description": "The case product's slug; the design is made in its case.",
                },
                "device": {"type": "string", "enum": devices, "description": "Phone model."},
                "colour": {
                    **text_field,
                    "description": "The case colour's slug (required with a product).",
                },
                "spec": _ref("DesignSpec"),
            },
            "required": ["device", "spec"],
        },
        "DesignCreated": {
            "type": "object",
            "properties": {
                "token": {"type": "string", "description": "The share token."},
                "url": {"type": "string", "example": "/design/s/<token>/"},
            },
            "required": ["token", "url"],
        },
    }


def _error(description: str, **headers: dict) -> dict:
    response: dict[str, Any] = {
        "description": description,
        "content": {"application/json": {"schema": _ref("ConfiguratorError")}},
    }
    if headers:
        response["headers"] = headers
    return response


RETRY_AFTER = {"schema": {"type": "integer"}, "description": "Seconds to wait."}
NOSNIFF = {"schema": {"type": "string", "enum": ["nosniff"]}}


def _binary(*content_types: str) -> dict:
    return {t: {"schema": {"type": "string", "format": "binary"}} for t in content_types}


def _errors(*statuses: int) -> dict:
    texts = {
        400: "The input cannot be used (the message says why).",
        403: "The CSRF check failed (send the csrftoken cookie's value as X-CSRFToken).",
        404: "No such record for this visitor.",
        413: f"The body is larger than {MAX_UPLOAD_MB} MB; it was not read.",
        429: "Too many requests from this visitor or address; see Retry-After.",
    }
    out = {str(s): _error(texts[s]) for s in statuses}
    if 429 in statuses:
        out["429"] = _error(texts[429], **{"Retry-After": RETRY_AFTER})
    return out


def _operation(operation_id: str, summary: str, description: str, **fields) -> dict:
    return {
        "operationId": operation_id,
        "summary": summary,
        "description": description,
        "tags": [TAG],
        # The session cookie (visitor or account) and, for POST, the CSRF token.
        "security": [{"cookieAuth": []}, {}],
        **fields,
    }


def _json_body(schema: str) -> dict:
    return {"required": True, "content": {"application/json": {"schema": _ref(schema)}}}


def _paths() -> dict[str, dict]:
    artwork_id = {
        "in": "path",
        "name": "id",
        "required": True,
        "schema": {"type": "string"},
        "description": "The artwork id.",
    }
    token = {
        "in": "path",
        "name": "token",
        "required": True,
        "schema": {"type": "string"},
        "description": "The design's share token.",
    }
    return {
        "/design/api/artworks/": {
            "get": _operation(
                "configurator_artworks_list",
                "Your uploaded pictures",
                "The artworks of this visitor or account.",
                responses={
                    "200": {
                        "description": "The artworks.",
                        "content": {"application/json": {"schema": _ref("ArtworkList")}},
                    },
                    **_errors(429),
                },
            ),
            "post": _operation(
                "configurator_artworks_create",
                "Upload a picture",
                "Runs the engine's safe intake on the file and keeps only its lossless re-encode. "
                f"A body declared over {MAX_UPLOAD_MB} MB is refused before it is read; a "
                "refused file leaves nothing behind. Starts a visitor session when there is "
                "none. Rate-limited per visitor and per client address.",
                requestBody={
                    "required": True,
                    "content": {"multipart/form-data": {"schema": _ref("ArtworkUpload")}},
                },
                responses={
                    "201": {
                        "description": "Stored.",
                        "content": {"application/json": {"schema": _ref("Artwork")}},
                    },
                    **_errors(400, 403, 413, 429),
                },
            ),
        },
        "/design/api/artworks/{id}/image": {
            "get": _operation(
                "configurator_artworks_image",
                "One of your pictures",
                "One of your artworks as the editor shows it, re-encoded (never the bytes "
                "uploaded): WebP at most 2,048 px on its long side, or a master stored as WebP "
                "or PNG before JPEG XL as it is.",
                parameters=[artwork_id],
                responses={
                    "200": {
                        "description": "The picture.",
                        "content": _binary("image/webp", "image/png"),
                        "headers": {"X-Content-Type-Options": NOSNIFF},
                    },
                    **_errors(404, 429),
                },
            ),
        },
        "/design/api/preview/": {
            "post": _operation(
                "configurator_preview",
                "Preview a design",
                "The mockup of the spec on the phone model's case, 600x1200: WebP, or PNG "
                "when the Accept header asks for image/png. Image layers name your artworks. "
                "Starts no session.",
                requestBody=_json_body("PreviewRequest"),
                responses={
                    "200": {
                        "description": "The preview.",
                        "content": _binary("image/webp", "image/png"),
                    },
                    **_errors(400, 403, 404, 429),
                },
            ),
        },
        "/design/api/designs/": {
            "post": _operation(
                "configurator_designs_create",
                "Save a design",
                "Saves the design (immutable; saving the same content again answers the same "
                "design) and answers its share link. A design for a product (with the colour "
                "slug) is made in the case the product is sold as for that phone and colour: "
                "material, finish and colour the spec's case leaves out are filled in, and "
                "stating others is a 400 naming the field.",
                requestBody=_json_body("DesignRequest"),
                responses={
                    "201": {
                        "description": "Saved.",
                        "content": {"application/json": {"schema": _ref("DesignCreated")}},
                    },
                    **_errors(400, 403, 404, 429),
                },
            ),
        },
        "/design/api/designs/{token}/model.glb": {
            "get": _operation(
                "configurator_designs_glb",
                "The design's 3D case",
                "The textured case of a shared design as binary glTF, rendered once.",
                parameters=[token],
                responses={
                    "200": {
                        "description": "The case.",
                        "content": _binary("model/gltf-binary"),
                        "headers": {"X-Content-Type-Options": NOSNIFF},
                    },
                    **_errors(404, 429),
                },
            ),
        },
        "/design/api/designs/{token}/preview.webp": {
            "get": _operation(
                "configurator_designs_preview",
                "The design's preview",
                "The mockup of a shared design (600x1200 WebP), rendered once; the shared "
                "page shows it.",
                parameters=[token],
                responses={
                    "200": {
                        "description": "The preview.",
                        "content": _binary("image/webp"),
                        "headers": {"X-Content-Type-Options": NOSNIFF},
                    },
                    **_errors(404, 429),
                },
            ),
        },
    }


def configurator_paths(result, generator, request, public):
    """drf-spectacular postprocessing hook: add the configurator's endpoints."""
    result.setdefault("paths", {}).update(_paths())
    components = result.setdefault("components", {})
    components.setdefault("schemas", {}).update(_schemas())
    components.setdefault("securitySchemes", {})["cookieAuth"] = {
        "type": "apiKey",
        "in": "cookie",
        "name": "sessionid",
    }
    tags = result.setdefault("tags", [])
    if not any(tag.get("name") == TAG for tag in tags):
        tags.append(
            {
                "name": TAG,
                "description": (
                    "Design your own case: upload pictures, preview, save and share. Errors "
                    'are JSON `{"error": "one line for the shopper"}` with a 4xx status.'
                ),
            }
        )
    return result
