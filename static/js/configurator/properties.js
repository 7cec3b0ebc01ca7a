// The selected layer's figures as form fields (position, size, angle; text, colour, font),
// its print resolution, and "Centre on the case". A changed field is committed for undo.

import { redrawLayer } from "./canvas.js";
import { dpiLevel, round } from "./geometry.js";
import { layerById, layerDpi, state } from "./layers.js";
import { $, config, trimCentre } from "./page.js";
import { commit } from "./undo.js";

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

export function renderProps() {
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
    redrawLayer(layer);
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
    redrawLayer(layer);
    commit();
  }
});
