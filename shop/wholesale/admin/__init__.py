"""Staff admin for wholesale, one module per role (importing them registers them):

- `price_groups`: price groups and their tiers, product terms.
- `clients`: clients and their API keys (issued from a client's page, shown once).
- `quotes`: quotes, changed through the quote rules (`services`) from their page's buttons.
- `inquiries`: the inquiries from product pages.
"""

from . import clients, inquiries, price_groups, quotes

__all__ = ["clients", "inquiries", "price_groups", "quotes"]
