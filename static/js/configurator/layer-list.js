// The list of layers beside the canvas (top of the list is on top): select a layer, move it
// up or down, hide or show it, delete it.

import { rebuild, showVisibility } from "./canvas.js";
import { layerById, layerDpi, layerName, state } from "./layers.js";
import { $, say } from "./page.js";
import { commit } from "./undo.js";

// Set by editor.js: select(uid) selects a layer.
let hooks = { select() {} };

export function connectLayerList(editorHooks) {
  hooks = editorHooks;
}

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

export function deleteLayer(uid) {
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
  showVisibility(layer);
  commit();
}

export function renderLayerList() {
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
    label.addEventListener("click", () => hooks.select(layer.uid));
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
