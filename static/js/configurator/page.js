// What the editor page hands the editor: its configuration (#editor-config, from
// configurator/templates/configurator/editor.html), its elements, and the status line.
// The configuration has the product, phone model, colour and the case's print layout in mm
// from the engine.

export const config = JSON.parse(document.getElementById("editor-config").textContent);
export const L = config.layout;
export const $ = (id) => document.getElementById(id);

export const fontFamily = Object.fromEntries(config.fonts.map((f) => [f.name, f.family]));
export const caseColour = /^#[0-9a-fA-F]{6}$/.test(config.colour.hex) ? config.colour.hex.toLowerCase() : "#ffffff";
export const trimCentre = { x: L.trim.x + L.trim.w / 2, y: L.trim.y + L.trim.h / 2 };

export function say(message) {
  $("editor-status").textContent = message;
}
