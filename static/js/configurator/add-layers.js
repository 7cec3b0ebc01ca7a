// Adding layers: a picture (uploaded, dropped on the canvas, or one of the visitor's earlier
// pictures) or a line of text, placed at the centre of the case.

import { ApiError, getJson, uploadFile } from "./api.js";
import { rebuild } from "./canvas.js";
import { layerById, layerName, newUid, state } from "./layers.js";
import { $, L, config, say, trimCentre } from "./page.js";
import { commit } from "./undo.js";
import { creating } from "./visitor.js";

// Set by editor.js: select(uid) selects a layer.
let hooks = { select() {} };

export function connectAddLayers(editorHooks) {
  hooks = editorHooks;
}

function addLayer(layer) {
  if (state.layers.length >= config.limits.layers) {
    say(`A design can have at most ${config.limits.layers} layers.`);
    return;
  }
  state.layers.push(layer);
  rebuild();
  hooks.select(layer.uid);
  commit();
}

function addImageLayer(id) {
  const art = state.artworks[id];
  const width = Math.min(L.safe.w, (L.safe.h * art.width) / art.height);
  addLayer({
    uid: newUid(),
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
    uid: newUid(),
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

// --- earlier pictures ------------------------------------------------------------------------

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
