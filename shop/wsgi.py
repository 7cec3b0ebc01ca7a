"""The WSGI entry point (gunicorn). Production mode unless DEBUG=True is set explicitly."""

import os
import sys

from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")
try:
    application = get_wsgi_application()
except ImproperlyConfigured as exc:
    # A misconfiguration is the operator's to fix: say what, without a traceback. Status 4
    # is gunicorn's "application failed to load": its master stops instead of starting
    # worker after worker that cannot boot.
    print(f"caseforge cannot start: {exc}", file=sys.stderr)
    sys.exit(4)
