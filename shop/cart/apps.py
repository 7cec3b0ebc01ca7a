from django.apps import AppConfig


class CartConfig(AppConfig):
    name = "shop.cart"
    label = "cart"
    verbose_name = "Carts"

    def ready(self):
        from . import signals  # noqa: F401  (merges a visitor's cart into the account at login)
