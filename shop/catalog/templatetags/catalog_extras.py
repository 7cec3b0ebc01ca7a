"""Template helpers for the storefront."""

from __future__ import annotations

import logging

from django import template
from django.db import DatabaseError

register = template.Library()
logger = logging.getLogger(__name__)


@register.simple_tag(takes_context=True)
def suggested_products(context, limit: int = 4) -> list:
    """A few product cards for pages with nothing else to show (the 404 page).

    Two small queries; if the database is unavailable the page still renders, without them.
    """
    from ..pricing import strategy_for
    from ..selectors import some_products
    from ..views import product_card

    strategy = strategy_for(context.get("request"))
    try:
        return [product_card(p, strategy) for p in some_products(strategy, limit)]
    except DatabaseError:
        logger.warning("No product suggestions on the error page: database error", exc_info=True)
        return []
