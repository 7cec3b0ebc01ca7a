from django.apps import AppConfig


class WholesaleConfig(AppConfig):
    name = "shop.wholesale"
    label = "wholesale"
    verbose_name = "Wholesale"
