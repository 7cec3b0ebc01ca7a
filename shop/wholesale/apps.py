from django.apps import AppConfig


class WholesaleConfig(AppConfig):
    name = "shop.wholesale"
    label = "wholesale"
    verbose_name = "Wholesale"

    def ready(self) -> None:
        from shop.orders.services import order_status_changed

        from . import callback_admin  # noqa: F401 - registers the callback deliveries' admin
        from .callbacks import on_order_status_changed

        order_status_changed.connect(
            on_order_status_changed, dispatch_uid="wholesale-order-status-callback"
        )
        # Prices the API's cached catalog pages show (api/queries.variant_page_cached).
        from django.db.models.signals import post_delete, post_save

        from shop.catalog.cache import catalog_revision_bump_receiver

        from .models import GroupPriceTier, PriceGroup, ProductTerms

        for model in (PriceGroup, GroupPriceTier, ProductTerms):
            for signal in (post_save, post_delete):
                signal.connect(
                    catalog_revision_bump_receiver,
                    sender=model,
                    dispatch_uid=f"wholesale-bump-{model.__name__}",
                )
