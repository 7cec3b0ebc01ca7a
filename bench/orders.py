"""Orders under load, on PostgreSQL and Redis (a script, not a test).

    .venv/bin/python bench/orders.py [--events 600] [--orders 300] [--designed 4]
        [--database-url postgres://postgres@127.0.0.1:5432/test]
        [--redis-url redis://127.0.0.1:6379/14]

Makes a throw-away database next to the one --database-url names (default $DATABASE_URL;
PostgreSQL only: the point is row locks under concurrency), migrates it, and drops it at
the end. Redis at --redis-url (a database number of its own: it is flushed) is the broker.
Three figures:

- webhooks: --events signed `checkout.session.completed` events for as many unpaid
  orders, POSTed to /payments/stripe/webhook/ of the store served by gunicorn (as in
  production: DEBUG off, 2 processes) from 4 keep-alive connections. Counted once every
  event is stored and applied (each order paid): events per second. Goal: at least 200.
- orders: 8 buyer threads in this process, each placing orders of 1 to 3 lines from its
  own cart (`order_place`: prices, snapshots, stock held under row locks in primary-key
  order) for --orders orders in all, on 12 shared variants: orders per second.
- pipeline: --designed paid orders of one designed case each (each its own 12-megapixel
  photo), through real Celery workers
  (`celery -A shop worker -Q render -c 1`, the one render worker, and one `-Q default`
  worker for the state moves and mail), from the payment until every production file of
  every order is stored, against the engine's own time for the same files (the same
  renderers called in this process, one design after the other): orders per minute and
  the ratio. Goal: at most 1.3x.

It prints figures, ratios and PASS/MISS; it asserts nothing. Load and workers share this
machine's cores, so compare figures within one run.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import http.client
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.harness import gunicorn, manage, store_env  # noqa: E402

GOAL_EVENTS = 200.0
GOAL_PIPELINE = 1.3
WEBHOOK_SECRET = "whsec_" + secrets.token_hex(16)
BUYERS = 8
CONNECTIONS = 4


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def admin_sql(url: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(with_database(url, "postgres"), autocommit=True) as connection:
        connection.execute(sql)


def stripe_signature(body: bytes, secret: str, timestamp: int | None = None) -> str:
    """The `Stripe-Signature` header Stripe sends: HMAC-SHA256 of "<t>.<body>"."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    signed = f"{timestamp}.".encode() + body
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def completed_event(order, session_id: str) -> bytes:
    cents = int((order.total * 100).to_integral_value())
    event = {
        "id": "evt_" + secrets.token_hex(12),
        "object": "event",
        "api_version": "2024-06-20",
        "created": int(time.time()),
        "livemode": False,
        "pending_webhooks": 1,
        "type": "checkout.session.completed",
        "data": {
            "object": {
                "id": session_id,
                "object": "checkout.session",
                "amount_total": cents,
                "currency": order.currency.lower(),
                "client_reference_id": order.number,
                "metadata": {"order_number": order.number},
                "mode": "payment",
                "payment_intent": "pi_" + secrets.token_hex(12),
                "payment_status": "paid",
                "status": "complete",
            }
        },
    }
    return json.dumps(event).encode()


# --- set-up --------------------------------------------------------------------------------


def django_setup(env: dict[str, str]) -> None:
    os.environ.update(env)
    import django

    django.setup()


def catalog(n: int, stock: int):
    from shop.catalog.models import Variant
    from tests.factories import VariantFactory

    Variant.objects.all().delete()
    return [VariantFactory(stock_on_hand=stock, price=Decimal("19.90")) for _ in range(n)]


def place(variants, quantities=None, designs=None):
    from shop.cart.models import Cart, CartLine
    from shop.orders.services import order_place

    cart = Cart.objects.create()
    for i, variant in enumerate(variants):
        quantity = quantities[i] if quantities else 1
        design = designs[i] if designs else None
        CartLine.objects.create(cart=cart, variant=variant, design=design, quantity=quantity)
    return order_place(
        cart=cart,
        email="buyer@example.com",
        address={
            "name": "Bench Buyer",
            "line1": "1 Main St",
            "city": "Springfield",
            "postal_code": "12345",
            "country": "US",
        },
        method="standard",
    )


def start_worker(env: dict[str, str], queue: str, concurrency: int = 1) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "shop",
            "worker",
            "-Q",
            queue,
            "-c",
            str(concurrency),
            "--loglevel",
            "WARNING",
            "-n",
            f"bench-{queue}@%h",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        cwd=ROOT,
        env=env,
    )


def stop_workers(workers: list[subprocess.Popen]) -> None:
    for worker in workers:
        worker.terminate()
    for worker in workers:
        worker.wait(60)


# --- webhooks ------------------------------------------------------------------------------


def bench_webhooks(port: int, count: int) -> float:
    from django.db import connection

    from shop.orders.models import Order, Status
    from shop.payments.models import CheckoutSession, WebhookEvent

    variants = catalog(10, stock=count * 2)
    bodies = []
    for i in range(count):
        order = place([variants[i % len(variants)]])
        session_id = "cs_test_" + secrets.token_hex(12)
        CheckoutSession.objects.create(
            order=order,
            provider="stripe",
            session_id=session_id,
            url=f"https://checkout.stripe.test/{session_id}",
            amount=order.total,
            currency=order.currency,
            expires_at=order.reserved_until,
        )
        bodies.append(completed_event(order, session_id))
    connection.close()
    failures: list[str] = []
    queue = list(bodies)
    lock = threading.Lock()

    def deliver():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while True:
            with lock:
                if not queue:
                    break
                body = queue.pop()
            headers = {
                "Content-Type": "application/json",
                "Stripe-Signature": stripe_signature(body, WEBHOOK_SECRET),
            }
            conn.request("POST", "/payments/stripe/webhook/", body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            if response.status >= 300:
                failures.append(str(response.status))
        conn.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=deliver) for _ in range(CONNECTIONS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stored_s = time.perf_counter() - started
    # Stored is not enough: wait until every event has been applied.
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        done = WebhookEvent.objects.filter(processed_at__isnull=False).count()
        if done >= count:
            break
        time.sleep(0.05)
    elapsed = time.perf_counter() - started
    paid = Order.objects.filter(status__in=[Status.PAID, Status.IN_PRODUCTION]).count()
    connection.close()
    if failures or paid != count:
        print(f"  webhooks: {len(failures)} refused ({failures[:3]}), {paid}/{count} orders paid")
    print(f"  webhooks: all {count} answered after {stored_s:.2f} s, applied after {elapsed:.2f} s")
    return count / elapsed


# --- orders --------------------------------------------------------------------------------


def bench_orders(count: int) -> tuple[float, int]:
    import random

    from django.db import connection

    from shop.orders.services import OrderError

    variants = catalog(12, stock=count * 4)
    connection.close()
    remaining = [count]
    lock = threading.Lock()
    refused = [0]

    def buyer(seed: int):
        rng = random.Random(seed)
        try:
            while True:
                with lock:
                    if remaining[0] <= 0:
                        return
                    remaining[0] -= 1
                picked = rng.sample(variants, rng.randint(1, 3))
                try:
                    place(picked, [rng.randint(1, 2) for _ in picked])
                except OrderError:
                    refused[0] += 1
        finally:
            connection.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=buyer, args=(i,)) for i in range(BUYERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return count / (time.perf_counter() - started), refused[0]


# --- pipeline ------------------------------------------------------------------------------


def designs(count: int):
    from bench.engine import photo_jpeg
    from configurator.owners import Owner
    from configurator.services import artwork_create, design_create

    owner = Owner(visitor="bench-" + secrets.token_hex(4))
    made = []
    for i in range(count):
        # Every shopper brings their own photo: nothing decoded is shared between orders.
        artwork = artwork_create(owner=owner, data=photo_jpeg(seed=100 + i))
        spec = {
            "version": 1,
            "layers": [
                {
                    "type": "image",
                    "artwork": artwork.public_id,
                    "x_mm": 30.0 + i,
                    "y_mm": 70.0,
                    "scale": 0.5,
                }
            ],
        }
        made.append(design_create(owner=owner, device_slug="iphone-15", document=spec))
    return made


def bench_pipeline(count: int, env: dict[str, str]) -> tuple[float, float, float]:
    from django.db import connection

    from configurator import production, services
    from configurator.models import Rendition
    from shop.catalog.models import PhoneModel
    from shop.orders.pipeline import LINE_FILES
    from shop.orders.services import payment_received
    from tests.factories import PhoneModelFactory, VariantFactory

    phone = PhoneModel.objects.filter(slug="iphone-15").first() or PhoneModelFactory(
        brand="Apple", name="iPhone 15", slug="iphone-15"
    )
    variant = VariantFactory(phone_model=phone, stock_on_hand=count * 2)
    made = designs(count)
    orders = [place([variant], designs=[design]) for design in made]
    workers = [start_worker(env, "render"), start_worker(env, "default")]
    try:
        time.sleep(3)  # let both workers connect before the clock starts
        started = time.perf_counter()
        for order in orders:
            payment_received(
                order_id=order.pk,
                provider="dev",
                reference="bench-" + order.number,
                amount=order.total,
                currency=order.currency,
            )
        # Done when every order's design has all its production files.
        wanted = set(LINE_FILES)
        deadline = time.monotonic() + 1800
        while time.monotonic() < deadline:
            made_kinds = Rendition.objects.filter(design__in=made, kind__in=wanted)
            if made_kinds.count() >= len(wanted) * count:
                break
            time.sleep(0.1)
        else:
            raise SystemExit("the pipeline did not finish within 30 minutes")
        pipeline_s = time.perf_counter() - started
        rendered_kinds = sorted(wanted)
    finally:
        stop_workers(workers)
    # The engine's own time for the same files: the same renderers, in this process.
    engine_s = 0.0
    for design in made:
        fresh = type(design).objects.get(pk=design.pk)
        for kind in rendered_kinds:
            t0 = time.perf_counter()
            services.RENDERERS[kind](fresh)
            engine_s += time.perf_counter() - t0
        production.print_cache_clear()
        services.prepared_cache_clear()
    connection.close()
    print(f"  pipeline rendered: {', '.join(rendered_kinds)} per design")
    return count / pipeline_s * 60, pipeline_s, engine_s


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=600)
    parser.add_argument("--orders", type=int, default=300)
    parser.add_argument("--designed", type=int, default=4)
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/14")
    args = parser.parse_args()
    if not args.database_url.startswith("postgres"):
        raise SystemExit("give --database-url postgres://... (or set DATABASE_URL)")

    name = "caseforge_bench_" + secrets.token_hex(4)
    admin_sql(args.database_url, f'CREATE DATABASE "{name}"')
    tmp = Path(tempfile.mkdtemp(prefix="caseforge-bench-"))
    env = store_env(
        tmp,
        with_database(args.database_url, name),
        REDIS_URL=args.redis_url,
        STRIPE_SECRET_KEY="sk_test_bench",
        STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET,
        # Never called here; a closed port, so a stray call fails at once.
        STRIPE_API_BASE="http://127.0.0.1:9",
        EMAIL_URL="dummymail://",
    )
    (tmp / "static").mkdir()
    try:
        import redis

        redis.Redis.from_url(args.redis_url).flushdb()
        manage(env, "migrate", "-v0")
        django_setup(env)
        served = {**env, "WEB_CONCURRENCY": "2", "GUNICORN_THREADS": "4"}
        with gunicorn(served, stop_timeout=30) as server:
            print(f"PostgreSQL database {name}, Redis {args.redis_url}", flush=True)

            # The view applies each event before answering (shop/payments/views.py); the
            # paid-order work it queues waits in Redis (flushed below): figure 3 measures it.
            events = bench_webhooks(server.port, args.events)
        redis.Redis.from_url(args.redis_url).flushdb()  # the pipelines those payments queued
        print(
            f"webhooks: {events:,.0f} events/s signed, stored and applied "
            f"({args.events} events, {CONNECTIONS} connections) "
            f"goal >= {GOAL_EVENTS:.0f}: {verdict(events >= GOAL_EVENTS)}",
            flush=True,
        )

        placed, refused = bench_orders(args.orders)
        print(
            f"orders: {placed:,.1f} orders/s placed with stock held, {BUYERS} concurrent "
            f"buyers ({args.orders} orders, {refused} refused)",
            flush=True,
        )
        redis.Redis.from_url(args.redis_url).flushdb()

        per_minute, pipeline_s, engine_s = bench_pipeline(args.designed, env)
        ratio = pipeline_s / engine_s
        print(
            f"pipeline: {per_minute:,.1f} paid designed orders/min with one render worker "
            f"({args.designed} orders in {pipeline_s:.1f} s; the engine alone "
            f"{engine_s:.1f} s): {ratio:.2f}x, goal <= {GOAL_PIPELINE}: "
            f"{verdict(ratio <= GOAL_PIPELINE)}",
            flush=True,
        )
    finally:
        try:
            from django.db import connections

            connections.close_all()
        except Exception:
            pass
        admin_sql(args.database_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
