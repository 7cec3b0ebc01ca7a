// The editor's layers and what they say: the state (layers, pictures, selection, last save),
// and the conversion to and from engine spec layers (configurator/engine/spec.py). Layers are
// spec layers in mm plus editor-only fields (uid, hidden).

import { effectiveDpi, round } from "./geometry.js";
import { L, caseColour, config } from "./page.js";

export const state = {
  layers: [], // bottom to top
  artworks: { ...config.artworks }, // id -> {width, height, url}
  selected: null, // uid
  saved: null, // {token, url, snapshot}
};
let nextUid = 1;

export function newUid() {
  return nextUid++;
}

function coverWidth(art) {
  return Math.max(L.bleed.w, (L.bleed.h * art.width) / art.height);
}

export function fromSpecLayer(layer) {
  const base = { uid: newUid(), hidden: false };
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

export function buildSpec() {
  return {
    version: 1,
    case: { material: config.product.material, colour: caseColour, finish: config.product.finish },
    background: "transparent",
    layers: state.layers.filter((l) => !l.hidden).map(toSpecLayer),
  };
}

export function layerById(uid) {
  return state.layers.find((l) => l.uid === uid) || null;
}

export function layerName(layer) {
  if (layer.type === "text") {
    return `Text “${layer.text.length > 18 ? `${layer.text.slice(0, 17)}…` : layer.text}”`;
  }
  const images = state.layers.filter((l) => l.type === "image");
  return `Picture ${images.indexOf(layer) + 1}`;
}

// The layers as JSON text: what undo and redo keep, and what a save is compared with.
export function snapshot() {
  return JSON.stringify(state.layers.map(({ uid, ...rest }) => ({ uid, ...rest })));
}

// The print resolution of a picture layer at its size on the case.
export function layerDpi(layer) {
  const art = state.artworks[layer.artwork];
  return art ? effectiveDpi(art.width, layer.width_mm) : 0;
}
