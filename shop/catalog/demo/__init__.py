"""Demo catalog (used by `manage.py seed_demo` and `manage.py demo`).

Everything here is deterministic: running the loader twice leaves the database and the media
folder as they were. Phone models come from the configurator engine's device table (the one
source of truth for device geometry); product images are the engine's renders of each
product's case template (`configurator.cases`), like everyone else's.

This package only gathers the demo's parts, one role a module, and names what callers use:
`catalog_data` (the demo catalog as plain data), `upserts` (idempotent row writes and their
tally), `product_images` (case templates and old drawn photos) and `seeding` (the loaders and
`seed_demo`, which runs them in order).
"""

from .catalog_data import (
    DEMO_STAFF_EMAIL,
    DEMO_STAFF_PASSWORD,
    DEMO_STAFF_USERNAME,
    phone_model_values,
)
from .seeding import SeedResult, seed_demo
from .upserts import CREATED, UNCHANGED, UPDATED, Tally, upsert

__all__ = [
    "CREATED",
    "DEMO_STAFF_EMAIL",
    "DEMO_STAFF_PASSWORD",
    "DEMO_STAFF_USERNAME",
    "UNCHANGED",
    "UPDATED",
    "SeedResult",
    "Tally",
    "phone_model_values",
    "seed_demo",
    "upsert",
]
