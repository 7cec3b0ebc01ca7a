"""`manage.py seed_demo`: load the demo catalog and a demo staff account (idempotent)."""

from __future__ import annotations

import time
from urllib.parse import urljoin

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from shop.catalog import demo

DEFAULT_SITE = "http://127.0.0.1:8000/"


class Command(BaseCommand):
    help = (
        "Load the demo catalog: every phone model in the configurator's device table, "
        "colours, features, products of each material with variants, stock, wholesale "
        "tiers and case templates (product images are the engine's renders of them), "
        "and a demo staff account. Safe to run again: rows are "
        "matched by slug or SKU and only changed fields are written. In development mode "
        "(DEBUG=True) the staff password is the published demo one; otherwise it is random "
        "and printed once."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--quiet",
            action="store_true",
            help="Print no progress, only the staff credentials at the end.",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even with DEBUG=False (the demo catalog and a superuser with a random "
            "password): never do this on a production database.",
        )
        parser.add_argument(
            "--site",
            default=DEFAULT_SITE,
            help=f"Address the store is served at, for the printed admin link (default "
            f"{DEFAULT_SITE}).",
        )

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "seed_demo refuses to run with DEBUG=False: it fills the database with a "
                f"demo catalog and makes '{demo.DEMO_STAFF_USERNAME}' a superuser. Use it on "
                "a development database, or pass --force if this really is not production."
            )
        quiet = options["quiet"] or options["verbosity"] == 0
        started = time.monotonic()
        result = demo.seed_demo(
            known_password=settings.DEBUG,
            log=None if quiet else self.stdout.write,
        )
        elapsed = time.monotonic() - started
        if not quiet:
            self.stdout.write(self.style.SUCCESS(f"Demo catalog ready in {elapsed:.1f} s."))
        self.stdout.write("")
        self.stdout.write(f"Admin:    {urljoin(options['site'], reverse('admin:index'))}")
        self.stdout.write(f"Username: {result.username}")
        if result.password is None:
            self.stdout.write(
                "Password: unchanged (set by staff; `manage.py changepassword "
                f"{result.username}` sets a new one)"
            )
        else:
            self.stdout.write(f"Password: {result.password}")
            if not settings.DEBUG:
                self.stdout.write("          (random, shown only this once: store it now)")
