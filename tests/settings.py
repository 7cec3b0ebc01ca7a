"""Settings for the test suite: caseforge's settings in development mode.

pytest-django still runs each test with DEBUG=False, as in production; development mode
here only supplies the development secret key and plain static files, whatever the shell
or a developer's .env says. Tests that start their own processes set their own DEBUG.
"""

import os

os.environ["DEBUG"] = "True"

from shop.settings import *  # noqa: E402, F403

# The suite never runs collectstatic: with no STATIC_ROOT whitenoise looks for no folder there
# (and does not warn that var/staticfiles is missing); pages still link to /static/ files.
STATIC_ROOT = None
