"""Settings for the benchmark: the store's own, plus a bare view to compare against."""

from shop.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
