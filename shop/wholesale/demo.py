"""The wholesale part of the demo data (after the catalog's, `shop.catalog.demo`): a demo
price group with its own tiers for a few variants, wholesale terms for two products, and a
demo client. Idempotent like the catalog's seed: rows are matched by name or product and
only changed fields are written. No API key is made: staff issue one (admin or
`DEBUG=True manage.py wholesale_key "Demo Phone Shop"`), and it is shown once then.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from shop.catalog.demo import CREATED, UNCHANGED, Tally, upsert
from shop.catalog.models import CaseProduct, Variant

from .models import Client, GroupPriceTier, PriceGroup, ProductTerms

GROUP = "Demo resellers"
CLIENT = "Demo Phone Shop"
# Product slug -> (minimum order quantity, increment).
TERMS = {"armor-hybrid-case": (50, 10), "crystal-clear-tpu-case": (25, 5)}
# The group's own tiers for the first variants of this product: (from quantity, share of
# the list price), each below the one before.
TIERED_PRODUCT = "flex-slim-tpu-case"
TIERS = ((10, Decimal("0.80")), (100, Decimal("0.70")), (500, Decimal("0.60")))
TIERED_VARIANTS = 3


def seed_wholesale_demo() -> Tally:
    """Load the wholesale demo rows; the catalog demo must be loaded (missing products are
    skipped). Returns what was done."""
    tally = Tally()
    with transaction.atomic():
        group, outcome = upsert(
            PriceGroup,
            {"name": GROUP},
            {
                "discount_percent": Decimal("12.00"),
                "description": "The demo's resellers: 12 % off the catalog's tiers.",
            },
        )
        tally.add(outcome)
        client = Client.objects.filter(company=CLIENT).first()
        values = {
            "contact_name": "Dana Demo",
            "email": "buyer@demo-phone-shop.example",
            "country": "US",
            "price_group": group,
            "payment_terms": Client.Terms.PREPAID,
            "status": Client.Status.ACTIVE,
        }
        _, outcome = upsert(Client, {"company": CLIENT}, values, existing=client)
        tally.add(outcome)
        products = {
            p.slug: p for p in CaseProduct.objects.filter(slug__in=[*TERMS, TIERED_PRODUCT])
        }
        for slug, (moq, step) in TERMS.items():
            if slug in products:
                _, outcome = upsert(
                    ProductTerms,
                    {"product": products[slug]},
                    {"min_quantity": moq, "increment": step},
                )
                tally.add(outcome)
        tiered = products.get(TIERED_PRODUCT)
        if tiered is not None:
            variants = Variant.objects.filter(product=tiered).order_by("sku")[:TIERED_VARIANTS]
            for variant in variants:
                for qty, share in TIERS:
                    price = (variant.price * share).quantize(Decimal("0.01"))
                    _, outcome = upsert(
                        GroupPriceTier,
                        {"group": group, "variant": variant, "min_quantity": qty},
                        {"unit_price": price},
                    )
                    tally.add(outcome)
    return tally


__all__ = ["CLIENT", "CREATED", "GROUP", "UNCHANGED", "seed_wholesale_demo"]
