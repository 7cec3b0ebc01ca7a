// The import-export "Select all" toggle, wired here because the CSP refuses inline handlers.
document.addEventListener("change", (event) => {
  if (event.target.matches("input.select-toggle") && typeof onSelectToggleChange === "function") {
    onSelectToggleChange(event);
  }
});
