"""Wholesale figures (a script, not a test).

    .venv/bin/python bench/wholesale.py [--seconds 3] [--lines 50] [--connections 4]
        [--only pricing|api]

- pricing: quotes of --lines lines (each with four quantity breaks, a group discount,
  minimum quantities and increments, a third of them designed) priced by the pure pricing
  module (`shop.wholesale.pricing.price_quote`: tiers, break protection, shipping, lead
  time), one after the other in this process for --seconds: quotes per second. No Django
  and no database: the module is pure.

- api: GET /api/v1/variants/ (a page of the demo catalog's variants with the client's
  tier prices, minimums and stock) with a client's key (`Authorization: Api-Key ...`),
  against a bare DRF view (no key, no query, no throttle) in the same run, both served by
  gunicorn (2 workers, DEBUG off) on a throw-away SQLite database with the demo catalog;
  requests per second and the ratio. Goal: at least 0.3 of the bare view.

It prints figures; it asserts nothing. Each section is a function taking the parsed
arguments and returning its lines of output; `main` runs them in turn (more sections, e.g.
the API's, are added to SECTIONS).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.harness import SYNC_WORKERS, gunicorn, manage, scratch_folder, store_env  # noqa: E402
from shop.wholesale import pricing  # noqa: E402

D = Decimal
SHIPPING = pricing.ShippingTable(
    rates={
        "domestic": pricing.RegionRate(D("15.00"), D("1.20")),
        "europe": pricing.RegionRate(D("35.00"), D("4.50")),
        "world": pricing.RegionRate(D("55.00"), D("7.80")),
    },
    volumetric_divisor=5000,
)


def _quote_lines(count: int, rng: random.Random) -> list[pricing.LineRequest]:
    """`count` lines, each its own variant's terms, as `selectors.client_terms` makes them."""
    lines = []
    for n in range(count):
        list_price = D(rng.randrange(900, 4000)) / 100
        breaks = [
            pricing.Tier(q, (list_price * D(f)).quantize(D("0.01")))
            for q, f in ((50, "0.9"), (100, "0.8"), (250, "0.7"), (1000, "0.6"))
        ]
        terms = pricing.ItemTerms(
            tiers=pricing.tiers_for(
                list_price=list_price, base_tiers=breaks, discount_percent=D("12.5")
            ),
            min_quantity=10,
            increment=5,
            list_price=list_price,
            package_weight_g=D("45"),
            package_mm=(D(200), D(120), D(25)),
        )
        quantity = 10 + 5 * rng.randrange(0, 300)
        lines.append(pricing.LineRequest(str(n), terms, quantity, designed=n % 3 == 0))
    return lines


def section_pricing(args) -> list[str]:
    rng = random.Random(10)
    quotes = [_quote_lines(args.lines, rng) for _ in range(20)]
    priced = 0
    start = time.perf_counter()
    deadline = start + args.seconds
    while time.perf_counter() < deadline:
        for lines in quotes:
            pricing.price_quote(
                lines,
                region="europe",
                shipping=SHIPPING,
                design_surcharge=D("2.50"),
                queued_units=1200,
            )
        priced += len(quotes)
    elapsed = time.perf_counter() - start
    return [
        f"pricing: quotes of {args.lines} lines priced per second by the pricing module: "
        f"{priced / elapsed:,.0f} ({priced} quotes in {elapsed:.1f} s)"
    ]


GOAL_API = 0.3
# Runs in `manage.py shell`: a client in a discounted group, and its key on stdout.
CREATE_KEY = """
from decimal import Decimal
from shop.wholesale.models import Client, PriceGroup
from shop.wholesale.services import api_key_issue
group = PriceGroup.objects.create(name="Bench", discount_percent=Decimal("12"))
client = Client.objects.create(company="Bench", email="bench@example.com", price_group=group)
print(api_key_issue(client=client, name="bench")[1])
"""


def http_load(url: str, seconds: float, connections: int, headers: dict[str, str]) -> float:
    """Requests per second on `url` (wrk when installed, else threads); every answer must
    be a 200."""
    if shutil.which("wrk"):
        command = ["wrk", "-t1", f"-c{connections}", f"-d{max(int(seconds), 1)}s"]
        for name, value in headers.items():
            command += ["-H", f"{name}: {value}"]
        out = subprocess.run([*command, url], check=True, capture_output=True, text=True).stdout
        errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
        if errors:
            raise SystemExit(f"{url} answered {errors.group(1)} error responses under load")
        return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    done = [0]
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def worker() -> None:
        count = 0
        while time.monotonic() < deadline:
            request = urllib.request.Request(url, headers=headers)
            with urllib.request.urlopen(request, timeout=10) as response:
                response.read()
            count += 1
        with lock:
            done[0] += count

    threads = [threading.Thread(target=worker) for _ in range(connections)]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return done[0] / (time.monotonic() - began)


def section_api(args) -> list[str]:
    with scratch_folder() as tmp:
        # The load is one client: its throttle would answer 429s, not measure the API.
        env = store_env(tmp, WHOLESALE_API_RATE="100000000/min")
        for command in (["migrate", "-v0"], ["seed_demo", "--quiet", "--force"]):
            # Captured: seed_demo prints the demo staff password.
            manage(env, *command, capture_output=True)
        key = manage(env, "shell", "-c", CREATE_KEY, capture_output=True, text=True).stdout.split()[
            -1
        ]
        headers = {"Authorization": f"Api-Key {key}", "Accept": "application/json"}
        with gunicorn(env, SYNC_WORKERS, stop_timeout=10) as server:
            base = server.base
            request = urllib.request.Request(f"{base}/api/v1/variants/", headers=headers)
            with urllib.request.urlopen(request, timeout=10) as response:
                shown = len(json.loads(response.read())["results"])
            figures = {}
            for name, url, sent in (
                ("bare DRF view", f"{base}/bench/bare-drf/", {"Accept": "application/json"}),
                ("GET /api/v1/variants/", f"{base}/api/v1/variants/", headers),
            ):
                http_load(url, 1, args.connections, sent)  # warm up
                figures[name] = http_load(url, args.seconds, args.connections, sent)
    ratio = figures["GET /api/v1/variants/"] / figures["bare DRF view"]
    lines = [f"api: {name}: {rps:,.1f} requests/s" for name, rps in figures.items()]
    lines[-1] += f" ({shown} variants a page, with tier prices)"
    verdict = "PASS" if ratio >= GOAL_API else "MISS"
    lines.append(f"api: catalog/bare ratio {ratio:.2f} (goal >= {GOAL_API}) {verdict}")
    return lines


# (name, function): each returns its own lines of figures.
SECTIONS: list[tuple[str, Callable[[argparse.Namespace], list[str]]]] = [
    ("pricing", section_pricing),
    ("api", section_api),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--lines", type=int, default=50)
    parser.add_argument("--connections", type=int, default=4, help="API load connections")
    parser.add_argument(
        "--only", choices=[name for name, _ in SECTIONS], help="run one section alone"
    )
    args = parser.parse_args()
    for name, section in SECTIONS:
        if args.only and name != args.only:
            continue
        for line in section(args):
            print(line, flush=True)


if __name__ == "__main__":
    main()
