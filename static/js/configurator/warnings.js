// The warnings under the canvas: a picture printed at too low a resolution, and a layer
// reaching into the camera keep-out (where nothing is printed).

import { layerSize } from "./canvas.js";
import { boxCorners, dpiLevel, polygonsOverlap, rectCorners } from "./geometry.js";
import { layerDpi, layerName, state } from "./layers.js";
import { $, L } from "./page.js";

function inKeepout(layer) {
  const { w, h } = layerSize(layer);
  return polygonsOverlap(boxCorners(layer.x_mm, layer.y_mm, w, h, layer.rotation), rectCorners(L.keepout));
}

export function renderWarnings() {
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
