"""What the configurator needs from the shop's catalog, through a provider the shop names.

The configurator never imports the shop (import-linter). The shop names an object in the
setting `CONFIGURATOR_CATALOG` (a dotted path, read at call time, so tests may swap it);
that object (or class, instantiated without arguments) answers:

- `product(slug) -> CatalogProduct | None`: an active product with the phone models and
  colours it is offered in;
- `phone_model(slug) -> dict | None`: a catalog phone model as an engine device dict
  (`configurator.engine.devices.device_from_dict` reads it);
- `case(product=, device=, colour=) -> CatalogCase | None`: the case one variant on sale is
  made as (material, finish, style, colour), or None when the product is not sold for that
  phone model in that colour. A design made for a product is made in this case
  (`configurator.product_case`).

Without the setting there is no catalog: the API knows the engine's built-in devices only
and the editor page answers 404.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from django.conf import settings
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class CatalogColour:
    slug: str
    name: str
    hex: str


@dataclass(frozen=True)
class CatalogPhoneModel:
    slug: str
    name: str
    device: dict[str, Any]  # the engine's device format


@dataclass(frozen=True)
class CatalogProduct:
    slug: str
    name: str
    material: str  # the engine's Material value
    finish: str  # the engine's Finish value
    style: str
    url: str
    phone_models: tuple[CatalogPhoneModel, ...]
    colours: tuple[CatalogColour, ...]
    # (phone model slug, colour slug) -> SKU, for the combinations on sale
    variants: dict[tuple[str, str], str] = field(default_factory=dict)

    def phone_model(self, slug: str | None) -> CatalogPhoneModel | None:
        return next((m for m in self.phone_models if m.slug == slug), None)

    def colours_for(self, model_slug: str) -> tuple[CatalogColour, ...]:
        """The colours offered for one phone model, in the product's colour order."""
        return tuple(c for c in self.colours if (model_slug, c.slug) in self.variants)


@dataclass(frozen=True)
class CatalogCase:
    """The case a product is made as for one phone model in one colour (a variant on sale)."""

    product: str  # slugs
    device: str
    colour: str
    product_name: str
    material: str  # the engine's Material value
    finish: str  # the engine's Finish value
    style: str
    colour_hex: str  # "#rrggbb"
    device_data: dict[str, Any]  # the phone model, the engine's device format


class CatalogProvider(Protocol):
    def product(self, slug: str) -> CatalogProduct | None: ...

    def phone_model(self, slug: str) -> dict[str, Any] | None: ...

    def case(self, *, product: str, device: str, colour: str) -> CatalogCase | None: ...


def catalog() -> CatalogProvider | None:
    """The shop's provider named by `CONFIGURATOR_CATALOG`, or None without one."""
    path = getattr(settings, "CONFIGURATOR_CATALOG", "")
    if not path:
        return None
    provider = import_string(path)
    return provider() if isinstance(provider, type) else provider
