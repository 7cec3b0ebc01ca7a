// Moving the selected layer without dragging it: arrow keys on the canvas (Shift for 10 mm,
// Alt for 0.1 mm steps; a run of nudges is committed once it pauses), Delete, Escape, a click
// beside the pictures, and a two-finger pinch and turn on a touch screen.

import { container, redrawLayer, stage, stopDragging } from "./canvas.js";
import { round } from "./geometry.js";
import { layerById, state } from "./layers.js";
import { commit } from "./undo.js";

const NUDGE_COMMIT_MS = 500;

// Set by editor.js: select(uid), changed({live}) and deleteLayer(uid).
let hooks = { select() {}, changed() {}, deleteLayer() {} };

export function connectGestures(editorHooks) {
  hooks = editorHooks;
}

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
    redrawLayer(layer);
    hooks.changed({ live: true });
    clearTimeout(nudgeTimer);
    nudgeTimer = setTimeout(commit, NUDGE_COMMIT_MS);
  } else if (layer && (event.key === "Delete" || event.key === "Backspace")) {
    event.preventDefault();
    hooks.deleteLayer(layer.uid);
  } else if (event.key === "Escape") {
    hooks.select(null);
  }
});

// Commit a run of nudges now rather than when it pauses (before an undo).
export function commitPendingNudge() {
  if (nudgeTimer) {
    clearTimeout(nudgeTimer);
    nudgeTimer = null;
    commit();
  }
}

// Clicking next to the pictures deselects.
stage.on("mousedown touchstart", (event) => {
  if (event.target === stage) {
    hooks.select(null);
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
  const a = touchPoint(touches[0]);
  const b = touchPoint(touches[1]);
  const distance = Math.hypot(b.x - a.x, b.y - a.y);
  const angle = (Math.atan2(b.y - a.y, b.x - a.x) * 180) / Math.PI;
  if (!pinch) {
    stopDragging(layer);
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
  redrawLayer(layer);
  hooks.changed({ live: true });
});

stage.on("touchend touchcancel", (event) => {
  if (pinch && event.evt.touches.length < 2) {
    pinch = null;
    commit();
  }
});
