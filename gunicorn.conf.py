"""gunicorn settings for the store (read from the working directory, or with -c).

Threaded workers: a client that sends its request slowly holds one thread, not a whole
worker, so a few slow or idle connections cannot stall everybody else. A reverse proxy that
buffers requests (nginx) in front is still the real defence against many of them.

    gunicorn shop.wsgi:application -c gunicorn.conf.py --bind 0.0.0.0:8000

WEB_CONCURRENCY (processes) and GUNICORN_THREADS (threads per process) size it; each thread
may keep one database connection open (CONN_MAX_AGE).
"""

import os

wsgi_app = "shop.wsgi:application"
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "16"))

# Load the app once in the master: a misconfiguration (no SECRET_KEY) stops gunicorn with
# one line instead of every worker failing to boot in turn.
preload_app = True

# A worker whose main loop is stuck this long is restarted (requests run in threads; the
# loop keeps beating while they do).
timeout = 30
graceful_timeout = 20
# Seconds an idle kept-alive connection is held, for the next request from the same client.
keepalive = 5
# Request head limits: the request line, the number of headers, and each header's size.
limit_request_line = 4094
limit_request_fields = 50
limit_request_field_size = 8190
# Recycle workers now and then, staggered, so that slow leaks cannot build up.
max_requests = 2000
max_requests_jitter = 200

# Whether a request came over HTTPS is Django's to decide (BEHIND_PROXY); gunicorn must not
# take X-Forwarded-Proto or similar headers from anyone.
forwarded_allow_ips = ""
secure_scheme_headers = {}

# No gunicornc control socket: nothing uses it, and every gunicorn of this user would share
# its one default path.
control_socket_disable = True
