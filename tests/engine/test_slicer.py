"""The exported STL slices in a real slicer (PrusaSlicer) as it is, with nothing to repair."""

import re
import shutil
import subprocess

import pytest

from configurator.engine.case import CaseParams
from configurator.engine.devices import builtin_devices, device_from_dict, get_device
from configurator.engine.mesh import build_case, export_stl
from tests.tools import needs, tool_missing

pytestmark = pytest.mark.slow  # PrusaSlicer slices every case

SLICER = shutil.which("prusa-slicer")


@needs(SLICER, "prusa-slicer (Debian package) is not installed")
@pytest.mark.parametrize(
    "slug", ["iphone-15-pro", "pixel-8", "bar-phone", "raised-island", "squircle"]
)
def test_stl_slices_as_is(tmp_path, slug):
    """PrusaSlicer reads the case STL as one manifold part and slices it into G-code, also
    with a raised roof over a camera bar, a rim around a protruding island or superellipse
    corners."""
    if SLICER is None:
        tool_missing("prusa-slicer (Debian package) is not installed")
    from .test_corners import SQUIRCLE
    from .test_mesh import BAR_PHONE, ISLAND_PHONE

    custom = {"bar-phone": BAR_PHONE, "raised-island": ISLAND_PHONE, "squircle": SQUIRCLE}
    device = device_from_dict(custom[slug]) if slug in custom else get_device(slug)
    stl = tmp_path / "case.stl"
    stl.write_bytes(export_stl(build_case(device, CaseParams())))
    info = subprocess.run([SLICER, "--info", str(stl)], capture_output=True, text=True, timeout=120)
    assert "manifold = yes" in info.stdout, info.stdout + info.stderr
    assert re.search(r"number_of_parts =\s+1\n", info.stdout), info.stdout
    gcode = tmp_path / "case.gcode"
    result = subprocess.run(
        [SLICER, "--export-gcode", "--output", str(gcode), str(stl)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert gcode.stat().st_size > 10_000


@needs(SLICER, "prusa-slicer (Debian package) is not installed")
@pytest.mark.parametrize("slug", list(builtin_devices()))
def test_every_builtin_case_is_one_manifold_part_for_the_slicer(tmp_path, slug):
    """PrusaSlicer reads every built-in device's case STL as one manifold part (the full
    slice to G-code above runs for an island, a bar and the custom shapes)."""
    if SLICER is None:
        tool_missing("prusa-slicer (Debian package) is not installed")
    stl = tmp_path / "case.stl"
    stl.write_bytes(export_stl(build_case(get_device(slug), CaseParams())))
    info = subprocess.run([SLICER, "--info", str(stl)], capture_output=True, text=True, timeout=120)
    assert "manifold = yes" in info.stdout, info.stdout + info.stderr
    assert re.search(r"number_of_parts =\s+1\n", info.stdout), info.stdout
