// The order page follows its order while payment or production is awaited: it polls the
// order's status address (data-order-status-url) and reloads once the status or the
// payment state differs from what the page shows. Slower after the first minutes; stops
// on a client error (signed out, no such order). No inline script (the CSP forbids it).
(() => {
  const box = document.querySelector("[data-order-status-url]");
  if (!box) {
    return;
  }
  const started = Date.now();
  const delay = () => (Date.now() - started < 5 * 60 * 1000 ? 3000 : 15000);
  const poll = async () => {
    try {
      const response = await fetch(box.dataset.orderStatusUrl, {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
        cache: "no-store",
      });
      if (response.ok) {
        const order = await response.json();
        if (
          order.status !== box.dataset.status ||
          order.payment_state !== box.dataset.paymentState
        ) {
          window.location.reload();
          return;
        }
        if (!order.following) {
          return;
        }
      } else if (response.status >= 400 && response.status < 500 && response.status !== 429) {
        return;
      }
    } catch (error) {
      // A network hiccup: try again on the next tick.
    }
    window.setTimeout(poll, delay());
  };
  window.setTimeout(poll, delay());
})();
