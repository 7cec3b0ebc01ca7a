#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys
from pathlib import Path

# Commands that only make sense on a developer's machine: they run in development mode
# (DEBUG=True) unless DEBUG is set, in the environment or in .env. Every other command, and
# every server or worker started without manage.py, runs in production mode by default.
DEVELOPMENT_COMMANDS = {"demo", "runserver"}


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")
    import environ
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    if len(sys.argv) > 1 and sys.argv[1] in DEVELOPMENT_COMMANDS:
        environ.Env.read_env(Path(__file__).resolve().parent / ".env", overwrite=False)
        os.environ.setdefault("DEBUG", "True")
    try:
        execute_from_command_line(sys.argv)
    except ImproperlyConfigured as exc:
        # A misconfiguration is the operator's to fix: say what, without a traceback.
        sys.exit(f"caseforge cannot start: {exc}")


if __name__ == "__main__":
    main()
