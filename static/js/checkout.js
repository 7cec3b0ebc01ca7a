// Checkout: choosing another country or shipping method shows its prices and the new total
// at once, by pressing the form's own "Update shipping prices" button (the server prices
// everything; without script the shopper presses it). No inline script (the CSP forbids it).
(() => {
  const form = document.querySelector("[data-checkout-form]");
  const update = form && form.querySelector("[data-update-shipping]");
  if (!update) {
    return;
  }
  form.addEventListener("change", (event) => {
    const name = event.target.name;
    if (name === "country" || name === "method") {
      update.click();
    }
  });
})();
