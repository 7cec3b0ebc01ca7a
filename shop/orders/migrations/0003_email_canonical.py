"""Orders keep their email address in the one form addresses are compared in
(shop.emails.email_canonical); existing orders get theirs here."""

from django.db import migrations, models

from shop.emails import email_canonical

BATCH = 1000


def backfill(apps, schema_editor):
    Order = apps.get_model("orders", "Order")
    batch = []
    for order in Order.objects.only("pk", "email").order_by("pk").iterator(chunk_size=BATCH):
        order.email_canonical = email_canonical(order.email)
        batch.append(order)
        if len(batch) >= BATCH:
            Order.objects.bulk_update(batch, ["email_canonical"])
            batch = []
    if batch:
        Order.objects.bulk_update(batch, ["email_canonical"])


class Migration(migrations.Migration):
    # Not one transaction: on PostgreSQL the new column is added at once (no rewrite), and
    # each batch of the backfill commits on its own, so checkouts are not held behind an
    # exclusive lock on the orders table for the whole backfill.
    atomic = False

    dependencies = [
        ("orders", "0002_payment_terms"),
    ]

    operations = [
        migrations.AddField(
            model_name="order",
            name="email_canonical",
            field=models.TextField(default="", editable=False),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name="order",
            index=models.Index(fields=["email_canonical"], name="order_email_canonical"),
        ),
    ]
