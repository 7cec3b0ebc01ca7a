// Staff admin: follow a render job of a design's production files. The page names the
// job's progress address in data-render-progress-url; this polls it every second, shows
// the files done, and reloads the page once the job has finished, so the download links
// and the preflight findings show. No inline script (the CSP forbids it).
(() => {
  const box = document.querySelector("[data-render-progress-url]");
  if (!box || box.dataset.finished === "true") {
    return;
  }
  const show = (name, text) => {
    const element = box.querySelector(`[data-render-${name}]`);
    if (element) {
      element.textContent = text;
    }
  };
  const poll = async () => {
    try {
      const response = await fetch(box.dataset.renderProgressUrl, {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      });
      if (response.ok) {
        const job = await response.json();
        show("status", job.status_display);
        show("done", String(job.done));
        show("total", String(job.total));
        const bar = box.querySelector("[data-render-bar]");
        if (bar) {
          bar.max = Math.max(job.total, 1);
          bar.value = job.done;
        }
        if (job.finished) {
          box.dataset.finished = "true";
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
