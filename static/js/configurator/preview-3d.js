// The 3D preview: <model-viewer> shows a saved design's case (its GLB) and says when it has
// loaded, or that it could not.

import { $, config } from "./page.js";

const viewer = $("editor-3d");
const viewerStatus = $("editor-3d-status");
viewer.addEventListener("load", () => {
  viewer.dataset.loaded = "true";
  viewerStatus.textContent = "Drag to turn the case; pinch or scroll to zoom.";
});
viewer.addEventListener("error", () => {
  viewerStatus.textContent = "The 3D view could not be loaded. Please try again.";
});

export function load3d(token) {
  const src = config.urls.glb.replace("TOKEN", encodeURIComponent(token));
  viewer.hidden = false;
  if (viewer.getAttribute("src") !== src) {
    delete viewer.dataset.loaded;
    viewerStatus.textContent = "Loading the 3D view…";
    viewer.setAttribute("src", src);
  }
}
