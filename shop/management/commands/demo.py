"""Run the store with the demo catalog: migrate, seed, serve."""

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Apply migrations, load the demo catalog and serve the store (development server)."

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")

    def handle(self, *args, addrport: str, **options):
        self.stdout.write("[1/3] Applying database migrations ...")
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write("[2/3] Loading the demo catalog ...")
        call_command("seed_demo", stdout=self.stdout, stderr=self.stderr)
        self.stdout.write(f"[3/3] Serving the store on http://{addrport}/ (Ctrl+C stops it)")
        call_command("runserver", addrport, use_reloader=False)
