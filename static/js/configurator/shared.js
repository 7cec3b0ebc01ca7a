// The shared design page: say when the 3D view has loaded, or that it could not.
const viewer = document.getElementById("shared-3d");
const status = document.getElementById("shared-3d-status");
if (viewer && status) {
  viewer.addEventListener("load", () => {
    status.textContent = "Drag to turn the case; pinch or scroll to zoom.";
    viewer.dataset.loaded = "true";
  });
  viewer.addEventListener("error", () => {
    status.textContent = "The 3D view could not be loaded. Please try again later.";
  });
}
