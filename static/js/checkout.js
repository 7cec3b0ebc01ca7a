// Checkout: choosing another country or shipping method shows its prices and the new total
// at once, by pressing the form's own "Update shipping prices" button (the server prices
// everything; without script the shopper presses it). No inline script (the CSP forbids it).
(() => {
  const form = document.querySelector("[data-checkout-form]");
  const update = form && form.querySelector("[data-update-shipping]");
  if (!update) {
    return;
  }
  // One order per press: a second click while the first is on its way does nothing.
  form.addEventListener("submit", (event) => {
    if (form.dataset.submitting === "true") {
      event.preventDefault();
      return;
    }
    form.dataset.submitting = "true";
  });
  // Back from the payment page (restored from the back-forward cache): pressable again.
  window.addEventListener("pageshow", () => {
    form.dataset.submitting = "";
  });
  form.addEventListener("change", (event) => {
    const name = event.target.name;
    if (name === "country" || name === "method") {
      update.click();
    }
  });
})();
