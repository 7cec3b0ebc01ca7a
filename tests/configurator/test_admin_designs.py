"""Staff admin for designs: the list with thumbnails and preflight, the read-only design
page with its production files, render jobs, and downloads only staff can get."""

from __future__ import annotations

import io
import json

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.test import Client
from PIL import Image

from configurator import production, services
from configurator.models import Design, RenderJob, Rendition

from .designs import saved_design

pytestmark = pytest.mark.django_db

Kind = Rendition.Kind
ADMIN = "/admin/configurator"


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def download_url(design, kind) -> str:
    return f"{ADMIN}/design/{design.pk}/download/{kind}/"


def render_all(design) -> None:
    for kind in production.PRODUCTION_KINDS:
        services.rendition_get_or_create(design=design, kind=kind)


@pytest.fixture
def rendered():
    design = saved_design(size=(160, 120))  # small: its preflight warns
    render_all(design)
    return design


def test_design_list_shows_thumbnails_owner_and_preflight(staff_client, rendered):
    """The list has a preview thumbnail per design, its product, phone and colour, and the
    preflight summary: counts of findings, or "not checked" before rendering."""
    unrendered = saved_design("other", x_mm=20.0)
    page = staff_client.get(f"{ADMIN}/design/")
    assert page.status_code == 200
    html = page.content.decode()
    for design in (rendered, unrendered):
        assert f'src="{ADMIN}/design/{design.pk}/thumbnail/"' in html
        assert design.token in html
    assert "classic-case" in html and "iphone-12" in html and "anonymous visitor" in html
    report = json.loads(
        production.rendition_current(design=rendered, kind=Kind.PREFLIGHT).file.read()
    )
    levels = [i["level"] for i in report["issues"] if i["level"] in ("error", "warning")]
    assert levels, "the small picture should have drawn a warning"
    assert "not checked" in html
    for level in set(levels):
        count = levels.count(level)
        assert f"{count} {level}{'s' if count != 1 else ''}" in html


def test_design_list_filters_by_rendered(staff_client, rendered):
    other = saved_design("other", x_mm=20.0)
    html = staff_client.get(f"{ADMIN}/design/?rendered=no").content.decode()
    assert other.token in html and rendered.token not in html
    html = staff_client.get(f"{ADMIN}/design/?rendered=yes&device=iphone-12").content.decode()
    assert rendered.token in html and other.token not in html


def test_thumbnail_renders_the_preview_once(staff_client):
    """The thumbnail is the design's preview, rendered on the first request and reused."""
    design = saved_design()
    first = staff_client.get(f"{ADMIN}/design/{design.pk}/thumbnail/")
    assert first.status_code == 200 and first["Content-Type"] == "image/webp"
    assert first["X-Content-Type-Options"] == "nosniff"
    assert Image.open(io.BytesIO(body(first))).format == "WEBP"
    staff_client.get(f"{ADMIN}/design/{design.pk}/thumbnail/")
    assert Rendition.objects.filter(design=design, kind=Kind.PREVIEW).count() == 1


def test_design_page_links_every_production_file(staff_client, rendered):
    """The read-only design page links each rendered file and lists the preflight findings,
    with the render button; there is nothing to edit or save."""
    page = staff_client.get(f"{ADMIN}/design/{rendered.pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    for kind in production.PRODUCTION_KINDS:
        assert f'href="{download_url(rendered, kind)}"' in html
    assert "Render production files" in html
    assert "DPI" in html  # the preflight's finding about the small picture
    assert 'name="_save"' not in html


def test_design_page_says_what_is_not_rendered(staff_client):
    design = saved_design()
    html = staff_client.get(f"{ADMIN}/design/{design.pk}/change/").content.decode()
    assert "/download/" not in html
    assert html.count("not rendered") == len(production.PRODUCTION_KINDS)
    assert "Not checked yet" in html


def test_render_button_runs_a_job_and_the_page_then_links_the_files(
    staff_client, django_capture_on_commit_callbacks
):
    """Pressing "Render production files" queues a job (run eagerly here, without a
    broker); back on the page the job is done and every file is linked."""
    design = saved_design()
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(f"{ADMIN}/design/{design.pk}/render/")
    assert response.status_code == 302
    assert response["Location"] == f"{ADMIN}/design/{design.pk}/change/"
    job = RenderJob.objects.get(design=design)
    assert job.status == RenderJob.Status.DONE and job.done == job.total
    html = staff_client.get(response["Location"]).content.decode()
    assert f'href="{download_url(design, Kind.PRINT_PDF)}"' in html
    assert 'data-progress-url="' in html and 'data-finished="true"' in html
    progress = staff_client.get(f"{ADMIN}/renderjob/{job.pk}/progress/").json()
    assert progress["done"] == progress["total"] == len(production.PRODUCTION_KINDS)
    assert progress["finished"] is True and progress["status"] == "done"


def test_render_button_needs_a_post(staff_client):
    design = saved_design()
    assert staff_client.get(f"{ADMIN}/design/{design.pk}/render/").status_code == 405
    assert not RenderJob.objects.exists()


def test_render_action_on_the_list(staff_client, django_capture_on_commit_callbacks):
    designs = [saved_design("a"), saved_design("b")]
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            f"{ADMIN}/design/",
            {"action": "render_production_files", "_selected_action": [d.pk for d in designs]},
            follow=True,
        )
    assert response.status_code == 200
    assert "Queued 2 render jobs" in response.content.decode()
    assert RenderJob.objects.filter(status=RenderJob.Status.DONE).count() == 2


def test_render_job_list_and_page(staff_client):
    design = saved_design()
    job = RenderJob.objects.create(design=design, kinds=[Kind.STL, Kind.GLB], done=1)
    job.status = RenderJob.Status.RUNNING
    job.save()
    html = staff_client.get(f"{ADMIN}/renderjob/").content.decode()
    assert design.token in html and "1 of 2" in html
    page = staff_client.get(f"{ADMIN}/renderjob/{job.pk}/change/").content.decode()
    assert f'data-progress-url="{ADMIN}/renderjob/{job.pk}/progress/"' in page
    assert 'data-finished="false"' in page and "js/progress.js" in page


EXPECTED = {
    Kind.PRINT_PNG: ("image/png", "png"),
    Kind.PRINT_PDF: ("application/pdf", "pdf"),
    Kind.PREFLIGHT: ("application/json", "json"),
    Kind.STL: ("model/stl", "stl"),
    Kind.THREEMF: ("model/3mf", "3mf"),
    Kind.GLB: ("model/gltf-binary", "glb"),
    Kind.PREVIEW: ("image/webp", "webp"),
}


def test_downloads_have_the_right_headers_and_bytes(staff_client, rendered):
    """Each file downloads with its own type, nosniff, an attachment name of the design's
    token and the kind, and exactly the stored bytes."""
    for kind, (content_type, extension) in EXPECTED.items():
        response = staff_client.get(download_url(rendered, kind))
        assert response.status_code == 200, kind
        assert response["Content-Type"] == content_type
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Disposition"] == (
            f'attachment; filename="{rendered.token}-{kind}.{extension}"'
        )
        stored = production.rendition_current(design=rendered, kind=kind)
        assert body(response) == stored.file.read()


def test_a_file_not_yet_rendered_is_404(staff_client):
    design = saved_design()
    assert staff_client.get(download_url(design, Kind.PRINT_PDF)).status_code == 404
    other = staff_client.get(download_url(design, "artwork"), follow=True)  # no such kind
    assert "Content-Disposition" not in other and not other.streaming


def _user(username: str, *, staff: bool, perms: tuple[str, ...] = ()) -> Client:
    user = get_user_model().objects.create_user(username, password="pw-123456789", is_staff=staff)
    for codename in perms:
        user.user_permissions.add(Permission.objects.get(codename=codename))
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("who", ["anonymous", "shopper", "design owner"])
def test_non_staff_get_no_file(rendered, who):
    """Anonymous visitors, signed-in shoppers, even the design's owner: sent to the admin
    login for every staff address, never a byte of the file or the job."""
    if who == "anonymous":
        client = Client()
    elif who == "shopper":
        client = _user("shopper", staff=False)
    else:
        client = _user("owner", staff=False)
        Design.objects.filter(pk=rendered.pk).update(
            user=get_user_model().objects.get(username="owner"), visitor=""
        )
    job = RenderJob.objects.create(design=rendered, kinds=[Kind.STL])
    for url in [
        *(download_url(rendered, kind) for kind in EXPECTED),
        f"{ADMIN}/design/{rendered.pk}/thumbnail/",
        f"{ADMIN}/renderjob/{job.pk}/progress/",
    ]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/admin/login/")
        assert not response.streaming and b"glTF" not in response.content
    response = client.post(f"{ADMIN}/design/{rendered.pk}/render/")
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
    assert RenderJob.objects.count() == 1


def test_staff_without_permission_get_no_file(rendered):
    """Staff who may not view designs get a 403 and no file; viewing alone may download
    but not start a render."""
    nobody = _user("clerk", staff=True)
    assert nobody.get(download_url(rendered, Kind.PRINT_PDF)).status_code == 403
    assert nobody.get(f"{ADMIN}/design/{rendered.pk}/thumbnail/").status_code == 403
    viewer = _user("viewer", staff=True, perms=("view_design",))
    assert viewer.get(download_url(rendered, Kind.PRINT_PDF)).status_code == 200
    assert viewer.post(f"{ADMIN}/design/{rendered.pk}/render/").status_code == 403
    page = viewer.get(f"{ADMIN}/design/{rendered.pk}/change/").content.decode()
    assert "Render production files" not in page
    assert not RenderJob.objects.exists()
