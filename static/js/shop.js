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
