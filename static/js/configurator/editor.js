// The shopper's case editor: pictures and text on the case back, in millimetres.
//
// The page (configurator/templates/configurator/editor.html) hands over its configuration
// as JSON (#editor-config): the product, phone model, colour and the case's print layout
// in mm from the engine. Layers are kept as engine spec layers (configurator/engine/spec.py)
// plus editor-only fields (uid, hidden); Konva draws them, scaled from mm to screen pixels.

import { ApiError, blobToDataUrl, csrfToken, getJson, postJson, uploadFile } from "./api.js";
import {
  boxCorners,
  bounds,
  dpiLevel,
  effectiveDpi,
  polygonsOverlap,
  rectCorners,
  round,
} from "./geometry.js";
import { History } from "./history.js";

const config = JSON.parse(document.getElementById("editor-config").textContent);
const L = config.layout;
const Konva = window.Konva;
const $ = (id) => document.getElementById(id);

const PREVIEW_DELAY_MS = 450;
const NUDGE_COMMIT_MS = 500;
const SNAP_PX = 8;
const DRAFT_KEY = `caseforge-editor-draft:${config.product.slug}`;
const fontFamily = Object.fromEntries(config.fonts.map((f) => [f.name, f.family]));
const caseColour = /^#[0-9a-fA-F]{6}$/.test(config.colour.hex) ? config.colour.hex.toLowerCase() : "#ffffff";
const trimCentre = { x: L.trim.x + L.trim.w / 2, y: L.trim.y + L.trim.h / 2 };

const state = {
  layers: [], // bottom to top
  artworks: { ...config.artworks }, // id -> {width, height, url}
  selected: null, // uid
  saved: null, // {token, url, snapshot}
};
let nextUid = 1;
const history = new History();

// The server makes the visitor's id (and their session) with their first upload or save.
// Until then those requests go one at a time: run at once, each would make an id of its
// own, and the pictures of all but the last would be lost to the visitor.
let hasVisitor = Boolean(config.visitor);
let firstCreation = Promise.resolve();
function creating(work) {
  if (hasVisitor) {
    return work();
  }
  const run = firstCreation.then(work).then((result) => {
    hasVisitor = true;
    return result;
  });
  firstCreation = run.catch(() => {});
  return run;
}

// --- layers and the spec --------------------------------------------------------------

function coverWidth(art) {
  return Math.max(L.bleed.w, (L.bleed.h * art.width) / art.height);
}

function fromSpecLayer(layer) {
  const base = { uid: nextUid++, hidden: false };
  if (layer.type === "image") {
    const art = state.artworks[layer.artwork];
    if (!art) {
      return null;
    }
    const width = layer.width_mm ?? coverWidth(art) * (layer.scale ?? 1);
    return {
      ...base,
      type: "image",
      artwork: layer.artwork,
      x_mm: layer.x_mm,
      y_mm: layer.y_mm,
      width_mm: width,
      rotation: layer.rotation ?? 0,
      flip: layer.flip ?? "none",
      opacity: layer.opacity ?? 1,
    };
  }
  return {
    ...base,
    type: "text",
    text: layer.text,
    font: layer.font ?? config.fonts[0].name,
    size_mm: layer.size_mm ?? 6,
    colour: layer.colour ?? "#000000",
    x_mm: layer.x_mm,
    y_mm: layer.y_mm,
    rotation: layer.rotation ?? 0,
    opacity: layer.opacity ?? 1,
  };
}

function toSpecLayer(layer) {
  const common = { x_mm: round(layer.x_mm, 3), y_mm: round(layer.y_mm, 3), rotation: round(layer.rotation, 3) };
  if (layer.type === "image") {
    return {
      type: "image",
      artwork: layer.artwork,
      ...common,
      width_mm: round(Math.max(layer.width_mm, 0.1), 3),
      flip: layer.flip,
      opacity: layer.opacity,
    };
  }
  return {
    type: "text",
    text: layer.text,
    font: layer.font,
    size_mm: round(Math.min(Math.max(layer.size_mm, 0.5), 100), 3),
    colour: layer.colour,
    ...common,
    opacity: layer.opacity,
  };
}

function buildSpec() {
  return {
    version: 1,
    case: { material: config.product.material, colour: caseColour, finish: config.product.finish },
    background: "transparent",
    layers: state.layers.filter((l) => !l.hidden).map(toSpecLayer),
  };
}

function layerById(uid) {
  return state.layers.find((l) => l.uid === uid) || null;
}

function layerName(layer) {
  if (layer.type === "text") {
    return `Text “${layer.text.length > 18 ? `${layer.text.slice(0, 17)}…` : layer.text}”`;
  }
  const images = state.layers.filter((l) => l.type === "image");
  return `Picture ${images.indexOf(layer) + 1}`;
}

function snapshot() {
  return JSON.stringify(state.layers.map(({ uid, ...rest }) => ({ uid, ...rest })));
}

// --- the stage -------------------------------------------------------------------------

const container = $("editor-stage");
const stage = new Konva.Stage({ container, width: 300, height: 600 });
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

function fitStage() {
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
  node.on("mousedown touchstart", () => select(layer.uid, { focus: true }));
  node.on("dragmove", () => {
    snap(node, layer);
    layer.x_mm = node.x();
    layer.y_mm = node.y();
    changed({ live: true });
  });
  node.on("dragend", () => {
    guides.destroyChildren();
    overlayLayer.batchDraw();
    commit();
  });
  node.on("transform", () => {
    readTransform(node, layer);
    changed({ live: true });
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

function rebuild() {
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

// --- selection, history and updates ---------------------------------------------------

function select(uid, { focus = false } = {}) {
  state.selected = uid;
  attachTransformer();
  artLayer.batchDraw();
  renderLayerList();
  renderProps();
  if (focus && document.activeElement !== container) {
    container.focus({ preventScroll: true });
  }
}

function commit() {
  if (history.push(snapshot())) {
    changed({ live: false });
  }
  updateHistoryButtons();
}

function restore(text) {
  const layers = JSON.parse(text);
  state.layers = layers;
  rebuild();
  changed({ live: false });
  updateHistoryButtons();
}

function undo() {
  const text = history.undo();
  if (text !== null) {
    restore(text);
    say("Undone.");
  }
}

function redo() {
  const text = history.redo();
  if (text !== null) {
    restore(text);
    say("Redone.");
  }
}

function updateHistoryButtons() {
  $("editor-undo").disabled = !history.canUndo();
  $("editor-redo").disabled = !history.canRedo();
}

// Something changed: while a gesture runs (`live`) only the figures and warnings follow;
// after it, the layer list, the preview and the saved state too.
function changed({ live }) {
  renderProps();
  renderWarnings();
  if (!live) {
    renderLayerList();
    schedulePreview();
    markUnsaved();
  }
}

function say(message) {
  $("editor-status").textContent = message;
}

// --- warnings: resolution and the camera keep-out ---------------------------------------

function layerDpi(layer) {
  const art = state.artworks[layer.artwork];
  return art ? effectiveDpi(art.width, layer.width_mm) : 0;
}

function inKeepout(layer) {
  const node = nodes.get(layer.uid);
  const { w, h } = nodeSize(layer, node);
  return polygonsOverlap(boxCorners(layer.x_mm, layer.y_mm, w, h, layer.rotation), rectCorners(L.keepout));
}

function renderWarnings() {
  const box = $("editor-warnings");
  const items = [];
  for (const layer of state.layers) {
    if (layer.hidden) {
      continue;
    }
    const name = layerName(layer);
    if (layer.type === "image") {
      const dpi = Math.round(layerDpi(layer));
      const level = dpiLevel(dpi);
      if (level === "poor") {
        items.push(["poor", "dpi", `${name} prints at only ${dpi} DPI: it will look blurry. Make it smaller or use a larger picture.`]);
      } else if (level === "fair") {
        items.push(["fair", "dpi", `${name} prints at ${dpi} DPI: it may look soft. 300 DPI or more prints sharp.`]);
      }
    }
    if (inKeepout(layer)) {
      items.push(["keepout", "keepout", `${name} reaches into the camera cut-out: that part will not be printed.`]);
    }
  }
  box.replaceChildren(
    ...items.map(([level, kind, text]) => {
      const p = document.createElement("p");
      p.className = `editor__warning editor__warning--${level}`;
      p.dataset.kind = kind;
      p.textContent = text;
      return p;
    }),
  );
}

// --- the layer list ----------------------------------------------------------------------

function button(label, text, onClick, extra = {}) {
  const b = document.createElement("button");
  b.type = "button";
  b.className = "button button--quiet button--small";
  b.textContent = text;
  b.setAttribute("aria-label", label);
  Object.entries(extra).forEach(([k, v]) => b.setAttribute(k, v));
  b.addEventListener("click", onClick);
  return b;
}

function moveLayer(uid, by) {
  const i = state.layers.findIndex((l) => l.uid === uid);
  const j = i + by;
  if (i < 0 || j < 0 || j >= state.layers.length) {
    return;
  }
  [state.layers[i], state.layers[j]] = [state.layers[j], state.layers[i]];
  rebuild();
  commit();
}

function deleteLayer(uid) {
  const layer = layerById(uid);
  if (!layer) {
    return;
  }
  const name = layerName(layer);
  state.layers = state.layers.filter((l) => l.uid !== uid);
  if (state.selected === uid) {
    state.selected = null;
  }
  rebuild();
  commit();
  say(`${name} deleted. Undo brings it back.`);
}

function toggleHidden(uid) {
  const layer = layerById(uid);
  layer.hidden = !layer.hidden;
  nodes.get(uid).visible(!layer.hidden);
  attachTransformer();
  artLayer.batchDraw();
  commit();
}

function renderLayerList() {
  const list = $("editor-layers");
  const items = [...state.layers].reverse().map((layer, index, shown) => {
    const li = document.createElement("li");
    li.className = "editor__layer";
    li.classList.toggle("is-selected", layer.uid === state.selected);
    li.classList.toggle("is-hidden", layer.hidden);
    const name = layerName(layer);
    const label = document.createElement("button");
    label.type = "button";
    label.className = "editor__layer-name";
    label.setAttribute("aria-pressed", String(layer.uid === state.selected));
    label.textContent = name + (layer.type === "image" ? ` · ${Math.round(layerDpi(layer))} DPI` : "");
    label.addEventListener("click", () => select(layer.uid));
    const tools = document.createElement("span");
    tools.className = "editor__layer-tools";
    tools.append(
      button(`Move ${name} up`, "↑", () => moveLayer(layer.uid, 1), index === 0 ? { disabled: "" } : {}),
      button(`Move ${name} down`, "↓", () => moveLayer(layer.uid, -1), index === shown.length - 1 ? { disabled: "" } : {}),
      button(`${layer.hidden ? "Show" : "Hide"} ${name}`, layer.hidden ? "Show" : "Hide", () => toggleHidden(layer.uid)),
      button(`Delete ${name}`, "✕", () => deleteLayer(layer.uid)),
    );
    li.append(label, tools);
    return li;
  });
  if (!items.length) {
    const li = document.createElement("li");
    li.className = "muted";
    li.textContent = "No layers yet: upload a picture or add text.";
    items.push(li);
  }
  list.replaceChildren(...items);
}

// --- the selected layer's figures -------------------------------------------------------

const props = {
  x: $("prop-x"),
  y: $("prop-y"),
  width: $("prop-width"),
  size: $("prop-size"),
  rotation: $("prop-rotation"),
  text: $("prop-text"),
  colour: $("prop-colour"),
  font: $("prop-font"),
};

function setField(input, value) {
  if (document.activeElement !== input) {
    input.value = value;
  }
}

function renderProps() {
  const layer = layerById(state.selected);
  const panel = $("editor-props");
  panel.hidden = !layer;
  if (!layer) {
    return;
  }
  panel.querySelectorAll("[data-for]").forEach((el) => {
    el.hidden = el.dataset.for !== layer.type;
  });
  setField(props.x, round(layer.x_mm, 1));
  setField(props.y, round(layer.y_mm, 1));
  setField(props.rotation, round(((layer.rotation % 360) + 360) % 360, 1));
  const dpiLine = $("editor-dpi");
  if (layer.type === "image") {
    setField(props.width, round(layer.width_mm, 1));
    const dpi = Math.round(layerDpi(layer));
    const level = dpiLevel(dpi);
    dpiLine.dataset.level = level;
    dpiLine.textContent = `Print resolution: ${dpi} DPI${
      level === "good" ? " (sharp)" : level === "fair" ? " (may look soft; aim for 300)" : " (too low: will look blurry)"
    }`;
  } else {
    setField(props.size, round(layer.size_mm, 1));
    setField(props.text, layer.text);
    setField(props.colour, layer.colour.slice(0, 7));
    setField(props.font, layer.font);
  }
}

function onProp(input, apply) {
  input.addEventListener("change", () => {
    const layer = layerById(state.selected);
    if (!layer) {
      return;
    }
    if (apply(layer, input.value) === false) {
      renderProps();
      return;
    }
    applyLayer(nodes.get(layer.uid), layer);
    transformer.forceUpdate();
    artLayer.batchDraw();
    commit();
  });
}

const number = (value) => {
  const n = Number.parseFloat(value);
  return Number.isFinite(n) ? n : null;
};
onProp(props.x, (layer, v) => (number(v) === null ? false : void (layer.x_mm = Math.max(Math.min(number(v), 500), -500))));
onProp(props.y, (layer, v) => (number(v) === null ? false : void (layer.y_mm = Math.max(Math.min(number(v), 500), -500))));
onProp(props.rotation, (layer, v) => (number(v) === null ? false : void (layer.rotation = number(v) % 360)));
onProp(props.width, (layer, v) => (number(v) === null || number(v) <= 0 ? false : void (layer.width_mm = Math.min(number(v), 1000))));
onProp(props.size, (layer, v) => (number(v) === null ? false : void (layer.size_mm = Math.min(Math.max(number(v), 0.5), 100))));
onProp(props.text, (layer, v) => (v.trim() ? void (layer.text = v.slice(0, config.limits.text_chars)) : false));
onProp(props.colour, (layer, v) => void (layer.colour = v));
onProp(props.font, (layer, v) => void (layer.font = v));

$("editor-centre").addEventListener("click", () => {
  const layer = layerById(state.selected);
  if (layer) {
    layer.x_mm = trimCentre.x;
    layer.y_mm = trimCentre.y;
    applyLayer(nodes.get(layer.uid), layer);
    transformer.forceUpdate();
    artLayer.batchDraw();
    commit();
  }
});

// --- adding layers -----------------------------------------------------------------------

function addLayer(layer) {
  if (state.layers.length >= config.limits.layers) {
    say(`A design can have at most ${config.limits.layers} layers.`);
    return;
  }
  state.layers.push(layer);
  rebuild();
  select(layer.uid);
  commit();
}

function addImageLayer(id) {
  const art = state.artworks[id];
  const width = Math.min(L.safe.w, (L.safe.h * art.width) / art.height);
  addLayer({
    uid: nextUid++,
    hidden: false,
    type: "image",
    artwork: id,
    x_mm: trimCentre.x,
    y_mm: trimCentre.y,
    width_mm: width,
    rotation: 0,
    flip: "none",
    opacity: 1,
  });
  say(`${layerName(layerById(state.selected))} added. Drag it, or use the arrow keys on the case.`);
}

$("editor-add-text").addEventListener("click", () => {
  const input = $("editor-text");
  const text = input.value.trim();
  if (!text) {
    say("Type some text first.");
    input.focus();
    return;
  }
  addLayer({
    uid: nextUid++,
    hidden: false,
    type: "text",
    text: text.slice(0, config.limits.text_chars),
    font: config.fonts[0].name,
    size_mm: 8,
    colour: "#111111",
    x_mm: trimCentre.x,
    y_mm: L.trim.y + L.trim.h * 0.75,
    rotation: 0,
    opacity: 1,
  });
  input.value = "";
  say("Text added.");
});

// --- uploads -------------------------------------------------------------------------------

const progress = $("editor-upload-progress");
const uploadStatus = $("editor-upload-status");

async function upload(file) {
  if (!file) {
    return;
  }
  if (file.size > config.limits.upload_bytes) {
    uploadStatus.textContent = "The file is larger than 25 MB. Please choose a smaller image.";
    return;
  }
  progress.hidden = false;
  progress.value = 0;
  uploadStatus.textContent = `Uploading ${file.name}…`;
  try {
    const body = await creating(() =>
      uploadFile(config.urls.upload, file, (fraction) => {
        progress.value = Math.round(fraction * 100);
      }),
    );
    state.artworks[body.id] = { width: body.width, height: body.height, url: imageUrl(body.id) };
    uploadStatus.textContent = `Uploaded: ${body.width} × ${body.height} px.`;
    previousLoaded = false;
    addImageLayer(body.id);
  } catch (error) {
    uploadStatus.textContent = error instanceof ApiError ? error.message : "The upload failed.";
  } finally {
    progress.hidden = true;
    $("editor-file").value = "";
  }
}

function imageUrl(id) {
  return `${config.urls.artworks}${encodeURIComponent(id)}/image`;
}

$("editor-file").addEventListener("change", (event) => upload(event.target.files[0]));

const drop = $("editor-drop");
drop.addEventListener("dragover", (event) => {
  if (event.dataTransfer && Array.from(event.dataTransfer.types).includes("Files")) {
    event.preventDefault();
    drop.classList.add("is-dropping");
  }
});
drop.addEventListener("dragleave", () => drop.classList.remove("is-dropping"));
drop.addEventListener("drop", (event) => {
  event.preventDefault();
  drop.classList.remove("is-dropping");
  upload(event.dataTransfer.files[0]);
});

let previousLoaded = false;
$("editor-previous").addEventListener("toggle", async (event) => {
  if (!event.target.open || previousLoaded) {
    return;
  }
  const list = $("editor-previous-list");
  list.replaceChildren();
  try {
    const { artworks } = await getJson(config.urls.artworks);
    previousLoaded = true;
    if (!artworks.length) {
      const li = document.createElement("li");
      li.className = "muted";
      li.textContent = "No earlier pictures yet.";
      list.append(li);
    }
    for (const art of artworks) {
      state.artworks[art.id] = { width: art.width, height: art.height, url: art.url };
      const li = document.createElement("li");
      const b = document.createElement("button");
      b.type = "button";
      b.className = "editor__thumb";
      const img = document.createElement("img");
      img.src = art.url;
      img.alt = "";
      img.loading = "lazy";
      b.append(img, document.createTextNode(`${art.width} × ${art.height}`));
      b.setAttribute("aria-label", `Use the earlier picture of ${art.width} × ${art.height} px`);
      b.addEventListener("click", () => addImageLayer(art.id));
      li.append(b);
      list.append(li);
    }
  } catch (error) {
    list.textContent = error.message;
  }
});

// --- keyboard ------------------------------------------------------------------------------

let nudgeTimer = null;
container.addEventListener("keydown", (event) => {
  const layer = layerById(state.selected);
  const steps = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
  if (layer && steps[event.key]) {
    event.preventDefault();
    const step = event.shiftKey ? 10 : event.altKey ? 0.1 : 1;
    layer.x_mm += steps[event.key][0] * step;
    layer.y_mm += steps[event.key][1] * step;
    applyLayer(nodes.get(layer.uid), layer);
    transformer.forceUpdate();
    artLayer.batchDraw();
    changed({ live: true });
    clearTimeout(nudgeTimer);
    nudgeTimer = setTimeout(commit, NUDGE_COMMIT_MS);
  } else if (layer && (event.key === "Delete" || event.key === "Backspace")) {
    event.preventDefault();
    deleteLayer(layer.uid);
  } else if (event.key === "Escape") {
    select(null);
  }
});

document.addEventListener("keydown", (event) => {
  const target = event.target;
  if (target.closest && target.closest("input, textarea, select")) {
    return; // let fields undo their own typing
  }
  if (!(event.ctrlKey || event.metaKey) || event.altKey) {
    return;
  }
  const key = event.key.toLowerCase();
  if (key === "z" && !event.shiftKey) {
    event.preventDefault();
    commitPendingNudge();
    undo();
  } else if ((key === "z" && event.shiftKey) || key === "y") {
    event.preventDefault();
    redo();
  }
});

function commitPendingNudge() {
  if (nudgeTimer) {
    clearTimeout(nudgeTimer);
    nudgeTimer = null;
    commit();
  }
}

$("editor-undo").addEventListener("click", () => {
  commitPendingNudge();
  undo();
});
$("editor-redo").addEventListener("click", redo);

// Clicking next to the pictures deselects.
stage.on("mousedown touchstart", (event) => {
  if (event.target === stage) {
    select(null);
  }
});

// --- two-finger pinch and turn -------------------------------------------------------------

let pinch = null;

function touchPoint(touch) {
  const rect = container.getBoundingClientRect();
  return { x: touch.clientX - rect.left, y: touch.clientY - rect.top };
}

stage.on("touchmove", (event) => {
  const touches = event.evt.touches;
  const layer = layerById(state.selected);
  if (!layer || touches.length !== 2) {
    return;
  }
  event.evt.preventDefault();
  const node = nodes.get(layer.uid);
  const a = touchPoint(touches[0]);
  const b = touchPoint(touches[1]);
  const distance = Math.hypot(b.x - a.x, b.y - a.y);
  const angle = (Math.atan2(b.y - a.y, b.x - a.x) * 180) / Math.PI;
  if (!pinch) {
    if (node.isDragging()) {
      node.stopDrag();
    }
    pinch = { distance, angle, width: layer.width_mm, size: layer.size_mm, rotation: layer.rotation };
    return;
  }
  const factor = distance / Math.max(pinch.distance, 1);
  if (layer.type === "image") {
    layer.width_mm = Math.min(Math.max(pinch.width * factor, 1), 1000);
  } else {
    layer.size_mm = Math.min(Math.max(pinch.size * factor, 0.5), 100);
  }
  layer.rotation = round(pinch.rotation + angle - pinch.angle, 2);
  applyLayer(node, layer);
  transformer.forceUpdate();
  artLayer.batchDraw();
  changed({ live: true });
});

stage.on("touchend touchcancel", (event) => {
  if (pinch && event.evt.touches.length < 2) {
    pinch = null;
    commit();
  }
});

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

// --- the server preview ----------------------------------------------------------------------

const previewImg = $("editor-preview");
const previewStatus = $("editor-preview-status");
let previewTimer = null;
let previewAbort = null;
let previewSerial = 0;

function schedulePreview() {
  clearTimeout(previewTimer);
  previewTimer = setTimeout(renderPreview, PREVIEW_DELAY_MS);
}

async function renderPreview() {
  previewAbort?.abort();
  previewAbort = new AbortController();
  const serial = ++previewSerial;
  previewStatus.textContent = "Updating the preview…";
  previewImg.dataset.state = "loading";
  try {
    const response = await fetch(config.urls.preview, {
      method: "POST",
      credentials: "same-origin",
      signal: previewAbort.signal,
      headers: {
        "Content-Type": "application/json",
        Accept: "image/webp",
        "X-CSRFToken": csrfToken(),
      },
      body: JSON.stringify({ device: config.model.slug, spec: buildSpec() }),
    });
    if (!response.ok) {
      const body = await response.json().catch(() => ({}));
      throw new ApiError(body.error || `The preview failed (${response.status}).`, response.status);
    }
    const url = await blobToDataUrl(await response.blob());
    if (serial !== previewSerial) {
      return;
    }
    previewImg.src = url;
    previewImg.hidden = false;
    previewImg.dataset.state = "ready";
    previewStatus.textContent = `The printed case in ${config.colour.name.toLowerCase()}.`;
  } catch (error) {
    if (error.name === "AbortError") {
      return;
    }
    previewImg.dataset.state = "error";
    previewStatus.textContent = error.message;
  }
}

// --- saving, sharing, 3D, cart ------------------------------------------------------------------

const viewer = $("editor-3d");
const viewerStatus = $("editor-3d-status");
viewer.addEventListener("load", () => {
  viewer.dataset.loaded = "true";
  viewerStatus.textContent = "Drag to turn the case; pinch or scroll to zoom.";
});
viewer.addEventListener("error", () => {
  viewerStatus.textContent = "The 3D view could not be loaded. Please try again.";
});

function markUnsaved() {
  if (state.saved && state.saved.snapshot !== snapshot()) {
    $("editor-saved-message").textContent = "You changed the design since saving: save again to share the changes.";
  }
}

async function save() {
  const current = snapshot();
  if (state.saved && state.saved.snapshot === current) {
    return state.saved;
  }
  say("Saving…");
  const spec = buildSpec();
  const response = await creating(() =>
    postJson(config.urls.designs, {
      product: config.product.slug,
      device: config.model.slug,
      colour: config.colour.slug,
      spec,
    }),
  );
  const { token, url } = await response.json();
  state.saved = { token, url, snapshot: current };
  const link = new URL(url, window.location.origin).href;
  $("editor-share").value = link;
  $("editor-share-open").href = url;
  $("editor-saved").hidden = false;
  const query = new URLSearchParams({ model: config.model.slug, colour: config.colour.slug, design: token });
  window.history.replaceState(null, "", `?${query}`);
  sessionStorage.removeItem(DRAFT_KEY);
  say("Saved.");
  return state.saved;
}

function load3d(token) {
  const src = config.urls.glb.replace("TOKEN", encodeURIComponent(token));
  viewer.hidden = false;
  if (viewer.getAttribute("src") !== src) {
    delete viewer.dataset.loaded;
    viewerStatus.textContent = "Loading the 3D view…";
    viewer.setAttribute("src", src);
  }
}

async function withSave(action) {
  try {
    const saved = await save();
    action(saved);
  } catch (error) {
    say(error instanceof ApiError ? `Not saved: ${error.message}` : "Not saved: please try again.");
  }
}

$("editor-save").addEventListener("click", () =>
  withSave((saved) => {
    $("editor-saved-message").textContent = "Your design is saved. Anyone with this link can see and copy it:";
    load3d(saved.token);
  }),
);
$("editor-show-3d").addEventListener("click", () => withSave((saved) => load3d(saved.token)));
function addToCart(token) {
  // A plain form post, as the product page's button: the cart page answers with the result.
  const form = document.createElement("form");
  form.method = "post";
  form.action = config.urls.cart;
  form.hidden = true;
  const fields = { csrfmiddlewaretoken: csrfToken(), sku: config.sku, design: token, quantity: "1" };
  for (const [name, value] of Object.entries(fields)) {
    const input = document.createElement("input");
    input.type = "hidden";
    input.name = name;
    input.value = value;
    form.append(input);
  }
  document.body.append(form);
  form.submit();
}

$("editor-cart").addEventListener("click", () =>
  withSave((saved) => {
    if (config.urls.cart && config.sku) {
      say("Saved. Adding it to your cart…");
      addToCart(saved.token);
      return;
    }
    $("editor-saved-message").textContent =
      "This case cannot be ordered in this colour right now. Your design is saved: keep this link.";
    load3d(saved.token);
  }),
);
$("editor-share").addEventListener("focus", (event) => event.target.select());

// --- a draft kept across a change of phone model or colour ------------------------------------

$("editor-picker").addEventListener("submit", () => {
  if (state.layers.length && (!state.saved || state.saved.snapshot !== snapshot())) {
    const draft = { layers: state.layers, artworks: state.artworks };
    sessionStorage.setItem(DRAFT_KEY, JSON.stringify(draft));
  }
});

// --- start ------------------------------------------------------------------------------------

function start() {
  if (config.spec) {
    state.layers = (config.spec.layers || []).map(fromSpecLayer).filter(Boolean);
  } else {
    const draft = sessionStorage.getItem(DRAFT_KEY);
    if (draft) {
      try {
        const parsed = JSON.parse(draft);
        Object.assign(state.artworks, parsed.artworks || {});
        state.layers = (parsed.layers || []).map((l) => ({ ...l, uid: nextUid++ }));
        say("Your unsaved design came along to this case.");
      } catch {
        state.layers = [];
      }
      sessionStorage.removeItem(DRAFT_KEY);
    }
  }
  fitStage();
  rebuild();
  history.push(snapshot());
  updateHistoryButtons();
  renderLayerList();
  renderWarnings();
  renderPreview();
  container.dataset.ready = "true";
  // Text is measured in its font: draw again once the fonts are in.
  Promise.all(config.fonts.map((f) => document.fonts.load(`16px "${f.family}"`)))
    .catch(() => null)
    .then(() => {
      for (const layer of state.layers) {
        if (layer.type === "text") {
          applyLayer(nodes.get(layer.uid), layer);
        }
      }
      transformer.forceUpdate();
      artLayer.batchDraw();
      renderWarnings();
    });
}

start();

// For tests and the curious: the current spec, and where things are on the page.
window.caseforgeEditor = {
  spec: buildSpec,
  state,
  // The screen point (page coordinates) of a point on the case in mm.
  pagePoint(xMm, yMm) {
    const rect = container.getBoundingClientRect();
    return { x: rect.left + view.x + xMm * view.ppm, y: rect.top + view.y + yMm * view.ppm };
  },
  // Page coordinates of the selection's transformer handle `name` ("bottom-right", ...).
  handle(name) {
    const rect = container.getBoundingClientRect();
    const anchor = transformer.findOne(`.${name}`);
    if (!anchor) {
      return null;
    }
    const p = anchor.getAbsolutePosition();
    return { x: rect.left + p.x, y: rect.top + p.y };
  },
};
