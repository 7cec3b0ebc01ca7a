from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "shop.reviews"
    label = "reviews"
    verbose_name = "Reviews and points"

    def ready(self) -> None:
        from django.db.models import F

        from shop.catalog import selectors

        from .signals import connect_signals

        connect_signals()

        # Catalog cards show the product's rating (ProductRating, related name "rating"),
        # read in the cards' own query: see shop.catalog.selectors.CARD_EXTRAS.
        selectors.CARD_EXTRAS.setdefault("rating_average", F("rating__average"))
        selectors.CARD_EXTRAS.setdefault("rating_count", F("rating__count"))
