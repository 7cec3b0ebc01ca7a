from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "shop.payments"
    label = "payments"
    verbose_name = "Payments"
