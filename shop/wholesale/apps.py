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
