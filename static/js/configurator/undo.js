// The editor's undo and redo: each finished change is committed as a snapshot of the layers
// (History, history.js); undo and redo restore one. Also the Undo and Redo buttons and their
// keyboard shortcuts (Ctrl+Z, Ctrl+Shift+Z, Ctrl+Y).

import { History } from "./history.js";
import { snapshot, state } from "./layers.js";
import { $, say } from "./page.js";

const history = new History();

// Set by editor.js: rebuild() redraws the layers, changed({live}) updates the rest of the
// page, beforeUndo() commits a change still waiting (a run of arrow-key nudges).
let hooks = { rebuild() {}, changed() {}, beforeUndo() {} };

export function connectUndo(editorHooks) {
  hooks = editorHooks;
}

// The layers as they are when the editor opens: what undo goes back to at most.
export function startHistory() {
  history.push(snapshot());
  updateHistoryButtons();
}

export function commit() {
  if (history.push(snapshot())) {
    hooks.changed({ live: false });
  }
  updateHistoryButtons();
}

function restore(text) {
  const layers = JSON.parse(text);
  state.layers = layers;
  hooks.rebuild();
  hooks.changed({ live: false });
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
    hooks.beforeUndo();
    undo();
  } else if ((key === "z" && event.shiftKey) || key === "y") {
    event.preventDefault();
    redo();
  }
});

$("editor-undo").addEventListener("click", () => {
  hooks.beforeUndo();
  undo();
});
$("editor-redo").addEventListener("click", redo);
