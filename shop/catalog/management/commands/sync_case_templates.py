"""`manage.py sync_case_templates`: bring the configurator's case templates in step with
the catalog (for existing data, and after bulk changes that send no signals)."""

from django.core.management.base import BaseCommand

from shop.catalog.case_templates import case_templates_sync


class Command(BaseCommand):
    help = (
        "Create or update the case template of every (case product, phone model) pair that "
        "has a variant, and remove the templates of pairs that no longer have one."
    )

    def handle(self, *args, **options):
        synced = case_templates_sync()
        self.stdout.write(f"{synced} case templates in step with the catalog.")
