"""Reading what a visitor asks for: a JSON request body, a design spec, a phone model.

Errors a visitor can cause are `Invalid` (their input cannot be used): the views answer
4xx with the message, which is one line written for the shopper.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from configurator.engine.case import DEFAULTS, CaseParams
from configurator.engine.devices import Device, DeviceError, builtin_devices, device_from_dict
from configurator.engine.inputs import InputError, load_json
from configurator.engine.spec import MAX_SPEC_BYTES, DesignSpec, SpecError, parse_spec

from .catalog import catalog
from .errors import Invalid

DEVICE_SLUG_MAX = 64  # Design.device


def parse_json_body(body: bytes) -> Any:
    """A request body as JSON, bounded in size and depth before parsing."""
    try:
        return load_json(body, limit=MAX_SPEC_BYTES + 4096)
    except InputError as exc:
        raise Invalid(f"body: {exc}") from None


def device_get(*, slug: Any) -> Device:
    """A phone model by slug: the catalog's, else a built-in device (never a file path:
    that is for the command line)."""
    return device_resolve(slug=slug)[0]


def device_resolve(*, slug: Any) -> tuple[Device, dict[str, Any] | None]:
    """A phone model by slug, with its engine dict when it is the catalog's (through the
    shop's provider, `configurator.catalog`); then the engine's built-in table."""
    if not isinstance(slug, str) or not slug or len(slug) > DEVICE_SLUG_MAX:
        raise Invalid("Unknown phone model.")
    provider = catalog()
    data = provider.phone_model(slug) if provider is not None else None
    if data is not None:
        try:
            return device_from_dict(data), data
        except DeviceError:
            raise Invalid("This phone model's measurements are incomplete.") from None
    device = builtin_devices().get(slug)
    if device is None:
        raise Invalid("Unknown phone model.")
    return device, None


def spec_parse(*, document: Any) -> DesignSpec:
    if not isinstance(document, Mapping):
        raise Invalid("spec: must be a JSON object (an engine spec, version 1).")
    try:
        return parse_spec(document)
    except SpecError as exc:
        raise Invalid(f"spec: {exc}") from None


def spec_params(spec: DesignSpec) -> CaseParams:
    """The engine's default case params for the spec's material."""
    return DEFAULTS[spec.case.material]
