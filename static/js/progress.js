// Staff admin: follow a background job (a CSV import, a render of a design's production
// files) and reload the page once it has finished, so its outcome shows. No inline script
// (the CSP forbids it); the page says what to follow in data attributes:
//
//   data-progress-url        on the job's box: the progress address, polled every second;
//                            data-finished="true" there means there is nothing to follow.
//   data-progress-show="f"   on an element in the box: shows the job's field `f` (a number
//                            in the reader's format); the one showing "status_display" also
//                            says when progress is not available.
//   data-progress-bar="d/t"  on a <progress> in the box: its value is field `d`, its
//                            maximum field `t` (at least 1).
(() => {
  const box = document.querySelector("[data-progress-url]");
  if (!box || box.dataset.finished === "true") {
    return;
  }
  const show = (field, text) => {
    const element = box.querySelector(`[data-progress-show="${field}"]`);
    if (element) {
      element.textContent = text;
    }
  };
  const format = (value) => (typeof value === "number" ? value.toLocaleString() : String(value));
  const poll = async () => {
    try {
      const response = await fetch(box.dataset.progressUrl, {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      });
      if (response.ok) {
        const job = await response.json();
        for (const element of box.querySelectorAll("[data-progress-show]")) {
          const field = element.dataset.progressShow;
          if (field in job) {
            element.textContent = format(job[field]);
          }
        }
        const bar = box.querySelector("[data-progress-bar]");
        if (bar) {
          const [done, total] = bar.dataset.progressBar.split("/");
          bar.max = Math.max(job[total], 1);
          bar.value = job[done];
        }
        if (job.finished) {
          box.dataset.finished = "true";
          window.location.reload();
          return;
        }
      } else if (response.status >= 400 && response.status < 500) {
        // Signed out, no permission or no such job: polling again cannot help.
        show("status_display", "Progress is not available (reload the page)");
        return;
      }
    } catch (error) {
      // A network hiccup: try again on the next tick.
    }
    window.setTimeout(poll, 1000);
  };
  window.setTimeout(poll, 1000);
})();
