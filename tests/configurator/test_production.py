"""Production files of a design: every kind renders, is a valid file of its format, at the
engine's print resolution, and is rendered once."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import lib3mf
import pytest
import trimesh
from django.db import connection
from PIL import Image

from configurator import production, renditions
from configurator.engine.geometry import layout_for, print_size_px
from configurator.engine.printfile import PRINT_DPI
from configurator.models import Design, Rendition
from tests.locks import race
from tests.tools import tool_missing

from .designs import saved_design

pytestmark = pytest.mark.django_db

Kind = Rendition.Kind
GLTF_RUNNER = Path(__file__).parents[1] / "engine" / "gltf_validate.mjs"


def render(design, kind) -> bytes:
    rendition = renditions.rendition_get_or_create(design=design, kind=kind)
    with rendition.file.open("rb") as handle:
        return handle.read()


def need(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        tool_missing(f"{tool} (poppler-utils) is not installed")
    return path


def print_layout(design):
    device, params = renditions.design_case(design=design)
    return layout_for(device, params)


@pytest.fixture
def design():
    return saved_design(text="Hello")


def test_every_kind_has_a_renderer():
    """Each rendition kind of the model can be rendered, and is served with its own type."""
    assert set(renditions.RENDERERS) == set(Kind.values)
    assert set(production.PRODUCTION_KINDS) == set(Kind.values)
    assert set(production.CONTENT_TYPES) == set(Kind.values)


def test_print_png_is_the_bleed_box_at_the_print_dpi(design):
    """print PNG: RGBA, (outline + 2 x bleed) at the engine's print DPI, which it records."""
    png = Image.open(io.BytesIO(render(design, Kind.PRINT_PNG)))
    assert png.format == "PNG" and png.mode == "RGBA"
    assert png.size == print_size_px(print_layout(design), PRINT_DPI)
    assert png.info["dpi"] == pytest.approx((PRINT_DPI, PRINT_DPI), abs=0.01)
    # the artwork is on it: opaque pixels in the middle of the back
    assert png.getpixel((png.width // 2, png.height // 2))[3] == 255


def test_print_pdf_is_one_page_of_the_bleed_box(design, tmp_path):
    """print PDF: one page measuring the bleed box, with the cut line's spot colour."""
    data = render(design, Kind.PRINT_PDF)
    assert data.startswith(b"%PDF-") and b"/Separation /CutContour" in data
    path = tmp_path / "print.pdf"
    path.write_bytes(data)
    info = subprocess.run([need("pdfinfo"), str(path)], capture_output=True, text=True, check=True)
    assert re.search(r"^Pages:\s+1$", info.stdout, re.M), info.stdout
    w, h = map(float, re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info.stdout).groups())
    layout = print_layout(design)
    assert w * 25.4 / 72 == pytest.approx(layout.width_mm, abs=0.1)
    assert h * 25.4 / 72 == pytest.approx(layout.height_mm, abs=0.1)


def test_preflight_report_is_json_at_the_print_dpi(design):
    """The preflight report is the engine's JSON for the print: its DPI and pixel size."""
    report = json.loads(render(design, Kind.PREFLIGHT))
    assert report["dpi"] == PRINT_DPI
    assert tuple(report["print_size_px"]) == print_size_px(print_layout(design), PRINT_DPI)
    assert [layer["kind"] for layer in report["layers"]] == ["image", "text"]
    assert isinstance(report["ok"], bool)


@pytest.mark.slow
def test_preflight_flags_a_small_picture_stretched_large():
    """A 160 px wide picture across half the case prints blurry: the report says so."""
    report = json.loads(render(saved_design("blurry", size=(160, 120)), Kind.PREFLIGHT))
    codes = {issue["code"] for issue in report["issues"]}
    assert codes & {"resolution_low", "resolution_too_low"}
    sharp = json.loads(render(saved_design("sharp", size=(2400, 1800)), Kind.PREFLIGHT))
    assert not {issue["code"] for issue in sharp["issues"]} & {
        "resolution_low",
        "resolution_too_low",
    }


def test_stl_is_a_closed_solid_the_size_of_the_case(design):
    """STL: binary, loads in trimesh as one watertight volume a little larger than the phone."""
    data = render(design, Kind.STL)
    mesh = trimesh.load(io.BytesIO(data), file_type="stl", force="mesh")
    assert mesh.is_watertight and mesh.is_volume
    device, _params = renditions.design_case(design=design)
    extents = sorted(mesh.extents)
    phone = sorted([device.width_mm, device.height_mm, device.depth_mm])
    for got, body in zip(extents, phone, strict=True):
        assert body < got < body + 10


def test_3mf_reads_in_lib3mf_and_matches_the_stl(design):
    """3MF: the 3MF Consortium's library reads it strictly, one manifold object in mm, the
    same solid as the STL."""
    data = render(design, Kind.THREEMF)
    assert zipfile.ZipFile(io.BytesIO(data)).testzip() is None
    model = lib3mf.get_wrapper().CreateModel()
    reader = model.QueryReader("3mf")
    reader.SetStrictModeActive(True)
    reader.ReadFromBuffer(bytearray(data))
    assert reader.GetWarningCount() == 0
    assert model.GetUnit() == lib3mf.ModelUnit.MilliMeter
    objects = model.GetMeshObjects()
    assert objects.Count() == 1
    objects.MoveNext()
    solid = objects.GetCurrentMeshObject()
    assert solid.IsManifoldAndOriented()
    stl = trimesh.load(io.BytesIO(render(design, Kind.STL)), file_type="stl", force="mesh")
    assert solid.GetTriangleCount() == len(stl.faces)


def test_glb_passes_the_khronos_validator(design, tmp_path):
    """GLB: the textured case has zero errors in the Khronos glTF validator."""
    data = render(design, Kind.GLB)
    assert data[:4] == b"glTF"
    folder = os.environ.get("GLTF_VALIDATOR_DIR", "")
    node = shutil.which("node")
    if not (node and folder and (Path(folder) / "node_modules" / "gltf-validator").is_dir()):
        tool_missing("needs node and GLTF_VALIDATOR_DIR with node_modules/gltf-validator")
    path = tmp_path / "case.glb"
    path.write_bytes(data)
    run = subprocess.run(
        [node, str(GLTF_RUNNER), str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "GLTF_VALIDATOR_DIR": folder},
    )
    reports = [json.loads(line) for line in run.stdout.splitlines() if line.startswith("{")]
    assert len(reports) == 1, run.stderr
    assert reports[0]["numErrors"] == 0, reports[0]["messages"]
    assert reports[0]["info"]["resources"], "the GLB embeds no texture"


def test_files_are_stored_under_random_names(design):
    """Stored names are random: neither the design's token nor the kind is in them."""
    for kind in (Kind.PRINT_PDF, Kind.PREFLIGHT):
        name = renditions.rendition_get_or_create(design=design, kind=kind).file.name
        assert design.token not in name and kind not in Path(name).stem


def test_a_new_render_version_renders_again(design, monkeypatch):
    """Bumping RENDER_VERSION makes the old files stale: they are no longer current, and the
    next request renders a new file beside them."""
    old = renditions.rendition_get_or_create(design=design, kind=Kind.PREFLIGHT)
    assert production.rendition_current(design=design, kind=Kind.PREFLIGHT) == old
    monkeypatch.setattr(renditions, "RENDER_VERSION", renditions.RENDER_VERSION + 1)
    assert production.rendition_current(design=design, kind=Kind.PREFLIGHT) is None
    new = renditions.rendition_get_or_create(design=design, kind=Kind.PREFLIGHT)
    assert new.pk != old.pk
    assert production.renditions_current(design=design) == {Kind.PREFLIGHT: new}


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL's row locks")
@pytest.mark.parametrize("kind", [Kind.PRINT_PDF, Kind.STL])
def test_two_racing_requests_render_a_production_file_once(monkeypatch, kind):
    """Two threads asking at once for the same production file get one row, rendered once."""
    design = saved_design()
    real = renditions.RENDERERS[kind]
    calls = []

    def counted(d):
        calls.append(d.pk)
        return real(d)

    monkeypatch.setitem(renditions.RENDERERS, kind, counted)
    results = race(lambda: renditions.rendition_get_or_create(design=design, kind=kind).pk)
    assert len(calls) == 1
    assert len(set(results)) == 1
    assert Rendition.objects.filter(design=design, kind=kind).count() == 1


def test_renders_use_the_case_frozen_into_the_design():
    """A design saved on a catalog phone keeps the case it was made on: its STL and print
    file follow the frozen geometry (here 6 mm wider than the built-in phone)."""
    table = json.loads((Path(renditions.__file__).parent / "engine" / "devices.json").read_text())
    phone = next(d for d in table["devices"] if d["slug"] == "iphone-12")
    wide = {**phone, "width_mm": phone["width_mm"] + 6}
    plain = saved_design("plain")
    frozen = saved_design("frozen")
    Design.objects.filter(pk=frozen.pk).update(
        case={"device": wide, "params": plain.case["params"]}  # the same case, wider
    )
    frozen.refresh_from_db()

    def stl_width(design) -> float:
        mesh = trimesh.load(io.BytesIO(render(design, Kind.STL)), file_type="stl", force="mesh")
        return float(mesh.extents[0])

    assert stl_width(frozen) == pytest.approx(stl_width(plain) + 6, abs=0.05)
    plain_png = Image.open(io.BytesIO(render(plain, Kind.PRINT_PNG)))
    frozen_png = Image.open(io.BytesIO(render(frozen, Kind.PRINT_PNG)))
    assert frozen_png.width - plain_png.width == pytest.approx(6 / 25.4 * PRINT_DPI, abs=2)
