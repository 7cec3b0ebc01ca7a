// The shopper's case editor: pictures and text on the case back, in millimetres.
//
// This module wires the editor's parts together and starts it. The page
// (configurator/templates/configurator/editor.html) hands over its configuration as JSON
// (page.js); the layers and the spec are in layers.js, the Konva canvas in canvas.js and
// gestures.js, undo in undo.js, the panels in layer-list.js, properties.js, warnings.js and
// add-layers.js, the previews in preview.js and preview-3d.js, saving in saving.js and
// draft.js. The parts call back into the editor through the hooks given here, so no module
// imports one that imports it.

import { connectAddLayers } from "./add-layers.js";
import {
  connectCanvas,
  container,
  fitStage,
  handlePoint,
  pagePoint,
  rebuild,
  redrawTexts,
  showSelection,
} from "./canvas.js";
import { takeDraft } from "./draft.js";
import { commitPendingNudge, connectGestures } from "./gestures.js";
import { connectLayerList, deleteLayer, renderLayerList } from "./layer-list.js";
import { buildSpec, fromSpecLayer, state } from "./layers.js";
import { config } from "./page.js";
import { renderPreview, schedulePreview } from "./preview.js";
import { renderProps } from "./properties.js";
import { markUnsaved } from "./saving.js";
import { connectUndo, startHistory } from "./undo.js";
import { renderWarnings } from "./warnings.js";

function select(uid, { focus = false } = {}) {
  state.selected = uid;
  showSelection();
  renderLayerList();
  renderProps();
  if (focus && document.activeElement !== container) {
    container.focus({ preventScroll: true });
  }
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

connectCanvas({ select, changed });
connectGestures({ select, changed, deleteLayer });
connectLayerList({ select });
connectAddLayers({ select });
connectUndo({ rebuild, changed, beforeUndo: commitPendingNudge });

function start() {
  if (config.spec) {
    state.layers = (config.spec.layers || []).map(fromSpecLayer).filter(Boolean);
  } else {
    takeDraft();
  }
  fitStage();
  rebuild();
  startHistory();
  renderLayerList();
  renderWarnings();
  renderPreview();
  container.dataset.ready = "true";
  // Text is measured in its font: draw again once the fonts are in.
  Promise.all(config.fonts.map((f) => document.fonts.load(`16px "${f.family}"`)))
    .catch(() => null)
    .then(() => {
      redrawTexts();
      renderWarnings();
    });
}

start();

// For tests and the curious: the current spec, and where things are on the page.
window.caseforgeEditor = {
  spec: buildSpec,
  state,
  // The screen point (page coordinates) of a point on the case in mm.
  pagePoint,
  // Page coordinates of the selection's transformer handle `name` ("bottom-right", ...).
  handle: handlePoint,
};
