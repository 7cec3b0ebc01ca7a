"""The case editor in a real Chromium, on a desktop screen with a mouse and on a phone screen
with touch: design, preview in 2D and 3D, save, share and copy.

Screenshots are written to $CASEFORGE_ARTIFACTS (or the test's temporary folder); the test
prints where.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.shop.browser import needs_browser

pytestmark = [pytest.mark.browser, needs_browser]

DESKTOP = {"viewport": {"width": 1280, "height": 900}}
PHONE = {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True}
TIMEOUT_MS = 60_000  # a cold GLB render on a slow machine


@pytest.fixture
def catalog_case(transactional_db):
    """A hybrid case for a phone that only the catalog knows (the engine has no such
    built-in device), in two colours."""
    from tests.factories import (
        CaseProductFactory,
        ColourFactory,
        PhoneModelFactory,
        VariantFactory,
    )

    phone = PhoneModelFactory(brand="Acme", name="Acme One", slug="acme-one")
    black = ColourFactory(name="Black", slug="black", hex="#1f2329")
    blue = ColourFactory(name="Blue", slug="blue", hex="#2f5bd3")
    product = CaseProductFactory(
        name="Rugged Hybrid Armor", slug="rugged-hybrid-armor", material="hybrid", style="rugged"
    )
    VariantFactory(product=product, phone_model=phone, colour=black, sku="RUG-ONE-BLK")
    VariantFactory(product=product, phone_model=phone, colour=blue, sku="RUG-ONE-BLU")
    return product


@pytest.fixture(autouse=True)
def _patient_expect():
    """Renders run in the live server next to the browser, on a machine running other tests
    in parallel: expectations wait up to 20 s here (Playwright's default is 5 s)."""
    from playwright.sync_api import expect

    expect.set_options(timeout=20_000)
    yield
    expect.set_options(timeout=5_000)


@pytest.fixture
def artifacts(tmp_path) -> Path:
    folder = Path(os.environ.get("CASEFORGE_ARTIFACTS") or tmp_path / "artifacts")
    folder.mkdir(parents=True, exist_ok=True)
    print(f"\nscreenshots in {folder}")
    return folder


@pytest.fixture
def small_picture(tmp_path) -> Path:
    """A 400 x 300 px photo-like PNG: too small to print sharp across a case (under 150 DPI
    when it fills the width), sharp at a third of that width."""
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (400, 300), (250, 204, 21))
    draw = ImageDraw.Draw(img)
    for i in range(0, 400, 40):
        draw.rectangle((i, 0, i + 19, 300), fill=(220, 38, 38))
    draw.ellipse((120, 70, 280, 230), fill=(29, 78, 216))
    path = tmp_path / "holiday.png"
    img.save(path)
    return path


def _dpi(page) -> int:
    text = page.get_by_test_id("dpi").inner_text()
    return int(re.search(r"(\d+) DPI", text).group(1))


def _point(page, x_mm: float, y_mm: float) -> tuple[float, float]:
    p = page.evaluate("([x, y]) => window.caseforgeEditor.pagePoint(x, y)", [x_mm, y_mm])
    return p["x"], p["y"]


def _layout(page) -> dict:
    return page.evaluate("() => JSON.parse(document.getElementById('editor-config').textContent)")[
        "layout"
    ]


def _selected(page) -> dict:
    return page.evaluate(
        "() => { const e = window.caseforgeEditor; "
        "return e.state.layers.find((l) => l.uid === e.state.selected) || null; }"
    )


class Mouse:
    def __init__(self, page):
        self.page = page

    def drag(self, start, end):
        mouse = self.page.mouse
        mouse.move(*start)
        mouse.down()
        steps = 12
        for i in range(1, steps + 1):
            mouse.move(
                start[0] + (end[0] - start[0]) * i / steps,
                start[1] + (end[1] - start[1]) * i / steps,
            )
        mouse.up()


class Touch:
    """Real touch input through the DevTools protocol: one finger drags, two pinch."""

    def __init__(self, page):
        self.page = page
        self.cdp = page.context.new_cdp_session(page)

    def _send(self, kind, points):
        self.cdp.send(
            "Input.dispatchTouchEvent",
            {
                "type": kind,
                "touchPoints": [
                    {"x": x, "y": y, "id": i, "radiusX": 4, "radiusY": 4, "force": 1}
                    for i, (x, y) in enumerate(points)
                ],
            },
        )

    def gesture(self, starts, ends, steps=12):
        self._send("touchStart", starts)
        for i in range(1, steps + 1):
            t = i / steps
            self._send(
                "touchMove",
                [
                    (s[0] + (e[0] - s[0]) * t, s[1] + (e[1] - s[1]) * t)
                    for s, e in zip(starts, ends, strict=True)
                ],
            )
        self._send("touchEnd", [])

    def drag(self, start, end):
        self.gesture([start], [end])


def _design_flow(browser, live_server, product, picture, artifacts, device, name):
    from playwright.sync_api import expect

    from configurator.models import Artwork, Design

    context = browser.new_context(**device)
    page = context.new_page()
    phone = device is PHONE
    pointer = Touch(page) if phone else Mouse(page)

    # The product page's "Design your own" opens the editor for the chosen phone and colour.
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(f"{live_server.url}{product.get_absolute_url()}?model=acme-one&colour=blue")
    page.get_by_role("link", name="Design your own").click()
    expect(page).to_have_url(
        re.compile(r"/design/rugged-hybrid-armor/\?model=acme-one&colour=blue")
    )
    expect(page.get_by_role("heading", level=1)).to_contain_text("Rugged Hybrid Armor")
    expect(page.locator("#editor-stage[data-ready=true]")).to_be_attached()
    layout = _layout(page)

    # Upload the picture: it fills the safe zone's width, far too little resolution.
    page.locator("#editor-file").set_input_files(str(picture))
    layers = page.get_by_test_id("layers")
    expect(layers).to_contain_text("Picture 1")
    expect(page.get_by_test_id("dpi")).to_contain_text("too low")
    first_dpi = _dpi(page)
    assert first_dpi < 150
    warnings = page.get_by_test_id("warnings")
    expect(warnings.locator("[data-kind=dpi]")).to_contain_text("blurry")
    expect(page.locator("#editor-preview[data-state=ready]")).to_be_visible(timeout=TIMEOUT_MS)

    # Make it smaller: the mouse drags a corner handle; on the phone two fingers pinch.
    picture_layer = _selected(page)
    centre = _point(page, picture_layer["x_mm"], picture_layer["y_mm"])
    if phone:
        pointer.gesture(
            [(centre[0] - 120, centre[1]), (centre[0] + 120, centre[1])],
            [(centre[0] - 40, centre[1] - 10), (centre[0] + 40, centre[1] + 10)],
        )
    else:
        corner = page.evaluate("() => window.caseforgeEditor.handle('bottom-right')")
        pointer.drag((corner["x"], corner["y"]), (corner["x"] - 150, corner["y"] - 110))
    expect(page.get_by_test_id("dpi")).not_to_have_text(re.compile(rf"\b{first_dpi} DPI"))
    smaller = _selected(page)
    assert smaller["width_mm"] < picture_layer["width_mm"] * 0.7
    assert _dpi(page) > first_dpi * 1.4
    if phone:
        assert abs(smaller["rotation"]) > 1, "two fingers also turn the picture"

    if not phone:
        # Dropped a few pixels off the case's centre, it snaps onto the centre.
        layer = _selected(page)
        centre_mm = (
            layout["trim"]["x"] + layout["trim"]["w"] / 2,
            layout["trim"]["y"] + layout["trim"]["h"] / 2,
        )
        near = _point(page, *centre_mm)
        pointer.drag(_point(page, layer["x_mm"], layer["y_mm"]), (near[0] + 4, near[1] - 3))
        snapped = _selected(page)
        assert (snapped["x_mm"], snapped["y_mm"]) == pytest.approx(centre_mm, abs=1e-6)
        smaller = snapped

    # Drag it over the camera: the keep-out warning appears; back out, it goes.
    expect(warnings.locator("[data-kind=keepout]")).to_have_count(0)
    keepout = layout["keepout"]
    target = _point(page, keepout["x"] + keepout["w"] / 2, keepout["y"] + keepout["h"] / 2)
    start = _point(page, smaller["x_mm"], smaller["y_mm"])
    pointer.drag(start, target)
    expect(warnings.locator("[data-kind=keepout]")).to_contain_text("camera")
    moved = _selected(page)
    centre_mm = (keepout["x"] + keepout["w"] / 2, keepout["y"] + keepout["h"] / 2)
    assert moved["x_mm"] == pytest.approx(centre_mm[0], abs=3)
    assert moved["y_mm"] == pytest.approx(centre_mm[1], abs=3)

    # Undo the move (Ctrl+Z) and redo it (Ctrl+Shift+Z): the warning follows.
    page.locator("#editor-stage").focus()
    page.keyboard.press("Control+z")
    expect(warnings.locator("[data-kind=keepout]")).to_have_count(0)
    page.keyboard.press("Control+Shift+z")
    expect(warnings.locator("[data-kind=keepout]")).to_have_count(1)

    # Nudge with the keyboard: 10 mm right with Shift.
    before = _selected(page)["x_mm"]
    page.locator("#editor-stage").focus()
    page.keyboard.press("Shift+ArrowRight")
    assert _selected(page)["x_mm"] == pytest.approx(before + 10, abs=0.01)

    # A text layer, then undo and redo it with the buttons.
    page.get_by_label("New text").fill("Hello")
    page.get_by_role("button", name="Add text").click()
    expect(layers).to_contain_text("Text “Hello”")
    page.get_by_role("button", name="Undo").click()
    expect(layers).not_to_contain_text("Hello")
    page.get_by_role("button", name="Redo").click()
    expect(layers).to_contain_text("Text “Hello”")
    # ...and its angle typed in degrees, once chosen in the layer list.
    layers.get_by_role("button", name="Text “Hello”", exact=True).click()
    expect(page.get_by_label("Text size (mm)")).to_be_visible()
    expect(page.get_by_label("Width (mm)")).to_be_hidden()  # a picture's field
    page.get_by_label("Angle (degrees)").fill("15")
    page.get_by_label("Angle (degrees)").press("Enter")
    assert _selected(page)["rotation"] == 15

    # Save: a share link, and the 3D view loads the saved design's case.
    page.get_by_role("button", name="Save and share").click()
    share = page.get_by_test_id("share-link")
    expect(share).to_have_value(re.compile(r"/design/s/[\w-]+/$"), timeout=TIMEOUT_MS)
    viewer = page.locator("#editor-3d")
    expect(viewer).to_have_attribute("data-loaded", "true", timeout=TIMEOUT_MS)
    link = share.input_value()
    token = link.rstrip("/").rsplit("/", 1)[1]
    design = Design.objects.get(token=token)
    assert design.case["device"]["slug"] == "acme-one"  # the catalog phone, frozen
    assert [layer["type"] for layer in design.spec["layers"]] == ["image", "text"]
    page.screenshot(path=str(artifacts / f"{name}-editor.png"), full_page=True)

    # "Add to cart" puts the variant with this design in the cart.
    page.get_by_role("button", name="Add to cart").click()
    expect(page).to_have_url(re.compile(r"/cart/$"), timeout=TIMEOUT_MS)
    line = page.get_by_test_id("cart-line")
    expect(line).to_have_count(1)
    expect(line).to_contain_text("RUG-ONE-BLU")
    expect(line.get_by_role("link", name="view it")).to_have_attribute(
        "href", f"/design/s/{token}/"
    )

    # A second visitor opens the link: read-only, with "Copy and edit".
    other = browser.new_context(**device)
    visitor = other.new_page()
    visitor.set_default_timeout(TIMEOUT_MS)
    visitor.goto(link, timeout=TIMEOUT_MS)
    # model-viewer loads its model once it is on screen.
    visitor.locator("#shared-3d").scroll_into_view_if_needed(timeout=TIMEOUT_MS)
    expect(visitor.get_by_role("heading", level=1)).to_contain_text("Rugged Hybrid Armor")
    expect(visitor.locator("#shared-3d")).to_have_attribute(
        "data-loaded", "true", timeout=TIMEOUT_MS
    )
    expect(visitor.get_by_role("img", name="Preview of this design")).to_be_visible()
    expect(visitor.locator("#editor-stage")).to_have_count(0)
    visitor.screenshot(path=str(artifacts / f"{name}-shared.png"), full_page=True)
    visitor.get_by_role("button", name="Copy and edit").click()
    expect(visitor).to_have_url(re.compile(r"/design/rugged-hybrid-armor/\?.*design="))
    expect(visitor.get_by_test_id("layers")).to_contain_text("Picture 1")
    expect(visitor.get_by_test_id("layers")).to_contain_text("Text “Hello”")
    expect(visitor.locator("#editor-preview[data-state=ready]")).to_be_visible(timeout=TIMEOUT_MS)
    copy_token = re.search(r"design=([\w-]+)", visitor.url).group(1)
    copy = Design.objects.get(token=copy_token)
    assert copy.pk != design.pk and copy.visitor and copy.visitor != design.visitor
    assert copy.spec["layers"][1] == design.spec["layers"][1]  # the text, unchanged
    copied_art = Artwork.objects.get(public_id=copy.spec["layers"][0]["artwork"])
    assert copied_art.visitor == copy.visitor  # the copier's own picture row
    # The copied picture is the copier's own now: it is among their earlier pictures.
    visitor.get_by_text("Use an earlier picture").click()
    visitor.get_by_role("button", name="Use the earlier picture of 400 × 300 px").click()
    expect(visitor.get_by_test_id("layers")).to_contain_text("Picture 2")
    if not phone:
        # A picture dropped onto the case is uploaded too.
        data = picture.read_bytes()
        transfer = visitor.evaluate_handle(
            """(bytes) => {
                const t = new DataTransfer();
                t.items.add(new File([new Uint8Array(bytes)], "dropped.png", {type: "image/png"}));
                return t;
            }""",
            list(data),
        )
        visitor.locator("#editor-drop").dispatch_event("drop", {"dataTransfer": transfer})
        expect(visitor.get_by_test_id("layers")).to_contain_text("Picture 3")
        visitor.get_by_test_id("layers").get_by_role("button", name="Delete Picture 3").click()
        expect(visitor.get_by_test_id("layers")).not_to_contain_text("Picture 3")

    visitor.screenshot(path=str(artifacts / f"{name}-copy.png"), full_page=True)
    other.close()
    context.close()


def test_desktop_design_share_and_copy(
    browser, live_server, catalog_case, small_picture, artifacts
):
    _design_flow(browser, live_server, catalog_case, small_picture, artifacts, DESKTOP, "desktop")


def test_phone_design_with_touch_share_and_copy(
    browser, live_server, catalog_case, small_picture, artifacts
):
    _design_flow(browser, live_server, catalog_case, small_picture, artifacts, PHONE, "phone")
