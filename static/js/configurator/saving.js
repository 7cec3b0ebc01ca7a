// Saving the design (a new design on the server each time it changed), then sharing its
// link, showing it in 3D, or adding the case with it to the cart.

import { ApiError, csrfToken, postJson } from "./api.js";
import { dropDraft } from "./draft.js";
import { buildSpec, snapshot, state } from "./layers.js";
import { $, config, say } from "./page.js";
import { load3d } from "./preview-3d.js";
import { creating } from "./visitor.js";

export function markUnsaved() {
  if (state.saved && state.saved.snapshot !== snapshot()) {
    $("editor-saved-message").textContent = "You changed the design since saving: save again to share the changes.";
  }
}

async function save() {
  const current = snapshot();
  if (state.saved && state.saved.snapshot === current) {
    return state.saved;
  }
  say("Saving…");
  const spec = buildSpec();
  const response = await creating(() =>
    postJson(config.urls.designs, {
      product: config.product.slug,
      device: config.model.slug,
      colour: config.colour.slug,
      spec,
    }),
  );
  const { token, url } = await response.json();
  state.saved = { token, url, snapshot: current };
  const link = new URL(url, window.location.origin).href;
  $("editor-share").value = link;
  $("editor-share-open").href = url;
  $("editor-saved").hidden = false;
  const query = new URLSearchParams({ model: config.model.slug, colour: config.colour.slug, design: token });
  window.history.replaceState(null, "", `?${query}`);
  dropDraft();
  say("Saved.");
  return state.saved;
}

async function withSave(action) {
  try {
    const saved = await save();
    action(saved);
  } catch (error) {
    say(error instanceof ApiError ? `Not saved: ${error.message}` : "Not saved: please try again.");
  }
}

$("editor-save").addEventListener("click", () =>
  withSave((saved) => {
    $("editor-saved-message").textContent = "Your design is saved. Anyone with this link can see and copy it:";
    load3d(saved.token);
  }),
);
$("editor-show-3d").addEventListener("click", () => withSave((saved) => load3d(saved.token)));
function addToCart(token) {
  // A plain form post, as the product page's button: the cart page answers with the result.
  const form = document.createElement("form");
  form.method = "post";
  form.action = config.urls.cart;
  form.hidden = true;
  const fields = { csrfmiddlewaretoken: csrfToken(), sku: config.sku, design: token, quantity: "1" };
  for (const [name, value] of Object.entries(fields)) {
    const input = document.createElement("input");
    input.type = "hidden";
    input.name = name;
    input.value = value;
    form.append(input);
  }
  document.body.append(form);
  form.submit();
}

$("editor-cart").addEventListener("click", () =>
  withSave((saved) => {
    if (config.urls.cart && config.sku) {
      say("Saved. Adding it to your cart…");
      addToCart(saved.token);
      return;
    }
    $("editor-saved-message").textContent =
      "This case cannot be ordered in this colour right now. Your design is saved: keep this link.";
    load3d(saved.token);
  }),
);
$("editor-share").addEventListener("focus", (event) => event.target.select());
