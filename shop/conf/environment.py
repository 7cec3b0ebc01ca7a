"""Where caseforge runs from and how its settings read the environment: the project's
folders, the `.env` file (never overriding the real environment) and DEBUG, which only an
explicit DEBUG=True turns on."""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# A server or worker (wsgi, asgi, gunicorn, celery) never runs in development mode unless told.
DEBUG = env.bool("DEBUG", default=False)
