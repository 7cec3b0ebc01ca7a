"""`manage.py seed_demo`: load the demo catalog and a demo staff account (idempotent)."""

from __future__ import annotations

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from shop.catalog import demo


class Command(BaseCommand):
    help = (
        "Load the demo catalog: every phone model in the configurator's device table, "
        "colours, features, products of each material with variants, stock, wholesale "
        "tiers and generated photos, and a demo staff account. Safe to run again: rows are "
        "matched by slug or SKU and only changed fields are written."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-photos",
            action="store_true",
            help="Do not generate product photos (faster; for tests).",
        )
        parser.add_argument(
            "--quiet",
            action="store_true",
            help="Print no progress, only the staff credentials at the end.",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even with DEBUG=False. The demo staff account is a superuser with a "
            "published password: never do this on a production database.",
        )

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "seed_demo refuses to run with DEBUG=False: it creates a superuser "
                f"'{demo.DEMO_STAFF_USERNAME}' with a published password. Use it on a "
                "development database, or pass --force if this really is not production."
            )
        quiet = options["quiet"] or options["verbosity"] == 0
        started = time.monotonic()
        result = demo.seed_demo(
            photos=not options["no_photos"],
            log=None if quiet else self.stdout.write,
        )
        elapsed = time.monotonic() - started
        if not quiet:
            self.stdout.write(self.style.SUCCESS(f"Demo catalog ready in {elapsed:.1f} s."))
        self.stdout.write("")
        self.stdout.write(f"Admin:    {result.admin_url}")
        self.stdout.write(f"Username: {result.username}")
        self.stdout.write(f"Password: {result.password}")
