// The live preview: the server renders the design on the case (a WebP image) a moment after
// each finished change; an older answer never replaces a newer one.

import { ApiError, blobToDataUrl, csrfToken } from "./api.js";
import { buildSpec } from "./layers.js";
import { $, config } from "./page.js";

const PREVIEW_DELAY_MS = 450;

const previewImg = $("editor-preview");
const previewStatus = $("editor-preview-status");
let previewTimer = null;
let previewAbort = null;
let previewSerial = 0;

export function schedulePreview() {
  clearTimeout(previewTimer);
  previewTimer = setTimeout(renderPreview, PREVIEW_DELAY_MS);
}

export async function renderPreview() {
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
