from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "shop.catalog"
    label = "catalog"
    verbose_name = "Catalog"

    def ready(self):
        from . import cache, case_templates

        cache.connect_signals()
        cache.connect_post_migrate(self)
        case_templates.connect_signals()
