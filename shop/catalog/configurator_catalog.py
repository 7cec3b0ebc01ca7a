"""The catalog as the configurator sees it: settings.CONFIGURATOR_CATALOG names this.

The configurator never imports the shop; it asks this provider for a product (its
material, finish, colours and the phone models it is offered for, each as an engine device),
for a catalog phone model by slug, and for the case one variant is made as. Two small
queries per product, one per phone model or case.
"""

from __future__ import annotations

from typing import Any

from configurator.catalog import CatalogCase, CatalogColour, CatalogPhoneModel, CatalogProduct

from .models import CaseProduct, PhoneModel, Variant


class CatalogProvider:
    def product(self, slug: str) -> CatalogProduct | None:
        """An active product with its active variants, or None."""
        if not isinstance(slug, str) or len(slug) > 120:
            return None
        product = CaseProduct.objects.filter(is_active=True, slug=slug).first()
        if product is None:
            return None
        variants = (
            Variant.objects.filter(product_id=product.pk, is_active=True)
            .select_related("phone_model", "colour")
            .order_by("phone_model__brand", "phone_model__name", "colour__name")
        )
        models: dict[str, CatalogPhoneModel] = {}
        colours: dict[str, CatalogColour] = {}
        skus: dict[tuple[str, str], str] = {}
        for variant in variants:
            pm, colour = variant.phone_model, variant.colour
            if pm.slug not in models:
                models[pm.slug] = CatalogPhoneModel(
                    slug=pm.slug, name=str(pm), device=pm.to_engine_dict()
                )
            colours.setdefault(
                colour.slug, CatalogColour(slug=colour.slug, name=colour.name, hex=colour.hex)
            )
            skus[(pm.slug, colour.slug)] = variant.sku
        return CatalogProduct(
            slug=product.slug,
            name=product.name,
            material=product.material,
            finish=product.finish,
            style=product.style,
            url=product.get_absolute_url(),
            phone_models=tuple(models.values()),
            colours=tuple(colours.values()),
            variants=skus,
        )

    def phone_model(self, slug: str) -> dict[str, Any] | None:
        """A catalog phone model in the engine's device format, or None."""
        if not isinstance(slug, str) or len(slug) > 100:
            return None
        pm = PhoneModel.objects.filter(slug=slug).first()
        return pm.to_engine_dict() if pm is not None else None

    def case(self, *, product: str, device: str, colour: str) -> CatalogCase | None:
        """The case of the active variant of `product` for `device` in `colour` (slugs), or
        None when there is none on sale."""
        slugs = (product, device, colour)
        if not all(isinstance(s, str) and 0 < len(s) <= 120 for s in slugs):
            return None
        variant = (
            Variant.objects.filter(
                is_active=True,
                product__is_active=True,
                product__slug=product,
                phone_model__slug=device,
                colour__slug=colour,
            )
            .select_related("product", "phone_model", "colour")
            .first()
        )
        if variant is None:
            return None
        item = variant.product
        return CatalogCase(
            product=item.slug,
            device=variant.phone_model.slug,
            colour=variant.colour.slug,
            product_name=item.name,
            material=item.material,
            finish=item.finish,
            style=item.style,
            colour_hex=variant.colour.hex,
            device_data=variant.phone_model.to_engine_dict(),
        )
