"""Settings come from the environment and fail closed: production unless told otherwise."""

import logging
import os
import pathlib
import runpy
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# What the shell of an operator who set nothing would pass on (the suite itself runs with
# tests.settings in development mode).
UNSET = {"SECRET_KEY", "DEBUG", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}


def clean_env(**env: str) -> dict[str, str]:
    return {**{k: v for k, v in os.environ.items() if k not in UNSET}, **env}


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=clean_env(**env),
        capture_output=True,
        text=True,
        timeout=120,
    )


def python(code: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=clean_env(**{"DJANGO_SETTINGS_MODULE": "shop.settings", **env}),
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.slow
def test_production_settings_pass_the_deploy_check():
    """With DEBUG off, a secret key and hosts set, `check --deploy` has no warning."""
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="False",
        SECRET_KEY=secrets.token_urlsafe(60),
        ALLOWED_HOSTS="shop.example.com",
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.slow
def test_unset_debug_is_production_and_passes_the_deploy_check():
    """DEBUG unset means production: with only a key and hosts, `check --deploy` passes."""
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        SECRET_KEY=secrets.token_urlsafe(60),
        ALLOWED_HOSTS="shop.example.com",
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("debug", [None, "False"], ids=["DEBUG unset", "DEBUG=False"])
def test_production_without_secret_key_refuses_to_start(debug):
    """Without SECRET_KEY (and DEBUG unset or off) the process exits with one clear line."""
    result = manage("check", **({"DEBUG": debug} if debug else {}))
    assert result.returncode != 0
    assert "caseforge cannot start: SECRET_KEY is not set" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.slow
@pytest.mark.parametrize(
    "entry_point",
    [
        "import shop.wsgi",
        "import shop.asgi",
        "from shop.celery import app; app.loader.import_default_modules()",
    ],
    ids=["wsgi", "asgi", "celery"],
)
def test_servers_and_workers_never_start_in_development_mode_unless_told(entry_point):
    """wsgi, asgi and the Celery app run in production mode unless DEBUG=True is set."""
    check = f"{entry_point}; from django.conf import settings; print('DEBUG', settings.DEBUG)"
    unset = python(check, SECRET_KEY=secrets.token_urlsafe(50))
    assert unset.returncode == 0, unset.stderr
    assert "DEBUG False" in unset.stdout
    told = python(check, DEBUG="True")
    assert told.returncode == 0, told.stderr
    assert "DEBUG True" in told.stdout


@pytest.mark.parametrize("entry_point", ["import shop.wsgi", "import shop.asgi"])
def test_servers_without_secret_key_stop_with_one_line(entry_point):
    """Loading the wsgi or asgi application without SECRET_KEY prints one line, no traceback."""
    result = python(entry_point)
    assert result.returncode != 0
    assert result.stderr.strip().startswith("caseforge cannot start: SECRET_KEY is not set")
    assert "Traceback" not in result.stderr


def test_settings_create_no_folders_when_imported(monkeypatch):
    """Importing the settings (in development mode, with default paths) makes no folder."""
    made = []

    def refuse(*args, **kwargs):
        made.append(args)

    monkeypatch.setattr(pathlib.Path, "mkdir", refuse)
    monkeypatch.setattr(os, "makedirs", refuse)
    monkeypatch.setattr(os, "mkdir", refuse)
    for name in ("DATABASE_URL", "STATIC_ROOT", "MEDIA_ROOT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DEBUG", "True")
    runpy.run_path(str(ROOT / "shop" / "settings.py"))
    assert made == []


def test_root_urlconf_is_not_read_from_the_environment():
    """ROOT_URLCONF in the environment changes nothing; the benchmark has its own settings."""
    code = "from django.conf import settings; print(settings.ROOT_URLCONF)"
    shop = python(code, DEBUG="True", ROOT_URLCONF="bench.urls")
    assert shop.stdout.split() == ["shop.urls"], shop.stderr
    bench = python(code, DEBUG="True", DJANGO_SETTINGS_MODULE="bench.settings")
    assert bench.stdout.split() == ["bench.urls"], bench.stderr


def test_forwarded_proto_is_trusted_only_behind_a_proxy():
    """X-Forwarded-Proto counts only with BEHIND_PROXY=True (a proxy in front sets it)."""
    code = "from django.conf import settings; print(settings.SECURE_PROXY_SSL_HEADER)"
    key = secrets.token_urlsafe(50)
    assert python(code, SECRET_KEY=key).stdout.split() == ["None"]
    behind = python(code, SECRET_KEY=key, BEHIND_PROXY="True")
    assert "HTTP_X_FORWARDED_PROTO" in behind.stdout, behind.stderr


@pytest.mark.django_db
def test_a_forged_forwarded_proto_does_not_skip_the_https_redirect(client, settings):
    """Without a proxy, a client claiming `X-Forwarded-Proto: https` is still sent to HTTPS."""
    settings.SECURE_SSL_REDIRECT = True
    response = client.get("/", headers={"X-Forwarded-Proto": "https"})
    assert response.status_code == 301
    assert response["Location"].startswith("https://")


@pytest.mark.django_db
def test_an_unknown_host_is_logged_in_one_line(client, caplog):
    """A request with an unknown Host gets a 400 and one log line, without a traceback."""
    with caplog.at_level(logging.INFO):
        response = client.get("/", headers={"Host": "evil.example"})
    assert response.status_code == 400
    (record,) = [r for r in caplog.records if r.name.startswith("django.security")]
    assert record.name == "django.security.DisallowedHost"
    assert record.exc_info is None and record.exc_text is None
    from django.conf import settings

    line = logging.Formatter(settings.LOGGING["formatters"]["plain"]["format"]).format(record)
    assert line.count("\n") == 0
    assert "Invalid HTTP_HOST header: 'evil.example'" in line
    assert "Traceback" not in caplog.text


@pytest.mark.slow
def test_without_redis_tasks_run_eagerly_and_say_so():
    """Without REDIS_URL, Celery runs tasks in-process and the log says so at start-up."""
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0
    assert result.stderr.count("Celery tasks run eagerly") == 1


def test_engine_stays_free_of_django():
    """The import-linter contract holds: configurator.engine imports no Django or shop code."""
    lint_imports = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(lint_imports)], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "KEPT" in result.stdout


@pytest.mark.slow
def test_migrate_makes_the_sqlite_folder_it_needs(tmp_path):
    """`manage.py migrate` on a SQLite file in a folder that does not exist yet (var/ in a
    fresh clone) makes the folder at start-up and migrates, instead of failing."""
    database = tmp_path / "not-yet" / "shop.sqlite3"
    result = manage(
        "migrate", "--noinput", SECRET_KEY=secrets.token_urlsafe(50),
        DATABASE_URL=f"sqlite:///{database}",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert database.is_file()


# What a production process answers to a request for `host` over HTTPS, and its HSTS header.
ANSWER = """
import django
django.setup()
from django.test import Client
answer = Client(raise_request_exception=False).get("/", secure=True, headers={"host": HOST})
print(answer.status_code, answer.headers.get("Strict-Transport-Security", "-"))
"""


@pytest.mark.slow
@pytest.mark.parametrize("host", ["testserver", "evil.example"])
def test_production_answers_no_host_it_was_not_given(host, tmp_path):
    """With ALLOWED_HOSTS unset, production answers 400 to "testserver" (the test client's
    name) as to any other host: only loopback names are allowed by default."""
    key = secrets.token_urlsafe(50)
    hosts = python(
        "from django.conf import settings; print(settings.ALLOWED_HOSTS)", SECRET_KEY=key
    )
    assert hosts.returncode == 0, hosts.stderr
    assert "testserver" not in hosts.stdout
    result = python(
        f"HOST = {host!r}\n" + ANSWER,
        SECRET_KEY=key,
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[0] == "400", result.stdout + result.stderr


@pytest.mark.slow
@pytest.mark.parametrize(
    ("env", "preload"),
    [({}, False), ({"SECURE_HSTS_PRELOAD": "True"}, True)],
    ids=["default", "opted in"],
)
def test_hsts_preload_is_opt_in(env, preload, tmp_path):
    """Production sends HSTS for a year, with `preload` only when SECURE_HSTS_PRELOAD=True
    (a preloaded domain is hard to take back); `check --deploy` passes either way."""
    key = secrets.token_urlsafe(50)
    result = python(
        "HOST = 'shop.example.com'\n" + ANSWER,
        SECRET_KEY=key,
        ALLOWED_HOSTS="shop.example.com",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        **env,
    )
    assert result.returncode == 0, result.stderr
    header = result.stdout.split(maxsplit=1)[1]
    assert "max-age=31536000" in header, result.stdout
    assert ("preload" in header) is preload, header
    check = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        SECRET_KEY=key,
        ALLOWED_HOSTS="shop.example.com",
        **env,
    )
    assert check.returncode == 0, check.stdout + check.stderr
