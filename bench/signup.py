"""Sign-up time for a new address against a registered one (a script, not a test).

    .venv/bin/python bench/signup.py [--rounds 8] [--allauth-form]

Signs up --rounds new addresses and as many already registered ones through
/accounts/signup/ (Django's test client, the store's own settings and password hasher,
SQLite in a temporary folder, mail kept in memory) and prints the median time of each and
their ratio. Enumeration prevention answers both alike; the time should not tell them
apart either (goal: ratio between 0.8 and 1.25). --allauth-form uses allauth's own sign-up
form instead of shop.accounts.forms.SignupForm, to show the difference it makes.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PASSWORD = "a-long-bench-pass-42"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--allauth-form", action="store_true")
    args = parser.parse_args()

    folder = tempfile.mkdtemp(prefix="caseforge-signup-")
    try:
        run(args, folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def run(args: argparse.Namespace, folder: str) -> None:
    os.environ["DEBUG"] = "True"
    os.environ["DATABASE_URL"] = f"sqlite:///{folder}/bench.sqlite3"
    os.environ.pop("REDIS_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "shop.settings"
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import override_settings, setup_test_environment

    setup_test_environment()  # mail kept in memory
    call_command("migrate", verbosity=0)
    overrides = {
        "CACHES": {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}},
        "ACCOUNT_RATE_LIMITS": False,
    }
    if args.allauth_form:
        overrides["ACCOUNT_FORMS"] = {}

    def sign_up(email: str, n: int) -> float:
        client = Client(REMOTE_ADDR=f"198.51.100.{n % 250 + 1}")
        data = {"email": email, "password1": PASSWORD, "password2": PASSWORD}
        started = time.perf_counter()
        response = client.post("/accounts/signup/", data)
        elapsed = time.perf_counter() - started
        assert response.status_code == 302, response.status_code
        return elapsed

    with override_settings(**overrides):
        sign_up("warm-up@example.com", 0)
        registered = [f"registered{n}@example.com" for n in range(args.rounds)]
        for n, email in enumerate(registered):
            sign_up(email, n)
        new_times, registered_times = [], []
        for n in range(args.rounds):  # interleaved, so drift hits both alike
            new_times.append(sign_up(f"new{n}@example.com", n))
            registered_times.append(sign_up(registered[n], n))

    new = statistics.median(new_times)
    old = statistics.median(registered_times)
    ratio = old / new
    form = "allauth's" if args.allauth_form else "shop.accounts.forms.SignupForm"
    print(f"sign-up form: {form}; hasher: {settings.PASSWORD_HASHERS[0].rsplit('.', 1)[-1]}")
    print(f"new address:        median {new * 1000:7.1f} ms over {args.rounds}")
    print(f"registered address: median {old * 1000:7.1f} ms over {args.rounds}")
    print(f"ratio registered/new: {ratio:.2f} {'PASS' if 0.8 <= ratio <= 1.25 else 'MISS'}")


if __name__ == "__main__":
    main()
