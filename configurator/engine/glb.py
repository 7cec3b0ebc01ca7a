"""A small binary glTF 2.0 (GLB) writer: JSON plus one binary buffer, nothing else.

Only what the case preview needs: float/int accessors, embedded images and the 4-byte
alignment rules of the GLB container. The caller fills in meshes, materials and the scene.
"""

from __future__ import annotations

import json
import struct
from typing import Any

import numpy as np

GLB_MAGIC = 0x46546C67  # b"glTF"
CHUNK_JSON = 0x4E4F534A  # b"JSON"
CHUNK_BIN = 0x004E4942  # b"BIN\0"

ARRAY_BUFFER = 34962
ELEMENT_ARRAY_BUFFER = 34963

_COMPONENT_TYPES = {
    np.dtype(np.float32): 5126,
    np.dtype(np.uint32): 5125,
    np.dtype(np.uint16): 5123,
    np.dtype(np.uint8): 5121,
}
_TYPES = {1: "SCALAR", 2: "VEC2", 3: "VEC3", 4: "VEC4"}


def _pad(data: bytes, fill: bytes = b"\0") -> bytes:
    return data + fill * (-len(data) % 4)


class GlbBuilder:
    """Collects buffer views, accessors and images, then packs a .glb file."""

    def __init__(self, doc: dict[str, Any]) -> None:
        self.doc = doc
        self._blob = bytearray()

    def _view(self, data: bytes, target: int | None) -> int:
        views = self.doc.setdefault("bufferViews", [])
        view: dict[str, Any] = {"buffer": 0, "byteOffset": len(self._blob), "byteLength": len(data)}
        if target is not None:
            view["target"] = target
        views.append(view)
        self._blob += _pad(data)
        return len(views) - 1

    def accessor(self, array: np.ndarray, *, indices: bool = False, bounds: bool = False) -> int:
        """Store `array` (N or N x k, tightly packed) and return its accessor index."""
        array = np.ascontiguousarray(array)
        if array.dtype not in _COMPONENT_TYPES:
            raise TypeError(f"unsupported accessor dtype {array.dtype}")
        width = 1 if array.ndim == 1 else array.shape[1]
        view = self._view(array.tobytes(), ELEMENT_ARRAY_BUFFER if indices else ARRAY_BUFFER)
        acc: dict[str, Any] = {
            "bufferView": view,
            "componentType": _COMPONENT_TYPES[array.dtype],
            "count": int(array.shape[0]),
            "type": _TYPES[width],
        }
        if bounds:
            flat = array.reshape(len(array), width)
            acc["min"] = [float(v) for v in flat.min(axis=0)]
            acc["max"] = [float(v) for v in flat.max(axis=0)]
        accessors = self.doc.setdefault("accessors", [])
        accessors.append(acc)
        return len(accessors) - 1

    def image(self, data: bytes, mime_type: str, name: str = "") -> int:
        """Embed an encoded image (JPEG or PNG) and return its image index."""
        images = self.doc.setdefault("images", [])
        entry: dict[str, Any] = {"bufferView": self._view(data, None), "mimeType": mime_type}
        if name:
            entry["name"] = name
        images.append(entry)
        return len(images) - 1

    def to_bytes(self) -> bytes:
        doc = dict(self.doc)
        if self._blob:
            doc["buffers"] = [{"byteLength": len(self._blob)}]
        text = json.dumps(doc, separators=(",", ":"), allow_nan=False).encode("utf-8")
        json_chunk = _pad(text, b" ")
        chunks = struct.pack("<II", len(json_chunk), CHUNK_JSON) + json_chunk
        if self._blob:
            chunks += struct.pack("<II", len(self._blob), CHUNK_BIN) + bytes(self._blob)
        return struct.pack("<III", GLB_MAGIC, 2, 12 + len(chunks)) + chunks
