from django.apps import AppConfig


class ConfiguratorConfig(AppConfig):
    name = "configurator"
    verbose_name = "Configurator"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import signals  # noqa: F401  (connects the login receiver)
        from .production import register

        register()  # the production files' renderers
