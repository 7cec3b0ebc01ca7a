// The editor's canvas: Konva draws the case back and the layers on it, scaled from mm to
// screen pixels, with the bleed, safe-zone and camera keep-out overlays. A layer is dragged,
// scaled and turned with the pointer (snapping to the case's centre lines and edges); each
// finished gesture is committed for undo.

import { boxCorners, bounds, round } from "./geometry.js";
import { layerById, state } from "./layers.js";
import { $, L, caseColour, fontFamily, trimCentre } from "./page.js";
import { commit } from "./undo.js";

const Konva = window.Konva;
const SNAP_PX = 8;

// Set by editor.js: select(uid, {focus}) selects a layer, changed({live}) updates the page.
let hooks = { select() {}, changed() {} };

export function connectCanvas(editorHooks) {
  hooks = editorHooks;
}

// --- the stage -------------------------------------------------------------------------

export const container = $("editor-stage");
export const stage = new Konva.Stage({ container, width: 300, height: 600 });
Konva.hitOnDragEnabled = true; // keep touch events flowing during a drag (pinch)
const caseLayer = new Konva.Layer({ listening: false });
const artLayer = new Konva.Layer();
const overlayLayer = new Konva.Layer({ listening: false });
stage.add(caseLayer, artLayer, overlayLayer);

const caseWorld = new Konva.Group();
const artWorld = new Konva.Group({
  clipFunc: (ctx) => {
    const b = L.bleed;
    ctx.roundRect ? ctx.roundRect(b.x, b.y, b.w, b.h, b.r) : ctx.rect(b.x, b.y, b.w, b.h);
  },
});
const overlayWorld = new Konva.Group();
caseLayer.add(caseWorld);
artLayer.add(artWorld);
overlayLayer.add(overlayWorld);

const transformer = new Konva.Transformer({
  keepRatio: true,
  enabledAnchors: ["top-left", "top-right", "bottom-left", "bottom-right"],
  rotationSnaps: [0, 45, 90, 135, 180, 225, 270, 315],
  rotationSnapTolerance: 4,
  anchorSize: window.matchMedia("(pointer: coarse)").matches ? 18 : 11,
  borderStroke: "#1d4ed8",
  anchorStroke: "#1d4ed8",
  rotateAnchorOffset: 28,
  flipEnabled: false,
});
artLayer.add(transformer);

function roundedRect(rect, attrs) {
  return new Konva.Rect({
    x: rect.x,
    y: rect.y,
    width: rect.w,
    height: rect.h,
    cornerRadius: Math.min(rect.r, rect.w / 2, rect.h / 2),
    strokeScaleEnabled: false,
    ...attrs,
  });
}

caseWorld.add(roundedRect(L.bleed, { fill: "#e5e7eb" }));
caseWorld.add(roundedRect(L.trim, { fill: caseColour, stroke: "#9aa3af", strokeWidth: 1 }));
const overlays = {
  bleed: new Konva.Group({ name: "bleed" }),
  safe: new Konva.Group({ name: "safe" }),
  keepout: new Konva.Group({ name: "keepout" }),
};
overlays.bleed.add(roundedRect(L.bleed, { stroke: "#d92d20", strokeWidth: 1.5, dash: [6, 4] }));
overlays.bleed.add(roundedRect(L.trim, { stroke: "#475467", strokeWidth: 1 }));
overlays.safe.add(roundedRect(L.safe, { stroke: "#12b76a", strokeWidth: 1.5, dash: [4, 4] }));
overlays.keepout.add(
  roundedRect(L.keepout, { fill: "rgba(16, 24, 40, 0.55)", stroke: "#f79009", strokeWidth: 2 }),
);
overlayWorld.add(overlays.bleed, overlays.safe, overlays.keepout);
const guides = new Konva.Group();
overlayWorld.add(guides);

let view = { ppm: 1, x: 0, y: 0 };

export function fitStage() {
  const width = Math.max(container.clientWidth, 200);
  const aspect = L.bleed.h / L.bleed.w;
  const height = Math.max(Math.min(width * aspect, window.innerHeight * 0.78), 320);
  const pad = 14;
  const ppm = Math.min((width - 2 * pad) / L.bleed.w, (height - 2 * pad) / L.bleed.h);
  view = {
    ppm,
    x: (width - L.bleed.w * ppm) / 2 - L.bleed.x * ppm,
    y: (height - L.bleed.h * ppm) / 2 - L.bleed.y * ppm,
  };
  stage.size({ width, height });
  for (const group of [caseWorld, artWorld, overlayWorld]) {
    group.position({ x: view.x, y: view.y });
    group.scale({ x: ppm, y: ppm });
  }
  transformer.forceUpdate();
  stage.batchDraw();
}

new ResizeObserver(() => fitStage()).observe(container);

// --- overlays --------------------------------------------------------------------------------

for (const name of ["bleed", "safe", "keepout"]) {
  const box = $(`overlay-${name}`);
  const apply = () => {
    overlays[name].visible(box.checked);
    overlayLayer.batchDraw();
  };
  box.addEventListener("change", apply);
  apply();
}

// --- pictures ----------------------------------------------------------------------------

const images = new Map(); // artwork id -> HTMLImageElement

function imageFor(id) {
  if (!images.has(id)) {
    const img = new Image();
    img.decoding = "async";
    img.addEventListener("load", () => {
      for (const node of artWorld.getChildren()) {
        if (node.getAttr("artwork") === id) {
          node.image(img);
        }
      }
      artLayer.batchDraw();
    });
    img.src = state.artworks[id].url;
    images.set(id, img);
  }
  return images.get(id);
}

// --- nodes ---------------------------------------------------------------------------------

const nodes = new Map(); // uid -> Konva node

function nodeSize(layer, node) {
  if (layer.type === "image") {
    const art = state.artworks[layer.artwork];
    return { w: layer.width_mm, h: (layer.width_mm * art.height) / art.width };
  }
  return { w: node ? node.width() : layer.size_mm * layer.text.length * 0.6, h: layer.size_mm };
}

// A layer's size on the case in mm (text as drawn in its font).
export function layerSize(layer) {
  return nodeSize(layer, nodes.get(layer.uid));
}

function applyLayer(node, layer) {
  node.setAttrs({ x: layer.x_mm, y: layer.y_mm, rotation: layer.rotation, opacity: layer.opacity });
  node.visible(!layer.hidden);
  if (layer.type === "image") {
    const { w, h } = nodeSize(layer);
    const flipX = layer.flip === "horizontal" || layer.flip === "both";
    const flipY = layer.flip === "vertical" || layer.flip === "both";
    node.setAttrs({ width: w, height: h, offsetX: w / 2, offsetY: h / 2, scaleX: flipX ? -1 : 1, scaleY: flipY ? -1 : 1 });
  } else {
    node.setAttrs({
      text: layer.text,
      fontFamily: `"${fontFamily[layer.font] || layer.font}", sans-serif`,
      fontSize: layer.size_mm,
      fill: layer.colour,
      scaleX: 1,
      scaleY: 1,
    });
    node.offsetX(node.width() / 2);
    node.offsetY(node.height() / 2);
  }
}

function createNode(layer) {
  const attrs = { draggable: true, name: "layer", uid: layer.uid };
  let node;
  if (layer.type === "image") {
    node = new Konva.Image({ ...attrs, image: imageFor(layer.artwork), artwork: layer.artwork });
  } else {
    node = new Konva.Text({ ...attrs, lineHeight: 1, padding: 0, wrap: "none" });
  }
  applyLayer(node, layer);
  node.on("mousedown touchstart", () => hooks.select(layer.uid, { focus: true }));
  node.on("dragmove", () => {
    snap(node, layer);
    layer.x_mm = node.x();
    layer.y_mm = node.y();
    hooks.changed({ live: true });
  });
  node.on("dragend", () => {
    guides.destroyChildren();
    overlayLayer.batchDraw();
    commit();
  });
  node.on("transform", () => {
    readTransform(node, layer);
    hooks.changed({ live: true });
  });
  node.on("transformend", () => {
    readTransform(node, layer);
    applyLayer(node, layer);
    commit();
  });
  return node;
}

// Take a finished move, scale or turn from the node into the layer, in mm and degrees.
function readTransform(node, layer) {
  layer.x_mm = node.x();
  layer.y_mm = node.y();
  layer.rotation = round(node.rotation(), 3);
  if (layer.type === "image") {
    layer.width_mm = Math.max(node.width() * Math.abs(node.scaleX()), 1);
  } else {
    layer.size_mm = Math.min(Math.max(node.fontSize() * Math.abs(node.scaleY()), 0.5), 100);
  }
}

// Draw every layer afresh (after the list of layers changed: added, moved, deleted, undone).
export function rebuild() {
  transformer.nodes([]);
  artWorld.destroyChildren();
  nodes.clear();
  for (const layer of state.layers) {
    const node = createNode(layer);
    nodes.set(layer.uid, node);
    artWorld.add(node);
  }
  if (state.selected && !layerById(state.selected)) {
    state.selected = null;
  }
  attachTransformer();
  artLayer.batchDraw();
}

function attachTransformer() {
  const node = state.selected ? nodes.get(state.selected) : null;
  transformer.nodes(node && node.visible() ? [node] : []);
  transformer.moveToTop();
}

// The selection changed: the handles follow it.
export function showSelection() {
  attachTransformer();
  artLayer.batchDraw();
}

// One layer's figures changed (moved, resized, turned, new text or colour): draw it so.
export function redrawLayer(layer) {
  applyLayer(nodes.get(layer.uid), layer);
  transformer.forceUpdate();
  artLayer.batchDraw();
}

// A layer was hidden or shown.
export function showVisibility(layer) {
  nodes.get(layer.uid).visible(!layer.hidden);
  attachTransformer();
  artLayer.batchDraw();
}

// Text is measured in its font: draw the text layers again once the fonts are in.
export function redrawTexts() {
  for (const layer of state.layers) {
    if (layer.type === "text") {
      applyLayer(nodes.get(layer.uid), layer);
    }
  }
  transformer.forceUpdate();
  artLayer.batchDraw();
}

// A second finger came down: the layer stops following the first one alone.
export function stopDragging(layer) {
  const node = nodes.get(layer.uid);
  if (node.isDragging()) {
    node.stopDrag();
  }
}

// --- snapping ----------------------------------------------------------------------------

function guide(points) {
  guides.add(new Konva.Line({ points, stroke: "#d946ef", strokeWidth: 1, strokeScaleEnabled: false, dash: [4, 3] }));
}

function snap(node, layer) {
  guides.destroyChildren();
  const tolerance = SNAP_PX / view.ppm;
  let x = node.x();
  let y = node.y();
  const { w, h } = nodeSize(layer, node);
  const box = bounds(boxCorners(x, y, w, h, node.rotation()));
  let snappedX = false;
  let snappedY = false;
  if (Math.abs(x - trimCentre.x) < tolerance) {
    x = trimCentre.x;
    snappedX = true;
    guide([x, L.bleed.y, x, L.bleed.y + L.bleed.h]);
  }
  if (Math.abs(y - trimCentre.y) < tolerance) {
    y = trimCentre.y;
    snappedY = true;
    guide([L.bleed.x, y, L.bleed.x + L.bleed.w, y]);
  }
  for (const edge of [L.trim.x, L.trim.x + L.trim.w, L.safe.x, L.safe.x + L.safe.w]) {
    if (snappedX) {
      break;
    }
    for (const side of [box.x0, box.x1]) {
      if (Math.abs(side - edge) < tolerance) {
        x += edge - side;
        snappedX = true;
        guide([edge, L.bleed.y, edge, L.bleed.y + L.bleed.h]);
        break;
      }
    }
  }
  for (const edge of [L.trim.y, L.trim.y + L.trim.h, L.safe.y, L.safe.y + L.safe.h]) {
    if (snappedY) {
      break;
    }
    for (const side of [box.y0, box.y1]) {
      if (Math.abs(side - edge) < tolerance) {
        y += edge - side;
        snappedY = true;
        guide([L.bleed.x, edge, L.bleed.x + L.bleed.w, edge]);
        break;
      }
    }
  }
  node.position({ x, y });
  overlayLayer.batchDraw();
}

// --- where things are on the page (for tests and the curious) ----------------------------

// The screen point (page coordinates) of a point on the case in mm.
export function pagePoint(xMm, yMm) {
  const rect = container.getBoundingClientRect();
  return { x: rect.left + view.x + xMm * view.ppm, y: rect.top + view.y + yMm * view.ppm };
}

// Page coordinates of the selection's transformer handle `name` ("bottom-right", ...).
export function handlePoint(name) {
  const rect = container.getBoundingClientRect();
  const anchor = transformer.findOne(`.${name}`);
  if (!anchor) {
    return null;
  }
  const p = anchor.getAbsolutePosition();
  return { x: rect.left + p.x, y: rect.top + p.y };
}
