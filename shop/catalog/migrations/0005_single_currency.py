"""The shop has one currency, SHOP_CURRENCY: drop the per-variant `currency` column.

Every stored currency must already be the shop currency (letter case and spaces aside).
A variant priced in another currency is refused, naming its SKU: relabelling its price as
SHOP_CURRENCY would silently change what customers pay. Convert those prices (and set their
currency to SHOP_CURRENCY), or set SHOP_CURRENCY to the currency the prices are in, then
migrate again.
"""

from django.conf import settings
from django.db import migrations

SKUS_NAMED_MAX = 20


def check_single_currency(apps, schema_editor):
    Variant = apps.get_model("catalog", "Variant")
    shop_currency = settings.SHOP_CURRENCY.strip().upper()
    others = [
        (sku, currency)
        for sku, currency in Variant.objects.using(schema_editor.connection.alias)
        .order_by("sku")
        .values_list("sku", "currency")
        if (currency or "").strip().upper() != shop_currency
    ]
    if not others:
        return
    named = ", ".join(
        f"{sku} ({currency or 'no currency'})" for sku, currency in others[:SKUS_NAMED_MAX]
    )
    more = f" and {len(others) - SKUS_NAMED_MAX} more" if len(others) > SKUS_NAMED_MAX else ""
    raise RuntimeError(
        f"The shop now has one currency, SHOP_CURRENCY={shop_currency}, but {len(others)} "
        f"variant(s) are priced in another currency: {named}{more}. Nothing was changed. "
        f"Convert their prices to {shop_currency} and set their currency to {shop_currency}, "
        "or set SHOP_CURRENCY to the currency of the prices, then migrate again."
    )


class Migration(migrations.Migration):

    dependencies = [
        ("catalog", "0004_importjob"),
    ]

    operations = [
        migrations.RunPython(check_single_currency, migrations.RunPython.noop),
        migrations.RemoveField(model_name="variant", name="currency"),
    ]
