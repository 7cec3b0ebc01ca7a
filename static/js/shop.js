// caseforge storefront: progressive enhancement only; every page works without this file.
document.documentElement.classList.add("js");

// When the htmx variant picker changes the phone model, preselect it in the wholesale
// inquiry form too, unless the shopper already chose something there themselves.
document.addEventListener("change", (event) => {
  if (event.target.id === "inquiry-phone_model") {
    event.target.dataset.touched = "true";
  }
});

document.addEventListener("htmx:afterSwap", () => {
  const picker = document.getElementById("picker-model");
  const inquiry = document.getElementById("inquiry-phone_model");
  if (!picker || !inquiry || inquiry.dataset.touched) {
    return;
  }
  if (Array.from(inquiry.options).some((option) => option.value === picker.value)) {
    inquiry.value = picker.value;
  }
});

// A 429 (rate limited) answer to an htmx form carries a note to show in the form's region.
document.addEventListener("htmx:beforeSwap", (event) => {
  if (event.detail.xhr.status === 429) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});

// After the inquiry form's region is swapped, move focus to its note or first invalid field,
// so keyboard and screen reader users hear the outcome.
document.addEventListener("htmx:afterSwap", (event) => {
  if (event.detail.target.id !== "inquiry-region") {
    return;
  }
  const region = document.getElementById("inquiry-region");
  const target = region && region.querySelector("#inquiry-region > [tabindex='-1'], [aria-invalid='true']");
  if (target) {
    target.focus();
  }
});
