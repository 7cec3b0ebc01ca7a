"""A CSV import bumps the storefront's catalog revision once, and an import job left
"running" by a dead worker is finished by the next delivery of its task, never twice."""

from __future__ import annotations

import pytest
from django.db import connection

from shop.catalog import cache as catalog_cache
from shop.catalog.csv_import import import_job_run
from shop.catalog.models import ImportJob, Variant
from shop.catalog.resources import VariantResource
from tests.factories import CaseProductFactory, ColourFactory, PhoneModelFactory
from tests.locks import row_locked_elsewhere


def _csv(count: int) -> str:
    lines = ["sku,product,phone_model,colour,price,stock_on_hand"]
    # One colour a row: a product is made once per phone model and colour.
    lines += [f"CF-JOB-{i:03d},ridge-tpu,iphone-15,colour-{i},17.90,{i}" for i in range(count)]
    return "\n".join(lines) + "\n"


@pytest.fixture
def refs(db):
    CaseProductFactory(slug="ridge-tpu")
    PhoneModelFactory(slug="iphone-15")
    for i in range(25):
        ColourFactory(slug=f"colour-{i}", name=f"Colour {i}")


@pytest.fixture
def bumps(monkeypatch):
    seen = []
    real = catalog_cache.catalog_revision_bump

    def counting(using="default"):
        seen.append(using)
        return real(using)

    monkeypatch.setattr(catalog_cache, "catalog_revision_bump", counting)
    return seen


def test_an_import_of_many_rows_bumps_the_catalog_revision_once(refs, bumps):
    from import_export.formats import base_formats

    before = catalog_cache.catalog_revision()
    dataset = base_formats.CSV().create_dataset(_csv(25))
    result = VariantResource().import_data(dataset, dry_run=False, use_transactions=True)
    assert not result.has_errors() and Variant.objects.count() == 25
    assert bumps == ["default"]
    assert catalog_cache.catalog_revision() != before  # the storefront sees the new rows


def test_a_dry_run_import_leaves_the_revision_alone(refs, bumps):
    from import_export.formats import base_formats

    before = catalog_cache.catalog_revision()
    dataset = base_formats.CSV().create_dataset(_csv(5))
    VariantResource().import_data(dataset, dry_run=True, use_transactions=True)
    assert not Variant.objects.exists()
    assert catalog_cache.catalog_revision() == before


def test_a_single_save_still_bumps_at_once(refs, bumps):
    CaseProductFactory(slug="another")
    assert bumps  # outside an import, every change bumps as before


def _job(rows: int, status: str) -> ImportJob:
    return ImportJob.objects.create(
        kind="variants", file_name="v.csv", source=_csv(rows), rows_total=rows, status=status
    )


def test_a_job_left_running_by_a_dead_worker_is_finished_by_its_redelivery(refs):
    if not connection.features.has_select_for_update_skip_locked:
        pytest.skip("SKIP LOCKED is what tells a live run from a dead one (PostgreSQL)")
    job = _job(4, ImportJob.Status.RUNNING)  # claimed, then the worker died
    import_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert (job.status, job.summary) == ("done", "4 new, 0 updated, 0 unchanged.")
    assert Variant.objects.count() == 4


@pytest.mark.django_db(transaction=True)
def test_a_duplicate_delivery_leaves_a_live_run_alone(refs):
    """While a worker holds the job (its row lock), a second delivery imports nothing."""
    if not connection.features.has_select_for_update_skip_locked:
        pytest.skip("SKIP LOCKED is what tells a live run from a dead one (PostgreSQL)")
    job = _job(3, ImportJob.Status.RUNNING)
    with row_locked_elsewhere(ImportJob, job.pk):
        import_job_run(job_id=job.pk)
        assert not Variant.objects.exists()
        job.refresh_from_db()
        assert job.status == "running"


def test_a_finished_job_delivered_again_is_not_run_again(refs):
    job = _job(2, ImportJob.Status.QUEUED)
    import_job_run(job_id=job.pk)
    Variant.objects.all().delete()
    import_job_run(job_id=job.pk)
    assert not Variant.objects.exists()
    job.refresh_from_db()
    assert job.status == "done"
