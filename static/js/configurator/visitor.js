// The server makes the visitor's id (and their session) with their first upload or save.
// Until then those requests go one at a time: run at once, each would make an id of its
// own, and the pictures of all but the last would be lost to the visitor.

import { config } from "./page.js";

let hasVisitor = Boolean(config.visitor);
let firstCreation = Promise.resolve();

export function creating(work) {
  if (hasVisitor) {
    return work();
  }
  const run = firstCreation.then(work).then((result) => {
    hasVisitor = true;
    return result;
  });
  firstCreation = run.catch(() => {});
  return run;
}
