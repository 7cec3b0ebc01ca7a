// Staff admin: follow a background CSV import job. The page names its progress address in
// data-progress-url; this polls it every second and reloads the page once the job has
// finished, so the summary or the errors show. No inline script (the CSP forbids it).
(() => {
  const box = document.querySelector("[data-progress-url]");
  if (!box || box.dataset.finished === "true") {
    return;
  }
  const show = (name, text) => {
    const element = box.querySelector(`[data-import-${name}]`);
    if (element) {
      element.textContent = text;
    }
  };
  const poll = async () => {
    try {
      const response = await fetch(box.dataset.progressUrl, {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      });
      if (response.ok) {
        const job = await response.json();
        show("status", job.status_display);
        show("rows-done", job.rows_done.toLocaleString());
        show("rows-total", job.rows_total.toLocaleString());
        const bar = box.querySelector("[data-import-progress]");
        if (bar) {
          bar.max = Math.max(job.rows_total, 1);
          bar.value = job.rows_done;
        }
        if (job.finished) {
          window.location.reload();
          return;
        }
      } else if (response.status >= 400 && response.status < 500) {
        // Signed out, no permission or no such job: polling again cannot help.
        show("status", "Progress is not available (reload the page)");
        return;
      }
    } catch (error) {
      // A network hiccup: try again on the next tick.
    }
    window.setTimeout(poll, 1000);
  };
  window.setTimeout(poll, 1000);
})();
