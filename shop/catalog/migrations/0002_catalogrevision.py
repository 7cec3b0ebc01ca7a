import uuid

from django.db import migrations, models
from django.utils import timezone


def create_revision(apps, schema_editor):
    CatalogRevision = apps.get_model("catalog", "CatalogRevision")
    CatalogRevision.objects.using(schema_editor.connection.alias).get_or_create(
        pk=1, defaults={"token": uuid.uuid4().hex, "changed_at": timezone.now()}
    )


class Migration(migrations.Migration):

    dependencies = [
        ("catalog", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="CatalogRevision",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("token", models.CharField(max_length=32)),
                ("changed_at", models.DateTimeField()),
            ],
            options={
                "verbose_name": "catalog revision",
            },
        ),
        migrations.RunPython(create_revision, migrations.RunPython.noop),
    ]
