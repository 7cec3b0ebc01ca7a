"""Run the store with the demo catalog: migrate, seed, serve."""

import os
import re

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.core.management.commands.runserver import naiveip_re

from shop.wholesale.demo import CLIENT, seed_wholesale_demo

DEFAULT_ADDRPORT = "127.0.0.1:8000"


def site_address(addrport: str) -> str:
    """The http:// address runserver will serve `addrport` ("8601", "0.0.0.0:8601") at."""
    match = re.match(naiveip_re, addrport)
    if match is None:
        raise CommandError(f'"{addrport}" is not a valid port number or address:port pair.')
    return f"http://{match['addr'] or '127.0.0.1'}:{match['port']}/"


class Command(BaseCommand):
    help = (
        "Apply migrations, load the demo catalog and serve the store with the development "
        "server, in development mode unless DEBUG is set."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "addrport",
            nargs="?",
            default=DEFAULT_ADDRPORT,
            help=f"Where to serve, as for runserver: a port number (e.g. 8601) or "
            f"address:port (e.g. 0.0.0.0:8601). Default {DEFAULT_ADDRPORT}.",
        )

    def handle(self, *args, addrport: str, **options):
        site = site_address(addrport)
        if "SHOP_BASE_URL" not in os.environ:
            # Links in mail and API answers (pay_url, share_url, pdf_url) name the address
            # served here, not the default :8000 (tasks run in this process: no REDIS_URL).
            settings.SHOP_BASE_URL = site.rstrip("/")
        self.stdout.write("[1/4] Applying database migrations ...")
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write("[2/4] Loading the demo catalog ...")
        call_command("seed_demo", site=site, stdout=self.stdout, stderr=self.stderr)
        self.stdout.write("[3/4] Loading the wholesale demo ...")
        tally = seed_wholesale_demo()
        self.stdout.write(
            f"        price group, client, terms and tiers: {tally}. An API key for the "
            f'demo client: DEBUG=True .venv/bin/python manage.py wholesale_key "{CLIENT}"'
        )
        self.stdout.write(f"[4/4] Serving the store on {site} (Ctrl+C stops it)")
        call_command("runserver", addrport, use_reloader=False)
