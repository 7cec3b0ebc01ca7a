// caseforge storefront: progressive enhancement only; every page works without this file.
document.documentElement.classList.add("js");

// A panel open by default (the catalog filters) starts folded on narrow screens, so that
// the first products show without scrolling; a summary opens it.
document.querySelectorAll("details[data-fold-below]").forEach((panel) => {
  if (window.matchMedia(`(max-width: ${panel.dataset.foldBelow})`).matches) {
    panel.open = false;
  }
});

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

// Product gallery: a thumbnail shows its picture as the main one in place (without
// JavaScript it is a link to the same page with ?photo=), and picking a phone model or
// colour shows staff's photo of that colour, else staff's photo of no particular colour,
// else the engine's render of the chosen variant (the server's choice, see
// shop/catalog/presentation.py product_gallery).
function showPicture(src, alt) {
  const main = document.querySelector("[data-gallery-main]");
  if (!main) {
    return;
  }
  main.src = src;
  main.alt = alt;
  document.querySelectorAll("[data-gallery-thumb]").forEach((thumb) => {
    if (thumb.dataset.photoSrc === src) {
      thumb.setAttribute("aria-current", "true");
    } else {
      thumb.removeAttribute("aria-current");
    }
  });
}

function showPhoto(thumb) {
  showPicture(thumb.dataset.photoSrc, thumb.dataset.photoAlt);
}

document.addEventListener("click", (event) => {
  const thumb = event.target.closest("[data-gallery-thumb]");
  if (!thumb || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) {
    return; // let modified clicks open the link in a new tab as usual
  }
  event.preventDefault();
  showPhoto(thumb);
});

document.addEventListener("htmx:afterSwap", () => {
  const purchase = document.getElementById("purchase");
  const colour = document.querySelector('#purchase input[name="colour"]:checked');
  if (!purchase || !colour) {
    return;
  }
  const staff = Array.from(document.querySelectorAll("[data-gallery-thumb]")).filter(
    (thumb) => !("render" in thumb.dataset),
  );
  const thumb =
    staff.find((candidate) => candidate.dataset.colour === colour.value) ||
    staff.find((candidate) => !candidate.dataset.colour);
  if (thumb) {
    showPhoto(thumb);
  } else if (purchase.dataset.variantImage) {
    showPicture(purchase.dataset.variantImage, purchase.dataset.variantImageAlt);
  }
});
