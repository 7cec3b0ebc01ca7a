"""Template helpers for the storefront."""

from __future__ import annotations

import logging

from django import template
from django.db import DatabaseError

from .. import cache as storefront_cache
from ..presentation import suggested_cards
from ..pricing import strategy_for

register = template.Library()
logger = logging.getLogger(__name__)


@register.simple_tag(takes_context=True)
def suggested_products(context, limit: int = 4) -> list:
    """A few product cards for pages with nothing else to show (the 404 page).

    Cached under the catalog revision (one tiny query when cached); if the database is
    unavailable the page still renders, without them.
    """
    strategy = strategy_for(context.get("request"))
    try:
        return suggested_cards(strategy, storefront_cache.catalog_revision(), limit)
    except DatabaseError:
        logger.warning("No product suggestions on the error page: database error", exc_info=True)
        return []
