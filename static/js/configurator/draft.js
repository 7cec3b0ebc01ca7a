// A draft kept across a change of phone model or colour: the picker reloads the page, so
// unsaved layers wait in the tab's sessionStorage and come along to the new case.

import { newUid, snapshot, state } from "./layers.js";
import { $, config, say } from "./page.js";

const DRAFT_KEY = `caseforge-editor-draft:${config.product.slug}`;

$("editor-picker").addEventListener("submit", () => {
  if (state.layers.length && (!state.saved || state.saved.snapshot !== snapshot())) {
    const draft = { layers: state.layers, artworks: state.artworks };
    sessionStorage.setItem(DRAFT_KEY, JSON.stringify(draft));
  }
});

// Take the draft a change of case brought along, if any, into the layers.
export function takeDraft() {
  const draft = sessionStorage.getItem(DRAFT_KEY);
  if (draft) {
    try {
      const parsed = JSON.parse(draft);
      Object.assign(state.artworks, parsed.artworks || {});
      state.layers = (parsed.layers || []).map((l) => ({ ...l, uid: newUid() }));
      say("Your unsaved design came along to this case.");
    } catch {
      state.layers = [];
    }
    sessionStorage.removeItem(DRAFT_KEY);
  }
}

// The design is saved: there is no draft to keep.
export function dropDraft() {
  sessionStorage.removeItem(DRAFT_KEY);
}
